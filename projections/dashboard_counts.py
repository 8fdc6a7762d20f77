"""The dashboard's counts, now or as of a past moment: one SQL aggregation, in plain SQL.

Per unit, section or plan: total, done, overdue, due soon, waived. The operative due
time and the lateness are stored on each row, so only the moment judged at is left to
the query. As of T it reads the versions the ledger held then (rec_from <= T < rec_to)
through the same covering indexes. Plain SQL (projections/reader.py), so a dashboard on a
current SQLite store starts without SQLAlchemy; `valid_at` needs each task judged by
the status rules, and is answered in projections/dashboard.py.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from ledger.status import WARNING_WINDOW
from projections.reader import Reader

GROUPINGS = ("unit", "section", "plan")
NO_KEY = "(none)"  # tasks whose table gave them no section

# count(*) FILTER (WHERE …) rather than sum(CASE …): SQLite evaluates no CASE per row and
# steps an aggregate only for the rows that count (half the time at city scale).
# ``done`` is the condition a row's completion takes: a flag on the unit links, a day on
# the task rows. A flag stands as a condition by itself (1 and 0 on SQLite, booleans on
# PostgreSQL), and a NULL due is never < or BETWEEN: the fewest steps per row.
_COUNTS = """count(*) AS total,
  count(*) FILTER (WHERE {done} AND NOT {t}.waived) AS done,
  count(*) FILTER (WHERE {t}.next_due < :at AND NOT ({done}) AND NOT {t}.waived) AS overdue,
  count(*) FILTER (WHERE {t}.next_due BETWEEN :at AND :soon AND NOT ({done})
                   AND NOT {t}.waived) AS due_soon,
  count(*) FILTER (WHERE {t}.waived) AS waived"""


def light(overdue: int, due_soon: int) -> str:
    return "red" if overdue else "yellow" if due_soon else "green"


def finish(
    key: str, total: int, done: int, overdue: int, due_soon: int, waived: int
) -> dict[str, Any]:
    """One dashboard row from its counts."""
    live = total - waived
    return {
        "key": key or NO_KEY,
        "total": total,
        "done": done,
        "overdue": overdue,
        "due_soon": due_soon,
        "waived": waived,
        "percent_done": round(100.0 * done / live, 1) if live else 100.0,
        "light": light(overdue, due_soon),
    }


def ordered(first_row: dict[str, int], by: str) -> list[str]:
    """Sections in table order; units and plans by name (the same on every database)."""
    if by == "section":
        return sorted(first_row, key=lambda k: (first_row[k], k))
    return sorted(first_row)


def counted(
    reader: Reader,
    *,
    at: datetime,
    plan_id: str | None = None,
    by: str = "unit",
    as_of: bool = False,
    warn: timedelta = WARNING_WINDOW,
) -> list[dict[str, Any]]:
    """Rows ``{key, total, done, overdue, due_soon, waived, percent_done, light}`` judged
    at ``at``: of the current rows, or with ``as_of`` of those the ledger held at ``at``."""
    if by not in GROUPINGS:
        raise ValueError(f"--by {by!r}: use one of {', '.join(GROUPINGS)}")
    moment = int(at.timestamp())
    params: dict[str, Any] = {"at": moment, "soon": int((at + warn).timestamp())}
    where = []
    if by == "unit":
        # The unit links carry each task's standing: one table, one covering index.
        t = "rm_task_unit_versions" if as_of else "rm_task_units"
        select = f"SELECT {t}.unit AS grouped, 0 AS first_row, "
        select += _COUNTS.format(t=t, done=f"{t}.completed")
        source, key = t, f"{t}.unit"
    else:
        t = "rm_task_versions" if as_of else "rm_tasks"
        counts = _COUNTS.format(t=t, done=f"{t}.completed_on IS NOT NULL")
        key = f"{t}.section" if by == "section" else "rm_plans.ref"
        select = f'SELECT {key} AS grouped, min({t}."row") AS first_row, {counts}'
        # The plans table is only joined when it gives the key.
        source = t + (f" JOIN rm_plans ON rm_plans.plan_id = {t}.plan_id" if by == "plan" else "")
    if as_of:
        where.append(f"{t}.rec_to > :at AND {t}.rec_from <= :at")
    if plan_id is not None:
        where.append(f"{t}.plan_id = :plan_id")
        params["plan_id"] = plan_id
    sql = f"{select} FROM {source}"
    sql += (" WHERE " + " AND ".join(where) if where else "") + f" GROUP BY {key}"
    # Tuples (key, first row, then the figures), not a dict per row: a province has
    # 11,469 units, and dicts took a third as long as the query itself.
    figures: dict[str, Sequence[Any]] = {}
    first_row: dict[str, int] = {}
    for row in reader.tuples(sql, params):
        figures[str(row[0])], first_row[str(row[0])] = row[2:], int(row[1] or 0)
    return [finish(k, *map(int, figures[k])) for k in ordered(first_row, by)]
