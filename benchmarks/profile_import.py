"""Where ``import_table`` spends its time, against the library's batched save.

    python -m benchmarks.profile_import [--scale city] [--backend sqlite] [--top 25]

Both contenders are profiled with cProfile on fresh stores; the ledger's time is split
into the steps ``import_table`` takes per task (deadline parsing, deterministic ids,
``Task.define``, the plan lookup, the save) and set against the library's two steps
(create, save). The difference per task is what the ledger adds; the listing of the
ledger's own functions by self time says which ones to make cheaper.
"""

from __future__ import annotations

import argparse
import cProfile
import pstats
import time
from collections.abc import Callable
from typing import Any

from benchmarks import baseline, bench_import, drive
from benchmarks.generate import GeneratedPlan, generate
from benchmarks.stores import fresh_store
from ledger.store import MEMORY_URL, open_ledger, parse_url, store_env

# (label, file suffix, function name, depth): the steps of import_table. Depth-0 steps do
# not overlap, so what they leave of the total is the loop itself; depth-1 rows break
# down the step above them. A function that no longer exists shows 0 calls.
OUR_STEPS = (
    ("task fields (PlanUseCases._prepared)", "ledger/app/plans.py", "_prepared", 0),
    ("working-day calendar (Ledger.calendar)", "ledger/app/base.py", "calendar", 1),
    ("deadline parsing (parse_deadline)", "ledger/deadlines/parser.py", "parse_deadline", 1),
    ("spec.to_dict", "ledger/deadlines/spec.py", "to_dict", 1),
    ("task ids (ids.task_id: squeeze + uuid5)", "ledger/ids.py", "task_id", 0),
    ("Task.define (guards + Defined event)", "ledger/task.py", "define", 0),
    ("plan lookup / register / ref guard", "ledger/app/plans.py", "_plan_for_import", 0),
    (
        "Application.save (collect, encode, insert, commit)",
        "eventsourcing/application.py",
        "save",
        0,
    ),
)
LIB_STEPS = (
    ("Item(...) (Created event)", "benchmarks/profile_import.py", "_create_items", 0),
    (
        "Application.save (collect, encode, insert, commit)",
        "eventsourcing/application.py",
        "save",
        0,
    ),
)
Key = tuple[str, int, str]


def _cum(stats: pstats.Stats, suffix: str, name: str) -> tuple[int, float]:
    """Calls and cumulative seconds of every function ``name`` in a file ending in ``suffix``."""
    calls, seconds = 0, 0.0
    table: dict[Key, Any] = stats.stats  # type: ignore[attr-defined]
    for (path, _, func), (_, ncalls, _, cumtime, _) in table.items():
        if func == name and path.endswith(suffix):
            calls += ncalls
            seconds += cumtime
    return calls, seconds


def _ledger_functions(stats: pstats.Stats) -> list[tuple[str, int, float, float]]:
    """The ledger's functions: (name, calls, self s, cumulative s)."""
    table: dict[Key, Any] = stats.stats  # type: ignore[attr-defined]
    return [
        (f"{path.split('/main/', 1)[-1]}:{line}({func})", ncalls, tottime, cumtime)
        for (path, line, func), (_, ncalls, tottime, cumtime, _) in table.items()
        if "/ledger/" in path
    ]


def _create_items(batch: list[dict[str, Any]]) -> list[baseline.Item]:
    return [baseline.Item(**kwargs) for kwargs in batch]


def _profile(fn: Callable[[], None]) -> tuple[pstats.Stats, float]:
    prof = cProfile.Profile()
    began = time.perf_counter()
    prof.runcall(fn)
    return pstats.Stats(prof), time.perf_counter() - began


def profile_ours(url: str, plans: list[GeneratedPlan]) -> tuple[pstats.Stats, float]:
    clock = drive.SimClock(plans[0].imported_at)
    ledger = open_ledger(url, clock=clock, create=True)

    def go() -> None:
        bench_import.import_plans(ledger, clock, plans)

    try:
        return _profile(go)
    finally:
        ledger.close()


def profile_library(url: str, payloads: list[list[dict[str, Any]]]) -> tuple[pstats.Stats, float]:
    app = baseline.LibraryBaseline(env=store_env(parse_url(url), create=True))

    def go() -> None:
        for batch in payloads:
            app.save(*_create_items(batch))

    try:
        return _profile(go)
    finally:
        app.close()


def _steps(
    stats: pstats.Stats, steps: tuple[tuple[str, str, str, int], ...], total: float, tasks: int
) -> list[tuple[str, int, float, float]]:
    rows = []
    outer = 0.0
    for label, suffix, name, depth in steps:
        calls, seconds = _cum(stats, suffix, name)
        if depth == 0:
            outer += seconds
        rows.append(("  " * depth + label, calls, seconds, seconds / tasks * 1e6))
    rest = total - outer
    rows.append(("rest (loop, report, sets, clock)", 0, rest, rest / tasks * 1e6))
    return rows


def _listing(title: str, rows: list[tuple[str, int, float, float]]) -> None:
    print(f"\n{title}\n     self      cum      calls  function")
    for name, calls, own, cum in rows:
        print(f"  {own:7.3f}  {cum:7.3f}  {calls:>9,}  {name}")


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m benchmarks.profile_import")
    p.add_argument("--scale", default="city")
    p.add_argument("--backend", default="sqlite")
    p.add_argument("--seed", type=int, default=2024)
    p.add_argument("--top", type=int, default=25)
    args = p.parse_args(argv)

    plans = generate(args.scale, args.seed)
    tasks = sum(len(pl.tasks) for pl in plans)
    payloads = baseline.payloads(plans, bench_import.ACTOR)
    warm_clock = drive.SimClock(plans[0].imported_at)
    warm = open_ledger(MEMORY_URL, clock=warm_clock, create=True)
    bench_import.warm_up(warm, warm_clock, plans[0])
    warm.close()

    with fresh_store(args.backend, "prof_lib") as url:
        lib_stats, _ = profile_library(url, payloads)
    with fresh_store(args.backend, "prof_ours") as url:
        our_stats, _ = profile_ours(url, plans)
    our_total = _cum(our_stats, "ledger/app/plans.py", "import_table")[1]
    lib_total = (
        _cum(lib_stats, "benchmarks/profile_import.py", "_create_items")[1]
        + _cum(lib_stats, "eventsourcing/application.py", "save")[1]
    )

    print(
        f"cProfile of importing {len(plans)} plans / {tasks:,} tasks ({args.scale}, "
        f"{args.backend}); profiled times run slower than unprofiled ones, compare shares"
    )
    print(
        f"\nimport_table total {our_total:.2f} s ({our_total / tasks * 1e6:.0f} us/task); "
        f"library total {lib_total:.2f} s ({lib_total / tasks * 1e6:.0f} us/task); "
        f"ratio {lib_total / our_total:.0%}"
    )
    for title, rows in (
        ("ours", _steps(our_stats, OUR_STEPS, our_total, tasks)),
        ("library", _steps(lib_stats, LIB_STEPS, lib_total, tasks)),
    ):
        print(
            f"\n{title}: step                                              calls        s   us/task"
        )
        for label, calls, seconds, per in rows:
            print(f"  {label:<56} {calls:>8,} {seconds:>8.2f} {per:>8.1f}")
    functions = _ledger_functions(our_stats)
    # By cumulative time (import_table itself left out): which call chains cost the most.
    by_cum = [r for r in functions if not r[0].endswith("(import_table)")]
    _listing(
        "ledger functions by cumulative time (s):",
        sorted(by_cum, key=lambda r: r[3], reverse=True)[: args.top],
    )
    _listing(
        "ledger functions by self time (s):",
        sorted(functions, key=lambda r: r[2], reverse=True)[: args.top],
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
