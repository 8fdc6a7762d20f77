"""Events as plain data: what history listings and the history read model show."""

from __future__ import annotations

from dataclasses import fields, is_dataclass
from datetime import date, datetime
from functools import cache
from typing import Any
from uuid import UUID

# The ledger's aggregates, as the start of eventsourcing topics ("module:qualified name").
# Read models name the events they read by topic and resolve them on first use: a read
# command never imports the aggregates (the write side).
TASK = "ledger.task:Task"
PLAN = "ledger.plan:Plan"
ALERT = "ledger.alert:Alert"
DIRECTORY = "ledger.directory:Directory"
PEOPLE = "ledger.people:People"
SPOTCHECK = "ledger.spotcheck:SpotCheck"


def event_topics(aggregate: str, *names: str) -> tuple[str, ...]:
    """``event_topics(TASK, "Defined")`` is ``("ledger.task:Task.Defined",)``."""
    return tuple(f"{aggregate}.{name}" for name in names)


@cache
def resolve(names: tuple[str, ...]) -> tuple[type[Any], ...]:
    """The event classes the topics name (imported on first use)."""
    from eventsourcing.utils import resolve_topic

    return tuple(resolve_topic(topic) for topic in names)


def aggregate_of(event: Any) -> str:
    """``"task"``, ``"plan"`` or ``"alert"``: the aggregate class an event is nested in."""
    return type(event).__qualname__.partition(".")[0].lower()


_BASE = {"originator_id", "originator_version", "timestamp", "originator_topic", "class_version"}


_AS_IS = frozenset({str, int, float, bool, type(None)})


def plain(value: Any) -> Any:  # noqa: PLR0911 - one return per kind of value
    """A field value as JSON keeps it: dates and times in ISO form, UUIDs as text."""
    kind = type(value)
    if kind in _AS_IS:
        return value
    if kind is list or kind is tuple:
        return [plain(v) for v in value]
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, UUID):
        return str(value)
    if isinstance(value, dict):
        return {k: plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [plain(v) for v in value]
    return value


_NAMES: dict[type, list[str]] = {}


def _names(event: Any) -> list[str]:
    """An event's own fields, in declaration order (looked up once per class of the
    ledger's own events; an event read back for display has its own)."""
    if not is_dataclass(event):
        return [n for n in vars(event) if n not in _BASE and n != "deadline"]
    kind = type(event)
    names = _NAMES.get(kind)
    if names is None:
        # The parsed deadline spec is shown as the task's due, not in its history.
        every = [f.name for f in fields(event)]
        names = _NAMES[kind] = [n for n in every if n not in _BASE and n != "deadline"]
    return names


def history_entry(event: Any) -> dict[str, Any]:
    """One event as auditors read it: seq, type, both times, actor, then its own fields."""
    # Most fields are plain already; only the others pay for a call.
    extra = {n: v if type(v := getattr(event, n)) in _AS_IS else plain(v) for n in _names(event)}
    occurred = extra.pop("occurred_on", None)
    actor = extra.pop("actor", None)
    return {
        "seq": event.originator_version,
        "type": type(event).__name__,
        "recorded_at": event.timestamp.isoformat(),
        "occurred_on": occurred,
        "actor": actor,
        **extra,
    }
