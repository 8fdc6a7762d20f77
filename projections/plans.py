"""Read model: one row per plan (what `plan list` shows)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import BigInteger, Column, Integer, String, Table, Text

from projections.base import Row, RowProjection, epoch, metadata
from projections.events import PLAN, event_topics, plain

plans = Table(
    "rm_plans",
    metadata,
    Column("plan_id", String(36), primary_key=True),
    Column("ref", String(64), nullable=False, unique=True),
    Column("title", Text, nullable=False),
    Column("issuer", Text, nullable=False),
    Column("doc_no", Text, nullable=False),
    Column("year", Integer, nullable=False),
    Column("issued_on", String(10)),
    Column("tz", String(64), nullable=False),
    Column("tasks", Integer, nullable=False),
    Column("imports", Integer, nullable=False),
    Column("registered_at", BigInteger, nullable=False),
    Column("updated_at", BigInteger, nullable=False),
)


PLAN_FIELDS = ("ref", "title", "issuer", "doc_no", "year", "issued_on", "tz")


def plan_step(row: Row | None, kind: str, plan_id: str, at: int, fields: Mapping[str, Any]) -> Row:
    """The plan row after one of its events, given by the event's type name, when it was
    recorded and its own fields — an event's, or a history entry's plain ones (so
    `plan list --as-of` folds the history with this same mapping)."""
    if kind == "Registered":
        return {
            "plan_id": plan_id,
            **{f: plain(fields[f]) for f in PLAN_FIELDS},
            "tasks": 0,
            "imports": 0,
            "registered_at": at,
            "updated_at": at,
        }
    assert row is not None, "a plan event before the plan was registered"
    row = {**row, "updated_at": at}
    if kind == "Amended":
        row.update({name: plain(value) for name, value in fields["changes"].items()})
    elif kind == "TableImported":
        row["tasks"] += len(fields["added"])
        row["imports"] += 1
    return row


class PlansProjection(RowProjection):
    name = "plans"
    table = plans
    key_column = "plan_id"
    topics = event_topics(PLAN, "Registered", "Amended", "TableImported")

    def evolve(self, row: Row | None, event: Any) -> Row | None:
        at = epoch(event.timestamp)
        assert at is not None
        return plan_step(row, type(event).__name__, str(event.originator_id), at, vars(event))
