"""Whole /spend rows, totals and warnings for the scenario of tests/test_spend_math.py.

Every figure is worked out by hand from that file's made-up price table (quoted beside it);
the rows are compared whole, so a renamed key or a changed word fails too.
"""

from __future__ import annotations

import pytest

from jupyter_costwidget.aws.context import Context
from jupyter_costwidget.pricing import Price
from jupyter_costwidget.spend import resources as r
from jupyter_costwidget.spend.arithmetic import (
    Thresholds,
    compute_spend,
    format_hours,
    hours_between,
    scopes_of,
)

from .test_spend_math import ALICE_CTX, NOW, REGION, ago, by_id, lookup, scenario

SNAPSHOT_PRICE = {"unit": "Hrs", "price_source": "snapshot", "price_date": "2026-09-22"}


@pytest.fixture
def result():
    return compute_spend(scenario(), ALICE_CTX, REGION, lookup, NOW, Thresholds(24, 12))


def test_alices_jupyterlab_row(result):
    # HOURLY ("Studio-JupyterLab", "ml.g5.xlarge"): 2.0 $/h; started 3 h ago: 3 x 2.0 = 6.0 $.
    assert by_id(result)["app:d-1/alice-space/JupyterLab/default"] == {
        "id": "app:d-1/alice-space/JupyterLab/default",
        "kind": "app",
        "name": "default",
        "arn": None,
        "app_type": "JupyterLab",
        "owner": "alice",
        "domain_id": "d-1",
        "space": "alice-space",
        "instance_type": "ml.g5.xlarge",
        "count": 1,
        "status": "InService",
        "started_at": "2026-11-23T09:00:00Z",
        "per_hour": 2.0,
        "accrued": 6.0,
        "price_known": True,
        "price_estimate": False,
        "price_source": "list",
        "price_parts": [
            {
                "component": "Studio-JupyterLab",
                "instance_type": "ml.g5.xlarge",
                "quantity": 1.0,
                "kind": "compute",
                "usd_per_hour": 2.0,
                "unit_price": 2.0,
                **SNAPSHOT_PRICE,
            }
        ],
        "notes": [],
        "scopes": ["self", "mine", "domain", "region", "account"],
        "warnings": [],
        "stale": False,
        "region": REGION,
    }


def test_an_idle_endpoint_row(result):
    # HOURLY ("Hosting", "ml.m5.xlarge"): 0.25 $/h x 2 instances = 0.5 $/h;
    # MONTHLY ("Hosting-Storage", ""): 0.073 $/GB-month x 8 GB / 730 h = 0.0008 $/h;
    # 0.5008 $/h for 72 h = 36.0576 $.
    row = by_id(result)["endpoint:churn"]
    storage = row["price_parts"][1]
    assert storage.pop("usd_per_hour") == pytest.approx(0.0008)
    assert row == {
        "id": "endpoint:churn",
        "kind": "endpoint",
        "name": "churn",
        "arn": None,
        "app_type": None,
        "owner": "alice",
        "domain_id": "d-1",
        "space": None,
        "instance_type": "ml.m5.xlarge",
        "count": 2,
        "status": "InService",
        "started_at": "2026-11-20T12:00:00Z",
        "per_hour": 0.5008,
        "accrued": 36.0576,
        "price_known": True,
        "price_estimate": False,
        "price_source": "list",
        "price_parts": [
            {
                "component": "Hosting",
                "instance_type": "ml.m5.xlarge",
                "quantity": 2.0,
                "kind": "compute",
                "usd_per_hour": 0.5,
                "unit_price": 0.25,
                **SNAPSHOT_PRICE,
            },
            {
                "component": "Hosting-Storage",
                "instance_type": "",
                "quantity": 8.0,
                "kind": "storage",
                "unit_price": 0.073,
                **SNAPSHOT_PRICE,
                "unit": "GB-Mo",
            },
        ],
        "notes": [],
        "scopes": ["mine", "domain", "region", "account"],
        "warnings": ["endpoint-idle"],
        "stale": False,
        "region": REGION,
        "invocations": 0.0,
    }


def test_a_serverless_endpoint_row_has_no_hourly_price(result):
    # SERVERLESS ("ServerlessInf", "Mem-2GB"): 0.00004 $/s x 3600 = 0.144 $ per compute hour.
    row = by_id(result)["endpoint:faq"]
    part = row["price_parts"][0]
    assert part.pop("rate_per_compute_hour") == pytest.approx(0.144)
    assert part == {
        "component": "ServerlessInf",
        "instance_type": "Mem-2GB",
        "quantity": 1.0,
        "kind": "serverless",
        "usd_per_hour": None,
    }
    assert (row["per_hour"], row["accrued"], row["price_known"]) == (None, None, False)
    assert row["warnings"] == ["price-unknown"] and row["invocations"] is None


def test_orphaned_efs_and_spot_job_rows(result):
    rows = by_id(result)
    efs = rows["efs:fs-gone"]
    # MONTHLY ("EFS-Standard", ""): 0.365 x 40 GB / 730 h = 0.02 $/h; 1000 h: 20.0 $.
    assert (efs["per_hour"], efs["accrued"], efs["orphaned"]) == (0.02, 20.0, True)
    assert efs["started_at"] == "2026-10-12T20:00:00Z" and efs["scopes"] == ["region", "account"]
    bert = rows["training-job:bert"]
    assert bert["spot"] is True and bert["price_parts"][0]["usd_per_hour"] is None
    legacy = rows["notebook-instance:legacy"]
    # Notebook ml.g4dn.xlarge 0.75 $/h is known; its storage is not: a lower bound.
    assert (legacy["per_hour"], legacy["accrued"], legacy["price_known"]) == (0.75, 15.0, False)


def test_rows_are_ordered_by_rate_then_id(result):
    # 2.0 (JupyterLab), 1.9 (Canvas), 0.75 (notebook), 0.5008 (endpoint), 0.25 (KernelGateway),
    # 0.02 (EFS), 0.01 (space storage), then the free and the unpriced by id.
    assert [row["id"] for row in result["resources"]] == [
        "app:d-1/alice-space/JupyterLab/default",
        "app:d-1/bob/Canvas/canvas",
        "notebook-instance:legacy",
        "endpoint:churn",
        "app:d-1/bob/KernelGateway/dsml",
        "efs:fs-gone",
        "space-storage:d-1/alice-space",
        "app:d-1/bob/JupyterServer/default",
        "endpoint:faq",
        "training-job:bert",
    ]


def test_totals_by_scope(result):
    assert result["totals"] == {
        # self: the JupyterLab app, 2.0 $/h for 3 h.
        "self": {"per_hour": 2.0, "accrued": 6.0, "unpriced": 0},
        # mine: + space storage 50 GB x 0.146 / 730 = 0.01 $/h (240 h: 2.4 $)
        #       + endpoint 0.5008 $/h (36.0576 $); the training job is unpriced.
        "mine": {"per_hour": 2.5108, "accrued": 44.4576, "unpriced": 1},
        # domain: + bob's KernelGateway 0.25 $/h x 48 h = 12 $ and Canvas 1.9 x 216 h = 410.4 $.
        "domain": {"per_hour": 4.6608, "accrued": 466.8576, "unpriced": 1},
        # region: + EFS 0.02 x 1000 h = 20 $ and the notebook 0.75 x 20 h = 15 $;
        #         unpriced: + the serverless endpoint and the notebook's storage.
        "region": {"per_hour": 5.4308, "accrued": 501.8576, "unpriced": 3},
        # account: no other region scanned, so the same as the region.
        "account": {"per_hour": 5.4308, "accrued": 501.8576, "unpriced": 3},
    }


def test_the_warnings_word_for_word(result):
    assert result["warnings"] == [
        {
            "code": "canvas-running",
            "severity": "critical",
            # 216 h = 9.0 days; 1.90 $/h x 216 h = 410.40 $.
            "message": "Canvas of bob has been running for 9.0 days (about $410.40 so far). "
            "Canvas bills $1.90/h until its owner logs out or an admin deletes the app.",
            "resource_id": "app:d-1/bob/Canvas/canvas",
        },
        {
            "code": "storage-orphaned",
            "severity": "warning",
            "message": "EFS file system fs-gone belonged to domain d-gone9, which no longer "
            "exists; it still bills for its storage.",
            "resource_id": "efs:fs-gone",
        },
        {
            "code": "endpoint-idle",
            "severity": "critical",
            "message": "Endpoint churn had no invocations in the last 24 h but keeps billing for "
            "its instances. Delete it if nobody uses it.",
            "resource_id": "endpoint:churn",
        },
        {
            "code": "price-unknown",
            "severity": "info",
            "message": "Endpoint faq is serverless: it bills per second of inference, so there "
            "is no hourly price.",
            "resource_id": "endpoint:faq",
        },
        {
            "code": "price-unknown",
            "severity": "info",
            "message": "No price known for Training ml.p3.2xlarge in this region (bert).",
            "resource_id": "training-job:bert",
        },
        {
            "code": "long-running",
            "severity": "critical",
            "message": "legacy has been running on GPU instance ml.g4dn.xlarge for 20.0 h. "
            "Stop it when you are done.",
            "resource_id": "notebook-instance:legacy",
        },
        {
            "code": "price-unknown",
            "severity": "info",
            "message": "No price known for Notebook-Storage in this region (legacy).",
            "resource_id": "notebook-instance:legacy",
        },
    ]


def test_hours_and_their_wording():
    assert hours_between(ago(1.5), NOW) == 1.5
    assert hours_between(None, NOW) == 0.0
    assert hours_between(NOW, ago(2)) == 0.0  # a start in the future counts nothing
    assert format_hours(47.9) == "47.9 h"
    assert format_hours(48) == "2.0 days"
    assert format_hours(0.5) == "30 min"
    assert format_hours(0.75) == "45 min"
    assert format_hours(1) == "1.0 h"


# --- a second scenario: estimates, derived prices, warm pools and the boundaries ----------------
# Its own made-up table (USD per hour):
#   ("Training", "ml.g5.xlarge")        1.5   list
#   ("Notebook", "ml.g5.2xlarge")       1.2   derived (from another component's price)
#   ("Canvas", "") in this region       4.0   an estimate borrowed from another region
#   ("TrainingWarmPool", *)             none: a warm pool falls back to Training
DERIVED_NOTE = "Derived: AWS prices compute the same for notebook instances and Studio."
SECOND = {
    ("Training", "ml.g5.xlarge"): Price(1.5, "Hrs", 1.5, "snapshot", "2026-09-22", "T"),
    ("Notebook", "ml.g5.2xlarge"): Price(
        1.2, "Hrs", 1.2, "derived", "2026-09-22", "T", False, f"from S1; {DERIVED_NOTE}"
    ),
    ("Canvas", ""): Price(4.0, "Hrs", 4.0, "snapshot", "2026-09-22", "T", True, "estimate"),
}


def second_lookup(region: str, component: str, instance_type: str = "") -> Price | None:
    assert region == REGION
    if component == "Broken":
        raise ValueError("unknown component")  # an unknown name is an unknown price
    return SECOND.get((component, instance_type))


def _res(rid: str, kind: str, hours: float, usages: list, **extra) -> r.Resource:
    return r.Resource(
        id=rid,
        kind=kind,
        name=rid.split(":")[1],
        status=extra.pop("status", "InService"),
        started_at=ago(hours),
        usages=usages,
        **extra,
    )


def second_scenario() -> list[r.Resource]:
    return [
        _res(
            "training-warm-pool:tune",
            r.TRAINING_WARM_POOL,
            0.5,
            [r.Usage("TrainingWarmPool", "ml.g5.xlarge", 2.0, fallback="Training")],
            status="Available",
            instance_type="ml.g5.xlarge",
            count=2,
            facts={"keep_alive_seconds": 3600},
        ),
        _res(
            "notebook-instance:gpu-nb",
            r.NOTEBOOK_INSTANCE,
            12.0,  # exactly the long-running threshold: not yet
            [r.Usage("Notebook", "ml.g5.2xlarge", 1.0, note="from the describe call")],
            instance_type="ml.g5.2xlarge",
            facts={"notes": ["a fact's note"]},
        ),
        _res(
            "app:d-1/bob/Canvas/default",
            r.APP,
            1.0,
            [r.Usage("Canvas")],
            app_type="Canvas",
            owner=None,
        ),
        _res(
            "endpoint:fresh", r.ENDPOINT, 24.0, [r.Usage("Broken", "x")], facts={"invocations": 0}
        ),
        _res(
            "endpoint:creating", r.ENDPOINT, 48.0, [], status="Creating", facts={"invocations": 0}
        ),
        _res(
            "app:d-1/bob/JupyterServer/default",
            r.APP,
            5.0,
            [r.Usage(None, "system")],
            app_type="JupyterServer",
        ),
        _res("efs:fs-live", r.EFS, 100.0, [], facts={"orphaned": False}),
    ]


@pytest.fixture
def second():
    result = compute_spend(
        second_scenario(), ALICE_CTX, REGION, second_lookup, NOW, Thresholds(24, 12)
    )
    return result, by_id(result)


def test_a_warm_pool_is_priced_as_training_and_warned(second):
    result, rows = second
    pool = rows["training-warm-pool:tune"]
    # No TrainingWarmPool price: Training ml.g5.xlarge 1.5 $/h x 2 instances = 3.0 $/h,
    # an estimate; 0.5 h so far = 1.5 $.
    assert (pool["per_hour"], pool["accrued"]) == (3.0, 1.5)
    assert (pool["price_known"], pool["price_estimate"], pool["price_source"]) == (
        True,
        True,
        "list",
    )
    assert pool["price_parts"] == [
        {
            "component": "TrainingWarmPool",
            "instance_type": "ml.g5.xlarge",
            "quantity": 2.0,
            "kind": "compute",
            "priced_as": "Training",
            "usd_per_hour": 3.0,
            "unit_price": 1.5,
            "unit": "Hrs",
            "price_source": "snapshot",
            "price_date": "2026-09-22",
        }
    ]
    assert pool["notes"] == [
        "No TrainingWarmPool price for ml.g5.xlarge here: estimated at the Training price of "
        "the same instance type."
    ]
    warning = next(w for w in result["warnings"] if w["code"] == "warm-pool-idle")
    # Kept alive 3600 s = 1 h, 0.5 h of it used: 0.5 h = 30 min left.
    assert warning == {
        "code": "warm-pool-idle",
        "severity": "warning",
        "message": "The warm pool of training job tune has kept 2 x ml.g5.xlarge for 30 min "
        "with no job on it. It is kept for another 30 min unless stopped. Stop it if no job "
        "will reuse it.",
        "resource_id": "training-warm-pool:tune",
    }


def test_a_derived_price_is_marked_and_its_rule_noted(second):
    _, rows = second
    nb = rows["notebook-instance:gpu-nb"]
    # ("Notebook", "ml.g5.2xlarge") 1.2 $/h, derived; 12 h: 14.4 $.
    assert (nb["per_hour"], nb["accrued"], nb["price_source"]) == (1.2, 14.4, "derived")
    assert nb["price_estimate"] is False
    assert nb["notes"] == ["a fact's note", "from the describe call", DERIVED_NOTE]
    # 12.0 h is not more than the 12 h threshold: no long-running warning yet.
    assert nb["warnings"] == []


def test_an_estimated_canvas_without_an_owner(second):
    result, rows = second
    canvas = rows["app:d-1/bob/Canvas/default"]
    assert (canvas["per_hour"], canvas["price_estimate"]) == (4.0, True)
    warning = next(w for w in result["warnings"] if w["code"] == "canvas-running")
    assert warning["message"] == (
        "Canvas of an unknown user has been running for 1.0 h (about $4.00 so far). Canvas "
        "bills $4.00/h until its owner logs out or an admin deletes the app."
    )


def test_unknown_names_free_parts_and_empty_usages(second):
    result, rows = second
    fresh = rows["endpoint:fresh"]
    assert (fresh["per_hour"], fresh["price_known"]) == (None, False)
    # Idle for exactly the 24 h window: warned.
    assert fresh["warnings"] == ["endpoint-idle", "price-unknown"]
    creating = rows["endpoint:creating"]
    # Not in service: not idle-warned; no usages at all: unknown, named by itself.
    assert creating["warnings"] == ["price-unknown"] and creating["per_hour"] is None
    messages = {w["resource_id"]: w["message"] for w in result["warnings"]}
    assert messages["endpoint:creating"] == (
        "No price known for creating in this region (creating)."
    )
    assert messages["endpoint:fresh"] == "No price known for Broken x in this region (fresh)."
    free = rows["app:d-1/bob/JupyterServer/default"]
    assert free["per_hour"] == 0.0 and free["price_known"] is True
    assert free["price_parts"] == [
        {"component": None, "instance_type": "system", "quantity": 1.0, "kind": "compute",
         "usd_per_hour": 0.0}
    ]  # fmt: skip
    assert rows["efs:fs-live"]["warnings"] == ["price-unknown"]  # not orphaned
    # Rows by rate: 4.0, 3.0, 1.2, then the rest by id.
    assert [row["id"] for row in result["resources"]][:3] == [
        "app:d-1/bob/Canvas/default",
        "training-warm-pool:tune",
        "notebook-instance:gpu-nb",
    ]
    # region: 4.0 + 3.0 + 1.2 + 0.0 = 8.2 $/h; 4.0 + 1.5 + 14.4 = 19.9 $; three unpriced.
    assert result["totals"]["region"] == {"per_hour": 8.2, "accrued": 19.9, "unpriced": 3}
    # No other region was scanned: the account is this region.
    assert result["totals"]["account"] == result["totals"]["region"]


# --- single resources at the edges -------------------------------------------------------------
def _one(res: r.Resource, lookup=second_lookup, ctx=ALICE_CTX) -> tuple[dict, list]:
    result = compute_spend([res], ctx, REGION, lookup, NOW, Thresholds(24, 12))
    return result["resources"][0], result["warnings"]


def test_a_free_part_then_a_priced_one():
    row, _ = _one(_res("app:d-1/x/Canvas/c", r.APP, 1.0, [r.Usage(None), r.Usage("Canvas")]))
    assert row["per_hour"] == 4.0  # 0 + Canvas 4.0


def test_an_unknown_storage_part_then_compute():
    usages = [
        r.Usage("Notebook-Storage", "", 5.0, r.STORAGE),
        r.Usage("Notebook", "ml.g5.2xlarge", 1.0),
    ]
    row, _ = _one(_res("notebook-instance:n", r.NOTEBOOK_INSTANCE, 1.0, usages))
    # Storage unknown: a lower bound of the compute's 1.2 $/h, flagged.
    assert (row["per_hour"], row["price_known"]) == (1.2, False)


def test_storage_alone_unknown_is_no_figure_not_zero():
    usage = [r.Usage("EFS-Standard", "", 40.0, r.STORAGE)]
    row, warnings = _one(_res("efs:fs-x", r.EFS, 10.0, usage))
    assert (row["per_hour"], row["accrued"], row["price_estimate"]) == (None, None, False)
    assert warnings[0]["message"] == "No price known for EFS-Standard in this region (fs-x)."


def test_a_fallback_is_used_only_when_the_price_is_missing():
    usage = [r.Usage("Training", "ml.g5.xlarge", 1.0, fallback="Notebook")]
    row, _ = _one(_res("training-job:t", r.TRAINING_JOB, 1.0, usage))
    assert (row["per_hour"], row["price_estimate"]) == (1.5, False)
    assert "priced_as" not in row["price_parts"][0]


def test_two_missing_parts_are_both_named():
    usages = [r.Usage("Broken", "a"), r.Usage("Hosting-Storage", "", 4.0, r.STORAGE)]
    _, warnings = _one(_res("endpoint:e", r.ENDPOINT, 1.0, usages))
    assert warnings[-1]["message"] == (
        "No price known for Broken a, Hosting-Storage in this region (e)."
    )


def test_an_unpriced_canvas_says_so():
    lookup = lambda region, component, instance_type="": None  # noqa: E731
    _, warnings = _one(
        _res("app:d-1/bob/Canvas/default", r.APP, 2.0, [r.Usage("Canvas")], app_type="Canvas",
             owner="bob"), lookup
    )  # fmt: skip
    assert warnings[0]["message"] == (
        "Canvas of bob has been running for 2.0 h (an unknown amount so far). Canvas bills "
        "by the hour until its owner logs out or an admin deletes the app."
    )


def test_a_warm_pool_without_its_details():
    pool = _res("training-warm-pool:p", r.TRAINING_WARM_POOL, 0.0,
                [r.Usage("Training", "ml.g5.xlarge", 1.0)], status="Available")  # fmt: skip
    _, warnings = _one(pool)
    assert warnings == [
        {
            "code": "warm-pool-idle",
            "severity": "warning",
            "message": "The warm pool of training job p has kept ? x unknown for 0 min with no "
            "job on it. Stop it if no job will reuse it.",
            "resource_id": "training-warm-pool:p",
        }
    ]
    # Kept for 5580 s = 1.55 h from now: "1.6 h" left.
    kept = _res("training-warm-pool:q", r.TRAINING_WARM_POOL, 0.0,
                [r.Usage("Training", "ml.g5.xlarge", 1.0)], status="Available",
                facts={"keep_alive_seconds": 5580})  # fmt: skip
    assert "It is kept for another 1.6 h unless stopped." in _one(kept)[1][0]["message"]
    in_use = _res("training-warm-pool:u", r.TRAINING_WARM_POOL, 5.0,
                  [r.Usage("Training", "ml.g5.xlarge", 1.0)], status="InUse")  # fmt: skip
    assert _one(in_use)[1] == []


def test_a_serverless_endpoint_is_never_idle_warned():
    sls = _res("endpoint:s", r.ENDPOINT, 48.0, [r.Usage("Canvas")],
               facts={"invocations": 0, "serverless_only": True})  # fmt: skip
    row, _ = _one(sls)
    assert "endpoint-idle" not in row["warnings"]


def test_variants_and_no_start_time_pass_through():
    res = _res("endpoint:v", r.ENDPOINT, 1.0, [r.Usage("Canvas")], facts={"variants": [1]})
    res.started_at = None
    row, _ = _one(res)
    assert row["variants"] == [1] and row["started_at"] is None and row["accrued"] == 0.0


def test_rates_keep_nine_decimals():
    third = lambda region, component, instance_type="": Price(  # noqa: E731
        1 / 3, "Hrs", 1 / 3, "snapshot", "d", "T"
    )
    row, _ = _one(_res("endpoint:t", r.ENDPOINT, 3.0, [r.Usage("Canvas")]), third)
    assert row["per_hour"] == 0.333333333 and row["accrued"] == 1.0


def test_derived_rule_is_taken_from_its_first_mention():
    note = "x; Derived: first. Derived: second."
    derived = lambda region, component, instance_type="": Price(  # noqa: E731
        1.0, "Hrs", 1.0, "derived", "d", "T", False, note
    )
    row, _ = _one(_res("endpoint:d", r.ENDPOINT, 1.0, [r.Usage("Canvas")]), derived)
    assert row["notes"] == ["Derived: first. Derived: second."]


def test_self_needs_the_same_domain_type_name_and_holder():
    base = dict(started_at=ago(1), usages=[], domain_id="d-1", app_type="JupyterLab")
    me = r.Resource(id="a", kind=r.APP, name="default", status="InService", space="alice-space",
                    **base)  # fmt: skip
    assert "self" in scopes_of(me, ALICE_CTX)
    other_name = r.Resource(id="b", kind=r.APP, name="other", status="InService",
                            space="alice-space", **base)  # fmt: skip
    assert "self" not in scopes_of(other_name, ALICE_CTX)
    other_type = r.Resource(id="c", kind=r.APP, name="default", status="InService",
                            space="alice-space", **{**base, "app_type": "CodeEditor"})  # fmt: skip
    assert "self" not in scopes_of(other_type, ALICE_CTX)
    no_domain = Context(environment="studio", region=REGION, space="alice-space",
                        app_type="JupyterLab", app_name="default")  # fmt: skip
    assert "self" not in scopes_of(me, no_domain)
    endpoint = r.Resource(id="e", kind=r.ENDPOINT, name="default", status="InService",
                          space="alice-space", **base)  # fmt: skip
    assert "self" not in scopes_of(endpoint, ALICE_CTX)
    classic = Context(environment="studio-classic", region=REGION, domain_id="d-1",
                      user_profile="bob", app_type="JupyterLab", app_name="default")  # fmt: skip
    # A Classic user's own app has no space; the same app in a space is not theirs.
    assert "self" not in scopes_of(me, classic)
    mine = r.Resource(id="f", kind=r.APP, name="default", status="InService",
                      user_profile="bob", **base)  # fmt: skip
    assert "self" in scopes_of(mine, classic)
    not_bob = r.Resource(id="g", kind=r.APP, name="default", status="InService",
                         user_profile="carol", **base)  # fmt: skip
    assert "self" not in scopes_of(not_bob, classic)
    elsewhere = r.Resource(id="h", kind=r.APP, name="default", status="InService",
                           space="alice-space", **{**base, "domain_id": "d-2"})  # fmt: skip
    assert "self" not in scopes_of(elsewhere, ALICE_CTX)  # the same names in another domain
    nb = Context(environment="notebook-instance", region=REGION, app_name="default")
    assert "self" not in scopes_of(me, nb)  # an app named like the notebook instance


def test_a_classic_apps_row_names_its_user_profile(result):
    # Studio Classic apps belong to a user profile, not a space: a reader of the shared
    # snapshot finds its own app by it. Space apps have no such field.
    rows = by_id(result)
    assert rows["app:d-1/bob/KernelGateway/dsml"]["user_profile"] == "bob"
    assert rows["app:d-1/bob/Canvas/canvas"]["user_profile"] == "bob"
    assert "user_profile" not in rows["app:d-1/alice-space/JupyterLab/default"]
