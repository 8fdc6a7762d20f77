"""Raised alerts as `taizhang alerts` lists them, in plain SQL (projections/reader.py).

An alert is raised once and its timer row never changes after, so "as of T" is only
"raised by T". Plain SQL, so the command starts without SQLAlchemy on a current SQLite
store; the tables are the read models' (projections/timers.py, tasks.py, plans.py).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from projections.reader import Reader, from_json


def list_raised(
    reader: Reader,
    *,
    since: datetime | None = None,
    unit: str | None = None,
    as_of: datetime | None = None,
) -> list[dict[str, Any]]:
    """Raised alerts, oldest first: the contract's {id, task, kind, due, raised_at} and more."""
    where = ["a.state = 'raised'"]
    params: dict[str, Any] = {}
    if since is not None:
        where.append("a.raised_at >= :since")
        params["since"] = int(since.timestamp())
    if as_of is not None:
        where.append("a.raised_at <= :as_of")
        params["as_of"] = int(as_of.timestamp())
    if unit is not None:
        where.append("a.task_id IN (SELECT task_id FROM rm_task_units WHERE unit = :unit)")
        params["unit"] = unit
    sql = (
        'SELECT a.timer_id, a.kind, a."offset", a.occurrence, a.due, a.fires_at, a.raised_at,'
        " t.code, t.tz, t.lead_units, p.ref"
        " FROM rm_timers a JOIN rm_tasks t ON t.task_id = a.task_id"
        " JOIN rm_plans p ON p.plan_id = a.plan_id"
        f" WHERE {' AND '.join(where)} ORDER BY a.raised_at, a.fires_at, a.timer_id"
    )
    found = []
    for r in reader.rows(sql, params):
        zone = ZoneInfo(r["tz"])
        fires_at = datetime.fromtimestamp(r["fires_at"], tz=zone)
        raised_at = datetime.fromtimestamp(r["raised_at"], tz=zone)
        found.append(
            {
                "id": r["timer_id"],
                "task": f"{r['ref']}/{r['code']}",
                "kind": r["kind"],
                "offset": r["offset"],
                "occurrence": r["occurrence"] or None,
                "due": datetime.fromtimestamp(r["due"], tz=zone).isoformat(),
                "fires_at": fires_at.isoformat(),
                "raised_at": raised_at.isoformat(),
                "late": raised_at > fires_at,
                "lead_units": list(from_json(r["lead_units"])),
            }
        )
    return found
