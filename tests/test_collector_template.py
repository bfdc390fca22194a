"""examples/collector/template.yaml: cfn-lint clean, the reader may only read the snapshots,
and the collector's role allows exactly what the collector calls (counted by the sandbox)."""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest
from cfnlint.decode import decode

from jupyter_costwidget.aws.clients import AwsClients, iam_action
from jupyter_costwidget.collector.location import SnapshotLocation
from jupyter_costwidget.collector.run import Collector, CollectorSettings, collector_config
from jupyter_costwidget.sandbox import ACCOUNT_SCENARIO

TEMPLATE = Path(__file__).resolve().parent.parent / "examples" / "collector" / "template.yaml"
# GetCallerIdentity needs no permission: "No permissions are required to perform this
# operation" (AWS STS API Reference, GetCallerIdentity).
NO_PERMISSION = {"sts:GetCallerIdentity"}
# Allowed but not called on this scenario: a space's volume size when ListSpaces lacks it
# (aws/descriptions.py), and ListBucket, which makes S3 answer NoSuchKey instead of
# AccessDenied for a file not written yet (Amazon S3 API Reference, GetObject, Permissions).
NOT_CALLED_HERE = {"sagemaker:DescribeSpace", "s3:ListBucket"}


@pytest.fixture(scope="module")
def template():
    parsed, matches = decode(str(TEMPLATE))
    assert matches == []
    return parsed


def statements(policy_document) -> list[dict]:
    return list(policy_document["Statement"])


def actions(statement) -> set[str]:
    value = statement["Action"]
    return {value} if isinstance(value, str) else set(value)


def test_cfn_lint_is_clean():
    cfn_lint = Path(sys.executable).parent / "cfn-lint"
    result = subprocess.run(
        [str(cfn_lint), str(TEMPLATE)], capture_output=True, text=True, timeout=300
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_reader_policy_allows_only_get_object_on_the_prefix(template):
    reader = template["Resources"]["ReaderPolicy"]
    (statement,) = statements(reader["Properties"]["PolicyDocument"])
    assert statement["Effect"] == "Allow"
    assert actions(statement) == {"s3:GetObject"}
    assert statement["Resource"] == {"Fn::Sub": "${SnapshotBucket.Arn}/${Prefix}/*"}
    assert "Condition" not in statement


def test_the_function_schedule_and_bucket(template):
    resources = template["Resources"]
    function = resources["CollectorFunction"]["Properties"]
    assert function["Runtime"] == "python3.12"
    assert function["Handler"] == "jupyter_costwidget.collector.handler"
    assert function["ReservedConcurrentExecutions"] == 1
    assert template["Parameters"]["ScheduleExpression"]["Default"] == "rate(1 minute)"
    assert resources["CollectorSchedule"]["Type"] == "AWS::Scheduler::Schedule"
    (rule,) = resources["SnapshotBucket"]["Properties"]["LifecycleConfiguration"]["Rules"]
    assert rule["Status"] == "Enabled" and rule["ExpirationInDays"] == {"Ref": "KeepDays"}
    env = function["Environment"]["Variables"]
    assert set(env) == {
        "COSTWIDGET_BUCKET",
        "COSTWIDGET_PREFIX",
        "COSTWIDGET_REGIONS",
        "COSTWIDGET_TOPIC_ARN",
        "COSTWIDGET_PERIOD_SECONDS",
    }


def test_the_collector_role_allows_exactly_what_the_collector_calls(template, sandbox):
    sandbox.load(json.loads(ACCOUNT_SCENARIO.read_text(encoding="utf-8")))
    topic = sandbox.shared_bucket("team-costs", "notices")
    sandbox.reset_calls()
    collector = Collector(
        CollectorSettings(
            SnapshotLocation("team-costs", "costwidget"),
            [sandbox.region, "us-east-1"],
            topic_arn=topic,
        ),
        collector_config(state_dir=tempfile.mkdtemp()),
        lambda region: AwsClients(region, sandbox.url),
    )
    collector.run()
    called = {iam_action(key) for key in sandbox.calls()} - NO_PERMISSION
    role = template["Resources"]["CollectorRole"]["Properties"]
    (policy,) = role["Policies"]
    allowed = set().union(*(actions(s) for s in statements(policy["PolicyDocument"])))
    assert called <= allowed, called - allowed
    assert allowed - called == NOT_CALLED_HERE
