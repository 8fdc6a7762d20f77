"""The guards a task's commands run before they record anything.

Each raises an error from ledger/errors.py whose message a supervisor can act on and
whose ``field`` names the value it is about.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Protocol
from zoneinfo import ZoneInfo

from ledger.errors import InvalidInput, RuleViolation
from ledger.shares import Share


class UnitNotOnTask(InvalidInput):
    """The unit named in a command is neither lead nor cooperating unit of the task."""


class Guarded(Protocol):
    """What the guards read of a task."""

    code: str
    tz: str
    waived: bool
    lead_units: list[str]
    co_units: list[str]
    shares: dict[str, Share]
    completed_on: date | None
    completed_periods: list[str]

    @property
    def units(self) -> list[str]: ...
    @property
    def periods(self) -> list[str]: ...
    @property
    def due(self) -> datetime | None: ...
    @property
    def needs_trigger(self) -> bool: ...
    @property
    def is_done(self) -> bool: ...


def guard_open(task: Guarded, verb: str) -> None:
    if task.waived:
        raise RuleViolation(f"task {task.code} is waived; cannot {verb} it")


def guard_unit(task: Guarded, unit: str) -> None:
    if unit not in task.units:
        raise UnitNotOnTask(
            f"unit {unit!r} is not on task {task.code} "
            f"(lead: {'、'.join(task.lead_units)}; "
            f"co: {'、'.join(task.co_units) or 'none'})",
            field="unit",
        )


def guard_share(task: Guarded, unit: str) -> Share:
    """The share of ``unit``, which must answer for the task."""
    share = task.shares.get(unit)
    if share is None:
        guard_unit(task, unit)
        raise UnitNotOnTask(
            f"{unit} helps with task {task.code} but answers for no share of it "
            f"(shares: {'、'.join(task.shares)})",
            field="unit",
        )
    return share


def guard_day(task: Guarded, day: date, now: datetime) -> None:
    today = now.astimezone(ZoneInfo(task.tz)).date()
    if day > today:
        raise InvalidInput(
            f"task {task.code}: the day it happened, {day.isoformat()}, is in the future "
            f"(today is {today.isoformat()})",
            field="on",
        )


def guard_period(task: Guarded, period: str | None) -> None:
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


def guard_report(
    task: Guarded, note: str, evidence: list[str] | None, quantity: float | None
) -> None:
    if quantity is not None and quantity < 0:
        raise InvalidInput(f"task {task.code}: a count must not be negative", field="count")
    if not (note.strip() or evidence or quantity):
        raise InvalidInput(
            f"task {task.code}: a report needs a note, evidence or a count", field="note"
        )


def guard_completion(task: Guarded, unit: str, period: str | None, whole: bool) -> None:
    """The task (``whole``), or ``unit``'s share of it, is not done already."""
    if task.is_done:
        raise RuleViolation(f"task {task.code} is already completed; reopen it first")
    done_periods = set(task.completed_periods)
    if whole:
        if period is not None and period in done_periods:
            raise RuleViolation(f"task {task.code}: period {period} is already completed")
        return
    share = guard_share(task, unit)
    if share.done(task.periods, task.completed_periods) or (
        period is not None and period in {*share.completed_periods, *done_periods}
    ):
        which = f"period {period} of " if period else ""
        raise RuleViolation(
            f"task {task.code}: {which}{unit}'s share is already completed; reopen it first"
        )


def guard_reopen(task: Guarded, period: str | None, unit: str | None) -> None:
    if unit is not None:
        share = guard_share(task, unit)
        if task.completed_on is not None or (period or "") in task.completed_periods:
            raise RuleViolation(
                f"task {task.code} was completed as a whole; reopen the whole task (no unit)"
            )
        done = share.completed_on is not None or bool(share.completed_periods)
        periods = share.completed_periods
    else:
        done = (
            task.is_done
            or bool(task.completed_periods)
            or any(s.completed_on or s.completed_periods for s in task.shares.values())
        )
        periods = [
            *task.completed_periods,
            *(p for s in task.shares.values() for p in s.completed_periods),
        ]
    if period is not None and period not in periods:
        raise RuleViolation(f"task {task.code}: period {period} is not completed")
    if not done:
        which = f"{unit}'s share of " if unit else ""
        raise RuleViolation(f"{which}task {task.code} is not completed; there is nothing to reopen")


def without(periods: list[str], period: str | None) -> list[str]:
    """``periods`` less ``period`` (all of them when None)."""
    return [] if period is None else [p for p in periods if p != period]


def guard_reason(task: Guarded, reason: str) -> None:
    if not reason.strip():
        raise InvalidInput(f"task {task.code}: a reason is needed", field="reason")


def guard_approver(task: Guarded, approved_by: str, what: str) -> None:
    if not approved_by.strip():
        raise InvalidInput(f"task {task.code}: {what} needs an approver", field="approver")


def guard_later(task: Guarded, to: datetime) -> None:
    """An extension moves the deadline later, never earlier."""
    current = task.due
    if current is not None and to <= current:
        raise RuleViolation(
            f"task {task.code}: the new deadline {to.isoformat()} is not after the "
            f"current one {current.isoformat()}"
        )


def guard_not_past(task: Guarded, to: datetime, now: datetime, retroactive: bool) -> None:
    """A due time before the moment it is recorded only when marked retroactive."""
    if to < now and not retroactive:
        raise RuleViolation(
            f"task {task.code}: {to.isoformat()} is before now ({now.isoformat()}); "
            "mark it retroactive, with the reason, if that is meant",
            field="retroactive",
        )


def guard_trigger(task: Guarded, at: datetime, now: datetime) -> None:
    """A relative deadline waits for its trigger, which has happened by now."""
    if not task.needs_trigger:
        raise RuleViolation(f"task {task.code} has no relative deadline waiting for its trigger")
    if at > now:
        raise InvalidInput(
            f"task {task.code}: the trigger cannot have happened at {at.isoformat()}, "
            f"after now ({now.isoformat()})",
            field="at",
        )
