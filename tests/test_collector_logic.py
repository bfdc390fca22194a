"""The collector's pure parts, in-process: where files go, the message templates, the rolling
history, which notices go out when, and a reader's scopes. Figures by hand."""

from __future__ import annotations

import json
import os
import time
from datetime import datetime, timezone

import pytest

from jupyter_costwidget.aws.context import Context
from jupyter_costwidget.aws.ownership import Names
from jupyter_costwidget.collector import history, notices
from jupyter_costwidget.collector.location import BadSnapshotUrl, SnapshotLocation
from jupyter_costwidget.collector.shared import (
    envelope,
    restore_messages,
    text_from_json,
    text_to_json,
)
from jupyter_costwidget.i18n import Text, translations
from jupyter_costwidget.spend.personalize import (
    StopSent,
    mark_stops_sent,
    personalize,
    row_scopes,
)

NOW = datetime(2026, 11, 23, 12, 0, tzinfo=timezone.utc)
ALICE = Context(environment="studio", region="eu-test-1", account="111122223333",
                domain_id="d-1", user_profile="alice", space="alice-space",
                app_type="JupyterLab", app_name="default")  # fmt: skip


# --- location -------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("url", "bucket", "prefix"),
    [
        ("s3://team-costs/costwidget", "team-costs", "costwidget"),
        ("s3://team-costs/a/b/", "team-costs", "a/b"),
        ("s3://team-costs", "team-costs", ""),
        ("s3://team-costs/", "team-costs", ""),
    ],
)
def test_snapshot_urls(url, bucket, prefix):
    location = SnapshotLocation.parse(url)
    assert (location.bucket, location.prefix) == (bucket, prefix)
    assert location.url == url.rstrip("/")


@pytest.mark.parametrize(
    ("url", "says"),
    [
        ("https://x/y", "'https://x/y' is not an s3:// URL (s3://<bucket>/<prefix>)."),
        ("team-costs/p", "'team-costs/p' is not an s3:// URL (s3://<bucket>/<prefix>)."),
        ("s3://", "'s3://' names no bucket (s3://<bucket>/<prefix>)."),
        ("s3:///p", "'s3:///p' names no bucket (s3://<bucket>/<prefix>)."),
    ],
)
def test_bad_snapshot_urls(url, says):
    with pytest.raises(BadSnapshotUrl) as err:
        SnapshotLocation.parse(url)
    assert str(err.value) == says


def test_a_prefix_keeps_its_own_letters():
    assert SnapshotLocation.parse("s3://b/XRay/X/").prefix == "XRay/X"


def test_object_keys():
    location = SnapshotLocation("b", "p/q")
    assert location.key("1", "eu-test-1", "spend.json") == "p/q/1/eu-test-1/spend.json"
    assert location.key("1", None, "billing.json") == "p/q/1/billing.json"
    assert SnapshotLocation("b").key("1", "r", "spend.json") == "1/r/spend.json"


# --- messages --------------------------------------------------------------------------------
def test_a_message_goes_through_json_and_is_said_again_in_japanese():
    message = Text(
        "Canvas of {owner} has been running for {age} ({cost}). Canvas bills {rate} "
        "until its owner logs out or an admin deletes the app.",
        owner="bob",
        age=Text("{n} days", n="9.0"),
        cost=Text("about ${amount} so far", amount="410.40"),
        rate=Text("${amount}/h", amount="1.90"),
    )
    data = text_to_json(message)
    assert data["values"]["owner"] == "bob"
    assert data["values"]["age"] == {"msgid": "{n} days", "values": {"n": "9.0"}}
    again = text_from_json(data)
    assert again == message  # the same English
    ja = again.translate(translations("ja_JP"))
    assert "bob" in ja and "410.40" in ja and ja != str(message)


@pytest.mark.parametrize(
    "data",
    [None, "text", {"values": {}}, {"msgid": "x"}, {"msgid": "{a}", "values": {}}, {"msgid": 1}],
)
def test_what_is_not_a_template_is_none(data):
    assert text_from_json(data) is None


def test_plain_strings_have_no_template():
    assert text_to_json("plain") is None and text_to_json(None) is None


def test_restored_warnings_keep_english_when_a_template_is_missing():
    snapshot = {
        "warnings": [
            {"code": "a", "message": Text("{n} h", n="2.0")},
            {"code": "b", "message": "plain"},
        ]
    }
    document = envelope(snapshot, "1", "r", 60, "0", {"domains": [], "profiles": [], "spaces": []})
    assert document["messages"] == [{"msgid": "{n} h", "values": {"n": "2.0"}}, None]
    document["snapshot"] = {
        "warnings": [{"code": "a", "message": "2.0 h"}, {"code": "b", "message": "plain"}]
    }
    first, second = restore_messages(document)
    assert isinstance(first["message"], Text) and first["message"] == "2.0 h"
    assert second["message"] == "plain" and not isinstance(second["message"], Text)
    document["messages"] = []  # an older collector: English as written
    assert [w["message"] for w in restore_messages(document)] == ["2.0 h", "plain"]


# --- history ---------------------------------------------------------------------------------
def row(**fields):
    return {"scopes": ["region", "account"], "per_hour": 1.0, "kind": "app", "name": "default",
            "owner": None, "domain_id": None, **fields}  # fmt: skip


def test_a_history_point_sums_each_owner_and_notebook():
    rows = [
        row(kind="app", owner="alice", domain_id="d-1", per_hour=0.5),
        row(kind="space-storage", owner="alice", domain_id="d-1", per_hour=0.25),
        row(kind="app", owner="bob", domain_id="d-1", per_hour=1.9),
        row(kind="notebook-instance", name="nb1", per_hour=0.05),
        row(kind="endpoint", owner=None, domain_id=None, per_hour=3.0),  # nobody's
        row(kind="app", owner="alice", domain_id="d-1", per_hour=None),  # unknown price
        row(kind="app", owner="alice", domain_id="d-1", scopes=["account"]),  # another region
        row(kind="app", owner="carol", domain_id=None),  # an owner tag outside any domain
        row(kind="app", owner=None, domain_id="d-1"),  # nobody's, in a domain
    ]
    point = history.history_point("2026-11-23T12:00:00Z", rows)
    # alice 0.5 + 0.25; bob 1.9; nb1 0.05.
    assert point == {
        "t": "2026-11-23T12:00:00Z",
        "per_hour": {"d-1/alice": 0.75, "d-1/bob": 1.9, "notebook-instance/nb1": 0.05},
    }


def test_points_are_kept_a_step_apart_for_the_horizon():
    points: list[dict] = []

    def at(minute):
        return {"t": f"2026-11-23T{12 + minute // 60:02d}:{minute % 60:02d}:00Z", "per_hour": {}}

    assert history.add_point(points, at(0), step=300, horizon=3600) is True
    assert history.add_point(points, at(4), step=300, horizon=3600) is False  # 240 s < 300
    assert history.add_point(points, at(5), step=300, horizon=3600) is True  # exactly 300 s
    for minute in range(10, 70, 5):
        history.add_point(points, at(minute), step=300, horizon=3600)
    # At 12:65 (13:05) the horizon of 3600 s keeps 12:05 and later: 13 points.
    assert points[0]["t"] == "2026-11-23T12:05:00Z"
    assert len(points) == 13


def test_history_keeps_nine_decimals():
    point = history.history_point("T", [row(owner="alice", domain_id="d-1", per_hour=1 / 3)])
    assert point["per_hour"] == {"d-1/alice": 0.333333333}


def test_a_reader_takes_its_own_series():
    points = [
        {"t": "T1", "per_hour": {"d-1/alice": 0.75, "d-1/bob": 1.9}},
        {"t": "T2", "per_hour": {"d-1/bob": 1.9}},
    ]
    assert history.mine_key(ALICE) == "d-1/alice"
    assert history.mine_series(points, "d-1/alice") == [
        {"t": "T1", "mine_per_hour": 0.75},
        {"t": "T2", "mine_per_hour": 0.0},
    ]
    notebook = Context(environment="notebook-instance", app_name="nb1")
    assert history.mine_key(notebook) == "notebook-instance/nb1"


# --- notices ---------------------------------------------------------------------------------
CANVAS = {"code": "canvas-running", "severity": "critical", "message": "Canvas of bob ...",
          "resource_id": "app:bob-canvas"}  # fmt: skip
ORPHAN = {"code": "storage-orphaned", "severity": "warning", "message": "EFS fs-1 ...",
          "resource_id": "efs:fs-1"}  # fmt: skip
PRICE = {"code": "price-unknown", "severity": "info", "message": "No price", "resource_id": "x"}


def notice_row(row_id, **fields):
    return {"id": row_id, "scopes": ["region", "account"], "kind": "app", "name": "n",
            "owner": None, "per_hour": 1.9, "price_known": True, **fields}  # fmt: skip


def snapshot(*warnings, rows=None):
    rows = rows if rows is not None else [notice_row(w["resource_id"]) for w in warnings]
    return {"warnings": list(warnings), "resources": rows}


def test_critical_and_orphaned_storage_are_announced_once():
    snaps = {"eu-test-1": snapshot(CANVAS, ORPHAN, PRICE)}
    sent, state = notices.decide({}, snaps, None, "1", NOW, daily_hour=23)
    (notice,) = sent  # 12:00 is before the daily notice's hour 23
    assert notice.subject == "SageMaker 1: 2 new things may bill unnoticed"
    assert notice.message.splitlines()[:2] == [
        "- [eu-test-1] Canvas of bob ...",
        "- [eu-test-1] EFS fs-1 ...",
    ]
    assert state == {
        "announced": [
            "eu-test-1/canvas-running/app:bob-canvas",
            "eu-test-1/storage-orphaned/efs:fs-1",
        ],
        "daily": None,
    }
    again, state2 = notices.decide(state, snaps, None, "1", NOW, daily_hour=23)
    assert again == [] and state2 == state


def test_a_warning_that_went_away_and_came_back_is_new():
    snaps = {"eu-test-1": snapshot(CANVAS)}
    _, state = notices.decide({}, snaps, None, "1", NOW, daily_hour=23)
    _, state = notices.decide(state, {"eu-test-1": snapshot()}, None, "1", NOW, daily_hour=23)
    assert state["announced"] == []
    sent, _ = notices.decide(state, snaps, None, "1", NOW, daily_hour=23)
    assert [n.subject for n in sent] == ["SageMaker 1: 1 new thing may bill unnoticed"]


def test_other_regions_rows_are_announced_in_their_own_region_only():
    rows = [notice_row("app:bob-canvas", scopes=["account"])]
    sent, state = notices.decide({}, {"eu-test-1": snapshot(CANVAS, rows=rows)}, None, "1", NOW, 23)
    assert sent == [] and state["announced"] == []


def test_the_daily_notice_goes_out_once_a_day_from_its_hour():
    snaps = {"eu-test-1": snapshot()}
    billing = {
        "enabled": True,
        "yesterday": 83.69,
        "month_to_date": 1286.4,
        "forecast": 1890.0,
        "budgets": [
            {"name": "no-limit", "limit": None, "actual": 5.0, "percent_actual": None},
            {"name": "ml", "limit": 2000.0, "actual": 1286.4, "percent_actual": 64.32},
            {"name": "new", "limit": 100.0, "actual": 0.0, "percent_actual": None},
            {"name": "unread", "limit": 100.0, "actual": None, "percent_actual": None},
        ],
        "errors": [{"source": "ce.GetCostForecast", "message": "denied"}],
    }
    early = NOW.replace(hour=8)
    sent, state = notices.decide({}, snaps, billing, "1", early, daily_hour=9)
    assert sent == [] and state["daily"] is None
    nine = NOW.replace(hour=9)
    (daily,) = notices.decide(state, snaps, billing, "1", nine, daily_hour=9)[0]
    assert daily.subject == "SageMaker 1: daily spend"
    assert daily.message.splitlines() == [
        "SageMaker spend of account 1 on 2026-11-23 (UTC).",
        "",
        "Yesterday: $83.69",
        "This month so far: $1,286.40 (forecast $1,890.00)",
        "Budget ml: $1,286.40 of $2,000.00 (64 %)",
        "Budget new: $0.00 of $100.00",
        "Not known: ce.GetCostForecast: denied",
        "",
        "Billing now: 0 resources, $0.00/h.",
    ]
    _, state = notices.decide(state, snaps, billing, "1", nine, daily_hour=9)
    assert state["daily"] == "2026-11-23"
    assert notices.decide(state, snaps, billing, "1", NOW.replace(hour=23), 9)[0] == []


def test_the_daily_notice_lists_the_top_rates_and_unknown_prices():
    rows = [
        notice_row(f"e{i}", kind="endpoint", name=f"e{i}", owner="bob" if i == 6 else None,
                   per_hour=float(i))
        for i in range(7)
    ] + [notice_row("x", name="x", per_hour=None, price_known=False),
         notice_row("y", name="y", scopes=["account"], per_hour=50.0)]  # fmt: skip
    message = notices.daily_notice("1", {"r": snapshot(rows=rows)}, None, NOW).message
    lines = message.splitlines()
    assert lines[2] == "Billed spend: not collected (c.CostWidget.billing_enabled is off)."
    # e1..e6 bill 1+2+...+6 = 21 $/h; e0 bills $0 and is left out; x has no price; y runs in
    # another region (its own region's notice names it).
    assert lines[4] == "Billing now: 7 resources, at least $21.00/h."
    assert lines[5:] == [
        "- [r] endpoint e6, bob: $6.00/h",
        "- [r] endpoint e5: $5.00/h",
        "- [r] endpoint e4: $4.00/h",
        "- [r] endpoint e3: $3.00/h",
        "- [r] endpoint e2: $2.00/h",
        "- and 2 more",
    ]


# --- a reader's scopes -------------------------------------------------------------------------
def test_a_reader_finds_its_own_rows():
    rows = [
        {"id": "a", "kind": "app", "name": "default", "domain_id": "d-1", "owner": "alice",
         "space": "alice-space", "app_type": "JupyterLab", "scopes": ["region", "account"],
         "per_hour": 0.5, "accrued": 1.0, "price_known": True, "arn": None, "status": "InService"},
        {"id": "app:d-1/bob/Canvas/default", "kind": "app", "name": "default",
         "domain_id": "d-1", "owner": "bob",
         "app_type": "Canvas", "user_profile": "bob", "scopes": ["region", "account"],
         "per_hour": 1.9, "accrued": 3.8, "price_known": True, "arn": None, "status": "InService"},
        {"id": "c", "kind": "endpoint", "name": "ep", "domain_id": None, "owner": None,
         "scopes": ["account"], "region": "us-test-1", "per_hour": 0.25, "accrued": 0.5,
         "price_known": False, "arn": "arn:x", "status": "InService"},
    ]  # fmt: skip
    assert row_scopes(rows[0], ALICE) == ["self", "mine", "domain", "region", "account"]
    assert row_scopes(rows[1], ALICE) == ["domain", "region", "account"]
    assert row_scopes(rows[2], ALICE) == ["account"]
    mine, totals = personalize(rows, ALICE, "mine")
    assert [r["scopes"] for r in mine] == [
        ["self", "mine", "domain", "region", "account"],
        ["domain", "region", "account"],
        ["account"],
    ]
    assert rows[0]["scopes"] == ["region", "account"]  # the input is left as it was
    # self/mine 0.5; domain 0.5 + 1.9 = 2.4; region 2.4; account 2.4 + 0.25 = 2.65.
    assert totals["self"] == {"per_hour": 0.5, "accrued": 1.0, "unpriced": 0}
    assert totals["domain"] == {"per_hour": 2.4, "accrued": 4.8, "unpriced": 0}
    assert totals["account"] == {"per_hour": 2.65, "accrued": 5.3, "unpriced": 1}
    assert [r["stoppable"] for r in mine] == [False, False, False]  # self: its own controls
    # With allow_stop "domain", bob's Canvas in alice's domain may be stopped by her.
    assert [r["stoppable"] for r in personalize(rows, ALICE, "domain")[0]] == [False, True, False]


@pytest.fixture
def tokyo_time():
    """The process's local zone is Asia/Tokyo (UTC+9) for one test."""
    before = os.environ.get("TZ")
    os.environ["TZ"] = "Asia/Tokyo"
    time.tzset()
    yield
    if before is None:
        del os.environ["TZ"]
    else:
        os.environ["TZ"] = before
    time.tzset()


def test_stops_a_reader_sent_since_the_collectors_snapshot(tokyo_time):
    # The time is said in UTC whatever the server's local zone.

    rows = [
        {"id": "app:d-1/bob/Canvas/default", "status": "InService", "stoppable": True,
         "stop_refused_reason": None, "per_hour": 1.9},
        {"id": "endpoint:ep", "status": "InService", "stoppable": True,
         "stop_refused_reason": None, "per_hour": 0.23},
    ]  # fmt: skip
    # The snapshot was made at 12:00:00 UTC; the endpoint was stopped at 12:00:30, the app at
    # 11:59:59 (the snapshot saw that one already).
    made = datetime(2026, 12, 2, 12, 0, 0, tzinfo=timezone.utc).timestamp()
    sent = {
        "endpoint:ep": StopSent(made + 30, "Deleting"),
        "app:d-1/bob/Canvas/default": StopSent(made - 1, "Deleting"),
        "endpoint:gone": StopSent(made + 40, "Deleting"),
    }
    pending = mark_stops_sent(rows, sent, made)
    assert pending == {
        "endpoint:ep": StopSent(made + 30, "Deleting"),
        "endpoint:gone": StopSent(made + 40, "Deleting"),
    }
    assert rows[1] == {
        "id": "endpoint:ep",
        "status": "Deleting",
        "stoppable": False,
        "stop_refused_reason": "A stop was sent at 12:00:30 UTC; the shared snapshot shows it "
        "from the collector's next run.",
        "per_hour": 0.23,  # it bills until AWS has deleted it
    }
    assert rows[0]["status"] == "InService" and rows[0]["stoppable"] is True
    # A stop at the snapshot's very second: the snapshot may not show it.
    assert mark_stops_sent([], {"x": StopSent(made, "Stopping")}, made) == {}
    assert mark_stops_sent([], {"x": StopSent(made + 0.5, "Stopping")}, made) == {
        "x": StopSent(made + 0.5, "Stopping")
    }


# --- the file's envelope and the names it carries ------------------------------------------------
def test_the_envelope_of_a_region():
    snapshot = {"warnings": [{"code": "a", "message": Text("{n} h", n="2.0")}]}
    names = {"domains": ["d-1"], "profiles": [["d-1", "Alice"]], "spaces": []}
    assert envelope(snapshot, "111122223333", "eu-test-1", 60.0, "1.2.3", names) == {
        "format": 1,
        "account": "111122223333",
        "region": "eu-test-1",
        "period_seconds": 60.0,
        "collector_version": "1.2.3",
        "snapshot": snapshot,
        "messages": [{"msgid": "{n} h", "values": {"n": "2.0"}}],
        "names": names,
    }


def test_names_go_through_the_file_and_still_resolve():
    names = Names(
        domains=["d-1", "d-2", None],
        profiles=[("d-1", "Alice"), ("d-1", "bob"), ("d-2", "Alice"), ("d-1", None)],
        spaces=[("d-1", "Alice-Space"), (None, "x")],
    )
    data = names.as_json()
    assert data == {
        "domains": ["d-1", "d-2"],
        "profiles": [["d-1", "Alice"], ["d-1", "bob"], ["d-2", "Alice"]],
        "spaces": [["d-1", "Alice-Space"]],
    }
    again = Names.from_json(json.loads(json.dumps(data)))
    assert again.as_json() == data
    assert again.domain("D-1") == "d-1"
    assert again.resolve("profile", "d-1", "alice") == ("Alice", [])
    assert again.resolve("space", "d-1", "alice-space") == ("Alice-Space", [])
    assert again.resolve("profile", "d-2", "ALICE") == ("Alice", [])
    assert Names.from_json({}).as_json() == {"domains": [], "profiles": [], "spaces": []}


def test_the_daily_notice_with_little_known():
    billing = {"enabled": True, "yesterday": None, "month_to_date": None, "forecast": None,
               "budgets": [], "errors": []}  # fmt: skip
    rows = [notice_row(f"a{i}", per_hour=None, price_known=False) for i in range(5)]
    lines = notices.daily_notice("1", {"r": snapshot(rows=rows)}, billing, NOW).message.splitlines()
    assert lines[2:4] == ["Yesterday: unknown", "This month: unknown"]
    # Five rows: all listed, no "and N more"; their price unknown, the rate a lower bound.
    assert lines[5] == "Billing now: 5 resources, at least $0.00/h."
    assert lines[6:] == ["- [r] app n: unknown $/h" for _ in range(5)]
    disabled = {**billing, "enabled": False}
    lines = notices.daily_notice("1", {"r": snapshot()}, disabled, NOW).message.splitlines()
    assert lines[2] == "Billed spend: not collected (c.CostWidget.billing_enabled is off)."
    known = [notice_row("k", per_hour=2.5)]
    lines = notices.daily_notice("1", {"r": snapshot(rows=known)}, None, NOW).message.splitlines()
    assert lines[4] == "Billing now: 1 resources, $2.50/h."


def test_the_new_warnings_notice_ends_with_what_to_do():
    notice = notices.warnings_notice("1", [{**CANVAS, "region": "r"}])
    assert notice.message.splitlines() == [
        "- [r] Canvas of bob ...",
        "",
        "Stop what nobody uses from JupyterLab's cost panel or the SageMaker console.",
    ]
    assert notices.warning_key("r", CANVAS) == "r/canvas-running/app:bob-canvas"


def test_an_unknown_rate_is_listed_after_every_known_one():
    rows = [notice_row("a", name="a", per_hour=None, price_known=False),
            notice_row("z", name="z", per_hour=1.0)]  # fmt: skip
    lines = notices.daily_notice("1", {"r": snapshot(rows=rows)}, None, NOW).message.splitlines()
    assert lines[5:] == ["- [r] app z: $1.00/h", "- [r] app a: unknown $/h"]
