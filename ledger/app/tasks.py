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

from ledger.app.answering import Answering
from ledger.deadlines import DeadlineSpec, parse_deadline
from ledger.errors import InvalidInput, RuleViolation
from ledger.plan import Plan
from ledger.task import Task


class TaskUseCases(Answering):
    """Every use case authorizes the acting person first (ledger/roles.py): a clerk for
    their own unit's share, a supervisor for decisions about the whole task."""

    def report_progress(
        self,
        task_id: UUID,
        *,
        unit: str | None = None,
        occurred_on: date | None = None,
        note: str = "",
        evidence: Sequence[str] = (),
        quantity: float | None = None,
        period: str | None = None,
        actor: str,
    ) -> Task:
        """A unit reports progress (by default the acting person's), with evidence or a
        count toward the target; cooperating units may report too."""
        reporting = self.unit_of(actor, unit)

        def command(task: Task, now: datetime) -> None:
            self.authorize(actor, "report", [reporting])
            day = occurred_on or _today(task, now)
            task.report_progress(
                unit=reporting,
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
        unit: str | None = None,
        occurred_on: date | None = None,
        evidence: Sequence[str] = (),
        period: str | None = None,
        whole: bool = False,
        actor: str,
    ) -> Task:
        """A unit says its share (or one period of it) is done; with ``whole``, a
        supervisor says the whole task is."""
        completing = "" if whole else self.unit_of(actor, unit)

        def command(task: Task, now: datetime) -> None:
            if whole:
                self.authorize(actor, "complete task")
            else:
                self.authorize(actor, "complete share", [completing])
            day = occurred_on or _today(task, now)
            self._start_if_waiting(task, day, actor, now)
            task.complete(
                unit=completing,
                occurred_on=day,
                evidence=list(evidence),
                period=period,
                whole=whole,
                actor=actor,
                now=now,
            )

        return self._change(Task, task_id, command)

    def reopen(
        self,
        task_id: UUID,
        *,
        reason: str,
        period: str | None = None,
        unit: str | None = None,
        actor: str,
    ) -> Task:
        """A supervisor rejects a completion: of one unit's share, or of the whole task."""

        def command(task: Task, now: datetime) -> None:
            self.authorize(actor, "reopen")
            task.reopen(reason=reason, period=period, unit=unit, actor=actor, now=now)

        return self._change(Task, task_id, command)

    def extend_deadline(
        self,
        task_id: UUID,
        *,
        to: datetime,
        reason: str,
        approved_by: str = "",
        retroactive: bool = False,
        actor: str,
    ) -> Task:
        """A supervisor gives the whole task more time."""

        def command(task: Task, now: datetime) -> None:
            self.authorize(actor, "extend")
            task.extend_deadline(
                to=to,
                reason=reason,
                approved_by=self._approver(approved_by, actor),
                retroactive=retroactive,
                actor=actor,
                now=now,
            )

        return self._change(Task, task_id, command)

    def request_extension(
        self, task_id: UUID, *, to: datetime, reason: str, unit: str | None = None, actor: str
    ) -> Task:
        """A unit asks for more time for its share (one request waits at a time)."""
        asking = self.unit_of(actor, unit)

        def command(task: Task, now: datetime) -> None:
            self.authorize(actor, "request extension", [asking])
            task.request_extension(unit=asking, to=to, reason=reason, actor=actor, now=now)

        return self._change(Task, task_id, command)

    def decide_extension(
        self,
        task_id: UUID,
        *,
        approve: bool,
        unit: str | None = None,
        to: datetime | None = None,
        whole_task: bool = False,
        reason: str = "",
        retroactive: bool = False,
        actor: str,
    ) -> Task:
        """A supervisor approves (possibly to another date, possibly for the whole task)
        or rejects the request waiting on a share (the only one, unless ``unit`` says)."""

        def command(task: Task, now: datetime) -> None:
            self.authorize(actor, "decide extension")
            task.decide_extension(
                unit=unit or _waiting(task),
                approve=approve,
                to=to,
                whole_task=whole_task,
                reason=reason,
                retroactive=retroactive,
                actor=actor,
                now=now,
            )

        return self._change(Task, task_id, command)

    def set_deadline(
        self, task_id: UUID, *, to: datetime, reason: str, retroactive: bool = False, actor: str
    ) -> Task:
        """A supervisor sets the due time by hand (words the parser could not read)."""

        def command(task: Task, now: datetime) -> None:
            self.authorize(actor, "set deadline")
            task.set_deadline(to=to, reason=reason, retroactive=retroactive, actor=actor, now=now)

        return self._change(Task, task_id, command)

    def reassign(
        self,
        task_id: UUID,
        *,
        lead_units: Sequence[str],
        co_units: Sequence[str] = (),
        reason: str,
        actor: str,
    ) -> Task:
        """A supervisor gives the task to other units (a group's members answer for it)."""

        def command(task: Task, now: datetime) -> None:
            self.authorize(actor, "reassign")
            task.reassign(
                lead_units=list(lead_units),
                co_units=list(co_units),
                reason=reason,
                actor=actor,
                now=now,
            )
            self.assign(task, reason=reason, actor=actor, now=now)

        return self._change(Task, task_id, command)

    def waive(self, task_id: UUID, *, reason: str, approved_by: str = "", actor: str) -> Task:
        """A supervisor decides the task no longer needs doing."""

        def command(task: Task, now: datetime) -> None:
            self.authorize(actor, "waive")
            task.waive(
                reason=reason, approved_by=self._approver(approved_by, actor), actor=actor, now=now
            )

        return self._change(Task, task_id, command)

    def _approver(self, approved_by: str, actor: str) -> str:
        """Who approved: a registered supervisor (the acting one by default) once people
        are registered; before that, whoever is named."""
        people = self.people().people
        if not people:
            return approved_by or actor
        name = approved_by or actor
        held = people.get(name, {}).get("roles", [])
        if "supervisor" not in held:
            raise InvalidInput(
                f"{name!r} is not a registered supervisor; an approval names one",
                field="approver",
            )
        return name

    def start_deadline(self, task_id: UUID, *, at: datetime, actor: str) -> Task:
        """The trigger of a relative deadline happened at ``at``: count its due time
        (hours from the instant, days from its day)."""

        def command(task: Task, now: datetime) -> None:
            self.authorize(actor, "start deadline", task.units)
            self._start(task, at, actor, now)

        return self._change(Task, task_id, command)

    def reevaluate_deadline(self, task_id: UUID, *, reason: str, actor: str) -> bool:
        """Read a task's deadline words again with today's calendar; record any change."""
        self.authorize(actor, "set deadline")
        before = self.load(Task, task_id).version

        def command(task: Task, now: datetime) -> None:
            task.reevaluate(now=now, reason=reason, actor=actor, **self._reading(task))

        return self._change(Task, task_id, command).version != before

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


def _waiting(task: Task) -> str:
    """The one unit whose extension request waits (a supervisor names it if several)."""
    waiting = [unit for unit, share in task.shares.items() if share.request is not None]
    if len(waiting) == 1:
        return waiting[0]
    if not waiting:
        raise RuleViolation(f"task {task.code} has no extension request waiting")
    raise InvalidInput(
        f"task {task.code}: {'、'.join(waiting)} each asked for an extension; name the unit",
        field="unit",
    )


def _today(task: Task, now: datetime) -> date:
    return now.astimezone(ZoneInfo(task.tz)).date()


def _day_start(task: Task, day: date) -> datetime:
    return datetime.combine(day, datetime.min.time(), ZoneInfo(task.tz))
