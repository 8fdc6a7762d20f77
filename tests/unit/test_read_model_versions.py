"""A read model's tables change only with its version (projections/catalog.py), so a store
built by older code is replayed, never read with the wrong shape."""

from __future__ import annotations

import hashlib

from sqlalchemy import Table

from projections import catalog
from projections.runner import all_projections

# The shape each version of a read model has. A change to a table fails this test until
# its version goes up in projections/catalog.py and the new shape is recorded here.
RECORDED = {
    "plans": (1, "bf37ec3d8092"),
    "tasks": (3, "f93e7a085ed4"),
    "task_versions": (3, "1793ae06001e"),
    "history": (4, "6ff8d54dddad"),
    "timers": (4, "dce352b4670d"),
    "outbox": (1, "6d1e0d3a60b7"),
    "directory": (1, "4177d8a99238"),
    "spot_checks": (1, "da213b01fd85"),
}


def shape(tables: tuple[Table, ...]) -> str:
    """A short digest of the tables' columns, types, keys and indexes."""
    parts = []
    for table in sorted(tables, key=lambda t: t.name):
        parts.append(table.name)
        for c in table.columns:
            parts.append(f"{c.name}:{c.type!r}:{c.nullable}:{c.primary_key}")
        for index in sorted(table.indexes, key=lambda i: i.name or ""):
            parts.append(f"{index.name}({','.join(c.name for c in index.columns)})")
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()[:12]


def test_every_read_model_has_a_version_and_a_recorded_shape() -> None:
    names = [p.name for p in all_projections()]
    assert names == list(catalog.VERSIONS)
    assert set(RECORDED) == set(names)


def test_a_changed_table_comes_with_a_new_version() -> None:
    stale = []
    for projection in all_projections():
        version, recorded = RECORDED[projection.name]
        now = shape(projection.tables)
        if now != recorded or version != catalog.VERSIONS[projection.name]:
            stale.append(f"{projection.name}: v{catalog.VERSIONS[projection.name]} {now}")
    assert stale == [], "bump the version in projections/catalog.py, then record: " + "; ".join(
        stale
    )
