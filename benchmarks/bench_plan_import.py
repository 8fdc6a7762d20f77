"""`taizhang plan import` of one 20,000-row table, the whole command, against the library.

``python -m benchmarks.bench_plan_import [--rows 20000] [--backends sqlite,postgres]``

Ours: the console command as a user runs it, in a process of its own — start-up, reading
the CSV, the import in one transaction, and bringing every read model current — on a store
that `taizhang init` made (not timed). The library: the same number of one-event
aggregates, shaped like the tasks (benchmarks/baseline.py), saved in one batched
``app.save`` on a fresh store of the same kind, deadlines parsed before its clock starts.
The three alternate ``--repeat`` times; medians. **Target: ours ≥ 0.4× the library's rate.**

The third, "the write alone", is the same command with the read models left behind
(benchmarks/write_only.py): what is left of the whole command's time once it is taken
away is what bringing the read models current costs.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path
from types import SimpleNamespace
from typing import Any

from benchmarks import baseline
from benchmarks.generate import generate, write_csv
from benchmarks.stores import BACKENDS, fresh_store, pg_problem
from ledger.importing.model import TableRow

TARGET = 0.4
TAIZHANG = [sys.executable, "-m", "cli"]
WRITE_ONLY = [sys.executable, "-m", "benchmarks.write_only"]


def table(rows: int) -> tuple[Any, list[TableRow]]:
    """One plan's table of ``rows`` tasks, drawn from the city scale's plans in order."""
    plans = generate("city")
    taken: list[TableRow] = []
    for plan in plans:
        taken += plan.rows
    picked = [replace(r, code=str(i), row=i + 1) for i, r in enumerate(taken[:rows], 1)]
    return plans[0], picked


def _taizhang(url: str, now: str, *args: str, command: list[str] = TAIZHANG) -> float:
    began = time.perf_counter()
    subprocess.run(
        [*command, "--db", url, "--now", now, "--as", "benchmark/导入员", *args],
        check=True,
        capture_output=True,
        env={**os.environ, "COLUMNS": "120"},
    )
    return time.perf_counter() - began


def ours(backend: str, csv: Path, plan: Any, command: list[str] = TAIZHANG) -> float:
    meta = plan.meta
    now = plan.imported_at.isoformat()
    with fresh_store(backend, "planimport") as url:
        _taizhang(url, now, "init")
        return _taizhang(
            url,
            now,
            "plan",
            "import",
            str(csv),
            "--title",
            meta.title,
            "--issuer",
            meta.issuer,
            "--doc-no",
            meta.doc_no,
            "--year",
            str(meta.year),
            "--issued-on",
            meta.issued_on.isoformat(),
            command=command,
        )


def library(backend: str, payload: list[dict[str, Any]]) -> float:
    with fresh_store(backend, "planlib") as url:
        return baseline.run(url, [payload]).seconds


def measure(backend: str, rows: int, repeat: int) -> dict[str, Any]:
    plan, picked = table(rows)
    one = SimpleNamespace(meta=plan.meta, plan_id=plan.plan_id, rows=picked)
    payload = baseline.payloads([one], "benchmark/导入员")[0]  # type: ignore[list-item]
    ours_s: list[float] = []
    write_s: list[float] = []
    lib_s: list[float] = []
    with tempfile.TemporaryDirectory(prefix="bench-planimport-") as d:
        csv = write_csv(Path(d) / "table.csv", picked)
        for _ in range(repeat):
            lib_s.append(library(backend, payload))
            ours_s.append(ours(backend, csv, plan))
            write_s.append(ours(backend, csv, plan, WRITE_ONLY))
    ours_m, write_m, lib_m = (statistics.median(s) for s in (ours_s, write_s, lib_s))
    return {
        "backend": backend,
        "rows": rows,
        "ours_seconds": ours_s,
        "write_alone_seconds": write_s,
        "library_seconds": lib_s,
        "ours_rows_per_s": rows / ours_m,
        "library_per_s": rows / lib_m,
        "ratio": lib_m / ours_m,
        "write_alone_ratio": lib_m / write_m,
        "target": TARGET,
    }


def main() -> None:
    p = argparse.ArgumentParser(prog="python -m benchmarks.bench_plan_import")
    p.add_argument("--rows", type=int, default=20_000)
    p.add_argument("--backends", default="sqlite,postgres")
    p.add_argument("--repeat", type=int, default=3)
    p.add_argument("--json", type=Path)
    args = p.parse_args()
    found = []
    for backend in [b for b in args.backends.split(",") if b in BACKENDS]:
        if backend == "postgres" and (problem := pg_problem()):
            print(f"postgres skipped: {problem}", file=sys.stderr)
            continue
        r = measure(backend, args.rows, args.repeat)
        found.append(r)
        verdict = "ok" if r["ratio"] >= TARGET else f"BELOW {TARGET}x"
        print(
            f"plan import of {r['rows']:,} rows, whole command, {backend}: "
            f"{r['ours_rows_per_s']:,.0f} rows/s (median of "
            f"{', '.join(f'{s:.1f}' for s in r['ours_seconds'])} s); library batched save "
            f"{r['library_per_s']:,.0f} aggregates/s; ours/library {r['ratio']:.2f}x ({verdict})"
        )
        print(
            f"  the write alone (read models left behind): median of "
            f"{', '.join(f'{s:.1f}' for s in r['write_alone_seconds'])} s, "
            f"{r['write_alone_ratio']:.2f}x the library"
        )
    if args.json:
        args.json.write_text(json.dumps(found, indent=2), encoding="utf-8")


if __name__ == "__main__":
    main()
