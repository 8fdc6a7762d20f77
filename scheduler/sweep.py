"""The sweep: every timer that has fallen due becomes an alert in the ledger, once.

Alerts missed while nothing ran are raised late, with their original due time and the
time they were raised; none is dropped. A reminder whose due time has passed by then
would only tell people what the overdue alert tells them better: it is recorded as
skipped instead (and counted). The sweep writes only to the ledger; the timers read
model follows from the events, through the runner, before the next batch is read.
Several sweeps at once (two processes, two nodes) may try the same timer: the store's
unique constraint on the alert id is the referee, so each alert is decided once.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import UTC, datetime
from uuid import UUID

import structlog
from sqlalchemy import Connection, select

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
    skipped: int = 0  # reminders whose due time had passed: not sent, counted
    already: int = 0  # decided by another sweep first
    late: int = 0  # raised after their time (the service was down, or behind)
    batches: int = 0


def _instant(seconds: int) -> datetime:
    return datetime.fromtimestamp(seconds, tz=UTC)


def _due_timers(conn: Connection, now: int, batch: int) -> list[tuple[str, DueAlert]]:
    query = (
        select(timers)
        .where(timers.c.state == "pending", timers.c.fires_at <= now)
        .order_by(timers.c.fires_at, timers.c.timer_id)
        .limit(batch)
    )
    return [
        (
            r.timer_id,
            DueAlert(
                task_id=UUID(r.task_id),
                plan_id=UUID(r.plan_id),
                occurrence=r.occurrence,
                kind=r.kind,
                offset=r.offset,
                due=_instant(r.due),
                fires_at=_instant(r.fires_at),
            ),
        )
        for r in conn.execute(query)
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


def recipients(
    kind: str, units: list[str], directory: Directory, supervisor: str | None
) -> list[list[str]]:
    """Who is told, as [unit, channel, address]: the task's units (lead first); on
    escalation the supervisor first."""
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
    """Decide every timer due by the ledger's "now"; returns what this sweep did.

    ``late_after`` (seconds) is how far past its time an alert counts as raised late.
    """
    report = SweepReport()
    runner.catch_up()
    directory = ledger.directory()
    decided: set[str] = set()
    while True:
        now = ledger.now()
        with runner.engine.connect() as conn:
            due = [(k, d) for k, d in _due_timers(conn, epoch(now) or 0, batch) if k not in decided]
            units = _units_of(conn, sorted({str(d.task_id) for _, d in due}))
        if not due:
            break  # (timers still pending after their alert was decided are not read twice)
        decided.update(k for k, _ in due)
        told = [
            replace(
                d,
                recipients=recipients(d.kind, units.get(str(d.task_id), []), directory, supervisor),
            )
            for _, d in due
        ]
        outcome = ledger.raise_alerts(told, actor=SCHEDULER)
        runner.catch_up()  # the timers read model marks them, before the next batch
        report.batches += 1
        report.raised += len(outcome.raised)
        report.skipped += len(outcome.skipped)
        report.already += len(due) - len(outcome.raised) - len(outcome.skipped)
        for d in told:
            key = d.alert_id
            if key in outcome.raised:
                late = (outcome.at - d.fires_at).total_seconds() > late_after
                report.late += late
                log.info(
                    "alert.raised",
                    alert=str(key),
                    task=str(d.task_id),
                    kind=d.kind,
                    offset=d.offset,
                    occurrence=d.occurrence or None,
                    due=d.due.isoformat(),
                    late=late,
                    recipients=len(d.recipients),
                )
    return report
