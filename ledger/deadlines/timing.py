"""Instants that deadlines fall on, and offsets counted from a trigger ("30d", "5wd").

A deadline day ends at 23:59:59 local time: the whole day belongs to the office that
must act on it. Periods follow each other without a gap, so the next one starts one
second after the previous due instant.
"""

from __future__ import annotations

import re
from calendar import monthrange
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Literal, cast
from zoneinfo import ZoneInfo

from ledger.deadlines.calendar import WorkCalendar

OffsetUnit = Literal["h", "d", "wd", "m"]

END_OF_DAY = time(23, 59, 59)
ONE_SECOND = timedelta(seconds=1)

# Rough length of each unit in days: only used to pick the longest of several offsets.
_APPROX_DAYS: dict[str, float] = {"h": 1 / 24, "d": 1.0, "wd": 7 / 5, "m": 30.4}
_OFFSET = re.compile(r"(\d+)(wd|d|m|h)")


def end_of_day(d: date, tz: ZoneInfo) -> datetime:
    """23:59:59 local time on ``d``."""
    return datetime.combine(d, END_OF_DAY, tz)


def start_of_day(d: date, tz: ZoneInfo) -> datetime:
    """00:00:00 local time on ``d``."""
    return datetime.combine(d, time(0), tz)


def end_of_month(year: int, month: int) -> date:
    return date(year, month, monthrange(year, month)[1])


def add_months(d: date, months: int) -> date:
    """Same day ``months`` later, clamped to the month's length (31 Jan + 1 -> 28/29 Feb)."""
    index = d.year * 12 + d.month - 1 + months
    year, month = divmod(index, 12)
    return date(year, month + 1, min(d.day, monthrange(year, month + 1)[1]))


@dataclass(frozen=True)
class Offset:
    """How long after a trigger a duty is due: hours, days, working days or months."""

    amount: int
    unit: OffsetUnit

    def __str__(self) -> str:
        return f"{self.amount}{self.unit}"

    @classmethod
    def parse(cls, text: str) -> Offset:
        m = _OFFSET.fullmatch(text)
        if not m:
            raise ValueError(f"not an offset: {text!r}")
        return cls(int(m.group(1)), cast(OffsetUnit, m.group(2)))

    @property
    def approx_days(self) -> float:
        return self.amount * _APPROX_DAYS[self.unit]

    def apply(self, start: datetime, tz: ZoneInfo, calendar: WorkCalendar) -> tuple[datetime, bool]:
        """Due instant counted from ``start``, and whether a working-day count was estimated.

        Hours are exact. Days, working days and months are counted from the local day of
        ``start`` (that day itself not counted, as in Chinese law on periods) and end at
        the end of the local day reached.
        """
        if start.tzinfo is None:
            raise ValueError("start must be timezone-aware")
        if self.unit == "h":
            return (start + timedelta(hours=self.amount)).astimezone(tz), False
        day = start.astimezone(tz).date()
        if self.unit == "d":
            return end_of_day(day + timedelta(days=self.amount), tz), False
        if self.unit == "m":
            return end_of_day(add_months(day, self.amount), tz), False
        due_day, provisional = calendar.add_workdays(day, self.amount)
        return end_of_day(due_day, tz), provisional
