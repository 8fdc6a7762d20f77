"""The rule table: which words mean which deadline facts.

Each :class:`Rule` is a regular expression and a builder that turns one match into a
:data:`Fact`. The parser applies the rules in table order; a span claimed by an earlier
rule is masked before later rules run, so "每年3月底前" is read once, as a yearly duty,
and never again as the date "3月底前". Phrases reach the rules normalised: simplified
script, half-width, no spaces, counting numerals as digits, no quotes or brackets.

Date words and the day they mean (the end of that local day):

* ``M月D日前`` -> day D; Chinese official usage includes the named day.
* ``M月底前``, ``M月末``, ``M月份前``, ``M月前``, bare ``M月`` -> the last day of month M:
  officials write "6月份前" for "within June", i.e. by the end of June.
* ``M月上旬/中旬/下旬(前)`` -> day 10, 20, last; the looser ``M月初``/``M月中`` -> 10, 20.
* ``年底``, ``年末``, ``年内``, ``全年``, ``YYYY年底``, ``YYYY年前``, ``到YYYY年`` -> 31 Dec.
* ``上半年`` -> 30 June; ``第N季度(末)`` -> the quarter's last day.
* ``"十N五"`` (a five-year plan) -> 31 Dec of its last year: 十三五 -> 2020, 十四五 -> 2025.
* spreadsheet dates ``2023-12-31``, ``2023/6/30``, ``2023.12`` (-> the month's last day).
* a date followed by 起/开始/以来 starts something: it is no deadline at all.

Lengths: ``N日/天内`` (calendar days), ``N个工作日内``, ``N小时内``, ``N个月内``, ``N周内``
(7N days), ``N年内`` (12N months), ``半年内`` (6 months), ``半个月内`` (15 days); a
cell that is only a length ("7个工作日") needs no 内, but a bare "30日" is ambiguous (the
30th, or 30 days?) and stays unread.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from ledger.deadlines import dates
from ledger.deadlines.facts import (
    EVENT,
    ISSUED,
    Fact,
    OngoingFact,
    RecurringFact,
    RelativeFact,
    TargetFact,
)
from ledger.deadlines.periods import Cadence, PeriodUnit
from ledger.deadlines.spec import TargetKind
from ledger.deadlines.timing import Offset, OffsetUnit

Builder = Callable[[re.Match[str], int | None], Fact | None]


@dataclass(frozen=True)
class Rule:
    name: str
    pattern: re.Pattern[str]
    build: Builder


# ---------------------------------------------------------------- shared pieces

# Punctuation ends a clause; \x00 marks text an earlier rule already claimed.
_CLAUSE_CHAR = r"[^,，。;；:：、!！?？\x00]"
_NUMBER = r"\d+(?:\.\d+)?"
# An optional year in front of a month: "2019年", "明年", "次年".
_YEAR_PREFIX = r"(?:(?P<y>\d{4})年|(?P<ry>今|本|当|明|次|下一?)年度?)?"
_BEFORE = r"(?:前|之前|以前|为止|止)?"


# ---------------------------------------------------------------- relative builders

_OFFSET_UNIT: dict[str, tuple[OffsetUnit, int]] = {
    "个工作日": ("wd", 1),
    "工作日": ("wd", 1),
    "个小时": ("h", 1),
    "小时": ("h", 1),
    "天": ("d", 1),
    "日": ("d", 1),
    "周": ("d", 7),
    "个星期": ("d", 7),
    "星期": ("d", 7),
    "个月": ("m", 1),
    "月": ("m", 1),
    "年": ("m", 12),
    "个年": ("m", 12),
}
_ISSUE = re.compile(
    r"本(?:要点|方案|通知|意见|办法|计划|规定|细则|文件|制度|机制|决定|清单)"
    r"(?:印发|发布|出台|下发|公布|实施)(?:之日起|后|之后|以后)"
)
# Words that introduce the trigger clause rather than belong to it: a modal + 在 anywhere
# ("部门要在...后"), or a bare 在/于/自/从 at its start ("自信息形成...之日起").
_LEAD_IN = re.compile(r"^(?:.*?(?:要在|应在|须在|需在|并在|务必在|必须在)|在|于|自|从)(?=..)")


_HALF: dict[str, Offset] = {"年": Offset(6, "m"), "个月": Offset(15, "d"), "月": Offset(15, "d")}


def _offset(amount: str, unit: str) -> Offset | None:
    """Offset of an amount and unit: 30 日 -> 30d, 半年 -> 6m; None for half of other units."""
    if amount == "半":
        return _HALF.get(unit)
    kind, factor = _OFFSET_UNIT[unit]
    return Offset(int(amount) * factor, kind)


def _trigger(words: str | None) -> str:
    if not words:
        return EVENT
    if _ISSUE.search(words):
        return ISSUED
    return _LEAD_IN.sub("", words)


def _relative(m: re.Match[str], current: int | None) -> Fact | None:
    offset = _offset(m["n"], m["u"])
    if offset is None:
        return None
    return RelativeFact(_trigger(m.groupdict().get("trigger")), offset, m.group())


def _same_day(m: re.Match[str], current: int | None) -> Fact | None:
    return RelativeFact(_trigger(m["trigger"]), Offset(0, "d"), m.group())


# ---------------------------------------------------------------- recurring builders

_PERIOD_WORD: dict[str, PeriodUnit] = {
    "日": "day",
    "天": "day",
    "周": "week",
    "星期": "week",
    "个星期": "week",
    "月": "month",
    "个月": "month",
    "季": "quarter",
    "季度": "quarter",
    "个季度": "quarter",
    "半年": "half",
    "年": "year",
    "年度": "year",
}


def _every(m: re.Match[str], current: int | None) -> Fact | None:
    step = int(m["n"]) if m.groupdict().get("n") else 1
    if step < 1:
        return None
    return RecurringFact(Cadence(_PERIOD_WORD[m["u"]], step), m.group())


def _every_workday(m: re.Match[str], current: int | None) -> Fact | None:
    return RecurringFact(Cadence("workday"), m.group())


def _monthly_on(m: re.Match[str], current: int | None) -> Fact | None:
    day = int(m["d"]) if m["d"] else dates.XUN_DAY.get(m["x"] or "")
    if day is not None and not 1 <= day <= 31:
        return None
    return RecurringFact(Cadence("month", day=day), m.group())


def _yearly_on(m: re.Match[str], current: int | None) -> Fact | None:
    month = int(m["m"])
    day = int(m["d"]) if m["d"] else dates.XUN_DAY.get(m["x"] or "")
    if not 1 <= month <= 12 or (day is not None and not 1 <= day <= 31):
        return None
    return RecurringFact(Cadence("year", month=month, day=day), m.group())


def _quarterly_on(m: re.Match[str], current: int | None) -> Fact | None:
    day = int(m["d"])
    if not 1 <= day <= 31:
        return None
    return RecurringFact(Cadence("quarter", day=day), m.group())


def _after_period(m: re.Match[str], current: int | None) -> Fact | None:
    offset = _offset(m["n"], m["wu"])
    if offset is None:
        return None
    return RecurringFact(Cadence(_PERIOD_WORD[m["u"]], after_end=offset), m.group())


def _periodic(m: re.Match[str], current: int | None) -> Fact | None:
    return RecurringFact(None, m.group())


# ---------------------------------------------------------------- other builders


def _ongoing(m: re.Match[str], current: int | None) -> Fact | None:
    return OngoingFact(m.group())


def _at_least(m: re.Match[str], current: int | None) -> Fact | None:
    unit = m["u"]
    if m["gap"] and not unit:
        return None  # "至少开展" followed by a bare number is not a countable target
    kind: TargetKind = "percent" if unit == "%" else "count"
    return TargetFact(kind, float(m["n"]), m.group())


def _or_more(m: re.Match[str], current: int | None) -> Fact | None:
    kind: TargetKind = "percent" if m["u"] == "%" else "count"
    return TargetFact(kind, float(m["n"]), m.group())


def _rule(name: str, pattern: str, build: Builder) -> Rule:
    return Rule(name, re.compile(pattern), build)


_COUNT_UNIT = r"人次|次|场|期|篇|条|项|家|批|个|%"
_PERIOD_UNIT = r"个季度|季度|季|半年|年度|年|个月|月|个星期|星期|周|日|天"
_DURATION_UNIT = r"个工作日|工作日|个小时|小时|个月|个星期|星期|周|天|日|年"

RULES: tuple[Rule, ...] = (
    # Recurring duties with their own due day come first: "每年3月底前" is not "3月底前".
    _rule(
        "after-period",
        r"(?:每|按)(?:个)?(?P<u>季度|季|半年|年度|年|月)(?:结束|期满|末|底)后"
        r"(?P<n>\d+)(?P<wu>个工作日|工作日|天|日)(?:之内|以内|内)?",
        _after_period,
    ),
    _rule(
        "yearly-on",
        rf"每年(?:的)?(?P<m>\d{{1,2}})月份?(?:(?P<d>\d{{1,2}})日|(?P<x>上旬|中旬|下旬|底|末))?{_BEFORE}",
        _yearly_on,
    ),
    _rule(
        "monthly-on",
        rf"(?:每|按)(?:个)?月(?:的)?(?:(?P<d>\d{{1,2}})日|(?P<x>上旬|中旬|下旬|底|末)){_BEFORE}",
        _monthly_on,
    ),
    _rule("every-workday", r"每(?:个)?工作日", _every_workday),
    _rule("every-n", rf"每(?:隔)?(?P<n>\d+)(?P<u>{_PERIOD_UNIT})(?!内)", _every),
    _rule(
        "quarter-first-month",
        rf"(?:每|按)(?:个)?季度?(?:的)?(?:第1个月|首月)(?P<d>\d{{1,2}})日{_BEFORE}",
        _quarterly_on,
    ),
    # "每年年底前", "每季度末": the end of each period, which is the default due anyway.
    _rule(
        "every", rf"(?:每|按)(?:个|一|1)?(?P<u>{_PERIOD_UNIT})(?:年?(?:底|末){_BEFORE})?", _every
    ),
    _rule("periodic", r"不?定期", _periodic),
    # Dates. A date followed by 起/开始 starts something and is claimed as no deadline.
    _rule(
        "starts-on", r"(?:\d{4}年|\d{1,2}月份?|\d{1,2}日)+(?:起|开始|以来)", dates.not_a_deadline
    ),
    _rule(
        "year-range",
        rf"(?P<y1>\d{{4}})年?[-—–~～至到](?P<y>\d{{4}})年(?:底|末)?{_BEFORE}",
        dates.year_range,
    ),
    _rule(
        "full-date",
        rf"{_YEAR_PREFIX}(?P<m>\d{{1,2}})月(?P<d>\d{{1,2}})日{_BEFORE}",
        dates.full_date,
    ),
    # Spreadsheet dates: "2023-12-31", "2023.12", "2023/6/30".
    _rule(
        "numeric-date",
        rf"(?<![\d.])(?P<y>\d{{4}})(?P<sep>[-./])(?P<m>\d{{1,2}})(?:(?P=sep)(?P<d>\d{{1,2}}))?"
        rf"(?![\d.%/-]){_BEFORE}",
        dates.numeric_date,
    ),
    _rule(
        "xun",
        rf"{_YEAR_PREFIX}(?P<m>\d{{1,2}})月份?(?P<x>上旬|中旬|下旬|初|中){_BEFORE}",
        dates.xun,
    ),
    _rule(
        "month-end",
        rf"{_YEAR_PREFIX}(?:\d{{1,2}}月?[-—–~～至到])?(?P<m>\d{{1,2}})月份?(?:底|末|内)?{_BEFORE}"
        r"(?!\d)",
        dates.month_end,
    ),
    _rule("half-year", rf"{_YEAR_PREFIX}(?P<h>上|下)半年(?:末|底)?{_BEFORE}", dates.half_year),
    _rule("quarter", rf"{_YEAR_PREFIX}第?(?P<q>[1-4])季度(?:末|底|内)?{_BEFORE}", dates.quarter),
    _rule(
        "year-end",
        rf"(?:(?P<y>\d{{4}})|(?P<ry>今|本|当|明|次|下一?)|(?<![\d个半]))年度?(?:底|末){_BEFORE}",
        dates.year_end,
    ),
    _rule(
        "within-year",
        r"(?:(?P<y>\d{4})|(?P<ry>今|本|当|明|次)|(?<![\d个半每按]))年度?(?:之内|以内|内)|全年",
        dates.year_end,
    ),
    _rule("year-only", r"^(?:到|至|截至|截止|于|在)?(?P<y>\d{4})年度?$", dates.year_end),
    _rule(
        "by-year",
        r"(?:到|至|截至|截止到?)(?P<y>\d{4})年(?![\d度])|(?P<y2>\d{4})年(?:前|之前|以前|为止)",
        dates.by_year,
    ),
    _rule(
        "five-year-plan",
        r"十(?P<n>[一二三四五六七八九])五(?:规划|时期|期间)?(?:末|底)?",
        dates.five_year_plan,
    ),
    # Offsets from a trigger: "征求意见结束后1个月内", "最迟在5小时内".
    _rule(
        "relative",
        rf"(?P<trigger>{_CLAUSE_CHAR}{{1,30}}?(?:后|之后|以后|之日起|起))?[,，]?"
        rf"(?:最迟|最晚)?(?:要|应|须|需|必须|务必)?(?:在|于)?"
        rf"(?P<n>\d+|半)(?P<u>{_DURATION_UNIT})(?:之内|以内|内)",
        _relative,
    ),
    # A whole time-limit cell that is just a length: "7个工作日", "48小时". A bare "30日"
    # or "6月" is left alone: it may as well be a day of the month or a month.
    _rule(
        "bare-duration",
        r"^(?P<n>\d+)(?P<u>个工作日|工作日|个小时|小时|天|个月|周|个星期)$",
        _relative,
    ),
    _rule(
        "same-day",
        rf"(?P<trigger>{_CLAUSE_CHAR}{{1,30}}?(?:后|之后|以后))?(?:当日|当天)",
        _same_day,
    ),
    _rule("ongoing", r"持续推进|长期坚持|常态化|长期|持续", _ongoing),
    _rule(
        "at-least",
        rf"(?:不少于|不低于|不得少于|不得低于|不小于|至少)(?P<gap>{_CLAUSE_CHAR}{{0,6}}?)"
        rf"(?P<n>{_NUMBER})(?P<u>{_COUNT_UNIT})?",
        _at_least,
    ),
    _rule("or-more", rf"(?P<n>{_NUMBER})(?P<u>次|场|期|篇|条|%)以上", _or_more),
)
