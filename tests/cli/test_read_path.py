"""The one read path: read commands on current read models load nothing of the write side,
and read models that lag, changed shape or follow another alert policy are brought up to
date first — on SQLite and PostgreSQL alike."""

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
from ledger.policy import AlertPolicy
from ledger.store import parse_url
from projections import catalog
from projections.reader import Reader

NOW = "2017-07-03T09:00"
LIST = ["--format", "json", "task", "list", "--unit", "市财政局"]


@pytest.fixture
def store(store_url: str, tmp_path: Path) -> str:
    """A store with the three-task table imported (nothing read yet)."""
    path = tmp_path / "dalian.csv"
    path.write_text(TABLE, encoding="utf-8")
    assert cli(store_url, "init").exit_code == 0
    assert cli(store_url, "plan", "import", str(path), *IMPORT).exit_code == 0
    return store_url


def cli(db: str, *args: str) -> Any:
    return CliRunner().invoke(app, ["--db", db, "--as", "督查室", "--now", NOW, *args])


def tamper(db: str, sql: str) -> None:
    """Change the store behind the ledger's back, as another program (or version) might."""
    from sqlalchemy import create_engine, text

    engine = create_engine(parse_url(db).sqlalchemy)
    with engine.begin() as conn:
        conn.execute(text(sql))
    engine.dispose()


def behind(db: str, policy: str = AlertPolicy().tag()) -> bool:
    reader = Reader(parse_url(db))
    try:
        return catalog.behind(reader, policy)
    finally:
        reader.close()


def in_a_process(store: str, args: list[str]) -> tuple[Any, list[str]]:
    """A read command's JSON document, run as a process of its own, and which of the
    write side's modules it loaded."""
    probe = (
        "import sys\n"
        "from cli.app import main\n"
        f"sys.argv = ['taizhang', '--db', {store!r}, '--as', '督查室', '--now', {NOW!r},"
        f" *{args!r}]\n"
        "try:\n    main()\nexcept SystemExit as e:\n    assert not e.code, e.code\n"
        "heavy = ('sqlalchemy', 'eventsourcing', 'ledger.application', 'ledger.task')\n"
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
        ["--format", "json", "task", "list", "--unit", "市财政局", "--as-of", "2017-07-03T09:30"],
        ["--format", "json", "task", "show", "dalian-2017/1", "--as-of", "2017-07-03T09:30"],
        ["--format", "json", "dashboard", "--plan", "dalian-2017", "--by", "unit"],
        ["--format", "json", "dashboard", "--by", "section", "--as-of", "2017-07-03T09:30"],
        ["--format", "json", "dashboard", "--by", "unit"],
        ["--format", "json", "dashboard", "--by", "unit", "--as-of", "2017-07-03T09:30"],
        ["--format", "json", "dashboard", "--by", "plan", "--valid-at", "2017-06-15"],
        ["--format", "json", "plan", "list"],
        ["--format", "json", "plan", "list", "--as-of", "2017-07-03T09:30"],
    ],
)
def test_a_current_store_is_read_without_the_write_side(store: str, args: list[str]) -> None:
    """The same document as a read in process, without SQLAlchemy or the ledger."""
    first = cli(store, *args)
    assert first.exit_code == 0, first.output
    document, loaded = in_a_process(store, args)
    assert loaded == []
    assert document == json.loads(first.stdout)
    assert document  # something was listed or counted


def test_events_the_read_models_lack_are_applied_before_a_read(store: str) -> None:
    """Events written by another process (the service, another node) leave the read
    models behind: the next read catches up first, and lists them."""
    from uuid import UUID

    from ledger.store import open_ledger

    first = json.loads(cli(store, *LIST).stdout)
    assert not behind(store)
    ledger = open_ledger(store)
    try:
        ledger.report_progress(UUID(first[0]["id"]), unit="市财政局", note="按月公开", actor="t")
    finally:
        ledger.close()
    assert behind(store)
    listed = json.loads(cli(store, *LIST).stdout)
    assert [t["reports"] for t in listed] == [1, 0]
    assert listed[0]["status"] == "in_progress"
    assert not behind(store)


def test_another_alert_policy_or_shape_rebuilds_what_depends_on_it(store: str) -> None:
    """The timers follow the alert policy; a read model of another version's shape is
    rebuilt to this one's, with the same rows."""
    before = json.loads(cli(store, *LIST).stdout)
    assert not behind(store)
    other = AlertPolicy(escalate_after=None).tag()
    assert behind(store, other)
    tamper(store, "UPDATE rm_tracking SET version = 'v0' WHERE projection = 'tasks'")
    assert behind(store)
    assert json.loads(cli(store, *LIST).stdout) == before
    assert not behind(store)


def test_a_read_model_being_replayed_is_caught_up_before_a_read(store: str) -> None:
    before = json.loads(cli(store, *LIST).stdout)
    tamper(store, "UPDATE rm_tracking SET position = 0 WHERE projection = 'tasks'")
    assert behind(store)
    assert json.loads(cli(store, *LIST).stdout) == before


def test_a_broken_store_is_a_message_not_a_traceback(store: str) -> None:
    assert cli(store, *LIST).exit_code == 0
    tamper(store, "DROP TABLE rm_plans")
    broken = cli(store, *LIST)
    assert broken.exit_code == 1
    assert "the store could not be used" in broken.output and "rm_plans" in broken.output
    assert "Traceback" not in broken.output


def test_alerts_are_listed_without_the_write_side(store: str) -> None:
    swept = CliRunner().invoke(app, ["--db", store, "--now", "2017-09-05T09:00", "sweep"])
    assert swept.exit_code == 0, swept.output
    args = ["--format", "json", "alerts", "--unit", "市统计局"]
    first = cli(store, *args)
    assert first.exit_code == 0, first.output
    document, loaded = in_a_process(store, args)
    assert loaded == []
    assert document == json.loads(first.stdout)
    assert {a["task"] for a in document} == {"dalian-2017/2"}
