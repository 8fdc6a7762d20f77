"""Supervision at scale: a spot-check draw over a province, the 台账 of a 20,000-task plan,
and scoring a loaded province.

``python -m benchmarks.bench_supervision [--repeat 3]`` runs the first two:

- **draw**: ``ledger.sampling.draw`` over every lead unit's share of the province's
  200,000 generated tasks (each task's lead units; a share's section is its task's),
  5% per unit with at least one, two of 40 inspectors from 8 units each. The population
  is built before the clock starts. **Target: at most 1 s.**
- **台账**: `taizhang plan export P -o X.xlsx`, the whole command, on a SQLite store holding
  one 20,000-task plan (imported, not timed). **Target: at most 10 s.**

Scoring a province (`taizhang score`, every plan) runs in `python -m benchmarks.service`,
on the loaded store whose read models it has just rebuilt (:func:`score_seconds`).
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from benchmarks.bench_plan_import import table
from benchmarks.generate import generate, write_csv
from ledger.sampling import Candidate, Criteria, Inspector, draw

TARGETS = {"draw_s": 1.0, "ledger_export_s": 10.0}


def population(scale: str = "province") -> list[Candidate]:
    """Every lead unit's share of the scale's tasks (a unit named twice counts once)."""
    found: dict[str, Candidate] = {}
    for plan in generate(scale):
        for row in plan.rows:
            task = f"{plan.plan_id}/{row.code}"
            for unit in row.lead_units:
                found.setdefault(f"{task}\x1f{unit}", Candidate(task, unit, row.section))
    return list(found.values())


def draw_seconds(candidates: list[Candidate], repeat: int) -> list[float]:
    crew = [Inspector(f"督查员{i:02d}", f"督查单位{i % 8}") for i in range(40)]
    criteria = Criteria(per="unit", ratio=0.05, minimum=1, per_task=2)
    times = []
    for n in range(repeat):
        began = time.perf_counter()
        draw(candidates, criteria, f"bench-{n}", crew)
        times.append(time.perf_counter() - began)
    return times


def ledger_export_seconds(rows: int, repeat: int) -> list[float]:
    """`plan export` of one ``rows``-task plan to XLSX, the whole command, ``repeat`` times."""
    plan, picked = table(rows)
    meta = plan.meta
    with tempfile.TemporaryDirectory(prefix="bench-ledger-") as d:
        here = Path(d)
        url = f"sqlite:///{here / 'store.db'}"
        now = plan.imported_at.isoformat()
        csv = write_csv(here / "table.csv", picked)
        _taizhang(url, now, "init")
        _taizhang(
            url, now, "plan", "import", str(csv), "--title", meta.title, "--issuer",
            meta.issuer, "--doc-no", meta.doc_no, "--year", str(meta.year),
            "--issued-on", meta.issued_on.isoformat(),
        )  # fmt: skip
        ref = str(meta.plan_id)
        _taizhang(url, now, "task", "list", "--plan", ref)  # read models current
        return [
            _taizhang(url, now, "plan", "export", ref, "-o", str(here / f"{n}.xlsx"))
            for n in range(repeat)
        ]


def score_seconds(url: str, now: str, repeat: int = 3) -> dict[str, Any]:
    """`taizhang --format json score` (every plan) on a loaded store, medians."""
    times = [_taizhang(url, now, "--format", "json", "score") for _ in range(repeat)]
    return {"score_s": statistics.median(times), "score_runs_s": times}


def _taizhang(url: str, now: str, *args: str) -> float:
    began = time.perf_counter()
    subprocess.run(
        [sys.executable, "-m", "cli", "--db", url, "--now", now, "--as", "督查室", *args],
        check=True,
        capture_output=True,
        env={**os.environ, "COLUMNS": "120"},
    )
    return time.perf_counter() - began


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.bench_supervision")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--rows", type=int, default=20_000)
    args = parser.parse_args(argv)
    candidates = population()
    drawn = draw_seconds(candidates, args.repeat)
    exported = ledger_export_seconds(args.rows, args.repeat)
    print(
        f"spot-check draw over a province ({len(candidates):,} shares): median "
        f"{statistics.median(drawn):.2f} s of {', '.join(f'{t:.2f}' for t in drawn)} "
        f"(target <= {TARGETS['draw_s']:g} s)"
    )
    print(
        f"plan export of a {args.rows:,}-task 台账 (XLSX, whole command): median "
        f"{statistics.median(exported):.1f} s of {', '.join(f'{t:.1f}' for t in exported)} "
        f"(target <= {TARGETS['ledger_export_s']:g} s)"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
