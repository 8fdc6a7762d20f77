"""Recurring duties ("每月", "每季度", "每5日", "每月29日前") -> the occurrences of a plan year.

Occurrences of one duty tile time without gaps or overlaps: the first starts at local
midnight of the first day (1 January, or the issue day of a plan issued during its year),
and each next one starts exactly one second after the previous due instant
(``next.start == previous.due + 1s``). Periods are clipped to the plan year, so the last
one ends on 31 December, unless the duty names its own due day (the 29th, "结束后15日内"):
then each occurrence runs from the previous due instant to its own due instant.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Literal
from zoneinfo import ZoneInfo

from ledger.deadlines.calendar import WorkCalendar
from ledger.deadlines.spec import Occurrence
from ledger.deadlines.timing import (
    ONE_SECOND,
    Offset,
    add_months,
    end_of_day,
    end_of_month,
    start_of_day,
)

PeriodUnit = Literal["day", "workday", "week", "month", "quarter", "half", "year"]

_ONE_DAY = timedelta(days=1)


@dataclass(frozen=True)
class Cadence:
    """How often a duty recurs, and where in each period it falls due.

    By default a period's duty is due at the end of the period. ``day`` names a day of the
    period's first month (每月29日前, 每季度首月10日前: clamped to the month's length),
    ``month`` a month of the year
    (每年3月底前, with ``day`` if given), ``after_end`` an offset counted from the end of
    the period (每季度结束后15日内).
    """

    unit: PeriodUnit
    step: int = 1
    day: int | None = None
    month: int | None = None
    after_end: Offset | None = None


@dataclass(frozen=True)
class Expansion:
    """The occurrences of one plan year, whether any were estimated, and why some are missing."""

    occurrences: tuple[Occurrence, ...]
    provisional: bool = False
    notes: tuple[str, ...] = ()


def _month_period(cur: date, step: int) -> tuple[str, date]:
    last_month = add_months(date(cur.year, cur.month, 1), step - 1)
    return f"{cur.year}-{cur.month:02d}", end_of_month(last_month.year, last_month.month)


def _quarter_period(cur: date, step: int) -> tuple[str, date]:
    quarter = (cur.month - 1) // 3 + 1
    last_month = add_months(date(cur.year, quarter * 3, 1), 3 * (step - 1))
    return f"{cur.year}-Q{quarter}", end_of_month(last_month.year, last_month.month)


def _half_period(cur: date, step: int) -> tuple[str, date]:
    half = 1 if cur.month <= 6 else 2
    last_month = add_months(date(cur.year, half * 6, 1), 6 * (step - 1))
    return f"{cur.year}-H{half}", end_of_month(last_month.year, last_month.month)


def _year_period(cur: date, step: int) -> tuple[str, date]:
    return f"{cur.year}", date(cur.year + step - 1, 12, 31)


def _week_period(cur: date, step: int) -> tuple[str, date]:
    iso = cur.isocalendar()
    return f"{iso.year}-W{iso.week:02d}", cur + timedelta(days=6 - cur.weekday() + 7 * (step - 1))


def _day_period(cur: date, step: int) -> tuple[str, date]:
    return cur.isoformat(), cur + timedelta(days=step - 1)


_PERIOD: dict[str, Callable[[date, int], tuple[str, date]]] = {
    "day": _day_period,
    "week": _week_period,
    "month": _month_period,
    "quarter": _quarter_period,
    "half": _half_period,
    "year": _year_period,
}


def _calendar_periods(
    unit: PeriodUnit, step: int, first: date, last: date
) -> list[tuple[str, date, date]]:
    """(key, first day, last day) of each period from ``first``, clipped to ``last``."""
    periods = []
    cur = first
    while cur <= last:
        key, end = _PERIOD[unit](cur, step)
        end = min(end, last)
        periods.append((key, cur, end))
        cur = end + _ONE_DAY
    return periods


def _workday_periods(
    first: date, last: date, calendar: WorkCalendar
) -> tuple[list[tuple[str, date, date]], bool]:
    """One period per working day; days off fold into the next working day's period."""
    periods = []
    provisional = False
    cur = day = first
    while day <= last:
        provisional = provisional or not calendar.is_official(day)
        if calendar.is_workday(day):
            periods.append((day.isoformat(), cur, day))
            cur = day + _ONE_DAY
        day += _ONE_DAY
    return periods, provisional


def _due(
    cadence: Cadence, first: date, end: date, tz: ZoneInfo, calendar: WorkCalendar
) -> tuple[datetime, bool]:
    """Due instant of the period running from ``first`` to ``end``."""
    if cadence.after_end is not None:
        return cadence.after_end.apply(end_of_day(end, tz), tz, calendar)
    if cadence.unit in ("month", "quarter", "half") and cadence.day is not None:
        # The named day of the period's first month ("每季度首月10日前" -> 10 Jan, 10 Apr).
        months = {"month": 1, "quarter": 3, "half": 6}[cadence.unit]
        last = end_of_month(first.year, (first.month - 1) // months * months + 1)
        return end_of_day(last.replace(day=min(cadence.day, last.day)), tz), False
    if cadence.unit == "year" and cadence.month is not None:
        last = end_of_month(first.year, cadence.month)
        day = min(cadence.day or last.day, last.day)
        return end_of_day(last.replace(day=day), tz), False
    return end_of_day(end, tz), False


def expand(
    cadence: Cadence, year: int, first: date, tz: ZoneInfo, calendar: WorkCalendar
) -> Expansion:
    """Occurrences of ``cadence`` from ``first`` to the end of ``year``."""
    last = date(year, 12, 31)
    provisional = False
    if cadence.unit == "workday":
        periods, provisional = _workday_periods(first, last, calendar)
    else:
        periods = _calendar_periods(cadence.unit, cadence.step, first, last)
    occurrences: list[Occurrence] = []
    notes: list[str] = []
    start = start_of_day(first, tz)
    for key, period_first, period_end in periods:
        due, estimated = _due(cadence, period_first, period_end, tz, calendar)
        provisional = provisional or estimated
        if due < start:
            # The named day of the first period passed before the plan took effect.
            notes.append(f"period {key} skipped: its due day precedes {first.isoformat()}")
            continue
        occurrences.append(Occurrence(period=key, start=start, due=due))
        start = due + ONE_SECOND
    return Expansion(tuple(occurrences), provisional, tuple(notes))
