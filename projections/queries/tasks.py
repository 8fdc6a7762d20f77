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

from ledger.errors import NotFound
from ledger.ids import parse_task_ref, task_id
from ledger.status import WARNING_WINDOW, assess
from projections import stored, task_rows
from projections.events import history_entry
from projections.queries.units import TASKS_OF_UNIT
from projections.queries.views import (
    TaskView,
    decoded,
    due_within,
    facts_of,
    judgement_moment,
)
from projections.reader import Reader, placeholders

# The tasks, and the tasks of ``:unit``, now and as of ``:moment``.
_NOW = (
    "SELECT t.*, p.ref AS plan_ref FROM rm_tasks t JOIN rm_plans p ON p.plan_id = t.plan_id",
    TASKS_OF_UNIT,
)
_PAST = (
    "SELECT t.*, c.content, c.deadline_text, p.ref AS plan_ref FROM rm_task_versions t"
    " JOIN rm_tasks c ON c.task_id = t.task_id JOIN rm_plans p ON p.plan_id = t.plan_id",
    "SELECT task_id FROM rm_task_unit_versions WHERE unit = :unit"
    " AND rec_to > :moment AND rec_from <= :moment",
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
    select, linked = _PAST if as_of is not None else _NOW
    moment = as_of or now
    conditions: list[str] = []
    params: dict[str, Any] = {"moment": int(moment.timestamp())}
    if as_of is not None:
        conditions.append("t.rec_to > :moment AND t.rec_from <= :moment")
    if f.plan_id is not None:
        conditions.append("t.plan_id = :plan_id")
        params["plan_id"] = f.plan_id
    if f.unit is not None:
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
        view = _view(decoded(row), valid_at, judged_at, warn, f.unit)
        if f.statuses and view.standing.status not in f.statuses:
            continue
        if f.within is not None and not due_within(view.standing, judged_at, f.within):
            continue
        found.append(view)
    return found


def _view(
    row: dict[str, Any], valid_at: date | None, at: datetime, warn: timedelta, unit: str | None
) -> TaskView:
    """A task judged at ``at``: for ``unit``, by its share (a unit answers for its own)."""
    facts = facts_of(row, valid_at)
    if valid_at is not None:  # the progress fields as the valid-time facts give them
        row["reports"] = facts.reports
        row["quantity_done"] = facts.quantity_done
        done = facts.outcome().completed_on
        row["completed_on"] = done.isoformat() if done is not None else None
    standing = assess(facts, at, warn, unit=unit)
    return TaskView(row=row, plan_ref=row.pop("plan_ref"), standing=standing)


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
    befores: list[dict[str, Any] | None] = []
    for event in events:
        befores.append(row)
        row = task_rows.evolve(row, event)
    assert row is not None
    plan = reader.rows("SELECT ref, tz FROM rm_plans WHERE plan_id = :p", {"p": row["plan_id"]})
    moment = judgement_moment(now, as_of, valid_at, plan[0]["tz"])
    facts = facts_of(row, valid_at)
    view = TaskView(row=row, plan_ref=plan[0]["ref"], standing=assess(facts, moment))
    return {
        **view.to_json(),
        "shares": share_entries(row, facts, moment),
        "as_of": as_of.isoformat() if as_of else None,
        "valid_at": valid_at.isoformat() if valid_at else None,
        "history": [
            {**history_entry(e), **changes(before, e)}
            for e, before in zip(events, befores, strict=True)
        ],
    }


def share_entries(row: dict[str, Any], facts: Any, moment: datetime) -> list[dict[str, Any]]:
    """Each lead unit's share (its standing at ``moment``), then each helping unit."""
    found = []
    for share in facts.shares:
        kept = row["shares"][share.unit]
        standing = assess(facts, moment, unit=share.unit)
        request = kept["request"]
        found.append(
            {
                "unit": share.unit,
                "role": "lead",
                "status": standing.status,
                "due": standing.due.isoformat() if standing.due else None,
                "reports": kept["reports"],
                "quantity": kept["quantity"],
                "completed_on": kept["completed_on"] or row["whole_on"],
                "periods": [p for p, _ in kept["periods"]],
                "extended_to": _iso(kept["due_override"], row["tz"]),
                "request": None
                if request is None
                else {
                    **request,
                    "to": _iso(request["to"], row["tz"]),
                    "at": _iso(request["at"], row["tz"]),
                },
            }
        )
    found += [
        {"unit": unit, "role": "co", "status": None, "reports": _reports_of(row, unit)}
        for unit in row["helping"]
        if unit not in row["shares"]
    ]
    return found


def changes(before: dict[str, Any] | None, event: Any) -> dict[str, Any]:
    """What an amendment, a deadline change or a reassignment changed, old and new:
    ``{"changed": {field: {"old", "new"}}}`` (nothing for other events)."""
    if before is None:
        return {}
    after = task_rows.evolve(before, event)
    kind = type(event).__name__
    if kind == "Amended":
        fields = [n if n != "deadline" else "due" for n in event.changes]
    elif kind in ("Reassigned", "SharesAssigned"):
        fields = ["lead_units", "co_units", "answering", "helping"]
    elif kind in ("DeadlineExtended", "DeadlineSet", "ExtensionApproved"):
        fields = ["due", *([f"share:{event.unit}"] if kind == "ExtensionApproved" else [])]
    else:
        return {}
    found = {}
    for name in fields:
        old, new = _value(before, name), _value(after, name)
        if old != new:
            found[name.removeprefix("share:")] = {"old": old, "new": new}
    return {"changed": found}


def _value(row: dict[str, Any], name: str) -> Any:
    if name == "due":
        return _iso(row["due"], row["tz"])
    if name == "answering":
        return list(row["shares"])
    if name.startswith("share:"):
        share = row["shares"].get(name.removeprefix("share:"))
        return None if share is None else _iso(share["due_override"], row["tz"])
    return row.get(name)


def _reports_of(row: dict[str, Any], unit: str) -> int:
    return sum(1 for r in row["report_log"] if r[2:] == [unit])


def _iso(seconds: int | None, tz: str) -> str | None:
    from zoneinfo import ZoneInfo

    if seconds is None:
        return None
    return datetime.fromtimestamp(seconds, ZoneInfo(tz)).isoformat()
