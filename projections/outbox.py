"""Read model: the outbox — one row per alert and recipient, until it is delivered.

Rows come from ``Alert.Raised`` (one per recipient it names) and are settled by
``Alert.Delivered`` / ``Alert.DeliveryAbandoned``: the facts live in the ledger, so a
rebuild never sends a delivered alert again. Attempts and the next try time are the
delivery worker's own bookkeeping on the row (a rebuild starts them afresh).
"""

from __future__ import annotations

from typing import Any, ClassVar

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

from ledger.alert import Alert
from projections.base import Projection, epoch, metadata

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
    handles: ClassVar[tuple[type, ...]] = (Alert.Raised, Alert.Delivered, Alert.DeliveryAbandoned)

    @property
    def tables(self) -> tuple[Table, ...]:
        return (outbox,)

    def apply(self, conn: Connection, events: list[Any]) -> None:
        fresh = [
            {
                "alert_id": str(e.originator_id),
                "channel": channel,
                "address": address,
                "unit": unit,
                "kind": e.kind,
                "task_id": str(e.task_id),
                "due": epoch(e.due),
                "raised_at": epoch(e.timestamp),
                "state": "pending",
                "attempts": 0,
                "next_at": epoch(e.timestamp),
                "last_error": "",
            }
            for e in events
            if isinstance(e, Alert.Raised)
            for unit, channel, address in e.recipients
        ]
        if fresh:
            conn.execute(outbox.insert(), fresh)
        settled = [
            {
                "key": str(e.originator_id),
                "ch": e.channel,
                "addr": e.address,
                "st": "delivered" if isinstance(e, Alert.Delivered) else "abandoned",
                "n": e.attempts,
            }
            for e in events
            if not isinstance(e, Alert.Raised)
        ]
        if settled:
            conn.execute(
                update(outbox)
                .where(
                    outbox.c.alert_id == bindparam("key"),
                    outbox.c.channel == bindparam("ch"),
                    outbox.c.address == bindparam("addr"),
                )
                .values(state=bindparam("st"), attempts=bindparam("n"), next_at=None),
                settled,
            )
