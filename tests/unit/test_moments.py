"""Month starts in China Standard Time, as the unit counts are taken (no I/O)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

from hypothesis import given
from hypothesis import strategies as st

from projections.moments import month_after, month_start, month_starts

CST = timezone(timedelta(hours=8))


def at(*args: int) -> int:
    return int(datetime(*args, tzinfo=CST).timestamp())


def test_month_starts_are_midnight_on_the_first_in_china() -> None:
    assert month_starts(at(2017, 11, 15), at(2018, 2, 1)) == [
        at(2017, 12, 1),
        at(2018, 1, 1),
        at(2018, 2, 1),
    ]
    # 2017-12-01 00:00 CST is 2017-11-30 16:00 UTC.
    assert datetime.fromtimestamp(at(2017, 12, 1), UTC).hour == 16


def test_the_range_is_open_below_and_closed_above() -> None:
    b = at(2024, 3, 1)
    assert month_starts(b, b) == []
    assert month_starts(b - 1, b) == [b]
    assert month_starts(b, b + 86_400 * 40) == [at(2024, 4, 1)]
    assert month_starts(b + 5, b) == []


@given(st.integers(at(2000, 1, 1), at(2040, 1, 1)))
def test_month_start_is_the_last_one_at_or_before(moment: int) -> None:
    start = month_start(moment)
    assert start <= moment
    assert month_starts(start - 1, moment) == [start]
    assert datetime.fromtimestamp(start, CST).day == 1


@given(st.integers(at(2000, 1, 1), at(2040, 1, 1)))
def test_month_after_is_the_first_one_after(moment: int) -> None:
    after = month_after(moment)
    assert month_starts(moment, after) == [after]
    assert month_start(after) == after
