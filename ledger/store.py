"""Where the ledger lives: the one parser of store URLs, and opening the ledger on one.

A store is a SQLite file (``sqlite:///taizhang.db``), a PostgreSQL database
(``postgresql+psycopg://user@host/db``) or, in unit tests, memory (``memory://``).
Everything that connects to a store (the ledger, the read models, the service) takes the
URL from :func:`parse_url`, so every connection gets the same timeouts.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Literal
from urllib.parse import parse_qsl, quote, urlencode, urlsplit, urlunsplit

from ledger import redact
from ledger.errors import InvalidInput, NotFound

# The application, and SQLAlchemy with it, are imported when a store is opened for
# writing, never to parse a URL: a read command on current read models needs neither.
if TYPE_CHECKING:
    from ledger.application import Clock, Ledger

DEFAULT_URL = "sqlite:///taizhang.db"
EVENTS_TABLE = "ledger_events"  # the eventsourcing application "Ledger" stores its events here
MEMORY_URL = "memory://"

# A server that accepts a connection and never answers must not hang a command: the
# connection gives up after CONNECT_TIMEOUT, a statement after STATEMENT_TIMEOUT (a
# province's replay builds indexes for a few minutes at most). Either can be set in the
# URL's own query (connect_timeout=…, options=-c statement_timeout=…).
CONNECT_TIMEOUT = 5
STATEMENT_TIMEOUT = "15min"

_USE = "use sqlite:///FILE or postgresql+psycopg://USER@HOST/DATABASE"
_PG_SCHEMES = ("postgresql", "postgres", "postgresql+psycopg2", "postgresql+asyncpg", "pgsql")

Kind = Literal["sqlite", "postgresql", "memory"]


@dataclass(frozen=True)
class StoreUrl:
    """A parsed store URL: what kind of store, and how each client reaches it."""

    kind: Kind
    text: str  # as given
    sqlalchemy: str = ""  # for SQLAlchemy (the ledger and the read models' writer)
    dbapi: str = ""  # the sqlite3 file path, or the libpq URI psycopg takes
    masked: str = ""  # for messages and logs: the password hidden

    @property
    def path(self) -> Path | None:
        """The SQLite file, if this is one."""
        return Path(self.dbapi) if self.kind == "sqlite" else None


def parse_url(text: str) -> StoreUrl:
    """The store a URL names; anything else is refused with what to use instead."""
    raw = text.strip()
    if raw == MEMORY_URL:
        return StoreUrl("memory", raw, masked=raw)
    shown = redact.url(raw, query=False)
    scheme, sep, _ = raw.partition("://")
    if not sep:
        raise InvalidInput(f"--db {shown!r} is not a store URL; {_USE}")
    scheme = scheme.lower()
    if scheme in ("sqlite", "sqlite+pysqlite"):
        return _sqlite(raw, shown)
    if scheme == "postgresql+psycopg":
        return _postgresql(raw, shown)
    if scheme in _PG_SCHEMES:
        raise InvalidInput(
            f"--db {shown!r}: use postgresql+psycopg://… (taizhang reaches PostgreSQL "
            "through the psycopg 3 driver)"
        )
    raise InvalidInput(f"--db {shown!r}: the ledger lives in SQLite or PostgreSQL; {_USE}")


def _sqlite(raw: str, shown: str) -> StoreUrl:
    rest = raw.split("://", 1)[1]
    if not rest.startswith("/") or rest in ("/", "/:memory:") or any(c in rest for c in "?#"):
        raise InvalidInput(f"--db {shown!r}: name a file, e.g. sqlite:///taizhang.db")
    path = rest[1:]  # sqlite:///x.db is the relative x.db, sqlite:////tmp/x.db absolute
    return StoreUrl("sqlite", raw, sqlalchemy=f"sqlite:///{path}", dbapi=path, masked=shown)


def _postgresql(raw: str, shown: str) -> StoreUrl:
    try:
        parts = urlsplit(raw)
        parts.port  # noqa: B018 - a port that is not a number raises here
    except ValueError as e:
        raise InvalidInput(f"--db {shown!r} is not a valid URL ({e})") from None
    if not parts.hostname and not parts.path.strip("/"):
        raise InvalidInput(f"--db {shown!r}: name a host and a database; {_USE}")
    query = dict(parse_qsl(parts.query, keep_blank_values=True))
    query.setdefault("connect_timeout", str(CONNECT_TIMEOUT))
    options = query.get("options", "")
    if "statement_timeout" not in options:
        query["options"] = f"{options} -c statement_timeout={STATEMENT_TIMEOUT}".strip()
    encoded = urlencode(query, quote_via=quote)
    sqlalchemy = urlunsplit(parts._replace(query=encoded))
    dbapi = urlunsplit(parts._replace(scheme="postgresql", query=encoded))
    return StoreUrl("postgresql", raw, sqlalchemy=sqlalchemy, dbapi=dbapi, masked=shown)


def store_env(store: StoreUrl, *, create: bool) -> dict[str, str]:
    """The eventsourcing environment for a store."""
    if store.kind == "memory":
        return {"PERSISTENCE_MODULE": "eventsourcing.popo"}
    return {
        "PERSISTENCE_MODULE": "eventsourcing_sqlalchemy",
        "SQLALCHEMY_URL": store.sqlalchemy,
        "CREATE_TABLE": "y" if create else "n",
    }


def require_store(store: StoreUrl) -> None:
    """Refuse a SQLite file that does not exist (instead of creating an empty one)."""
    path = store.path
    if path is not None and not path.exists():
        raise NotFound(f"no ledger at {path}; run `taizhang init` first (or pass --db)")


def open_ledger(
    url: str = DEFAULT_URL,
    *,
    clock: Clock | None = None,
    pinned: bool = False,
    create: bool = False,
) -> Ledger:
    """The ledger on ``url``. Without ``create``, a store that does not exist is an error.

    ``pinned`` says the clock was set by hand (drills, demos): a pinned time before the
    last recorded instant is refused rather than moved forward.
    """
    store = parse_url(url)
    if not create:
        require_store(store)
    from ledger.application import Ledger, system_clock

    ledger = Ledger(env=store_env(store, create=create), clock=clock or system_clock, pinned=pinned)
    if create and store.kind == "sqlite":
        # Settle the journal mode now: switching a file to WAL later rewrites its header,
        # and a refused command must leave the file byte for byte as it was.
        ledger.recorder.datastore.init_sqlite_wal_mode()  # type: ignore[attr-defined]
    if store.kind != "memory" and not _has_events_table(ledger):
        ledger.close()
        raise NotFound(f"no ledger in {store.masked}; run `taizhang init` first")
    if create:
        ledger.prepare_store()
    return ledger


def _has_events_table(ledger: Ledger) -> bool:
    from sqlalchemy import inspect

    engine = ledger.recorder.datastore.engine  # type: ignore[attr-defined]
    return bool(inspect(engine).has_table(ledger.recorder.events_table_name))  # type: ignore[attr-defined]
