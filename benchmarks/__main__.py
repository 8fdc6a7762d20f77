"""``python -m benchmarks --scale county,city [--backends sqlite,postgres] [--json OUT]``.

Each (scale, backend) runs in a child process of its own (``--child``), so peak memory
and warm caches of one run do not leak into the next; the parent collects the figures,
prints the tables and writes ``--json``.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

from benchmarks.generate import SCALES
from benchmarks.report import render
from benchmarks.stores import BACKENDS, pg_problem, pg_version


def _csv_list(value: str, allowed: tuple[str, ...] | list[str], what: str) -> list[str]:
    items = [v.strip() for v in value.split(",") if v.strip()]
    unknown = [v for v in items if v not in allowed]
    if unknown:
        raise argparse.ArgumentTypeError(
            f"unknown {what} {', '.join(unknown)}; choose from {', '.join(allowed)}"
        )
    return items


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__.splitlines()[0])
    p.add_argument(
        "--scale",
        default="county,city",
        type=lambda v: _csv_list(v, list(SCALES), "scale"),
        help="comma-separated: county (2,000 tasks), city (20,000), province (200,000)",
    )
    p.add_argument(
        "--backends",
        default="sqlite,postgres",
        type=lambda v: _csv_list(v, BACKENDS, "backend"),
        help="comma-separated: sqlite, postgres (skipped if the server is down)",
    )
    p.add_argument("--json", type=Path, help="also write every figure to this JSON file")
    p.add_argument("--seed", type=int, default=2024)
    p.add_argument(
        "--repeat",
        type=int,
        default=None,
        help="import/library runs per (scale, backend); default 3, province 1",
    )
    p.add_argument(
        "--per-command",
        type=int,
        default=2000,
        help="activity commands run through the use-case methods, one "
        "transaction each (the rest run batched)",
    )
    p.add_argument("--batch", type=int, default=500, help="activity commands per batched save")
    p.add_argument(
        "--deadlines",
        type=int,
        default=20_000,
        help="phrases for benchmarks/bench_deadlines.run(n); 0 skips it",
    )
    p.add_argument("--child", type=Path, help=argparse.SUPPRESS)
    return p


def machine() -> dict[str, str]:
    info = {"cpus": str(os.cpu_count()), "python": platform.python_version()}
    try:
        meminfo = Path("/proc/meminfo").read_text().split()
        info["memory"] = f"{int(meminfo[meminfo.index('MemTotal:') + 1]) / 2**20:.1f} GiB"
        cpu = [
            ln
            for ln in Path("/proc/cpuinfo").read_text().splitlines()
            if ln.startswith("model name")
        ]
        if cpu:
            info["cpu"] = cpu[0].split(":", 1)[1].strip()
    except (OSError, ValueError):
        pass  # not Linux: the figures still stand without these
    info |= _revision()
    info["load at start"] = " ".join(f"{x:.2f}" for x in os.getloadavg())  # others' jobs
    return info


def _revision() -> dict[str, str]:
    """The commit measured, and whether ledger/ or projections/ had uncommitted changes:
    other people edit the code while benchmarks run, so figures need their revision."""
    root = Path(__file__).resolve().parent.parent
    try:
        head = subprocess.run(
            ["git", "-C", str(root), "rev-parse", "--short", "HEAD"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "-C", str(root), "status", "--porcelain", "--", "ledger", "projections"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return {}
    return {"commit": head + (" (ledger/projections modified)" if dirty else "")}


def _child(args: argparse.Namespace) -> int:
    from benchmarks.run import run

    (scale,), (backend,) = args.scale, args.backends
    repeat = args.repeat or (1 if scale == "province" else 3)
    fig = run(
        scale,
        backend,
        seed=args.seed,
        repeat=repeat,
        per_command=args.per_command,
        batch=args.batch,
    )
    args.child.write_text(json.dumps(fig, ensure_ascii=False, indent=1, default=str))
    return 0


def _spawn(args: argparse.Namespace, scale: str, backend: str) -> dict[str, Any] | None:
    with tempfile.TemporaryDirectory(prefix="bench-run-") as d:
        out = Path(d) / "fig.json"
        cmd = [
            sys.executable,
            "-m",
            "benchmarks",
            "--child",
            str(out),
            "--scale",
            scale,
            "--backends",
            backend,
            "--seed",
            str(args.seed),
            "--per-command",
            str(args.per_command),
            "--batch",
            str(args.batch),
        ]
        if args.repeat:
            cmd += ["--repeat", str(args.repeat)]
        done = subprocess.run(cmd, check=False)  # its progress goes straight to our stderr
        if done.returncode != 0:
            return None
        result: dict[str, Any] = json.loads(out.read_text())
        return result


def _deadlines(n: int) -> dict[str, Any] | None:
    if n <= 0:
        return None
    try:
        from benchmarks import bench_deadlines
    except ImportError:
        print("benchmarks/bench_deadlines.py not found; deadline figures skipped", file=sys.stderr)
        return None
    run = getattr(bench_deadlines, "run", None)
    if run is None:
        print(
            "benchmarks/bench_deadlines.py has no run(n); deadline figures skipped", file=sys.stderr
        )
        return None
    figures = run(n)
    return dict(figures) if isinstance(figures, dict) else {"result": figures}


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    if args.child:
        return _child(args)
    info = machine()
    skipped: list[str] = []
    backends = list(args.backends)
    if "postgres" in backends:
        problem = pg_problem()
        if problem:
            skipped.append(f"postgres: server not reachable ({problem})")
            backends.remove("postgres")
        else:
            info["postgresql"] = pg_version()
    runs: list[dict[str, Any]] = []
    for scale in args.scale:
        for backend in backends:
            fig = _spawn(args, scale, backend)
            if fig is None:
                skipped.append(f"{scale}/{backend}: the run failed (see the error above)")
            else:
                runs.append(fig)
    deadlines = _deadlines(args.deadlines)
    print(render(runs, skipped, info, deadlines))
    if args.json:
        payload = {"machine": info, "runs": runs, "deadlines": deadlines, "skipped": skipped}
        args.json.write_text(json.dumps(payload, ensure_ascii=False, indent=1, default=str))
    return 1 if any("failed" in s for s in skipped) else 0


if __name__ == "__main__":
    sys.exit(main())
