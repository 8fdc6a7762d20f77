"""Read model for time travel: every version of every task, with when the ledger held it.

Each task event closes the task's current version and opens a new one: ``[rec_from,
rec_to)`` in transaction time (``rec_to`` NULL for the version in force). "As of T" is
then one indexed range query instead of a replay. The rows carry the valid-time logs
(report and period days), so "valid at D" is judged from the same rows.
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
    and_,
    bindparam,
    or_,
    select,
    update,
)
from sqlalchemy.sql.elements import ColumnElement

from projections.base import Projection, Row, epoch, metadata
from projections.tasks import TasksProjection, tasks

# What a version leaves out of the task row: the long texts, which the current row has.
_NOT_VERSIONED = frozenset({"task_id", "content", "deadline_text", "version"})

task_versions = Table(
    "rm_task_versions",
    metadata,
    Column("task_id", String(36), primary_key=True),
    Column("version", Integer, primary_key=True),
    Column("rec_from", BigInteger, nullable=False),
    Column("rec_to", BigInteger),
    # Every other column as the tasks read model has it, so the two never drift apart.
    *(
        Column(c.name, c.type, nullable=c.nullable)
        for c in tasks.columns
        if c.name not in _NOT_VERSIONED
    ),
    Index("rm_task_versions_plan", "plan_id", "rec_from"),
    Index("rm_task_versions_open", "task_id", "rec_to"),
)

# Which units a task had, and when: "as of T, by unit" joins the two tables at T.
task_unit_versions = Table(
    "rm_task_unit_versions",
    metadata,
    Column("task_id", String(36), primary_key=True),
    Column("unit", String(128), primary_key=True),
    Column("since_version", Integer, primary_key=True),  # unique even within one second
    Column("rec_from", BigInteger, nullable=False),
    Column("rec_to", BigInteger),
    Index("rm_task_unit_versions_unit", "unit", "rec_from"),
    Index("rm_task_unit_versions_open", "task_id", "rec_to"),
)

_COLUMNS = frozenset(c.name for c in task_versions.columns)


def _units(row: Row) -> list[str]:
    return list(dict.fromkeys([*row["lead_units"], *row["co_units"]]))


def units_held_at(moment: int) -> ColumnElement[bool]:
    """The task-unit links the ledger held at ``moment`` (epoch seconds)."""
    t = task_unit_versions
    return and_(t.c.rec_from <= moment, or_(t.c.rec_to.is_(None), t.c.rec_to > moment))


def held_at(moment: int) -> ColumnElement[bool]:
    """The versions the ledger held at ``moment`` (epoch seconds)."""
    return and_(
        task_versions.c.rec_from <= moment,
        or_(task_versions.c.rec_to.is_(None), task_versions.c.rec_to > moment),
    )


class TaskVersionsProjection(Projection):
    name = "task_versions"
    handles: ClassVar[tuple[type, ...]] = TasksProjection.handles

    def __init__(self) -> None:
        self._rows = TasksProjection()  # the same pure mapping as the current rows

    @property
    def tables(self) -> tuple[Table, ...]:
        return (task_versions, task_unit_versions)

    def apply(self, conn: Connection, events: list[Any]) -> None:
        keys = sorted({str(e.originator_id) for e in events})
        state = self._current(conn, keys)
        had_open = set(state)
        closed_at: dict[str, int] = {}
        fresh: list[Row] = []
        last_fresh: dict[str, Row] = {}
        units_before = {k: _units(r) for k, r in state.items()}
        unit_changes: dict[str, list[tuple[int, int, list[str]]]] = {}
        for event in events:
            key = str(event.originator_id)
            at = epoch(event.timestamp)
            assert at is not None
            if key in last_fresh:
                last_fresh[key]["rec_to"] = at
            elif key in had_open and key not in closed_at:
                closed_at[key] = at
            row = self._rows.evolve(state.get(key), event)
            assert row is not None
            state[key] = row
            units = _units(row)
            if units != units_before.get(key):
                unit_changes.setdefault(key, []).append((at, event.originator_version, units))
                units_before[key] = units
            version = {k: v for k, v in row.items() if k in _COLUMNS}
            version.update(version=event.originator_version, rec_from=at, rec_to=None)
            fresh.append(version)
            last_fresh[key] = version
        if closed_at:
            close = (
                update(task_versions)
                .where(
                    task_versions.c.task_id == bindparam("key"), task_versions.c.rec_to.is_(None)
                )
                .values(rec_to=bindparam("at"))
            )
            conn.execute(close, [{"key": k, "at": at} for k, at in closed_at.items()])
        conn.execute(task_versions.insert(), fresh)
        self._record_units(conn, unit_changes, had_open)

    def _record_units(
        self,
        conn: Connection,
        changes: dict[str, list[tuple[int, int, list[str]]]],
        had_open: set[str],
    ) -> None:
        t = task_unit_versions
        closing = [{"key": k, "at": v[0][0]} for k, v in changes.items() if k in had_open]
        if closing:
            conn.execute(
                update(t)
                .where(t.c.task_id == bindparam("key"), t.c.rec_to.is_(None))
                .values(rec_to=bindparam("at")),
                closing,
            )
        links = [
            {
                "task_id": key,
                "unit": unit,
                "since_version": version,
                "rec_from": at,
                "rec_to": steps[i + 1][0] if i + 1 < len(steps) else None,
            }
            for key, steps in changes.items()
            for i, (at, version, units) in enumerate(steps)
            for unit in units
        ]
        if links:
            conn.execute(t.insert(), links)

    def _current(self, conn: Connection, keys: list[str]) -> dict[str, Row]:
        found: dict[str, Row] = {}
        for i in range(0, len(keys), 500):
            query = select(task_versions).where(
                task_versions.c.task_id.in_(keys[i : i + 500]), task_versions.c.rec_to.is_(None)
            )
            for r in conn.execute(query):
                row = dict(r._mapping)
                for name in ("version", "rec_from", "rec_to"):
                    row.pop(name)
                found[row["task_id"]] = row
        return found
