"""A task's standing at a moment: its status and its traffic light. The one home of the rules.

Pure: everything it needs is passed in, "now" included, so the same facts always give the
same answer and a dashboard can be asked about any moment.

Statuses (the CLI contract): ``open``, ``in_progress``, ``done``, ``done_late``,
``overdue``, ``waived``, ``no_deadline``. Lights: ``green`` on track, ``yellow`` due
within the warning window or behind the pace its target needs, ``red`` overdue.
Recurring tasks are judged by their earliest occurrence not yet completed.

The rules come in two steps. What does not depend on "now" is decided once and stored by
the read models: the :func:`phase` (waived, done, done late, or still to do) and the
operative due time (:func:`operative_due`). What depends on "now" is :func:`status_at`,
and the same rule over the stored columns is :data:`COUNTS`, the SQL the dashboard counts
with; a property test holds the two to the same answers.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any, Literal, TypeVar
from zoneinfo import ZoneInfo

WARNING_WINDOW = timedelta(days=3)

Phase = Literal["waived", "done", "done_late", "todo"]
Occurrences = Sequence[tuple[str, datetime]]  # (period key, due instant), in order
D = TypeVar("D")  # a due time: a datetime, or epoch seconds

# The dashboard's counts, over stored columns ``phase`` and ``next_due`` (epoch seconds;
# the operative due of a task still to do) of the table or alias ``{t}``, judged at
# ``:at``, due soon up to ``:soon``: the rule of status_at, in SQL.
COUNTS = {
    "done": "{t}.phase IN ('done', 'done_late')",
    "overdue": "{t}.phase = 'todo' AND {t}.next_due < :at",
    "due_soon": "{t}.phase = 'todo' AND {t}.next_due BETWEEN :at AND :soon",
    "waived": "{t}.phase = 'waived'",
}


@dataclass(frozen=True)
class Standing:
    status: str
    light: str
    due: datetime | None
    days_overdue: int = 0
    period: str | None = None


@dataclass(frozen=True)
class Facts:
    """What the ledger knows about a task, in the shape the status rules need."""

    due: datetime | None
    tz: str = "Asia/Shanghai"
    occurrences: Occurrences = ()
    completed_on: date | None = None
    completed_periods: Sequence[str] = ()
    waived: bool = False
    reports: int = 0
    target_min: float | None = None
    target_by: datetime | None = None
    quantity_done: float = 0.0
    start: datetime | None = None


def operative_due(
    due: D | None, occurrences: Iterable[Sequence[Any]], completed_periods: Iterable[str]
) -> tuple[D | None, str | None]:
    """The due time that matters: the first unfinished occurrence, else the task's own.

    ``occurrences`` are (period, due) pairs; a due is a datetime, or epoch seconds in the
    read models. It does not depend on "now", so read models can store it.
    """
    done = set(completed_periods)
    for period, occurrence_due in occurrences:
        if period not in done:
            return occurrence_due, period
    return due, None


def completed_late(completed_on: date | None, due: datetime | None, tz: str) -> bool:
    """Completed on a later day than the due day (by the day the work happened)."""
    if completed_on is None or due is None:
        return False
    return completed_on > due.astimezone(ZoneInfo(tz)).date()


def phase(*, waived: bool, completed: bool, late: bool) -> Phase:
    """Where a task stands whatever the moment: waived, done (on time or late), or to do."""
    if waived:
        return "waived"
    if completed:
        return "done_late" if late else "done"
    return "todo"


def status_at(*, phase: Phase, next_due: datetime | None, reports: int, now: datetime) -> str:
    """The status from the stored phase and operative due, at ``now``."""
    if phase != "todo":
        return phase
    if next_due is None:
        return "in_progress" if reports else "no_deadline"
    if now > next_due:
        return "overdue"
    return "in_progress" if reports else "open"


def due_soon(status: str, next_due: datetime | None, now: datetime, warn: timedelta) -> bool:
    """Still to do and due within the warning window (as ``COUNTS["due_soon"]``)."""
    return status in ("open", "in_progress") and next_due is not None and next_due - now <= warn


def _behind_pace(facts: Facts, now: datetime) -> bool:
    """Less done than a straight line from start to target date asks for by now."""
    if not facts.target_min or not facts.target_by or facts.start is None:
        return False
    span = (facts.target_by - facts.start).total_seconds()
    if span <= 0 or now <= facts.start:
        return False
    expected = facts.target_min * min(1.0, (now - facts.start).total_seconds() / span)
    return facts.quantity_done + 1 <= expected


def assess(facts: Facts, now: datetime, warn: timedelta = WARNING_WINDOW) -> Standing:
    """The status and light of a task at ``now``."""
    completed = facts.completed_on is not None
    next_due, period = (
        (facts.due, None)
        if completed
        else operative_due(facts.due, facts.occurrences, facts.completed_periods)
    )
    late = completed_late(facts.completed_on, facts.due, facts.tz)
    status = status_at(
        phase=phase(waived=facts.waived, completed=completed, late=late),
        next_due=next_due,
        reports=facts.reports,
        now=now,
    )
    if status == "overdue":
        assert next_due is not None
        days = (now - next_due).days + 1
        return Standing(status, "red", next_due, days_overdue=days, period=period)
    soon = due_soon(status, next_due, now, warn)
    light = "yellow" if soon or (not completed and _behind_pace(facts, now)) else "green"
    if facts.waived or completed:
        light = "green"
    return Standing(status, light, next_due, period=period)
