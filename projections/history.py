"""Read model: what changed when, by whom — an index of every event, for auditors.

One row per event, keyed as the event store keys it (aggregate id and version), with
the facts an auditor filters on: kind and type, when it was recorded, the day it
happened, who acted, which unit it is about. What the event itself says stays in the
event store and is read from there (projections/stored.py).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from sqlalchemy import BigInteger, Column, Connection, Index, Integer, String, Table, Text

from projections.base import Lifeline, Projection, Row, epoch, metadata
from projections.bulk import insert_rows
from projections.events import (
    ALERT,
    DIRECTORY,
    PEOPLE,
    PLAN,
    SPOTCHECK,
    TASK,
    aggregate_of,
    plain,
)

history = Table(
    "rm_history",
    metadata,
    Column("originator_id", String(36), primary_key=True),
    Column("seq", Integer, primary_key=True),
    Column("kind", String(16), nullable=False),  # task, plan, alert, directory, people
    Column("type", String(64), nullable=False),
    Column("recorded_at", BigInteger, nullable=False),
    Column("occurred_on", String(10)),
    Column("actor", Text),
    Column("unit", Text),  # the unit the event is about, where it names one
    Index("rm_history_recorded", "recorded_at"),
    Index("rm_history_actor", "actor", "recorded_at"),
)


class HistoryProjection(Projection):
    name = "history"
    topics = tuple(f"{a}.Event" for a in (TASK, PLAN, ALERT, DIRECTORY, PEOPLE, SPOTCHECK))

    @property
    def tables(self) -> tuple[Table, ...]:
        return (history,)

    def apply(self, conn: Connection, events: list[Any]) -> None:
        insert_rows(conn, history, [_row(e) for e in events])

    def replay(self, life: Lifeline) -> Iterator[tuple[Table, Row]]:
        handles = self.handles
        for event in life.events:
            if isinstance(event, handles):
                yield history, _row(event, life.key)


def _row(event: Any, key: str | None = None) -> Row:
    return {
        "originator_id": key or str(event.originator_id),
        "seq": event.originator_version,
        "kind": aggregate_of(event),
        "type": type(event).__name__,
        "recorded_at": epoch(event.timestamp),
        "occurred_on": plain(getattr(event, "occurred_on", None)),
        "actor": getattr(event, "actor", None),
        "unit": getattr(event, "unit", None) or None,
    }
