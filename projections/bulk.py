"""Writing many read-model rows at once, below SQLAlchemy's per-row parameter handling.

A replay writes millions of rows; building them as plain tuples (JSON serialised here,
once) and handing them to the driver's ``executemany`` costs a fraction of a Core
``insert()`` with dicts, which processes every value of every row through its type.
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

_SQL: dict[tuple[str, str, str], tuple[str, str]] = {}
_encode = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode


def _statement(conn: Connection, table: Table, conflict: str) -> tuple[str, str]:
    """The INSERT for ``table`` in the driver's parameter style, and its quoted column
    names (for COPY)."""
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
    found = (sql, names)
    _SQL[(dialect, table.name, conflict)] = found
    return found


def row_values(
    table: Table, rows: Iterable[Row], done: dict[int, str] | None = None
) -> list[tuple[Any, ...]]:
    """``rows`` (dicts keyed by column name) as the tuples the driver takes, in the
    table's column order, JSON columns serialised.

    Consecutive versions of a task share their unchanged lists, and a task's row shares
    them with its last version: each list object is serialised once, remembered in
    ``done`` by its id. So ``rows`` must hold its rows (a list, not rows made on the
    fly), and whoever passes ``done`` to several calls keeps all their rows alive
    meanwhile: an id is only unique among live objects.
    """
    pick = itemgetter(*(c.name for c in table.columns))
    json_at = [i for i, c in enumerate(table.columns) if isinstance(c.type, JSON)]
    if not json_at:
        return [pick(row) for row in rows]
    if done is None:
        done = {}
    picked = [pick(row) for row in rows]
    if not picked:
        return []
    # Column by column, so that the per-value work runs in C (map, zip); Python only
    # serialises the lists not seen before.
    columns = list(zip(*picked, strict=True))
    for i in json_at:
        ids = list(map(id, columns[i]))
        for key, item in zip(ids, columns[i], strict=True):
            if key not in done:
                done[key] = "[]" if item == [] else _encode(item)
        columns[i] = tuple(map(done.__getitem__, ids))
    return list(zip(*columns, strict=True))


def insert_values(
    conn: Connection, table: Table, values: list[tuple[Any, ...]], conflict: str = ""
) -> int:
    """Insert rows prepared by :func:`row_values` into ``table``; returns how many.

    ``conflict`` is an ``ON CONFLICT …`` clause (the same words on SQLite and PostgreSQL).
    """
    if not values:
        return 0
    sql, names = _statement(conn, table, conflict)
    if conn.dialect.name == "postgresql" and not conflict:
        _copy(conn, table.name, names, values)
    else:
        conn.exec_driver_sql(sql, values)
    return len(values)


def insert_rows(conn: Connection, table: Table, rows: Iterable[Row], conflict: str = "") -> int:
    """Insert ``rows`` (dicts keyed by column name) into ``table``; returns how many."""
    return insert_values(conn, table, row_values(table, rows), conflict)


def empty(conn: Connection, tables: Iterable[Table], *, drop_indexes: bool = False) -> None:
    """Remove every row of ``tables`` in the caller's transaction (TRUNCATE on
    PostgreSQL, which does not visit the rows; SQLite clears a table that way itself),
    and with ``drop_indexes`` their secondary indexes first."""
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
    DELETE or DROP frees: emptying a province's read models took 16 s of a 92 s rebuild.
    Read-model rows are copies of facts the ledger keeps for good, so shredding them
    hides nothing.
    """
    # FAST reads back as 2, and 2 would be taken as ON: it is restored by name.
    return sqlite_pragma(conn, "secure_delete", 0, words={2: "FAST"})


@contextmanager
def sqlite_pragma(
    conn: Connection, name: str, value: int, words: Mapping[int, str] | None = None
) -> Iterator[None]:
    """On SQLite, ``PRAGMA name = value`` for the statements inside; then the pooled
    connection goes back as it came (a value read back that the pragma takes only as a
    word is written back as that word). Elsewhere, nothing."""
    if conn.dialect.name != "sqlite":
        yield
        return
    before = int(conn.exec_driver_sql(f"PRAGMA {name}").scalar() or 0)
    conn.exec_driver_sql(f"PRAGMA {name} = {int(value)}")
    try:
        yield
    finally:
        conn.exec_driver_sql(f"PRAGMA {name} = {(words or {}).get(before, before)}")


def _copy(conn: Connection, table: str, names: str, values: list[Any]) -> None:
    """PostgreSQL's COPY: many times faster than INSERTs, in the same transaction."""
    cursor = conn.connection.driver_connection.cursor()  # type: ignore[union-attr]
    with cursor.copy(f"COPY {table} ({names}) FROM STDIN") as copy:
        for value in values:
            copy.write_row(value)
