"""Read model: what changed when, by whom — one row per task event, for auditors."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from sqlalchemy import JSON, BigInteger, Column, Connection, Index, Integer, String, Table, Text

from projections.base import Lifeline, Projection, Row, epoch, metadata
from projections.bulk import insert_rows
from projections.events import ALERT, PLAN, TASK, aggregate_of, history_entry

history = Table(
    "rm_history",
    metadata,
    Column("originator_id", String(36), primary_key=True),
    Column("seq", Integer, primary_key=True),
    Column("kind", String(16), nullable=False),  # "task" or "plan"
    Column("type", String(64), nullable=False),
    Column("recorded_at", BigInteger, nullable=False),
    Column("occurred_on", String(10)),
    Column("actor", Text),
    Column("details", JSON, nullable=False),
    Index("rm_history_recorded", "recorded_at"),
    Index("rm_history_actor", "actor", "recorded_at"),
)


class HistoryProjection(Projection):
    name = "history"
    topics = (f"{TASK}.Event", f"{PLAN}.Event", f"{ALERT}.Event")

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
    entry = history_entry(event)
    return {
        "originator_id": key or str(event.originator_id),
        "seq": entry.pop("seq"),
        "kind": aggregate_of(event),
        "type": entry.pop("type"),
        "recorded_at": epoch(event.timestamp),
        "occurred_on": entry.pop("occurred_on"),
        "actor": entry.pop("actor"),
        "details": {k: v for k, v in entry.items() if k != "recorded_at"},
    }
