"""The working-day calendar: official 2026 schedule, overrides, estimated years."""

from __future__ import annotations

from datetime import date

import pytest

from ledger.deadlines.calendar import (
    OfficialCalendar,
    WeekdayCalendar,
    WorkCalendar,
    default_calendar,
)


@pytest.fixture
def cal() -> OfficialCalendar:
    return OfficialCalendar()


def test_official_calendar_satisfies_the_protocol(cal: OfficialCalendar) -> None:
    assert isinstance(cal, WorkCalendar)
    assert isinstance(WeekdayCalendar(), WorkCalendar)
    assert isinstance(default_calendar(), OfficialCalendar)


def test_five_workdays_across_national_day_2026(cal: OfficialCalendar) -> None:
    # 1-7 Oct are off; Sat 10 Oct is a make-up working day.
    assert cal.add_workdays(date(2026, 9, 30), 5) == (date(2026, 10, 13), False)


def test_sunday_make_up_day_counts(cal: OfficialCalendar) -> None:
    # Sun 20 Sep 2026 is a working day (make-up for the Mid-Autumn holiday).
    assert cal.is_workday(date(2026, 9, 20))
    assert cal.add_workdays(date(2026, 9, 17), 5) == (date(2026, 9, 23), False)


@pytest.mark.parametrize(
    ("day", "workday"),
    [
        (date(2026, 10, 1), False),  # National Day
        (date(2026, 10, 10), True),  # Saturday make-up day
        (date(2026, 9, 25), False),  # Mid-Autumn Festival, a Friday
        (date(2026, 9, 19), False),  # ordinary Saturday
        (date(2026, 9, 21), True),  # ordinary Monday
    ],
)
def test_is_workday_2026(cal: OfficialCalendar, day: date, workday: bool) -> None:
    assert cal.is_workday(day) is workday
    assert cal.is_official(day)


def test_zero_workdays_is_the_start_day(cal: OfficialCalendar) -> None:
    assert cal.add_workdays(date(2026, 10, 1), 0) == (date(2026, 10, 1), False)


def test_negative_count_walks_back(cal: OfficialCalendar) -> None:
    assert cal.add_workdays(date(2026, 10, 13), -5) == (date(2026, 9, 30), False)


def test_2027_is_provisional(cal: OfficialCalendar) -> None:
    assert not cal.is_official(date(2027, 3, 1))
    # Monday to Friday is the fallback: Fri 31 Dec 2027 + 1 -> Mon 3 Jan 2028.
    assert cal.add_workdays(date(2027, 12, 31), 1) == (date(2028, 1, 3), True)


def test_crossing_into_2027_is_provisional(cal: OfficialCalendar) -> None:
    day, provisional = cal.add_workdays(date(2026, 12, 30), 5)
    assert provisional
    assert day.year == 2027


def test_years_before_the_data_are_provisional(cal: OfficialCalendar) -> None:
    assert not cal.is_official(date(2003, 5, 1))
    assert cal.add_workdays(date(2003, 5, 1), 1)[1]


def test_override_wins_over_the_official_schedule() -> None:
    cal = OfficialCalendar({date(2026, 10, 10): False, date(2026, 10, 5): True})
    assert not cal.is_workday(date(2026, 10, 10))
    assert cal.is_workday(date(2026, 10, 5))
    # From 30 Sep: 5 Oct (override), 8, 9, 12, 13 -> 13 Oct.
    assert cal.add_workdays(date(2026, 9, 30), 5) == (date(2026, 10, 13), False)
    assert cal.add_workdays(date(2026, 9, 30), 4) == (date(2026, 10, 12), False)


def test_overrides_count_as_official_data() -> None:
    # An office fills in the first days of 2027 before the library has them.
    overrides = {
        date(2027, 1, 1): False,
        date(2027, 1, 2): False,
        date(2027, 1, 3): False,
        date(2027, 1, 4): True,
    }
    cal = OfficialCalendar(overrides)
    assert cal.is_official(date(2027, 1, 1))
    assert not cal.is_official(date(2027, 1, 5))
    assert cal.add_workdays(date(2026, 12, 31), 1) == (date(2027, 1, 4), False)
    assert cal.add_workdays(date(2026, 12, 31), 2) == (date(2027, 1, 5), True)


def test_overrides_are_copied() -> None:
    overrides = {date(2026, 10, 10): False}
    cal = OfficialCalendar(overrides)
    overrides[date(2026, 10, 10)] = True
    assert not cal.is_workday(date(2026, 10, 10))


def test_weekday_calendar_is_always_provisional() -> None:
    cal = WeekdayCalendar()
    assert cal.add_workdays(date(2026, 9, 30), 5) == (date(2026, 10, 7), True)
    assert cal.is_workday(date(2026, 10, 1))
    assert not cal.is_official(date(2026, 10, 1))
