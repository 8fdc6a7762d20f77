"""Read model: the outbox — one row per alert and recipient, until it is delivered.

Rows come from ``Alert.Raised`` (one per recipient it names) and are settled by
``Alert.Delivered`` / ``Alert.DeliveryAbandoned``: the facts live in the ledger, so a
rebuild never sends a delivered alert again. Attempts and the next try time are the
delivery worker's own bookkeeping on the row (a rebuild starts them afresh).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from sqlalchemy import (
    BigInteger,
    Column,
    Connection,
    Index,
    Integer,
    String,
    Table,
    Text,
    bindparam,
    update,
)

from projections.base import Lifeline, Projection, Row, epoch, metadata
from projections.events import ALERT, event_topics

outbox = Table(
    "rm_outbox",
    metadata,
    Column("alert_id", String(36), primary_key=True),
    Column("channel", String(16), primary_key=True),
    Column("address", String(512), primary_key=True),
    Column("unit", Text, nullable=False),
    Column("kind", String(16), nullable=False),
    Column("task_id", String(36), nullable=False),
    Column("due", BigInteger, nullable=False),
    Column("raised_at", BigInteger, nullable=False),
    Column("state", String(12), nullable=False),  # pending, delivered, abandoned
    Column("attempts", Integer, nullable=False),
    Column("next_at", BigInteger),
    Column("last_error", Text, nullable=False),
    Index("rm_outbox_due", "state", "next_at"),
)


class OutboxProjection(Projection):
    name = "outbox"
    topics = event_topics(ALERT, "Raised", "Delivered", "DeliveryAbandoned")

    @property
    def tables(self) -> tuple[Table, ...]:
        return (outbox,)

    def apply(self, conn: Connection, events: list[Any]) -> None:
        fresh = [row for e in events if _is_raised(e) for row in _raised(e)]
        if fresh:
            conn.execute(outbox.insert(), fresh)
        settled = [
            {"key": str(e.originator_id), "ch": e.channel, "addr": e.address, **_settled(e)}
            for e in events
            if not _is_raised(e)
        ]
        if settled:
            conn.execute(
                update(outbox)
                .where(
                    outbox.c.alert_id == bindparam("key"),
                    outbox.c.channel == bindparam("ch"),
                    outbox.c.address == bindparam("addr"),
                )
                .values(state=bindparam("state"), attempts=bindparam("attempts"), next_at=None),
                settled,
            )

    def replay(self, life: Lifeline) -> Iterator[tuple[Table, Row]]:
        rows: dict[tuple[str, str], Row] = {}
        handles = self.handles
        for event in life.events:
            if _is_raised(event):
                rows.update({(r["channel"], r["address"]): r for r in _raised(event)})
            elif isinstance(event, handles):  # delivered or abandoned
                row = rows.get((event.channel, event.address))
                if row is not None:
                    row.update(_settled(event), next_at=None)
        for row in rows.values():
            yield outbox, row


def _is_raised(event: Any) -> bool:
    # Only alert events reach this read model (its topics), so the class name decides.
    return type(event).__name__ == "Raised"


def _raised(event: Any) -> list[Row]:
    """One pending row per recipient the alert names."""
    return [
        {
            "alert_id": str(event.originator_id),
            "channel": channel,
            "address": address,
            "unit": unit,
            "kind": event.kind,
            "task_id": str(event.task_id),
            "due": epoch(event.due),
            "raised_at": epoch(event.timestamp),
            "state": "pending",
            "attempts": 0,
            "next_at": epoch(event.timestamp),
            "last_error": "",
        }
        for unit, channel, address in event.recipients
    ]


def _settled(event: Any) -> Row:
    state = "delivered" if type(event).__name__ == "Delivered" else "abandoned"
    return {"state": state, "attempts": event.attempts}
