"""The current task list, the plans, plan lookup and unit names, in plain SQL
(projections/reader.py).

These are what `task list` needs on current read models; they import no SQLAlchemy, so
the command starts quickly on a SQLite store. The table and column names are the read
models' (projections/tasks.py, projections/plans.py).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from ledger.status import WARNING_WINDOW, assess
from projections.reader import Reader, from_json, placeholders
from projections.views import TaskView, due_within, facts_of, plan_item

_JSON = ("lead_units", "co_units", "occurrences", "report_log", "period_log")
_FLAGS = ("provisional", "done_late", "reported_late", "waived")  # 0/1 on SQLite


def list_current(
    reader: Reader,
    *,
    now: datetime,
    plan_id: str | None = None,
    unit: str | None = None,
    statuses: Sequence[str] = (),
    within: timedelta | None = None,
    deadline_kinds: Sequence[str] = (),
    provisional: bool | None = None,
    warn: timedelta = WARNING_WINDOW,
) -> list[TaskView]:
    """Tasks as they stand now, in table order, filtered by plan, unit, deadline kind,
    status and nearness of due (``within``)."""
    where: list[str] = []
    params: dict[str, Any] = {}
    if plan_id is not None:
        where.append("t.plan_id = :plan_id")
        params["plan_id"] = plan_id
    if unit is not None:
        where.append("t.task_id IN (SELECT task_id FROM rm_task_units WHERE unit = :unit)")
        params["unit"] = unit
    if deadline_kinds:
        marks, values = placeholders("kind", list(deadline_kinds))
        where.append(f"t.deadline_kind IN ({marks})")
        params.update(values)
    if provisional is not None:
        where.append("t.provisional = :provisional")
        params["provisional"] = provisional
    sql = (
        "SELECT t.*, p.ref AS plan_ref FROM rm_tasks t JOIN rm_plans p ON p.plan_id = t.plan_id"
        + (" WHERE " + " AND ".join(where) if where else "")
        + " ORDER BY p.year, p.ref, t.row, t.code"
    )
    found: list[TaskView] = []
    for row in reader.rows(sql, params):
        for column in _JSON:
            row[column] = from_json(row[column])
        for column in _FLAGS:
            row[column] = bool(row[column])
        standing = assess(facts_of(row), now, warn)
        if statuses and standing.status not in statuses:
            continue
        if within is not None and not due_within(standing, now, within):
            continue
        found.append(TaskView(row=row, plan_ref=row.pop("plan_ref"), standing=standing))
    return found


def current_plans(reader: Reader) -> list[dict[str, Any]]:
    """Every plan, as it stands now."""
    return [plan_item(r) for r in reader.rows("SELECT * FROM rm_plans ORDER BY year, ref")]


def plan_id_of(reader: Reader, ref: str) -> str:
    """A plan's id from its id or short reference."""
    from ledger.errors import NotFound

    sql = "SELECT plan_id FROM rm_plans WHERE plan_id = :ref OR ref = :ref"
    found = reader.rows(sql, {"ref": ref})
    if not found:
        raise NotFound(f"plan {ref!r} not found")
    return str(found[0]["plan_id"])


def has_unit(reader: Reader, unit: str) -> bool:
    """Whether any task names ``unit`` (lead or co)."""
    sql = "SELECT 1 AS found FROM rm_task_units WHERE unit = :unit LIMIT 1"
    return bool(reader.rows(sql, {"unit": unit}))


def unit_names(reader: Reader) -> set[str]:
    """Every unit some task names."""
    return {r["unit"] for r in reader.rows("SELECT DISTINCT unit FROM rm_task_units")}
