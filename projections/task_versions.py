"""Read model for time travel: every version of every task, with when the ledger held it.

Each task event closes the task's current version and opens a new one: ``[rec_from,
rec_to)`` in transaction time (``rec_to`` is ``OPEN`` for the version in force). "As of T"
is then one indexed range query instead of a replay. The rows carry the valid-time logs
(report and period days), so "valid at D" is judged from the same rows.
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
    and_,
    select,
    text,
)
from sqlalchemy.sql.elements import ColumnElement

from projections import task_rows, unit_tally
from projections.base import Lifeline, Projection, Row, closing_statement, epoch, metadata
from projections.bulk import insert_rows
from projections.moments import CLOSED, IN_FORCE, OPEN
from projections.reader import batches
from projections.task_rows import units_of
from projections.tasks import TasksProjection, task_states, tasks

# What a version leaves out of the task row: the long texts, which the current row has.
_NOT_VERSIONED = frozenset({"task_id", "content", "deadline_text", "version"})

# The end of the version in force (projections/moments.py) is not NULL, so "held at T"
# (rec_from <= T < rec_to) is one range on rec_to: an index that has rec_to first skips
# every version closed before T instead of reading and dropping it.
_HELD_THEN_COUNTED = ("rec_to", "rec_from", "phase", "next_due", "row")

task_versions = Table(
    "rm_task_versions",
    metadata,
    Column("task_id", String(36), primary_key=True),
    Column("version", Integer, primary_key=True),
    Column("rec_from", BigInteger, nullable=False),
    Column("rec_to", BigInteger, nullable=False),
    # Every other column as the tasks read model has it, so the two never drift apart.
    *(
        Column(c.name, c.type, nullable=c.nullable)
        for c in tasks.columns
        if c.name not in _NOT_VERSIONED
    ),
    # Cover the dashboard as of T by plan and by section: they read no row itself.
    Index("rm_task_versions_plan", "plan_id", *_HELD_THEN_COUNTED),
    # By section: PostgreSQL reads the versions held at T from a range on rec_to and
    # groups them by hashing; SQLite groups in index order, skipping from section to
    # section to where rec_to > T (a skip-scan, chosen from the ANALYZE statistics).
    Index("rm_task_versions_section", "section", *_HELD_THEN_COUNTED).ddl_if(dialect="sqlite"),
    Index("rm_task_versions_held", "rec_to", "section", *_HELD_THEN_COUNTED[1:]).ddl_if(
        dialect="postgresql"
    ),
    # (The version in force of a task is found through the key: task_id, then rec_to.)
)

# Which units a task has and had, in which role, its standing with each, and when. A new
# row only when the units, roles or standing change (reports change none). The links in
# force ("every task of 市财政局") are read through a partial index of their own; "as of
# T, by unit" for one plan through one covering index; for the whole ledger, the counts
# of rm_unit_tally correct by it.
task_unit_versions = Table(
    "rm_task_unit_versions",
    metadata,
    Column("task_id", String(36), primary_key=True),
    Column("unit", String(128), primary_key=True),
    Column("since_version", Integer, primary_key=True),  # unique even within one second
    Column("rec_from", BigInteger, nullable=False),
    Column("rec_to", BigInteger, nullable=False),
    Column("role", String(4), nullable=False),  # "lead" or "co"
    # The unit's standing: its share's (a lead unit) or the task's (a helping unit).
    Column("plan_id", String(36), nullable=False),
    Column("phase", String(10), nullable=False),
    Column("next_due", BigInteger),
    # The links in force by unit, covering a unit's task list and its dashboard.
    Index(
        "rm_task_unit_versions_now",
        "unit",
        "plan_id",
        "phase",
        "next_due",
        "task_id",
        sqlite_where=text(IN_FORCE),
        postgresql_where=text(IN_FORCE),
    ),
    # The links opened and closed between two moments, counted by unit: what corrects
    # the counts held at a month start to those held at T (projections/unit_tally.py).
    Index("rm_task_unit_versions_from", "rec_from", "unit", "phase", "next_due"),
    # Closed versions only: half the entries, and closing a task's open versions
    # (task_id = K AND rec_to = OPEN) keeps to the key instead of reading every open
    # version through this index (a planner without statistics took it: 7x slower).
    Index(
        "rm_task_unit_versions_to",
        "rec_to",
        "unit",
        "phase",
        "next_due",
        sqlite_where=text(CLOSED),
        postgresql_where=text(CLOSED),
    ),
    Index(
        "rm_task_unit_versions_plan",
        "plan_id",
        "unit",
        "rec_to",
        "rec_from",
        "phase",
        "next_due",
    ),
)


def units_held_at(moment: int) -> ColumnElement[bool]:
    """The task-unit links the ledger held at ``moment`` (epoch seconds)."""
    t = task_unit_versions
    return and_(t.c.rec_to > moment, t.c.rec_from <= moment)


def held_at(moment: int) -> ColumnElement[bool]:
    """The versions the ledger held at ``moment`` (epoch seconds)."""
    return and_(task_versions.c.rec_to > moment, task_versions.c.rec_from <= moment)


Standing = tuple[str, str, int | None]  # plan, phase, operative due
Held = tuple[tuple[str, str, Standing], ...]  # a task's units, their roles and standing
UnitChange = tuple[int, int, Held]  # recorded at, since version, what is held from then


def standing(row: Row, unit: str) -> Standing:
    """A task's standing for ``unit``: its share's, if it has one, else the task's."""
    share = row["shares"].get(unit)
    judged = share if share is not None else row
    return (row["plan_id"], judged["phase"], judged["next_due"])


def _held(row: Row) -> Held:
    return tuple((unit, role, standing(row, unit)) for unit, role in units_of(row))


def _versions(
    steps: list[tuple[Any, Row]], held_before: Held | None
) -> tuple[list[Row], list[UnitChange]]:
    """One task's new version rows (each closed by the next) and the changes of its units
    or their standing, from its events paired with the task row after each."""
    versions: list[Row] = []
    changes: list[UnitChange] = []
    for event, row in steps:
        at = epoch(event.timestamp)
        assert at is not None
        if versions:
            versions[-1]["rec_to"] = at
        held = _held(row)
        if held != held_before:
            changes.append((at, event.originator_version, held))
            held_before = held
        # The row's other keys (its long texts) are not columns here; the writer skips them.
        versions.append(
            {**row, "version": event.originator_version, "rec_from": at, "rec_to": OPEN}
        )
    return versions, changes


def _unit_links(key: str, changes: list[UnitChange]) -> list[Row]:
    return [
        {
            "task_id": key,
            "unit": unit,
            "since_version": version,
            "rec_from": at,
            "rec_to": changes[i + 1][0] if i + 1 < len(changes) else OPEN,
            "role": role,
            "plan_id": plan_id,
            "phase": phase,
            "next_due": next_due,
        }
        for i, (at, version, held) in enumerate(changes)
        for unit, role, (plan_id, phase, next_due) in held
    ]


class TaskVersionsProjection(Projection):
    name = "task_versions"
    topics = TasksProjection.topics

    @property
    def tables(self) -> tuple[Table, ...]:
        return (task_versions, task_unit_versions, unit_tally.unit_tally)

    def replay_finished(self, conn: Connection) -> None:
        unit_tally.fill(conn)

    def replay(self, life: Lifeline) -> Iterator[tuple[Table, Row]]:
        states = task_states(life)
        if not states:
            return
        steps = list(
            zip([e for e in life.events if isinstance(e, self.handles)], states, strict=True)
        )
        versions, changes = _versions(steps, None)
        for version in versions:
            yield task_versions, version
        for link in _unit_links(states[0]["task_id"], changes):
            yield task_unit_versions, link

    def apply(self, conn: Connection, events: list[Any]) -> None:
        by_task: dict[str, list[Any]] = {}
        for event in events:
            by_task.setdefault(str(event.originator_id), []).append(event)
        state = self._current(conn, sorted(by_task))
        latest = unit_tally.latest_from(conn)
        fresh: list[Row] = []
        closing: list[dict[str, Any]] = []
        links: list[Row] = []
        closing_links: list[dict[str, Any]] = []
        unheld: list[tuple[str, str, int | None]] = []  # links held now no longer
        for key, mine in by_task.items():
            before = state.get(key)
            steps: list[tuple[Any, Row]] = []
            row = before
            for event in mine:
                row = task_rows.evolve(row, event)
                steps.append((event, row))
            versions, changes = _versions(steps, None if before is None else _held(before))
            fresh += versions
            links += _unit_links(key, changes)
            if before is not None:
                closing.append({"key": key, "at": versions[0]["rec_from"]})
                if changes:
                    closing_links.append({"key": key, "at": changes[0][0]})
                    unheld += [(unit, phase, due) for unit, _, (_, phase, due) in _held(before)]
        for table, rows in ((task_versions, closing), (task_unit_versions, closing_links)):
            if rows:
                conn.execute(closing_statement(table), rows)
        insert_rows(conn, task_versions, fresh)
        insert_rows(conn, task_unit_versions, links)
        unit_tally.follow(conn, latest, unheld, links)

    def _current(self, conn: Connection, keys: list[str]) -> dict[str, Row]:
        found: dict[str, Row] = {}
        for chunk in batches(keys):
            query = select(task_versions).where(
                task_versions.c.task_id.in_(chunk), task_versions.c.rec_to == OPEN
            )
            for r in conn.execute(query):
                row = dict(r._mapping)
                for name in ("version", "rec_from", "rec_to"):
                    row.pop(name)
                found[row["task_id"]] = row
        return found
