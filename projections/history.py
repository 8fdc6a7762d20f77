"""Read model: what changed when, by whom — one row per task event, for auditors."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, ClassVar

from sqlalchemy import JSON, BigInteger, Column, Connection, Index, Integer, String, Table, Text

from ledger.alert import Alert
from ledger.plan import Plan
from ledger.task import Task
from projections.base import Lifeline, Projection, Row, epoch, metadata
from projections.bulk import insert_rows
from projections.events import history_entry

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


def _kind(event: Any) -> str:
    if isinstance(event, Task.Event):
        return "task"
    return "alert" if isinstance(event, Alert.Event) else "plan"


class HistoryProjection(Projection):
    name = "history"
    handles: ClassVar[tuple[type, ...]] = (Task.Event, Plan.Event, Alert.Event)

    @property
    def tables(self) -> tuple[Table, ...]:
        return (history,)

    def apply(self, conn: Connection, events: list[Any]) -> None:
        insert_rows(conn, history, [_row(e) for e in events])

    def replay(self, life: Lifeline) -> Iterator[tuple[Table, Row]]:
        for event in life.events:
            if isinstance(event, self.handles):
                yield history, _row(event, life.key)


def _row(event: Any, key: str | None = None) -> Row:
    entry = history_entry(event)
    return {
        "originator_id": key or str(event.originator_id),
        "seq": entry.pop("seq"),
        "kind": _kind(event),
        "type": entry.pop("type"),
        "recorded_at": epoch(event.timestamp),
        "occurred_on": entry.pop("occurred_on"),
        "actor": entry.pop("actor"),
        "details": {k: v for k, v in entry.items() if k != "recorded_at"},
    }
