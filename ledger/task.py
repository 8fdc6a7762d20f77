"""The Task aggregate: one line of a plan's breakdown table and everything done about it.

Each command guards its rules (ledger/task_rules.py), then triggers one event. Every event
carries the actor and the instant the ledger recorded it (``timestamp``, transaction
time); reports and completions also the day the work happened (``occurred_on``).
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any
from uuid import UUID
from zoneinfo import ZoneInfo

from eventsourcing.domain import Aggregate, event

from ledger import task_rules as rules
from ledger.errors import InvalidInput, RuleViolation
from ledger.task_rules import UnitNotOnTask

__all__ = ["AMENDABLE", "Task", "UnitNotOnTask"]

# Fields a corrected table may change; each change is recorded as a Task.Amended event.
AMENDABLE = ("section", "content", "lead_units", "co_units", "deadline_text", "deadline", "row")


class Task(Aggregate):
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
        self.due_override: datetime | None = None  # set or extended by a supervisor
        self.started_on: date | None = None  # when a relative deadline's trigger happened
        self.started_at: datetime | None = None  # the instant, where it was recorded
        self.started_due: datetime | None = None  # the due time counted from it
        self.reports, self.quantity_done = 0, 0.0
        self.last_report_on: date | None = None
        self.completed_on: date | None = None
        self.completed_by: str | None = None
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

    # -- derived state -------------------------------------------------------------

    @property
    def units(self) -> list[str]:
        return [*self.lead_units, *self.co_units]

    @property
    def is_done(self) -> bool:
        return self.completed_on is not None

    @property
    def periods(self) -> list[str]:
        """The period keys of a recurring task's occurrences, in order."""
        if not self.deadline:
            return []
        return [o["period"] for o in self.deadline.get("occurrences", [])]

    @property
    def due(self) -> datetime | None:
        """The due instant in force: a supervisor's, else the counted one, else the parsed."""
        if self.due_override is not None:
            return self.due_override
        if self.started_due is not None:
            return self.started_due
        if self.deadline and self.deadline.get("due"):
            return datetime.fromisoformat(self.deadline["due"])
        return None

    @property
    def needs_trigger(self) -> bool:
        """A relative deadline ("信息形成之日起5个工作日内") whose clock has not started."""
        spec = self.deadline or {}
        return bool(spec.get("trigger")) and not spec.get("due") and self.started_on is None

    # -- amendments from a corrected table -----------------------------------------

    class Amended(Aggregate.Event):
        changes: dict[str, Any]
        actor: str

        def apply(self, task: Task) -> None:
            for name, value in self.changes.items():
                setattr(task, name, value)

    def differences(self, fields: dict[str, Any]) -> dict[str, Any]:
        """The amendable fields whose new values differ from the recorded ones."""
        return {k: v for k, v in fields.items() if k in AMENDABLE and getattr(self, k) != v}

    def amend(self, changes: dict[str, Any], *, actor: str, now: datetime) -> None:
        unknown = set(changes) - set(AMENDABLE)
        if unknown:
            raise InvalidInput(f"task {self.code}: cannot amend {', '.join(sorted(unknown))}")
        if changes:
            self.trigger_event(self.Amended, timestamp=now, changes=changes, actor=actor)

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
        if quantity is not None and quantity < 0:
            raise InvalidInput(f"task {self.code}: a count must not be negative", field="count")
        if not (note.strip() or evidence or quantity):
            raise InvalidInput(
                f"task {self.code}: a report needs a note, evidence or a count", field="note"
            )
        evidence = list(evidence or [])
        report = {"unit": unit, "note": note, "evidence": evidence, "quantity": quantity}
        self.trigger_event(
            self.ProgressReported,
            timestamp=now,
            occurred_on=occurred_on,
            period=period,
            actor=actor,
            **report,
        )

    class Completed(Aggregate.Event):
        unit: str
        occurred_on: date
        evidence: list[str]
        period: str | None
        actor: str

        def apply(self, task: Task) -> None:
            if self.period is not None:
                task.completed_periods.append(self.period)
                if not set(task.periods) <= set(task.completed_periods):
                    return
            task.completed_on = self.occurred_on
            task.completed_by = self.unit

    def complete(
        self,
        *,
        unit: str,
        occurred_on: date,
        evidence: list[str] | None = None,
        period: str | None = None,
        actor: str,
        now: datetime,
    ) -> None:
        if self.is_done:
            raise RuleViolation(f"task {self.code} is already completed; reopen it first")
        rules.guard_open(self, "complete")
        rules.guard_unit(self, unit)
        rules.guard_day(self, occurred_on, now)
        rules.guard_period(self, period)
        if period is not None and period in self.completed_periods:
            raise RuleViolation(f"task {self.code}: period {period} is already completed")
        self.trigger_event(
            self.Completed,
            timestamp=now,
            unit=unit,
            occurred_on=occurred_on,
            evidence=list(evidence or []),
            period=period,
            actor=actor,
        )

    class Reopened(Aggregate.Event):
        """A supervisor rejected a completion: the task (or one period of it) is open again."""

        reason: str
        period: str | None
        actor: str

        def apply(self, task: Task) -> None:
            task.completed_on = None
            task.completed_by = None
            if self.period is None:
                task.completed_periods = []
            else:
                task.completed_periods.remove(self.period)

    def reopen(self, *, reason: str, period: str | None = None, actor: str, now: datetime) -> None:
        if period is not None and period not in self.completed_periods:
            raise RuleViolation(f"task {self.code}: period {period} is not completed")
        if not self.is_done and not self.completed_periods:
            raise RuleViolation(f"task {self.code} is not completed; there is nothing to reopen")
        rules.guard_reason(self, reason)
        self.trigger_event(self.Reopened, timestamp=now, reason=reason, period=period, actor=actor)

    # -- deadlines -------------------------------------------------------------------

    class DeadlineExtended(Aggregate.Event):
        new_due: datetime
        reason: str
        approved_by: str
        actor: str

        def apply(self, task: Task) -> None:
            task.due_override = self.new_due

    def extend_deadline(
        self, *, to: datetime, reason: str, approved_by: str, actor: str, now: datetime
    ) -> None:
        rules.guard_open(self, "extend")
        if self.is_done:
            raise RuleViolation(f"task {self.code} is already completed; reopen it first")
        rules.guard_reason(self, reason)
        rules.guard_approver(self, approved_by, "an extension")
        rules.guard_later(self, to)
        self.trigger_event(
            self.DeadlineExtended,
            timestamp=now,
            new_due=to,
            reason=reason,
            approved_by=approved_by,
            actor=actor,
        )

    class DeadlineStarted(Aggregate.Event):
        """The trigger of a relative deadline happened: its due time is now known.

        ``started_at`` is the instant it happened ("48小时内" counts from it); events
        recorded before it was kept (class version 1) knew only the day.
        """

        class_version = 2
        started_on: date
        started_at: datetime | None
        due: datetime
        provisional: bool
        actor: str

        @staticmethod
        def upcast_v1_v2(state: dict[str, Any]) -> None:
            state["started_at"] = None

        def apply(self, task: Task) -> None:
            task.started_on = self.started_on
            task.started_at = self.started_at
            task.started_due = self.due

    def start_clock(
        self, *, at: datetime, due: datetime, provisional: bool, actor: str, now: datetime
    ) -> None:
        rules.guard_trigger(self, at, now)
        self.trigger_event(
            self.DeadlineStarted,
            timestamp=now,
            started_on=at.astimezone(ZoneInfo(self.tz)).date(),
            started_at=at,
            due=due,
            provisional=provisional,
            actor=actor,
        )

    class DeadlineSet(Aggregate.Event):
        """A supervisor set the due time by hand (the words could not be read, or meant
        something else)."""

        due: datetime
        reason: str
        actor: str

        def apply(self, task: Task) -> None:
            task.due_override = self.due

    def set_deadline(self, *, to: datetime, reason: str, actor: str, now: datetime) -> None:
        rules.guard_open(self, "set the deadline of")
        rules.guard_reason(self, reason)
        if self.due == to:
            raise RuleViolation(f"task {self.code} is already due at {to.isoformat()}")
        self.trigger_event(self.DeadlineSet, timestamp=now, due=to, reason=reason, actor=actor)

    class DeadlineReevaluated(Aggregate.Event):
        """The deadline words were read again (a newer calendar or parser); history stays."""

        deadline: dict[str, Any]
        started_due: datetime | None
        reason: str
        actor: str

        def apply(self, task: Task) -> None:
            task.deadline = self.deadline
            task.started_due = self.started_due

    def reevaluate(self, *, now: datetime, **reading: Any) -> bool:
        """Record the new reading (``deadline``, ``started_due``, ``reason``, ``actor``)
        if it differs; returns whether it did."""
        if (reading["deadline"], reading["started_due"]) == (self.deadline, self.started_due):
            return False
        self.trigger_event(self.DeadlineReevaluated, timestamp=now, **reading)
        return True

    # -- units and waivers -----------------------------------------------------------

    class Reassigned(Aggregate.Event):
        lead_units: list[str]
        co_units: list[str]
        reason: str
        actor: str

        def apply(self, task: Task) -> None:
            task.lead_units = list(self.lead_units)
            task.co_units = list(self.co_units)

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
