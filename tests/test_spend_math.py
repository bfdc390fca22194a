"""Pure spend arithmetic (no AWS): prices x quantities, scopes, totals, warnings.

The price table below is made up for the test; every expected number is worked out by hand
from it in the test itself.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from jupyter_costwidget.aws.context import Context
from jupyter_costwidget.pricing import Price
from jupyter_costwidget.spend import resources as r
from jupyter_costwidget.spend.arithmetic import Thresholds, compute_spend, is_gpu, scopes_of

NOW = datetime(2026, 11, 23, 12, 0, tzinfo=timezone.utc)
REGION = "eu-test-1"

HOURLY = {
    ("Studio-JupyterLab", "ml.g5.xlarge"): 2.0,
    ("Studio-Notebook", "ml.m5.large"): 0.25,
    ("Studio-Notebook", "ml.t3.medium"): 0.05,
    ("Canvas", ""): 1.9,
    ("Hosting", "ml.m5.xlarge"): 0.25,
    ("Notebook", "ml.g4dn.xlarge"): 0.75,
    ("Processing", "ml.m5.xlarge"): 0.5,
}
MONTHLY = {
    ("Studio-Storage", ""): 0.146,
    ("EFS-Standard", ""): 0.365,
    ("Hosting-Storage", ""): 0.073,
}
SERVERLESS = {("ServerlessInf", "Mem-2GB"): 0.00004}


def lookup(region: str, component: str, instance_type: str = "") -> Price | None:
    assert region == REGION
    key = (component, instance_type)
    if key in HOURLY:
        return Price(HOURLY[key], "Hrs", HOURLY[key], "snapshot", "2026-09-22", "T")
    if key in MONTHLY:
        return Price(MONTHLY[key] / 730, "GB-Mo", MONTHLY[key], "snapshot", "2026-09-22", "T")
    if key in SERVERLESS:
        return Price(
            SERVERLESS[key] * 3600, "second", SERVERLESS[key], "snapshot", "2026-09-22", "T"
        )
    return None


def ago(hours: float) -> datetime:
    return NOW - timedelta(hours=hours)


def app(name, app_type, instance, hours, *, space=None, user=None, owner=None, status="InService"):
    return r.Resource(
        id=f"app:d-1/{space or user}/{app_type}/{name}",
        kind=r.APP,
        name=name,
        status=status,
        started_at=ago(hours),
        usages=[
            r.Usage(None if app_type == "JupyterServer" else _component(app_type), instance, 1.0)
        ],
        domain_id="d-1",
        owner=owner or user,
        space=space,
        user_profile=user,
        app_type=app_type,
        instance_type=instance,
        count=1,
    )


def _component(app_type: str) -> str:
    return {
        "JupyterLab": "Studio-JupyterLab",
        "KernelGateway": "Studio-Notebook",
        "Canvas": "Canvas",
    }[app_type]


ALICE_CTX = Context(
    environment="studio",
    region=REGION,
    domain_id="d-1",
    user_profile="alice",
    space="alice-space",
    app_type="JupyterLab",
    app_name="default",
    instance_type="ml.g5.xlarge",
)


def scenario() -> list[r.Resource]:
    return [
        app("default", "JupyterLab", "ml.g5.xlarge", 3, space="alice-space", owner="alice"),
        app("dsml", "KernelGateway", "ml.m5.large", 48, user="bob"),
        app("canvas", "Canvas", "", 216, user="bob"),
        app("default", "JupyterServer", "system", 100, user="bob"),
        r.Resource(
            id="space-storage:d-1/alice-space",
            kind=r.SPACE_STORAGE,
            name="alice-space",
            status="InService",
            started_at=ago(240),
            usages=[r.Usage("Studio-Storage", "", 50.0, r.STORAGE)],
            domain_id="d-1",
            owner="alice",
            space="alice-space",
        ),
        r.Resource(
            id="efs:fs-gone",
            kind=r.EFS,
            name="fs-gone",
            status="available",
            started_at=ago(1000),
            usages=[r.Usage("EFS-Standard", "", 40.0, r.STORAGE)],
            domain_id="d-gone9",
            facts={"orphaned": True},
        ),
        r.Resource(
            id="endpoint:churn",
            kind=r.ENDPOINT,
            name="churn",
            status="InService",
            started_at=ago(72),
            usages=[
                r.Usage("Hosting", "ml.m5.xlarge", 2.0),
                r.Usage("Hosting-Storage", "", 8.0, r.STORAGE),
            ],
            domain_id="d-1",
            owner="alice",
            instance_type="ml.m5.xlarge",
            count=2,
            facts={"invocations": 0.0},
        ),
        r.Resource(
            id="endpoint:faq",
            kind=r.ENDPOINT,
            name="faq",
            status="InService",
            started_at=ago(5),
            usages=[r.Usage("ServerlessInf", "Mem-2GB", 1.0, r.SERVERLESS)],
            facts={"invocations": None, "serverless_only": True},
        ),
        r.Resource(
            id="training-job:bert",
            kind=r.TRAINING_JOB,
            name="bert",
            status="InProgress",
            started_at=ago(2),
            usages=[r.Usage("Training", "ml.p3.2xlarge", 2.0)],
            domain_id="d-1",
            owner="alice",
            facts={"spot": True},
        ),
        r.Resource(
            id="notebook-instance:legacy",
            kind=r.NOTEBOOK_INSTANCE,
            name="legacy",
            status="InService",
            started_at=ago(20),
            usages=[
                r.Usage("Notebook", "ml.g4dn.xlarge", 1.0),
                r.Usage("Notebook-Storage", "", 5.0, r.STORAGE),
            ],
            instance_type="ml.g4dn.xlarge",
            count=1,
        ),
    ]


def by_id(result):
    return {row["id"]: row for row in result["resources"]}


def test_per_hour_and_accrued_per_resource():
    rows = by_id(compute_spend(scenario(), ALICE_CTX, REGION, lookup, NOW))
    jl = rows["app:d-1/alice-space/JupyterLab/default"]
    assert jl["per_hour"] == pytest.approx(2.0)
    assert jl["accrued"] == pytest.approx(6.0)  # 3 h x 2.0
    kg = rows["app:d-1/bob/KernelGateway/dsml"]
    assert kg["per_hour"] == pytest.approx(0.25) and kg["accrued"] == pytest.approx(12.0)
    assert rows["app:d-1/bob/Canvas/canvas"]["accrued"] == pytest.approx(1.9 * 216)
    free = rows["app:d-1/bob/JupyterServer/default"]
    assert free["per_hour"] == 0.0 and free["price_known"] is True
    # 50 GB x 0.146 $/GB-month / 730 h = 0.01 $/h, for 240 h.
    storage = rows["space-storage:d-1/alice-space"]
    assert storage["per_hour"] == pytest.approx(0.01) and storage["accrued"] == pytest.approx(2.4)
    # 40 GB x 0.365 / 730 = 0.02 $/h
    assert rows["efs:fs-gone"]["per_hour"] == pytest.approx(0.02)
    # 2 x 0.25 + 8 GB x 0.073 / 730 = 0.5 + 0.0008
    churn = rows["endpoint:churn"]
    assert churn["per_hour"] == pytest.approx(0.5008)
    assert churn["accrued"] == pytest.approx(0.5008 * 72)
    assert churn["price_known"] is True


def test_unknown_prices_are_null_and_counted():
    result = compute_spend(scenario(), ALICE_CTX, REGION, lookup, NOW)
    rows = by_id(result)
    bert = rows["training-job:bert"]
    assert bert["per_hour"] is None and bert["accrued"] is None and bert["price_known"] is False
    faq = rows["endpoint:faq"]
    assert faq["per_hour"] is None and faq["price_known"] is False
    # The serverless rate is shown (0.00004 $/s = 0.144 $ per compute hour) but not billed hourly.
    assert faq["price_parts"][0]["rate_per_compute_hour"] == pytest.approx(0.144)
    # Notebook compute is known, its storage is not: a lower bound, flagged.
    legacy = rows["notebook-instance:legacy"]
    assert legacy["per_hour"] == pytest.approx(0.75) and legacy["price_known"] is False
    unknown = {w["resource_id"] for w in result["warnings"] if w["code"] == "price-unknown"}
    assert unknown == {"training-job:bert", "endpoint:faq", "notebook-instance:legacy"}
    assert result["totals"]["region"]["unpriced"] == 3


def test_scope_totals():
    totals = compute_spend(scenario(), ALICE_CTX, REGION, lookup, NOW)["totals"]
    # self: alice's JupyterLab app only.
    assert totals["self"] == {
        "per_hour": pytest.approx(2.0),
        "accrued": pytest.approx(6.0),
        "unpriced": 0,
    }
    # mine: + her space storage 0.01 + her endpoint 0.5008 (+ her unpriced training job).
    assert totals["mine"]["per_hour"] == pytest.approx(2.0 + 0.01 + 0.5008)
    assert totals["mine"]["accrued"] == pytest.approx(6.0 + 2.4 + 0.5008 * 72)
    assert totals["mine"]["unpriced"] == 1
    # domain: + bob's KernelGateway 0.25, Canvas 1.9, free JupyterServer.
    assert totals["domain"]["per_hour"] == pytest.approx(2.5108 + 0.25 + 1.9)
    assert totals["domain"]["accrued"] == pytest.approx(6.0 + 2.4 + 0.5008 * 72 + 12.0 + 1.9 * 216)
    assert totals["domain"]["unpriced"] == 1
    # region: + orphaned EFS 0.02 x 1000 h, notebook instance 0.75 x 20 h, serverless unpriced.
    assert totals["region"]["per_hour"] == pytest.approx(4.6608 + 0.02 + 0.75)
    assert totals["region"]["accrued"] == pytest.approx(
        6.0 + 2.4 + 0.5008 * 72 + 12.0 + 1.9 * 216 + 20.0 + 15.0
    )


def test_warnings():
    result = compute_spend(scenario(), ALICE_CTX, REGION, lookup, NOW, Thresholds(24, 12))
    codes = {(w["code"], w["resource_id"]) for w in result["warnings"]}
    assert ("canvas-running", "app:d-1/bob/Canvas/canvas") in codes
    assert ("endpoint-idle", "endpoint:churn") in codes
    assert ("storage-orphaned", "efs:fs-gone") in codes
    # GPU notebook instance 20 h > 12 h; alice's GPU app 3 h is not long-running.
    assert ("long-running", "notebook-instance:legacy") in codes
    assert ("long-running", "app:d-1/alice-space/JupyterLab/default") not in codes
    canvas = next(w for w in result["warnings"] if w["code"] == "canvas-running")
    assert "bob" in canvas["message"] and "$410.40" in canvas["message"]
    assert canvas["severity"] == "critical"
    rows = by_id(result)
    assert rows["endpoint:churn"]["warnings"] == ["endpoint-idle"]


def test_idle_needs_a_full_window_and_zero_invocations():
    young = scenario()[6]
    young.started_at = ago(5)
    busy = scenario()[6]
    busy.facts = {"invocations": 3.0}
    unknown = scenario()[6]
    unknown.facts = {"invocations": None}
    for res in (young, busy, unknown):
        result = compute_spend([res], ALICE_CTX, REGION, lookup, NOW, Thresholds(24, 12))
        assert not [w for w in result["warnings"] if w["code"] == "endpoint-idle"]


def test_long_running_gpu_app_threshold():
    gpu = app("default", "JupyterLab", "ml.g5.xlarge", 13, space="alice-space", owner="alice")
    cpu = app("other", "KernelGateway", "ml.m5.large", 100, user="bob")
    result = compute_spend([gpu, cpu], ALICE_CTX, REGION, lookup, NOW, Thresholds(24, 12))
    assert [w["resource_id"] for w in result["warnings"] if w["code"] == "long-running"] == [gpu.id]
    assert is_gpu("ml.p4d.24xlarge") and is_gpu("ml.inf2.xlarge") and is_gpu("ml.trn1.2xlarge")
    assert not is_gpu("ml.m5.large") and not is_gpu(None)


def test_scopes_for_classic_and_notebook_instance_and_local():
    bob_kg, canvas = scenario()[1], scenario()[2]
    classic = Context(
        environment="studio-classic", region=REGION, domain_id="d-1", user_profile="bob",
        app_type="KernelGateway", app_name="dsml",
    )  # fmt: skip
    assert scopes_of(bob_kg, classic) == ["self", "mine", "domain", "region", "account"]
    assert scopes_of(canvas, classic) == ["mine", "domain", "region", "account"]
    legacy = scenario()[-1]
    nb = Context(environment="notebook-instance", region=REGION, app_name="legacy")
    assert scopes_of(legacy, nb) == ["self", "mine", "region", "account"]
    assert scopes_of(bob_kg, nb) == ["region", "account"]
    assert scopes_of(bob_kg, Context(region=REGION)) == ["region", "account"]


def test_empty_scopes_total_zero_not_null():
    totals = compute_spend([], Context(region=REGION), REGION, lookup, NOW)["totals"]
    assert totals["self"] == {"per_hour": 0.0, "accrued": 0.0, "unpriced": 0}


def test_unknown_region_or_component_is_unknown_price():
    from jupyter_costwidget.pricing import PriceCatalog

    catalog = PriceCatalog.snapshot_only()
    res = app("x", "JupyterLab", "ml.g5.xlarge", 1, space="s", owner="o")
    weird = r.Resource(
        "app:d/x/Weird/x", r.APP, "x", "InService", ago(1), [r.Usage("App-Weird", "ml.m5.large")]
    )
    rows = by_id(compute_spend([res, weird], ALICE_CTX, "xx-nowhere-9", catalog.lookup, NOW))
    assert rows[res.id]["per_hour"] is None and rows[weird.id]["per_hour"] is None


def test_a_hyperpod_cluster_running_past_long_running_hours_is_critical():
    def cluster(status: str, hours: float) -> r.Resource:
        return r.Resource(
            id="hyperpod-cluster:llm",
            kind=r.HYPERPOD_CLUSTER,
            name="llm",
            status=status,
            started_at=ago(hours),
            usages=[],
            instance_type="ml.p5.48xlarge",
            count=4,
        )

    th = Thresholds(24.0, 12.0)
    ctx = Context(region=REGION)
    result = compute_spend([cluster("InService", 13.0)], ctx, REGION, lookup, NOW, th)
    (warning,) = [w for w in result["warnings"] if w["code"] == "long-running"]
    assert warning["severity"] == "critical"
    assert warning["message"] == (
        "HyperPod cluster llm has kept 4 instances (ml.p5.48xlarge) for 13.0 h. They bill until "
        "the cluster is deleted, whether or not jobs run."
    )
    # Without a describe: no count or instance type to name.
    bare = cluster("InService", 13.0)
    bare.count, bare.instance_type = None, None
    result = compute_spend([bare], ctx, REGION, lookup, NOW, th)
    (warning,) = [w for w in result["warnings"] if w["code"] == "long-running"]
    assert warning["message"].startswith(
        "HyperPod cluster llm has kept 0 instances (unknown) for 13.0 h."
    )
    for status, hours in (("InService", 12.0), ("Updating", 13.0), ("Failed", 40.0)):
        result = compute_spend([cluster(status, hours)], ctx, REGION, lookup, NOW, th)
        assert "long-running" not in [w["code"] for w in result["warnings"]], (status, hours)
