"""Scheduled stop parsing and next-occurrence arithmetic (pure, no server)."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest

from jupyter_costwidget.schedule import Schedule, ScheduleError


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
