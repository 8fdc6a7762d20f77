"""Current read models on a SQLite file, opened with the standard library's sqlite3.

Importing SQLAlchemy takes longer on a small machine than the rest of a read command
(about half a second here). So a read command on a SQLite store first asks, in plain SQL,
whether its read models are current; if they are, it queries them through sqlite3 and
never imports SQLAlchemy. Otherwise it takes the full path (cli/context.py), which brings
them up to date, and vouches for them, so the next command is quick.

"Current" is what the full path checks (projections/tracking.py), asked another way:
every read model has applied every stored event, and its tables have the shape this code
gives them. That shape is a fingerprint of the tables' DDL, which takes SQLAlchemy to
compute; so the full path, having checked them, records the fingerprints with a digest of
the code that defines the tables (and of the alert policy, which the timers depend on).
A read command with the same digest compares the recorded fingerprints with those in the
tracking table (another version rebuilding a read model changes its fingerprint there);
any change to that code asks the full path to check again.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
from functools import cache
from pathlib import Path

from ledger.store import EVENTS_TABLE
from projections.reader import SqliteReader


@cache
def _sources() -> bytes:
    """The code of every read model: its tables and what the fingerprints hash."""
    here = Path(__file__).parent
    return b"".join(p.name.encode() + p.read_bytes() for p in sorted(here.glob("*.py")))


def code_digest(policy: str) -> str:
    """The read models' code with the alert policy in force."""
    return hashlib.sha256(_sources() + policy.encode()).hexdigest()


def open_current(path: Path | None, policy: str) -> SqliteReader | None:
    """A reader on a SQLite store's read models if they are current, else None. The
    reader holds one read transaction: its queries see the store as it was checked."""
    if path is None or not path.is_file():
        return None
    conn = sqlite3.connect(path)
    try:
        conn.execute("PRAGMA query_only = 1")  # this path only ever reads
        conn.execute("BEGIN")
        if _current(conn, code_digest(policy)):
            return SqliteReader(conn)
    except (sqlite3.Error, ValueError):
        pass  # an older store, none yet, or a damaged vouch: the full path sets it up
    conn.close()
    return None


def _current(conn: sqlite3.Connection, digest: str) -> bool:
    """The vouch is for this code, and every read model it names still has the
    fingerprint it had then (another version rebuilding one changes it) and has applied
    every stored event."""
    vouched = conn.execute("SELECT digest, fingerprints FROM rm_verified").fetchall()
    if len(vouched) != 1 or vouched[0][0] != digest:
        return False
    fingerprints = json.loads(vouched[0][1])
    if not isinstance(fingerprints, dict) or not fingerprints:
        return False
    tracked = {
        name: (position, fp)
        for name, position, fp in conn.execute(
            "SELECT projection, position, fingerprint FROM rm_tracking"
        )
    }
    (head,) = conn.execute(f"SELECT coalesce(max(id), 0) FROM {EVENTS_TABLE}").fetchone()
    return all(
        name in tracked and tracked[name][1] == fp and tracked[name][0] >= head
        for name, fp in fingerprints.items()
    )
