"""The deadline side of the Task aggregate: extensions, requests for them, deadlines set by
hand, relative deadlines started, deadline words read again.

Task (ledger/task.py) derives from this class; the library declares these events again on
Task itself, so they are stored as ``ledger.task:Task.DeadlineExtended`` and so on.
A due time before the moment it is recorded is refused unless it is marked retroactive,
with the reason that says why.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import TYPE_CHECKING, Any

from eventsourcing.domain import Aggregate

from ledger import task_rules as rules
from ledger.errors import RuleViolation
from ledger.shares import Share


class TaskDeadlines(Aggregate):
    """What a task derives from its state, and its deadline commands and events; the state
    is the task's (ledger/task.py)."""

    if TYPE_CHECKING:  # the task's state (not annotations the library would make fields of)
        code: str
        tz: str
        due_override: datetime | None
        started_on: date | None
        started_at: datetime | None
        started_due: datetime | None
        deadline: dict[str, Any] | None
        shares: dict[str, Share]
        helping: list[str]
        lead_units: list[str]
        co_units: list[str]
        completed_on: date | None
        completed_periods: list[str]
        waived: bool

    @property
    def units(self) -> list[str]:
        """Every unit on the task: as the table names them, and who answers and helps."""
        return list(dict.fromkeys([*self.lead_units, *self.shares, *self.co_units, *self.helping]))

    @property
    def periods(self) -> list[str]:
        """The period keys of a recurring task's occurrences, in order."""
        if not self.deadline:
            return []
        return [o["period"] for o in self.deadline.get("occurrences", [])]

    @property
    def is_done(self) -> bool:
        """Completed as a whole, or every share completed."""
        periods = self.periods
        whole = self.completed_on is not None or (
            bool(periods) and set(periods) <= set(self.completed_periods)
        )
        return whole or all(s.done(periods, self.completed_periods) for s in self.shares.values())

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

    class DeadlineExtended(Aggregate.Event):
        """A supervisor gave the whole task more time."""

        class_version = 2
        new_due: datetime
        reason: str
        approved_by: str
        actor: str
        retroactive: bool

        @staticmethod
        def upcast_v1_v2(state: dict[str, Any]) -> None:
            state["retroactive"] = False

        def apply(self, task: TaskDeadlines) -> None:
            task.due_override = self.new_due

    def extend_deadline(
        self,
        *,
        to: datetime,
        reason: str,
        approved_by: str,
        actor: str,
        now: datetime,
        retroactive: bool = False,
    ) -> None:
        rules.guard_open(self, "extend")
        if self.is_done:
            raise RuleViolation(f"task {self.code} is already completed; reopen it first")
        rules.guard_reason(self, reason)
        rules.guard_approver(self, approved_by, "an extension")
        rules.guard_later(self, to)
        rules.guard_not_past(self, to, now, retroactive)
        self.trigger_event(
            self.DeadlineExtended,
            timestamp=now,
            new_due=to,
            reason=reason,
            approved_by=approved_by,
            actor=actor,
            retroactive=retroactive,
        )

    class ExtensionRequested(Aggregate.Event):
        """A unit asked for more time for its share."""

        unit: str
        to: datetime
        reason: str
        actor: str

        def apply(self, task: TaskDeadlines) -> None:
            task.shares[self.unit].request = {"to": self.to, "reason": self.reason}

    def request_extension(
        self, *, unit: str, to: datetime, reason: str, actor: str, now: datetime
    ) -> None:
        share = rules.guard_share(self, unit)
        rules.guard_reason(self, reason)
        if share.request is not None:
            raise RuleViolation(
                f"task {self.code}: {unit} already asked for {share.request['to'].date()}; "
                "a supervisor decides that request first"
            )
        rules.guard_not_past(self, to, now, retroactive=False)
        self.trigger_event(
            self.ExtensionRequested, timestamp=now, unit=unit, to=to, reason=reason, actor=actor
        )

    class ExtensionApproved(Aggregate.Event):
        """A supervisor granted a unit's request: to its share, or to the whole task."""

        unit: str
        to: datetime
        whole_task: bool
        retroactive: bool
        actor: str

        def apply(self, task: TaskDeadlines) -> None:
            share = task.shares[self.unit]
            share.request = None
            if self.whole_task:
                task.due_override = self.to
            else:
                share.due_override = self.to

    class ExtensionRejected(Aggregate.Event):
        unit: str
        reason: str
        actor: str

        def apply(self, task: TaskDeadlines) -> None:
            task.shares[self.unit].request = None

    def decide_extension(
        self,
        *,
        unit: str,
        approve: bool,
        to: datetime | None = None,
        whole_task: bool = False,
        reason: str = "",
        retroactive: bool = False,
        actor: str,
        now: datetime,
    ) -> None:
        """Approve (possibly to another date) or reject the pending request of ``unit``."""
        share = rules.guard_share(self, unit)
        if share.request is None:
            raise RuleViolation(f"task {self.code}: {unit} has no extension request waiting")
        if not approve:
            rules.guard_reason(self, reason)
            self.trigger_event(
                self.ExtensionRejected, timestamp=now, unit=unit, reason=reason, actor=actor
            )
            return
        granted = to or share.request["to"]
        rules.guard_not_past(self, granted, now, retroactive)
        self.trigger_event(
            self.ExtensionApproved,
            timestamp=now,
            unit=unit,
            to=granted,
            whole_task=whole_task,
            retroactive=retroactive,
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

        def apply(self, task: TaskDeadlines) -> None:
            task.started_on = self.started_on
            task.started_at = self.started_at
            task.started_due = self.due

    def start_clock(
        self, *, at: datetime, due: datetime, provisional: bool, actor: str, now: datetime
    ) -> None:
        from zoneinfo import ZoneInfo

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

        class_version = 2
        due: datetime
        reason: str
        actor: str
        retroactive: bool

        @staticmethod
        def upcast_v1_v2(state: dict[str, Any]) -> None:
            state["retroactive"] = False

        def apply(self, task: TaskDeadlines) -> None:
            task.due_override = self.due

    def set_deadline(
        self, *, to: datetime, reason: str, actor: str, now: datetime, retroactive: bool = False
    ) -> None:
        rules.guard_open(self, "set the deadline of")
        rules.guard_reason(self, reason)
        if self.due == to:
            raise RuleViolation(f"task {self.code} is already due at {to.isoformat()}")
        rules.guard_not_past(self, to, now, retroactive)
        self.trigger_event(
            self.DeadlineSet,
            timestamp=now,
            due=to,
            reason=reason,
            actor=actor,
            retroactive=retroactive,
        )

    class DeadlineReevaluated(Aggregate.Event):
        """The deadline words were read again (a newer calendar or parser); history stays."""

        deadline: dict[str, Any]
        started_due: datetime | None
        reason: str
        actor: str

        def apply(self, task: TaskDeadlines) -> None:
            task.deadline = self.deadline
            task.started_due = self.started_due

    def reevaluate(self, *, now: datetime, **reading: Any) -> bool:
        """Record the new reading (``deadline``, ``started_due``, ``reason``, ``actor``)
        if it differs; returns whether it did."""
        if (reading["deadline"], reading["started_due"]) == (self.deadline, self.started_due):
            return False
        self.trigger_event(self.DeadlineReevaluated, timestamp=now, **reading)
        return True
