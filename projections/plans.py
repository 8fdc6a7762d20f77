"""Read model: one row per plan (what `plan list` shows), and every version of it.

``rm_plan_versions`` holds each plan as it stood from ``rec_from`` until ``rec_to``
(``OPEN`` for the version in force), so `plan list --as-of T` is one query.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from sqlalchemy import BigInteger, Column, Connection, Integer, String, Table, Text

from projections.base import Lifeline, Row, RowProjection, closing_statement, epoch, metadata
from projections.bulk import insert_rows
from projections.events import PLAN, event_topics, plain
from projections.moments import OPEN
from projections.queries.views import PLAN_FIELDS


def _columns() -> list[Column[Any]]:
    return [
        Column("ref", String(64), nullable=False),
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
    ]


plans = Table("rm_plans", metadata, Column("plan_id", String(36), primary_key=True), *_columns())
plan_versions = Table(
    "rm_plan_versions",
    metadata,
    # task_id, as task versions name their key: the closing statement serves both.
    Column("task_id", String(36), primary_key=True),
    Column("version", Integer, primary_key=True),
    Column("rec_from", BigInteger, nullable=False),
    Column("rec_to", BigInteger, nullable=False),
    *_columns(),
)


def evolve(row: Row | None, event: Any) -> Row:
    """The plan's row after ``event``; pure."""
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
    if row is None:
        raise ValueError(f"a plan event ({kind}) before the plan was registered")
    row = {**row, "updated_at": at}
    if kind == "Amended":
        row.update({name: plain(value) for name, value in event.changes.items()})
    elif kind == "TableImported":
        row["tasks"] += len(event.added)
        row["imports"] += 1
    return row


def _version(row: Row, event: Any) -> Row:
    version = {k: v for k, v in row.items() if k != "plan_id"}
    at = epoch(event.timestamp)
    version.update(task_id=row["plan_id"], version=event.originator_version)
    return {**version, "rec_from": at, "rec_to": OPEN}


class PlansProjection(RowProjection):
    name = "plans"
    table = plans
    key_column = "plan_id"
    topics = event_topics(PLAN, "Registered", "Amended", "TableImported")

    @property
    def tables(self) -> tuple[Table, ...]:
        return (plans, plan_versions)

    def evolve(self, row: Row | None, event: Any) -> Row | None:
        return evolve(row, event)

    def apply(self, conn: Connection, events: list[Any]) -> None:
        super().apply(conn, events)
        by_plan: dict[str, list[Any]] = {}
        for event in events:
            by_plan.setdefault(str(event.originator_id), []).append(event)
        closing: list[dict[str, Any]] = []
        versions: list[Row] = []
        for key, mine in by_plan.items():
            state: Row | None = None
            if type(mine[0]).__name__ != "Registered":
                state = self._held(conn, key)
                closing.append({"key": key, "at": epoch(mine[0].timestamp)})
            for event in mine:
                state = evolve(state, event)
                if versions and versions[-1]["task_id"] == key:
                    versions[-1]["rec_to"] = epoch(event.timestamp)
                versions.append(_version(state, event))
        if closing:
            conn.execute(closing_statement(plan_versions), closing)
        insert_rows(conn, plan_versions, versions)

    def _held(self, conn: Connection, key: str) -> Row:
        query = plan_versions.select().where(
            plan_versions.c.task_id == key, plan_versions.c.rec_to == OPEN
        )
        found = dict(conn.execute(query).one()._mapping)
        for name in ("version", "rec_from", "rec_to"):
            found.pop(name)
        found["plan_id"] = found.pop("task_id")
        return found

    def replay(self, life: Lifeline) -> Iterator[tuple[Table, Row]]:
        row: Row | None = None
        versions: list[Row] = []
        for event in life.events:
            if isinstance(event, self.handles):
                row = evolve(row, event)
                if versions:
                    versions[-1]["rec_to"] = epoch(event.timestamp)
                versions.append(_version(row, event))
        if row is not None:
            yield plans, row
            for version in versions:
                yield plan_versions, version
