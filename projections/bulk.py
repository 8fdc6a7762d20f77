"""Writing many read-model rows at once, below SQLAlchemy's per-row parameter handling.

A replay writes millions of rows; building them as plain tuples (JSON serialised here,
once) and handing them to the driver's ``executemany`` costs a fraction of a Core
``insert()`` with dicts, which processes every value of every row through its type.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from operator import itemgetter
from typing import TYPE_CHECKING, Any

from sqlalchemy import JSON, Connection, Table

if TYPE_CHECKING:
    from projections.base import Row

_SQL: dict[tuple[str, str, str], tuple[str, str, list[int]]] = {}
_encode = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode


def _statement(conn: Connection, table: Table, conflict: str) -> tuple[str, str, list[int]]:
    """The INSERT for ``table`` in the driver's parameter style, its quoted column names
    (for COPY) and where its JSON columns are."""
    dialect = conn.dialect.name
    found = _SQL.get((dialect, table.name, conflict))
    if found is not None:
        return found
    mark = "?" if conn.dialect.paramstyle == "qmark" else "%s"
    columns = list(table.columns)
    # PostgreSQL types a JSON column; text goes in through a cast. SQLite keeps the text.
    json_mark = f"CAST({mark} AS JSON)" if dialect == "postgresql" else mark
    marks = ", ".join(json_mark if isinstance(c.type, JSON) else mark for c in columns)
    names = ", ".join(conn.dialect.identifier_preparer.quote(c.name) for c in columns)
    sql = f"INSERT INTO {table.name} ({names}) VALUES ({marks}) {conflict}".rstrip()
    found = (sql, names, [i for i, c in enumerate(columns) if isinstance(c.type, JSON)])
    _SQL[(dialect, table.name, conflict)] = found
    return found


def insert_rows(conn: Connection, table: Table, rows: Iterable[Row], conflict: str = "") -> int:
    """Insert ``rows`` (dicts keyed by column name) into ``table``; returns how many.

    ``conflict`` is an ``ON CONFLICT …`` clause (the same words on SQLite and PostgreSQL).
    """
    sql, names, json_at = _statement(conn, table, conflict)
    pick = itemgetter(*(c.name for c in table.columns))
    if not json_at:
        values: list[Any] = [pick(row) for row in rows]
    else:
        # Consecutive versions of a task share their unchanged lists: each list object is
        # serialised once. (Every row is alive for the whole call, so no id is reused.)
        done: dict[int, str] = {}
        values = []
        for row in rows:
            value = list(pick(row))
            for i in json_at:
                item = value[i]
                text = done.get(id(item))
                if text is None:
                    text = done[id(item)] = _encode(item)
                value[i] = text
            values.append(tuple(value))
    if not values:
        return 0
    if conn.dialect.name == "postgresql" and not conflict:
        _copy(conn, table.name, names, values)
    else:
        conn.exec_driver_sql(sql, values)
    return len(values)


def _copy(conn: Connection, table: str, names: str, values: list[Any]) -> None:
    """PostgreSQL's COPY: many times faster than INSERTs, in the same transaction."""
    cursor = conn.connection.driver_connection.cursor()  # type: ignore[union-attr]
    with cursor.copy(f"COPY {table} ({names}) FROM STDIN") as copy:
        for value in values:
            copy.write_row(value)
