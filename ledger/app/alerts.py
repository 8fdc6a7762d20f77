"""Use cases of alerts: deciding each due alert once, and recording how deliveries went."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from uuid import UUID

from eventsourcing.domain import Aggregate
from eventsourcing.persistence import IntegrityError

from ledger.alert import REMINDERS, Alert, alert_id
from ledger.app.base import LedgerBase, attempts
from ledger.clock import Overtaken
from ledger.errors import Conflict


@dataclass(frozen=True)
class DueAlert:
    """A timer that fell due: what the alert it raises says."""

    task_id: UUID
    plan_id: UUID
    occurrence: str
    kind: str
    offset: str
    due: datetime
    fires_at: datetime
    recipients: list[list[str]] = field(default_factory=list)  # [[unit, channel, address]]

    @property
    def alert_id(self) -> UUID:
        return alert_id(self.task_id, self.occurrence, self.kind, self.offset, self.due)

    def decide(self, actor: str, now: datetime) -> Alert:
        """A reminder whose due time has passed is skipped; anything else is raised."""
        if self.kind in REMINDERS and self.due < now:
            return Alert.skip(**vars(self), actor=actor, now=now)
        return Alert.raise_(**vars(self), actor=actor, now=now)


@dataclass(frozen=True)
class Raising:
    """What one call to ``raise_alerts`` decided, and when."""

    raised: frozenset[UUID]
    skipped: frozenset[UUID]
    at: datetime

    @classmethod
    def of(cls, alerts: Sequence[Alert], at: datetime) -> Raising:
        raised = frozenset(a.id for a in alerts if not a.skipped)
        return cls(raised, frozenset(a.id for a in alerts if a.skipped), at)


@dataclass(frozen=True)
class DeliveryOutcome:
    """How one attempt to reach one recipient went; ``next_at`` None after a failure
    means no more attempts."""

    alert: UUID
    channel: str
    address: str
    delivered: bool
    attempts: int  # attempts made, this one included
    error: str = ""
    next_at: datetime | None = None

    def apply(self, alert: Alert, now: datetime) -> None:
        where = {"channel": self.channel, "address": self.address}
        if self.delivered:
            alert.record_delivery(**where, attempts=self.attempts, now=now)
        elif self.next_at is None:
            alert.abandon_delivery(**where, attempts=self.attempts, reason=self.error, now=now)
        else:
            alert.record_failure(**where, error=self.error, next_at=self.next_at, now=now)


class AlertUseCases(LedgerBase):
    def raise_alerts(self, due: Sequence[DueAlert], *, actor: str) -> Raising:
        """Decide each alert nobody decided before; returns what this call decided.

        One batch in one transaction; if any of them was decided meanwhile (another sweep,
        another node), the store refuses the batch and each is tried on its own, so every
        alert is decided exactly once and none is lost.
        """
        for _ in attempts():
            now = self.now()
            alerts = [d.decide(actor, now) for d in due]
            try:
                self.save(*alerts)
            except Overtaken:
                continue
            except IntegrityError:
                decided = [self._decide_one(d, actor) for d in due]
                return Raising.of([a for a in decided if a is not None], now)
            return Raising.of(alerts, now)
        raise Conflict("the alerts could not be recorded: other writers kept recording later")

    def _decide_one(self, due: DueAlert, actor: str) -> Alert | None:
        for _ in attempts():
            alert = due.decide(actor, self.now())
            try:
                self.save(alert)
            except Overtaken:
                continue
            except IntegrityError:
                return None  # decided already, by someone else: exactly once
            return alert
        return None

    def settle_deliveries(self, outcomes: Sequence[DeliveryOutcome]) -> None:
        """Record how deliveries went, in one transaction."""

        def command(now: datetime) -> list[Aggregate]:
            alerts = {o.alert: self.load(Alert, o.alert) for o in outcomes}
            for o in outcomes:
                o.apply(alerts[o.alert], now)
            return list(alerts.values())

        self._write(command, what="the alerts' deliveries")
