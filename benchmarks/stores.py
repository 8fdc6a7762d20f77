"""Fresh stores for one benchmark phase: a SQLite file in a temp dir, or a PostgreSQL schema.

PostgreSQL runs get a schema of their own, reached through the URL's ``search_path``
(the way tests/conftest.py does it), so a run never touches another run's tables and
dropping the schema removes everything it wrote.
"""

from __future__ import annotations

import os
import tempfile
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

BACKENDS = ("sqlite", "postgres")
PG_URL = os.environ.get(
    "TAIZHANG_BENCH_PG",
    os.environ.get("TAIZHANG_TEST_PG", "postgresql+psycopg://postgres@127.0.0.1:5432/test"),
)


def pg_problem(url: str = PG_URL) -> str | None:
    """Why PostgreSQL cannot be used, or None when it answers."""
    from sqlalchemy import create_engine, text

    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            conn.execute(text("select 1"))
    except Exception as e:  # any driver error means "not usable"; the message says why
        return str(e).splitlines()[0]
    finally:
        engine.dispose()
    return None


def pg_version(url: str = PG_URL) -> str:
    from sqlalchemy import create_engine, text

    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            return str(conn.execute(text("show server_version")).scalar())
    finally:
        engine.dispose()


def pg_admin(statement: str, params: dict[str, Any] | None = None) -> Any:
    """Run one statement outside a transaction (CREATE/DROP DATABASE need that) on the
    benchmark server; returns its first row, if any."""
    from sqlalchemy import create_engine, text

    engine = create_engine(PG_URL, isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as conn:
            result = conn.execute(text(statement), params or {})
            return result.first() if result.returns_rows else None
    finally:
        engine.dispose()


@contextmanager
def fresh_store(backend: str, tag: str) -> Iterator[str]:
    """A URL for an empty store, removed again on exit."""
    if backend == "sqlite":
        with tempfile.TemporaryDirectory(prefix=f"bench-{tag}-") as d:
            yield f"sqlite:///{Path(d) / 'taizhang.db'}"
        return
    if backend != "postgres":
        raise ValueError(f"unknown backend {backend!r}; choose from {', '.join(BACKENDS)}")
    schema = f"bench_{tag}_{uuid.uuid4().hex[:8]}"
    pg_admin(f"CREATE SCHEMA {schema}")
    sep = "&" if "?" in PG_URL else "?"
    try:
        yield f"{PG_URL}{sep}options=-csearch_path%3D{schema}"
    finally:
        pg_admin(f"DROP SCHEMA {schema} CASCADE")


def stored_events(app: Any) -> int:
    """Rows in an application's events table (notification ids can have gaps on
    PostgreSQL, so the highest id is not a count)."""
    from sqlalchemy import text

    recorder = app.recorder
    with recorder.datastore.engine.connect() as conn:
        query = text(f"select count(*) from {recorder.events_table_name}")
        return int(conn.execute(query).scalar_one())
