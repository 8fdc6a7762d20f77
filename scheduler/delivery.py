"""Delivering raised alerts from the outbox: at least once, with retry and backoff.

Each (alert, channel, address) is tried on its own with a bounded timeout, so a dead
channel or receiver never holds up the others or the sweep. A success is recorded in the
ledger as ``Alert.Delivered`` (so it is never sent again, even after a rebuild); a
refusal for good, or running out of attempts, as ``Alert.DeliveryAbandoned``. A crash
between sending and recording means one more send: receivers deduplicate by alert id
(the Message-ID and the ``X-Taizhang-Alert`` header carry it).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, time
from uuid import UUID

import structlog
from sqlalchemy import Engine, select, update

from ledger.application import Ledger
from ledger.notify import Backoff, Channel, DeliveryState, Notice, PermanentFailure, attempt
from projections.base import epoch
from projections.outbox import outbox
from projections.plans import plans
from projections.tasks import tasks
from projections.views import title_of

log = structlog.get_logger()

# channel name and address -> the channel that carries it (or raises PermanentFailure)
ChannelFor = Callable[[str, str], Channel]


@dataclass(frozen=True)
class QuietHours:
    """Local hours when nothing is sent (e.g. 22:00-07:00); deliveries wait, never drop."""

    start: time
    end: time
    tz: str = "Asia/Shanghai"

    @classmethod
    def parse(cls, text: str, tz: str = "Asia/Shanghai") -> QuietHours:
        first, _, last = text.partition("-")
        return cls(time.fromisoformat(first.strip()), time.fromisoformat(last.strip()), tz)

    def contains(self, moment: datetime) -> bool:
        from zoneinfo import ZoneInfo

        local = moment.astimezone(ZoneInfo(self.tz)).time()
        if self.start <= self.end:
            return self.start <= local < self.end
        return local >= self.start or local < self.end


@dataclass
class DeliveryReport:
    delivered: int = 0
    failed: int = 0
    abandoned: int = 0
    deferred: bool = False


def _instant(seconds: int) -> datetime:
    return datetime.fromtimestamp(seconds, tz=UTC)


def deliver(
    ledger: Ledger,
    engine: Engine,
    channel_for: ChannelFor,
    *,
    backoff: Backoff | None = None,
    quiet: QuietHours | None = None,
    limit: int = 200,
) -> DeliveryReport:
    """Try every delivery that is due now; returns what happened."""
    backoff = backoff or Backoff()
    now = ledger.now()
    report = DeliveryReport()
    if quiet is not None and quiet.contains(now):
        report.deferred = True
        return report
    query = (
        select(outbox, tasks.c.code, tasks.c.content, tasks.c.tz, plans.c.ref)
        .join(tasks, tasks.c.task_id == outbox.c.task_id)
        .join(plans, plans.c.plan_id == tasks.c.plan_id)
        .where(outbox.c.state == "pending", outbox.c.next_at <= epoch(now))
        .order_by(outbox.c.next_at)
        .limit(limit)
    )
    with engine.connect() as conn:
        rows = list(conn.execute(query))
    for r in rows:
        state = DeliveryState(
            alert_id=r.alert_id,
            channel=r.channel,
            recipient=r.address,
            attempts=r.attempts,
            next_at=_instant(r.next_at),
            last_error=r.last_error,
        )
        notice = Notice.build(
            alert_id=r.alert_id,
            kind=r.kind,
            task_ref=f"{r.ref}/{r.code}",
            title=title_of(r.content),
            unit=r.unit,
            due=_instant(r.due),
            raised_at=_instant(r.raised_at),
            tz=r.tz,
        )
        try:
            channel = channel_for(r.channel, r.address)
        except PermanentFailure as e:
            after = state.failed(e, now, backoff)
        else:
            after = attempt(channel, notice, state, now, backoff)
        _settle(ledger, engine, after, report)
    return report


def _settle(ledger: Ledger, engine: Engine, state: DeliveryState, report: DeliveryReport) -> None:
    alert = UUID(state.alert_id)
    key = (state.alert_id, state.channel, state.recipient)
    if state.delivered:
        ledger.record_delivery(
            alert, channel=state.channel, address=state.recipient, attempts=state.attempts
        )
        report.delivered += 1
        log.info("alert.delivered", alert=key[0], channel=key[1], attempts=state.attempts)
    elif state.gave_up:
        ledger.abandon_delivery(
            alert,
            channel=state.channel,
            address=state.recipient,
            attempts=state.attempts,
            reason=state.last_error,
        )
        report.abandoned += 1
        log.warning("alert.abandoned", alert=key[0], channel=key[1], reason=state.last_error)
    else:
        report.failed += 1
        log.info("alert.retry", alert=key[0], channel=key[1], next_at=str(state.next_at))
    with engine.begin() as conn:
        conn.execute(
            update(outbox)
            .where(
                outbox.c.alert_id == key[0], outbox.c.channel == key[1], outbox.c.address == key[2]
            )
            .values(
                attempts=state.attempts,
                next_at=epoch(state.next_at) if state.next_at else None,
                last_error=state.last_error,
            )
        )
