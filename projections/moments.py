"""Instants the read models agree on, without SQLAlchemy (quick reads import them).

Moments are whole UTC seconds since the epoch (projections/base.py ``epoch``).
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

# The end of a version in force: later than any real moment (9999-12-31T23:59:59Z).
OPEN = 253_402_300_799
NOW = OPEN  # rm_unit_tally's reference for the links held now: their versions are open
# A closed version and the version in force, in the words of a partial index: a query
# that says the same can use it.
CLOSED = f"rec_to < {OPEN}"
IN_FORCE = f"rec_to = {OPEN}"
CST = timezone(timedelta(hours=8))  # month starts as China Standard Time has them


def month_starts(after: int, upto: int) -> list[int]:
    """The month starts (CST, epoch seconds) b with after < b <= upto, in order."""
    if upto <= after:
        return []
    first = datetime.fromtimestamp(after, CST)
    year, month = first.year, first.month
    starts: list[int] = []
    while True:
        b = int(datetime(year, month, 1, tzinfo=CST).timestamp())
        if b > upto:
            return starts
        if b > after:
            starts.append(b)
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)


def month_start(moment: int) -> int:
    """The last month start at or before ``moment``."""
    day = datetime.fromtimestamp(moment, CST)
    return int(datetime(day.year, day.month, 1, tzinfo=CST).timestamp())


def month_after(moment: int) -> int:
    """The first month start after ``moment``."""
    return month_starts(moment, moment + 32 * 86_400)[0]


def epoch(moment: datetime | None) -> int | None:
    """Instants are kept as whole UTC seconds: compact, and they compare the same everywhere."""
    return None if moment is None else int(moment.timestamp())
