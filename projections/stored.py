"""Stored events read back for display, through the read path (no eventsourcing).

The ledger stores each event as JSON (eventsourcing's transcoder: times, days and ids as
``{"_type_": …, "_data_": …}``), with its topic (``ledger.task:Task.Completed``). A read
command that shows history (`task show`, `task show --as-of`) reads a task's rows with one
query and decodes them here into plain objects that carry the event's fields and are
named as its class is, so the read models' pure mappings (projections/task_rows.py) fold
them as they fold the ledger's own events. Decoding only, no upcasting: a field an older
version of an event lacks reads as None.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from datetime import date, datetime
from functools import cache
from typing import Any
from uuid import UUID

from projections.reader import Reader, batches, placeholders

_DECODE: dict[str, Callable[[str], Any]] = {
    "datetime_iso": datetime.fromisoformat,
    "date_iso": date.fromisoformat,
    "uuid_hex": UUID,
}


class StoredEvent:
    """An event's fields as attributes; a missing one is None. Its class's name is the
    event's (``Completed``), so mappings that dispatch on the name read it as such."""

    def __init__(self, fields: dict[str, Any]) -> None:
        self.__dict__.update(fields)

    def __getattr__(self, name: str) -> Any:
        return None


@cache
def event_class(topic: str) -> type[StoredEvent]:
    """A class named as the topic's event (``ledger.task:Task.Completed`` -> Completed)."""
    qualname = topic.partition(":")[2]
    return type(qualname.rpartition(".")[2], (StoredEvent,), {"topic": topic})


def _hook(obj: dict[str, Any]) -> Any:
    kind = obj.get("_type_")
    if kind is not None and "_data_" in obj and len(obj) == 2:
        decode = _DECODE.get(kind)
        return decode(obj["_data_"]) if decode else obj["_data_"]
    return obj


def decode(originator_id: UUID, version: int, topic: str, state: bytes) -> StoredEvent:
    fields = json.loads(bytes(state), object_hook=_hook)
    fields["originator_id"] = originator_id
    fields["originator_version"] = version
    return event_class(topic)(fields)


def stored_key(reader: Reader, aggregate: UUID) -> Any:
    """An aggregate's id as the store keeps ``originator_id`` (16 bytes on SQLite)."""
    return aggregate.bytes if reader.dialect == "sqlite" else aggregate


def events_of(reader: Reader, aggregate: UUID) -> list[StoredEvent]:
    """Every stored event of one aggregate, oldest first."""
    return events_of_each(reader, [aggregate])


def events_of_each(
    reader: Reader, aggregates: Sequence[UUID], topics: Sequence[str] = ()
) -> list[StoredEvent]:
    """The stored events of ``aggregates`` (those of ``topics``, if given), an aggregate's
    oldest first: one query for each ``IN_BATCH`` aggregates."""
    found: list[StoredEvent] = []
    for chunk in batches(aggregates):
        by_key = {stored_key(reader, a): a for a in chunk}
        keys, params = placeholders("id", list(by_key))
        sql = "SELECT originator_id, originator_version, topic, state FROM ledger_events"
        sql += f" WHERE originator_id IN ({keys})"
        if topics:
            names, more = placeholders("topic", list(topics))
            sql += f" AND topic IN ({names})"
            params.update(more)
        rows: Sequence[Sequence[Any]] = reader.tuples(
            sql + " ORDER BY originator_id, originator_version", params
        )
        found += [decode(by_key[key], version, topic, state) for key, version, topic, state in rows]
    return found
