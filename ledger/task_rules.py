"""The guards a task's commands run before they record anything.

Each raises an error from ledger/errors.py whose message a supervisor can act on and
whose ``field`` names the value it is about.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from ledger.errors import InvalidInput, RuleViolation

if TYPE_CHECKING:
    from ledger.task import Task


class UnitNotOnTask(InvalidInput):
    """The unit named in a command is neither lead nor cooperating unit of the task."""


def guard_open(task: Task, verb: str) -> None:
    if task.waived:
        raise RuleViolation(f"task {task.code} is waived; cannot {verb} it")


def guard_unit(task: Task, unit: str) -> None:
    if unit not in task.units:
        raise UnitNotOnTask(
            f"unit {unit!r} is not on task {task.code} "
            f"(lead: {'、'.join(task.lead_units)}; "
            f"co: {'、'.join(task.co_units) or 'none'})",
            field="unit",
        )


def guard_day(task: Task, day: date, now: datetime) -> None:
    today = now.astimezone(ZoneInfo(task.tz)).date()
    if day > today:
        raise InvalidInput(
            f"task {task.code}: the day it happened, {day.isoformat()}, is in the future "
            f"(today is {today.isoformat()})",
            field="on",
        )


def guard_period(task: Task, period: str | None) -> None:
    if period is None:
        return
    periods = task.periods
    if not periods:
        raise InvalidInput(
            f"task {task.code} is not recurring; a period does not apply", field="period"
        )
    if period not in periods:
        raise InvalidInput(
            f"task {task.code} has no period {period!r} (periods: {', '.join(periods)})",
            field="period",
        )


def guard_reason(task: Task, reason: str) -> None:
    if not reason.strip():
        raise InvalidInput(f"task {task.code}: a reason is needed", field="reason")


def guard_approver(task: Task, approved_by: str, what: str) -> None:
    if not approved_by.strip():
        raise InvalidInput(f"task {task.code}: {what} needs an approver", field="approver")


def guard_later(task: Task, to: datetime) -> None:
    """An extension moves the deadline later, never earlier."""
    current = task.due
    if current is not None and to <= current:
        raise RuleViolation(
            f"task {task.code}: the new deadline {to.isoformat()} is not after the "
            f"current one {current.isoformat()}"
        )


def guard_trigger(task: Task, at: datetime, now: datetime) -> None:
    """A relative deadline waits for its trigger, which has happened by now."""
    if not task.needs_trigger:
        raise RuleViolation(f"task {task.code} has no relative deadline waiting for its trigger")
    if at > now:
        raise InvalidInput(
            f"task {task.code}: the trigger cannot have happened at {at.isoformat()}, "
            f"after now ({now.isoformat()})",
            field="at",
        )
