"""Spot checks as supervisors read them, and the population a draw is made from."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from ledger.errors import NotFound
from ledger.sampling import Candidate
from ledger.status import assess
from projections.queries.tasks import TaskFilter, list_tasks
from projections.queries.views import facts_of
from projections.reader import Reader, from_json

_JSON = ("statuses", "criteria", "inspectors", "sample")


def population(
    reader: Reader, plan_id: str, *, now: datetime, statuses: Sequence[str] = ()
) -> list[Candidate]:
    """Every lead unit's share of the plan's tasks, judged now; with ``statuses``, only
    shares in one of them. Waived tasks are never drawn."""
    found = []
    for view in list_tasks(reader, now=now, where=TaskFilter(plan_id=plan_id)):
        if view.standing.status == "waived":
            continue
        facts = facts_of(view.row)
        for share in facts.shares:
            status = assess(facts, now, unit=share.unit).status
            if not statuses or status in statuses:
                found.append(Candidate(view.ref, share.unit, view.row["section"]))
    return found


def list_checks(reader: Reader, tz: Any, *, plan_id: str | None = None) -> list[dict[str, Any]]:
    """Every spot check (of one plan), newest first, with its counts."""
    sql = "SELECT * FROM rm_spot_checks"
    params: dict[str, Any] = {}
    if plan_id is not None:
        sql += " WHERE plan_id = :plan"
        params["plan"] = plan_id
    rows = [_decoded(r) for r in reader.rows(f"{sql} ORDER BY drawn_at DESC, ref DESC", params)]
    return [{**_summary(r), "drawn_at": _iso(r["drawn_at"], tz)} for r in rows]


def check_document(
    reader: Reader, ref: str, tz: Any, as_of: datetime | None = None
) -> dict[str, Any]:
    """One spot check in full: criteria, population hash, seed, algorithm, the sample with
    each share's inspectors, finding, rectification and recheck; each share's ``state``
    as it stood at ``as_of`` (default: now)."""
    rows = reader.rows("SELECT * FROM rm_spot_checks WHERE ref = :ref", {"ref": ref.upper()})
    if not rows:
        raise NotFound(f"spot check {ref!r} not found; `taizhang spotcheck list` shows them")
    row = _decoded(rows[0])
    sample = [
        {
            **s,
            "rectify_due": _iso(s["rectify_due"], tz),
            "finding_at": _iso(s["finding_at"], tz),
            "recheck_at": _iso(s.get("recheck_at"), tz),
            "reports": [{**r, "at": _iso(r["at"], tz)} for r in s["reports"]],
            "state": _state(s, None if as_of is None else int(as_of.timestamp())),
        }
        for s in row["sample"]
    ]
    return {
        **_summary(row),
        "id": row["ref"],
        "check_id": row["check_id"],
        "statuses": row["statuses"],
        "criteria": row["criteria"],
        "algorithm": row["algorithm"],
        "population": row["population"],
        "population_hash": row["population_hash"],
        "seed": row["seed"],
        "inspectors": row["inspectors"],
        "drawn_by": row["drawn_by"],
        "drawn_at": _iso(row["drawn_at"], tz),
        "closed_at": _iso(row["closed_at"], tz),
        "sample": sample,
    }


def _state(share: dict[str, Any], at: int | None = None) -> str:
    """Where a sampled share stands (at ``at``, epoch seconds; default: now): 待检查, 合格,
    整改中, 待复查, 整改合格. Exact from the row alone: a finding is recorded once, reports
    only add, and a passed recheck is the last one."""
    if share["verdict"] is None or (at is not None and share["finding_at"] > at):
        return "待检查"
    if share["verdict"] == "pass":
        return "合格"
    if rectified(share, at):
        return "整改合格"
    reported = any(at is None or r["at"] <= at for r in share["reports"])
    return "待复查" if reported else "整改中"


def rectified(share: dict[str, Any], at: int | None = None) -> bool:
    """Whether a sampled share's rectification had passed its recheck by ``at`` (epoch
    seconds; default: now). A passed recheck is the last, so its time is enough."""
    return share["recheck"] == "pass" and (at is None or share["recheck_at"] <= at)


def _summary(row: dict[str, Any]) -> dict[str, Any]:
    sample = row["sample"]
    return {
        "ref": row["ref"],
        "plan": row["plan_ref"],
        "drawn_at": row["drawn_at"],
        "sampled": len(sample),
        "judged": sum(s["verdict"] is not None for s in sample),
        "failed": sum(s["verdict"] == "fail" for s in sample),
        "open": sum(_state(s) in ("待检查", "整改中", "待复查") for s in sample),
        "closed": row["closed_at"] is not None,
    }


def _decoded(row: dict[str, Any]) -> dict[str, Any]:
    for column in _JSON:
        row[column] = from_json(row[column])
    return row


def _iso(seconds: int | None, tz: Any) -> str | None:
    if seconds is None:
        return None
    return datetime.fromtimestamp(seconds, UTC).astimezone(tz).isoformat()
