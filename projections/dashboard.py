"""The progress dashboard: per unit, section or plan — total, done, overdue, due soon.

Now, and as of a past moment, it is one SQL aggregation (projections/dashboard_counts.py).
Valid at a past day, it reads the task versions the ledger held at the moment asked
about and judges each with the same rules (ledger.status), counting only what had
happened by that day — an indexed range query, never a replay.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import Engine, select

from ledger.status import WARNING_WINDOW, assess
from projections.base import epoch
from projections.dashboard_counts import GROUPINGS, counted, finish, ordered
from projections.plans import plans
from projections.reader import EngineReader
from projections.task_versions import held_at, task_versions
from projections.views import facts_of, judgement_moment

_DONE = ("done", "done_late")


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
        reader = EngineReader(engine)
        at = as_of or now
        return counted(reader, at=at, plan_id=plan_id, by=by, as_of=as_of is not None, warn=warn)
    moment = as_of if as_of is not None else now
    judged_at = judgement_moment(now, as_of, valid_at, tz)
    return _judged(engine, moment, judged_at, valid_at, plan_id=plan_id, by=by, warn=warn)


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
    return [finish(k, *counts[k]) for k in ordered(first_row, by)]


def _keys(row: dict[str, Any], by: str) -> Iterable[str]:
    if by == "unit":
        return dict.fromkeys([*row["lead_units"], *row["co_units"]])
    if by == "section":
        return (row["section"],)
    return (row["ref"],)
