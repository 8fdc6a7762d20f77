"""On PostgreSQL the service wakes when events are recorded, not at the end of its interval."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time

import pytest
from sqlalchemy import create_engine, func, select, text
from structlog.testing import capture_logs

from ledger.application import PlanMeta, TaskFields
from ledger.store import EVENTS_TABLE, open_ledger
from projections.runner import ProjectionRunner
from projections.tracking import tracking
from scheduler.wakeup import Listener, install

META = PlanMeta(title="要点", issuer="某省政府办公厅", year=2017, doc_no="某政办发〔2017〕1号")


def record(url: str, code: str = "1") -> None:
    """One small import: a plan and a task, recorded by a ledger of its own."""
    ledger = open_ledger(url)
    row = TaskFields(
        row=1,
        code=code,
        section="一",
        content=f"任务{code}",
        lead_units=("市财政局",),
        co_units=(),
        deadline_text="6月30日前",
    )
    ledger.import_table([row], META, actor="s", source="t", sha256=code)
    ledger.close()


def store(url: str) -> None:
    ledger = open_ledger(url, create=True)
    ProjectionRunner(ledger).create_tables()
    ledger.close()


@pytest.mark.postgres
def test_a_commit_wakes_the_listener_of_its_schema_only(pg_url: str, other_pg_url: str) -> None:
    store(pg_url)
    engine = create_engine(pg_url)
    woken = threading.Event()
    assert install(engine, EVENTS_TABLE)
    assert install(engine, EVENTS_TABLE)  # again, as each service start does
    listener = Listener(engine, woken.set, poll=0.2).start()
    try:
        store(other_pg_url)
        install(create_engine(other_pg_url), EVENTS_TABLE)
        record(other_pg_url)
        assert not woken.wait(1.5), "woken by a write in another schema"
        record(pg_url)
        assert woken.wait(10), "not woken by a write in its own schema"
    finally:
        listener.stop()
        engine.dispose()


def test_sqlite_has_no_notifications(sqlite_url: str) -> None:
    store(sqlite_url)
    assert not install(create_engine(sqlite_url), EVENTS_TABLE)


@pytest.mark.postgres
def test_a_trigger_that_cannot_be_made_leaves_the_service_polling(pg_url: str) -> None:
    store(pg_url)
    engine = create_engine(pg_url)
    with capture_logs() as logs:
        assert not install(engine, "no_such_table")
    assert [e["event"] for e in logs] == ["wakeup.unavailable"]
    assert "no_such_table" in logs[0]["error"]
    with engine.connect() as conn:  # and nothing of it was left behind
        functions = conn.execute(
            text(
                "SELECT count(*) FROM pg_proc WHERE proname = 'taizhang_events_notify'"
                " AND pronamespace = current_schema()::regnamespace"
            )
        ).scalar_one()
    engine.dispose()
    assert functions == 0


def positions(url: str) -> tuple[int, int]:
    """(lowest read-model position, head of the log), read without catching up."""
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            low = conn.execute(select(func.min(tracking.c.position))).scalar_one()
            head = conn.execute(text(f"SELECT max(id) FROM {EVENTS_TABLE}")).scalar_one() or 0
    finally:
        engine.dispose()
    return int(low), int(head)


@pytest.mark.postgres
def test_serve_applies_new_events_long_before_its_interval(pg_url: str) -> None:
    """serve --interval 120 on PostgreSQL: a later write is in the read models within
    seconds (polling alone would wait two minutes)."""
    store(pg_url)
    record(pg_url, "1")
    env = {**os.environ, "TAIZHANG_DB": pg_url}
    proc = subprocess.Popen(
        [sys.executable, "-m", "cli", "serve", "--interval", "120"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    try:
        assert caught_up(pg_url, within=30), "the first tick did not run"
        time.sleep(2.0)  # the listener starts beside the first tick
        record(pg_url, "2")
        assert caught_up(pg_url, within=15), "the write waited for the interval"
    finally:
        proc.send_signal(signal.SIGTERM)
        _, err = proc.communicate(timeout=30)
    assert proc.returncode == 0, err.decode()[-2000:]


def caught_up(url: str, within: float) -> bool:
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        low, head = positions(url)
        if low >= head:
            return True
        time.sleep(0.2)
    return False
