"""When reminders and escalations fall due: the alert policy the configuration sets.

Plain data, without the aggregates: the timers read model depends on it, and a read
command that asks whether the read models are current reads it too.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import timedelta


def days(delta: timedelta) -> str:
    """An offset as alert ids and the configuration write it: ``7d``."""
    return f"{int(delta.total_seconds() // 86400)}d"


@dataclass(frozen=True)
class AlertPolicy:
    """When reminders and escalations fall due, relative to a due time."""

    reminders: Sequence[timedelta] = field(default=(timedelta(days=7), timedelta(days=1)))
    escalate_after: timedelta | None = timedelta(days=3)

    def tag(self) -> str:
        """What the timers read model depends on: a change here rebuilds it."""
        reminders = ",".join(days(r) for r in self.reminders)
        escalate = days(self.escalate_after) if self.escalate_after else "-"
        return f"reminders={reminders};escalate={escalate}"
