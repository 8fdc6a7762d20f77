"""Read-side queries: plans and tasks as the CLI and scripts see them.

Rows come from the read models; a task's status and light are judged at query time
from its facts and the moment asked about (see ledger.status).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import Engine, select

from ledger.status import WARNING_WINDOW, Facts, Standing, assess
from projections.plans import plans
from projections.tasks import task_units, tasks

STATUSES = ("open", "in_progress", "done", "done_late", "overdue", "waived", "no_deadline")


def _instant(epoch: int | None) -> datetime | None:
    return None if epoch is None else datetime.fromtimestamp(epoch, tz=UTC)


def _day(text: str | None) -> date | None:
    return None if text is None else date.fromisoformat(text)


def title_of(content: str, width: int = 40) -> str:
    """A short title: the content's first clause, cut to ``width`` characters."""
    first = content.split("。", 1)[0].split("\n", 1)[0]
    return first if len(first) <= width else first[: width - 1] + "…"


@dataclass(frozen=True)
class TaskView:
    """One task as listed: its row plus its standing at the moment asked about."""

    row: dict[str, Any]
    plan_ref: str
    standing: Standing

    @property
    def ref(self) -> str:
        return f"{self.plan_ref}/{self.row['code']}"

    def to_json(self) -> dict[str, Any]:
        r = self.row
        due = self.standing.due
        return {
            "id": r["task_id"],
            "ref": self.ref,
            "plan": self.plan_ref,
            "code": r["code"],
            "title": title_of(r["content"]),
            "content": r["content"],
            "section": r["section"],
            "lead_units": list(r["lead_units"]),
            "co_units": list(r["co_units"]),
            "deadline_text": r["deadline_text"],
            "deadline_kind": r["deadline_kind"],
            "due": due.isoformat() if due else None,
            "period": self.standing.period,
            "status": self.standing.status,
            "light": self.standing.light,
            "days_overdue": self.standing.days_overdue,
            "progress": {"done": r["quantity_done"], "target": r["target_min"]},
            "reports": r["reports"],
            "last_report_on": r["last_report_on"],
            "completed_on": r["completed_on"],
            "provisional": bool(r["provisional"]),
        }


def facts_of(row: dict[str, Any]) -> Facts:
    from zoneinfo import ZoneInfo

    due = _instant(row["due"])
    return Facts(
        due=due.astimezone(ZoneInfo(row["tz"])) if due else None,
        tz=row["tz"],
        # A supervisor's due time replaces the occurrences' own.
        occurrences=row["occurrences"] if row["due_override"] is None else (),
        completed_on=_day(row["completed_on"]),
        completed_periods=row["completed_periods"],
        waived=bool(row["waived"]),
        reports=row["reports"],
        target_min=row["target_min"],
        target_by=_instant(row["target_by"]),
        quantity_done=row["quantity_done"],
        start=_instant(row["defined_at"]),
    )


def list_plans(engine: Engine) -> list[dict[str, Any]]:
    with engine.connect() as conn:
        rows = conn.execute(select(plans).order_by(plans.c.year, plans.c.ref))
        return [
            {
                "id": r.plan_id,
                "ref": r.ref,
                "title": r.title,
                "issuer": r.issuer,
                "doc_no": r.doc_no,
                "year": r.year,
                "issued_on": r.issued_on,
                "tz": r.tz,
                "tasks": r.tasks,
            }
            for r in rows
        ]


def list_tasks(
    engine: Engine,
    *,
    now: datetime,
    plan_id: str | None = None,
    unit: str | None = None,
    statuses: Sequence[str] = (),
    due_within: timedelta | None = None,
    deadline_kinds: Sequence[str] = (),
    provisional: bool | None = None,
    warn: timedelta = WARNING_WINDOW,
) -> list[TaskView]:
    """Tasks in table order, filtered by plan, unit, status, deadline and nearness of due."""
    query = select(tasks, plans.c.ref).join(plans, plans.c.plan_id == tasks.c.plan_id)
    if plan_id is not None:
        query = query.where(tasks.c.plan_id == plan_id)
    if unit is not None:
        linked = select(task_units.c.task_id).where(task_units.c.unit == unit)
        query = query.where(tasks.c.task_id.in_(linked))
    if deadline_kinds:
        query = query.where(tasks.c.deadline_kind.in_(list(deadline_kinds)))
    if provisional is not None:
        query = query.where(tasks.c.provisional == provisional)
    query = query.order_by(plans.c.year, plans.c.ref, tasks.c.row, tasks.c.code)
    found: list[TaskView] = []
    with engine.connect() as conn:
        for r in conn.execute(query):
            row = dict(r._mapping)
            standing = assess(facts_of(row), now, warn)
            if statuses and standing.status not in statuses:
                continue
            if due_within is not None and not _due_within(standing, now, due_within):
                continue
            found.append(TaskView(row=row, plan_ref=row.pop("ref"), standing=standing))
    return found


def _due_within(standing: Standing, now: datetime, window: timedelta) -> bool:
    if standing.due is None or standing.status in ("done", "done_late", "waived"):
        return False
    return now <= standing.due <= now + window


def known_units(engine: Engine) -> set[str]:
    with engine.connect() as conn:
        return set(conn.execute(select(task_units.c.unit).distinct()).scalars())
