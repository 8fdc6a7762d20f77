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
from typing import Any
from uuid import UUID

import structlog

from ledger.alert import ESCALATIONS
from ledger.application import DueAlert, Ledger
from ledger.directory import Directory
from projections.moments import epoch
from projections.queries.alerts import due_timers
from projections.runner import ProjectionRunner

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


def _due(row: dict[str, Any]) -> DueAlert:
    return DueAlert(
        task_id=UUID(row["task_id"]),
        plan_id=UUID(row["plan_id"]),
        occurrence=row["occurrence"],
        kind=row["kind"],
        offset=row["offset"],
        due=_instant(row["due"]),
        fires_at=_instant(row["fires_at"]),
    )


def recipients(
    kind: str, units: list[str], directory: Directory, supervisor: str | None
) -> list[list[str]]:
    """Who is told, as [unit, channel, address]: the task's units (lead first); on
    escalation the supervisor first."""
    told = ([supervisor] if kind in ESCALATIONS and supervisor else []) + units
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
    reader = runner.reader()
    try:
        while True:
            rows = due_timers(reader, epoch(ledger.now()) or 0, batch)
            reader.release()  # the next batch sees what the catch-up after this one wrote
            rows = [r for r in rows if r["timer_id"] not in decided]
            if not rows:
                break  # (a timer still pending after its alert was decided is read once)
            decided.update(r["timer_id"] for r in rows)
            told = [
                replace(
                    _due(r), recipients=recipients(r["kind"], r["units"], directory, supervisor)
                )
                for r in rows
            ]
            _decide(ledger, runner, told, report, late_after)
    finally:
        reader.close()
    return report


def _decide(
    ledger: Ledger,
    runner: ProjectionRunner,
    told: list[DueAlert],
    report: SweepReport,
    late_after: int,
) -> None:
    """Raise or skip one batch of due alerts, then let the timers read model follow."""
    outcome = ledger.raise_alerts(told, actor=SCHEDULER)
    runner.catch_up()  # the timers read model marks them, before the next batch
    report.batches += 1
    report.raised += len(outcome.raised)
    report.skipped += len(outcome.skipped)
    report.already += len(told) - len(outcome.raised) - len(outcome.skipped)
    for d in told:
        if d.alert_id not in outcome.raised:
            continue
        late = (outcome.at - d.fires_at).total_seconds() > late_after
        report.late += late
        log.info(
            "alert.raised",
            alert=str(d.alert_id),
            task=str(d.task_id),
            kind=d.kind,
            offset=d.offset,
            occurrence=d.occurrence or None,
            due=d.due.isoformat(),
            late=late,
            recipients=len(d.recipients),
        )
