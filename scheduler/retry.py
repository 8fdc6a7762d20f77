"""When to try a delivery again: exponential backoff, pure ("now" passed in).

Nothing here sleeps or reads a clock, so every schedule is reproducible; the delivery
round records the next attempt's time in the ledger with each failure.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime, timedelta


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
