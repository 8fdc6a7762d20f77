"""Read model: one row per task with what status, lists and dashboards need.

Units live in a side table (``rm_task_units``) so "every task of 市财政局" is an index
lookup, not a scan of JSON lists.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from datetime import UTC, date, datetime
from typing import TYPE_CHECKING, Any

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

from ledger.status import completed_late, operative_due
from projections.base import Lifeline, Row, RowProjection, epoch, metadata
from projections.bulk import insert_rows
from projections.events import TASK, event_topics

if TYPE_CHECKING:
    from ledger.task import Task

tasks = Table(
    "rm_tasks",
    metadata,
    Column("task_id", String(36), primary_key=True),
    Column("plan_id", String(36), nullable=False),
    Column("code", String(64), nullable=False),
    Column("row", Integer, nullable=False),
    Column("section", Text, nullable=False),
    Column("content", Text, nullable=False),
    Column("lead_units", JSON, nullable=False),
    Column("co_units", JSON, nullable=False),
    Column("deadline_text", Text, nullable=False),
    Column("deadline_kind", String(16), nullable=False),
    Column("due", BigInteger),  # epoch seconds of the due time in force (see _settle_due)
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
    Column("report_log", JSON, nullable=False),  # [[day, quantity], ...]: valid-time facts
    Column("period_log", JSON, nullable=False),  # [[period, day], ...] completed periods
    Column("completed_on", String(10)),
    Column("completed_by", Text),
    Column("completed_at", BigInteger),  # when the completion was recorded
    Column("next_due", BigInteger),  # the operative due: first open occurrence, else due
    Column("next_period", String(16)),
    Column("done_late", Boolean, nullable=False),  # completed on a day after the due day
    Column("reported_late", Boolean, nullable=False),  # and recorded after the due time
    Column("waived", Boolean, nullable=False),
    Column("version", Integer, nullable=False),
    Column("defined_at", BigInteger, nullable=False),
    Column("updated_at", BigInteger, nullable=False),
    Index("rm_tasks_plan", "plan_id", "row"),
    Index("rm_tasks_next_due", "next_due"),
    # Covers the dashboard by section: it groups without reading the rows themselves.
    Index("rm_tasks_section", "section", "waived", "completed_on", "next_due", "row"),
)

Standing = tuple[str, bool, bool, int | None]  # plan, waived, completed, operative due


def standing(row: Row) -> Standing:
    """A task's standing facts, as its unit links (current and versioned) carry them."""
    return (row["plan_id"], row["waived"], row["completed_on"] is not None, row["next_due"])


def standing_columns() -> list[Column[Any]]:
    """The columns of ``standing``, for each table of unit links (a Column has one table)."""
    return [
        Column("plan_id", String(36), nullable=False),
        Column("waived", Boolean, nullable=False),
        Column("completed", Boolean, nullable=False),
        Column("next_due", BigInteger),
    ]


task_units = Table(
    "rm_task_units",
    metadata,
    Column("task_id", String(36), primary_key=True),
    Column("unit", String(128), primary_key=True),
    Column("role", String(4), nullable=False),  # "lead" or "co"
    # The task's standing facts, copied onto each of its links, so the dashboard by unit
    # aggregates one table through one covering index instead of joining every link.
    *standing_columns(),
    Index("rm_task_units_unit", "unit", "plan_id", "waived", "completed", "next_due"),
    Index("rm_task_units_plan", "plan_id", "unit", "waived", "completed", "next_due"),
)


def _deadline_columns(deadline: Mapping[str, Any] | None) -> Row:
    spec = deadline or {}
    target = spec.get("target") or {}
    by = target.get("by")
    due = spec.get("due")
    return {
        "deadline_kind": spec.get("kind", "none"),
        "spec_due": epoch(datetime.fromisoformat(due)) if due else None,
        "provisional": bool(spec.get("provisional", False)),
        "occurrences": [
            [o["period"], epoch(datetime.fromisoformat(o["due"]))]
            for o in spec.get("occurrences", [])
        ],
        "target_min": target.get("minimum"),
        "target_by": epoch(datetime.fromisoformat(by)) if by else None,
    }


def _settle(row: Row) -> None:
    """Derive what depends on the facts but not on "now": due, operative due, lateness."""
    due = row["due_override"]
    if due is None:
        due = row["started_due"] if row["started_due"] is not None else row["spec_due"]
    row["due"] = due
    if row["completed_on"] is not None:
        row["next_due"], row["next_period"] = due, None
        # Lateness is judged by the day the work happened, in the plan's time zone.
        row["done_late"] = completed_late(
            date.fromisoformat(row["completed_on"]), _instant(due), row["tz"]
        )
    else:
        # A supervisor's due time replaces the occurrences' own.
        occurrences = [] if row["due_override"] is not None else row["occurrences"]
        row["next_due"], row["next_period"] = (
            operative_due(due, occurrences, (p for p, _ in row["period_log"]))
            if occurrences
            else (due, None)
        )
        row["done_late"] = False
    row["reported_late"] = bool(
        row["done_late"] and row["completed_at"] is not None and row["completed_at"] > due
    )


def _instant(seconds: int | None) -> datetime | None:
    return None if seconds is None else datetime.fromtimestamp(seconds, tz=UTC)


def _defined(event: Task.Defined) -> Row:
    at = epoch(event.timestamp)
    row = {
        "task_id": str(event.originator_id),
        "plan_id": str(event.plan_id),
        "code": event.code,
        "row": event.row,
        "section": event.section,
        "content": event.content,
        "lead_units": list(event.lead_units),
        "co_units": list(event.co_units),
        "deadline_text": event.deadline_text,
        **_deadline_columns(event.deadline),
        "tz": event.tz,
        "quantity_done": 0.0,
        "reports": 0,
        "last_report_on": None,
        "report_log": [],
        "period_log": [],
        "completed_on": None,
        "completed_by": None,
        "completed_at": None,
        "waived": False,
        "started_due": None,
        "due_override": None,
        "version": event.originator_version,
        "defined_at": at,
        "updated_at": at,
    }
    _settle(row)
    return row


def _amended(row: Row, event: Task.Amended) -> None:
    for name, value in event.changes.items():
        if name == "deadline":
            row.update(_deadline_columns(value))
        else:
            row[name] = value


def _reported(row: Row, event: Task.ProgressReported) -> None:
    row["reports"] += 1
    row["quantity_done"] += event.quantity or 0
    day = event.occurred_on.isoformat()
    row["report_log"] = [*row["report_log"], [day, event.quantity or 0]]
    if row["last_report_on"] is None or day > row["last_report_on"]:
        row["last_report_on"] = day


def _completed(row: Row, event: Task.Completed) -> None:
    if event.period is not None:
        row["period_log"] = [*row["period_log"], [event.period, event.occurred_on.isoformat()]]
        done = {p for p, _ in row["period_log"]}
        if any(p not in done for p, _ in row["occurrences"]):
            return
    row["completed_on"] = event.occurred_on.isoformat()
    row["completed_by"] = event.unit
    row["completed_at"] = epoch(event.timestamp)


def _reopened(row: Row, event: Task.Reopened) -> None:
    row["completed_on"] = row["completed_by"] = row["completed_at"] = None
    if event.period is None:
        row["period_log"] = []
    else:
        row["period_log"] = [[p, d] for p, d in row["period_log"] if p != event.period]


def _extended(row: Row, event: Task.DeadlineExtended) -> None:
    row["due_override"] = epoch(event.new_due)


def _set(row: Row, event: Task.DeadlineSet) -> None:
    row["due_override"] = epoch(event.due)


def _started(row: Row, event: Task.DeadlineStarted) -> None:
    row["started_due"] = epoch(event.due)
    row["provisional"] = row["provisional"] or event.provisional


def _reevaluated(row: Row, event: Task.DeadlineReevaluated) -> None:
    row.update(_deadline_columns(event.deadline))
    row["started_due"] = epoch(event.started_due)


def _reassigned(row: Row, event: Task.Reassigned) -> None:
    row["lead_units"] = list(event.lead_units)
    row["co_units"] = list(event.co_units)


def _waived(row: Row, event: Task.Waived) -> None:
    row["waived"] = True


# Task events after ``Defined``, by class name, and how each changes the row.
_CHANGES: dict[str, Callable[[Row, Any], None]] = {
    "Amended": _amended,
    "ProgressReported": _reported,
    "Completed": _completed,
    "Reopened": _reopened,
    "DeadlineExtended": _extended,
    "DeadlineSet": _set,
    "DeadlineStarted": _started,
    "DeadlineReevaluated": _reevaluated,
    "Reassigned": _reassigned,
    "Waived": _waived,
}


class TasksProjection(RowProjection):
    name = "tasks"
    table = tasks
    key_column = "task_id"
    topics = event_topics(TASK, "Defined", *_CHANGES)

    @property
    def tables(self) -> tuple[Table, ...]:
        return (tasks, task_units)

    def evolve(self, row: Row | None, event: Any) -> Row | None:
        kind = type(event).__name__
        if kind == "Defined":
            return _defined(event)
        assert row is not None, "a task event before the task was defined"
        row = {**row, "version": event.originator_version, "updated_at": epoch(event.timestamp)}
        _CHANGES[kind](row, event)
        _settle(row)
        return row

    def store(self, conn: Connection, rows: Mapping[str, Row | None], existed: set[str]) -> None:
        super().store(conn, rows, existed)
        # Every change can move a task's standing, so its links are written anew with it.
        replaced = [k for k in rows if k in existed]
        for i in range(0, len(replaced), 500):
            chunk = replaced[i : i + 500]
            conn.execute(task_units.delete().where(task_units.c.task_id.in_(chunk)))
        links = [link for row in rows.values() if row is not None for link in _links(row)]
        insert_rows(conn, task_units, links)

    def replay(self, life: Lifeline) -> Iterator[tuple[Table, Row]]:
        states = task_states(life)
        if states:
            yield tasks, states[-1]
            for link in _links(states[-1]):
                yield task_units, link


def task_states(life: Lifeline) -> list[Row]:
    """The task row after each of a task's events (empty for any other aggregate)."""

    def fold() -> list[Row]:
        states: list[Row] = []
        row: Row | None = None
        projection = TasksProjection()
        handles = projection.handles
        for event in life.events:
            if isinstance(event, handles):
                row = projection.evolve(row, event)
                assert row is not None
                states.append(row)
        return states

    return life.memo("task_states", fold)


def _links(row: Row) -> list[Row]:
    """A task's unit links, each carrying the task's standing."""
    plan_id, waived, completed, next_due = standing(row)
    return [
        {
            "task_id": row["task_id"],
            "unit": unit,
            "role": role,
            "plan_id": plan_id,
            "waived": waived,
            "completed": completed,
            "next_due": next_due,
        }
        for unit, role in _units(row)
    ]


def _units(row: Row | None) -> list[tuple[str, str]]:
    if row is None:
        return []
    pairs = [(u, "lead") for u in row["lead_units"]] + [(u, "co") for u in row["co_units"]]
    return sorted(dict(pairs).items())
