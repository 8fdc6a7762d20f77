"""A task's standing at a moment: its status and its traffic light.

Pure: everything it needs is passed in, "now" included, so the same facts always give
the same answer and a dashboard can be asked about any moment.

Statuses (the CLI contract): ``open``, ``in_progress``, ``done``, ``done_late``,
``overdue``, ``waived``, ``no_deadline``. Lights: ``green`` on track, ``yellow`` due
within the warning window or behind the pace its target needs, ``red`` overdue.
Recurring tasks are judged by their earliest occurrence not yet completed.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

WARNING_WINDOW = timedelta(days=3)


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
    occurrences: Sequence[dict[str, Any]] = ()
    completed_on: date | None = None
    completed_periods: Sequence[str] = ()
    waived: bool = False
    reports: int = 0
    target_min: float | None = None
    target_by: datetime | None = None
    quantity_done: float = 0.0
    start: datetime | None = None


def _operative_due(facts: Facts) -> tuple[datetime | None, str | None]:
    """The due time that matters now: the first unfinished occurrence, else the task's."""
    done = set(facts.completed_periods)
    for occ in facts.occurrences:
        if occ["period"] not in done:
            return datetime.fromisoformat(occ["due"]), occ["period"]
    return facts.due, None


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
    if facts.waived:
        return Standing("waived", "green", facts.due)
    if facts.completed_on is not None:
        due = facts.due
        if due is not None and facts.completed_on > due.astimezone(ZoneInfo(facts.tz)).date():
            return Standing("done_late", "green", due)
        return Standing("done", "green", due)
    due, period = _operative_due(facts)
    if due is None:
        status = "in_progress" if facts.reports else "no_deadline"
        light = "yellow" if _behind_pace(facts, now) else "green"
        return Standing(status, light, None)
    if now > due:
        days = (now - due).days + 1
        return Standing("overdue", "red", due, days_overdue=days, period=period)
    status = "in_progress" if facts.reports else "open"
    soon = due - now <= warn
    light = "yellow" if soon or _behind_pace(facts, now) else "green"
    return Standing(status, light, due, period=period)
