"""The sandbox's Cost Explorer and Budgets: scenario validation and responses."""

from __future__ import annotations

import copy
from datetime import date, datetime, timedelta, timezone

import pytest
import time_machine

from jupyter_costwidget.sandbox import DEMO_SCENARIO, ScenarioError, parse_scenario
from jupyter_costwidget.sandbox.scenario import read_scenario_file

ARN = "arn:aws:sagemaker:us-east-1:123456789012:user-profile/d-x/alice"
BILLING = {
    "month_to_date": 100.0,
    "daily": [{"days_ago": 1, "amount": 10.0, "by_usage_type": {"A": 4.0, "B": 6.0}}],
    "forecast": 300.0,
    "cost_allocation_tags_active": True,
    "by_tag": {ARN: 25.0},
    "budgets": [{"name": "ml", "limit": 500, "actual": 100, "forecast": 300,
                 "services": ["Amazon SageMaker"]}],
}  # fmt: skip


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"colour": 1}, "billing.colour"),
        ({"daily": [{"days_ago": 1, "amount": 1, "extra": 2}]}, "billing.daily[0].extra"),
        ({"daily": [{"amount": 1}]}, "billing.daily[0]"),
        ({"daily": [{"days_ago": 1, "amount": 5, "by_usage_type": {"A": 1}}]},
         "billing.daily[0].by_usage_type"),
        ({"month_to_date": -1}, "billing.month_to_date"),
        ({"forecast": 50}, "billing.forecast"),
        ({"by_tag": {"not-an-arn": 1}}, "billing.by_tag.not-an-arn"),
        ({"budgets": [{"name": "x", "limit": 1, "owner": "me"}]}, "billing.budgets[0].owner"),
        ({"budgets": [{"name": "x"}]}, "billing.budgets[0].limit"),
        ({"cost_allocation_tags_active": "yes"}, "billing.cost_allocation_tags_active"),
    ],
)  # fmt: skip
def test_bad_billing_is_rejected_naming_the_field(change, field):
    billing = {**copy.deepcopy(BILLING), **change}
    with pytest.raises(ScenarioError) as info:
        parse_scenario({"billing": billing})
    assert info.value.field == field


def test_days_ago_resolves_to_a_date():
    parsed = parse_scenario({"billing": BILLING})["billing"]
    yesterday = datetime.now(timezone.utc).date() - timedelta(days=1)
    assert parsed["daily"][0]["date"] == yesterday.isoformat()


def test_demo_scenario_has_billing():
    parsed = parse_scenario(read_scenario_file(DEMO_SCENARIO))
    assert parsed["billing"]["month_to_date"] > 0
    assert parsed["billing"]["budgets"]


@time_machine.travel(datetime(2026, 11, 18, 12, 0, tzinfo=timezone.utc), tick=True)
def test_cost_explorer_answers_from_the_scenario(sandbox):
    # Mid-month: 100.0 this month, 10.0 of it yesterday, the rest on the days before; the
    # forecast from today on is the month's 300.0 less the 100.0 before today.
    sandbox.load({"billing": BILLING})
    ce = sandbox.client("ce")
    today = datetime.now(timezone.utc).date()
    month = {"Start": today.replace(day=1).isoformat(),
             "End": (today + timedelta(days=1)).isoformat()}  # fmt: skip
    service = {"Dimensions": {"Key": "SERVICE", "Values": ["Amazon SageMaker"]}}
    total = ce.get_cost_and_usage(
        TimePeriod=month, Granularity="MONTHLY", Metrics=["UnblendedCost"], Filter=service
    )["ResultsByTime"]
    assert sum(float(r["Total"]["UnblendedCost"]["Amount"]) for r in total) == pytest.approx(100)
    other = {"Dimensions": {"Key": "SERVICE", "Values": ["Amazon EC2"]}}
    none = ce.get_cost_and_usage(
        TimePeriod=month, Granularity="MONTHLY", Metrics=["UnblendedCost"], Filter=other
    )["ResultsByTime"]
    assert sum(float(r["Total"]["UnblendedCost"]["Amount"]) for r in none) == 0
    tagged = {"And": [service, {"Tags": {"Key": "sagemaker:user-profile-arn", "Values": [ARN]}}]}
    mine = ce.get_cost_and_usage(
        TimePeriod=month, Granularity="MONTHLY", Metrics=["UnblendedCost"], Filter=tagged
    )["ResultsByTime"]
    assert sum(float(r["Total"]["UnblendedCost"]["Amount"]) for r in mine) == pytest.approx(25)
    yday = today - timedelta(days=1)
    daily = ce.get_cost_and_usage(
        TimePeriod={"Start": yday.isoformat(), "End": today.isoformat()},
        Granularity="DAILY",
        Metrics=["UnblendedCost"],
        GroupBy=[{"Type": "DIMENSION", "Key": "USAGE_TYPE"}],
    )
    groups = {g["Keys"][0]: float(g["Metrics"]["UnblendedCost"]["Amount"])
              for g in daily["ResultsByTime"][0]["Groups"]}  # fmt: skip
    assert groups == {"A": 4.0, "B": 6.0}
    assert daily["GroupDefinitions"] == [{"Type": "DIMENSION", "Key": "USAGE_TYPE"}]
    next_month = (today.replace(day=28) + timedelta(days=4)).replace(day=1)
    forecast = ce.get_cost_forecast(
        TimePeriod={"Start": today.isoformat(), "End": next_month.isoformat()},
        Metric="UNBLENDED_COST",
        Granularity="MONTHLY",
    )
    assert float(forecast["Total"]["Amount"]) == pytest.approx(200)
    tags = ce.list_cost_allocation_tags(TagKeys=["sagemaker:user-profile-arn"])
    assert tags["CostAllocationTags"][0]["Status"] == "Active"
    budgets = sandbox.client("budgets").describe_budgets(AccountId=sandbox.account)["Budgets"]
    assert budgets[0]["CalculatedSpend"]["ForecastedSpend"]["Amount"] == "300"
    assert sandbox.calls()["ce.GetCostAndUsage"] == 4


def test_forecast_in_the_past_is_a_validation_error(sandbox):
    import botocore.exceptions

    sandbox.load({"billing": BILLING})
    with pytest.raises(botocore.exceptions.ClientError) as info:
        sandbox.client("ce").get_cost_forecast(
            TimePeriod={"Start": "2020-01-01", "End": date.today().isoformat()},
            Metric="UNBLENDED_COST",
            Granularity="MONTHLY",
        )
    assert info.value.response["Error"]["Code"] == "ValidationException"


SPACE = "arn:aws:sagemaker:us-east-1:123456789012:space/d-x/alice-space"
BOB = "arn:aws:sagemaker:us-east-1:123456789012:user-profile/d-x/bob"


@time_machine.travel(datetime(2026, 11, 18, 12, 0, tzinfo=timezone.utc), tick=True)
def test_grouping_by_two_tags_splits_each_tagged_cost_once(sandbox):
    # by_tag: alice's profile 25.0, her space 15.0, bob's profile 40.0, of a month of 100.0.
    # Each entry is a cost line with one tag: it is in its own group and in the other key's
    # "no tag" group. Untagged: 100.0 - 25.0 - 15.0 - 40.0 = 20.0 (AWS keys: "<key>$<value>").
    sandbox.load({"billing": {**BILLING, "by_tag": {ARN: 25.0, SPACE: 15.0, BOB: 40.0}}})
    today = datetime.now(timezone.utc).date()
    answer = sandbox.client("ce").get_cost_and_usage(
        TimePeriod={"Start": today.replace(day=1).isoformat(),
                    "End": (today + timedelta(days=1)).isoformat()},
        Granularity="MONTHLY",
        Metrics=["UnblendedCost"],
        GroupBy=[{"Type": "TAG", "Key": "sagemaker:user-profile-arn"},
                 {"Type": "TAG", "Key": "sagemaker:space-arn"}],
    )  # fmt: skip
    groups: dict[tuple[str, ...], float] = {}
    for period in answer["ResultsByTime"]:
        for g in period["Groups"]:
            key = tuple(g["Keys"])
            groups[key] = groups.get(key, 0.0) + float(g["Metrics"]["UnblendedCost"]["Amount"])
    profile, space = "sagemaker:user-profile-arn$", "sagemaker:space-arn$"
    assert groups == pytest.approx(
        {
            (profile + ARN, space): 25.0,
            (profile, space + SPACE): 15.0,
            (profile + BOB, space): 40.0,
            (profile, space): 20.0,
        }
    )
