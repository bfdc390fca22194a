"""Billed spend: Cost Explorer and Budgets from the sandbox, through a real server.

Expected figures are the scenario's own numbers; Cost Explorer requests are counted by the
sandbox (`sandbox.calls()`). Time is one clock for the server and the in-process sandbox,
moved by time-machine (`utc` fixture): no test depends on today's date.
"""

from __future__ import annotations

import asyncio
import copy
import json
from datetime import date, datetime, timedelta, timezone

import pytest
import time_machine

from jupyter_costwidget.billing import service as billing_service

ACCOUNT = "123456789012"
REGION = "us-east-1"
ALICE_ARN = f"arn:aws:sagemaker:{REGION}:{ACCOUNT}:user-profile/d-bill1/alice"
ALICE_SPACE_ARN = f"arn:aws:sagemaker:{REGION}:{ACCOUNT}:space/d-bill1/alice-space"
BOB_ARN = f"arn:aws:sagemaker:{REGION}:{ACCOUNT}:user-profile/d-bill1/bob"
MONTH_BY_USAGE = {
    "USE1-Host:ml.m5.xlarge": 180.0,
    "USE1-Studio:ml.g5.xlarge": 200.5,
    "USE1-Studio_EBS:VolumeUsage.gp3": 32.0,
}
BILLING = {
    "month_to_date": 412.5,
    "by_usage_type": MONTH_BY_USAGE,
    "daily": [
        {"days_ago": 1, "amount": 38.2,
         "by_usage_type": {"USE1-Host:ml.m5.xlarge": 11.04, "USE1-Studio:ml.g5.xlarge": 27.16}},
    ],
    "forecast": 780.0,
    "cost_allocation_tags_active": False,
    "by_tag": {ALICE_ARN: 120.0, ALICE_SPACE_ARN: 30.0, BOB_ARN: 200.0},
    "budgets": [
        {"name": "ml-team", "limit": 1000, "actual": 412.5, "forecast": 780,
         "services": ["Amazon SageMaker"]},
        {"name": "whole-account", "limit": 5000, "actual": 2100, "forecast": 4800},
        {"name": "ec2-only", "limit": 300, "actual": 10, "forecast": 20,
         "services": ["Amazon Elastic Compute Cloud - Compute"]},
    ],
}  # fmt: skip
SCENARIO = {
    "region": REGION,
    "account": ACCOUNT,
    "domains": [
        {"id": "d-bill1", "user_profiles": ["alice", "bob"],
         "spaces": [{"name": "alice-space", "owner": "alice"}],
         "apps": [{"type": "JupyterLab", "space": "alice-space", "instance": "ml.t3.medium"}]},
    ],
    "me": {"domain": "d-bill1", "space": "alice-space", "app_type": "JupyterLab"},
    "billing": BILLING,
}  # fmt: skip
SIX_HOURS = 6 * 3600
# Mid-month, mid-week, far from any edge; tests that want an edge travel there themselves.
ORDINARY_DAY = datetime(2026, 11, 18, 0, 0, tzinfo=timezone.utc)


def ce_calls(calls: dict[str, int]) -> dict[str, int]:
    return {k: v for k, v in calls.items() if k.startswith("ce.")}


@pytest.fixture
def scenario(request):
    data = copy.deepcopy(SCENARIO)
    for key, value in getattr(request, "param", {}).items():
        data["billing"][key] = value
    return data


@pytest.fixture
def billing_enabled(request):
    return getattr(request, "param", True)


@pytest.fixture
def start(request):
    """Where the shared clock starts (a test parametrizes it to travel to an edge)."""
    return getattr(request, "param", ORDINARY_DAY)


@pytest.fixture
def utc(start):
    """The process's wall clock (server and sandbox alike), started at `start` and ticking."""
    with time_machine.travel(start, tick=True) as traveller:
        yield traveller


@pytest.fixture
def jp_server_config(costwidget_server_config, sandbox, scenario, tmp_path, billing_enabled, utc):
    sandbox.load(scenario)
    metadata = sandbox.write_metadata(tmp_path / "resource-metadata.json")
    return costwidget_server_config(
        sandbox,
        metadata,
        aws_max_attempts=2,
        state_dir=str(tmp_path / "state"),
        billing_enabled=billing_enabled,
    )


def state_of(jp_serverapp):
    return jp_serverapp.web_app.settings["costwidget"]


async def get_billing(jp_fetch, **params):
    response = await jp_fetch("costwidget", "api", "billing", params=params)
    assert response.code == 200
    return json.loads(response.body)


async def test_figures_equal_the_scenario_and_tags_inactive_are_said(jp_fetch, sandbox):
    data = await get_billing(jp_fetch)
    assert data["enabled"] is True
    assert data["month_to_date"] == pytest.approx(412.5)
    assert data["yesterday"] == pytest.approx(38.2)
    assert data["forecast"] == pytest.approx(780.0)
    assert data["by_usage_type"] == pytest.approx(MONTH_BY_USAGE)
    assert list(data["by_usage_type"]) == sorted(MONTH_BY_USAGE, key=lambda k: -MONTH_BY_USAGE[k])
    budgets = {b["name"]: b for b in data["budgets"]}
    assert set(budgets) == {"ml-team", "whole-account"}  # the EC2-only budget is left out
    assert budgets["ml-team"]["limit"] == 1000
    assert budgets["ml-team"]["actual"] == pytest.approx(412.5)
    assert budgets["ml-team"]["forecast"] == pytest.approx(780)
    assert budgets["ml-team"]["percent_actual"] == pytest.approx(41.2, abs=0.05)
    assert budgets["whole-account"]["services"] is None
    # Tags inactive: said plainly, no per-user figure and no tag-filtered request.
    assert data["tags_active"] is False
    assert data["mine"]["month_to_date"] is None
    assert "not active" in data["mine"]["message"]
    assert data["errors"] == []
    assert data["stale"] is False
    datetime.fromisoformat(data["fetched_at"].replace("Z", "+00:00"))
    calls = sandbox.calls()
    assert ce_calls(calls) == {
        "ce.GetCostAndUsage": 1,
        "ce.ListCostAllocationTags": 1,
        "ce.GetCostForecast": 1,
    }
    assert data["requests_today"] == 3
    assert calls.get("budgets.DescribeBudgets") == 1


@pytest.mark.parametrize("scenario", [{"cost_allocation_tags_active": True}], indirect=True)
async def test_tags_active_filters_mine_by_the_studio_tags(jp_fetch, sandbox):
    data = await get_billing(jp_fetch)
    assert data["tags_active"] is True
    assert data["tags"]["sagemaker:user-profile-arn"] == "Active"
    # alice's profile and her space from by_tag (bob's 200 is not hers), each counted once.
    assert data["mine"]["month_to_date"] == pytest.approx(120.0 + 30.0)
    assert data["mine"]["filtered_by"] == [
        "sagemaker:user-profile-arn",
        "sagemaker:space-arn",
        "sagemaker:shared-space-arn",
    ]
    assert data["month_to_date"] == pytest.approx(412.5)
    assert sandbox.calls()["ce.GetCostAndUsage"] == 2


@pytest.mark.parametrize("scenario", [{"cost_allocation_tags_active": True}], indirect=True)
async def test_a_simulated_day_with_tags_active_asks_for_mine_once(jp_fetch, sandbox, utc):
    for i in range(100):
        utc.move_to(ORDINARY_DAY + timedelta(seconds=i * 86400 / 100))
        data = await get_billing(jp_fetch)
        assert data["mine"]["month_to_date"] == pytest.approx(150.0)
    # The first fetch of the day asks everything: account-wide usage, the tags' status, mine
    # and the forecast. That is the day's limit of 4: the figures are then served as they are.
    assert ce_calls(sandbox.calls()) == {
        "ce.GetCostAndUsage": 2,
        "ce.GetCostForecast": 1,
        "ce.ListCostAllocationTags": 1,
    }
    assert data["requests_today"] == 4
    assert any("billing_max_requests_per_day" in note for note in data["notes"])
    assert data["errors"] == []


async def test_ce_access_denied_is_an_error_with_hint_and_the_rest_still_works(jp_fetch, sandbox):
    sandbox.fault({"deny": ["ce.GetCostAndUsage", "budgets.DescribeBudgets"]})
    data = await get_billing(jp_fetch)
    by_source = {e["source"]: e for e in data["errors"]}
    assert "ce:GetCostAndUsage" in by_source["ce.GetCostAndUsage"]["hint"]
    assert by_source["ce.GetCostAndUsage"]["code"] == "AccessDeniedException"
    assert "budgets:ViewBudget" in by_source["budgets.DescribeBudgets"]["hint"]
    assert data["month_to_date"] is None and data["budgets"] == []
    assert data["forecast"] is None  # needs month to date
    assert data["tags_active"] is False  # ListCostAllocationTags was allowed
    for path in (("spend",), ("version",), ("status",)):
        response = await jp_fetch("costwidget", "api", *path)
        assert response.code == 200
    spend = json.loads((await jp_fetch("costwidget", "api", "spend")).body)
    assert spend["context"]["domain_id"] == "d-bill1"


async def test_failed_source_keeps_last_good_value_marked_stale(jp_fetch, sandbox, utc):
    first = await get_billing(jp_fetch)
    sandbox.fault({"deny": ["budgets.DescribeBudgets"]})
    utc.shift(SIX_HOURS)
    second = await get_billing(jp_fetch)
    assert second["budgets"] == first["budgets"]
    assert second["stale_sources"] == ["budgets"] and second["stale"] is True
    assert second["month_to_date"] == pytest.approx(412.5)


async def test_a_simulated_day_of_100_requests_makes_at_most_four_ce_requests(
    jp_fetch, sandbox, utc
):
    midnight = ORDINARY_DAY
    # Ten tabs at once: one coalesced fetch.
    burst = await asyncio.gather(*(get_billing(jp_fetch) for _ in range(10)))
    assert {b["fetched_at"] for b in burst} == {burst[0]["fetched_at"]}
    assert sandbox.calls()["ce.GetCostAndUsage"] == 1
    fetched = set()
    for i in range(1, 91):  # the rest of the 100 requests, spread over the day
        utc.move_to(midnight + timedelta(seconds=i * 86400 / 91))
        data = await get_billing(jp_fetch)
        fetched.add(data["fetched_at"])
    calls = ce_calls(sandbox.calls())
    # At most 4 Cost Explorer requests a day: at 0 h usage, the tags' status (once a week)
    # and the forecast (once a day); at 6 h usage again; then the day's limit is reached and
    # the 12 h and 18 h figures are the 6 h ones, with a note saying why.
    assert sum(calls.values()) == data["requests_today"] == 4
    assert calls == {
        "ce.GetCostAndUsage": 2,
        "ce.GetCostForecast": 1,
        "ce.ListCostAllocationTags": 1,
    }
    assert len(fetched) == 2
    assert any("billing_max_requests_per_day" in note for note in data["notes"])
    assert data["month_to_date"] == pytest.approx(412.5) and data["errors"] == []
    # The next UTC day starts a new count: usage and forecast; the tags' status is a week old.
    utc.move_to(midnight + timedelta(days=1, seconds=SIX_HOURS))
    data = await get_billing(jp_fetch)
    assert data["requests_today"] == 2
    assert not any("billing_max_requests_per_day" in note for note in data["notes"])


async def test_refresh_bypasses_the_cache_but_not_within_five_minutes(jp_fetch, sandbox, utc):
    await get_billing(jp_fetch)
    # The clock ticks in real time too (the server needs it): 240 s leaves a minute of real
    # time for a busy machine before the 300 s floor.
    utc.shift(240)
    await get_billing(jp_fetch, refresh="1")
    assert sandbox.calls()["ce.GetCostAndUsage"] == 1
    utc.shift(61)  # 301 s and more since the fetch
    data = await get_billing(jp_fetch, refresh="1")
    assert sandbox.calls()["ce.GetCostAndUsage"] == 2
    assert data["requests_today"] == 4  # usage twice; tags and forecast once a day


async def test_cache_survives_a_restart(jp_fetch, jp_serverapp, sandbox, tmp_path):
    first = await get_billing(jp_fetch)
    state = state_of(jp_serverapp)
    assert (tmp_path / "state" / "billing.json").exists()
    sandbox.reset_calls()
    restarted = billing_service.build(state)  # a new server process reading the same state dir
    again = await restarted.get()
    assert sandbox.calls() == {}
    assert again["month_to_date"] == first["month_to_date"]
    assert again["fetched_at"] == first["fetched_at"]
    assert again["requests_today"] == first["requests_today"] == 3


@pytest.mark.parametrize("scenario", [{"forecast": None}], indirect=True)
async def test_forecast_not_available_is_a_note_not_an_error(jp_fetch):
    data = await get_billing(jp_fetch)
    assert data["forecast"] is None
    assert data["errors"] == []
    assert any("forecast" in note for note in data["notes"])


@pytest.mark.parametrize("billing_enabled", [False], indirect=True)
async def test_disabled_makes_no_aws_call(jp_fetch, sandbox):
    for refresh in (None, "1"):
        data = (
            await get_billing(jp_fetch, refresh=refresh) if refresh else await get_billing(jp_fetch)
        )
        # The whole Billing shape, with nothing billed known.
        assert data["enabled"] is False and data["month_to_date"] is None
        assert data["budgets"] == [] and data["errors"] == [] and data["requests_today"] == 0
    calls = sandbox.calls()
    assert not [k for k in calls if k.split(".")[0] in ("ce", "budgets", "sts")]


async def test_bad_refresh_is_a_400(jp_fetch):
    from tornado.httpclient import HTTPClientError

    with pytest.raises(HTTPClientError) as info:
        await jp_fetch("costwidget", "api", "billing", params={"refresh": "maybe"})
    assert info.value.code == 400


@pytest.mark.parametrize(
    "scenario",
    [
        {
            "daily": [
                *BILLING["daily"],
                {"days_ago": 0, "amount": 20.0, "by_usage_type": {"USE1-Host:ml.m5.xlarge": 20.0}},
            ]
        }
    ],
    indirect=True,
    ids=["today-has-costs"],
)
async def test_forecast_counts_today_once(jp_fetch, sandbox):
    # The scenario: 412.5 this month, 20.0 of it today so far, the month forecast at 780.0.
    # Cost Explorer's forecast from today on is 780.0 - (412.5 - 20.0) = 387.5 (today
    # included); the month's forecast is 392.5 before today + 387.5 = 780.0, not 800.0.
    data = await get_billing(jp_fetch)
    assert data["month_to_date"] == pytest.approx(412.5)
    assert data["today"] == pytest.approx(20.0)
    assert data["forecast"] == pytest.approx(780.0)


# --- the edges of the calendar -----------------------------------------------------------
# 23:30 UTC on the last day of a month, on 31 December and on 29 February of a leap year:
# the fetch uses that day's month; an hour later (past midnight) the next month's, and the
# day's Cost Explorer request count starts again.
EDGES = [
    # (start, today, month_start, yesterday, after midnight: today, month_start, yesterday)
    (datetime(2026, 11, 30, 23, 30, tzinfo=timezone.utc), "2026-11-30", "2026-11-01",
     "2026-11-29", "2026-12-01", "2026-12-01", "2026-11-30"),
    (datetime(2026, 12, 31, 23, 50, tzinfo=timezone.utc), "2026-12-31", "2026-12-01",
     "2026-12-30", "2027-01-01", "2027-01-01", "2026-12-31"),
    (datetime(2028, 2, 29, 23, 30, tzinfo=timezone.utc), "2028-02-29", "2028-02-01",
     "2028-02-28", "2028-03-01", "2028-03-01", "2028-02-29"),
]  # fmt: skip


@pytest.mark.parametrize(
    ("start", "edge"), [(e[0], e) for e in EDGES], indirect=["start"], ids=[e[1] for e in EDGES]
)
async def test_month_year_and_leap_day_edges(jp_fetch, sandbox, utc, edge):
    _, today, month_start, yesterday, next_today, next_month_start, next_yesterday = edge
    data = await get_billing(jp_fetch)
    assert data["period"] == {"month_start": month_start, "yesterday": yesterday, "today": today}
    # The scenario: month_to_date 412.5, yesterday (days_ago 1) 38.2, forecast 780.0 for
    # the month. All three as the scenario says, on the month's last minutes too.
    assert data["month_to_date"] == pytest.approx(412.5)
    assert data["yesterday"] == pytest.approx(38.2)
    assert data["forecast"] == pytest.approx(780.0)
    assert data["requests_today"] == 3  # usage, the tags' status, the forecast
    assert data["errors"] == []

    utc.shift(3600)  # past midnight: a new UTC day, a new month
    data = await get_billing(jp_fetch, refresh="1")
    assert data["period"] == {
        "month_start": next_month_start,
        "yesterday": next_yesterday,
        "today": next_today,
    }
    # A new day's count: usage and the forecast again; the tags' status is a week's.
    assert data["requests_today"] == 2
    assert data["errors"] == []
    assert data["month_to_date"] == pytest.approx(412.5)  # the scenario's new month
    assert data["forecast"] == pytest.approx(780.0)
    assert ce_calls(sandbox.calls()) == {
        "ce.GetCostAndUsage": 2,
        "ce.ListCostAllocationTags": 1,
        "ce.GetCostForecast": 2,
    }
    assert date.fromisoformat(data["period"]["today"]) == date.fromisoformat(today) + timedelta(
        days=1
    )
