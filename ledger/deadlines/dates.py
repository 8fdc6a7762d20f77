"""Builders of date facts: matched words -> the day a deadline falls on.

The rule table (ledger/deadlines/rules.py) pairs each builder with its pattern; a builder
takes the match and the year in force, and gives a :class:`DateFact` (None for a date
that does not exist, or for words that start something rather than end it).
"""

from __future__ import annotations

import re
from datetime import date

from ledger.deadlines.facts import DateFact, Fact
from ledger.deadlines.timing import end_of_month

REL_YEAR = {"今": 0, "本": 0, "当": 0, "明": 1, "次": 1, "下": 1, "下一": 1}
XUN_DAY = {"上旬": 10, "初": 10, "中旬": 20, "中": 20, "下旬": None}


def year_of(m: re.Match[str], current: int | None) -> tuple[int | None, int | None]:
    """(year meant, year named by the phrase) for a match using :data:`_YEAR_PREFIX`."""
    groups = m.groupdict()
    if groups.get("y"):
        named = int(groups["y"])
        return named, named
    relative = groups.get("ry")
    if relative is not None:
        return (current + REL_YEAR[relative] if current is not None else None), None
    return current, None


def day_fact(
    m: re.Match[str], year: int | None, named: int | None, month: int, day: int | None
) -> DateFact | None:
    """End of ``day`` (None: the last day) of ``month``; None for an impossible date."""
    if not 1 <= month <= 12:
        return None
    if year is None:
        return DateFact(None, m.group())
    last = end_of_month(year, month)
    if day is not None and not 1 <= day <= last.day:
        return None
    return DateFact(last.replace(day=day or last.day), m.group(), named)


def full_date(m: re.Match[str], current: int | None) -> Fact | None:
    year, named = year_of(m, current)
    return day_fact(m, year, named, int(m["m"]), int(m["d"]))


def numeric_date(m: re.Match[str], current: int | None) -> Fact | None:
    year = int(m["y"])
    return day_fact(m, year, year, int(m["m"]), int(m["d"]) if m["d"] else None)


def xun(m: re.Match[str], current: int | None) -> Fact | None:
    year, named = year_of(m, current)
    return day_fact(m, year, named, int(m["m"]), XUN_DAY[m["x"]])


def month_end(m: re.Match[str], current: int | None) -> Fact | None:
    year, named = year_of(m, current)
    return day_fact(m, year, named, int(m["m"]), None)


def year_end(m: re.Match[str], current: int | None) -> Fact | None:
    year, named = year_of(m, current)
    if year is None:
        return DateFact(None, m.group())
    return DateFact(date(year, 12, 31), m.group(), named)


def year_range(m: re.Match[str], current: int | None) -> Fact | None:
    first, last = int(m["y1"]), int(m["y"])
    if last < first:
        return None
    return DateFact(date(last, 12, 31), m.group(), last)


def by_year(m: re.Match[str], current: int | None) -> Fact | None:
    year = int(m["y"] or m["y2"])
    return DateFact(date(year, 12, 31), m.group(), year)


def half_year(m: re.Match[str], current: int | None) -> Fact | None:
    year, named = year_of(m, current)
    return day_fact(m, year, named, 6 if m["h"] == "上" else 12, None)


def quarter(m: re.Match[str], current: int | None) -> Fact | None:
    year, named = year_of(m, current)
    return day_fact(m, year, named, int(m["q"]) * 3, None)


PLAN_NUMBER = {c: i for i, c in enumerate("一二三四五六七八九", start=1)}


def five_year_plan(m: re.Match[str], current: int | None) -> Fact | None:
    # From the third plan (1966-1970) on, the N-th plan ends in 1955 + 5N.
    last_year = 1955 + 5 * (10 + PLAN_NUMBER[m["n"]])
    return DateFact(date(last_year, 12, 31), m.group())


def not_a_deadline(m: re.Match[str], current: int | None) -> Fact | None:
    """Claim a date that starts something ("1月1日起施行") so no other rule reads it."""
    return None
