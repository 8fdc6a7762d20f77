"""`taizhang audit …` on a loaded store, each the whole command as an auditor runs it.

``audit verify`` (target: at least 150,000 events/s on SQLite), ``audit checkpoint``
(verifies, then computes the Merkle root and signs) and ``audit export`` (JSON lines with
the hashes). Each runs ``runs`` times on the same copy of the store; medians.
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

TARGET_VERIFY_EV_S = 150_000


def run(url: str, runs: int = 3) -> dict[str, Any]:
    """Seconds and rates of verify, checkpoint and export on the store at ``url``."""
    env = {**os.environ, "TAIZHANG_DB": url, "TAIZHANG_ACTOR": "审计员"}
    with tempfile.TemporaryDirectory() as work:
        here = Path(work)
        _cli(env, "audit", "keygen", "-o", str(here / "auditor.key"))
        document, _ = _cli(env, "--format", "json", "audit", "verify")
        verdict = json.loads(document)
        if not verdict["ok"]:
            raise SystemExit(f"the loaded store does not verify: {verdict['reason']}")
        events = int(verdict["events"])
        times: dict[str, list[float]] = {"verify": [], "checkpoint": [], "export": []}
        for n in range(runs):
            times["verify"].append(_cli(env, "audit", "verify")[1])
            out = here / f"{n}.checkpoint"
            key = str(here / "auditor.key")
            times["checkpoint"].append(
                _cli(env, "audit", "checkpoint", "-o", str(out), "--key", key)[1]
            )
            times["export"].append(_cli(env, "audit", "export", "-o", str(here / f"{n}.jsonl"))[1])
            export_mb = (here / f"{n}.jsonl").stat().st_size / 2**20
            (here / f"{n}.jsonl").unlink()
    medians = {name: statistics.median(found) for name, found in times.items()}
    return {
        "events": events,
        "verify_s": medians["verify"],
        "verify_ev_s": events / medians["verify"],
        "checkpoint_s": medians["checkpoint"],
        "export_s": medians["export"],
        "export_ev_s": events / medians["export"],
        "export_mb": export_mb,
        "cores": len(os.sched_getaffinity(0)),
    }


def _cli(env: dict[str, str], *args: str) -> tuple[str, float]:
    began = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-m", "cli", *args], env=env, capture_output=True, text=True, check=False
    )
    took = time.perf_counter() - began
    if done.returncode != 0:
        raise SystemExit(f"taizhang {' '.join(args)} failed: {done.stderr.strip()}")
    return done.stdout, took


def report(fig: dict[str, Any]) -> str:
    return (
        f"  audit ({fig['events']:,} events, {fig['cores']} cores): verify {fig['verify_s']:.1f} s "
        f"= {fig['verify_ev_s']:,.0f} ev/s (target >= {TARGET_VERIFY_EV_S:,} on SQLite); "
        f"checkpoint {fig['checkpoint_s']:.1f} s; export {fig['export_s']:.1f} s "
        f"= {fig['export_ev_s']:,.0f} ev/s ({fig['export_mb']:,.0f} MB)"
    )


def main(argv: list[str] | None = None) -> int:
    """``python -m benchmarks.bench_audit URL``: the figures for one store."""
    args = sys.argv[1:] if argv is None else argv
    if len(args) != 1:
        print("usage: python -m benchmarks.bench_audit STORE_URL", file=sys.stderr)
        return 2
    print(report(run(args[0])))
    return 0


if __name__ == "__main__":
    sys.exit(main())
