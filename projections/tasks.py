"""Read model: one row per task (projections/task_rows.py), as the ledger holds it now.

Its links to its units, with each unit's standing, are versions of their own
(projections/task_versions.py): the links in force are the open versions.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Column,
    Float,
    Index,
    Integer,
    String,
    Table,
    Text,
)

from projections import task_rows
from projections.base import Lifeline, Row, RowProjection, metadata
from projections.events import TASK, event_topics

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


class TasksProjection(RowProjection):
    name = "tasks"
    table = tasks
    key_column = "task_id"
    topics = event_topics(TASK, *task_rows.EVENTS)

    def evolve(self, row: Row | None, event: Any) -> Row | None:
        return task_rows.evolve(row, event)

    def replay(self, life: Lifeline) -> Iterator[tuple[Table, Row]]:
        states = task_states(life)
        if states:
            yield tasks, states[-1]


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
