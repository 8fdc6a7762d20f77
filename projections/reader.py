"""Plain SQL on the read models, on whichever connection a command has.

A read command on a current SQLite store runs its queries on the standard library's
sqlite3 (projections/quick.py); everywhere else the same SQL runs through SQLAlchemy.
The SQL is written once, with ``:name`` parameters, which both understand.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from sqlalchemy import Engine

Params = Mapping[str, Any]


class Reader(Protocol):
    def rows(self, sql: str, params: Params | None = None) -> list[dict[str, Any]]:
        """Every row the query gives, as a dict by column name."""
        ...

    def tuples(self, sql: str, params: Params | None = None) -> list[Sequence[Any]]:
        """Every row the query gives, its values in the query's order: for many rows,
        where a dict per row costs more than the query (a whole-province dashboard)."""
        ...


class SqliteReader:
    """Queries on a sqlite3 connection: no SQLAlchemy."""

    def __init__(self, conn: sqlite3.Connection) -> None:
        self.conn = conn

    def rows(self, sql: str, params: Params | None = None) -> list[dict[str, Any]]:
        cursor = self.conn.execute(sql, dict(params or {}))
        names = [d[0] for d in cursor.description]
        return [dict(zip(names, r, strict=True)) for r in cursor]

    def tuples(self, sql: str, params: Params | None = None) -> list[Sequence[Any]]:
        return list(self.conn.execute(sql, dict(params or {})))

    def close(self) -> None:
        self.conn.close()


class EngineReader:
    """Queries through a SQLAlchemy engine (any store, PostgreSQL included)."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def rows(self, sql: str, params: Params | None = None) -> list[dict[str, Any]]:
        from sqlalchemy import text

        with self.engine.connect() as conn:
            return [dict(r._mapping) for r in conn.execute(text(sql), dict(params or {}))]

    def tuples(self, sql: str, params: Params | None = None) -> list[Sequence[Any]]:
        from sqlalchemy import text

        with self.engine.connect() as conn:
            return list(conn.execute(text(sql), dict(params or {})))


def from_json(value: Any) -> Any:
    """A JSON column's value: SQLite hands back its text, PostgreSQL the decoded value."""
    return json.loads(value) if isinstance(value, str) else value


def placeholders(name: str, values: list[Any]) -> tuple[str, dict[str, Any]]:
    """``:name0, :name1, …`` and their parameters, for ``IN (…)`` in plain SQL."""
    keys = [f"{name}{i}" for i in range(len(values))]
    return ", ".join(f":{k}" for k in keys), dict(zip(keys, values, strict=True))
