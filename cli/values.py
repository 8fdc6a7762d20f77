"""Parsing the values people type: times, days, durations, unit lists, free text.

Every value is checked here, at the edge, so nothing the ledger records or a read model
stores holds a control character, a text past Excel's cell size, or a time no calendar
arithmetic can hold.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from ledger.errors import InvalidInput
from ledger.limits import EARLIEST, LATEST, text_problem

MAX_DURATION = timedelta(days=3660)  # ten years: further than any plan looks ahead


def zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, OSError):
        raise InvalidInput(
            f"--tz {name[:60]!r} is not a known time zone (e.g. Asia/Shanghai)"
        ) from None


def check_text(value: str, field: str) -> str:
    """``value`` if it is text a ledger may keep; else refused naming ``field``."""
    problem = text_problem(value)
    if problem:
        raise InvalidInput(f"{field}: {problem}")
    return value


def _in_range(moment: datetime, text: str, field: str) -> datetime:
    if not EARLIEST <= moment < LATEST:
        raise InvalidInput(
            f"{field} {text[:40]!r}: times must lie between {EARLIEST.year} and {LATEST.year - 1}"
        )
    return moment


def parse_day(text: str, field: str) -> date:
    try:
        day = date.fromisoformat(text.strip())
    except ValueError:
        raise InvalidInput(f"{field} {text[:40]!r} is not a date (YYYY-MM-DD)") from None
    _in_range(datetime.combine(day, time(12), UTC), text, field)
    return day


def parse_instant(text: str, field: str, tz: ZoneInfo, *, end_of_day: bool = False) -> datetime:
    """``YYYY-MM-DD``, ``YYYY-MM-DDTHH:MM`` or ISO 8601 with offset; naive means local ``tz``.

    A bare day means its start, or with ``end_of_day`` its last second (so "--to
    2017-09-30" gives the whole of 30 September).
    """
    raw = text.strip()
    if re.fullmatch(r"\d{4}-\d{2}-\d{2}", raw):
        day = parse_day(raw, field)
        moment = datetime.combine(day, time(23, 59, 59) if end_of_day else time(0, 0), tz)
        return _in_range(moment, text, field)
    try:
        moment = datetime.fromisoformat(raw)
    except ValueError:
        raise InvalidInput(
            f"{field} {text[:40]!r} is not a time (YYYY-MM-DD, YYYY-MM-DDTHH:MM or ISO 8601)"
        ) from None
    moment = moment if moment.tzinfo else moment.replace(tzinfo=tz)
    try:
        return _in_range(moment, text, field)
    except OverflowError:  # an offset that moves it past datetime's own range
        raise InvalidInput(f"{field} {text[:40]!r} is out of range") from None


def parse_duration(text: str, field: str) -> timedelta:
    """``7d``, ``12h``, ``2w`` or a bare number of days, at most ten years."""
    m = re.fullmatch(r"\s*(\d{1,6})\s*([dhw]?)\s*", text)
    if not m:
        raise InvalidInput(f"{field} {text[:40]!r} is not a duration (e.g. 7d, 12h, 2w)")
    n, unit = int(m.group(1)), m.group(2) or "d"
    span = {"d": timedelta(days=n), "h": timedelta(hours=n), "w": timedelta(weeks=n)}[unit]
    if span > MAX_DURATION:
        raise InvalidInput(f"{field} {text!r}: at most {MAX_DURATION.days} days")
    return span


def check_year(year: int | None, field: str = "--year") -> int | None:
    if year is not None and not EARLIEST.year <= year < LATEST.year:
        raise InvalidInput(
            f"{field} {year}: a plan year lies between {EARLIEST.year} and {LATEST.year - 1}"
        )
    return year


def split_units(text: str) -> list[str]:
    """ "A,B、C" -> ["A", "B", "C"], order kept, blanks and repeats dropped."""
    parts = [p.strip() for p in re.split(r"[,，、;；]", text)]
    return list(dict.fromkeys(p for p in parts if p))
