"""Writing many read-model rows at once, with the driver's own batch insert.

Rows are dicts keyed by column name; they go to the driver as tuples in the table's
column order, JSON columns serialised here: ``executemany`` on SQLite, ``COPY`` on
PostgreSQL (many times faster than INSERTs, in the same transaction).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Mapping
from contextlib import AbstractContextManager, contextmanager
from operator import itemgetter
from typing import TYPE_CHECKING, Any

from sqlalchemy import JSON, Connection, Table

if TYPE_CHECKING:
    from projections.base import Row

_encode = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode


def _statement(conn: Connection, table: Table, conflict: str) -> tuple[str, str]:
    """The INSERT for ``table`` in the driver's parameter style, and its quoted columns."""
    mark = "?" if conn.dialect.paramstyle == "qmark" else "%s"
    # PostgreSQL types a JSON column; text goes in through a cast. SQLite keeps the text.
    json_mark = f"CAST({mark} AS JSON)" if conn.dialect.name == "postgresql" else mark
    marks = ", ".join(json_mark if isinstance(c.type, JSON) else mark for c in table.columns)
    names = ", ".join(conn.dialect.identifier_preparer.quote(c.name) for c in table.columns)
    return f"INSERT INTO {table.name} ({names}) VALUES ({marks}) {conflict}".rstrip(), names


def row_values(
    table: Table, rows: Iterable[Row], encoded: dict[int, str] | None = None
) -> list[tuple[Any, ...]]:
    """``rows`` as the tuples the driver takes, in the table's column order, JSON columns
    serialised. A task's versions share the lists they do not change (task_rows.evolve),
    so each list object is serialised once; ``encoded`` carries that memory (by object
    id) across the tables of one write, whose rows keep the objects alive meanwhile."""
    pick = itemgetter(*(c.name for c in table.columns))
    picked = [pick(row) for row in rows]
    json_at = [i for i, c in enumerate(table.columns) if isinstance(c.type, JSON)]
    if not json_at or not picked:
        return picked
    columns = list(zip(*picked, strict=True))
    seen = {} if encoded is None else encoded
    for i in json_at:
        columns[i] = tuple(
            seen[id(v)] if id(v) in seen else seen.setdefault(id(v), _json(v))
            for v in columns[i]
        )
    return list(zip(*columns, strict=True))


def _json(value: Any) -> str:
    # Most lists of a fresh task (reports, periods, helpers) are empty.
    if not value and isinstance(value, list | dict):
        return "[]" if isinstance(value, list) else "{}"
    return _encode(value)


def insert_rows(
    conn: Connection,
    table: Table,
    rows: Iterable[Row],
    conflict: str = "",
    encoded: dict[int, str] | None = None,
) -> int:
    """Insert ``rows`` into ``table``; returns how many. ``conflict`` is an ``ON CONFLICT
    …`` clause (the same words on SQLite and PostgreSQL); ``encoded`` as in
    :func:`row_values`."""
    values = row_values(table, rows, encoded)
    if not values:
        return 0
    sql, names = _statement(conn, table, conflict)
    if conn.dialect.name == "postgresql" and not conflict:
        cursor = conn.connection.driver_connection.cursor()  # type: ignore[union-attr]
        with cursor.copy(f"COPY {table.name} ({names}) FROM STDIN") as copy:
            for value in values:
                copy.write_row(value)
    else:
        conn.exec_driver_sql(sql, values)
    return len(values)


def empty(conn: Connection, tables: Iterable[Table], *, drop_indexes: bool = False) -> None:
    """Remove every row of ``tables`` in the caller's transaction (TRUNCATE on
    PostgreSQL, which does not visit the rows), and with ``drop_indexes`` their
    secondary indexes first."""
    verb = "TRUNCATE" if conn.dialect.name == "postgresql" else "DELETE FROM"
    with unshredded(conn):
        for table in tables:
            if drop_indexes:
                for index in table.indexes:
                    index.drop(conn, checkfirst=True)
            conn.exec_driver_sql(f"{verb} {table.name}")


def unshredded(conn: Connection) -> AbstractContextManager[None]:
    """On SQLite, pages freed by the statements inside are not overwritten with zeros.

    Debian (among others) builds SQLite with SECURE_DELETE on, which zeroes every page a
    DELETE or DROP frees (BENCHMARKS.md has what it cost a province's rebuild). Read-model
    rows are copies of facts the ledger keeps for good, so shredding them hides nothing.
    """
    # FAST reads back as 2, and 2 would be taken as ON: it is restored by name.
    return sqlite_pragma(conn, "secure_delete", 0, words={2: "FAST"})


@contextmanager
def sqlite_pragma(
    conn: Connection, name: str, value: int, words: Mapping[int, str] | None = None
) -> Iterator[None]:
    """On SQLite, ``PRAGMA name = value`` for the statements inside; then the pooled
    connection goes back as it came. Elsewhere, nothing."""
    if conn.dialect.name != "sqlite":
        yield
        return
    before = int(conn.exec_driver_sql(f"PRAGMA {name}").scalar() or 0)
    conn.exec_driver_sql(f"PRAGMA {name} = {int(value)}")
    try:
        yield
    finally:
        conn.exec_driver_sql(f"PRAGMA {name} = {(words or {}).get(before, before)}")
