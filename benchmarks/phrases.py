"""Deadline phrases in the mix real work plans use, each with the meaning the generator intends.

The meaning (:class:`Intent`) is the generator's own, not the ledger parser's: it decides
when the synthetic units report, complete or ask for an extension, so the activity stream
does not depend on how good the parser is at the time of the run.
"""

from __future__ import annotations

import random
from calendar import monthrange
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Literal

Kind = Literal["fixed", "recurring", "ongoing", "relative", "target", "none"]
_FULL_WIDTH = str.maketrans("0123456789", "０１２３４５６７８９")


@dataclass(frozen=True, slots=True)
class Intent:
    """What a phrase asks for: a due day, a cadence in months, or a number of times."""

    kind: Kind
    due: date | None = None
    cadence: int | None = None
    times: int | None = None


Draw = Callable[[random.Random, int, date], tuple[str, Intent]]


def _month_end(year: int, month: int) -> date:
    return date(year, month, monthrange(year, month)[1])


def _later_month(rng: random.Random, issued: date) -> int:
    return rng.randint(min(issued.month + 1, 12), 12)


def _month_end_phrase(rng: random.Random, year: int, issued: date) -> tuple[str, Intent]:
    m = _later_month(rng, issued)
    text = f"{m}月底前"
    if rng.random() < 0.04:  # tables typed on Chinese keyboards carry full-width digits
        text = text.translate(_FULL_WIDTH)
    return text, Intent("fixed", _month_end(year, m))


def _day_phrase(rng: random.Random, year: int, issued: date) -> tuple[str, Intent]:
    m = _later_month(rng, issued)
    d = rng.choice((10, 15, 20, monthrange(year, m)[1]))
    return f"{m}月{d}日前", Intent("fixed", date(year, m, d))


def _with_year(rng: random.Random, year: int, issued: date) -> tuple[str, Intent]:
    m = _later_month(rng, issued)
    return f"{year}年{m}月底前", Intent("fixed", _month_end(year, m))


def _year_end(rng: random.Random, year: int, issued: date) -> tuple[str, Intent]:
    text = rng.choice(("年底前", "年底前", "年内", "12月底前完成", f"{year}年底前"))
    return text, Intent("fixed", date(year, 12, 31))


def _half_or_quarter(rng: random.Random, year: int, issued: date) -> tuple[str, Intent]:
    options = [
        ("下半年", date(year, 12, 31)),
        ("第三季度", date(year, 9, 30)),
        ("三季度末前", date(year, 9, 30)),
        ("第四季度", date(year, 12, 31)),
    ]
    if issued.month < 5:
        options.append(("上半年", date(year, 6, 30)))
    text, due = rng.choice(options)
    return text, Intent("fixed", due)


def _compound(rng: random.Random, year: int, issued: date) -> tuple[str, Intent]:
    first = _later_month(rng, issued)
    second = rng.randint(first, 12)
    text = f"{first}月底前完成方案制定，{second}月底前全面完成"
    return text, Intent("fixed", _month_end(year, second))


def _monthly(rng: random.Random, year: int, issued: date) -> tuple[str, Intent]:
    return rng.choice(("每月", "每月", "每月10日前", "按月报送")), Intent("recurring", cadence=1)


def _quarterly(rng: random.Random, year: int, issued: date) -> tuple[str, Intent]:
    text = rng.choice(("每季度", "每季度", "每季度末", "每季度首月10日前"))
    return text, Intent("recurring", cadence=3)


def _half_yearly(rng: random.Random, year: int, issued: date) -> tuple[str, Intent]:
    return "每半年", Intent("recurring", cadence=6)


def _ongoing(rng: random.Random, year: int, issued: date) -> tuple[str, Intent]:
    text = rng.choice(("持续推进", "持续推进", "长期坚持", "全年", "常态化开展", "及时", "按要求"))
    return text, Intent("ongoing")


def _relative(rng: random.Random, year: int, issued: date) -> tuple[str, Intent]:
    days = rng.choice((15, 30, 30, 60))
    if rng.random() < 0.3:
        months = rng.choice((1, 2, 3))
        due = issued + timedelta(days=30 * months)
        return f"本方案印发后{months}个月内", Intent("relative", due)
    return f"本要点印发后{days}日内", Intent("relative", issued + timedelta(days=days))


def _working_days(rng: random.Random, year: int, issued: date) -> tuple[str, Intent]:
    # A response time per request ("收到申请后5个工作日内"): a standing duty, no single due day.
    n = rng.choice((3, 5, 5, 7, 10, 15, 20))
    return rng.choice((f"{n}个工作日内", f"收到申请后{n}个工作日内")), Intent("ongoing")


def _target(rng: random.Random, year: int, issued: date) -> tuple[str, Intent]:
    n = rng.choice((2, 3, 4, 5, 5, 6, 8, 10, 12))
    text = rng.choice((f"年内不少于{n}次", f"全年不少于{n}次"))
    return text, Intent("target", date(year, 12, 31), times=n)


def _none(rng: random.Random, year: int, issued: date) -> tuple[str, Intent]:
    return "", Intent("none")


# Weights roughly as the phrases occur in published 工作要点 breakdown tables.
MIX: tuple[tuple[Draw, float], ...] = (
    (_month_end_phrase, 24),
    (_day_phrase, 10),
    (_with_year, 3),
    (_year_end, 11),
    (_half_or_quarter, 3),
    (_compound, 2),
    (_monthly, 6),
    (_quarterly, 6),
    (_half_yearly, 1.5),
    (_ongoing, 16),
    (_relative, 4),
    (_working_days, 2),
    (_target, 4),
    (_none, 5),
)
_DRAWS = [d for d, _ in MIX]
_WEIGHTS = [w for _, w in MIX]


def draw_deadline(rng: random.Random, year: int, issued: date) -> tuple[str, Intent]:
    """A deadline phrase for a task of a plan issued on ``issued``, and what it means."""
    draw = rng.choices(_DRAWS, _WEIGHTS)[0]
    return draw(rng, year, issued)
