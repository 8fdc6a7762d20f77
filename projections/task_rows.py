"""A task as a read-model row: the pure mapping from its events, without SQLAlchemy.

The tasks and task-versions read models store these rows; `task show --as-of` folds a
task's events with the same mapping, so a list and a show never disagree. The row keeps
the facts (units, deadline, reports, completions) and what the status rules decide from
them whatever the moment (ledger/status.py): ``phase`` and ``next_due``, the operative due
of a task still to do. Instants are whole UTC seconds (``epoch``).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import UTC, date, datetime
from typing import Any

from ledger.status import completed_late, operative_due, phase
from projections.moments import epoch

Row = dict[str, Any]


def _instant(seconds: int | None) -> datetime | None:
    return None if seconds is None else datetime.fromtimestamp(seconds, tz=UTC)


def deadline_columns(deadline: Mapping[str, Any] | None) -> Row:
    """The columns a parsed deadline spec gives a row."""
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


def settle(row: Row) -> None:
    """Derive what depends on the facts but not on "now": due, phase, operative due."""
    due = row["due_override"]
    if due is None:
        due = row["started_due"] if row["started_due"] is not None else row["spec_due"]
    row["due"] = due
    completed = row["completed_on"] is not None
    late = completed and completed_late(
        date.fromisoformat(row["completed_on"]), _instant(due), row["tz"]
    )
    row["done_late"] = late
    row["phase"] = phase(waived=row["waived"], completed=completed, late=late)
    if row["phase"] != "todo":
        row["next_due"], row["next_period"] = None, None
    else:
        # A supervisor's due time replaces the occurrences' own.
        occurrences = [] if row["due_override"] is not None else row["occurrences"]
        row["next_due"], row["next_period"] = (
            operative_due(due, occurrences, (p for p, _ in row["period_log"]))
            if occurrences
            else (due, None)
        )
    row["reported_late"] = bool(
        late and row["completed_at"] is not None and row["completed_at"] > due
    )


def defined(event: Any) -> Row:
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
        **deadline_columns(event.deadline),
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
    settle(row)
    return row


def _amended(row: Row, event: Any) -> None:
    for name, value in event.changes.items():
        if name == "deadline":
            row.update(deadline_columns(value))
        else:
            row[name] = value


def _reported(row: Row, event: Any) -> None:
    row["reports"] += 1
    row["quantity_done"] += event.quantity or 0
    day = event.occurred_on.isoformat()
    row["report_log"] = [*row["report_log"], [day, event.quantity or 0]]
    if row["last_report_on"] is None or day > row["last_report_on"]:
        row["last_report_on"] = day


def _completed(row: Row, event: Any) -> None:
    if event.period is not None:
        row["period_log"] = [*row["period_log"], [event.period, event.occurred_on.isoformat()]]
        done = {p for p, _ in row["period_log"]}
        if any(p not in done for p, _ in row["occurrences"]):
            return
    row["completed_on"] = event.occurred_on.isoformat()
    row["completed_by"] = event.unit
    row["completed_at"] = epoch(event.timestamp)


def _reopened(row: Row, event: Any) -> None:
    row["completed_on"] = row["completed_by"] = row["completed_at"] = None
    if event.period is None:
        row["period_log"] = []
    else:
        row["period_log"] = [[p, d] for p, d in row["period_log"] if p != event.period]


def _extended(row: Row, event: Any) -> None:
    row["due_override"] = epoch(event.new_due)


def _set(row: Row, event: Any) -> None:
    row["due_override"] = epoch(event.due)


def _started(row: Row, event: Any) -> None:
    row["started_due"] = epoch(event.due)
    row["provisional"] = row["provisional"] or event.provisional


def _reevaluated(row: Row, event: Any) -> None:
    row.update(deadline_columns(event.deadline))
    row["started_due"] = epoch(event.started_due)


def _reassigned(row: Row, event: Any) -> None:
    row["lead_units"] = list(event.lead_units)
    row["co_units"] = list(event.co_units)


def _waived(row: Row, event: Any) -> None:
    row["waived"] = True


# Task events after ``Defined``, by class name, and how each changes the row.
CHANGES: dict[str, Callable[[Row, Any], None]] = {
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
EVENTS = ("Defined", *CHANGES)


def evolve(row: Row | None, event: Any) -> Row:
    """The row after ``event``; pure. Every task event has a row to change but the first."""
    kind = type(event).__name__
    if kind == "Defined":
        return defined(event)
    if row is None:
        raise ValueError(f"a task event ({kind}) before the task was defined")
    row = {**row, "version": event.originator_version, "updated_at": epoch(event.timestamp)}
    CHANGES[kind](row, event)
    settle(row)
    return row
