"""The sweep: every timer that has fallen due becomes an alert in the ledger, once.

Alerts missed while nothing ran are raised late, with their original due time and the
time they were raised; none is dropped. On PostgreSQL several nodes share the work:
each claims a batch of due timers with ``FOR UPDATE SKIP LOCKED`` and holds the claim
while it raises them. Whatever happens, the store's unique constraint on the alert id
is the referee, so no alert is ever raised twice.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from uuid import UUID

import structlog
from sqlalchemy import Connection, bindparam, select, update

from ledger.application import DueAlert, Ledger
from ledger.directory import Directory
from projections.base import epoch
from projections.runner import ProjectionRunner
from projections.tasks import tasks
from projections.timers import timers

log = structlog.get_logger()

SCHEDULER = "scheduler"


@dataclass
class SweepReport:
    raised: int = 0
    already: int = 0  # raised by another sweep first
    late: int = 0  # raised after their time (the service was down, or behind)
    batches: int = 0


def _instant(seconds: int) -> datetime:
    return datetime.fromtimestamp(seconds, tz=UTC)


def _claim(
    conn: Connection,
    now: int,
    batch: int,
    skip_locked: bool,
    directory: Directory | None = None,
    supervisor: str | None = None,
) -> list[DueAlert]:
    query = (
        select(timers)
        .where(timers.c.state == "pending", timers.c.fires_at <= now)
        .order_by(timers.c.fires_at, timers.c.timer_id)
        .limit(batch)
    )
    if skip_locked:
        query = query.with_for_update(skip_locked=True, of=timers)
    claimed = list(conn.execute(query))
    units = _units_of(conn, [r.task_id for r in claimed])
    return [
        DueAlert(
            task_id=UUID(r.task_id),
            plan_id=UUID(r.plan_id),
            occurrence=r.occurrence,
            kind=r.kind,
            offset=r.offset,
            due=_instant(r.due),
            fires_at=_instant(r.fires_at),
            recipients=_recipients(r.kind, units.get(r.task_id, []), directory, supervisor),
        )
        for r in claimed
    ]


def _units_of(conn: Connection, task_ids: list[str]) -> dict[str, list[str]]:
    """The lead units, then the cooperating ones, of each task."""
    found: dict[str, list[str]] = {}
    for i in range(0, len(task_ids), 500):
        query = select(tasks.c.task_id, tasks.c.lead_units, tasks.c.co_units).where(
            tasks.c.task_id.in_(task_ids[i : i + 500])
        )
        for r in conn.execute(query):
            found[r.task_id] = [*r.lead_units, *r.co_units]
    return found


def _recipients(
    kind: str, units: list[str], directory: Directory | None, supervisor: str | None
) -> list[list[str]]:
    """Who is told: the task's units (lead first); on escalation the supervisor too."""
    if directory is None:
        return []
    told = ([supervisor] if kind == "escalation" and supervisor else []) + units
    return directory.of(list(dict.fromkeys(told)))


def sweep(
    ledger: Ledger,
    runner: ProjectionRunner,
    *,
    batch: int = 1000,
    late_after: int = 120,
    supervisor: str | None = None,
) -> SweepReport:
    """Raise every alert due by the ledger's "now"; returns what this sweep did.

    ``late_after`` (seconds) is how far past its time an alert counts as raised late.
    """
    report = SweepReport()
    runner.catch_up()
    engine = runner.engine
    skip_locked = engine.dialect.name == "postgresql"
    now = ledger.now()
    directory = ledger.directory()
    while True:
        with engine.begin() as conn:
            due = _claim(conn, epoch(now) or 0, batch, skip_locked, directory, supervisor)
            if not due:
                break
            raised = set(ledger.raise_alerts(due, actor=SCHEDULER))
            # Mark them here too, so the next claim skips them before the read model
            # catches up; the projection sets the same values from the Alert events.
            ids = [str(_id(d)) for d in due]
            conn.execute(
                update(timers)
                .where(timers.c.timer_id == bindparam("key"))
                .values(state="raised", raised_at=bindparam("at")),
                [{"key": i, "at": epoch(now)} for i in ids],
            )
        report.batches += 1
        report.raised += len(raised)
        report.already += len(due) - len(raised)
        report.late += sum(
            1 for d in due if _id(d) in raised and (now - d.fires_at).total_seconds() > late_after
        )
        for d in due:
            if _id(d) in raised:
                log.info(
                    "alert.raised",
                    alert=str(_id(d)),
                    task=str(d.task_id),
                    kind=d.kind,
                    offset=d.offset,
                    occurrence=d.occurrence or None,
                    due=d.due.isoformat(),
                    late=(now - d.fires_at).total_seconds() > late_after,
                    recipients=len(d.recipients),
                )
    runner.catch_up()
    return report


def _id(due: DueAlert) -> UUID:
    from ledger.alert import alert_id

    return alert_id(due.task_id, due.occurrence, due.kind, due.offset, due.due)
