"""Use cases of tasks: what offices report and what supervisors decide about a task.

Each is load, command, save (:meth:`LedgerBase._change`): the command's guards run on
the task as it is now, and run again on fresh state if another writer got there first.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from typing import Any
from uuid import UUID
from zoneinfo import ZoneInfo

from ledger.app.base import LedgerBase
from ledger.deadlines import DeadlineSpec, parse_deadline
from ledger.errors import InvalidInput
from ledger.plan import Plan
from ledger.task import Task


class TaskUseCases(LedgerBase):
    def report_progress(
        self,
        task_id: UUID,
        *,
        unit: str,
        occurred_on: date | None = None,
        note: str = "",
        evidence: Sequence[str] = (),
        quantity: float | None = None,
        period: str | None = None,
        actor: str,
    ) -> Task:
        """A unit reports progress, with evidence or a count toward the target."""

        def command(task: Task, now: datetime) -> None:
            day = occurred_on or _today(task, now)
            task.report_progress(
                unit=unit,
                occurred_on=day,
                note=note,
                evidence=list(evidence),
                quantity=quantity,
                period=period,
                actor=actor,
                now=now,
            )
            self._start_if_waiting(task, day, actor, now)

        return self._change(Task, task_id, command)

    def complete(
        self,
        task_id: UUID,
        *,
        unit: str,
        occurred_on: date | None = None,
        evidence: Sequence[str] = (),
        period: str | None = None,
        actor: str,
    ) -> Task:
        """A unit says the task (or one period of it) is done."""

        def command(task: Task, now: datetime) -> None:
            day = occurred_on or _today(task, now)
            self._start_if_waiting(task, day, actor, now)
            task.complete(
                unit=unit,
                occurred_on=day,
                evidence=list(evidence),
                period=period,
                actor=actor,
                now=now,
            )

        return self._change(Task, task_id, command)

    def reopen(self, task_id: UUID, *, reason: str, period: str | None = None, actor: str) -> Task:
        """A supervisor rejects a completion."""
        return self._change(
            Task,
            task_id,
            lambda task, now: task.reopen(reason=reason, period=period, actor=actor, now=now),
        )

    def extend_deadline(
        self, task_id: UUID, *, to: datetime, reason: str, approved_by: str, actor: str
    ) -> Task:
        """A supervisor gives the task more time."""
        return self._change(
            Task,
            task_id,
            lambda task, now: task.extend_deadline(
                to=to, reason=reason, approved_by=approved_by, actor=actor, now=now
            ),
        )

    def set_deadline(self, task_id: UUID, *, to: datetime, reason: str, actor: str) -> Task:
        """A supervisor sets the due time by hand (words the parser could not read)."""
        return self._change(
            Task,
            task_id,
            lambda task, now: task.set_deadline(to=to, reason=reason, actor=actor, now=now),
        )

    def reassign(
        self,
        task_id: UUID,
        *,
        lead_units: Sequence[str],
        co_units: Sequence[str] = (),
        reason: str,
        actor: str,
    ) -> Task:
        """A supervisor gives the task to other units."""
        return self._change(
            Task,
            task_id,
            lambda task, now: task.reassign(
                lead_units=list(lead_units),
                co_units=list(co_units),
                reason=reason,
                actor=actor,
                now=now,
            ),
        )

    def waive(self, task_id: UUID, *, reason: str, approved_by: str, actor: str) -> Task:
        """A supervisor decides the task no longer needs doing."""
        return self._change(
            Task,
            task_id,
            lambda task, now: task.waive(
                reason=reason, approved_by=approved_by, actor=actor, now=now
            ),
        )

    def start_deadline(self, task_id: UUID, *, at: datetime, actor: str) -> Task:
        """The trigger of a relative deadline happened at ``at``: count its due time
        (hours from the instant, days from its day)."""
        return self._change(Task, task_id, lambda task, now: self._start(task, at, actor, now))

    def reevaluate_deadline(self, task_id: UUID, *, reason: str, actor: str) -> bool:
        """Read a task's deadline words again with today's calendar; record any change."""
        before = self.load(Task, task_id).version
        return (
            self._change(
                Task,
                task_id,
                lambda task, now: task.reevaluate(
                    now=now, reason=reason, actor=actor, **self._reading(task)
                ),
            ).version
            != before
        )

    # -- deadlines counted from a trigger ---------------------------------------------

    def _start(self, task: Task, at: datetime, actor: str, now: datetime) -> None:
        due, provisional = self._count_from(task, at)
        task.start_clock(at=at, due=due, provisional=provisional, actor=actor, now=now)

    def _start_if_waiting(self, task: Task, day: date, actor: str, now: datetime) -> None:
        """A relative deadline waiting for its trigger starts on the first reported day."""
        if task.needs_trigger:
            self._start(task, _day_start(task, day), actor, now)

    def _count_from(self, task: Task, start: datetime) -> tuple[datetime, bool]:
        spec = DeadlineSpec.from_dict(task.deadline or {"text": "", "kind": "none"})
        counted = spec.resolve(start, calendar=self.calendar())
        if counted.due is None:
            raise InvalidInput(f"task {task.code}: its deadline words count from no trigger")
        return counted.due, counted.provisional

    def _reading(self, task: Task) -> dict[str, Any]:
        """The task's deadline words read again, and a started clock counted again."""
        plan = self.load(Plan, task.plan_id)
        spec = parse_deadline(
            task.deadline_text,
            year=plan.year,
            issued_on=plan.issued_on,
            tz=plan.tz,
            calendar=self.calendar(),
        )
        started_due = None
        if task.started_on is not None:
            start = task.started_at or _day_start(task, task.started_on)
            started_due = self._count_from(task, start)[0]
        return {"deadline": spec.to_dict(), "started_due": started_due}


def _today(task: Task, now: datetime) -> date:
    return now.astimezone(ZoneInfo(task.tz)).date()


def _day_start(task: Task, day: date) -> datetime:
    return datetime.combine(day, datetime.min.time(), ZoneInfo(task.tz))
