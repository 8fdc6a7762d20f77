"""Current read models on a SQLite file, opened with the standard library's sqlite3.

Importing SQLAlchemy takes longer on a small machine than the rest of a read command
(about half a second here). So a read command on a SQLite store first asks, in plain SQL,
whether its read models are current; if they are, it queries them through sqlite3 and
never imports SQLAlchemy. Otherwise it takes the full path (cli/context.py), which brings
them up to date, and vouches for them, so the next command is quick.

"Current" is what the full path checks (projections/tracking.py), asked another way:
every read model has applied every stored event, and its tables have the shape this code
gives them. The shape is known by a digest of the code that defines the tables (and of
the alert policy, which the timers depend on); the full path records the digest it checked
the fingerprints under, and any change to that code asks it to check again.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
from collections.abc import Sequence
from functools import cache
from pathlib import Path

from ledger.store import EVENTS_TABLE
from projections.reader import SqliteReader

_PREFIXES = ("sqlite:///", "sqlite+pysqlite:///")


def sqlite_file(url: str) -> Path | None:
    """The file of a plain ``sqlite:///`` URL; None for anything else (query strings,
    escapes, memory), which takes the full path."""
    for prefix in _PREFIXES:
        if url.startswith(prefix):
            rest = url[len(prefix) :]
            if rest and rest != ":memory:" and not any(c in rest for c in "?#%"):
                return Path(rest)
    return None


@cache
def _sources() -> bytes:
    """The code of every read model: its tables and what the fingerprints hash."""
    here = Path(__file__).parent
    return b"".join(p.name.encode() + p.read_bytes() for p in sorted(here.glob("*.py")))


def code_digest(policy: str) -> str:
    """The read models' code with the alert policy in force."""
    return hashlib.sha256(_sources() + policy.encode()).hexdigest()


def open_current(url: str, policy: str) -> SqliteReader | None:
    """A reader on the store's read models if they are current, else None."""
    path = sqlite_file(url)
    if path is None or not path.is_file():
        return None
    conn = sqlite3.connect(path)
    try:
        conn.execute("PRAGMA query_only = 1")  # this path only ever reads
        if _current(conn, code_digest(policy)):
            return SqliteReader(conn)
    except sqlite3.Error:
        pass  # an older store, or none yet: the full path sets it up
    conn.close()
    return None


def _current(conn: sqlite3.Connection, digest: str) -> bool:
    vouched = conn.execute("SELECT digest, projections FROM rm_verified").fetchall()
    if len(vouched) != 1 or vouched[0][0] != digest:
        return False
    names: Sequence[str] = json.loads(vouched[0][1])
    positions = dict(conn.execute("SELECT projection, position FROM rm_tracking").fetchall())
    (head,) = conn.execute(f"SELECT coalesce(max(id), 0) FROM {EVENTS_TABLE}").fetchone()
    return all(positions.get(name, -1) >= head for name in names)
