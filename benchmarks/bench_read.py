"""Read-side figures: rebuild against the raw read rate, dashboard and list latencies.

Measured on a store already loaded with a generated plan year (the import and activity
benchmarks leave one behind). Latencies are medians (p50) and 95th percentiles over
repeated calls in one process; the command-line timings are whole cold processes.
"""

from __future__ import annotations

import os
import resource
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, select

from ledger.application import Ledger
from projections.moments import OPEN
from projections.queries.dashboard import dashboard
from projections.queries.tasks import TaskFilter, list_tasks
from projections.runner import ProjectionRunner
from projections.task_versions import task_unit_versions
from projections.tasks import tasks


def _percentiles(samples: list[float]) -> tuple[float, float]:
    ordered = sorted(samples)
    p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
    return statistics.median(ordered), p95


def _latency(call: Callable[[], Any], repeat: int) -> tuple[float, float]:
    call()  # warm the page cache, as a service would be
    samples = []
    for _ in range(repeat):
        start = time.perf_counter()
        call()
        samples.append((time.perf_counter() - start) * 1000)
    return _percentiles(samples)


def raw_read_rate(ledger: Ledger, batch: int = 10_000) -> float:
    """Notifications per second the store itself hands out (no decoding, no writing)."""
    head = ledger.recorder.max_notification_id() or 0
    start, read, began = 1, 0, time.perf_counter()
    while start <= head:
        got = ledger.recorder.select_notifications(start=start, limit=batch)
        if not got:
            break
        read += len(got)
        start = got[-1].id + 1
    return read / (time.perf_counter() - began)


def _most_common(runner: ProjectionRunner, column: Any, *where: Any) -> tuple[str, int]:
    """The value of ``column`` on the most rows (``where`` selects), and on how many."""
    with runner.engine.connect() as conn:
        query = select(column, func.count()).where(*where).group_by(column)
        query = query.order_by(func.count().desc())
        value, count = conn.execute(query.limit(1)).one()
        return str(value), int(count)


def busiest_unit(runner: ProjectionRunner) -> str:
    links = task_unit_versions.c
    return _most_common(runner, links.unit, links.rec_to == OPEN)[0]


def largest_plan(runner: ProjectionRunner) -> tuple[str, int]:
    return _most_common(runner, tasks.c.plan_id)


def run(
    ledger: Ledger, runner: ProjectionRunner, now: datetime, repeat: int = 20
) -> dict[str, Any]:
    """Every read-side figure for the store behind ``ledger``."""
    figures: dict[str, Any] = {}
    head = ledger.recorder.max_notification_id() or 0
    figures["events"] = head
    # The raw read before and after the rebuild: this machine's speed drifts within
    # minutes (BENCHMARKS.md), and the rebuild is set against the mean of the two.
    before = raw_read_rate(ledger)
    children_before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    began = time.perf_counter()
    runner.rebuild()
    figures["rebuild_ev_s"] = head / (time.perf_counter() - began)
    after = raw_read_rate(ledger)
    figures["raw_read_before_after_ev_s"] = (before, after)
    figures["raw_read_ev_s"] = (before + after) / 2
    figures["rebuild_vs_raw"] = figures["rebuild_ev_s"] / figures["raw_read_ev_s"]
    del children_before  # the replay runs in this process: its memory is this one's
    reader = runner.reader()
    engine = reader
    past = now - timedelta(days=90)
    figures["dashboard_ms"] = _latency(lambda: dashboard(engine, now=now, by="unit"), repeat)
    figures["dashboard_section_ms"] = _latency(
        lambda: dashboard(engine, now=now, by="section"), repeat
    )
    figures["dashboard_as_of_ms"] = _latency(
        lambda: dashboard(engine, now=now, by="unit", as_of=past), repeat
    )
    figures["as_of_vs_current"] = figures["dashboard_as_of_ms"][0] / figures["dashboard_ms"][0]
    figures["dashboard_section_as_of_ms"] = _latency(
        lambda: dashboard(engine, now=now, by="section", as_of=past), repeat
    )
    # What a supervisor runs: one plan (the largest), by unit, now and as of 90 days ago.
    plan = largest_plan(runner)
    figures["largest_plan_tasks"] = plan[1]
    figures["largest_plan"] = plan[0]
    figures["plan_dashboard_ms"] = _latency(
        lambda: dashboard(engine, now=now, by="unit", plan_id=plan[0]), repeat
    )
    figures["plan_dashboard_as_of_ms"] = _latency(
        lambda: dashboard(engine, now=now, by="unit", plan_id=plan[0], as_of=past), repeat
    )
    unit = busiest_unit(runner)
    figures["busiest_unit"] = unit
    where = TaskFilter(unit=unit)
    figures["task_list_unit_ms"] = _latency(
        lambda: list_tasks(engine, now=now, where=where), repeat
    )
    reader.close()
    return figures


def cli_timings(url: str, unit: str, plan: str, now: datetime, runs: int = 9) -> dict[str, Any]:
    """Whole-process, cold: `taizhang --help`, `task list --unit U` (JSON, and a table as a
    160-column terminal gets it) and `dashboard --plan P --by unit`, medians.

    This machine's speed drifts (the same `import sqlalchemy` took 360 ms and 640 ms an
    hour apart), so two references run interleaved with them, round after round: an empty
    interpreter, `import typer, rich.console` (what `--help` is held to: at most twice
    that) and `import sqlalchemy` alone (what a read command would pay on the write
    side's engine). One read command runs first, timed on its own.
    """
    env = {**os.environ, "TAIZHANG_DB": url, "TAIZHANG_NOW": now.isoformat(), "COLUMNS": "160"}
    listing = ["-m", "cli", "task", "list", "--unit", unit]
    commands = {
        "python_ms": ["-c", "pass"],
        "import_sqlalchemy_ms": ["-c", "import sqlalchemy"],
        "import_typer_rich_ms": ["-c", "import typer, rich.console"],
        "help_ms": ["-m", "cli", "--help"],
        "task_list_unit_process_ms": ["-m", "cli", "--format", "json", *listing[2:]],
        "task_list_unit_table_ms": listing,
        "dashboard_plan_process_ms": ["-m", "cli", "dashboard", "--plan", plan, "--by", "unit"],
    }

    def once(args: list[str]) -> float:
        began = time.perf_counter()
        subprocess.run(
            [sys.executable, *args],
            env=env,
            check=True,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        return (time.perf_counter() - began) * 1000

    figures = {"first_read_ms": once(commands["task_list_unit_process_ms"])}
    samples: dict[str, list[float]] = {name: [] for name in commands}
    for _ in range(runs):
        for name, args in commands.items():
            samples[name].append(once(args))
    return {**figures, **{name: statistics.median(found) for name, found in samples.items()}}
