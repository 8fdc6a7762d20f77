"""Read side and scheduler benchmarks: `python -m benchmarks.service --scale city`.

Works on a copy of a store loaded with the generated plan year (the same generator and
activity stream as the import benchmark; built once by benchmarks/loaded.py and reused),
then measures what a supervisor and the service feel: rebuild against the store's raw read
rate, dashboard and list latencies now and as of a past moment, whole-process command
times, a sweep with nothing due, raising 10,000 alerts, and APScheduler 3.11 loaded with
the same number of deadlines. Peak memory is this process's: it never generates data.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
from typing import Any

from benchmarks import bench_audit, bench_read, bench_supervision, bench_sweep, drive, loaded
from ledger.store import open_ledger
from projections.runner import ProjectionRunner

TARGETS = {
    "rebuild_vs_raw": ">= 0.25",
    "dashboard p50 (SQLite)": "<= 150 ms",
    "as_of_vs_current": "<= 3x",
    "taizhang --help": "<= 300 ms",
    "task list --unit (city, process)": "<= 500 ms",
    "quiet sweep": "<= 50 ms",
    "audit verify (SQLite)": ">= 150,000 events/s",
    "peak memory": "<= 500 MB",
}


def _log(msg: str) -> None:
    print(msg, file=sys.stderr, flush=True)


def measure(
    scale: str,
    backend: str,
    seed: int = 2024,
    with_activity: bool = True,
    apscheduler: bool = True,
) -> dict[str, Any]:
    """Every figure for one (scale, backend), on a private copy of the loaded store."""
    fig: dict[str, Any] = {"scale": scale, "backend": backend}
    with loaded.working_copy(scale, backend, seed, with_activity) as (url, meta):
        fig["tasks"] = meta["tasks"]
        fig["store"] = meta["key"]
        now = meta["now"]
        clock = drive.SimClock(now)
        ledger = open_ledger(url, clock=clock)
        try:
            runner = ProjectionRunner(ledger)
            runner.create_tables()
            _log(
                f"[{scale}/{backend}] {meta['tasks']:,} tasks, {meta['events']:,} events: "
                "rebuild and reads"
            )
            fig["read"] = bench_read.run(ledger, runner, now)
            if backend == "sqlite":
                read = fig["read"]
                fig["cli"] = bench_read.cli_timings(
                    url, read["busiest_unit"], read["largest_plan"], now
                )
            _log("  scheduler")
            quiet_ms, pending = bench_sweep.quiet_sweep_ms(ledger, runner)
            fig["sweep"] = {"quiet_sweep_ms": quiet_ms, "pending_timers": pending}
            if apscheduler:
                # Our timers against APScheduler's job store, one date job per task (the
                # scheduler issue's "200,000 APScheduler date jobs").
                fig["sweep"]["timers"] = bench_sweep.timers_rebuild(runner)
                fig["sweep"]["apscheduler"] = bench_sweep.apscheduler_load(url, fig["tasks"])
            _log("  audit, scores")
            fig["audit"] = bench_audit.run(url)
            fig["score"] = bench_supervision.score_seconds(url, now.isoformat())
            # last: the 10,000 alerts it raises are for tasks of no plan
            fig["sweep"]["raise_10k_s"] = bench_sweep.raise_rate(ledger, 10_000)
            fig["peak_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        finally:
            ledger.close()
    return fig


def _ms(pair: tuple[float, float]) -> str:
    return f"{pair[0]:.1f}/{pair[1]:.1f} ms"


def report(figs: list[dict[str, Any]]) -> str:
    lines = [
        "Read side and scheduler (targets: "
        + "; ".join(f"{k} {v}" for k, v in TARGETS.items())
        + ")"
    ]
    for f in figs:
        r, s = f["read"], f["sweep"]
        lines += [
            f"{f['scale']}/{f['backend']}: {f['tasks']:,} tasks, {r['events']:,} events",
            f"  raw read {r['raw_read_ev_s']:,.0f} ev/s (mean of "
            + " and ".join(f"{x:,.0f}" for x in r.get("raw_read_before_after_ev_s", ()))
            + f" before and after); rebuild {r['rebuild_ev_s']:,.0f} ev/s "
            f"({r['rebuild_vs_raw']:.0%} of raw)",
            f"  dashboard by unit p50/p95 {_ms(r['dashboard_ms'])}; "
            f"by section {_ms(r['dashboard_section_ms'])}; "
            f"as of 90 days ago {_ms(r['dashboard_as_of_ms'])} "
            f"({r['as_of_vs_current']:.1f}x current)",
            f"  by section as of 90 days ago {_ms(r['dashboard_section_as_of_ms'])}",
            f"  one plan ({r['largest_plan_tasks']:,} tasks) by unit "
            f"{_ms(r['plan_dashboard_ms'])}; "
            f"as of 90 days ago {_ms(r['plan_dashboard_as_of_ms'])}",
            f"  task list --unit {r['busiest_unit']} p50/p95 {_ms(r['task_list_unit_ms'])}",
        ]
        if "cli" in f:
            c = f["cli"]
            lines.append(
                f"  whole process, cold: taizhang --help {c['help_ms']:.0f} ms; "
                f"task list --unit {c['task_list_unit_process_ms']:.0f} ms (JSON), "
                f"{c['task_list_unit_table_ms']:.0f} ms (table); dashboard --plan --by unit "
                f"{c['dashboard_plan_process_ms']:.0f} ms; the first read (full check) "
                f"{c['first_read_ms']:.0f} ms (same rounds: python -c pass "
                f"{c['python_ms']:.0f} ms, import typer, rich.console "
                f"{c.get('import_typer_rich_ms', 0):.0f} ms, import sqlalchemy "
                f"{c['import_sqlalchemy_ms']:.0f} ms)"
            )
        lines += [
            f"  sweep with {s['pending_timers']:,} pending timers and nothing due: "
            f"{s['quiet_sweep_ms']:.1f} ms; raising 10,000 alerts: {s['raise_10k_s']:.1f} s",
        ]
        if "apscheduler" in s:
            ap, tm = s["apscheduler"], s["timers"]
            lines.append(
                f"  timers read model rebuilt from the ledger: {tm['timers']:,} timers in "
                f"{tm['rebuild_s']:.1f} s, {tm['peak_traced_mb']:.1f} MB traced peak"
            )
            lines.append(
                f"  APScheduler 3.11, {ap['jobs']:,} date jobs in its SQLAlchemy job store: "
                f"added in {ap['load_s']:.1f} s, restart {ap['restart_s']:.2f} s, "
                f"{ap['peak_traced_mb']:.1f} MB traced peak"
            )
        if "audit" in f:
            lines.append(bench_audit.report(f["audit"]))
        if "score" in f:
            lines.append(f"  score (every plan, whole command): {f['score']['score_s']:.1f} s")
        lines.append(
            f"  peak RSS of the measuring process (the rebuild's) {f['peak_rss_mb']:,.0f} MB"
        )
    return "\n".join(lines)


def _in_child(scale: str, backend: str, args: argparse.Namespace) -> dict[str, Any]:
    """One (scale, backend) in a process of its own: its peak memory is its own."""
    with tempfile.TemporaryDirectory() as d:
        out = f"{d}/fig.json"
        cmd = [
            sys.executable,
            "-m",
            "benchmarks.service",
            "--scale",
            scale,
            "--backends",
            backend,
            "--json",
            out,
        ]
        cmd += ["--no-activity"] if args.no_activity else []
        cmd += ["--no-apscheduler"] if args.no_apscheduler else []
        subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL)
        with open(out, encoding="utf-8") as f:
            found: dict[str, Any] = json.load(f)[0]
            return found


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.service")
    parser.add_argument("--scale", default="city")
    parser.add_argument("--backends", default="sqlite,postgres")
    parser.add_argument("--json")
    parser.add_argument(
        "--no-activity",
        action="store_true",
        help="Import only (every task open): the scheduler's worst case, loaded fast.",
    )
    parser.add_argument(
        "--no-apscheduler",
        action="store_true",
        help="Skip loading APScheduler's job store (minutes at province scale).",
    )
    args = parser.parse_args(argv)
    runs = [(s, b) for s in args.scale.split(",") for b in args.backends.split(",")]
    # Missing stores are built here, before anything is measured: built from the measuring
    # process, the builder would be its child, and the builder's peak memory would pass
    # for the rebuild's second process (RUSAGE_CHILDREN is the largest child's).
    activity = not args.no_activity
    built = False
    for scale, backend in runs:
        if not loaded.ready(scale, backend, 2024, activity):
            loaded.ensure(scale, backend, 2024, activity)
            built = True
    if len(runs) > 1 or built:
        figs = [_in_child(scale, backend, args) for scale, backend in runs]
    else:
        began = time.perf_counter()
        figs = [
            measure(
                *runs[0], with_activity=not args.no_activity, apscheduler=not args.no_apscheduler
            )
        ]
        figs[0]["wall_s"] = time.perf_counter() - began
    print(report(figs))
    if args.json:
        with open(args.json, "w", encoding="utf-8") as f:
            json.dump(figs, f, ensure_ascii=False, indent=2, default=str)
    return 0


if __name__ == "__main__":
    sys.exit(main())
