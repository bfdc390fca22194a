"""Scheduled stops: `c.CostWidget.stop_schedule` such as "Mon-Fri 21:00" in a time zone.

Grammar (entries separated by ";"): `[DAYS] HH:MM`, DAYS being `daily`, `weekdays`,
`weekends`, a day (`Mon`), a range (`Mon-Fri`, wrapping allowed: `Fri-Mon`) or a comma list
of those (`Mon,Wed,Fri-Sat`). Without DAYS the time applies every day. Pure; no I/O.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta, timezone, tzinfo
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

FULL_DAY_NAMES = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
_ALIASES = {
    "daily": set(range(7)),
    "everyday": set(range(7)),
    "weekdays": set(range(5)),
    "weekends": {5, 6},
}


class ScheduleError(ValueError):
    """The schedule text or time zone is not understood."""


@dataclass(frozen=True)
class Entry:
    days: frozenset[int]  # 0 = Monday
    hour: int
    minute: int


@dataclass(frozen=True)
class Schedule:
    entries: tuple[Entry, ...]
    tz: tzinfo | None  # None: the system's local zone
    tz_name: str

    @classmethod
    def parse(cls, text: str, tz_name: str = "") -> Schedule | None:
        """None for an empty schedule; `ScheduleError` for a bad one."""
        if not text or not text.strip():
            return None
        tz, name = _zone(tz_name)
        entries = tuple(_entry(part.strip()) for part in text.split(";") if part.strip())
        if not entries:
            return None
        return cls(entries, tz, name)

    def next_after(self, moment: datetime) -> datetime:
        """The first scheduled stop strictly after `moment` (an aware datetime), in UTC.

        Wall times are compared as instants, so across a daylight-saving change a stop comes
        once: a time that occurs twice fires at its first occurrence, and a time skipped by
        the clock change fires at the same offset after it (02:30 on a spring-forward night
        with a one-hour gap fires at 03:30).
        """
        moment = moment.astimezone(timezone.utc)
        local = self._local(moment)
        best: datetime | None = None
        for offset in range(9):
            day = (local + timedelta(days=offset)).date()
            for entry in self.entries:
                if day.weekday() not in entry.days:
                    continue
                wall = datetime(day.year, day.month, day.day, entry.hour, entry.minute)
                candidate = self._instant(wall)
                if candidate > moment and (best is None or candidate < best):
                    best = candidate
            if best is not None:
                break
        if best is None:  # cannot happen: every entry has at least one day
            raise ScheduleError("the schedule never fires")
        return best

    def _local(self, moment: datetime) -> datetime:
        return moment.astimezone(self.tz) if self.tz is not None else moment.astimezone()

    def _instant(self, wall: datetime) -> datetime:
        """A naive wall time in the schedule's zone as a UTC instant (fold=0: first)."""
        if self.tz is not None:
            return wall.replace(tzinfo=self.tz).astimezone(timezone.utc)
        return wall.astimezone().astimezone(timezone.utc)  # the system's zone, with its DST


def _zone(name: str) -> tuple[tzinfo | None, str]:
    """The named zone; None (the system's zone, DST included) when no name is given."""
    if not name:
        return None, str(datetime.now().astimezone().tzinfo or "UTC")
    try:
        return ZoneInfo(name), name
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ScheduleError(
            f"unknown time zone {name!r} (use an IANA name such as 'Europe/Berlin')"
        ) from exc


def _entry(text: str) -> Entry:
    parts = text.split()
    if len(parts) == 1:
        days, clock = set(range(7)), parts[0]
    elif len(parts) == 2:
        days, clock = _days(parts[0]), parts[1]
    else:
        raise ScheduleError(f"{text!r}: expected '[DAYS] HH:MM', e.g. 'Mon-Fri 21:00'")
    hour, _, minute = clock.partition(":")
    if not (hour.isdigit() and minute.isdigit() and len(minute) == 2):
        raise ScheduleError(f"{text!r}: time must be HH:MM (24-hour clock)")
    h, m = int(hour), int(minute)
    if h > 23 or m > 59:
        raise ScheduleError(f"{text!r}: {clock} is not a time of day")
    return Entry(frozenset(days), h, m)


def _days(text: str) -> set[int]:
    days: set[int] = set()
    for item in text.lower().split(","):
        if item in _ALIASES:
            days |= _ALIASES[item]
            continue
        first, dash, last = item.partition("-")
        start = _day(first, text)
        end = _day(last, text) if dash else start
        day = start
        while True:
            days.add(day)
            if day == end:
                break
            day = (day + 1) % 7
    return days


def _day(name: str, text: str) -> int:
    if len(name) >= 3:
        for idx, full in enumerate(FULL_DAY_NAMES):
            if full.startswith(name):
                return idx
    raise ScheduleError(f"{text!r}: unknown day {name!r} (use Mon, Tue, ... Sun)")
