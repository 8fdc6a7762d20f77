"""Scheduler figures: a sweep with nothing due, raising 10,000 alerts, and APScheduler.

The comparison with APScheduler 3.11 loads the same number of deadlines as date jobs into
its SQLAlchemy job store (on the same kind of database) and times the scheduler's
start-up and its memory, against our timers read model, which the ledger rebuilds.
"""

from __future__ import annotations

import gc
import resource
import time
import tracemalloc
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import func, select

from ledger.application import DueAlert, Ledger
from projections.runner import ProjectionRunner
from projections.timers import timers
from scheduler.sweep import sweep


def _noop() -> None:
    """The job APScheduler would run (never runs here: every date is in the future)."""


def quiet_sweep_ms(ledger: Ledger, runner: ProjectionRunner, repeat: int = 20) -> tuple[float, int]:
    """Median time of a sweep that finds nothing due (a first sweep decides what was due),
    and the number of pending timers."""
    sweep(ledger, runner)
    with runner.engine.connect() as conn:
        pending = conn.execute(
            select(func.count()).select_from(timers).where(timers.c.state == "pending")
        ).scalar_one()
    samples = []
    for _ in range(repeat):
        began = time.perf_counter()
        sweep(ledger, runner)
        samples.append((time.perf_counter() - began) * 1000)
    samples.sort()
    return samples[len(samples) // 2], int(pending)


def raise_rate(ledger: Ledger, n: int = 10_000) -> float:
    """Seconds to raise ``n`` alerts that nobody raised before (in sweep-sized batches)."""
    from uuid import uuid4

    now = datetime(2030, 1, 1, tzinfo=UTC)
    due = [
        DueAlert(
            task_id=uuid4(),
            plan_id=uuid4(),
            occurrence="",
            kind="overdue",
            offset="0",
            due=now,
            fires_at=now,
        )
        for _ in range(n)
    ]
    began = time.perf_counter()
    for i in range(0, n, 1000):
        ledger.raise_alerts(due[i : i + 1000], actor="bench")
    return time.perf_counter() - began


def apscheduler_load(url: str, jobs: int) -> dict[str, Any]:
    """Start APScheduler 3.11 with ``jobs`` date jobs in its SQLAlchemy job store."""
    from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore
    from apscheduler.schedulers.background import BackgroundScheduler

    gc.collect()
    tracemalloc.start()
    store = SQLAlchemyJobStore(url=url, tablename="bench_apscheduler_jobs")
    scheduler = BackgroundScheduler(jobstores={"default": store}, timezone="UTC")
    base = datetime(2031, 1, 1, tzinfo=UTC)
    began = time.perf_counter()
    scheduler.start(paused=True)
    for i in range(jobs):
        scheduler.add_job(_noop, "date", run_date=base + timedelta(minutes=i), id=f"t{i}")
    loaded = time.perf_counter() - began
    scheduler.shutdown(wait=False)
    restart = BackgroundScheduler(
        jobstores={"default": SQLAlchemyJobStore(url=url, tablename="bench_apscheduler_jobs")},
        timezone="UTC",
    )
    began = time.perf_counter()
    restart.start()
    started = time.perf_counter() - began
    restart.shutdown(wait=False)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return {
        "jobs": jobs,
        "load_s": loaded,
        "restart_s": started,
        "peak_traced_mb": peak / 2**20,
        "maxrss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    }


def timers_rebuild(runner: ProjectionRunner) -> dict[str, Any]:
    """Our side of the comparison: rebuild the timers read model from the ledger."""
    gc.collect()
    tracemalloc.start()
    began = time.perf_counter()
    runner.rebuild(["timers"])
    took = time.perf_counter() - began
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    with runner.engine.connect() as conn:
        count = conn.execute(select(func.count()).select_from(timers)).scalar_one()
    return {"timers": int(count), "rebuild_s": took, "peak_traced_mb": peak / 2**20}
