"""The Task aggregate: one line of a plan's breakdown table and everything done about it.

Each command guards its rules, then triggers one event. Every event carries the actor
and the instant the ledger recorded it (``timestamp``, transaction time); reports and
completions also carry the day the work happened (``occurred_on``, valid time).
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any
from uuid import UUID
from zoneinfo import ZoneInfo

from eventsourcing.domain import Aggregate

from ledger.errors import InvalidInput, RuleViolation

# Fields a corrected table may change; each change is recorded as a Task.Amended event.
AMENDABLE = ("section", "content", "lead_units", "co_units", "deadline_text", "deadline", "row")


class UnitNotOnTask(InvalidInput):
    """The unit named in a command is neither lead nor cooperating unit of the task."""


class Task(Aggregate):
    """A task of a plan, identified by its plan and code."""

    class Defined(Aggregate.Created):
        plan_id: UUID
        code: str
        section: str
        content: str
        lead_units: list[str]
        co_units: list[str]
        deadline_text: str
        deadline: dict[str, Any] | None
        row: int
        tz: str
        actor: str

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
        self.plan_id = plan_id
        self.code = code
        self.section = section
        self.content = content
        self.lead_units = list(lead_units)
        self.co_units = list(co_units)
        self.deadline_text = deadline_text
        self.deadline = deadline
        self.row = row
        self.tz = tz
        self.created_by = actor
        self.due_override: datetime | None = None  # set or extended by a supervisor
        self.started_on: date | None = None  # when a relative deadline's trigger happened
        self.started_at: datetime | None = None  # the instant, where it was recorded
        self.started_due: datetime | None = None
        self.reports = 0
        self.quantity_done = 0.0
        self.last_report_on: date | None = None
        self.completed_on: date | None = None
        self.completed_by: str | None = None
        self.completed_periods: list[str] = []
        self.waived = False

    @classmethod
    def define(
        cls,
        *,
        id: UUID,
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
        now: datetime,
    ) -> Task:
        if not content.strip():
            raise InvalidInput(f"task {code}: the content is empty")
        if not lead_units:
            raise InvalidInput(f"task {code}: no lead unit (牵头单位)")
        return cls._create(
            cls.Defined,
            id=id,
            timestamp=now,
            plan_id=plan_id,
            code=code,
            section=section,
            content=content,
            lead_units=list(lead_units),
            co_units=[u for u in co_units if u not in lead_units],
            deadline_text=deadline_text,
            deadline=deadline,
            row=row,
            tz=tz,
            actor=actor,
        )

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
        self._guard_open("report progress on")
        self._guard_unit(unit)
        self._guard_day(occurred_on, now)
        self._guard_period(period)
        if quantity is not None and quantity < 0:
            raise InvalidInput(f"task {self.code}: --count must not be negative")
        if not (note.strip() or evidence or quantity):
            raise InvalidInput(f"task {self.code}: a report needs a note, evidence or a count")
        self.trigger_event(
            self.ProgressReported,
            timestamp=now,
            unit=unit,
            occurred_on=occurred_on,
            note=note,
            evidence=list(evidence or []),
            quantity=quantity,
            period=period,
            actor=actor,
        )

    class Completed(Aggregate.Event):
        unit: str
        occurred_on: date
        evidence: list[str]
        period: str | None
        actor: str

        def apply(self, task: Task) -> None:
            if self.period is None:
                task.completed_on = self.occurred_on
                task.completed_by = self.unit
                return
            task.completed_periods.append(self.period)
            if set(task.periods) <= set(task.completed_periods):
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
        self._guard_open("complete")
        self._guard_unit(unit)
        self._guard_day(occurred_on, now)
        self._guard_period(period)
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
        self._guard_reason(reason)
        self.trigger_event(self.Reopened, timestamp=now, reason=reason, period=period, actor=actor)

    # -- supervision: deadlines, units, waivers ------------------------------------------

    class DeadlineExtended(Aggregate.Event):
        new_due: datetime
        reason: str
        approved_by: str
        actor: str

        def apply(self, task: Task) -> None:
            task.due_override = self.new_due

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
        if not self.needs_trigger:
            raise RuleViolation(
                f"task {self.code} has no relative deadline waiting for its trigger"
            )
        if at > now:
            raise InvalidInput(
                f"task {self.code}: the trigger cannot have happened at {at.isoformat()}, "
                f"after now ({now.isoformat()})"
            )
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
        self._guard_open("set the deadline of")
        self._guard_reason(reason)
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

    def reevaluate(
        self,
        *,
        deadline: dict[str, Any],
        started_due: datetime | None,
        reason: str,
        actor: str,
        now: datetime,
    ) -> bool:
        """Record the new reading if it differs; returns whether it did."""
        if deadline == self.deadline and started_due == self.started_due:
            return False
        self.trigger_event(
            self.DeadlineReevaluated,
            timestamp=now,
            deadline=deadline,
            started_due=started_due,
            reason=reason,
            actor=actor,
        )
        return True

    def extend_deadline(
        self, *, to: datetime, reason: str, approved_by: str, actor: str, now: datetime
    ) -> None:
        self._guard_open("extend")
        if self.is_done:
            raise RuleViolation(f"task {self.code} is already completed; reopen it first")
        self._guard_reason(reason)
        if not approved_by.strip():
            raise InvalidInput(f"task {self.code}: an extension needs --approved-by")
        current = self.due
        if current is not None and to <= current:
            raise RuleViolation(
                f"task {self.code}: the new deadline {to.isoformat()} is not after the "
                f"current one {current.isoformat()}"
            )
        self.trigger_event(
            self.DeadlineExtended,
            timestamp=now,
            new_due=to,
            reason=reason,
            approved_by=approved_by,
            actor=actor,
        )

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
        self._guard_open("reassign")
        self._guard_reason(reason)
        if not lead_units:
            raise InvalidInput(f"task {self.code}: --lead names no unit")
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
        self._guard_open("waive")
        if self.is_done:
            raise RuleViolation(f"task {self.code} is already completed; it cannot be waived")
        self._guard_reason(reason)
        if not approved_by.strip():
            raise InvalidInput(f"task {self.code}: a waiver needs --approved-by")
        self.trigger_event(
            self.Waived, timestamp=now, reason=reason, approved_by=approved_by, actor=actor
        )

    # -- guards --------------------------------------------------------------------------

    def _guard_open(self, verb: str) -> None:
        if self.waived:
            raise RuleViolation(f"task {self.code} is waived; cannot {verb} it")

    def _guard_unit(self, unit: str) -> None:
        if unit not in self.units:
            raise UnitNotOnTask(
                f"unit {unit!r} is not on task {self.code} "
                f"(lead: {'、'.join(self.lead_units)}; "
                f"co: {'、'.join(self.co_units) or 'none'})"
            )

    def _guard_day(self, day: date, now: datetime) -> None:
        today = now.astimezone(ZoneInfo(self.tz)).date()
        if day > today:
            raise InvalidInput(
                f"task {self.code}: --on {day.isoformat()} is in the future "
                f"(today is {today.isoformat()})"
            )

    def _guard_period(self, period: str | None) -> None:
        if period is None:
            return
        periods = self.periods
        if not periods:
            raise InvalidInput(f"task {self.code} is not recurring; --period does not apply")
        if period not in periods:
            raise InvalidInput(
                f"task {self.code} has no period {period!r} (periods: {', '.join(periods)})"
            )

    def _guard_reason(self, reason: str) -> None:
        if not reason.strip():
            raise InvalidInput(f"task {self.code}: --reason must not be empty")
