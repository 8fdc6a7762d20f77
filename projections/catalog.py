"""The read models by name, each with the version of its shape: what "current" means.

A read model is current when its tracking row holds the version this code gives it (and,
for the timers, the alert policy they were computed with) and it has applied every stored
event. This is the one place that decides it, for read commands (through the read path,
projections/reader.py) and for the runner alike, and it imports nothing heavier than the
reader. A change to a read model's tables or rows bumps its version here; the runner then
drops and replays it. tests/unit/test_read_model_versions.py fails when a table changes
and its version does not.
"""

from __future__ import annotations

from projections.reader import Reader

# In the order a batch is applied (the timers read the task rows written before them).
VERSIONS = {
    "plans": 1,
    "tasks": 3,
    "task_versions": 3,
    "history": 4,
    "spot_checks": 1,
    "timers": 4,
    "outbox": 1,
    "directory": 1,
}
# Read models whose rows depend on the alert policy of the configuration.
FOLLOW_POLICY = frozenset({"timers"})


def tag(name: str, policy: str) -> str:
    """What the tracking row of ``name`` holds when its rows are this code's."""
    version = f"v{VERSIONS[name]}"
    return f"{version};{policy}" if name in FOLLOW_POLICY else version


def expected(policy: str) -> dict[str, str]:
    return {name: tag(name, policy) for name in VERSIONS}


def behind(reader: Reader, policy: str) -> bool:
    """Whether any read model lacks events, has another shape, or is not set up."""
    try:
        tracked = {
            name: (position, version)
            for name, position, version in reader.tuples(
                "SELECT projection, position, version FROM rm_tracking"
            )
        }
        head = reader.value("SELECT coalesce(max(id), 0) FROM ledger_events") or 0
    except reader.error:  # no tracking table yet: a new store, or an older one
        reader.release()
        return True
    return any(
        name not in tracked or tracked[name][1] != want or tracked[name][0] < head
        for name, want in expected(policy).items()
    )
