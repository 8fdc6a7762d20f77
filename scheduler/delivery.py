"""Delivering raised alerts from the outbox: one digest per recipient and round, at least once.

A round takes every (alert, channel, address) due for an attempt, groups them by
recipient, and sends each recipient one digest on a thread of its own, at most
``workers`` at once and never two to the same recipient: a slow or silent receiver
delays only itself. Each send has a deadline: the channel's timeout bounds connecting
and every wait for an answer, and a send still unanswered past the deadline counts as
failed (a late answer is still recorded). How each went is a ledger fact, for every
alert in the digest: ``Alert.Delivered``, ``Alert.DeliveryFailed`` with when to try
again (exponential backoff), or ``Alert.DeliveryAbandoned``; the outbox read model
follows from those events. A crash between sending and recording means one more send:
receivers drop repeats by the digest id (Message-ID, ``X-Taizhang-Digest``) or alert id.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from uuid import UUID

import structlog

from ledger.application import DeliveryOutcome, Ledger
from ledger.redact import url as mask
from projections.moments import epoch
from projections.queries.alerts import due_deliveries
from projections.queries.views import title_of
from projections.reader import Reader
from scheduler.channels import Channel, DeliveryFailure, PermanentFailure, TransientFailure
from scheduler.digest import Digest, Item
from scheduler.retry import Backoff
from scheduler.settings import QuietHours

log = structlog.get_logger()

# channel name and address -> the channel that carries it (or raises PermanentFailure)
ChannelFor = Callable[[str, str], Channel]
Endpoint = tuple[str, str]  # channel name, address


@dataclass(frozen=True)
class Due:
    """One outbox row due for an attempt, with the alert as its digest lists it."""

    unit: str
    channel: str
    address: str
    attempts: int  # failed attempts so far
    item: Item


@dataclass
class DeliveryReport:
    digests: int = 0  # sends started this round
    busy: int = 0  # recipients skipped: a send to them is still under way
    deferred: bool = False  # quiet hours
    delivered: int = 0  # alerts, counted when the round waited for its sends
    failed: int = 0
    abandoned: int = 0

    def count(self, outcomes: Sequence[DeliveryOutcome]) -> None:
        for o in outcomes:
            if o.delivered:
                self.delivered += 1
            elif o.next_at is None:
                self.abandoned += 1
            else:
                self.failed += 1


def _instant(seconds: int) -> datetime:
    return datetime.fromtimestamp(seconds, tz=UTC)


def due_rows(reader: Reader, now: datetime, limit: int) -> list[Due]:
    """The outbox rows due for an attempt at ``now``, oldest first."""
    return [
        Due(
            unit=r["unit"],
            channel=r["channel"],
            address=r["address"],
            attempts=r["attempts"],
            item=Item(
                alert_id=r["alert_id"],
                kind=r["kind"],
                task_ref=f"{r['ref']}/{r['code']}",
                title=title_of(r["content"]),
                lead_units=tuple(r["lead_units"]),
                due=_instant(r["due"]),
                raised_at=_instant(r["raised_at"]),
                tz=r["tz"],
            ),
        )
        for r in due_deliveries(reader, epoch(now) or 0, limit)
    ]


@dataclass
class _Send:
    """One digest to one recipient, on its own thread; settled once, by whoever is first:
    the sender with the answer, or the deadline."""

    endpoint: Endpoint
    rows: list[Due]
    settled: bool = False
    outcomes: list[DeliveryOutcome] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)
    done: threading.Event = field(default_factory=threading.Event)


class Deliverer:
    """Runs delivery rounds; keeps which recipients have a send under way between rounds."""

    def __init__(
        self,
        ledger: Ledger,
        reader: Reader,
        channel_for: ChannelFor,
        *,
        backoff: Backoff | None = None,
        quiet: QuietHours | None = None,
        timeout: float = 5.0,
        workers: int = 4,
        limit: int = 1000,
    ) -> None:
        self.ledger = ledger
        self.reader = reader
        self.channel_for = channel_for
        self.backoff = backoff or Backoff()
        self.quiet = quiet
        self.timeout = timeout
        self.workers = workers
        self.limit = limit
        self._busy: dict[Endpoint, _Send] = {}
        self._lock = threading.Lock()

    def round(self, *, wait: bool = False) -> DeliveryReport:
        """Start a send to every recipient with something due; with ``wait``, return once
        each has an outcome (at most the deadline), else at once."""
        report = DeliveryReport()
        now = self.ledger.now()
        if self.quiet is not None and self.quiet.contains(now):
            report.deferred = True
            return report
        groups: dict[Endpoint, list[Due]] = {}
        for row in due_rows(self.reader, now, self.limit):
            groups.setdefault((row.channel, row.address), []).append(row)
        self.reader.release()  # the next round sees what this one records
        started: list[_Send] = []
        with self._lock:
            for endpoint, rows in groups.items():
                if endpoint in self._busy or len(self._busy) >= self.workers:
                    report.busy += 1
                    continue
                send = self._busy[endpoint] = _Send(endpoint, rows)
                started.append(send)
        for send in started:
            threading.Thread(target=self._run, args=(send,), daemon=True, name="send").start()
            threading.Thread(target=self._watch, args=(send,), daemon=True, name="deadline").start()
        report.digests = len(started)
        if wait:
            for send in started:
                send.done.wait(self.timeout + 5)
                report.count(send.outcomes)
        return report

    def stuck(self) -> int:
        """Recipients whose send is still under way."""
        with self._lock:
            return len(self._busy)

    def _run(self, send: _Send) -> None:
        channel_name, address = send.endpoint
        error: DeliveryFailure | None = None
        try:
            digest = Digest.of([row.item for row in send.rows])
            self.channel_for(channel_name, address).send(digest, address)
        except DeliveryFailure as e:
            error = e
        except Exception as e:  # a bug in a channel or a row: recorded, backed off, logged
            error = TransientFailure(channel_name, mask(address), f"{type(e).__name__}: {e}")
            with contextlib.suppress(Exception):  # a broken log must not lose the outcome
                log.exception("delivery.error", channel=channel_name, recipient=mask(address))
        try:
            self._settle(send, error)
        finally:
            with self._lock:
                self._busy.pop(send.endpoint, None)

    def _watch(self, send: _Send) -> None:
        if not send.done.wait(self.timeout + 1):
            channel_name, address = send.endpoint
            reason = f"no answer within {self.timeout:g} s"
            self._settle(send, TransientFailure(channel_name, mask(address), reason))

    def _settle(self, send: _Send, error: DeliveryFailure | None) -> None:
        """Record the outcome once; a success that comes after the deadline still counts."""
        with send.lock:
            if send.settled and error is not None:
                return  # the deadline already recorded this send as failed
            send.settled = True
            now = self.ledger.now()
            send.outcomes = [self._outcome(row, error, now) for row in send.rows]
        channel_name, address = send.endpoint
        try:
            self.ledger.settle_deliveries(send.outcomes)
        except Exception:
            log.exception("delivery.unrecorded", channel=channel_name, recipient=mask(address))
            return
        finally:
            send.done.set()
        if error is None:
            log.info(
                "delivery.sent",
                channel=channel_name,
                recipient=mask(address),
                alerts=len(send.rows),
            )
        else:
            log.warning(
                "delivery.failed",
                channel=channel_name,
                recipient=mask(address),
                alerts=len(send.rows),
                error=error.reason,
                permanent=isinstance(error, PermanentFailure),
            )

    def _outcome(self, row: Due, error: DeliveryFailure | None, now: datetime) -> DeliveryOutcome:
        attempts = row.attempts + 1
        alert = UUID(row.item.alert_id)
        if error is None:
            return DeliveryOutcome(alert, row.channel, row.address, True, attempts)
        next_at = (
            None
            if isinstance(error, PermanentFailure)
            else self.backoff.next_attempt(attempts, now, key=row.item.alert_id)
        )
        reason = error.reason  # without the recipient: a robot URL carries its key
        return DeliveryOutcome(alert, row.channel, row.address, False, attempts, reason, next_at)
