"""Events as plain data: what history listings and the history read model show."""

from __future__ import annotations

from dataclasses import fields, is_dataclass
from datetime import date, datetime
from typing import Any
from uuid import UUID

_BASE = {"originator_id", "originator_version", "timestamp", "originator_topic"}


def _plain(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, UUID):
        return str(value)
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return value


def history_entry(event: Any) -> dict[str, Any]:
    """One event as auditors read it: seq, type, both times, actor, then its own fields."""
    names = [f.name for f in fields(event)] if is_dataclass(event) else list(vars(event))
    extra = {n: _plain(getattr(event, n)) for n in names if n not in _BASE}
    occurred = extra.pop("occurred_on", None)
    actor = extra.pop("actor", None)
    extra.pop("deadline", None)  # the parsed spec is shown as the task's due, not here
    return {
        "seq": event.originator_version,
        "type": type(event).__name__,
        "recorded_at": event.timestamp.isoformat(),
        "occurred_on": occurred,
        "actor": actor,
        **extra,
    }
