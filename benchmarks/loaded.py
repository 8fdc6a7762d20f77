"""Stores loaded with a generated plan year, built once and reused by the read benchmarks.

Loading a province (200,000 tasks, a year of activity, 1.3 million events) takes many
minutes and is not what the read side measures, so the loaded store is kept: a SQLite file
under ``benchmarks/out/stores/``, or a PostgreSQL database of its own. Each measuring run
works on a copy (a file copy; ``CREATE DATABASE … TEMPLATE`` on PostgreSQL), so what a run
writes (read models, alerts) never leaks into the next one.

The key holds the scale, the seed, whether the activity was loaded, and a digest of the
sources that decide what is stored (the generator and the ledger), so a change there
builds a new store instead of measuring a stale one. The build runs in a child process:
the generator's memory never counts towards the measuring process's peak.

    python -m benchmarks.loaded --scale province --backend sqlite   # build (or find) it
"""

from __future__ import annotations

import argparse
import hashlib
import json
import shutil
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy.engine import make_url

from benchmarks.stores import PG_URL, pg_admin

ROOT = Path(__file__).resolve().parent.parent
CACHE = ROOT / "benchmarks" / "out" / "stores"
# What decides the stored events: the generated plans and activity, and the parts of the
# ledger that record them (not the read-side helpers such as ledger/status.py).
SOURCES = (
    "benchmarks/generate.py",
    "benchmarks/activity.py",
    "benchmarks/phrases.py",
    "benchmarks/names.py",
    "benchmarks/texts.py",
    "benchmarks/drive.py",
    "benchmarks/batching.py",
    "ledger/application.py",
    "ledger/app",
    "ledger/task.py",
    "ledger/task_rules.py",
    "ledger/clock.py",
    "ledger/plan.py",
    "ledger/alert.py",
    "ledger/ids.py",
    "ledger/textnorm.py",
    "ledger/workdays.py",
    "ledger/directory.py",
    "ledger/deadlines",
    "ledger/importing",
)


def digest() -> str:
    h = hashlib.sha256()
    for source in SOURCES:
        path = ROOT / source
        files = sorted(path.rglob("*.py")) if path.is_dir() else [path]
        for f in files:
            h.update(str(f.relative_to(ROOT)).encode())
            h.update(f.read_bytes())
    return h.hexdigest()[:10]


def key(scale: str, seed: int, activity: bool) -> str:
    return f"{scale}_{seed}_{'year' if activity else 'import'}_{digest()}"


def _pg_url(database: str) -> str:
    return make_url(PG_URL).set(database=database).render_as_string(hide_password=False)


def _pg_exists(database: str) -> bool:
    return pg_admin("select 1 from pg_database where datname = :d", {"d": database}) is not None


def _meta_path(k: str, backend: str) -> Path:
    return CACHE / f"{k}.{backend}.json"


def build(scale: str, backend: str, seed: int, activity_too: bool) -> dict[str, Any]:
    """Generate and load the store for ``key`` (in this process) and record its metadata."""
    from benchmarks import activity, bench_import, drive
    from benchmarks.batching import BatchingLedger
    from benchmarks.generate import generate
    from ledger.store import open_ledger, parse_url, store_env

    k = key(scale, seed, activity_too)
    CACHE.mkdir(parents=True, exist_ok=True)
    began = time.perf_counter()
    plans = generate(scale, seed)
    commands = activity.stream(plans, seed) if activity_too else []
    if backend == "sqlite":
        partial = CACHE / f"{k}.partial.db"
        partial.unlink(missing_ok=True)
        url = f"sqlite:///{partial}"
    else:
        database = f"tzbench_{k}"
        pg_admin(f"DROP DATABASE IF EXISTS {database}")
        pg_admin(f"CREATE DATABASE {database}")
        url = _pg_url(database)
    clock = drive.SimClock(plans[0].imported_at)
    ledger = open_ledger(url, clock=clock, create=True)
    try:
        bulk = BatchingLedger(env=store_env(parse_url(url), create=False), clock=clock, cache=True)
        try:
            # In time order, as an office lives it: each plan imported when it was issued,
            # between the commands on plans imported before it (recorded time never goes
            # backwards, in the ledger nor in this store).
            done = 0
            for _, item in _timeline(plans, commands):
                if isinstance(item, list):
                    drive.batched(bulk, clock, item, 500)
                    done += len(item)
                    if done // 100_000 != (done - len(item)) // 100_000:
                        _say(f"  activity {done:,}/{len(commands):,}", began)
                else:
                    bench_import.import_plans(ledger, clock, [item])
        finally:
            bulk.close()
        _say(f"  imported {sum(len(p.tasks) for p in plans):,} tasks", began)
        events = ledger.recorder.max_notification_id() or 0
    finally:
        ledger.close()
    if backend == "sqlite":
        partial.rename(CACHE / f"{k}.db")
    meta = {
        "key": k,
        "scale": scale,
        "seed": seed,
        "activity": activity_too,
        "tasks": sum(len(p.tasks) for p in plans),
        "commands": len(commands),
        "events": events,
        "now": clock.at.isoformat(),
        "load_seconds": time.perf_counter() - began,
    }
    _meta_path(k, backend).write_text(json.dumps(meta, indent=2))
    return meta


def _timeline(plans: list[Any], commands: list[Any]) -> Iterator[tuple[Any, Any]]:
    """Plans to import and batches of commands (at most 500, none spanning an import),
    in time order."""
    waiting = sorted(plans, key=lambda p: p.imported_at)
    batch: list[Any] = []
    for command in commands:
        if waiting and waiting[0].imported_at <= command.at:
            if batch:
                yield batch[0].at, batch
                batch = []
            while waiting and waiting[0].imported_at <= command.at:
                plan = waiting.pop(0)
                yield plan.imported_at, plan
        batch.append(command)
        if len(batch) == 500:
            yield batch[0].at, batch
            batch = []
    if batch:
        yield batch[0].at, batch
    for plan in waiting:
        yield plan.imported_at, plan


def _say(text: str, began: float) -> None:
    print(f"{text} ({time.perf_counter() - began:.0f} s)", file=sys.stderr, flush=True)


def ready(scale: str, backend: str, seed: int, activity_too: bool) -> bool:
    """Whether the loaded store for these settings is built already."""
    return _ready(key(scale, seed, activity_too), backend)


def _ready(k: str, backend: str) -> bool:
    if not _meta_path(k, backend).exists():
        return False
    return (CACHE / f"{k}.db").exists() if backend == "sqlite" else _pg_exists(f"tzbench_{k}")


def ensure(scale: str, backend: str, seed: int, activity_too: bool) -> dict[str, Any]:
    """The loaded store's metadata, building it in a child process when it is missing."""
    k = key(scale, seed, activity_too)
    if not _ready(k, backend):
        print(
            f"[{scale}/{backend}] building the loaded store {k} (once)", file=sys.stderr, flush=True
        )
        args = [
            sys.executable,
            "-m",
            "benchmarks.loaded",
            "--scale",
            scale,
            "--backend",
            backend,
            "--seed",
            str(seed),
        ]
        if not activity_too:
            args.append("--no-activity")
        subprocess.run(args, check=True, cwd=ROOT)
    meta: dict[str, Any] = json.loads(_meta_path(k, backend).read_text())
    return meta


@contextmanager
def working_copy(
    scale: str, backend: str, seed: int = 2024, activity_too: bool = True
) -> Iterator[tuple[str, dict[str, Any]]]:
    """A URL for a private copy of the loaded store, and the store's metadata
    (``now``: the clock when loading ended)."""
    meta = ensure(scale, backend, seed, activity_too)
    meta["now"] = datetime.fromisoformat(meta["now"])
    k = meta["key"]
    if backend == "sqlite":
        with tempfile.TemporaryDirectory(prefix="bench-copy-") as d:
            target = Path(d) / "taizhang.db"
            shutil.copyfile(CACHE / f"{k}.db", target)
            yield f"sqlite:///{target}", meta
        return
    database = f"tzbench_run_{uuid.uuid4().hex[:8]}"
    pg_admin(f"CREATE DATABASE {database} TEMPLATE tzbench_{k}")
    try:
        yield _pg_url(database), meta
    finally:
        pg_admin(f"DROP DATABASE IF EXISTS {database} WITH (FORCE)")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks.loaded", description="Build the loaded store for a scale."
    )
    parser.add_argument("--scale", default="city")
    parser.add_argument("--backend", default="sqlite", choices=("sqlite", "postgres"))
    parser.add_argument("--seed", type=int, default=2024)
    parser.add_argument("--no-activity", action="store_true")
    args = parser.parse_args(argv)
    k = key(args.scale, args.seed, not args.no_activity)
    if _ready(k, args.backend):
        print(f"{k} ({args.backend}) is already built", file=sys.stderr)
        return 0
    meta = build(args.scale, args.backend, args.seed, not args.no_activity)
    print(json.dumps(meta, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
