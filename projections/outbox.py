"""Read model: the outbox — one row per alert and recipient, and how delivering it went.

Rows come from ``Alert.Raised`` (one per recipient it names); each failed attempt
(``Alert.DeliveryFailed``, with when to try again), the delivery and the giving up are
ledger facts too, so the rows follow from events alone and a rebuild neither sends a
delivered alert again nor forgets how often one failed.
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
    Column("last_at", BigInteger),  # the last attempt
    Column("settled_at", BigInteger),  # delivered or given up
    Index("rm_outbox_due", "state", "next_at"),
    Index("rm_outbox_unit", "unit"),
)


class OutboxProjection(Projection):
    name = "outbox"
    topics = event_topics(ALERT, "Raised", "Delivered", "DeliveryFailed", "DeliveryAbandoned")

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
                .values(
                    state=bindparam("state"),
                    attempts=bindparam("attempts"),
                    next_at=bindparam("next_at"),
                    last_error=bindparam("last_error"),
                    last_at=bindparam("last_at"),
                    settled_at=bindparam("settled_at"),
                ),
                settled,
            )

    def replay(self, life: Lifeline) -> Iterator[tuple[Table, Row]]:
        rows: dict[tuple[str, str], Row] = {}
        handles = self.handles
        for event in life.events:
            if _is_raised(event):
                rows.update({(r["channel"], r["address"]): r for r in _raised(event)})
            elif isinstance(event, handles):  # an attempt's outcome
                row = rows.get((event.channel, event.address))
                if row is not None:
                    row.update(_settled(event))
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
            "last_at": None,
            "settled_at": None,
        }
        for unit, channel, address in event.recipients
    ]


def _settled(event: Any) -> Row:
    """What an attempt's outcome sets on its row."""
    at = epoch(event.timestamp)
    kind = type(event).__name__
    if kind == "DeliveryFailed":
        return {
            "state": "pending",
            "attempts": event.attempts,
            "next_at": epoch(event.next_at),
            "last_error": event.error,
            "last_at": at,
            "settled_at": None,
        }
    delivered = kind == "Delivered"
    return {
        "state": "delivered" if delivered else "abandoned",
        "attempts": event.attempts,
        "next_at": None,
        "last_error": "" if delivered else event.reason,
        "last_at": at,
        "settled_at": at,
    }
