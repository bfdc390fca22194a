"""Properties of the spend arithmetic over generated inventories (hypothesis).

Prices come from tests/test_spend_math.py's made-up table; a generated usage either names a
row of it or a component it lacks (an unknown price).
"""

from __future__ import annotations

import json
from datetime import timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from jupyter_costwidget.aws.context import Context
from jupyter_costwidget.spend import resources as r
from jupyter_costwidget.spend.arithmetic import SCOPES, compute_spend
from jupyter_costwidget.spend.personalize import personalize
from jupyter_costwidget.stop.rules import mark_stoppable

from .test_spend_math import ALICE_CTX, NOW, REGION, lookup

PRICED = [
    ("Studio-JupyterLab", "ml.g5.xlarge"),
    ("Studio-Notebook", "ml.m5.large"),
    ("Canvas", ""),
    ("Hosting", "ml.m5.xlarge"),
]
UNPRICED = [("Training", "ml.p3.2xlarge"), ("Hosting", "ml.unknown")]


@st.composite
def resource(draw, index: int) -> r.Resource:
    kind = draw(st.sampled_from([r.APP, r.ENDPOINT, r.TRAINING_JOB, r.NOTEBOOK_INSTANCE]))
    domain = draw(st.sampled_from(["d-1", "d-2", None]))
    owner = draw(st.sampled_from(["alice", "bob", None]))
    space = draw(st.sampled_from(["alice-space", None]))
    usages = [
        r.Usage(component, instance, draw(st.integers(1, 4)))
        for component, instance in draw(
            st.lists(st.sampled_from(PRICED + UNPRICED), min_size=0, max_size=3)
        )
    ]
    return r.Resource(
        id=f"{kind}:{index}",
        kind=kind,
        name=draw(st.sampled_from(["default", "x"])),
        status="InService",
        started_at=NOW - timedelta(hours=draw(st.floats(0, 2000))),
        usages=usages,
        domain_id=domain,
        owner=owner,
        space=space,
        user_profile=draw(st.sampled_from(["bob", None])),
        app_type=draw(st.sampled_from(["JupyterLab", "KernelGateway", None])),
    )


inventories = st.integers(0, 12).flatmap(
    lambda n: st.tuples(*[resource(i) for i in range(n)]).map(list)
)
contexts = st.sampled_from(
    [
        ALICE_CTX,
        Context(environment="studio-classic", region=REGION, domain_id="d-1",
                user_profile="bob", app_type="KernelGateway", app_name="x"),
        Context(environment="notebook-instance", region=REGION, app_name="x"),
        Context(region=REGION),
    ]
)  # fmt: skip


@settings(max_examples=150, deadline=None)
@given(inventory=inventories, ctx=contexts)
def test_scope_totals_are_the_sums_of_their_rows(inventory, ctx):
    result = compute_spend(inventory, ctx, REGION, lookup, NOW)
    for scope in SCOPES:
        rows = [row for row in result["resources"] if scope in row["scopes"]]
        total = result["totals"][scope]
        priced = [row for row in rows if row["per_hour"] is not None]
        assert abs(total["per_hour"] - sum(row["per_hour"] for row in priced)) < 1e-6
        assert abs(total["accrued"] - sum(row["accrued"] for row in priced)) < 1e-6
        assert total["unpriced"] == sum(1 for row in rows if not row["price_known"])


@settings(max_examples=150, deadline=None)
@given(inventory=inventories, ctx=contexts)
def test_scopes_nest(inventory, ctx):
    result = compute_spend(inventory, ctx, REGION, lookup, NOW)
    for row in result["resources"]:
        scopes = set(row["scopes"])
        assert "region" in scopes
        if "self" in scopes:
            assert "mine" in scopes
        if "mine" in scopes and ctx.domain_id:
            assert "domain" in scopes  # mine is within this domain
    totals = result["totals"]
    assert totals["self"]["per_hour"] <= totals["mine"]["per_hour"] + 1e-9
    assert totals["mine"]["per_hour"] <= totals["region"]["per_hour"] + 1e-9
    if ctx.domain_id:
        assert totals["mine"]["per_hour"] <= totals["domain"]["per_hour"] + 1e-9
    assert totals["domain"]["per_hour"] <= totals["region"]["per_hour"] + 1e-9


@settings(max_examples=150, deadline=None)
@given(inventory=inventories)
def test_an_unknown_price_is_never_zero_and_marks_a_lower_bound(inventory):
    result = compute_spend(inventory, ALICE_CTX, REGION, lookup, NOW)
    for row in result["resources"]:
        if not row["price_known"]:
            # Either no figure at all, or the known part only: never a made-up $0.
            assert row["per_hour"] is None or any(
                part["usd_per_hour"] for part in row["price_parts"]
            )
            assert "price-unknown" in row["warnings"]
            for scope in row["scopes"]:
                assert result["totals"][scope]["unpriced"] >= 1


@settings(max_examples=150, deadline=None)
@given(inventory=inventories, later=st.floats(0, 1000))
def test_accrued_grows_with_time_and_is_never_negative(inventory, later):
    now = compute_spend(inventory, ALICE_CTX, REGION, lookup, NOW)
    then = compute_spend(inventory, ALICE_CTX, REGION, lookup, NOW + timedelta(hours=later))
    before = {row["id"]: row for row in now["resources"]}
    for row in then["resources"]:
        if row["accrued"] is not None:
            assert row["accrued"] >= 0
            assert row["accrued"] >= before[row["id"]]["accrued"] - 1e-9
            # It grows by exactly the rate for the time that passed.
            grown = row["accrued"] - before[row["id"]]["accrued"]
            assert abs(grown - row["per_hour"] * later) < 1e-6 * max(1.0, row["accrued"])
    for scope in SCOPES:
        assert then["totals"][scope]["accrued"] >= now["totals"][scope]["accrued"] - 1e-9


@settings(max_examples=150, deadline=None)
@given(inventory=inventories, ctx=contexts, allow_stop=st.sampled_from(["mine", "domain", "none"]))
def test_a_reader_of_the_shared_snapshot_gets_what_a_scan_gives(inventory, ctx, allow_stop):
    """The collector computes without a user; personalize() adds the reader's scopes and stop
    rights: rows and totals equal a scan with the reader's own context."""
    shared = compute_spend(inventory, Context(region=REGION), REGION, lookup, NOW)
    mark_stoppable(shared["resources"], "none")
    rows = json.loads(json.dumps(shared["resources"], default=str))  # through the S3 file
    mine_rows, totals = personalize(rows, ctx, allow_stop)
    scanned = compute_spend(inventory, ctx, REGION, lookup, NOW)
    mark_stoppable(scanned["resources"], allow_stop)
    assert totals == scanned["totals"]
    assert mine_rows == json.loads(json.dumps(scanned["resources"], default=str))
