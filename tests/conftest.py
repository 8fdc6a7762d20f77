"""Shared fixtures: a fresh SQLite file and a fresh PostgreSQL schema per test."""

from __future__ import annotations

import os
import tempfile
import uuid
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from pathlib import Path

import pytest

PG_URL = os.environ.get("TAIZHANG_TEST_PG", "postgresql+psycopg://postgres@127.0.0.1:5432/test")


def _pg_reachable() -> str | None:
    from sqlalchemy import create_engine, text

    engine = create_engine(PG_URL)
    try:
        with engine.connect() as conn:
            conn.execute(text("select 1"))
    except Exception as e:
        return str(e).splitlines()[0]
    finally:
        engine.dispose()
    return None


@pytest.fixture(scope="session")
def pg_server() -> str:
    """The PostgreSQL URL; in CI an unreachable server fails the run instead of skipping."""
    problem = _pg_reachable()
    if problem is not None:
        if os.environ.get("CI") == "true":
            pytest.fail(f"PostgreSQL at {PG_URL} is required in CI: {problem}")
        pytest.skip(f"PostgreSQL not reachable at {PG_URL}: {problem}")
    return PG_URL


@contextmanager
def pg_schema(server: str) -> Iterator[str]:
    """A URL whose search_path is a schema of its own, dropped on exit."""
    from sqlalchemy import create_engine, text

    schema = f"t_{uuid.uuid4().hex[:12]}"
    admin = create_engine(server, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f"CREATE SCHEMA {schema}"))
    sep = "&" if "?" in server else "?"
    try:
        yield f"{server}{sep}options=-csearch_path%3D{schema}"
    finally:
        with admin.connect() as conn:
            conn.execute(text(f"DROP SCHEMA {schema} CASCADE"))
        admin.dispose()


@contextmanager
def sqlite_file() -> Iterator[str]:
    """A URL for a SQLite file in a directory of its own, removed on exit."""
    with tempfile.TemporaryDirectory(prefix="taizhang-test-") as d:
        yield f"sqlite:///{Path(d) / 'taizhang.db'}"


@pytest.fixture
def pg_url(pg_server: str) -> Iterator[str]:
    """A URL whose search_path is a schema of this test's own, dropped afterwards."""
    with pg_schema(pg_server) as url:
        yield url


@pytest.fixture
def other_pg_url(pg_server: str) -> Iterator[str]:
    """A second schema of this test's own, for a neighbour in the same database."""
    with pg_schema(pg_server) as url:
        yield url


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'taizhang.db'}"


@pytest.fixture(params=["sqlite", "postgres"])
def store_url(request: pytest.FixtureRequest) -> str:
    """Runs a test once on a SQLite file and once on PostgreSQL."""
    if request.param == "sqlite":
        return str(request.getfixturevalue("sqlite_url"))
    return str(request.getfixturevalue("pg_url"))


@pytest.fixture(params=["sqlite", "postgres"])
def new_store(request: pytest.FixtureRequest) -> Callable[[], AbstractContextManager[str]]:
    """Makes fresh stores on demand (one per Hypothesis example), on each backend."""
    if request.param == "sqlite":
        return sqlite_file
    server = str(request.getfixturevalue("pg_server"))
    return lambda: pg_schema(server)


def store_state(url: str) -> str:
    """What a refused command must leave unchanged: a SQLite file's bytes (with its WAL),
    or on PostgreSQL every stored event and every read-model row count."""
    import hashlib

    if url.startswith("sqlite"):
        path = Path(url.split("///", 1)[1])
        digest = hashlib.sha256()
        for part in (path, path.with_name(path.name + "-wal")):
            if part.exists():
                digest.update(part.read_bytes())
        return digest.hexdigest()
    from sqlalchemy import create_engine, text

    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            rows = conn.execute(
                text(
                    "SELECT id, originator_id, originator_version, topic, state"
                    " FROM ledger_events ORDER BY id"
                )
            ).all()
    finally:
        engine.dispose()
    return hashlib.sha256(repr(rows).encode()).hexdigest()


@pytest.fixture(autouse=True, scope="session")
def _logs_as_the_cli_sets_them() -> None:
    """structlog as every entrypoint configures it (cli/logs.py): tracebacks without
    locals; code under test never runs on structlog's development defaults."""
    from cli.logs import configure, logger

    configure("info")
    logger()
