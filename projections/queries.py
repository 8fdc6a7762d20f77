"""Read-side queries: plans and tasks as the CLI and scripts see them.

Rows come from the read models; a task's status and light are judged at query time
from its facts and the moment asked about (see ledger.status).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING, Any

from sqlalchemy import Engine, func, select

from ledger.status import WARNING_WINDOW, Facts, assess
from projections.plans import PlansProjection, plans
from projections.reader import EngineReader
from projections.task_list import current_plans, list_current, plan_id_of
from projections.tasks import tasks
from projections.views import TaskView, facts_of, judgement_moment, plan_item

if TYPE_CHECKING:
    from ledger.application import Ledger


def list_plans(engine: Engine) -> list[dict[str, Any]]:
    """Every plan, as it stands now."""
    return current_plans(EngineReader(engine))


def plans_as_of(
    ledger: Ledger, engine: Engine, as_of: datetime, plan_id: str | None = None
) -> list[dict[str, Any]]:
    """The plans the ledger held at ``as_of`` (or that one plan), as they stood then.

    The history index names each plan's events recorded by then (a plan has a handful);
    they are read from the event store and folded with the plans read model's mapping.
    """
    from uuid import UUID

    from projections.history import history

    h = history
    query = (
        select(h.c.originator_id, func.max(h.c.seq))
        .where(h.c.originator_id.in_(select(plans.c.plan_id)))
        .where(h.c.recorded_at <= int(as_of.timestamp()))
        .group_by(h.c.originator_id)
    )
    if plan_id is not None:
        query = query.where(h.c.originator_id == plan_id)
    with engine.connect() as conn:
        held = conn.execute(query).all()
    projection = PlansProjection()
    found = []
    for key, last in held:
        row: dict[str, Any] | None = None
        for event in ledger.events.get(UUID(key), lte=last):
            row = projection.evolve(row, event)
        assert row is not None
        found.append(plan_item(row))
    return sorted(found, key=lambda p: (p["year"], p["ref"]))


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
    as_of: datetime | None = None,
    valid_at: date | None = None,
    tz: str = "Asia/Shanghai",
    warn: timedelta = WARNING_WINDOW,
) -> list[TaskView]:
    """Tasks in table order, filtered by plan, unit, status, deadline and nearness of due.

    With ``as_of`` (transaction time) and/or ``valid_at`` (valid time) the tasks are
    judged as the ledger held them then, from the task versions read model.
    """
    if as_of is not None or valid_at is not None:
        return _list_past(
            engine,
            now=now,
            plan_id=plan_id,
            unit=unit,
            statuses=statuses,
            as_of=as_of,
            valid_at=valid_at,
            tz=tz,
            warn=warn,
        )
    return list_current(
        EngineReader(engine),
        now=now,
        plan_id=plan_id,
        unit=unit,
        statuses=statuses,
        within=due_within,
        deadline_kinds=deadline_kinds,
        provisional=provisional,
        warn=warn,
    )


def _list_past(
    engine: Engine,
    *,
    now: datetime,
    plan_id: str | None,
    unit: str | None,
    statuses: Sequence[str],
    as_of: datetime | None,
    valid_at: date | None,
    tz: str,
    warn: timedelta,
) -> list[TaskView]:
    from projections.base import epoch
    from projections.task_versions import held_at, task_versions

    v = task_versions
    judged_at = judgement_moment(now, as_of, valid_at, tz)
    query = (
        select(v, plans.c.ref, tasks.c.content, tasks.c.deadline_text)
        .join(plans, plans.c.plan_id == v.c.plan_id)
        .join(tasks, tasks.c.task_id == v.c.task_id)
        .where(held_at(epoch(as_of if as_of is not None else now) or 0))
    )
    if plan_id is not None:
        query = query.where(v.c.plan_id == plan_id)
    query = query.order_by(plans.c.year, plans.c.ref, v.c.row, v.c.code)
    found: list[TaskView] = []
    with engine.connect() as conn:
        for r in conn.execute(query):
            row = dict(r._mapping)
            if unit is not None and unit not in (*row["lead_units"], *row["co_units"]):
                continue
            facts = facts_of(row, valid_at)
            standing = assess(facts, judged_at, warn)
            if statuses and standing.status not in statuses:
                continue
            row.update(_as_known(facts))
            found.append(TaskView(row=row, plan_ref=row.pop("ref"), standing=standing))
    return found


def _as_known(facts: Facts) -> dict[str, Any]:
    """The row's progress fields as the (valid-time filtered) facts give them."""
    return {
        "reports": facts.reports,
        "quantity_done": facts.quantity_done,
        "completed_on": facts.completed_on.isoformat() if facts.completed_on else None,
    }


def resolve_plan_id(engine: Engine, ref: str) -> str:
    """A plan's id from its id or short reference, by the plans read model."""
    return plan_id_of(EngineReader(engine), ref)
