"""Unit scores (考核) of a plan, now or as the ledger stood at a past moment: what counts
against each unit is found in the task and spot-check read models, scored by the rules
(ledger/scoring.py), and every deduction names the stored event it comes from."""

from __future__ import annotations

from datetime import UTC, datetime, tzinfo
from typing import Any
from uuid import UUID

from ledger.scoring import Card, Fact, ScoreRules, scorecard
from ledger.status import assess
from projections.queries.audit import positions
from projections.queries.spotchecks import rectified
from projections.queries.tasks import TaskFilter, list_tasks
from projections.queries.views import facts_of
from projections.reader import Reader, from_json
from projections.stored import events_of


def score(
    reader: Reader,
    plan_id: str | None,
    rules: ScoreRules,
    *,
    now: datetime,
    as_of: datetime | None = None,
    tz: tzinfo = UTC,
) -> list[Card]:
    """The lead units of a plan (None: of every plan) ranked by points at ``as_of``
    (transaction time), else now."""
    moment = as_of or now
    units, facts = _task_facts(reader, plan_id, now, as_of)
    facts += _check_facts(reader, plan_id, moment, tz)
    facts += _adjustment_facts(reader, plan_id, moment)
    return scorecard(units, facts, rules, positions(reader, (f.event for f in facts)))


def _task_facts(
    reader: Reader, plan_id: str | None, now: datetime, as_of: datetime | None
) -> tuple[list[str], list[Fact]]:
    """Every lead unit of the plan's tasks (of every plan's, one plan at a time, so a
    province's 200,000 rows are never held at once), and each share overdue or completed
    late."""
    units: list[str] = []
    found: list[Fact] = []
    if plan_id is None:
        for (plan,) in reader.tuples("SELECT plan_id FROM rm_plans ORDER BY plan_id"):
            more_units, more = _task_facts(reader, str(plan), now, as_of)
            units += more_units
            found += more
        return units, found
    moment = as_of or now
    for view in list_tasks(reader, now=now, as_of=as_of, where=TaskFilter(plan_id=plan_id)):
        row = view.row
        facts = facts_of(row)
        cause = (str(row["task_id"]), int(row["version"]))
        for share in facts.shares:
            units.append(share.unit)
            status = assess(facts, moment, unit=share.unit).status
            if status in ("overdue", "done_late"):
                found.append(Fact(share.unit, status, view.ref, cause))
    return units, found


def _check_facts(reader: Reader, plan_id: str | None, moment: datetime, tz: tzinfo) -> list[Fact]:
    """Failed findings recorded by ``moment``, and rectifications past their due then
    without a passed recheck."""
    at = int(moment.timestamp())
    found: list[Fact] = []
    mine = " AND plan_id = :plan" if plan_id is not None else ""
    rows = reader.rows(
        f"SELECT check_id, ref, sample FROM rm_spot_checks WHERE drawn_at <= :at{mine}"
        " ORDER BY drawn_at, ref",
        {"plan": plan_id, "at": at},
    )
    for row in rows:
        for share in from_json(row["sample"]):
            if share["verdict"] != "fail" or share["finding_at"] > at:
                continue
            cause = (str(row["check_id"]), int(share["finding_version"]))
            subject = f"{row['ref']} {share['task']}"
            found.append(
                Fact(
                    share["unit"],
                    "failed_finding",
                    subject,
                    cause,
                    recorded=float(share["deduct"]),
                    detail="；".join(share["problems"]),
                )
            )
            due = share["rectify_due"]
            if due is not None and due < at and not rectified(share, at):
                late = datetime.fromtimestamp(due, UTC).astimezone(tz).date().isoformat()
                found.append(
                    Fact(
                        share["unit"],
                        "unfinished_rectification",
                        subject,
                        cause,
                        detail=f"限{late}前",
                    )
                )
    return found


def _adjustment_facts(reader: Reader, plan_id: str | None, moment: datetime) -> list[Fact]:
    """Notice items and bonuses recorded for the plan (every plan) by ``moment``."""
    from ledger.adjustments import adjustments_id

    if plan_id is None:
        plans = reader.tuples("SELECT plan_id FROM rm_plans ORDER BY plan_id")
        return [f for (plan,) in plans for f in _adjustment_facts(reader, str(plan), moment)]
    found = []
    for event in events_of(reader, adjustments_id(UUID(plan_id))):
        if type(event).__name__ != "Adjusted" or event.timestamp > moment:
            continue
        cause = (str(event.originator_id), int(event.originator_version))
        found.append(Fact(event.unit, event.kind, event.reason, cause, recorded=event.count))
    return found


def card_document(card: Card) -> dict[str, Any]:
    return {
        "unit": card.unit,
        "points": card.points,
        "rank": card.rank,
        "lost": card.lost,
        "gained": card.gained,
        "capped": card.capped,
        "deductions": card.deductions,
    }
