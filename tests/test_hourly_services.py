"""MLflow tracking servers, HyperPod clusters and partner apps: listed, attributed, flagged
where no price is known, warned about, and stopped, through a real jupyter server and the
sandbox."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from .test_stop import post_stop, scan, state_of, stop_calls

ACCOUNT = "123456789012"
REGION = "us-east-1"
ALICE_ARN = f"arn:aws:sagemaker:{REGION}:{ACCOUNT}:user-profile/d-hs1/alice"
DOMAIN_ARN = f"arn:aws:sagemaker:{REGION}:{ACCOUNT}:domain/d-hs1"
SCENARIO = {
    "region": REGION,
    "account": ACCOUNT,
    "domains": [
        {
            "id": "d-hs1",
            "name": "research",
            "user_profiles": ["alice", "bob"],
            "spaces": [{"name": "alice-space", "owner": "alice", "ebs_gb": 5}],
            "apps": [
                {"type": "JupyterLab", "space": "alice-space", "instance": "ml.t3.medium",
                 "status": "InService", "age": "1h"},
            ],
        }
    ],
    "mlflow_tracking_servers": [
        {"name": "exp-tracking", "size": "Medium", "age": "3d",
         "tags": {"sagemaker:user-profile-arn": ALICE_ARN, "sagemaker:domain-arn": DOMAIN_ARN}},
        {"name": "old-tracking", "size": "Small", "status": "Stopped", "age": "30d"},
    ],
    "hyperpod_clusters": [
        {"name": "llm-train", "age": "20h", "groups": [
            {"name": "controller", "instance": "ml.m5.xlarge", "count": 1},
            {"name": "workers", "instance": "ml.p5.48xlarge", "count": 4},
        ]},
    ],
    "partner_apps": [{"name": "comet-team", "type": "comet", "tier": "small", "age": "2d"}],
    "me": {"domain": "d-hs1", "space": "alice-space", "app_type": "JupyterLab",
           "app_name": "default"},
}  # fmt: skip
SERVER = "mlflow-tracking-server:exp-tracking"
CLUSTER = "hyperpod-cluster:llm-train"
PARTNER = "partner-app:comet-team"


@pytest.fixture
def metadata_file(sandbox, tmp_path):
    sandbox.load(SCENARIO)
    return sandbox.write_metadata(str(tmp_path / "resource-metadata.json"))


@pytest.fixture
def jp_server_config(costwidget_server_config, sandbox, metadata_file):
    return costwidget_server_config(sandbox, metadata_file, aws_max_attempts=2)


async def test_each_kind_is_listed_with_its_owner_and_flagged_without_a_price(jp_fetch):
    snap = await scan(jp_fetch)
    rows = {row["id"]: row for row in snap["resources"]}
    # A stopped tracking server does not bill: not listed.
    assert "mlflow-tracking-server:old-tracking" not in rows
    server, cluster, partner = rows[SERVER], rows[CLUSTER], rows[PARTNER]
    assert server["kind"] == "mlflow-tracking-server" and server["size"] == "Medium"
    assert server["owner"] == "alice" and server["domain_id"] == "d-hs1"
    assert "mine" in server["scopes"] and "domain" in server["scopes"]
    assert cluster["kind"] == "hyperpod-cluster"
    assert cluster["count"] == 5 and cluster["instance_type"] == "ml.m5.xlarge, ml.p5.48xlarge"
    assert cluster["instance_groups"] == [
        {"name": "controller", "instance_type": "ml.m5.xlarge", "count": 1},
        {"name": "workers", "instance_type": "ml.p5.48xlarge", "count": 4},
    ]
    assert cluster["owner"] is None and cluster["scopes"] == ["region", "account"]
    assert partner["kind"] == "partner-app" and partner["tier"] == "small"
    assert partner["app_type"] == "comet"
    # data/pricing/sagemaker_prices.csv has no MLflow, HyperPod or partner app rows:
    # unknown, never $0, and the totals that include them are lower bounds.
    for row in (server, cluster, partner):
        assert row["per_hour"] is None and row["price_known"] is False
        assert "price-unknown" in row["warnings"]
    assert snap["totals"]["region"]["unpriced"] >= 3
    # Started when AWS says it was created (the scenario's ages).
    generated = datetime.fromisoformat(snap["generated_at"].replace("Z", "+00:00"))
    started = datetime.fromisoformat(server["started_at"].replace("Z", "+00:00"))
    assert timedelta(days=3) <= generated - started < timedelta(days=3, minutes=5)


async def test_a_cluster_running_longer_than_long_running_hours_is_a_critical_warning(jp_fetch):
    snap = await scan(jp_fetch)
    found = [w for w in snap["warnings"] if w["resource_id"] == CLUSTER]
    long_running = [w for w in found if w["code"] == "long-running"]
    assert len(long_running) == 1 and long_running[0]["severity"] == "critical"
    # 20 h > the default long_running_hours of 12.
    assert long_running[0]["message"].startswith(
        "HyperPod cluster llm-train has kept 5 instances (ml.m5.xlarge, ml.p5.48xlarge) for 20.0 h."
    )


async def test_warm_scans_describe_nothing_again(jp_fetch, sandbox):
    await scan(jp_fetch)
    first = sandbox.calls()
    for op in ("DescribeMlflowTrackingServer", "DescribeCluster", "DescribePartnerApp"):
        assert first.get(f"sagemaker.{op}") == 1, first
    sandbox.reset_calls()
    await scan(jp_fetch)
    again = sandbox.calls()
    for op in ("ListMlflowTrackingServers", "ListClusters", "ListPartnerApps"):
        assert again.get(f"sagemaker.{op}") == 1, again
    described = {k for k in again if k.startswith("sagemaker.Describe")}
    assert described == set(), again
    assert "sagemaker.ListTags" not in again


async def test_stopping_a_tracking_server_calls_stop_and_it_stops_billing(
    jp_fetch, jp_serverapp, sandbox
):
    await scan(jp_fetch)
    sandbox.reset_calls()
    code, body = await post_stop(jp_fetch, {"id": SERVER, "confirm": True})
    assert code == 200, body
    assert body["action"] == "sagemaker.StopMlflowTrackingServer"
    assert stop_calls(sandbox) == {"sagemaker.StopMlflowTrackingServer": 1}
    # Described fresh before the stop: pinned to what the user saw.
    assert sandbox.calls()["sagemaker.DescribeMlflowTrackingServer"] == 1
    snap = await scan(jp_fetch)
    assert SERVER not in {row["id"] for row in snap["resources"]}


@pytest.mark.parametrize(
    ("resource_id", "operation"),
    [(CLUSTER, "DeleteCluster"), (PARTNER, "DeletePartnerApp")],
)
async def test_a_cluster_or_partner_app_is_deleted_by_arn_when_the_admin_allows(
    jp_fetch, jp_serverapp, sandbox, resource_id, operation
):
    snap = await scan(jp_fetch)
    row = next(row for row in snap["resources"] if row["id"] == resource_id)
    # Not alice's: refused under the default allow_stop = "mine", before any AWS call.
    assert row["stoppable"] is False
    sandbox.reset_calls()
    code, _ = await post_stop(jp_fetch, {"id": resource_id, "confirm": True})
    assert code == 403 and stop_calls(sandbox) == {}
    state_of(jp_serverapp).config.allow_stop = "region"
    code, body = await post_stop(jp_fetch, {"id": resource_id, "confirm": True})
    assert code == 200, body
    assert body["action"] == f"sagemaker.{operation}"
    assert body["params"] in ({"ClusterName": row["arn"]}, {"Arn": row["arn"]})
    assert stop_calls(sandbox) == {f"sagemaker.{operation}": 1}


async def test_a_denied_list_is_a_stale_source_with_the_iam_action(jp_fetch, sandbox):
    await scan(jp_fetch)
    sandbox.fault({"deny": ["sagemaker.ListClusters"]})
    snap = await scan(jp_fetch)
    assert snap["stale"] is True and "hyperpod_clusters" in snap["stale_sources"]
    error = next(e for e in snap["errors"] if e["source"] == "sagemaker.ListClusters")
    assert "sagemaker:ListClusters" in error["hint"]
    # The last good answer is kept, marked stale.
    cluster = next(row for row in snap["resources"] if row["id"] == CLUSTER)
    assert cluster["stale"] is True
