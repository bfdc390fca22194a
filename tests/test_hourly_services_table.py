"""The hourly services' table (aws/hourly_services.py) read in process: how AWS's answers
become usages, which states bill, and what is described again when."""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone

import pytest

from jupyter_costwidget.pricing import Price
from jupyter_costwidget.spend import resources as r
from jupyter_costwidget.spend.arithmetic import price_resource

ACCOUNT = "123456789012"
REGION = "us-east-1"
ALICE_ARN = f"arn:aws:sagemaker:{REGION}:{ACCOUNT}:user-profile/d-hs1/alice"
CLUSTER = "hyperpod-cluster:llm-train"


def test_a_cluster_is_priced_per_instance_of_every_group_when_the_table_has_prices():
    # An injected price table (the bundled one has no HyperPod rows): hand-derived
    # 1 x 0.50 + 4 x 10.00 = 40.50 $/h.
    table = {
        ("us-east-1", "HyperPod", "ml.m5.xlarge"): 0.50,
        ("us-east-1", "HyperPod", "ml.p5.48xlarge"): 10.00,
    }

    def lookup(region: str, component: str, instance_type: str) -> Price | None:
        usd = table.get((region, component, instance_type))
        if usd is None:
            return None
        return Price(usd, "Hrs", usd, "snapshot", "2026-11-01", "test")

    cluster = r.Resource(
        id=CLUSTER,
        kind=r.HYPERPOD_CLUSTER,
        name="llm-train",
        status="InService",
        started_at=datetime(2026, 11, 30, tzinfo=timezone.utc),
        usages=[
            r.Usage("HyperPod", "ml.m5.xlarge", 1.0),
            r.Usage("HyperPod", "ml.p5.48xlarge", 4.0),
        ],
    )
    priced = price_resource(cluster, "us-east-1", lookup)
    assert priced["per_hour"] == pytest.approx(40.50)
    assert priced["price_known"] is True
    json.dumps(priced)


# --- the table's reading of AWS's answers, in process ------------------------------------------
def test_a_tracking_server_is_priced_by_its_size():
    from jupyter_costwidget.aws.hourly_services import BY_KIND

    service = BY_KIND[r.MLFLOW_TRACKING_SERVER]
    usages, instance, count, facts = service.usages({"TrackingServerSize": "Large"})
    assert usages == [r.Usage("MLflow", "Large", 1.0, r.COMPUTE)]  # priced per hour
    assert (instance, count, facts) == (None, None, {"size": "Large"})
    # A failed describe: nothing to price (unknown, never $0).
    assert service.usages({}) == ([], None, None, {"size": None})


def test_a_cluster_bills_each_groups_current_count():
    from jupyter_costwidget.aws.hourly_services import BY_KIND

    desc = {
        "InstanceGroups": [
            {"InstanceGroupName": "ctrl", "InstanceType": "ml.m5.xlarge", "CurrentCount": 1},
            {"InstanceGroupName": "gpu", "InstanceType": "ml.p5.48xlarge", "CurrentCount": 4},
            {"InstanceGroupName": "spare", "InstanceType": "ml.g5.xlarge", "CurrentCount": 0},
        ]
    }
    usages, instance, count, facts = BY_KIND[r.HYPERPOD_CLUSTER].usages(desc)
    assert usages == [
        r.Usage("HyperPod", "ml.m5.xlarge", 1.0, r.COMPUTE),
        r.Usage("HyperPod", "ml.p5.48xlarge", 4.0, r.COMPUTE),
    ]
    # The empty group bills nothing and is not named among the instance types.
    assert (instance, count) == ("ml.m5.xlarge, ml.p5.48xlarge", 5)
    assert facts["instance_groups"][2] == {
        "name": "spare",
        "instance_type": "ml.g5.xlarge",
        "count": 0,
    }
    assert BY_KIND[r.HYPERPOD_CLUSTER].usages({}) == ([], None, 0, {"instance_groups": []})
    # botocore requires no member of ClusterInstanceGroupDetails: missing ones stay empty.
    usages, instance, count, facts = BY_KIND[r.HYPERPOD_CLUSTER].usages(
        {"InstanceGroups": [{"CurrentCount": 3}]}
    )
    assert facts["instance_groups"] == [{"name": "", "instance_type": "", "count": 3}]
    assert (usages, instance, count) == ([r.Usage("HyperPod", "", 3.0)], None, 3)


def test_a_partner_app_is_priced_by_its_type_and_tier():
    from jupyter_costwidget.aws.hourly_services import BY_KIND

    service = BY_KIND[r.PARTNER_APP]
    usages, instance, count, facts = service.usages({"Type": "fiddler", "Tier": "medium"})
    assert usages == [r.Usage("PartnerApp-fiddler", "medium", 1.0, r.COMPUTE)]
    assert (instance, count, facts) == (None, None, {"tier": "medium", "app_type": "fiddler"})
    assert service.usages({"Type": "comet"}) == (
        [],
        None,
        None,
        {"tier": None, "app_type": "comet"},
    )


def test_only_running_states_bill():
    from jupyter_costwidget.aws.hourly_services import BY_KIND

    # botocore's TrackingServerStatus: Stopped (and failed or finished lifecycles) do not run.
    server = BY_KIND[r.MLFLOW_TRACKING_SERVER].billing_statuses
    assert {"Created", "Started", "Updated", "Stopping", "MaintenanceInProgress"} <= server
    assert not {"Stopped", "Creating", "CreateFailed", "Deleting", "DeleteFailed"} & server
    cluster = BY_KIND[r.HYPERPOD_CLUSTER].billing_statuses
    assert "InService" in cluster and "Failed" not in cluster
    partner = BY_KIND[r.PARTNER_APP].billing_statuses
    assert "Available" in partner and not {"Deleted", "Creating", "Failed"} & partner


class _Recorder:
    """Stands in for CountingCalls: records the calls, answers from a table."""

    def __init__(self, answers):
        self.answers = answers
        self.made = []

    def call(self, service, operation, **params):
        assert service == "sagemaker"
        self.made.append((operation, params))
        return self.answers[operation]

    def list_all(self, service, operation, key, **params):
        assert service == "sagemaker"
        self.made.append((operation, params))
        return self.answers[operation][key]


def test_describes_and_tags_are_kept_until_the_list_shows_a_change():
    from jupyter_costwidget.aws.calls import SourceErrors
    from jupyter_costwidget.aws.hourly_services import HourlyServices

    arn = f"arn:aws:sagemaker:{REGION}:{ACCOUNT}:mlflow-tracking-server/t"
    listed = {
        "TrackingServerName": "t",
        "TrackingServerArn": arn,
        "TrackingServerStatus": "Created",
        "LastModifiedTime": 1,
        "CreationTime": datetime(2026, 11, 30, tzinfo=timezone.utc),
    }
    calls = _Recorder(
        {
            "DescribeMlflowTrackingServer": {"TrackingServerSize": "Small"},
            "ListTags": {"Tags": [{"Key": "sagemaker:user-profile-arn", "Value": ALICE_ARN}]},
        }
    )
    services = HourlyServices()
    lists = {"mlflow_tracking_servers": [listed]}

    def run():
        calls.made.clear()
        for task in services.tasks(calls, lists, SourceErrors()):
            task()
        return sorted(op for op, _ in calls.made)

    assert run() == ["DescribeMlflowTrackingServer", "ListTags"]
    assert sorted(calls.made, key=str) == [
        ("DescribeMlflowTrackingServer", {"TrackingServerName": "t"}),
        ("ListTags", {"ResourceArn": arn}),
    ]
    assert services.tags_of(arn) == {"sagemaker:user-profile-arn": ALICE_ARN}
    assert run() == []  # unchanged: nothing asked again
    listed["LastModifiedTime"] = 2
    assert run() == ["DescribeMlflowTrackingServer", "ListTags"]
    listed["TrackingServerStatus"] = "Updated"
    assert run() == ["DescribeMlflowTrackingServer", "ListTags"]
    # Stopped: no longer billing, so neither described nor listed as a resource.
    listed["TrackingServerStatus"] = "Stopped"
    assert run() == []
    assert services.rows(lists, set(), lambda arn, tags: {"notes": []}) == []


def test_rows_carry_what_aws_said_and_what_failed():
    from jupyter_costwidget.aws.calls import SourceErrors
    from jupyter_costwidget.aws.clients import AwsError
    from jupyter_costwidget.aws.hourly_services import HourlyServices

    created = datetime(2026, 11, 30, 6, 0)  # botocore gives aware times; naive is UTC
    cluster_arn = f"arn:aws:sagemaker:{REGION}:{ACCOUNT}:cluster/abcdef012345"
    lists = {
        "hyperpod_clusters": [
            {"ClusterName": "llm", "ClusterArn": cluster_arn, "ClusterStatus": "InService",
             "CreationTime": created},
        ],
        "partner_apps": [
            {"Name": "gone", "Arn": "arn:p-gone", "Type": "comet", "Status": "Deleted",
             "CreationTime": created},
            {"Name": "comet", "Arn": "arn:p", "Type": "comet", "Status": "Available",
             "CreationTime": created},
            {"Name": "lakera", "Arn": "arn:p-ok", "Type": "lakera-guard", "Status": "Available",
             "CreationTime": datetime(2026, 11, 30, 15, 0, tzinfo=timezone(timedelta(hours=9)))},
        ],
        "mlflow_tracking_servers": [],
    }  # fmt: skip
    answers = {
        "DescribeCluster": {
            "InstanceGroups": [
                {"InstanceGroupName": "w", "InstanceType": "ml.p5.48xlarge", "CurrentCount": 2}
            ]
        },
        "ListTags": {"Tags": [{"Key": "team", "Value": "nlp"}]},
        "DescribePartnerApp": {"Type": "lakera-guard", "Tier": "large"},
    }

    class Calls:
        def call(self, service, operation, **params):
            assert service == "sagemaker"
            if params == {"Arn": "arn:p"}:
                raise AwsError(
                    "sagemaker.DescribePartnerApp", "AccessDeniedException", "denied", "grant"
                )
            if operation == "DescribeCluster":
                assert params == {"ClusterName": cluster_arn}  # pinned by ARN
            return answers[operation]

        def list_all(self, service, operation, key, **params):
            assert service == "sagemaker" and set(params) == {"ResourceArn"}
            return answers[operation][key]

    services = HourlyServices()
    errors = SourceErrors()
    for task in services.tasks(Calls(), lists, errors):
        task()
    assert [(e["source"], e["subjects"]) for e in errors.list()] == [
        ("sagemaker.DescribePartnerApp", ["comet"])
    ]
    seen = []

    def attribution(arn, tags):
        seen.append((arn, tags))
        return {"owner": "alice" if arn == cluster_arn else None, "arn": arn, "notes": ["n"]}

    rows = {row.id: row for row in services.rows(lists, {"hyperpod_clusters"}, attribution)}
    assert "partner-app:gone" not in rows  # Deleted: not billing, and the next still listed
    cluster, partner = rows["hyperpod-cluster:llm"], rows["partner-app:comet"]
    lakera = rows["partner-app:lakera"]
    assert lakera.app_type == "lakera-guard" and lakera.stale is False
    assert lakera.usages == [r.Usage("PartnerApp-lakera-guard", "large")]
    assert lakera.facts["tier"] == "large"
    # An aware time keeps its instant (15:00 in Tokyo is 06:00 UTC).
    assert lakera.started_at == datetime(2026, 11, 30, 6, 0, tzinfo=timezone.utc)
    assert (cluster.kind, cluster.name, cluster.status) == ("hyperpod-cluster", "llm", "InService")
    assert cluster.started_at == datetime(2026, 11, 30, 6, 0, tzinfo=timezone.utc)
    assert cluster.usages == [r.Usage("HyperPod", "ml.p5.48xlarge", 2.0, r.COMPUTE)]
    assert (cluster.instance_type, cluster.count, cluster.owner) == ("ml.p5.48xlarge", 2, "alice")
    # Its list failed this scan (the last good answer is shown): stale.
    assert cluster.arn == cluster_arn and cluster.stale is True
    assert cluster.facts["tags"] == {"team": "nlp"} and cluster.facts["notes"] == ["n"]
    assert cluster.facts["instance_groups"] == [
        {"name": "w", "instance_type": "ml.p5.48xlarge", "count": 2}
    ]
    # The partner app's describe failed (its list did not): unknown price, stale, said so.
    assert partner.usages == [] and partner.stale is True and partner.app_type is None
    assert partner.facts["notes"] == [
        "n",
        "Details unavailable (DescribePartnerApp failed); price unknown.",
    ]
    assert (cluster_arn, {"team": "nlp"}) in seen
    assert services.tags_of("arn:unknown") is None


def test_a_failed_list_tags_is_reported_and_asked_again():
    from jupyter_costwidget.aws.calls import SourceErrors
    from jupyter_costwidget.aws.clients import AwsError
    from jupyter_costwidget.aws.hourly_services import HourlyServices

    arn = f"arn:aws:sagemaker:{REGION}:{ACCOUNT}:mlflow-tracking-server/exp"
    lists = {"mlflow_tracking_servers": [
        {"TrackingServerName": "exp", "TrackingServerArn": arn, "TrackingServerStatus": "Created"}
    ]}  # fmt: skip
    asked = []

    class Calls:
        def call(self, service, operation, **params):
            asked.append(operation)
            return {"TrackingServerSize": "Small"}

        def list_all(self, service, operation, key, **params):
            asked.append(operation)
            raise AwsError("sagemaker.ListTags", "AccessDeniedException", "denied", "grant")

    services = HourlyServices()
    errors = SourceErrors()
    for task in services.tasks(Calls(), lists, errors):
        task()
    (error,) = errors.list()
    assert error["source"] == "sagemaker.ListTags" and error["subjects"] == ["exp"]
    assert services.tags_of(None) is None and services.tags_of("arn:unknown") is None
    assert services.tags_of(arn) is None
    asked.clear()
    for task in services.tasks(Calls(), lists, SourceErrors()):
        task()
    assert asked == ["ListTags"]  # the describe is kept; the tags are asked again


def test_each_service_is_listed_by_its_paginated_list_call():
    from jupyter_costwidget.aws.hourly_services import list_sources

    made = []

    class Calls:
        def list_all(self, service, operation, key, **params):
            made.append((service, operation, key, params))
            return [{"listed": operation}]

    sources = list_sources(Calls())
    assert {name: fn() for name, fn in sources.items()} == {
        "mlflow_tracking_servers": [{"listed": "ListMlflowTrackingServers"}],
        "hyperpod_clusters": [{"listed": "ListClusters"}],
        "partner_apps": [{"listed": "ListPartnerApps"}],
    }
    assert made == [
        ("sagemaker", "ListMlflowTrackingServers", "TrackingServerSummaries", {}),
        ("sagemaker", "ListClusters", "ClusterSummaries", {}),
        ("sagemaker", "ListPartnerApps", "Summaries", {}),
    ]
