"""Read model: spot checks (双随机), one row per check with its sample and each sampled
share's finding, rectification and recheck as they stand.

The frozen candidate list stays in the draw's event (``spotcheck verify`` redoes the draw
from it); the row keeps its size and hash.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import JSON, BigInteger, Column, Integer, String, Table, Text

from projections.base import Row, RowProjection, epoch, metadata
from projections.events import SPOTCHECK, event_topics, plain

spot_checks = Table(
    "rm_spot_checks",
    metadata,
    Column("check_id", String(36), primary_key=True),
    Column("ref", String(32), nullable=False, unique=True),
    Column("plan_id", String(36), nullable=False),
    Column("plan_ref", Text, nullable=False),
    Column("statuses", JSON, nullable=False),
    Column("criteria", JSON, nullable=False),
    Column("algorithm", String(32), nullable=False),
    Column("population_hash", String(64), nullable=False),
    Column("population", Integer, nullable=False),  # how many candidates
    Column("seed", Text, nullable=False),
    Column("inspectors", JSON, nullable=False),  # [{name, unit}, ...]
    # [{task, unit, section, inspectors, verdict, problems, evidence, deduct, rectify,
    #   rectify_due, reports, recheck, finding_at, finding_version}, ...]
    Column("sample", JSON, nullable=False),
    Column("drawn_by", Text, nullable=False),
    Column("drawn_at", BigInteger, nullable=False),
    Column("closed_at", BigInteger),
    Column("version", Integer, nullable=False),
    Column("updated_at", BigInteger, nullable=False),
)


def evolve(row: Row | None, event: Any) -> Row | None:
    """The row after ``event`` (pure)."""
    kind, at = type(event).__name__, epoch(event.timestamp) or 0
    if kind == "Drawn":
        record = event.record
        return {
            "check_id": str(event.originator_id),
            "ref": event.ref,
            "plan_id": event.plan_id,
            "plan_ref": event.plan_ref,
            "statuses": list(event.statuses),
            "criteria": dict(record["criteria"]),
            "algorithm": record["algorithm"],
            "population_hash": record["population_hash"],
            "population": len(event.candidates),
            "seed": record["seed"],
            "inspectors": list(record["inspectors"]),
            "sample": [_unjudged(a) for a in record["sample"]],
            "drawn_by": event.actor,
            "drawn_at": at,
            "closed_at": None,
            "version": event.originator_version,
            "updated_at": at,
        }
    if row is None:
        return None
    row = {**row, "sample": [dict(s) for s in row["sample"]]}
    row["version"], row["updated_at"] = event.originator_version, at
    if kind == "Closed":
        row["closed_at"] = at
        return row
    share = next(s for s in row["sample"] if (s["task"], s["unit"]) == (event.task, event.unit))
    if kind == "FindingRecorded":
        share.update(
            verdict=event.verdict,
            problems=list(event.problems),
            evidence=list(event.evidence),
            deduct=event.deduct,
            rectify=event.rectify,
            rectify_due=epoch(event.rectify_due),
            finding_at=at,
            finding_version=event.originator_version,
            finding_by=event.actor,
        )
    elif kind == "RectificationReported":
        share["reports"] = [*share["reports"], {"note": event.note, "at": at, "by": event.actor}]
        share["evidence"] = [*share["evidence"], *plain(event.evidence)]
    elif kind == "Rechecked":
        share.update(recheck=event.verdict, recheck_at=at, recheck_by=event.actor)
    return row


def _unjudged(assignment: dict[str, Any]) -> dict[str, Any]:
    return {
        "task": assignment["task"],
        "unit": assignment["unit"],
        "section": assignment["section"],
        "inspectors": list(assignment["inspectors"]),
        "verdict": None,
        "problems": [],
        "evidence": [],
        "deduct": 0.0,
        "rectify": "",
        "rectify_due": None,
        "reports": [],
        "recheck": None,
        "finding_at": None,
        "finding_version": None,
    }


class SpotChecksProjection(RowProjection):
    name = "spot_checks"
    table = spot_checks
    key_column = "check_id"
    topics = event_topics(
        SPOTCHECK, "Drawn", "FindingRecorded", "RectificationReported", "Rechecked", "Closed"
    )

    def evolve(self, row: Row | None, event: Any) -> Row | None:
        return evolve(row, event)
