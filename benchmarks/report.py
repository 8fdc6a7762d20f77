"""Plain-text tables of the figures a run produced (the same dicts ``--json`` writes)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any


def _n(value: float | None) -> str:
    return "-" if value is None else f"{value:,.0f}"


def table(headers: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    widths = [max(len(h), *(len(r[i]) for r in rows)) for i, h in enumerate(headers)]

    # First two columns (scale, backend) read left-aligned, numbers right-aligned.
    def line(cells: Sequence[str]) -> str:
        return "  ".join(
            c.ljust(w) if i < 2 else c.rjust(w)
            for i, (c, w) in enumerate(zip(cells, widths, strict=True))
        )

    return "\n".join([line(headers), line(["-" * w for w in widths]), *map(line, rows)])


def import_table(runs: Sequence[dict[str, Any]]) -> str:
    rows = []
    for r in runs:
        imp, lib = r["import"], r["library"]
        verdict = "ok" if r["meets_target"] else f"BELOW {r['target']:.0%}"
        rows.append(
            [
                r["scale"],
                r["backend"],
                _n(r["plans"]),
                _n(r["tasks"]),
                _n(r["units"]),
                _n(imp["tasks_per_s"]),
                _n(imp["events_per_s"]),
                _n(lib["per_s"]),
                f"{r['ratio']:.0%} {verdict}",
                _n(r["csv"].get("rows_per_s")),
            ]
        )
    return table(
        [
            "scale",
            "backend",
            "plans",
            "tasks",
            "units",
            "import tasks/s",
            "import events/s",
            "library aggregates/s",
            "ours/library",
            "CSV rows/s",
        ],
        rows,
    )


def activity_table(runs: Sequence[dict[str, Any]]) -> str:
    rows = []
    for r in runs:
        act = r["activity"]
        per, bat, tot = act.get("per_command", {}), act.get("batched", {}), act["total"]
        rows.append(
            [
                r["scale"],
                r["backend"],
                _n(tot["commands"]),
                _n(tot["events"]),
                _n(per.get("events_per_s")),
                _n(bat.get("events_per_s")),
                _n(tot["events_per_s"]),
                _n(tot["refused"]),
                _n(r["projection"]["events_per_s"]),
                _n(r["stored_events"]),
            ]
        )
    return table(
        [
            "scale",
            "backend",
            "commands",
            "events",
            "per-command ev/s",
            "batched ev/s",
            "overall ev/s",
            "refused",
            "projection ev/s",
            "events stored",
        ],
        rows,
    )


def memory_table(runs: Sequence[dict[str, Any]]) -> str:
    phases = ["generate", "csv", "import", "activity", "projection"]
    rows = [
        [
            r["scale"],
            r["backend"],
            *(_n(r["rss_mb"].get(p)) for p in phases),
            f"{r['wall_seconds']:,.0f}",
        ]
        for r in runs
    ]
    return table(["scale", "backend", *(f"{p} MB" for p in phases), "wall s"], rows)


def render(
    runs: Sequence[dict[str, Any]],
    skipped: Sequence[str],
    machine: dict[str, str],
    deadlines: dict[str, Any] | None,
) -> str:
    out = ["taizhang benchmarks  (" + ", ".join(f"{k}: {v}" for k, v in machine.items()) + ")"]
    if runs:
        out += [
            "",
            "Import: Ledger.import_table vs the library's batched save "
            "(one save per plan, medians of the runs; target ours/library >= 70%)",
            import_table(runs),
            "",
            "Activity over the plan year, then projection catch-up (events per second)",
            activity_table(runs),
            "",
            "Peak RSS so far after each phase (MB), and wall time of the run",
            memory_table(runs),
        ]
        names = {", ".join(r["projection"].get("projections", [])) for r in runs} - {""}
        if names:
            out += ["", "Projections caught up: " + "; ".join(sorted(names))]
        samples = [
            (r, s)
            for r in runs
            for part in r["activity"].values()
            for s in part.get("refusal_samples", [])
        ]
        if samples:
            out += ["", "Refused commands (first few):"]
            out += [f"  {r['scale']}/{r['backend']}: {s}" for r, s in samples[:10]]
    if deadlines is not None:
        out += [
            "",
            "Deadline parser (benchmarks/bench_deadlines.py run): "
            + ", ".join(
                f"{k} {v:,.0f}" if isinstance(v, float | int) else f"{k} {v}"
                for k, v in deadlines.items()
            ),
        ]
    out += [f"skipped: {s}" for s in skipped]
    return "\n".join(out)
