"""Deadline phrases of work plans ("11月底前", "每季度", "本要点印发后30日内") -> DeadlineSpec.

Parsing runs in three steps:

1. *prepare*: :func:`ledger.textnorm.normalize` and ``squeeze`` (one script, half-width,
   no spaces), drop quotes, document titles 《》 and numbers 〔〕, set bracketed asides
   apart, rewrite counting numerals as digits;
2. *scan*: apply the rule table of :mod:`ledger.deadlines.rules` (regex -> fact);
3. *combine* the facts into one :class:`DeadlineSpec`.

How facts combine:

* one kind of fact gives that kind ("fixed", "relative", "recurring", "ongoing"); several
  give "compound" ("2018年底前完成并持续落实": due end of 2018, ongoing);
* several dates: ``due`` is the latest (the whole duty), the earlier ones become notes;
  several offsets: the longest wins ("5小时内发布...24小时内举行发布会" -> 24h);
* a recurring duty next to a date ("6月底前建立，每季度更新") recurs *after* that date;
  otherwise it recurs from the issue day (a plan issued during its year) or 1 January;
* a target ("不少于5次") is due with the duty; with no date at all, by the end of the
  plan year; next to a bare recurring duty it applies to each period (``per_period``);
* the plan's own issue ("本要点印发后") is the trigger "issued"; with ``issued_on`` the
  due instant is counted from that day at once.

The year of a date comes from the phrase ("2018年底前"), else ``year``, else
``issued_on.year``; a date read after one that names its year inherits that year. Without
any year the kind is still found, ``due`` stays None and a note says why. Text nothing
matches is kept as kind "unparsed"; blank cells, "/", "—" and "无" are kind "none".
Nothing here reads the clock, and nothing raises on any text. What each date word means
(for instance "6月份前" = by the end of June, "6月30日前" = by the end of 30 June) is
listed in :mod:`ledger.deadlines.rules`.
"""

from __future__ import annotations

import re
from calendar import monthrange
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from ledger.deadlines.calendar import WorkCalendar, default_calendar
from ledger.deadlines.facts import (
    EVENT,
    ISSUED,
    DateFact,
    Fact,
    OngoingFact,
    RecurringFact,
    RelativeFact,
    TargetFact,
)
from ledger.deadlines.numerals import arabize
from ledger.deadlines.periods import expand
from ledger.deadlines.rules import RULES, Rule
from ledger.deadlines.spec import PROVISIONAL_NOTE, DeadlineSpec, Kind, Occurrence, Target
from ledger.deadlines.timing import end_of_day, start_of_day
from ledger.textnorm import normalize, squeeze

PARSER_VERSION = 1

__all__ = ["PARSER_VERSION", "parse_deadline"]

_NONE_WORDS = frozenset({"无", "暂无", "不适用", "n/a", "N/A"})
_NONE_CHARS = frozenset("/\\-—–－_~·.。、")
_QUOTES = re.compile(r"[“”‘’\"'「」『』]")
_TITLES = re.compile(r"《[^》]*》|〔[^〕]*〕|\[[^\]]*\]|【[^】]*】")
_ASIDE = re.compile(r"\(([^()]*)\)")
_DAY_HAO = re.compile(r"(?<=\d)号")
_MASK = "\x00"


def parse_deadline(
    text: str,
    *,
    year: int | None = None,
    issued_on: date | None = None,
    tz: str = "Asia/Shanghai",
    calendar: WorkCalendar | None = None,
) -> DeadlineSpec:
    """Read one deadline phrase; see the module docstring for how phrases are read.

    ``year`` is the plan year, ``issued_on`` the day the plan was issued, ``tz`` the zone
    due instants are in, ``calendar`` the working-day calendar (the official one by default).
    Only a configuration error raises: an unknown ``tz`` (``ZoneInfoNotFoundError``).
    """
    phrase = squeeze(normalize(text))
    if _is_blank(phrase):
        return DeadlineSpec(text=text, kind="none", tz=tz, parser_version=PARSER_VERSION)
    main, asides = _prepare(phrase)
    plan_year = year if year is not None else (issued_on.year if issued_on else None)
    impossible = _impossible_date(main, plan_year)
    if impossible is not None:
        return DeadlineSpec(
            text=text, kind="invalid", tz=tz, parser_version=PARSER_VERSION, notes=(impossible,)
        )
    facts = _scan(main, plan_year)
    notes: list[str] = []
    if not facts and asides:
        facts = _scan("，".join(asides), plan_year)
    else:
        notes.extend(f"in brackets, not applied: {a}" for a in asides if _scan(a, plan_year))
    ctx = _Context(text, tz, ZoneInfo(tz), plan_year, issued_on, calendar or default_calendar())
    try:
        return _combine(ctx, facts, notes)
    except (ValueError, OverflowError) as exc:
        # Only years at the edge of what datetime holds get here ("0000年底前", year=9999).
        return DeadlineSpec(
            text=text,
            kind="unparsed",
            tz=tz,
            parser_version=PARSER_VERSION,
            notes=(f"dates out of range: {exc}",),
        )


# ---------------------------------------------------------------- prepare and scan


_MONTH_DAY = re.compile(r"(?:(?P<y>\d{4})年)?(?P<m>\d{1,2})月(?:(?P<d>\d{1,2})日)?")


def _impossible_date(phrase: str, plan_year: int | None) -> str | None:
    """Why a month or day the phrase names cannot exist, or None when every one can."""
    for m in _MONTH_DAY.finditer(phrase):
        month = int(m["m"])
        if not 1 <= month <= 12:
            return f"{m.group()}: there is no month {month}"
        if m["d"] is None:
            continue
        day, year = int(m["d"]), int(m["y"]) if m["y"] else plan_year
        # Without a year, 29 February is possible; with one, the calendar decides.
        last = monthrange(year, month)[1] if year else monthrange(2024, month)[1]
        if not 1 <= day <= last:
            return f"{m.group()}: {month}月 has no day {day}"
    return None


def _is_blank(phrase: str) -> bool:
    return not phrase or phrase in _NONE_WORDS or all(c in _NONE_CHARS for c in phrase)


def _prepare(phrase: str) -> tuple[str, tuple[str, ...]]:
    """The normalised phrase to scan, and its bracketed asides ("(重要、紧急事项当日)")."""
    phrase = _TITLES.sub("", _QUOTES.sub("", phrase))
    phrase = _DAY_HAO.sub("日", arabize(phrase))
    asides: list[str] = []
    while True:  # innermost brackets first, so nested asides come apart cleanly
        found = _ASIDE.findall(phrase)
        if not found:
            return phrase, tuple(a for a in asides if a)
        asides.extend(found)
        phrase = _ASIDE.sub("", phrase)


def _scan(phrase: str, year: int | None) -> list[Fact]:
    """Facts of ``phrase`` in reading order; ``year`` is the plan year for bare months."""
    masked = phrase
    hits: list[tuple[int, Rule, re.Match[str]]] = []
    for rule in RULES:
        spans = []
        for m in rule.pattern.finditer(masked):
            if m.end() > m.start():
                hits.append((m.start(), rule, m))
                spans.append(m.span())
        masked = _mask(masked, spans)
    hits.sort(key=lambda hit: hit[0])
    facts: list[Fact] = []
    current = year
    for _, rule, m in hits:
        try:
            fact = rule.build(m, current)
        except (ValueError, OverflowError):
            fact = None  # a year no calendar holds ("0000年底前") is no deadline
        if isinstance(fact, DateFact) and fact.year is not None:
            current = fact.year  # "2018年6月底前建立，12月底前完成": December of 2018
        if fact is not None:
            facts.append(fact)
    return facts


def _mask(phrase: str, spans: list[tuple[int, int]]) -> str:
    """Blank out claimed spans, keeping every other position where it was."""
    if not spans:
        return phrase
    chars = list(phrase)
    for start, end in spans:
        chars[start:end] = _MASK * (end - start)
    return "".join(chars)


# ---------------------------------------------------------------- combine


@dataclass(frozen=True)
class _Context:
    text: str
    tz_name: str
    tz: ZoneInfo
    plan_year: int | None
    issued_on: date | None
    calendar: WorkCalendar


@dataclass
class _Draft:
    """A spec under construction: each step of :func:`_combine` fills in its part."""

    due: datetime | None = None
    occurrences: tuple[Occurrence, ...] = ()
    target: Target | None = None
    provisional: bool = False
    trigger: str | None = None
    offset: str | None = None
    notes: list[str] = field(default_factory=list)


def _combine(ctx: _Context, facts: list[Fact], notes: list[str]) -> DeadlineSpec:
    dates = [f for f in facts if isinstance(f, DateFact)]
    relatives = [f for f in facts if isinstance(f, RelativeFact)]
    recurring = [f for f in facts if isinstance(f, RecurringFact)]
    ongoing = any(isinstance(f, OngoingFact) for f in facts)
    targets = [f for f in facts if isinstance(f, TargetFact)]
    draft = _Draft(notes=notes)
    plan_year = next((d.year for d in dates if d.year is not None), ctx.plan_year)
    _apply_dates(draft, dates, ctx)
    if targets and draft.due is None and not (dates or relatives or recurring or ongoing):
        _due_by_plan_year_end(draft, plan_year, ctx)
    _apply_relatives(draft, relatives)
    _apply_recurring(draft, recurring, plan_year, ctx)
    per_period = bool(recurring) and not dates and any(r.cadence for r in recurring)
    year_end = end_of_day(date(plan_year, 12, 31), ctx.tz) if plan_year else None
    _apply_targets(draft, targets, per_period, None if relatives else year_end)
    _check_issue_day(draft, ctx)
    spec = DeadlineSpec(
        text=ctx.text,
        kind=_kind(dates, relatives, recurring, ongoing, targets),
        due=draft.due,
        occurrences=draft.occurrences,
        target=draft.target,
        ongoing=ongoing,
        provisional=draft.provisional,
        trigger=draft.trigger,
        offset=draft.offset,
        tz=ctx.tz_name,
        parser_version=PARSER_VERSION,
        notes=tuple(dict.fromkeys(draft.notes)),
    )
    if spec.trigger == ISSUED and ctx.issued_on is not None:
        spec = spec.resolve(start_of_day(ctx.issued_on, ctx.tz), ctx.calendar)
    return spec


def _kind(
    dates: list[DateFact],
    relatives: list[RelativeFact],
    recurring: list[RecurringFact],
    ongoing: bool,
    targets: list[TargetFact],
) -> Kind:
    candidates: tuple[tuple[Kind, bool], ...] = (
        ("fixed", bool(dates)),
        ("relative", bool(relatives)),
        ("recurring", bool(recurring)),
        ("ongoing", ongoing),
    )
    present = [kind for kind, found in candidates if found]
    if len(present) > 1:
        return "compound"
    if present:
        return present[0]
    # A bare target ("不少于5次") is a count due by the end of the plan year.
    return "fixed" if targets else "unparsed"


def _apply_dates(draft: _Draft, dates: list[DateFact], ctx: _Context) -> None:
    known = sorted((d for d in dates if d.day is not None), key=lambda d: d.day or date.min)
    for fact in dates:
        if fact.day is None:
            draft.notes.append(f"no year for {fact.label!r}: pass year= or issued_on=")
    if not known:
        return
    last = known[-1]
    assert last.day is not None  # filtered above; tells mypy
    draft.due = end_of_day(last.day, ctx.tz)
    draft.notes.extend(
        f"milestone {d.day.isoformat()}: {d.label}" for d in known[:-1] if d.day is not None
    )


def _due_by_plan_year_end(draft: _Draft, plan_year: int | None, ctx: _Context) -> None:
    if plan_year is None:
        draft.notes.append("target without a date or a year: no due instant")
        return
    draft.due = end_of_day(date(plan_year, 12, 31), ctx.tz)
    draft.notes.append("no date in the phrase: the target counts by the end of the plan year")


def _apply_relatives(draft: _Draft, relatives: list[RelativeFact]) -> None:
    if not relatives:
        return
    # The whole duty is done when its longest offset has passed; the others are milestones.
    chosen = max(relatives, key=lambda r: r.offset.approx_days)
    draft.trigger = chosen.trigger
    draft.offset = str(chosen.offset)
    if chosen.trigger == EVENT:
        draft.notes.append("the phrase names no trigger: record when the event happens")
    draft.notes.extend(f"also: {r.label}" for r in relatives if r is not chosen)


def _apply_recurring(
    draft: _Draft, recurring: list[RecurringFact], plan_year: int | None, ctx: _Context
) -> None:
    stated = [r for r in recurring if r.cadence is not None]
    if not stated:
        if recurring:
            draft.notes.append("periodic, but no period is stated: no occurrences")
        return
    # A duty naming its own due day ("每月29日前") says more than a bare "每月" beside it.
    chosen = next((r for r in stated if _anchored(r)), stated[0])
    draft.notes.extend(f"also recurring: {r.label}" for r in stated if r is not chosen)
    if plan_year is None:
        draft.notes.append("no plan year: occurrences not expanded")
        return
    first = _first_day(draft, plan_year, ctx)
    if first.year > plan_year:
        draft.notes.append(f"{chosen.label} starts after the plan year: no occurrences")
        return
    assert chosen.cadence is not None  # filtered above; tells mypy
    expansion = expand(chosen.cadence, plan_year, first, ctx.tz, ctx.calendar)
    draft.occurrences = expansion.occurrences
    draft.notes.extend(expansion.notes)
    if expansion.provisional:
        draft.provisional = True
        draft.notes.append(PROVISIONAL_NOTE)


def _anchored(fact: RecurringFact) -> bool:
    cadence = fact.cadence
    return cadence is not None and (
        cadence.day is not None or cadence.month is not None or cadence.after_end is not None
    )


def _first_day(draft: _Draft, plan_year: int, ctx: _Context) -> date:
    """The day a recurring duty starts: the plan's start, or after the set-up date if later."""
    start = date(plan_year, 1, 1)
    if ctx.issued_on is not None and ctx.issued_on.year == plan_year:
        start = ctx.issued_on
    if draft.due is not None:
        start = max(start, draft.due.date() + timedelta(days=1))
    return start


def _apply_targets(
    draft: _Draft, targets: list[TargetFact], per_period: bool, fallback: datetime | None
) -> None:
    """The first target, due with the duty, else by ``fallback`` (the plan year's end).

    A relative duty passes no fallback: its target is due when :meth:`DeadlineSpec.resolve`
    knows the due instant.
    """
    if not targets:
        return
    first = targets[0]
    draft.target = Target(
        kind=first.kind,
        minimum=first.minimum,
        by=None if per_period else (draft.due or fallback),
        text=first.label,
        per_period=per_period,
    )
    draft.notes.extend(f"also a target: {t.label}" for t in targets[1:])


def _check_issue_day(draft: _Draft, ctx: _Context) -> None:
    if ctx.issued_on and draft.due and draft.due < start_of_day(ctx.issued_on, ctx.tz):
        draft.notes.append(f"due precedes the issue day {ctx.issued_on.isoformat()}")
