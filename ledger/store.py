"""Opening the ledger on the store one URL names: a SQLite file, PostgreSQL, or memory."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from ledger.errors import InvalidInput, NotFound

# The application, and SQLAlchemy itself, are imported when a store is opened, not
# before: a read command on current read models never needs the first (cli/context.py),
# and on a SQLite store not the second either (projections/quick.py).
if TYPE_CHECKING:
    from ledger.application import Clock, Ledger

DEFAULT_URL = "sqlite:///taizhang.db"
EVENTS_TABLE = "ledger_events"  # the eventsourcing application "Ledger" stores its events here
MEMORY_URL = "memory://"


def _sqlite_path(url: str) -> Path | None:
    from sqlalchemy.engine import make_url

    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite":
        return None
    database = parsed.database or ""
    if database in ("", ":memory:") or "mode=memory" in url:
        return None
    return Path(database)


def store_env(url: str, *, create: bool) -> dict[str, str]:
    """The eventsourcing environment for a URL."""
    if url == MEMORY_URL:
        return {"PERSISTENCE_MODULE": "eventsourcing.popo"}
    from sqlalchemy.engine import make_url

    try:
        backend = make_url(url).get_backend_name()
    except Exception as e:  # SQLAlchemy raises ArgumentError with a terse message
        raise InvalidInput(f"--db {url!r} is not a database URL ({e})") from None
    if backend not in ("sqlite", "postgresql"):
        raise InvalidInput(f"--db {url!r}: only sqlite:/// and postgresql+psycopg:// are supported")
    return {
        "PERSISTENCE_MODULE": "eventsourcing_sqlalchemy",
        "SQLALCHEMY_URL": url,
        "CREATE_TABLE": "y" if create else "n",
    }


def require_store(url: str) -> None:
    """Refuse a SQLite file that does not exist (instead of creating an empty one)."""
    path = _sqlite_path(url)
    if path is not None and not path.exists():
        raise NotFound(f"no ledger at {path}; run `taizhang init` first (or pass --db)")


def open_ledger(
    url: str = DEFAULT_URL, *, clock: Clock | None = None, create: bool = False
) -> Ledger:
    """The ledger on ``url``. Without ``create``, a store that does not exist is an error."""
    env = store_env(url, create=create)
    path = _sqlite_path(url)
    if not create:
        require_store(url)
    from ledger.application import Ledger, system_clock

    ledger = Ledger(env=env, clock=clock or system_clock)
    if create and path is not None:
        # Settle the journal mode now: switching a file to WAL later rewrites its header,
        # and a refused command must leave the file byte for byte as it was.
        ledger.recorder.datastore.init_sqlite_wal_mode()  # type: ignore[attr-defined]
    if not create and url != MEMORY_URL and not _has_events_table(ledger):
        from sqlalchemy.engine import make_url

        ledger.close()
        raise NotFound(
            f"no ledger in {make_url(url).render_as_string()}; run `taizhang init` first"
        )
    return ledger


def _has_events_table(ledger: Ledger) -> bool:
    from sqlalchemy import inspect

    engine = ledger.recorder.datastore.engine  # type: ignore[attr-defined]
    return bool(inspect(engine).has_table(ledger.recorder.events_table_name))  # type: ignore[attr-defined]
