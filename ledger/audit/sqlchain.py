"""The chain kept beside the events, and the triggers that keep both append-only.

``ledger_chain`` has a row per event, in notification order: ``seq`` (1, 2, 3 … with no
gap, the event's leaf index plus one), ``position`` (the event's notification id, which
may skip numbers on PostgreSQL), its leaf and the chain hash up to it
(ledger/audit/chain.py). Every save extends it in the saving transaction, after the
events are inserted and while the ledger's clock row is held (ledger/clock.py): writers
are one at a time there, so no event is ever left uncovered and the chain's order is the
order a reader sees. A store recorded before the chain existed is covered, all at once,
by its first save afterwards (or by `taizhang init`).

The triggers refuse UPDATE and DELETE (and TRUNCATE on PostgreSQL) on both tables. They
are a guard rail against mistakes, not a proof: whoever owns the database can drop them.
The proof is the chain, and the checkpoints an auditor keeps outside the store.
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

from ledger.audit.chain import GENESIS, leaf, link

TABLE = "ledger_chain"
GUARDED = ("ledger_events", TABLE)
_MESSAGE = "is append-only: its rows are never changed or removed"


def aggregate_id(value: Any) -> UUID:
    """An ``originator_id`` as a driver hands it back: 16 bytes (SQLite) or a UUID."""
    if isinstance(value, UUID):
        return value
    if isinstance(value, bytes | memoryview):
        return UUID(bytes=bytes(value))
    return UUID(str(value))


def covered(rows: Any, seq: int, chain: bytes) -> list[dict[str, Any]]:
    """Chain rows for event rows (id, originator id, version, topic, state) following
    chain row ``seq`` whose hash is ``chain``."""
    found = []
    for position, originator, version, topic, state in rows:
        hashed = leaf(position, aggregate_id(originator), version, topic, bytes(state))
        chain = link(chain, hashed)
        seq += 1
        found.append({"seq": seq, "position": position, "leaf": hashed, "chain": chain})
    return found


class SqlChain:
    """The chain table of one store (SQLite or PostgreSQL)."""

    def __init__(self, recorder: Any) -> None:
        self.recorder = recorder
        self.events = recorder.events_table_name
        self.dialect = recorder.datastore.engine.dialect.name
        self._ready = False

    def ensure(self) -> None:
        """Create the table if this store has none yet."""
        if self._ready:
            return
        from sqlalchemy import text

        blob = "BLOB" if self.dialect == "sqlite" else "BYTEA"
        with self.recorder.datastore.engine.begin() as conn:
            conn.execute(
                text(
                    f"CREATE TABLE IF NOT EXISTS {TABLE} (seq BIGINT PRIMARY KEY,"
                    f" position BIGINT NOT NULL UNIQUE, leaf {blob} NOT NULL,"
                    f" chain {blob} NOT NULL)"
                )
            )
        self._ready = True

    def extend(self, session: Any) -> int:
        """Cover every event after the last chained one, in ``session``'s transaction;
        returns how many were covered."""
        from sqlalchemy import text

        last = session.execute(
            text(f"SELECT seq, position, chain FROM {TABLE} ORDER BY seq DESC LIMIT 1")
        ).first()
        seq, position, chain = (last[0], last[1], bytes(last[2])) if last else (0, 0, GENESIS)
        rows = session.execute(
            text(
                "SELECT id, originator_id, originator_version, topic, state"
                f" FROM {self.events} WHERE id > :position ORDER BY id"
            ),
            {"position": position},
        )
        found = covered(rows, seq, chain)
        if found:
            session.execute(
                text(
                    f"INSERT INTO {TABLE} (seq, position, leaf, chain)"
                    " VALUES (:seq, :position, :leaf, :chain)"
                ),
                found,
            )
        return len(found)

    def cover(self) -> int:
        """Cover what no save has covered yet, in a transaction of its own."""
        self.ensure()
        with self.recorder.transaction(commit=True) as session:
            return self.extend(session)

    def guard(self) -> None:
        """Install the append-only triggers (idempotent)."""
        from sqlalchemy import text

        self.ensure()
        with self.recorder.datastore.engine.begin() as conn:
            for statement in guard_statements(self.dialect):
                conn.execute(text(statement))


def guard_statements(dialect: str) -> list[str]:
    """The DDL that makes the events and the chain append-only."""
    if dialect == "sqlite":
        return [
            f"CREATE TRIGGER IF NOT EXISTS {table}_append_only_{verb.lower()} BEFORE {verb}"
            f" ON {table} BEGIN SELECT RAISE(ABORT, '{table} {_MESSAGE}'); END"
            for table in GUARDED
            for verb in ("UPDATE", "DELETE")
        ]
    statements = [
        "CREATE OR REPLACE FUNCTION taizhang_append_only() RETURNS trigger"
        " LANGUAGE plpgsql AS $$ BEGIN"
        f" RAISE EXCEPTION '% {_MESSAGE}', TG_TABLE_NAME; END $$"
    ]
    for table in GUARDED:
        statements += [
            f"DROP TRIGGER IF EXISTS {table}_append_only ON {table}",
            f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table}"
            " FOR EACH ROW EXECUTE FUNCTION taizhang_append_only()",
            f"DROP TRIGGER IF EXISTS {table}_no_truncate ON {table}",
            f"CREATE TRIGGER {table}_no_truncate BEFORE TRUNCATE ON {table}"
            " FOR EACH STATEMENT EXECUTE FUNCTION taizhang_append_only()",
        ]
    return statements


def unguard_statements(dialect: str) -> list[str]:
    """The DDL that drops the guards again (for tamper drills on a copy of a store)."""
    if dialect == "sqlite":
        return [
            f"DROP TRIGGER IF EXISTS {table}_append_only_{verb}"
            for table in GUARDED
            for verb in ("update", "delete")
        ]
    return [
        f"DROP TRIGGER IF EXISTS {table}_{name} ON {table}"
        for table in GUARDED
        for name in ("append_only", "no_truncate")
    ]
