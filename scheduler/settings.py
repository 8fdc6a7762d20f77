"""What the service is told by its configuration (read and checked in cli/config.py).

Plain data: a read command reads the configuration (the timers depend on the alert
policy) without importing the service.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, time, timedelta

from ledger.scoring import ScoreRules


@dataclass(frozen=True)
class QuietHours:
    """Local hours when nothing is sent (e.g. 22:00-07:00); deliveries wait, never drop."""

    start: time
    end: time
    tz: str = "Asia/Shanghai"

    @classmethod
    def parse(cls, text: str, tz: str = "Asia/Shanghai") -> QuietHours:
        """``HH:MM-HH:MM``; raises ValueError otherwise."""
        first, sep, last = text.partition("-")
        if not sep:
            raise ValueError(f"{text!r} is not a span of hours such as 22:00-07:00")
        return cls(time.fromisoformat(first.strip()), time.fromisoformat(last.strip()), tz)

    def contains(self, moment: datetime) -> bool:
        from zoneinfo import ZoneInfo

        local = moment.astimezone(ZoneInfo(self.tz)).time()
        if self.start <= self.end:
            return self.start <= local < self.end
        return local >= self.start or local < self.end


@dataclass(frozen=True)
class EmailSettings:
    host: str
    port: int = 25
    sender: str = "taizhang@localhost"
    starttls: bool = False
    username: str | None = None
    password: str | None = field(default=None, repr=False)  # never in a log or traceback


@dataclass(frozen=True)
class ServiceConfig:
    reminders: tuple[timedelta, ...] = (timedelta(days=7), timedelta(days=1))
    escalate_after: timedelta | None = timedelta(days=3)
    supervisor: str | None = None
    quiet_hours: QuietHours | None = None
    email: EmailSettings | None = None
    interval: float = 30.0  # seconds between ticks of `taizhang serve`
    delivery_timeout: float = 5.0  # seconds a receiver has to answer
    delivery_workers: int = 4  # receivers sent to at once
    score: ScoreRules = field(default_factory=ScoreRules)  # how units are scored
    source: str = "defaults"
