"""The one parser of store URLs: what it accepts, what it refuses, what it hides."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from ledger import redact
from ledger.errors import InvalidInput
from ledger.store import parse_url


@pytest.mark.parametrize(
    ("url", "path"),
    [
        ("sqlite:///taizhang.db", Path("taizhang.db")),
        ("sqlite:////var/lib/tz.db", Path("/var/lib/tz.db")),
        ("sqlite+pysqlite:///a/b.db", Path("a/b.db")),
    ],
)
def test_a_sqlite_file_is_named_as_sqlalchemy_names_it(url: str, path: Path) -> None:
    store = parse_url(url)
    assert (store.kind, store.path) == ("sqlite", path)
    assert store.sqlalchemy == f"sqlite:///{path}"


@pytest.mark.parametrize("url", ["sqlite:///a.db?mode=ro", "sqlite:///:memory:", "sqlite://"])
def test_sqlite_urls_that_name_no_plain_file_are_refused(url: str) -> None:
    with pytest.raises(InvalidInput, match="name a file"):
        parse_url(url)


def test_postgresql_gets_timeouts_unless_the_url_sets_its_own() -> None:
    store = parse_url(
        "postgresql+psycopg://tz:pw@db.example:5433/taizhang?options=-csearch_path%3Ds"
    )
    assert store.kind == "postgresql"
    assert "connect_timeout=5" in store.sqlalchemy
    assert "statement_timeout" in store.sqlalchemy and "search_path" in store.sqlalchemy
    assert store.dbapi.startswith("postgresql://tz:pw@db.example:5433/taizhang?")
    own = parse_url("postgresql+psycopg://h/d?connect_timeout=30")
    assert "connect_timeout=30" in own.sqlalchemy and "connect_timeout=5" not in own.sqlalchemy


@pytest.mark.parametrize(
    ("url", "hint"),
    [
        ("postgresql://h/d", "postgresql+psycopg://"),
        ("postgres://h/d", "postgresql+psycopg://"),
        ("mysql://root:secret@h/d", "SQLite or PostgreSQL"),
        ("taizhang.db", "not a store URL"),
        ("postgresql+psycopg://h:notaport/d", "not a valid URL"),
    ],
)
def test_other_urls_are_refused_saying_what_to_use(url: str, hint: str) -> None:
    with pytest.raises(InvalidInput, match=re.escape(hint)) as refused:
        parse_url(url)
    assert "secret" not in str(refused.value)


def test_passwords_and_robot_keys_are_hidden() -> None:
    assert (
        redact.url("postgresql+psycopg://tz:pw@h/d", query=False)
        == "postgresql+psycopg://tz:***@h/d"
    )
    shown = redact.url("https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=0a1b2c3d-4e5f-6789")
    assert shown == "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=…6789"
    assert redact.url("not a url") == "not a url"
