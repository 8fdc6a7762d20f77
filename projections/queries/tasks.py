"""Tasks: the task list (now, as of a past moment, valid at a past day) and one task in full.

The list is one query: the current rows, or the versions the ledger held at ``as_of``
(rm_task_versions); each task is judged by the status rules (ledger/status.py) at the
moment asked about, with ``valid_at`` counting only what had happened by that day.
`task show` folds the task's stored events with the read model's own mapping
(projections/task_rows.py), so it shows exactly what the ledger knew at any moment.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any
from uuid import UUID

from ledger.errors import InvalidInput, NotFound
from ledger.ids import parse_task_ref, task_id
from ledger.status import WARNING_WINDOW, assess
from projections import stored, task_rows
from projections.events import history_entry
from projections.queries.views import (
    TaskView,
    decoded,
    due_within,
    facts_of,
    judgement_moment,
)
from projections.reader import Reader, placeholders

_NOW = (
    "SELECT t.*, p.ref AS plan_ref FROM rm_tasks t JOIN rm_plans p ON p.plan_id = t.plan_id",
    "rm_task_units u",
    "",
)
_PAST = (
    "SELECT t.*, c.content, c.deadline_text, p.ref AS plan_ref FROM rm_task_versions t"
    " JOIN rm_tasks c ON c.task_id = t.task_id JOIN rm_plans p ON p.plan_id = t.plan_id",
    "rm_task_unit_versions u",
    " AND u.rec_to > :moment AND u.rec_from <= :moment",
)


@dataclass(frozen=True)
class TaskFilter:
    """Which tasks a list shows; every field is optional."""

    plan_id: str | None = None
    unit: str | None = None
    statuses: Sequence[str] = ()
    within: timedelta | None = None  # due within this window of the moment
    deadline_kinds: Sequence[str] = ()
    provisional: bool | None = None


def list_tasks(
    reader: Reader,
    *,
    now: datetime,
    where: TaskFilter | None = None,
    as_of: datetime | None = None,
    valid_at: date | None = None,
    tz: str = "Asia/Shanghai",
    warn: timedelta = WARNING_WINDOW,
) -> list[TaskView]:
    """Tasks in table order with their standing at the moment asked about."""
    f = where or TaskFilter()
    select, units, held = _PAST if as_of is not None else _NOW
    moment = as_of or now
    conditions: list[str] = []
    params: dict[str, Any] = {"moment": int(moment.timestamp())}
    if as_of is not None:
        conditions.append("t.rec_to > :moment AND t.rec_from <= :moment")
    if f.plan_id is not None:
        conditions.append("t.plan_id = :plan_id")
        params["plan_id"] = f.plan_id
    if f.unit is not None:
        linked = f"SELECT u.task_id FROM {units} WHERE u.unit = :unit{held}"
        conditions.append(f"t.task_id IN ({linked})")
        params["unit"] = f.unit
    if f.deadline_kinds:
        marks, values = placeholders("kind", list(f.deadline_kinds))
        conditions.append(f"t.deadline_kind IN ({marks})")
        params.update(values)
    if f.provisional is not None:
        conditions.append("t.provisional = :provisional")
        params["provisional"] = f.provisional
    sql = select + (" WHERE " + " AND ".join(conditions) if conditions else "")
    sql += " ORDER BY p.year, p.ref, t.row, t.code"
    judged_at = judgement_moment(now, as_of, valid_at, tz)
    found: list[TaskView] = []
    for row in reader.rows(sql, params):
        view = _view(decoded(row), valid_at, judged_at, warn)
        if f.statuses and view.standing.status not in f.statuses:
            continue
        if f.within is not None and not due_within(view.standing, judged_at, f.within):
            continue
        found.append(view)
    return found


def _view(row: dict[str, Any], valid_at: date | None, at: datetime, warn: timedelta) -> TaskView:
    facts = facts_of(row, valid_at)
    if valid_at is not None:  # the progress fields as the valid-time facts give them
        row["reports"] = facts.reports
        row["quantity_done"] = facts.quantity_done
        row["completed_on"] = facts.completed_on.isoformat() if facts.completed_on else None
    return TaskView(row=row, plan_ref=row.pop("plan_ref"), standing=assess(facts, at, warn))


def plan_id_of(reader: Reader, ref: str) -> str:
    """A plan's id from its id or short reference."""
    found = reader.value(
        "SELECT plan_id FROM rm_plans WHERE plan_id = :ref OR ref = :ref", {"ref": ref.strip()}
    )
    if found is None:
        raise NotFound(f"plan {ref!r} not found; `taizhang plan list` shows the plans")
    return str(found)


def task_id_of(reader: Reader, ref: str) -> UUID:
    """A task's id from its id or PLANREF/CODE."""
    parsed = parse_task_ref(ref)
    if isinstance(parsed, UUID):
        tid = parsed
    else:
        tid = task_id(UUID(plan_id_of(reader, parsed[0])), parsed[1])
    if reader.value("SELECT 1 FROM rm_tasks WHERE task_id = :id", {"id": str(tid)}) is None:
        raise NotFound(f"task {ref!r} not found")
    return tid


def check_unit(reader: Reader, unit: str) -> None:
    """An unknown unit is an error with suggestions, not an empty list."""
    import difflib

    if reader.value("SELECT 1 FROM rm_task_units WHERE unit = :unit", {"unit": unit}):
        return
    names = sorted(r[0] for r in reader.tuples("SELECT DISTINCT unit FROM rm_task_units"))
    close = difflib.get_close_matches(unit, names, n=3, cutoff=0.5)
    hint = f"; did you mean {'、'.join(close)}?" if close else ""
    raise InvalidInput(f"no task names the unit {unit!r}{hint}")


def task_document(
    reader: Reader,
    tid: UUID,
    *,
    now: datetime,
    as_of: datetime | None = None,
    valid_at: date | None = None,
) -> dict[str, Any]:
    """The task object of the CLI contract plus ``history``, as the ledger knew it at
    ``as_of`` (now by default)."""
    events = stored.events_of(reader, tid)
    if as_of is not None:
        events = [e for e in events if e.timestamp <= as_of]
    if not events:
        when = f" at {as_of.isoformat()}" if as_of else ""
        raise NotFound(f"task {tid} was not yet in the ledger{when}")
    row: dict[str, Any] | None = None
    for event in events:
        row = task_rows.evolve(row, event)
    assert row is not None
    plan = reader.rows("SELECT ref, tz FROM rm_plans WHERE plan_id = :p", {"p": row["plan_id"]})
    moment = judgement_moment(now, as_of, valid_at, plan[0]["tz"])
    standing = assess(facts_of(row, valid_at), moment)
    view = TaskView(row=row, plan_ref=plan[0]["ref"], standing=standing)
    return {
        **view.to_json(),
        "as_of": as_of.isoformat() if as_of else None,
        "valid_at": valid_at.isoformat() if valid_at else None,
        "history": [history_entry(e) for e in events],
    }
