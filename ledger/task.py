"""The Task aggregate: one line of a plan's breakdown table and everything done about it.

Each command guards its rules (ledger/task_rules.py), then triggers one event. Every event
carries the actor and the instant the ledger recorded it (``timestamp``, transaction
time); reports and completions also the day the work happened (``occurred_on``).
Each lead unit answers for its own share (ledger/shares.py); the deadline commands are
in ledger/task_deadlines.py.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any
from uuid import UUID

from eventsourcing.domain import Aggregate, event

from ledger import task_rules as rules
from ledger.errors import InvalidInput, RuleViolation
from ledger.shares import reassigned
from ledger.task_deadlines import TaskDeadlines
from ledger.task_rules import UnitNotOnTask

__all__ = ["AMENDABLE", "Task", "UnitNotOnTask"]

# Fields a corrected table may change; each change is recorded as a Task.Amended event.
AMENDABLE = ("section", "content", "lead_units", "co_units", "deadline_text", "deadline", "row")


class Task(TaskDeadlines):
    """A task of a plan, identified by its plan and code."""

    @event("Defined")
    def __init__(
        self,
        plan_id: UUID,
        code: str,
        section: str,
        content: str,
        lead_units: list[str],
        co_units: list[str],
        deadline_text: str,
        deadline: dict[str, Any] | None,
        row: int,
        tz: str,
        actor: str,
    ) -> None:
        self.plan_id, self.code, self.row, self.tz = plan_id, code, row, tz
        self.section, self.content = section, content
        self.lead_units, self.co_units = list(lead_units), list(co_units)
        self.deadline_text, self.deadline = deadline_text, deadline
        self.created_by = actor
        # Who answers: a share per lead unit (a group's members in its place, once
        # assigned), and the units that help.
        self.shares = reassigned({}, lead_units)
        self.helping = list(co_units)
        self.due_override: datetime | None = None  # set or extended by a supervisor
        self.started_on: date | None = None  # when a relative deadline's trigger happened
        self.started_at: datetime | None = None  # the instant, where it was recorded
        self.started_due: datetime | None = None  # the due time counted from it
        self.reports, self.quantity_done = 0, 0.0
        self.last_report_on: date | None = None
        # Completed as a whole (by a supervisor, or before shares were kept).
        self.completed_on: date | None = None
        self.completed_periods: list[str] = []
        self.waived = False

    @classmethod
    def define(cls, *, id: UUID, now: datetime, **fields: Any) -> Task:
        """A new task with the fields of ``Task.Defined``, recorded at ``now``."""
        if not fields["content"].strip():
            raise InvalidInput(f"task {fields['code']}: the content is empty", field="content")
        if not fields["lead_units"]:
            raise InvalidInput(f"task {fields['code']}: no lead unit (牵头单位)", field="lead")
        fields["co_units"] = [u for u in fields["co_units"] if u not in fields["lead_units"]]
        defined = cls.Defined  # type: ignore[attr-defined]  # made by @event("Defined")
        return cls._create(defined, id=id, timestamp=now, **fields)

    # -- who answers for the task ----------------------------------------------------

    class Amended(Aggregate.Event):
        changes: dict[str, Any]
        actor: str

        def apply(self, task: Task) -> None:
            for name, value in self.changes.items():
                setattr(task, name, value)
            if "lead_units" in self.changes:
                task.shares = reassigned(task.shares, task.lead_units)
            if "co_units" in self.changes:
                task.helping = list(task.co_units)

    def differences(self, fields: dict[str, Any]) -> dict[str, Any]:
        """The amendable fields whose new values differ from the recorded ones."""
        return {k: v for k, v in fields.items() if k in AMENDABLE and getattr(self, k) != v}

    def amend(self, changes: dict[str, Any], *, actor: str, now: datetime) -> None:
        unknown = set(changes) - set(AMENDABLE)
        if unknown:
            raise InvalidInput(f"task {self.code}: cannot amend {', '.join(sorted(unknown))}")
        if changes:
            self.trigger_event(self.Amended, timestamp=now, changes=changes, actor=actor)

    class SharesAssigned(Aggregate.Event):
        """Who answers and helps, a group's members in its place (the directory then)."""

        answering: list[str]
        helping: list[str]
        carried: dict[str, str]  # unit -> the name its share was kept under before
        reason: str
        actor: str

        def apply(self, task: Task) -> None:
            task.shares = reassigned(task.shares, self.answering, self.carried)
            task.helping = list(self.helping)

    def assign_shares(
        self,
        *,
        answering: list[str],
        helping: list[str],
        reason: str,
        actor: str,
        now: datetime,
        carried: dict[str, str] | None = None,
    ) -> bool:
        """Record who answers and helps, if that changed; returns whether it did."""
        answering = list(dict.fromkeys(answering))
        helping = [u for u in dict.fromkeys(helping) if u not in answering]
        if list(self.shares) == answering and self.helping == helping:
            return False
        carried = {u: old for u, old in (carried or {}).items() if u in answering}
        self.trigger_event(
            self.SharesAssigned,
            timestamp=now,
            answering=answering,
            helping=helping,
            carried=carried,
            reason=reason,
            actor=actor,
        )
        return True

    class Reassigned(Aggregate.Event):
        lead_units: list[str]
        co_units: list[str]
        reason: str
        actor: str

        def apply(self, task: Task) -> None:
            task.lead_units, task.co_units = list(self.lead_units), list(self.co_units)
            task.shares = reassigned(task.shares, task.lead_units)
            task.helping = list(task.co_units)

    def reassign(
        self, *, lead_units: list[str], co_units: list[str], reason: str, actor: str, now: datetime
    ) -> None:
        rules.guard_open(self, "reassign")
        rules.guard_reason(self, reason)
        if not lead_units:
            raise InvalidInput(f"task {self.code}: a reassignment names no lead unit", field="lead")
        co = [u for u in co_units if u not in lead_units]
        if lead_units == self.lead_units and co == self.co_units:
            raise RuleViolation(f"task {self.code} already has these units; nothing to change")
        self.trigger_event(
            self.Reassigned,
            timestamp=now,
            lead_units=list(lead_units),
            co_units=co,
            reason=reason,
            actor=actor,
        )

    # -- progress and completion -----------------------------------------------------

    class ProgressReported(Aggregate.Event):
        unit: str
        occurred_on: date
        note: str
        evidence: list[str]
        quantity: float | None
        period: str | None
        actor: str

        def apply(self, task: Task) -> None:
            task.reports += 1
            task.quantity_done += self.quantity or 0
            if task.last_report_on is None or self.occurred_on > task.last_report_on:
                task.last_report_on = self.occurred_on
            share = task.shares.get(self.unit)
            if share is not None:
                share.reports += 1
                share.quantity += self.quantity or 0

    def report_progress(
        self,
        *,
        unit: str,
        occurred_on: date,
        note: str = "",
        evidence: list[str] | None = None,
        quantity: float | None = None,
        period: str | None = None,
        actor: str,
        now: datetime,
    ) -> None:
        rules.guard_open(self, "report progress on")
        rules.guard_unit(self, unit)
        rules.guard_day(self, occurred_on, now)
        rules.guard_period(self, period)
        rules.guard_report(self, note, evidence, quantity)
        report = {"note": note, "evidence": list(evidence or []), "quantity": quantity}
        self.trigger_event(
            self.ProgressReported,
            timestamp=now,
            unit=unit,
            occurred_on=occurred_on,
            period=period,
            actor=actor,
            **report,
        )

    class ShareCompleted(Aggregate.Event):
        """A lead unit's share is done (or one period of it)."""

        unit: str
        occurred_on: date
        evidence: list[str]
        period: str | None
        actor: str

        def apply(self, task: Task) -> None:
            share = task.shares[self.unit]
            if self.period is None:
                share.completed_on = self.occurred_on
            else:
                share.completed_periods.append(self.period)

    class Completed(Aggregate.Event):
        """The whole task is done (or one period of it): by a supervisor's word, or, as
        recorded before shares were kept, by one unit for all."""

        unit: str
        occurred_on: date
        evidence: list[str]
        period: str | None
        actor: str

        def apply(self, task: Task) -> None:
            if self.period is None:
                task.completed_on = self.occurred_on
            else:
                task.completed_periods.append(self.period)

    def complete(
        self,
        *,
        unit: str,
        occurred_on: date,
        evidence: list[str] | None = None,
        period: str | None = None,
        whole: bool = False,
        actor: str,
        now: datetime,
    ) -> None:
        """``unit`` completes its share; with ``whole`` the task is completed for all."""
        rules.guard_completion(self, unit, period, whole)
        rules.guard_open(self, "complete")
        rules.guard_day(self, occurred_on, now)
        rules.guard_period(self, period)
        self.trigger_event(
            self.Completed if whole else self.ShareCompleted,
            timestamp=now,
            unit=unit,
            occurred_on=occurred_on,
            evidence=list(evidence or []),
            period=period,
            actor=actor,
        )

    class Reopened(Aggregate.Event):
        """A supervisor rejected a completion: the task, or one unit's share, (or one
        period of it) is open again."""

        class_version = 2
        reason: str
        period: str | None
        unit: str | None  # None: the whole task, every share
        actor: str

        @staticmethod
        def upcast_v1_v2(state: dict[str, Any]) -> None:
            state["unit"] = None

        def apply(self, task: Task) -> None:
            chosen = task.shares.values() if self.unit is None else [task.shares[self.unit]]
            for share in chosen:
                share.completed_on = None
                share.completed_periods = rules.without(share.completed_periods, self.period)
            if self.unit is None:
                task.completed_on = None
                task.completed_periods = rules.without(task.completed_periods, self.period)

    def reopen(
        self,
        *,
        reason: str,
        period: str | None = None,
        unit: str | None = None,
        actor: str,
        now: datetime,
    ) -> None:
        rules.guard_reopen(self, period, unit)
        rules.guard_reason(self, reason)
        self.trigger_event(
            self.Reopened, timestamp=now, reason=reason, period=period, unit=unit, actor=actor
        )

    # -- waivers ---------------------------------------------------------------------

    class Waived(Aggregate.Event):
        reason: str
        approved_by: str
        actor: str

        def apply(self, task: Task) -> None:
            task.waived = True

    def waive(self, *, reason: str, approved_by: str, actor: str, now: datetime) -> None:
        rules.guard_open(self, "waive")
        if self.is_done:
            raise RuleViolation(f"task {self.code} is already completed; it cannot be waived")
        rules.guard_reason(self, reason)
        rules.guard_approver(self, approved_by, "a waiver")
        self.trigger_event(
            self.Waived, timestamp=now, reason=reason, approved_by=approved_by, actor=actor
        )
