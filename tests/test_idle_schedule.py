"""Scheduled stop parsing and next-occurrence arithmetic (pure, no server)."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest

from jupyter_costwidget.idle.schedule import Schedule, ScheduleError


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=timezone.utc)


def test_weekdays_in_a_time_zone():
    s = Schedule.parse("Mon-Fri 21:00", "Europe/Berlin")
    assert s is not None
    # Friday 2026-11-27 18:00 UTC = 19:00 Berlin (CET) -> same day 21:00 Berlin = 20:00 UTC.
    assert s.next_after(utc(2026, 11, 27, 18, 0)) == utc(2026, 11, 27, 20, 0)
    # Just after Friday's stop -> Monday.
    assert s.next_after(utc(2026, 11, 27, 20, 0)) == utc(2026, 11, 30, 20, 0)


def test_daylight_saving_keeps_local_time():
    s = Schedule.parse("daily 21:00", "America/New_York")
    assert s.next_after(utc(2026, 7, 1, 12)) == utc(2026, 7, 2, 1)  # EDT, UTC-4
    assert s.next_after(utc(2026, 12, 1, 12)) == utc(2026, 12, 2, 2)  # EST, UTC-5


def test_several_entries_lists_and_wrapping_ranges():
    s = Schedule.parse("Fri-Mon 18:30; wed 07:05", "UTC")
    days = {e.days for e in s.entries}
    assert frozenset({4, 5, 6, 0}) in days and frozenset({2}) in days
    assert s.next_after(utc(2026, 11, 24, 12)) == utc(2026, 11, 25, 7, 5)  # Tue -> Wed 07:05
    assert Schedule.parse("Mon,Wed 09:00", "UTC").entries[0].days == frozenset({0, 2})
    assert Schedule.parse("23:59", "UTC").entries[0].days == frozenset(range(7))


@pytest.mark.parametrize(
    ("text", "tz"),
    [
        ("Mon-Fri 25:00", "UTC"),
        ("Funday 10:00", "UTC"),
        ("Mon 9", "UTC"),
        ("Mon 09:00 extra", "UTC"),
        ("Mon 09:00", "Mars/Olympus"),
    ],
)
def test_bad_schedules_are_rejected(text, tz):
    with pytest.raises(ScheduleError):
        Schedule.parse(text, tz)


def test_empty_is_none():
    assert Schedule.parse("", "UTC") is None
    assert Schedule.parse("  ", "") is None


# --- edges: midnight and the nights the clocks change ------------------------------------
# Europe/Berlin changes on the last Sundays of March and October (EU Directive 2000/84/EC):
# 2026-03-29 02:00 CET -> 03:00 CEST, 2026-10-25 03:00 CEST -> 02:00 CET.


def test_across_midnight_the_next_day_is_taken():
    s = Schedule.parse("daily 00:10", "UTC")
    # 23:50 on the last day of November -> 00:10 on 1 December.
    assert s.next_after(utc(2026, 11, 30, 23, 50)) == utc(2026, 12, 1, 0, 10)
    # 23:50 on 31 December -> 00:10 on 1 January of the next year.
    assert s.next_after(utc(2026, 12, 31, 23, 50)) == utc(2027, 1, 1, 0, 10)
    # 29 February 2028 (a leap day) -> 1 March.
    assert s.next_after(utc(2028, 2, 29, 23, 30)) == utc(2028, 3, 1, 0, 10)


def test_local_day_differs_from_the_utc_day():
    # Tokyo is UTC+9 with no DST: Monday 2026-11-30 20:00 UTC is Tuesday 05:00 in Tokyo, so
    # "Mon 21:00" Tokyo is next Monday 2026-12-07 21:00 JST = 12:00 UTC, not tonight.
    s = Schedule.parse("Mon 21:00", "Asia/Tokyo")
    assert s.next_after(utc(2026, 11, 30, 20, 0)) == utc(2026, 12, 7, 12, 0)
    # Sunday 2026-11-29 23:00 UTC is Monday 08:00 in Tokyo: tonight 21:00 JST = 12:00 UTC.
    assert s.next_after(utc(2026, 11, 29, 23, 0)) == utc(2026, 11, 30, 12, 0)


def test_spring_forward_night():
    s = Schedule.parse("daily 01:30; daily 02:30", "Europe/Berlin")
    # Saturday 2026-03-28 23:00 UTC = 00:00 CET on the night of the change.
    # 01:30 CET = 00:30 UTC (still winter time).
    assert s.next_after(utc(2026, 3, 28, 23, 0)) == utc(2026, 3, 29, 0, 30)
    # 02:30 does not exist that night: it fires one hour after 01:30 CET, at 01:30 UTC
    # (03:30 CEST), once.
    assert s.next_after(utc(2026, 3, 29, 0, 30)) == utc(2026, 3, 29, 1, 30)
    # After it, the next stop is Monday 01:30 CEST = Sunday 23:30 UTC.
    assert s.next_after(utc(2026, 3, 29, 1, 30)) == utc(2026, 3, 29, 23, 30)


def test_fall_back_night_fires_once():
    s = Schedule.parse("daily 02:30", "Europe/Berlin")
    # 02:30 happens twice on 2026-10-25: 00:30 UTC (CEST) and 01:30 UTC (CET). Only the first.
    assert s.next_after(utc(2026, 10, 24, 22, 0)) == utc(2026, 10, 25, 0, 30)
    # Just after the first, during the repeated hour (01:20 UTC = 02:20 CET, the second
    # pass through that hour): not the second 02:30, and never a time in the past, but the
    # next day's 02:30 CET = 01:30 UTC on 26 October.
    assert s.next_after(utc(2026, 10, 25, 0, 30)) == utc(2026, 10, 26, 1, 30)
    assert s.next_after(utc(2026, 10, 25, 1, 20)) == utc(2026, 10, 26, 1, 30)


def test_without_a_zone_the_system_zone_keeps_its_daylight_saving(monkeypatch):
    import time

    monkeypatch.setenv("TZ", "Europe/Berlin")
    time.tzset()
    try:
        s = Schedule.parse("daily 21:00")
        assert s is not None and s.tz is None
        # Parsed in winter, used in summer: 21:00 CEST = 19:00 UTC (a fixed offset taken
        # at parse time would say 20:00).
        assert s.next_after(utc(2026, 7, 1, 12)) == utc(2026, 7, 1, 19)
        assert s.next_after(utc(2026, 12, 1, 12)) == utc(2026, 12, 1, 20)
    finally:
        monkeypatch.delenv("TZ")
        time.tzset()
