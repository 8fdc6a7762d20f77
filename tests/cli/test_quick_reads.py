"""`task list` on a current SQLite store reads through sqlite3, and never past the ledger."""

from __future__ import annotations

import ast
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from test_cli import IMPORT, TABLE
from typer.testing import CliRunner

from cli.app import app
from cli.context import Context, Settings
from ledger.store import parse_url
from projections import quick

NOW = "2017-07-03T09:00"
LIST = ["--format", "json", "task", "list", "--unit", "市财政局"]


@pytest.fixture
def store(tmp_path: Path) -> str:
    """A store with the three-task table imported (nothing read yet)."""
    db = f"sqlite:///{tmp_path / 'quick.db'}"
    path = tmp_path / "dalian.csv"
    path.write_text(TABLE, encoding="utf-8")
    assert cli(db, "init").exit_code == 0
    assert cli(db, "plan", "import", str(path), *IMPORT).exit_code == 0
    return db


def cli(db: str, *args: str) -> Any:
    return CliRunner().invoke(app, ["--db", db, "--as", "督查室", "--now", NOW, *args])


def tamper(db: str, sql: str) -> None:
    """Change the store behind the ledger's back, as another program (or version) might."""
    import sqlite3

    path = parse_url(db).path
    assert path is not None
    with sqlite3.connect(path) as conn:
        conn.execute(sql)


def policy(db: str) -> str:
    settings = Settings(db=db, store=parse_url(db), actor="t", fmt="json", tz="Asia/Shanghai")
    return Context(settings).policy_tag()


def in_a_process(store: str, args: list[str]) -> tuple[Any, list[str]]:
    """A read command's JSON document, run as a process of its own, and which of the
    heavy modules it loaded."""
    probe = (
        "import sys\n"
        "from cli.app import main\n"
        f"sys.argv = ['taizhang', '--db', {store!r}, '--as', '督查室', '--now', {NOW!r},"
        f" *{args!r}]\n"
        "try:\n    main()\nexcept SystemExit as e:\n    assert not e.code, e.code\n"
        "heavy = ('sqlalchemy', 'eventsourcing', 'ledger.application')\n"
        "print('LOADED', sorted({m for m in sys.modules if m.startswith(heavy)}))\n"
    )
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    document, loaded = out.stdout.rsplit("LOADED", 1)
    return json.loads(document), ast.literal_eval(loaded.strip())


@pytest.mark.parametrize(
    "args",
    [
        LIST,
        ["--format", "json", "task", "list", "--plan", "dalian-2017", "--status", "open"],
        ["--format", "json", "dashboard", "--plan", "dalian-2017", "--by", "unit"],
        ["--format", "json", "dashboard", "--by", "section", "--as-of", "2017-06-15"],
        # The whole ledger by unit: the counts kept ahead of time, now and as of a moment.
        ["--format", "json", "dashboard", "--by", "unit"],
        ["--format", "json", "dashboard", "--by", "unit", "--as-of", "2017-06-15"],
        ["--format", "json", "plan", "list"],
    ],
)
def test_a_current_store_is_read_without_sqlalchemy(store: str, args: list[str]) -> None:
    """A read that checks in full prints what the next process prints without
    SQLAlchemy or the event store."""
    tamper(store, "DELETE FROM rm_verified")  # as a store written by an older version
    assert quick.open_current(parse_url(store).path, policy(store)) is None
    first = cli(store, *args)  # the full check, which vouches again
    assert first.exit_code == 0, first.output
    document, loaded = in_a_process(store, args)
    assert loaded == []
    assert document == json.loads(first.stdout)
    assert document  # something was listed or counted


def test_a_write_command_leaves_the_next_read_quick(store: str) -> None:
    """`plan import` (any command that brings the read models up to date) vouches."""
    assert quick.open_current(parse_url(store).path, policy(store)) is not None


def test_projections_rebuild_leaves_the_next_read_quick(store: str) -> None:
    tamper(store, "DELETE FROM rm_verified")
    assert cli(store, "projections", "rebuild").exit_code == 0
    assert quick.open_current(parse_url(store).path, policy(store)) is not None


def test_events_the_read_models_lack_send_the_next_read_the_full_way(store: str) -> None:
    """Events written by another process (the service, another node) leave the read
    models behind: the quick path declines, and the list shows them."""
    from uuid import UUID

    from ledger.store import open_ledger

    first = json.loads(cli(store, *LIST).stdout)
    assert quick.open_current(parse_url(store).path, policy(store)) is not None
    ledger = open_ledger(store)
    try:
        ledger.report_progress(UUID(first[0]["id"]), unit="市财政局", note="按月公开", actor="t")
    finally:
        ledger.close()
    assert quick.open_current(parse_url(store).path, policy(store)) is None
    listed = json.loads(cli(store, *LIST).stdout)
    assert [t["reports"] for t in listed] == [1, 0]
    assert listed[0]["status"] == "in_progress"
    assert quick.open_current(parse_url(store).path, policy(store)) is not None


def test_other_code_or_another_alert_policy_is_checked_in_full(
    store: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The vouch holds for the read models' code and the alert policy it was made under."""
    assert cli(store, *LIST).exit_code == 0
    assert quick.open_current(parse_url(store).path, policy(store)) is not None
    assert quick.open_current(parse_url(store).path, policy(store) + " reminders changed") is None
    monkeypatch.setattr(quick, "_sources", lambda: b"another version of the read models")
    assert quick.open_current(parse_url(store).path, policy(store)) is None


def test_a_broken_store_read_quickly_is_a_message_not_a_traceback(store: str) -> None:
    assert cli(store, *LIST).exit_code == 0
    tamper(store, "DROP TABLE rm_plans")
    broken = cli(store, *LIST)
    assert broken.exit_code == 1
    assert "the store could not be used (OperationalError): no such table: rm_plans" in (
        broken.output
    )


def test_a_read_model_another_version_rebuilt_is_checked_in_full(store: str) -> None:
    """A vouch names the fingerprints it saw: a read model rebuilt to another shape (by
    another version of taizhang on the same store) sends reads the full way, which
    rebuilds it to this version's shape."""
    before = json.loads(cli(store, *LIST).stdout)
    tamper(store, "UPDATE rm_tracking SET fingerprint = 'another' WHERE projection = 'tasks'")
    assert quick.open_current(parse_url(store).path, policy(store)) is None
    assert json.loads(cli(store, *LIST).stdout) == before
    assert quick.open_current(parse_url(store).path, policy(store)) is not None


def test_a_read_model_being_replayed_is_not_read_quickly(store: str) -> None:
    assert cli(store, *LIST).exit_code == 0
    tamper(store, "UPDATE rm_tracking SET position = 0 WHERE projection = 'history'")
    assert quick.open_current(parse_url(store).path, policy(store)) is None


def test_alerts_are_listed_without_sqlalchemy(store: str) -> None:
    swept = CliRunner().invoke(app, ["--db", store, "--now", "2017-09-05T09:00", "sweep"])
    assert swept.exit_code == 0, swept.output
    args = ["--format", "json", "alerts", "--unit", "市统计局"]
    first = cli(store, *args)
    assert first.exit_code == 0, first.output
    document, loaded = in_a_process(store, args)
    assert loaded == []
    assert document == json.loads(first.stdout)
    assert {a["task"] for a in document} == {"dalian-2017/2"}
