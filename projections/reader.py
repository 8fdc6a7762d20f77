"""The one read path: read-model queries on the store's own driver, for both stores.

Every listing, dashboard and lookup is one plain SQL query written once, with ``:name``
parameters, and run here: through the standard library's ``sqlite3`` on a SQLite file,
through ``psycopg`` on PostgreSQL. A read command imports neither SQLAlchemy nor the
ledger: on a small machine importing SQLAlchemy alone takes longer than the rest of a
read (BENCHMARKS.md). The queries of one command share one read-only transaction, so they
see the store as it was when the first one ran.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Mapping, Sequence
from functools import lru_cache
from typing import Any, TypeVar

from ledger.store import StoreUrl

Params = Mapping[str, Any]
_NAMED = re.compile(r"(?<![:\w]):([A-Za-z_]\w*)")


@lru_cache(maxsize=256)
def _pyformat(sql: str) -> str:
    """``:name`` parameters as psycopg writes them (``%(name)s``); literal ``%`` doubled."""
    return _NAMED.sub(r"%(\1)s", sql.replace("%", "%%"))


class Reader:
    """Queries on one store's read models, in one read-only transaction."""

    def __init__(self, store: StoreUrl) -> None:
        self.store = store
        self.dialect = store.kind
        self._conn: Any = None
        self._cursors = 0  # server-side cursors opened, for unique names
        # Why the store could not be reached: a server that never answers costs its
        # connect timeout once per command, not once per query.
        self.unreachable: Exception | None = None

    @property
    def error(self) -> type[Exception]:
        """The driver's base class of database errors (a missing table, a lost server)."""
        if self.dialect == "sqlite":
            import sqlite3

            return sqlite3.Error
        import psycopg

        return psycopg.Error

    def _connection(self) -> Any:
        if self.unreachable is not None:
            raise self.unreachable
        if self._conn is None:
            try:
                self._conn = self._connect()
            except self.error as e:
                self.unreachable = e
                raise
        return self._conn

    def _connect(self) -> Any:
        if self.store.kind == "sqlite":
            import sqlite3

            # One command or one service job at a time, on whichever thread runs it.
            lite = sqlite3.connect(self.store.dbapi, check_same_thread=False)
            lite.execute("PRAGMA query_only = 1")  # this path only ever reads
            return lite
        import psycopg

        return psycopg.connect(self.store.dbapi)

    def _begin(self, conn: Any) -> None:
        """One read-only transaction for the queries until :meth:`release`."""
        if self.dialect == "sqlite":
            if not conn.in_transaction:
                conn.execute("BEGIN")
        elif conn.info.transaction_status == 0:  # idle: no transaction yet
            conn.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")

    def _execute(self, sql: str, params: Params | None) -> Any:
        conn = self._connection()
        self._begin(conn)
        if self.dialect == "sqlite":
            return conn.execute(sql, dict(params or {}))
        return conn.execute(_pyformat(sql), dict(params or {}))

    def rows(self, sql: str, params: Params | None = None) -> list[dict[str, Any]]:
        """Every row the query gives, as a dict by column name."""
        cursor = self._execute(sql, params)
        names = [d[0] for d in cursor.description]
        return [dict(zip(names, r, strict=True)) for r in cursor.fetchall()]

    def tuples(self, sql: str, params: Params | None = None) -> list[Sequence[Any]]:
        """Every row the query gives, its values in the query's order: for many rows,
        where a dict per row costs more than the query (a whole-province dashboard)."""
        return list(self._execute(sql, params).fetchall())

    def stream(
        self, sql: str, params: Params | None = None, size: int = 5000
    ) -> Iterator[Sequence[Any]]:
        """The query's rows one at a time, fetched ``size`` at a time: for reading a whole
        store (an audit) without holding it in memory. On PostgreSQL through a cursor
        kept on the server."""
        conn = self._connection()
        self._begin(conn)
        if self.dialect == "sqlite":
            cursor = conn.execute(sql, dict(params or {}))
        else:
            self._cursors += 1
            cursor = conn.cursor(name=f"stream_{self._cursors}")
            cursor.itersize = size
            cursor.execute(_pyformat(sql), dict(params or {}))
        while batch := cursor.fetchmany(size):
            yield from batch
        cursor.close()

    def value(self, sql: str, params: Params | None = None) -> Any:
        """The first column of the first row, or None."""
        row = self._execute(sql, params).fetchone()
        return None if row is None else row[0]

    def release(self) -> None:
        """End the read transaction: the next query sees what was committed since, and
        a reader kept between uses (the service's) holds nothing meanwhile."""
        if self._conn is not None:
            self._conn.rollback()

    def close(self) -> None:
        if self._conn is not None:
            self._conn.close()
            self._conn = None

    def __enter__(self) -> Reader:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()


def from_json(value: Any) -> Any:
    """A JSON column's value: SQLite hands back its text, PostgreSQL the decoded value."""
    return json.loads(value) if isinstance(value, str) else value


T = TypeVar("T")
IN_BATCH = 500  # values in one IN (…): well under SQLite's limit on bound parameters


def batches(values: Sequence[T]) -> Iterator[Sequence[T]]:
    """``values`` in slices of at most ``IN_BATCH``, one ``IN (…)`` list each."""
    for i in range(0, len(values), IN_BATCH):
        yield values[i : i + IN_BATCH]


def placeholders(name: str, values: Sequence[Any]) -> tuple[str, dict[str, Any]]:
    """``:name0, :name1, …`` and their parameters, for ``IN (…)`` in plain SQL."""
    keys = [f"{name}{i}" for i in range(len(values))]
    return ", ".join(f":{k}" for k in keys), dict(zip(keys, values, strict=True))
