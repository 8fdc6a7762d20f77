"""Read model: one row per task (projections/task_rows.py), and its links to its units.

Units live in a side table (``rm_task_units``) so "every task of 市财政局" is an index
lookup, not a scan of JSON lists. A lead unit's link carries its share's standing (phase
and operative due), a helping unit's the task's, so the dashboard by unit counts one table
through one covering index and a unit counts a task done when its own share is.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Column,
    Connection,
    Float,
    Index,
    Integer,
    String,
    Table,
    Text,
)

from projections import task_rows
from projections.base import Lifeline, Row, RowProjection, metadata
from projections.bulk import insert_rows
from projections.events import TASK, event_topics
from projections.task_rows import units_of

tasks = Table(
    "rm_tasks",
    metadata,
    Column("task_id", String(36), primary_key=True),
    Column("plan_id", String(36), nullable=False),
    Column("code", String(64), nullable=False),
    Column("row", Integer, nullable=False),
    Column("section", Text, nullable=False),
    Column("content", Text, nullable=False),
    Column("lead_units", JSON, nullable=False),  # as the table names them
    Column("co_units", JSON, nullable=False),
    # Who answers (a group's members in its place): unit -> its share, with its standing.
    Column("shares", JSON, nullable=False),
    Column("helping", JSON, nullable=False),  # who helps, owing no completion
    Column("deadline_text", Text, nullable=False),
    Column("deadline_kind", String(16), nullable=False),
    Column("due", BigInteger),  # epoch seconds of the due time in force (task_rows.settle)
    Column("spec_due", BigInteger),  # as the deadline words were read
    Column("started_due", BigInteger),  # counted from a relative deadline's trigger
    Column("due_override", BigInteger),  # set or extended by a supervisor
    Column("provisional", Boolean, nullable=False),
    Column("tz", String(64), nullable=False),
    Column("occurrences", JSON, nullable=False),  # [[period, due epoch], ...]
    Column("target_min", Float),
    Column("target_by", BigInteger),
    Column("quantity_done", Float, nullable=False),
    Column("reports", Integer, nullable=False),
    Column("last_report_on", String(10)),
    Column("report_log", JSON, nullable=False),  # [[day, quantity, unit], ...]: valid time
    # The whole task completed (by a supervisor, or recorded before shares were kept).
    Column("whole_on", String(10)),
    Column("whole_at", BigInteger),  # when that was recorded
    Column("whole_periods", JSON, nullable=False),  # [[period, day], ...]
    Column("completed_on", String(10)),  # when the last share was, or the whole task
    Column("waived", Boolean, nullable=False),
    # What ledger/status.py decides from the facts, whatever the moment.
    Column("phase", String(10), nullable=False),  # waived, done, done_late, todo
    Column("next_due", BigInteger),  # a task to do: its operative due
    Column("next_period", String(16)),
    Column("done_late", Boolean, nullable=False),  # a share completed after its due day
    Column("version", Integer, nullable=False),
    Column("defined_at", BigInteger, nullable=False),
    Column("updated_at", BigInteger, nullable=False),
    Index("rm_tasks_plan", "plan_id", "row"),
    Index("rm_tasks_next_due", "next_due"),
    # Covers the dashboard by section: it groups without reading the rows themselves.
    Index("rm_tasks_section", "section", "phase", "next_due", "row"),
)

Standing = tuple[str, str, int | None]  # plan, phase, operative due


def standing(row: Row, unit: str | None = None) -> Standing:
    """A task's standing, or its standing for ``unit``: its share's, if it has one."""
    share = row["shares"].get(unit) if unit is not None else None
    judged = share if share is not None else row
    return (row["plan_id"], judged["phase"], judged["next_due"])


def standing_columns() -> list[Column[Any]]:
    """The columns of ``standing``, for each table of unit links (a Column has one table)."""
    return [
        Column("plan_id", String(36), nullable=False),
        Column("phase", String(10), nullable=False),
        Column("next_due", BigInteger),
    ]


task_units = Table(
    "rm_task_units",
    metadata,
    Column("task_id", String(36), primary_key=True),
    Column("unit", String(128), primary_key=True),
    Column("role", String(4), nullable=False),  # "lead" or "co"
    *standing_columns(),
    Index("rm_task_units_unit", "unit", "plan_id", "phase", "next_due"),
    Index("rm_task_units_plan", "plan_id", "unit", "phase", "next_due"),
)


class TasksProjection(RowProjection):
    name = "tasks"
    table = tasks
    key_column = "task_id"
    topics = event_topics(TASK, *task_rows.EVENTS)

    @property
    def tables(self) -> tuple[Table, ...]:
        return (tasks, task_units)

    def evolve(self, row: Row | None, event: Any) -> Row | None:
        return task_rows.evolve(row, event)

    def store(self, conn: Connection, rows: Mapping[str, Row | None], existed: set[str]) -> None:
        super().store(conn, rows, existed)
        # Every change can move a task's standing, so its links are written anew with it.
        replaced = [k for k in rows if k in existed]
        for i in range(0, len(replaced), 500):
            chunk = replaced[i : i + 500]
            conn.execute(task_units.delete().where(task_units.c.task_id.in_(chunk)))
        links = [link for row in rows.values() if row is not None for link in links_of(row)]
        insert_rows(conn, task_units, links)

    def replay(self, life: Lifeline) -> Iterator[tuple[Table, Row]]:
        states = task_states(life)
        if states:
            yield tasks, states[-1]
            for link in links_of(states[-1]):
                yield task_units, link


def task_states(life: Lifeline) -> list[Row]:
    """The task row after each of a task's events (empty for any other aggregate)."""

    def fold() -> list[Row]:
        states: list[Row] = []
        row: Row | None = None
        handles = TasksProjection().handles
        for event in life.events:
            if isinstance(event, handles):
                row = task_rows.evolve(row, event)
                states.append(row)
        return states

    return life.memo("task_states", fold)


def links_of(row: Row) -> list[Row]:
    """A task's unit links, each carrying the standing of that unit's share (or the task's)."""
    links = []
    for unit, role in units_of(row):
        plan_id, phase, next_due = standing(row, unit)
        links.append(
            {
                "task_id": row["task_id"],
                "unit": unit,
                "role": role,
                "plan_id": plan_id,
                "phase": phase,
                "next_due": next_due,
            }
        )
    return links
