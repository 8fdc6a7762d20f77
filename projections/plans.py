"""Read model: one row per plan (what `plan list` shows)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import BigInteger, Column, Integer, String, Table, Text

from projections.base import Row, RowProjection, epoch, metadata
from projections.events import PLAN, event_topics, plain
from projections.views import PLAN_FIELDS

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


class PlansProjection(RowProjection):
    name = "plans"
    table = plans
    key_column = "plan_id"
    topics = event_topics(PLAN, "Registered", "Amended", "TableImported")

    def evolve(self, row: Row | None, event: Any) -> Row | None:
        at = epoch(event.timestamp)
        kind = type(event).__name__
        if kind == "Registered":
            return {
                "plan_id": str(event.originator_id),
                **{f: plain(getattr(event, f)) for f in PLAN_FIELDS},
                "tasks": 0,
                "imports": 0,
                "registered_at": at,
                "updated_at": at,
            }
        assert row is not None, "a plan event before the plan was registered"
        row = {**row, "updated_at": at}
        if kind == "Amended":
            row.update({name: plain(value) for name, value in event.changes.items()})
        elif kind == "TableImported":
            row["tasks"] += len(event.added)
            row["imports"] += 1
        return row
