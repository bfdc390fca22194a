"""Other regions in a snapshot (spend/other_regions.py), pure: made-up prices, hand-worked
figures."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from jupyter_costwidget.pricing import Price
from jupyter_costwidget.spend import resources as r
from jupyter_costwidget.spend.arithmetic import Thresholds
from jupyter_costwidget.spend.other_regions import add_other_regions

NOW = datetime(2026, 11, 23, 12, 0, tzinfo=timezone.utc)
HOME = "eu-test-1"
# (region, component, instance type) -> USD per hour, made up for these tests.
PRICES = {
    ("ap-test-1", "Canvas", ""): 2.5,
    ("ap-test-1", "Hosting", "ml.m5.large"): 0.125,
    ("us-test-1", "Hosting", "ml.m5.large"): 0.1,
}


def lookup(region: str, component: str, instance_type: str = "") -> Price | None:
    usd = PRICES.get((region, component, instance_type))
    return None if usd is None else Price(usd, "Hrs", usd, "snapshot", "2026-09-22", "T")


def canvas(hours: float) -> r.Resource:
    return r.Resource(
        id="app:d-ap/taro/Canvas/default",
        kind=r.APP,
        name="default",
        status="InService",
        started_at=NOW - timedelta(hours=hours),
        usages=[r.Usage("Canvas", "")],
        app_type="Canvas",
        domain_id="d-ap",
        owner="taro",
    )


def endpoint(name: str, hours: float = 10.0, instance: str = "ml.m5.large") -> r.Resource:
    return r.Resource(
        id=f"endpoint:{name}",
        kind=r.ENDPOINT,
        name=name,
        status="InService",
        started_at=NOW - timedelta(hours=hours),
        usages=[r.Usage("Hosting", instance)],
        facts={"invocations": 5.0},
    )


def home_spend() -> dict:
    # What compute_spend gave for this region: one row of 1.0 $/h (a lower bound: one part
    # unpriced), 4.0 $ so far.
    home_row = {
        "id": "app:home",
        "per_hour": 1.0,
        "accrued": 4.0,
        "price_known": False,
        "scopes": ["region", "account"],
    }
    return {
        "totals": {"account": {"per_hour": 1.0, "accrued": 4.0, "unpriced": 1}},
        "resources": [home_row],
        "warnings": [],
    }


def test_rows_count_in_account_only_at_their_regions_prices():
    spend = home_spend()
    others = {"ap-test-1": [canvas(8.0), endpoint("ep-a")]}
    add_other_regions(spend, others, HOME, lookup, NOW, Thresholds())
    rows = {row["id"]: row for row in spend["resources"]}
    assert rows["app:d-ap/taro/Canvas/default"]["per_hour"] == 2.5
    assert rows["app:d-ap/taro/Canvas/default"]["accrued"] == pytest.approx(20.0)  # 2.5 x 8 h
    assert rows["endpoint:ep-a"]["accrued"] == pytest.approx(1.25)  # 0.125 x 10 h
    for row_id in ("app:d-ap/taro/Canvas/default", "endpoint:ep-a"):
        assert rows[row_id]["scopes"] == ["account"] and rows[row_id]["region"] == "ap-test-1"
    # account: 1.0 + 2.5 + 0.125 = 3.625 $/h; 4.0 + 20.0 + 1.25 = 25.25 $; one unpriced.
    assert spend["totals"]["account"] == {"per_hour": 3.625, "accrued": 25.25, "unpriced": 1}
    # Rows by rate: Canvas 2.5, home 1.0, endpoint 0.125.
    assert [row["id"] for row in spend["resources"]] == [
        "app:d-ap/taro/Canvas/default",
        "app:home",
        "endpoint:ep-a",
    ]


def test_one_warning_per_region_names_it_and_its_rate():
    spend = home_spend()
    others = {"ap-test-1": [canvas(8.0), endpoint("ep-a")], "us-test-1": [endpoint("ep-u")]}
    add_other_regions(spend, others, HOME, lookup, NOW, Thresholds())
    other = [w for w in spend["warnings"] if w["code"] == "other-region"]
    assert [(w["region"], w["severity"], w["resource_id"]) for w in other] == [
        ("ap-test-1", "critical", None),
        ("us-test-1", "critical", None),
    ]
    # 2.5 + 0.125 = 2.625 -> $2.62/h (two decimals, as format(..., ",.2f") rounds).
    assert other[0]["message"] == (
        "2 resources bill $2.62/h in ap-test-1, outside this region (eu-test-1): default, ep-a."
    )
    assert (
        other[1]["message"] == "ep-u bills $0.10/h in us-test-1, outside this region (eu-test-1)."
    )
    # The Canvas row's own warning is raised as in this region, with its cost so far.
    (canvas_warning,) = [w for w in spend["warnings"] if w["code"] == "canvas-running"]
    assert "(about $20.00 so far)" in canvas_warning["message"]  # 2.5 $/h x 8 h


def test_an_unpriced_part_makes_the_rate_a_lower_bound():
    spend = home_spend()
    others = {"ap-test-1": [endpoint("ep-a"), endpoint("ep-x", instance="ml.x9.huge")]}
    add_other_regions(spend, others, HOME, lookup, NOW, Thresholds())
    (other,) = [w for w in spend["warnings"] if w["code"] == "other-region"]
    assert other["message"] == (
        "2 resources bill at least $0.12/h in ap-test-1, outside this region (eu-test-1): "
        "ep-a, ep-x."
    )
    assert spend["totals"]["account"]["unpriced"] == 2  # 1 + ep-x
    assert spend["totals"]["account"]["per_hour"] == 1.125
    # An unknown rate sorts as $0: after every known one, then by id.
    assert [row["id"] for row in spend["resources"]] == [
        "app:home",
        "endpoint:ep-a",
        "endpoint:ep-x",
    ]


def test_more_than_three_are_named_three_and_counted():
    spend = home_spend()
    others = {"us-test-1": [endpoint(f"ep{i}", hours=i + 1) for i in range(5)]}
    add_other_regions(spend, others, HOME, lookup, NOW, Thresholds())
    (other,) = [w for w in spend["warnings"] if w["code"] == "other-region"]
    assert other["message"] == (
        "5 resources bill $0.50/h in us-test-1, outside this region (eu-test-1): "
        "ep0, ep1, ep2 and 2 more."
    )


def test_nothing_billing_no_warning_and_the_home_region_is_not_added_twice():
    spend = home_spend()
    free = endpoint("free")
    free.usages = [r.Usage("Hosting", "ml.m5.large", 0.0)]  # no instance: $0, known
    add_other_regions(spend, {"us-test-1": [free], HOME: [endpoint("dup")]}, HOME, lookup,
                      NOW, Thresholds())  # fmt: skip
    assert [w for w in spend["warnings"] if w["code"] == "other-region"] == []
    assert "endpoint:dup" not in {row["id"] for row in spend["resources"]}
    assert spend["totals"]["account"] == {"per_hour": 1.0, "accrued": 4.0, "unpriced": 1}
    assert {row["id"] for row in spend["resources"]} == {"app:home", "endpoint:free"}


def test_three_are_all_named():
    spend = home_spend()
    others = {"us-test-1": [endpoint(f"ep{i}") for i in range(3)]}
    add_other_regions(spend, others, HOME, lookup, NOW, Thresholds())
    (other,) = [w for w in spend["warnings"] if w["code"] == "other-region"]
    assert other["message"].endswith(": ep0, ep1, ep2.")


def test_without_a_home_region_it_says_so():
    spend = home_spend()
    add_other_regions(spend, {"us-test-1": [endpoint("ep")]}, "", lookup, NOW, Thresholds())
    (other,) = [w for w in spend["warnings"] if w["code"] == "other-region"]
    assert other["message"] == "ep bills $0.10/h in us-test-1, outside this region (?)."


def test_another_regions_idle_endpoint_is_warned_about_with_this_servers_thresholds():
    spend = home_spend()
    idle = endpoint("idle-ep", hours=30.0)
    idle.facts = {"invocations": 0}
    add_other_regions(spend, {"us-test-1": [idle]}, HOME, lookup, NOW, Thresholds(24.0, 12.0))
    assert [w["code"] for w in spend["warnings"]] == ["endpoint-idle", "other-region"]
    spend = home_spend()
    add_other_regions(spend, {"us-test-1": [idle]}, HOME, lookup, NOW, Thresholds(48.0, 12.0))
    assert [w["code"] for w in spend["warnings"]] == ["other-region"]


def test_a_region_whose_resources_have_no_price_is_unknown_per_hour():
    spend = home_spend()
    server = r.Resource(
        id="mlflow-tracking-server:t",
        kind=r.MLFLOW_TRACKING_SERVER,
        name="t",
        status="Created",
        started_at=NOW - timedelta(hours=5),
        usages=[r.Usage("MLflow", "Small")],
    )
    add_other_regions(spend, {"us-test-1": [server]}, HOME, lookup, NOW, Thresholds())
    assert spend["totals"]["account"] == {"per_hour": 1.0, "accrued": 4.0, "unpriced": 2}
    (other,) = [w for w in spend["warnings"] if w["code"] == "other-region"]
    assert other["message"] == (
        "t bills an unknown amount per hour in us-test-1, outside this region (eu-test-1)."
    )


def test_a_region_with_nothing_found_does_not_hide_the_next_one():
    spend = home_spend()
    add_other_regions(
        spend, {"ap-test-1": [], "us-test-1": [endpoint("ep")]}, HOME, lookup, NOW, Thresholds()
    )
    assert [w["region"] for w in spend["warnings"] if w["code"] == "other-region"] == ["us-test-1"]


def test_several_without_a_home_region_say_so_too():
    spend = home_spend()
    others = {"us-test-1": [endpoint("a"), endpoint("b")]}
    add_other_regions(spend, others, "", lookup, NOW, Thresholds())
    (other,) = [w for w in spend["warnings"] if w["code"] == "other-region"]
    assert other["message"] == (
        "2 resources bill $0.20/h in us-test-1, outside this region (?): a, b."
    )
