"""When to try a delivery again, and which deliveries are due: pure, "now" passed in.

The scheduler keeps one :class:`DeliveryState` per (alert, channel, recipient), asks
:func:`due_deliveries` which to try, runs :func:`attempt` on each and stores the states
it returns. Nothing here sleeps or reads a clock, so every schedule is reproducible.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from ledger.notify.channel import Channel, DeliveryFailure, PermanentFailure
from ledger.notify.message import Notice


@dataclass(frozen=True)
class Backoff:
    """Exponential backoff: ``base``, ``base*factor``, … up to ``cap``, at most ``max_attempts``.

    ``jitter`` (0 to <1) shortens each delay by up to that fraction, by an amount taken
    from a hash of ``key`` (the alert id): alerts that failed together spread out when
    the channel comes back, yet the same alert always gets the same schedule.
    """

    base: timedelta = timedelta(seconds=30)
    factor: float = 2.0
    cap: timedelta = timedelta(hours=1)
    max_attempts: int = 12
    jitter: float = 0.0

    def __post_init__(self) -> None:
        if self.base <= timedelta(0):
            raise ValueError(f"base must be positive, got {self.base}")
        if self.factor < 1:
            raise ValueError(f"factor must be at least 1, got {self.factor}")
        if self.cap < self.base:
            raise ValueError(f"cap {self.cap} is shorter than base {self.base}")
        if self.max_attempts < 1:
            raise ValueError(f"max_attempts must be at least 1, got {self.max_attempts}")
        if not 0 <= self.jitter < 1:
            raise ValueError(f"jitter must be in [0, 1), got {self.jitter}")

    def delay(self, attempts_so_far: int, key: str = "") -> timedelta | None:
        """The wait after ``attempts_so_far`` failed attempts; None once they are used up."""
        if attempts_so_far < 0:
            raise ValueError(f"attempts_so_far must not be negative, got {attempts_so_far}")
        if attempts_so_far >= self.max_attempts:
            return None
        if attempts_so_far == 0:
            return timedelta(0)
        try:
            seconds = self.base.total_seconds() * self.factor ** (attempts_so_far - 1)
        except OverflowError:  # a large factor and many attempts: far past any cap
            seconds = self.cap.total_seconds()
        seconds = min(seconds, self.cap.total_seconds())
        if self.jitter:
            digest = hashlib.sha256(f"{key}:{attempts_so_far}".encode()).digest()
            seconds *= 1 - self.jitter * int.from_bytes(digest[:8], "big") / 2**64
        return timedelta(seconds=seconds)

    def next_attempt(self, attempts_so_far: int, now: datetime, key: str = "") -> datetime | None:
        """When to try next after ``attempts_so_far`` failed attempts; None means give up."""
        wait = self.delay(attempts_so_far, key)
        return None if wait is None else now + wait


@dataclass(frozen=True)
class DeliveryState:
    """Where delivering one alert to one recipient through one channel stands.

    ``next_at`` None means no further attempt: delivered, refused for good, or out of
    attempts. A new delivery starts with ``attempts=0`` and ``next_at`` = when raised.
    """

    alert_id: str
    channel: str
    recipient: str
    attempts: int
    next_at: datetime | None
    delivered: bool = False
    last_error: str = ""

    @property
    def key(self) -> tuple[str, str, str]:
        return (self.alert_id, self.channel, self.recipient)

    @property
    def gave_up(self) -> bool:
        return not self.delivered and self.next_at is None

    def succeeded(self) -> DeliveryState:
        return replace(
            self, attempts=self.attempts + 1, next_at=None, delivered=True, last_error=""
        )

    def failed(self, error: DeliveryFailure, now: datetime, backoff: Backoff) -> DeliveryState:
        attempts = self.attempts + 1
        next_at = (
            None
            if isinstance(error, PermanentFailure)
            else backoff.next_attempt(attempts, now, key=self.alert_id)
        )
        return replace(self, attempts=attempts, next_at=next_at, last_error=str(error))


def due_deliveries(states: Iterable[DeliveryState], now: datetime) -> list[DeliveryState]:
    """The deliveries to try at ``now``, one per (alert, channel, recipient), soonest first.

    ``states`` may hold several records for the same delivery (a history of attempts):
    the one with most attempts is current, and any delivered record settles the key, so
    an alert is never sent twice to the same recipient over the same channel.
    """
    current: dict[tuple[str, str, str], DeliveryState] = {}
    settled: set[tuple[str, str, str]] = set()
    for state in states:
        if state.delivered:
            settled.add(state.key)
        seen = current.get(state.key)
        if seen is None or state.attempts > seen.attempts:
            current[state.key] = state
    due = [
        s
        for key, s in current.items()
        if key not in settled and s.next_at is not None and s.next_at <= now
    ]
    return sorted(due, key=lambda s: (s.next_at, s.key))


def attempt(
    channel: Channel, notice: Notice, state: DeliveryState, now: datetime, backoff: Backoff
) -> DeliveryState:
    """Try one delivery and return its new state; a failure is recorded, never raised.

    Only :class:`DeliveryFailure` is caught: any other exception is a bug in a channel
    and should surface, not be retried twelve times.
    """
    if (notice.alert_id, channel.name) != (state.alert_id, state.channel):
        raise ValueError(
            f"state is for alert {state.alert_id} on {state.channel}, "
            f"not {notice.alert_id} on {channel.name}"
        )
    try:
        channel.send(notice, state.recipient)
    except DeliveryFailure as e:
        return state.failed(e, now, backoff)
    return state.succeeded()
