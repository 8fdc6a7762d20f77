"""Where each read model stands: its position in the notification log, and its shape.

Kept apart from the runner so that a read command can ask "is everything current?"
with one query, without opening the event store.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from functools import cache

from sqlalchemy import BigInteger, Column, Connection, Integer, String, Table, Text, select, text

from projections.base import Projection, metadata

tracking = Table(
    "rm_tracking",
    metadata,
    Column("projection", String(64), primary_key=True),
    Column("position", Integer, nullable=False),
    # What the projection's tables looked like when its rows were built: a changed schema
    # means its rows are rebuilt by replay, never half-migrated.
    Column("fingerprint", String(64), nullable=False),
    # While a replay fills the read model (position 0): the head it replays up to, and
    # the last aggregate it has written (see projections/replay.py).
    Column("replay_head", BigInteger),
    Column("replay_after", String(36)),
)


@cache
def _ddl(table: Table) -> str:
    """A table's DDL with its indexes: compiled once per process (a read command asks
    whether its read models are current, and a catch-up asks again)."""
    from sqlalchemy.schema import CreateIndex, CreateTable

    return "\n".join([str(CreateTable(table)), *sorted(str(CreateIndex(i)) for i in table.indexes)])


def fingerprint(projection: Projection) -> str:
    ddl = "\n".join(_ddl(t) for t in projection.tables)
    ddl += "\n" + projection.fingerprint_extra()
    return hashlib.sha256(ddl.encode()).hexdigest()


def current(conn: Connection, projections: Sequence[Projection], events_table: str) -> bool:
    """Every read model has its expected shape and has applied every stored event."""
    rows = {
        name: (position, fp)
        for name, position, fp in conn.execute(
            select(tracking.c.projection, tracking.c.position, tracking.c.fingerprint)
        )
    }
    head = conn.execute(text(f"SELECT max(id) FROM {events_table}")).scalar() or 0
    return all(
        rows.get(p.name, (-1, ""))[1] == fingerprint(p) and rows[p.name][0] >= head
        for p in projections
    )


# The fingerprints the full check found, and the digest of the code it checked them with
# (projections/quick.py): a SQLite read command with the same digest, which finds the same
# fingerprints in rm_tracking and every read model at the head of the log, skips SQLAlchemy.
verified = Table(
    "rm_verified",
    metadata,
    Column("digest", String(64), primary_key=True),
    Column("fingerprints", Text, nullable=False),  # JSON: {projection: fingerprint}
)


def vouch(conn: Connection, digest: str, fingerprints: Mapping[str, str]) -> None:
    """Record that the read models have ``fingerprints``, as the code of ``digest`` has
    them (written only when that changes)."""
    import json

    listed = json.dumps(dict(sorted(fingerprints.items())))
    verified.create(conn, checkfirst=True)
    stored = [tuple(r) for r in conn.execute(select(verified.c.digest, verified.c.fingerprints))]
    if stored == [(digest, listed)]:
        return
    conn.execute(verified.delete())
    conn.execute(verified.insert().values(digest=digest, fingerprints=listed))
