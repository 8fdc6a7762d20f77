"""Several sweep processes on one PostgreSQL: the work is shared, every alert raised once."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from datetime import UTC, datetime

import pytest
from sqlalchemy import func, select

from ledger.application import PlanMeta, TaskFields
from ledger.store import open_ledger
from projections.runner import ProjectionRunner
from projections.timers import timers

pytestmark = pytest.mark.postgres
TASKS = 750  # four timers each (two reminders, overdue, escalation): 3,000 due timers
META = PlanMeta(title="要点", issuer="某省政府办公厅", year=2017, doc_no="某政办发〔2017〕1号")


def prepare(url: str) -> None:
    ledger = open_ledger(url, clock=lambda: datetime(2017, 6, 1, 1, tzinfo=UTC), create=True)
    ProjectionRunner(ledger).create_tables()
    rows = [
        TaskFields(
            row=i,
            code=str(i),
            section="一",
            content=f"任务{i}",
            lead_units=("市财政局",),
            co_units=(),
            deadline_text="6月30日前",
        )
        for i in range(1, TASKS + 1)
    ]
    ledger.import_table(rows, META, actor="s", source="t", sha256="x")
    ProjectionRunner(ledger).catch_up()
    ledger.close()


def start_sweep(url: str) -> subprocess.Popen[bytes]:
    env = {**os.environ, "TAIZHANG_DB": url, "TAIZHANG_NOW": "2017-09-15T09:00"}
    return subprocess.Popen(
        [sys.executable, "-m", "cli", "--format", "json", "sweep", "--batch", "50"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )


def alert_count(url: str) -> tuple[int, int]:
    """(alert aggregates in the store, timers still pending)."""
    ledger = open_ledger(url)
    runner = ProjectionRunner(ledger)
    runner.catch_up()
    created = ledger.recorder.select_notifications(
        start=1, limit=100_000, topics=["ledger.alert:Alert.Raised", "ledger.alert:Alert.Skipped"]
    )
    with runner.engine.connect() as conn:
        pending = conn.execute(select(func.count()).where(timers.c.state == "pending")).scalar_one()
    ledger.close()
    return len(created), pending


def test_three_sweepers_raise_each_of_3000_alerts_once(pg_url: str) -> None:
    """Started together, three processes decide 3,000 alerts in total, none twice (the
    reminders came too late: skipped, once each)."""
    prepare(pg_url)
    procs = [start_sweep(pg_url) for _ in range(3)]
    outputs = [p.communicate(timeout=300) for p in procs]
    assert all(p.returncode == 0 for p in procs), [o[1][-500:] for o in outputs]
    assert alert_count(pg_url) == (3000, 0)


def test_a_sweeper_killed_mid_run_loses_nothing(pg_url: str) -> None:
    """One of three is killed while it works; a later sweep finishes; 3,000 exactly."""
    prepare(pg_url)
    procs = [start_sweep(pg_url) for _ in range(3)]
    time.sleep(1.5)  # let them start claiming; the kill lands mid-run or after, both must hold
    procs[0].send_signal(signal.SIGKILL)
    for p in procs:
        p.communicate(timeout=300)
    last = start_sweep(pg_url)
    last.communicate(timeout=300)
    assert last.returncode == 0
    assert alert_count(pg_url) == (3000, 0)
