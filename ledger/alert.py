"""The Alert aggregate: a reminder or overdue alert, raised exactly once.

An alert's id derives from (task, occurrence, kind, offset, due time). Raising creates
the aggregate at version 1, so the store's unique (id, version) constraint refuses a
second raise of the same alert from any process or node: the store is the referee, not
a lock. A reminder whose due time had passed by the time it fell to be raised is not
raised but recorded as skipped, with the same id, so it is decided once as well.
Each delivery to a recipient is a fact too: delivered, failed (and when to try again),
or given up.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID, uuid5

from eventsourcing.domain import Aggregate

from ledger.ids import NAMESPACE

KINDS = (
    "due_soon",
    "overdue",
    "escalation",
    "rectify_soon",
    "rectify_overdue",
    "rectify_escalate",
)
# Escalations: the supervisor is told too.
ESCALATIONS = frozenset({"escalation", "rectify_escalate"})
# Reminders: of no use once their due time has passed (skipped, not raised).
REMINDERS = frozenset({"due_soon", "rectify_soon"})


def alert_id(
    task_id: UUID | str, occurrence: str, kind: str, offset: str, due: datetime
) -> UUID:
    """The one id an alert can have; ``occurrence`` is "" for a one-off task, ``offset``
    tells the reminders of one due time apart ("7d", "1d"; "0" for the overdue alert).
    The task's id may come as its canonical string, as read models hold it."""
    key = f"alert|{task_id}|{occurrence}|{kind}|{offset}|{int(due.timestamp())}"
    return uuid5(NAMESPACE, key)


class Alert(Aggregate):
    """A due-soon reminder, an overdue alert or an escalation for one task (occurrence);
    or a reminder or overdue alert of a rectification a spot check ordered on the task
    (``rectify_*``, the occurrence being the check, e.g. SC-2017-001)."""

    class Raised(Aggregate.Created):
        task_id: UUID
        plan_id: UUID
        occurrence: str
        kind: str
        due: datetime
        fires_at: datetime
        offset: str
        recipients: list[list[str]]  # [[unit, channel, address], ...] told about it
        actor: str

    def __init__(
        self,
        task_id: UUID,
        plan_id: UUID,
        occurrence: str,
        kind: str,
        due: datetime,
        fires_at: datetime,
        offset: str,
        recipients: list[list[str]],
        actor: str,
        reason: str = "",
    ) -> None:
        self.task_id = task_id
        self.plan_id = plan_id
        self.occurrence = occurrence
        self.kind = kind
        self.due = due
        self.fires_at = fires_at
        self.offset = offset
        self.recipients = recipients
        self.skipped = bool(reason)  # a reminder decided too late to be any use
        self.delivered: list[list[str]] = []  # [[channel, address], ...]
        self.abandoned: list[list[str]] = []
        self.failures: dict[str, int] = {}  # "channel address" -> failed attempts so far

    @classmethod
    def raise_(cls, *, actor: str, now: datetime, **due: Any) -> Alert:
        """Raise the alert a timer that fell due names (``task_id``, ``plan_id``,
        ``occurrence``, ``kind``, ``offset``, ``due``, ``fires_at``, ``recipients``);
        ``now`` (the event's timestamp) is when it was raised, late when after fires_at."""
        if due["kind"] not in KINDS:
            raise ValueError(f"unknown alert kind {due['kind']!r}")
        return cls._decided(cls.Raised, actor=actor, now=now, **due)

    @classmethod
    def _decided(cls, event: Any, *, now: datetime, **fields: Any) -> Alert:
        key = alert_id(
            fields["task_id"], fields["occurrence"], fields["kind"], fields["offset"], fields["due"]
        )
        fields["recipients"] = list(fields.get("recipients") or [])
        return cls._create(event, id=key, timestamp=now, **fields)

    class Skipped(Aggregate.Created):
        """A due-soon reminder whose due time had passed when it fell to be raised: not
        sent (the overdue alert says more), but decided, once."""

        task_id: UUID
        plan_id: UUID
        occurrence: str
        kind: str
        due: datetime
        fires_at: datetime
        offset: str
        recipients: list[list[str]]
        actor: str
        reason: str

    @classmethod
    def skip(cls, *, actor: str, now: datetime, **due: Any) -> Alert:
        """Record as skipped the reminder a timer names, its due time passed by ``now``."""
        if due["kind"] not in REMINDERS or now <= due["due"]:
            raise ValueError("only a reminder whose due time has passed is skipped")
        reason = "the due time had passed when the reminder fell to be raised"
        fields = {**due, "recipients": []}
        return cls._decided(cls.Skipped, actor=actor, now=now, reason=reason, **fields)

    class Delivered(Aggregate.Event):
        """The alert reached ``address`` over ``channel`` (at least once)."""

        channel: str
        address: str
        attempts: int

        def apply(self, alert: Alert) -> None:
            alert.delivered.append([self.channel, self.address])

    class DeliveryAbandoned(Aggregate.Event):
        """No more attempts to reach ``address``: refused for good, or out of attempts."""

        channel: str
        address: str
        attempts: int
        reason: str

        def apply(self, alert: Alert) -> None:
            alert.abandoned.append([self.channel, self.address])

    class DeliveryFailed(Aggregate.Event):
        """An attempt to reach ``address`` failed; the next is due at ``next_at``."""

        channel: str
        address: str
        attempts: int
        error: str
        next_at: datetime

        def apply(self, alert: Alert) -> None:
            alert.failures[f"{self.channel} {self.address}"] = self.attempts

    def settled(self, channel: str, address: str) -> bool:
        """Delivered to or given up on ``address`` already."""
        pair = [channel, address]
        return pair in self.delivered or pair in self.abandoned

    def attempts(self, channel: str, address: str) -> int:
        """Failed attempts to reach ``address`` so far."""
        return self.failures.get(f"{channel} {address}", 0)

    def record_failure(
        self, *, channel: str, address: str, error: str, next_at: datetime, now: datetime
    ) -> bool:
        """Record a failed attempt; a settled delivery (another worker) is left alone."""
        if self.settled(channel, address):
            return False
        self.trigger_event(
            self.DeliveryFailed,
            timestamp=now,
            channel=channel,
            address=address,
            attempts=self.attempts(channel, address) + 1,
            error=error,
            next_at=next_at,
        )
        return True

    def record_delivery(self, *, channel: str, address: str, attempts: int, now: datetime) -> bool:
        """Record a delivery once; a repeat (another worker got there first) is a no-op."""
        if [channel, address] in self.delivered:
            return False
        self.trigger_event(
            self.Delivered, timestamp=now, channel=channel, address=address, attempts=attempts
        )
        return True

    def abandon_delivery(
        self, *, channel: str, address: str, attempts: int, reason: str, now: datetime
    ) -> bool:
        if self.settled(channel, address):
            return False
        self.trigger_event(
            self.DeliveryAbandoned,
            timestamp=now,
            channel=channel,
            address=address,
            attempts=attempts,
            reason=reason,
        )
        return True
