"""Working days in mainland China: the official holiday calendar, with local overrides.

Chinese working days are not simply Monday to Friday: the State Council moves public
holidays each year and declares some weekend days working days (调休). The official
schedule is published late each year, so any date beyond the last published year can
only be estimated. :class:`OfficialCalendar` answers from the ``chinesecalendar`` data,
lets an office override single days, and reports when an answer was an estimate
(``provisional``) instead of guessing silently.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from functools import lru_cache
from typing import Protocol, runtime_checkable

__all__ = ["OfficialCalendar", "WeekdayCalendar", "WorkCalendar", "default_calendar"]


@runtime_checkable
class WorkCalendar(Protocol):
    """What the deadline code needs to know about working days."""

    def is_workday(self, d: date) -> bool:
        """Whether people work on ``d``."""
        ...

    def is_official(self, d: date) -> bool:
        """Whether the answer for ``d`` comes from published data, not an estimate."""
        ...

    def add_workdays(self, start: date, n: int) -> tuple[date, bool]:
        """The ``n``-th working day after ``start`` (before it when ``n`` < 0).

        Returns the day and whether any day counted over was an estimate.
        """
        ...


def _step_workdays(cal: WorkCalendar, start: date, n: int) -> tuple[date, bool]:
    """Walk day by day from ``start``; the start day itself is never counted."""
    step = timedelta(days=1 if n >= 0 else -1)
    remaining = abs(n)
    day = start
    provisional = False
    while remaining:
        day += step
        provisional = provisional or not cal.is_official(day)
        if cal.is_workday(day):
            remaining -= 1
    return day, provisional


class WeekdayCalendar:
    """Monday to Friday, no holidays: an estimate for every day (all answers provisional)."""

    def is_workday(self, d: date) -> bool:
        return d.weekday() < 5

    def is_official(self, d: date) -> bool:
        return False

    def add_workdays(self, start: date, n: int) -> tuple[date, bool]:
        return _step_workdays(self, start, n)


class OfficialCalendar:
    """The State Council holiday schedule (``chinesecalendar``), overrides winning.

    ``overrides`` maps a day to whether it is a working day; an override also counts as
    official data for that day, so an office can fill in a year before the library has it.
    Years without data fall back to Monday to Friday and are reported as not official.
    """

    def __init__(self, overrides: Mapping[date, bool] | None = None) -> None:
        self._overrides: dict[date, bool] = dict(overrides or {})

    def is_official(self, d: date) -> bool:
        return d in self._overrides or _library_has_year(d.year)

    def is_workday(self, d: date) -> bool:
        if d in self._overrides:
            return self._overrides[d]
        if _library_has_year(d.year):
            return _library_is_workday(d)
        return d.weekday() < 5

    def add_workdays(self, start: date, n: int) -> tuple[date, bool]:
        return _step_workdays(self, start, n)


@dataclass(frozen=True)
class _Schedule:
    """The published schedule: days off on weekdays, working weekend days, years covered."""

    holidays: frozenset[date]
    workdays: frozenset[date]
    first_year: int
    last_year: int


@lru_cache(maxsize=1)
def _schedule() -> _Schedule:
    # Read the library's tables once: its own is_workday() rescans them on every call,
    # which dominated the cost of counting working days.
    import chinese_calendar

    holidays = frozenset(chinese_calendar.holidays)
    workdays = frozenset(chinese_calendar.workdays)
    return _Schedule(holidays, workdays, min(holidays).year, max(holidays).year)


def _library_has_year(year: int) -> bool:
    """Whether ``chinesecalendar`` has the schedule for ``year`` (its is_workday raises if not)."""
    schedule = _schedule()
    return schedule.first_year <= year <= schedule.last_year


def _library_is_workday(d: date) -> bool:
    """The library's rule: a listed working day, or a weekday not listed as a day off."""
    schedule = _schedule()
    return d in schedule.workdays or (d.weekday() < 5 and d not in schedule.holidays)


@lru_cache(maxsize=1)
def default_calendar() -> OfficialCalendar:
    """The shared calendar used when a caller passes none (no overrides)."""
    return OfficialCalendar()
