"""The progress dashboard: per unit, section or plan — total, done, overdue, due soon.

Now, it is one SQL aggregation over the current task rows (the operative due time and
lateness are stored, so only "now" is left to the query). As of a past moment and/or
valid at a past day, it reads the task versions the ledger held then and judges each
with the same rules (ledger.status) — an indexed range query, never a replay.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import Engine, and_, func, select
from sqlalchemy.sql.elements import ColumnElement

from ledger.status import WARNING_WINDOW, assess
from projections.base import epoch
from projections.plans import plans
from projections.task_versions import held_at, task_unit_versions, task_versions, units_held_at
from projections.tasks import task_units, tasks
from projections.views import facts_of, judgement_moment

GROUPINGS = ("unit", "section", "plan")
NO_KEY = "(none)"  # tasks whose table gave them no section
_DONE = ("done", "done_late")


def _light(overdue: int, due_soon: int) -> str:
    return "red" if overdue else "yellow" if due_soon else "green"


def _finish(
    key: str, total: int, done: int, overdue: int, due_soon: int, waived: int
) -> dict[str, Any]:
    live = total - waived
    return {
        "key": key or NO_KEY,
        "total": total,
        "done": done,
        "overdue": overdue,
        "due_soon": due_soon,
        "waived": waived,
        "percent_done": round(100.0 * done / live, 1) if live else 100.0,
        "light": _light(overdue, due_soon),
    }


def dashboard(
    engine: Engine,
    *,
    now: datetime,
    plan_id: str | None = None,
    by: str = "unit",
    as_of: datetime | None = None,
    valid_at: date | None = None,
    tz: str = "Asia/Shanghai",
    warn: timedelta = WARNING_WINDOW,
) -> list[dict[str, Any]]:
    """Rows ``{key, total, done, overdue, due_soon, waived, percent_done, light}`` by key."""
    if by not in GROUPINGS:
        raise ValueError(f"--by {by!r}: use one of {', '.join(GROUPINGS)}")
    if valid_at is None:
        # Transaction time alone is answered in SQL: the current rows, or the versions
        # (and unit links) the ledger held at ``as_of``, judged at that moment.
        return _aggregate(engine, now=as_of or now, plan_id=plan_id, by=by, warn=warn, as_of=as_of)
    moment = as_of if as_of is not None else now
    judged_at = judgement_moment(now, as_of, valid_at, tz)
    return _judged(engine, moment, judged_at, valid_at, plan_id=plan_id, by=by, warn=warn)


def _aggregate(
    engine: Engine,
    *,
    now: datetime,
    plan_id: str | None,
    by: str,
    warn: timedelta,
    as_of: datetime | None = None,
) -> list[dict[str, Any]]:
    at = epoch(now) or 0
    soon = epoch(now + warn)
    if by == "unit":
        return _by_unit(engine, at, soon, plan_id, as_of=as_of is not None)
    t: Any = tasks if as_of is None else task_versions
    live_open = and_(~t.c.waived, t.c.completed_on.is_(None), t.c.next_due.is_not(None))
    key: ColumnElement[Any] = t.c.section if by == "section" else plans.c.ref
    query = select(
        key,
        func.min(t.c.row),
        func.count(),
        func.count().filter(and_(~t.c.waived, t.c.completed_on.is_not(None))),
        func.count().filter(and_(live_open, t.c.next_due < at)),
        func.count().filter(and_(live_open, t.c.next_due >= at, t.c.next_due <= soon)),
        func.count().filter(t.c.waived),
    )
    # The plans table is only joined when it gives the key.
    source = t.join(plans, plans.c.plan_id == t.c.plan_id) if by == "plan" else t
    query = query.select_from(source)
    if as_of is not None:
        query = query.where(held_at(at))
    if plan_id is not None:
        query = query.where(t.c.plan_id == plan_id)
    query = query.group_by(key)
    with engine.connect() as conn:
        found = {str(r[0]): (int(r[1]), [int(v or 0) for v in r[2:]]) for r in conn.execute(query)}
    first_row = {k: row for k, (row, _) in found.items()}
    return [_finish(k, *found[k][1]) for k in _ordered(first_row, by)]


def _by_unit(
    engine: Engine, at: int, soon: int | None, plan_id: str | None, *, as_of: bool
) -> list[dict[str, Any]]:
    """The unit links carry each task's standing: one table, one covering index — the
    current links, or as of ``at`` the link versions held then."""
    u: Any = task_unit_versions if as_of else task_units
    live_open = and_(~u.c.waived, ~u.c.completed, u.c.next_due.is_not(None))
    # count(*) FILTER (WHERE …) rather than sum(CASE …): SQLite evaluates no CASE per
    # link and steps an aggregate only for the links that count (half the time at city).
    query = select(
        u.c.unit,
        func.count(),
        func.count().filter(and_(~u.c.waived, u.c.completed)),
        func.count().filter(and_(live_open, u.c.next_due < at)),
        func.count().filter(and_(live_open, u.c.next_due >= at, u.c.next_due <= soon)),
        func.count().filter(u.c.waived),
    ).group_by(u.c.unit)
    if plan_id is not None:
        query = query.where(u.c.plan_id == plan_id)
    if as_of:
        query = query.where(units_held_at(at))
    with engine.connect() as conn:
        found = {str(r[0]): [int(v or 0) for v in r[1:]] for r in conn.execute(query)}
    return [_finish(k, *found[k]) for k in sorted(found)]


def _judged(
    engine: Engine,
    moment: datetime,
    judged_at: datetime,
    valid_at: date | None,
    *,
    plan_id: str | None,
    by: str,
    warn: timedelta,
) -> list[dict[str, Any]]:
    v = task_versions
    query = select(v, plans.c.ref).join(plans, plans.c.plan_id == v.c.plan_id)
    query = query.where(held_at(epoch(moment) or 0))
    if plan_id is not None:
        query = query.where(v.c.plan_id == plan_id)
    counts: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0, 0, 0])
    first_row: dict[str, int] = {}
    with engine.connect() as conn:
        for r in conn.execute(query):
            row = dict(r._mapping)
            standing = assess(facts_of(row, valid_at), judged_at, warn)
            soon = (
                standing.status in ("open", "in_progress")
                and standing.due is not None
                and (standing.due - judged_at <= warn)
            )
            flags = (
                1,
                standing.status in _DONE,
                standing.status == "overdue",
                soon,
                standing.status == "waived",
            )
            for key in _keys(row, by):
                first_row[key] = min(first_row.get(key, row["row"]), row["row"])
                tally = counts[key]
                for i, flag in enumerate(flags):
                    tally[i] += int(flag)
    return [_finish(k, *counts[k]) for k in _ordered(first_row, by)]


def _ordered(first_row: dict[str, int], by: str) -> list[str]:
    """Sections in table order; units and plans by name (the same on every database)."""
    if by == "section":
        return sorted(first_row, key=lambda k: (first_row[k], k))
    return sorted(first_row)


def _keys(row: dict[str, Any], by: str) -> Iterable[str]:
    if by == "unit":
        return dict.fromkeys([*row["lead_units"], *row["co_units"]])
    if by == "section":
        return (row["section"],)
    return (row["ref"],)
