"""Parsing the values people type: times, days, durations, unit lists."""

from __future__ import annotations

import re
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from ledger.errors import InvalidInput


def zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise InvalidInput(f"--tz {name!r} is not a known time zone (e.g. Asia/Shanghai)") from None


def parse_day(text: str, field: str) -> date:
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        raise InvalidInput(f"{field} {text!r} is not a date (YYYY-MM-DD)") from None


def parse_instant(text: str, field: str, tz: ZoneInfo, *, end_of_day: bool = False) -> datetime:
    """``YYYY-MM-DD``, ``YYYY-MM-DDTHH:MM`` or ISO 8601 with offset; naive means local ``tz``.

    A bare day means its start, or with ``end_of_day`` its last second (so "--to
    2017-09-30" gives the whole of 30 September).
    """
    raw = text.strip()
    if re.fullmatch(r"\d{4}-\d{2}-\d{2}", raw):
        day = parse_day(raw, field)
        return datetime.combine(day, time(23, 59, 59) if end_of_day else time(0, 0), tz)
    try:
        moment = datetime.fromisoformat(raw)
    except ValueError:
        raise InvalidInput(
            f"{field} {text!r} is not a time (YYYY-MM-DD, YYYY-MM-DDTHH:MM or ISO 8601)"
        ) from None
    return moment if moment.tzinfo else moment.replace(tzinfo=tz)


def parse_duration(text: str, field: str) -> timedelta:
    """``7d``, ``12h``, ``2w`` or a bare number of days."""
    m = re.fullmatch(r"\s*(\d+)\s*([dhw]?)\s*", text)
    if not m:
        raise InvalidInput(f"{field} {text!r} is not a duration (e.g. 7d, 12h, 2w)")
    n, unit = int(m.group(1)), m.group(2) or "d"
    return {"d": timedelta(days=n), "h": timedelta(hours=n), "w": timedelta(weeks=n)}[unit]


def split_units(text: str) -> list[str]:
    """ "A,B、C" -> ["A", "B", "C"], order kept, blanks and repeats dropped."""
    parts = [p.strip() for p in re.split(r"[,，、;；]", text)]
    return list(dict.fromkeys(p for p in parts if p))
