"""Timing ``Ledger.import_table`` and the CSV reader on generated plans.

The import clock is set to each plan's import instant, so the recorded timestamps are
those of a real year; plans are imported in that order, one ``import_table`` (one
transaction) per plan, as ``taizhang plan import`` does.
"""

from __future__ import annotations

import hashlib
import importlib
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from benchmarks.drive import SimClock
from benchmarks.generate import GeneratedPlan, write_csv
from ledger.application import Ledger

ACTOR = "benchmark/导入员"


@dataclass
class ImportResult:
    plans: int
    tasks: int
    events: int
    seconds: float

    @property
    def tasks_per_s(self) -> float:
        return self.tasks / self.seconds if self.seconds else 0.0

    @property
    def events_per_s(self) -> float:
        return self.events / self.seconds if self.seconds else 0.0


def _sha256(plan: GeneratedPlan) -> str:
    return hashlib.sha256(f"{plan.meta.issuer}|{plan.meta.doc_no}".encode()).hexdigest()


def import_plans(ledger: Ledger, clock: SimClock, plans: list[GeneratedPlan]) -> ImportResult:
    """Import every plan; only the ``import_table`` calls are timed."""
    work = [(p, p.rows, _sha256(p), f"{p.meta.issuer}.csv") for p in plans]
    tasks = events = 0
    seconds = 0.0
    for plan, rows, digest, source in work:
        clock.at = plan.imported_at
        began = time.perf_counter()
        report = ledger.import_table(rows, plan.meta, actor=ACTOR, source=source, sha256=digest)
        seconds += time.perf_counter() - began
        tasks += len(report.added)
        events += report.events
    return ImportResult(len(plans), tasks, events, seconds)


def warm_up(ledger: Ledger, clock: SimClock, plan: GeneratedPlan) -> None:
    """Import a few rows once so lazy loads (OpenCC, pypinyin, holiday data) are not timed.

    Run on a throwaway in-memory ledger: the timed store must start empty.
    """
    clock.at = plan.imported_at
    ledger.import_table(
        plan.rows[:20], plan.meta, actor=ACTOR, source="warm-up.csv", sha256="0" * 64
    )


@dataclass
class CsvResult:
    files: int
    rows: int
    seconds: float
    skipped: str | None = None

    @property
    def rows_per_s(self) -> float:
        return self.rows / self.seconds if self.seconds else 0.0


def _reader() -> Any:
    """``ledger.importing.table.read_table``, or None while that module does not exist."""
    try:
        module = importlib.import_module("ledger.importing.table")
    except ModuleNotFoundError:
        return None
    return getattr(module, "read_table", None)


def read_csvs(plans: list[GeneratedPlan]) -> CsvResult:
    """Write each plan as a CSV breakdown table (untimed), then time ``read_table`` on them."""
    read_table = _reader()
    if read_table is None:
        return CsvResult(0, 0, 0.0, skipped="ledger.importing.table.read_table does not exist")
    with tempfile.TemporaryDirectory(prefix="bench-csv-") as d:
        paths = [write_csv(Path(d) / f"plan-{i:04d}.csv", p.rows) for i, p in enumerate(plans)]
        read_table(paths[0])  # warm-up: OpenCC and the header vocabulary load lazily
        rows = 0
        began = time.perf_counter()
        for path in paths:
            rows += len(read_table(path))
        seconds = time.perf_counter() - began
    return CsvResult(len(paths), rows, seconds)
