"""A task's standing at a moment: its status and its traffic light. The one home of the rules.

Pure: everything it needs is passed in, "now" included, so the same facts always give the
same answer and a dashboard can be asked about any moment.

Statuses (the CLI contract): ``open``, ``in_progress``, ``done``, ``done_late``,
``overdue``, ``waived``, ``no_deadline``. Lights: ``green`` on track, ``yellow`` due
within the warning window or behind the pace its target needs, ``red`` overdue.
Recurring tasks are judged by their earliest occurrence not yet completed.

Each lead unit answers for its own share of a task (:func:`share_outcome`); the task is
done when every share is, late when any was, and due when its soonest open share is
(:func:`task_outcome`). A completion of the whole task counts for every share.

The rules come in two steps. What does not depend on "now" is decided once and stored by
the read models: the :func:`phase` (waived, done, done late, or still to do) and the
operative due time (:func:`operative_due`). What depends on "now" is :func:`status_at`,
and the same rule over the stored columns is :data:`COUNTS`, the SQL the dashboard counts
with; a property test holds the two to the same answers.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any, Generic, Literal, TypeVar
from zoneinfo import ZoneInfo

WARNING_WINDOW = timedelta(days=3)

Phase = Literal["waived", "done", "done_late", "todo"]
Occurrences = Sequence[tuple[str, datetime]]  # (period key, due instant), in order
D = TypeVar("D")  # a due time: a datetime, or epoch seconds
Y = TypeVar("Y", date, str)  # a day: a date, or its ISO text in the read models

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
class Outcome(Generic[D, Y]):
    """How a share (or a whole task) stands whatever the moment: completed on which day
    and whether late, or still to do and by when."""

    completed_on: Y | None
    late: bool
    next_due: D | None = None  # still to do: the operative due ...
    next_period: str | None = None  # ... and its occurrence, for a recurring task


def share_outcome(
    *,
    due: D | None,
    due_day: Y | None,
    occurrences: Sequence[Sequence[Any]],
    completed_on: Y | None,
    periods: Mapping[str, Y],
) -> Outcome[D, Y]:
    """A share from its facts: ``due`` its due time (``due_day`` the day of it in the
    task's zone), ``completed_on`` the day it was completed at once, ``periods`` the day
    each occurrence was completed. The whole task's completions count for every share, so
    callers merge them in. A recurring share is completed with its last occurrence."""
    if completed_on is None and occurrences and all(p in periods for p, _ in occurrences):
        completed_on = max(periods[p] for p, _ in occurrences)
    if completed_on is not None:
        return Outcome(completed_on, due_day is not None and completed_on > due_day)
    if occurrences:
        next_due, period = operative_due(due, occurrences, periods)
        return Outcome(None, False, next_due, period)
    return Outcome(None, False, due)


def task_outcome(shares: Sequence[Outcome[D, Y]]) -> Outcome[D, Y]:
    """A task from its lead units' shares: completed when every share is (on the day of
    the last, late when any was late); else due when the soonest open share is."""
    still = [s for s in shares if s.completed_on is None]
    if not still:
        days = [s.completed_on for s in shares if s.completed_on is not None]
        return Outcome(max(days), any(s.late for s in shares))
    soonest = min(still, key=lambda s: (s.next_due is None, s.next_due))
    return Outcome(None, False, soonest.next_due, soonest.next_period)


@dataclass(frozen=True)
class ShareFacts:
    """One lead unit's share, as the status rules need it."""

    unit: str
    due: datetime | None = None  # its own extension; None: the task's due
    completed_on: date | None = None
    completed_periods: Mapping[str, date] = field(default_factory=dict)
    reports: int = 0


@dataclass(frozen=True)
class Facts:
    """What the ledger knows about a task, in the shape the status rules need.

    ``completed_on`` and ``completed_periods`` are the whole task's completions (by a
    supervisor, or recorded before shares were kept); they count for every share.
    """

    due: datetime | None
    tz: str = "Asia/Shanghai"
    occurrences: Occurrences = ()
    completed_on: date | None = None
    completed_periods: Mapping[str, date] = field(default_factory=dict)
    shares: Sequence[ShareFacts] = ()
    waived: bool = False
    reports: int = 0
    target_min: float | None = None
    target_by: datetime | None = None
    quantity_done: float = 0.0
    start: datetime | None = None

    def share(self, s: ShareFacts) -> Outcome[datetime, date]:
        """How one share stands, the whole task's completions counted."""
        due = s.due if s.due is not None else self.due
        return share_outcome(
            due=due,
            due_day=None if due is None else due.astimezone(ZoneInfo(self.tz)).date(),
            # A due time given by hand (to the task or the share) replaces the occurrences.
            occurrences=self.occurrences if s.due is None else (),
            completed_on=s.completed_on or self.completed_on,
            periods={**s.completed_periods, **self.completed_periods},
        )

    def outcome(self) -> Outcome[datetime, date]:
        return task_outcome([self.share(s) for s in self.shares or [ShareFacts("")]])


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


def phase(*, waived: bool, completed: bool, late: bool) -> Phase:
    """Where a task stands whatever the moment: waived, done (on time or late), or to do."""
    if waived:
        return "waived"
    if completed:
        return "done_late" if late else "done"
    return "todo"


def phase_of(outcome: Outcome[Any, Any], *, waived: bool) -> Phase:
    return phase(waived=waived, completed=outcome.completed_on is not None, late=outcome.late)


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


def assess(
    facts: Facts, now: datetime, warn: timedelta = WARNING_WINDOW, unit: str | None = None
) -> Standing:
    """The status and light of a task at ``now``; with ``unit``, of that unit's share."""
    share = next((s for s in facts.shares if s.unit == unit), None) if unit else None
    outcome = facts.share(share) if share is not None else facts.outcome()
    reports = share.reports if share is not None else facts.reports
    completed = outcome.completed_on is not None
    next_due = outcome.next_due
    status = status_at(
        phase=phase_of(outcome, waived=facts.waived), next_due=next_due, reports=reports, now=now
    )
    if status == "overdue":
        assert next_due is not None
        days = (now - next_due).days + 1
        return Standing(status, "red", next_due, days_overdue=days, period=outcome.next_period)
    soon = due_soon(status, next_due, now, warn)
    light = "yellow" if soon or (not completed and _behind_pace(facts, now)) else "green"
    if facts.waived or completed:
        light = "green"
    shown = next_due if not completed else (share.due if share and share.due else facts.due)
    return Standing(status, light, shown, period=outcome.next_period)
