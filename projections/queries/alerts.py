"""Raised alerts as `taizhang alerts` lists and shows them, and what the service reads.

An alert is raised once and its timer row never changes after, so "as of T" is only
"raised by T". Who it went to, how, and what came of it is the outbox read model's. The
scheduler's reads are here too: the timers due for a sweep, the deliveries due for a round.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from ledger.errors import NotFound
from ledger.redact import url as redacted
from projections.queries.units import TASKS_OF_UNIT
from projections.reader import Reader, from_json
from projections.task_rows import answering

_SELECT = (
    'SELECT a.timer_id, a.kind, a."offset", a.occurrence, a.due, a.fires_at, a.raised_at,'
    " t.code, t.tz, t.lead_units, p.ref"
    " FROM rm_timers a JOIN rm_tasks t ON t.task_id = a.task_id"
    " JOIN rm_plans p ON p.plan_id = a.plan_id"
)


def list_raised(
    reader: Reader,
    *,
    since: datetime | None = None,
    unit: str | None = None,
    as_of: datetime | None = None,
) -> list[dict[str, Any]]:
    """Raised alerts, oldest first: the contract's {id, task, kind, due, raised_at} and more.

    With ``unit``: the alerts on that unit's tasks and those sent to it (a supervisor's
    escalations)."""
    where = ["a.state = 'raised'"]
    params: dict[str, Any] = {}
    if since is not None:
        where.append("a.raised_at >= :since")
        params["since"] = int(since.timestamp())
    if as_of is not None:
        where.append("a.raised_at <= :as_of")
        params["as_of"] = int(as_of.timestamp())
    if unit is not None:
        where.append(
            f"(a.task_id IN ({TASKS_OF_UNIT})"
            " OR a.timer_id IN (SELECT alert_id FROM rm_outbox WHERE unit = :unit))"
        )
        params["unit"] = unit
    sql = f"{_SELECT} WHERE {' AND '.join(where)} ORDER BY a.raised_at, a.fires_at, a.timer_id"
    return [_alert(r) for r in reader.rows(sql, params)]


def show_alert(reader: Reader, alert_id: str) -> dict[str, Any]:
    """One alert and its deliveries: recipient, channel, attempts, outcome and times."""
    found = reader.rows(
        f"{_SELECT} WHERE a.timer_id = :id AND a.state = 'raised'", {"id": alert_id}
    )
    if not found:
        raise NotFound(f"no raised alert {alert_id!r}; `taizhang alerts` lists them")
    alert = _alert(found[0])
    zone = ZoneInfo(found[0]["tz"])
    rows = reader.rows(
        "SELECT unit, channel, address, state, attempts, next_at, last_error, last_at,"
        " settled_at FROM rm_outbox WHERE alert_id = :id ORDER BY unit, channel, address",
        {"id": alert_id},
    )
    alert["deliveries"] = [_delivery(r, zone) for r in rows]
    return alert


def _at(seconds: int | None, zone: ZoneInfo) -> str | None:
    return None if seconds is None else datetime.fromtimestamp(seconds, tz=zone).isoformat()


def _delivery(row: dict[str, Any], zone: ZoneInfo) -> dict[str, Any]:
    state = row["state"]
    outcome = "retrying" if state == "pending" and row["attempts"] else state
    return {
        "unit": row["unit"],
        "channel": row["channel"],
        "address": redacted(row["address"]),
        "outcome": outcome,
        "attempts": row["attempts"],
        "last_error": row["last_error"] or None,
        "last_attempt_at": _at(row["last_at"], zone),
        "next_attempt_at": _at(row["next_at"], zone) if state == "pending" else None,
        "delivered_at": _at(row["settled_at"], zone) if state == "delivered" else None,
        "given_up_at": _at(row["settled_at"], zone) if state == "abandoned" else None,
    }


def _alert(r: dict[str, Any]) -> dict[str, Any]:
    zone = ZoneInfo(r["tz"])
    fires_at = datetime.fromtimestamp(r["fires_at"], tz=zone)
    raised_at = datetime.fromtimestamp(r["raised_at"], tz=zone)
    return {
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


def due_timers(reader: Reader, now: int, batch: int) -> list[dict[str, Any]]:
    """Timers pending and due by ``now`` (epoch seconds), soonest first, with the units
    they concern: those whose open shares have that due, then those helping."""
    rows = reader.rows(
        'SELECT a.timer_id, a.task_id, a.plan_id, a.occurrence, a.kind, a."offset", a.due,'
        " a.fires_at, t.shares, t.helping, t.occurrences, t.whole_periods, t.due_override,"
        " t.due AS task_due, t.code FROM rm_timers a JOIN rm_tasks t ON t.task_id = a.task_id"
        " WHERE a.state = 'pending' AND a.fires_at <= :now"
        " ORDER BY a.fires_at, a.timer_id LIMIT :batch",
        {"now": now, "batch": batch},
    )
    for row in rows:
        task = {
            "shares": from_json(row.pop("shares")),
            "occurrences": from_json(row.pop("occurrences")),
            "whole_periods": from_json(row.pop("whole_periods")),
            "due_override": row.pop("due_override"),
            "due": row.pop("task_due"),
        }
        helping = from_json(row.pop("helping"))
        code = row.pop("code")
        if row["kind"].startswith("rectify"):
            row["units"] = _rectifying(reader, row["occurrence"], code)
            continue
        leads = answering(task, row["occurrence"], row["due"]) or list(task["shares"])
        row["units"] = [*leads, *(u for u in helping if u not in leads)]
    return rows


def _rectifying(reader: Reader, check: str, code: str) -> list[str]:
    """The units a spot check told to put a task right that have not passed yet."""
    found = reader.value("SELECT sample FROM rm_spot_checks WHERE ref = :ref", {"ref": check})
    return [
        s["unit"]
        for s in from_json(found) or []
        if s["task"].endswith(f"/{code}") and s["verdict"] == "fail" and s["recheck"] != "pass"
    ]


def due_deliveries(reader: Reader, now: int, limit: int) -> list[dict[str, Any]]:
    """Outbox rows due for an attempt at ``now``, oldest first, with their task's code,
    content, zone, lead units and plan."""
    rows = reader.rows(
        "SELECT o.alert_id, o.channel, o.address, o.unit, o.kind, o.attempts, o.due,"
        " o.raised_at, t.code, t.content, t.tz, t.lead_units, p.ref FROM rm_outbox o"
        " JOIN rm_tasks t ON t.task_id = o.task_id JOIN rm_plans p ON p.plan_id = t.plan_id"
        " WHERE o.state = 'pending' AND o.next_at <= :now"
        " ORDER BY o.next_at, o.alert_id LIMIT :limit",
        {"now": now, "limit": limit},
    )
    for row in rows:
        row["lead_units"] = from_json(row["lead_units"])
    return rows
