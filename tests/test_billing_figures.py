"""The /billing figures from Cost Explorer's and Budgets' answers, and the daily request cap.

Answers are in the shapes of botocore's `ce` GetCostAndUsage and `budgets` DescribeBudgets
models; every expected figure is worked out by hand next to it.
"""

from __future__ import annotations

from datetime import date, datetime, timezone

import pytest
from hypothesis import given
from hypothesis import strategies as st

from jupyter_costwidget.aws.context import Context
from jupyter_costwidget.billing.requests import DailyRequestBudget, utc_day
from jupyter_costwidget.billing.rows import (
    NOT_IN_A_DOMAIN,
    budget_row,
    cents,
    covers_sagemaker,
    mine_from_owner_groups,
    my_owner_arns,
    owner_groups,
    sagemaker_cost_budgets,
    summarize_daily,
)
from jupyter_costwidget.billing.shared import reader_mine

NOV_30_2330 = datetime(2026, 11, 30, 23, 30, tzinfo=timezone.utc).timestamp()
DEC_1_0030 = NOV_30_2330 + 3600


# --- the daily request cap ----------------------------------------------------------------------
def test_the_cap_allows_exactly_the_limit_per_utc_day():
    budget = DailyRequestBudget(4)
    counter: dict = {}
    taken = [budget.take(counter, NOV_30_2330) for _ in range(6)]
    assert taken == [True, True, True, True, False, False]  # 4 requests, then none
    assert counter == {"day": "2026-11-30", "count": 4}
    assert budget.used(counter, NOV_30_2330) == 4
    assert budget.exhausted(counter, NOV_30_2330) is True
    # One hour later it is 1 December in UTC: a new day, a new budget.
    assert budget.used(counter, DEC_1_0030) == 0
    assert budget.exhausted(counter, DEC_1_0030) is False
    assert budget.take(counter, DEC_1_0030) is True
    assert counter == {"day": "2026-12-01", "count": 1}


def test_three_used_of_four_is_not_exhausted():
    budget = DailyRequestBudget(4)
    counter = {"day": "2026-11-30", "count": 3}
    assert budget.exhausted(counter, NOV_30_2330) is False
    assert budget.take(counter, NOV_30_2330) is True
    assert budget.exhausted(counter, NOV_30_2330) is True


def test_a_zero_limit_sends_nothing_and_no_counter_counts_none():
    budget = DailyRequestBudget(0)
    counter: dict = {}
    assert budget.take(counter, NOV_30_2330) is False
    assert budget.exhausted(None, NOV_30_2330) is True
    assert DailyRequestBudget.used(None, NOV_30_2330) == 0
    assert DailyRequestBudget.used({"count": 3}, NOV_30_2330) == 0  # no day: not today's


def test_utc_day_is_the_utc_date_not_the_local_one():
    assert utc_day(NOV_30_2330) == "2026-11-30"
    assert utc_day(DEC_1_0030) == "2026-12-01"


@given(limit=st.integers(0, 20), asks=st.integers(0, 40))
def test_never_more_than_the_limit_in_a_day(limit, asks):
    budget = DailyRequestBudget(limit)
    counter: dict = {}
    sent = sum(budget.take(counter, NOV_30_2330) for _ in range(asks))
    assert sent == min(limit, asks)
    assert budget.used(counter, NOV_30_2330) == sent


# --- budgets ---------------------------------------------------------------------------------
def _budget(name, limit, actual=None, forecast=None, unit="USD", kind="COST", **extra):
    spend = {}
    if actual is not None:
        spend["ActualSpend"] = {"Amount": str(actual), "Unit": unit}
    if forecast is not None:
        spend["ForecastedSpend"] = {"Amount": str(forecast), "Unit": unit}
    return {
        "BudgetName": name,
        "BudgetLimit": {"Amount": str(limit), "Unit": unit},
        "CalculatedSpend": spend,
        "TimeUnit": "MONTHLY",
        "BudgetType": kind,
        **extra,
    }


def test_budget_row_percentages():
    row = budget_row(_budget("ml", 200, actual=57.5, forecast=230))
    # 57.5 / 200 = 28.75 % -> 28.8 (one decimal); 230 / 200 = 115 %.
    assert row == {
        "name": "ml",
        "limit": 200.0,
        "actual": 57.5,
        "forecast": 230.0,
        "unit": "USD",
        "time_unit": "MONTHLY",
        "services": None,
        "percent_actual": 28.8,
        "percent_forecast": 115.0,
    }


def test_budget_row_without_figures_or_limit():
    row = budget_row({"BudgetName": "empty", "BudgetLimit": {"Amount": "0", "Unit": "USD"}})
    assert row["limit"] == 0.0 and row["actual"] is None
    assert row["percent_actual"] is None and row["percent_forecast"] is None
    bad = budget_row({"BudgetName": "x", "BudgetLimit": {"Amount": "n/a"}})
    assert bad["limit"] is None and bad["unit"] == "USD"


def test_only_dollar_budgets_that_count_sagemaker_are_shown():
    budgets = [
        _budget("all-services", 500, actual=10),
        _budget("sagemaker", 100, actual=5, CostFilters={"Service": ["Amazon SageMaker"]}),
        _budget("s3-only", 50, CostFilters={"Service": ["Amazon Simple Storage Service"]}),
        _budget("gpu-hours", 300, actual=12, unit="Hrs", kind="USAGE"),
        _budget("ri", 90, kind="RI_UTILIZATION"),
    ]
    rows = sagemaker_cost_budgets(budgets)
    assert [r["name"] for r in rows] == ["all-services", "sagemaker"]
    assert rows[1]["services"] == ["Amazon SageMaker"]
    # DescribeBudgets may leave BudgetType out; the default is a cost budget.
    untyped = {k: v for k, v in _budget("untyped", 10).items() if k != "BudgetType"}
    assert [r["name"] for r in sagemaker_cost_budgets([untyped])] == ["untyped"]


def test_covers_sagemaker():
    assert covers_sagemaker({"CostFilters": {"Service": ["Amazon SageMaker"]}})
    assert covers_sagemaker({})
    assert covers_sagemaker({"CostFilters": {"TagKeyValue": ["user:team$ml"]}})
    assert not covers_sagemaker({"CostFilters": {"Service": ["Amazon Simple Storage Service"]}})
    expr = {"And": [{"Dimensions": {"Key": "SERVICE", "Values": ["Amazon EC2"]}}]}
    assert not covers_sagemaker({"FilterExpression": expr})
    nested = {
        "Or": [
            {"Dimensions": {"Key": "REGION", "Values": ["us-east-1"]}},
            {"And": [{"Dimensions": {"Key": "SERVICE", "Values": ["Amazon SageMaker"]}}]},
        ]
    }
    assert covers_sagemaker({"FilterExpression": nested})
    assert budget_row({"FilterExpression": nested})["services"] == ["Amazon SageMaker"]
    no_service = {"Dimensions": {"Key": "REGION", "Values": ["us-east-1"]}}
    assert covers_sagemaker({"FilterExpression": no_service})


# --- daily costs ---------------------------------------------------------------------------------
def _day(d, groups):
    return {
        "TimePeriod": {"Start": d, "End": d},
        "Groups": [
            {"Keys": [k], "Metrics": {"UnblendedCost": {"Amount": str(v)}}}
            for k, v in groups.items()
        ],
    }


def test_summarize_daily_splits_month_and_yesterday():
    results = [
        _day("2026-10-31", {"A": 5.0}),  # yesterday, but last month
        _day("2026-11-01", {"A": 1.25, "B": 2.0}),
    ]
    out = summarize_daily(results, date(2026, 11, 1), date(2026, 10, 31))
    assert out == {
        "month_to_date": 3.25,
        "yesterday": 5.0,
        "today": 3.25,  # the day after yesterday
        "by_usage_type": {"B": 2.0, "A": 1.25},
        "by_region": {},  # not grouped by region
    }


def test_summarize_daily_by_usage_type_and_region():
    # Keys [usage type, region], as GetCostAndUsage groups them (botocore ce: Group.Keys).
    results = [
        {
            "TimePeriod": {"Start": "2026-11-02", "End": "2026-11-03"},
            "Groups": [
                {"Keys": ["APN1-Canvas:Session-Hrs", "ap-northeast-1"],
                 "Metrics": {"UnblendedCost": {"Amount": "45.6", "Unit": "USD"}}},
                {"Keys": ["USE1-Studio:ml.t3.medium", "us-east-1"],
                 "Metrics": {"UnblendedCost": {"Amount": "1.104", "Unit": "USD"}}},
                {"Keys": ["APN1-Host:ml.m5.large", "ap-northeast-1"],
                 "Metrics": {"UnblendedCost": {"Amount": "2.4", "Unit": "USD"}}},
            ],
        }
    ]  # fmt: skip
    out = summarize_daily(results, date(2026, 11, 1), date(2026, 11, 2))
    # Tokyo 45.6 + 2.4 = 48.00, Virginia 1.104 -> 1.10; MTD 49.104 -> 49.10.
    assert out["by_region"] == {"ap-northeast-1": 48.0, "us-east-1": 1.1}
    assert list(out["by_region"]) == ["ap-northeast-1", "us-east-1"]
    assert out["month_to_date"] == 49.1
    assert out["by_usage_type"]["APN1-Canvas:Session-Hrs"] == 45.6


def test_by_region_leaves_out_what_rounds_to_nothing_and_orders_ties_by_name():
    def group(region, amount):
        return {"Keys": ["U", region], "Metrics": {"UnblendedCost": {"Amount": str(amount)}}}

    results = [
        {
            "TimePeriod": {"Start": "2026-11-02", "End": "2026-11-03"},
            "Groups": [
                group("us-west-2", 1.5),
                group("eu-west-1", 1.5),
                group("sa-east-1", 0.004),  # $0.00 after rounding: left out
                group("ap-south-1", 0.006),  # $0.01: kept
                group("us-east-1", 7.25),
            ],
        }
    ]
    out = summarize_daily(results, date(2026, 11, 1), date(2026, 11, 2))
    assert list(out["by_region"].items()) == [
        ("us-east-1", 7.25),
        ("eu-west-1", 1.5),
        ("us-west-2", 1.5),
        ("ap-south-1", 0.01),
    ]


def test_summarize_daily_mid_month():
    results = [
        _day("2026-11-28", {"USE1-Studio:ml.t3.medium": 1.104}),
        _day("2026-11-29", {"USE1-Studio:ml.t3.medium": 1.104, "USE1-Canvas:Session-Hrs": 45.6}),
        _day("2026-11-30", {"USE1-Canvas:Session-Hrs": 1.9, "Tiny": 0.004}),
    ]
    out = summarize_daily(results, date(2026, 11, 1), date(2026, 11, 29))
    # MTD = 1.104 + 1.104 + 45.6 + 1.9 + 0.004 = 49.712 -> 49.71
    assert out["month_to_date"] == 49.71
    assert out["yesterday"] == 46.70  # 1.104 + 45.6 = 46.704
    assert out["today"] == 1.90  # 1.9 + 0.004 = 1.904
    # Largest first; "Tiny" rounds to $0.00 and is left out.
    assert list(out["by_usage_type"].items()) == [
        ("USE1-Canvas:Session-Hrs", 47.5),
        ("USE1-Studio:ml.t3.medium", 2.21),
    ]


def test_cents():
    assert cents(None) is None
    assert cents(1.005) == pytest.approx(1.0, abs=0.011)
    assert cents(2.349) == 2.35


def test_a_counter_of_today_without_a_count_is_zero():
    assert DailyRequestBudget.used({"day": "2026-11-30"}, NOV_30_2330) == 0


def test_the_budget_day_is_utc_whatever_the_local_zone(monkeypatch):
    import time

    monkeypatch.setenv("TZ", "Asia/Tokyo")
    time.tzset()
    try:
        assert utc_day(NOV_30_2330) == "2026-11-30"  # 08:30 on 1 December in Tokyo
    finally:
        monkeypatch.undo()
        time.tzset()


def test_budget_units_are_kept():
    gb = budget_row(_budget("storage", 500, actual=20, unit="GB"))
    assert gb["unit"] == "GB"
    assert budget_row({"BudgetName": "x"})["unit"] == "USD"


def test_daily_results_with_timestamps_ties_and_small_amounts():
    results = [
        {
            "TimePeriod": {"Start": "2026-11-02T00:00:00Z", "End": "2026-11-03T00:00:00Z"},
            "Groups": [
                {"Keys": ["B"], "Metrics": {"UnblendedCost": {"Amount": "1.5"}}},
                {"Keys": ["A"], "Metrics": {"UnblendedCost": {"Amount": "1.5"}}},
                {"Keys": ["C"], "Metrics": {"UnblendedCost": {"Amount": "0.4"}}},
            ],
        }
    ]
    out = summarize_daily(results, date(2026, 11, 1), date(2026, 11, 1))
    # A tie is ordered by name; 0.40 is a cost to show.
    assert list(out["by_usage_type"].items()) == [("A", 1.5), ("B", 1.5), ("C", 0.4)]
    assert out["today"] == 3.4 and out["yesterday"] == 0.0


def test_usage_types_are_ordered_by_amount_not_name():
    out = summarize_daily([_day("2026-11-02", {"A-small": 1.0, "Z-large": 5.0})],
                          date(2026, 11, 1), date(2026, 11, 1))  # fmt: skip
    assert list(out["by_usage_type"]) == ["Z-large", "A-small"]


# --- the collector's split by owner and a reader's share -----------------------------------
ALICE_ARN = "arn:aws:sagemaker:us-east-1:111122223333:user-profile/d-1/alice"
SPACE_ARN = "arn:aws:sagemaker:us-east-1:111122223333:space/d-1/alice-space"
BOB_ARN = "arn:aws:sagemaker:us-east-1:111122223333:user-profile/d-1/bob"
PROFILE_KEY, SPACE_KEY = "sagemaker:user-profile-arn$", "sagemaker:space-arn$"


def _group(profile: str, space: str, amount: str) -> dict:
    # botocore's ce model: Group {Keys, Metrics: {name: MetricValue {Amount, Unit}}}.
    return {
        "Keys": [PROFILE_KEY + profile, SPACE_KEY + space],
        "Metrics": {"UnblendedCost": {"Amount": amount, "Unit": "USD"}},
    }


def test_the_month_split_by_owner_and_a_readers_share():
    results = [
        {"Groups": [_group(ALICE_ARN, "", "10.5"), _group("", SPACE_ARN, "4.25"),
                    _group(BOB_ARN, "", "7"), _group("", "", "100")]},
        {"Groups": [_group(ALICE_ARN, "", "1.5")]},  # a second page of the same month
    ]  # fmt: skip
    groups = owner_groups(results)
    # Untagged (100) left out; alice's profile 10.5 + 1.5 = 12.0 over the two pages.
    assert groups == [["", SPACE_ARN, 4.25], [ALICE_ARN, "", 12.0], [BOB_ARN, "", 7.0]]
    # A period without groups (nothing billed in it) adds nothing.
    assert owner_groups([{"TimePeriod": {"Start": "2026-12-01", "End": "2026-12-02"}}]) == []
    profiles, spaces = my_owner_arns(
        "aws", "us-east-1", "111122223333", "d-1", "alice", ["alice-space"]
    )
    assert (profiles, spaces) == ([ALICE_ARN], [SPACE_ARN])
    # alice: her profile 12.0 + her space 4.25 = 16.25; bob's 7.0 is not hers.
    assert mine_from_owner_groups(groups, profiles, spaces) == 16.25
    # A cost carrying both of her tags counts once; a share rounds to cents.
    assert mine_from_owner_groups([[ALICE_ARN, SPACE_ARN, 2.0]], profiles, spaces) == 2.0
    assert mine_from_owner_groups([[ALICE_ARN, "", 1.004]], profiles, []) == 1.0
    assert mine_from_owner_groups([], profiles, spaces) == 0.0


def test_owner_arns_in_both_spellings():
    # SageMaker tags lower-case ARNs; a name with capitals is also asked for as written.
    prefix = "arn:aws-cn:sagemaker:cn-north-1:1"
    assert my_owner_arns("aws-cn", "cn-north-1", "1", "d-1", "Alice", ["Team-Space", "x"]) == (
        [f"{prefix}:user-profile/d-1/alice", f"{prefix}:user-profile/d-1/Alice"],
        [f"{prefix}:space/d-1/team-space", f"{prefix}:space/d-1/Team-Space",
         f"{prefix}:space/d-1/x"],
    )  # fmt: skip
    assert my_owner_arns("aws", "us-east-1", "1", "d-1", None, []) == ([], [])


def test_a_readers_mine_from_the_collector():
    alice = Context(
        region="us-east-1", account="111122223333", domain_id="d-1", user_profile="alice"
    )
    split = {"keys": ["sagemaker:user-profile-arn"], "groups": [[ALICE_ARN, "", 3.5]]}
    assert reader_mine(split, alice, []) == {
        "month_to_date": 3.5,
        "filtered_by": ["sagemaker:user-profile-arn"],
        "message": "Costs tagged with your user profile or spaces, from the shared collector's "
        "split of the month (tags apply from their activation on); updated once a day.",
    }
    # Her space, known from the spend engine, counts too.
    split["groups"].append(["", SPACE_ARN, 1.25])
    assert reader_mine(split, alice, ["alice-space"])["month_to_date"] == 4.75
    assert reader_mine(split, None, [])["message"] == NOT_IN_A_DOMAIN
    assert reader_mine(split, Context(region="us-east-1"), [])["month_to_date"] is None
    # A profile but no account known: not enough to name its ARN.
    no_account = Context(region="us-east-1", domain_id="d-1", user_profile="alice")
    assert reader_mine(split, no_account, [])["message"] == NOT_IN_A_DOMAIN
    # A space app's server: its own space counts without a profile.
    in_space = Context(region="us-east-1", account="111122223333", domain_id="d-1",
                       space="alice-space")  # fmt: skip
    assert reader_mine(split, in_space, [])["month_to_date"] == 1.25
    unsplit = reader_mine(None, alice, [])
    assert unsplit["month_to_date"] is None and unsplit["filtered_by"] == []
    assert unsplit["message"].startswith("The collector has not split billed spend by owner")
