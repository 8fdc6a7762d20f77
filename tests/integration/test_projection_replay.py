"""Read models: catch-up, interrupted at any batch, equals a rebuild from zero (both stores)."""

from __future__ import annotations

import contextlib
import subprocess
from collections.abc import Callable
from contextlib import AbstractContextManager
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any, ClassVar

import pytest
import structlog.testing
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import inspect, select

from ledger.application import Ledger, PlanMeta, TaskFields
from ledger.errors import LedgerError
from ledger.store import open_ledger
from projections.history import history
from projections.outbox import outbox
from projections.plans import plans
from projections.replay import Replay
from projections.replay_worker import SecondProcessFailed
from projections.runner import ProjectionRunner
from projections.task_versions import task_unit_versions, task_versions
from projections.tasks import task_units, tasks
from projections.timers import timers
from projections.tracking import tracking
from projections.unit_tally import unit_tally
from scheduler.sweep import sweep

META = PlanMeta(
    title="要点", issuer="大连市人民政府办公厅", year=2017, doc_no="大政办发〔2017〕70号"
)
UNITS = ["市财政局", "市统计局", "市审计局"]
DEADLINES = ["8月底前", "按季度", "持续推进", "年内不少于5次", "第一时间"]

command = st.one_of(
    st.tuples(st.just("report"), st.integers(1, 4), st.sampled_from(UNITS), st.integers(0, 3)),
    st.tuples(st.just("complete"), st.integers(1, 4), st.sampled_from(UNITS), st.none()),
    st.tuples(st.just("reopen"), st.integers(1, 4), st.none(), st.none()),
    st.tuples(st.just("extend"), st.integers(1, 4), st.none(), st.integers(1, 60)),
    st.tuples(st.just("reassign"), st.integers(1, 4), st.sampled_from(UNITS), st.none()),
    st.tuples(st.just("waive"), st.integers(1, 4), st.none(), st.none()),
    st.tuples(st.just("amend"), st.integers(1, 4), st.sampled_from(DEADLINES), st.none()),
    # The scheduler: the clock jumps ahead by some days and due alerts are raised.
    st.tuples(st.just("sweep"), st.integers(1, 4), st.none(), st.integers(5, 120)),
    # A node whose clock is a few minutes behind: it records at the last recorded instant.
    st.tuples(st.just("rewind"), st.integers(1, 4), st.none(), st.integers(1, 300)),
)


def table(deadlines: dict[int, str]) -> list[TaskFields]:
    return [
        TaskFields(
            row=1 + i,
            code=str(i),
            section="一",
            content=f"任务{i}",
            lead_units=(UNITS[i % 3],),
            co_units=(UNITS[(i + 1) % 3],),
            deadline_text=deadlines.get(i, DEADLINES[i % len(DEADLINES)]),
        )
        for i in range(1, 5)
    ]


def apply(
    ledger: Ledger, step: tuple[Any, ...], deadlines: dict[int, str], clock: list[datetime]
) -> None:
    kind, n, arg, extra = step
    if kind == "sweep":
        clock[0] += timedelta(days=extra)
        sweep(ledger, ProjectionRunner(ledger))
        return
    if kind == "rewind":
        clock[0] -= timedelta(seconds=extra)
        return
    tid = ledger.resolve_task(f"dalian-2017/{n}")
    task = ledger.get_task(tid)
    unit = task.lead_units[0]
    with contextlib.suppress(LedgerError):  # refused commands are part of the story too
        if kind == "report":
            ledger.report_progress(
                tid, unit=unit, note="进展", quantity=extra, occurred_on=date(2017, 6, 1), actor="a"
            )
        elif kind == "complete":
            ledger.complete(tid, unit=unit, occurred_on=date(2017, 6, 2), actor="a")
        elif kind == "reopen":
            ledger.reopen(tid, reason="退回", actor="s")
        elif kind == "extend":
            base = task.due or datetime(2017, 6, 1, tzinfo=UTC)
            ledger.extend_deadline(
                tid, to=base + timedelta(days=extra), reason="r", approved_by="p", actor="s"
            )
        elif kind == "reassign":
            ledger.reassign(tid, lead_units=[arg], reason="调整", actor="s")
        elif kind == "waive":
            ledger.waive(tid, reason="r", approved_by="p", actor="s")
        elif kind == "amend":
            deadlines[n] = arg
            ledger.import_table(table(deadlines), META, actor="s", source="t", sha256="x")


def snapshot(runner: ProjectionRunner) -> list[list[dict[str, Any]]]:
    with runner.engine.connect() as conn:
        return [
            [dict(r._mapping) for r in conn.execute(select(t).order_by(*t.primary_key.columns))]
            for t in (
                plans,
                tasks,
                task_units,
                task_versions,
                task_unit_versions,
                unit_tally,
                history,
                timers,
                outbox,
            )
        ]


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    steps=st.lists(command, min_size=1, max_size=25),
    crashes=st.lists(st.integers(1, 7), min_size=1, max_size=6),
    replay_first=st.booleans(),
)
def test_interrupted_catch_up_equals_rebuild(
    new_store: Callable[[], AbstractContextManager[str]],
    steps: list[Any],
    crashes: list[int],
    replay_first: bool,
) -> None:
    """Stopping the runner after any batch and resuming gives the rows a full rebuild gives.

    With ``replay_first`` the read models start empty and the first catch-ups replay the
    ledger in aggregate order, stopped after a few events each time; otherwise every
    event is applied in notification order. The rebuild at the end always replays.
    """
    clock = [datetime(2017, 6, 3, 1, 0, tzinfo=UTC)]
    with new_store() as url:
        ledger = open_ledger(url, clock=lambda: clock[0], create=True)
        runner = ProjectionRunner(ledger)
        runner.create_tables()
        deadlines: dict[int, str] = {}
        ledger.import_table(table(deadlines), META, actor="s", source="t", sha256="x")
        if not replay_first:  # past position 0: from here on events apply one by one
            runner.catch_up(batch_size=1, limit=1, replay=False)
        for i, step in enumerate(steps):
            apply(ledger, step, deadlines, clock)
            if i % 3 == 0:  # a "crash": the runner stops after a few events, mid-stream
                size = crashes[i % len(crashes)]
                runner.catch_up(batch_size=size, limit=size)
        # A fresh runner (a restart) resumes from the committed positions.
        restarted = ProjectionRunner(ledger)
        restarted.catch_up(batch_size=3)
        incremental = snapshot(restarted)
        restarted.rebuild()
        assert snapshot(restarted) == incremental
        ledger.close()


# -- a long replay shared by two processes (projections/replay_worker.py) ----------------


class RecordedPopen(subprocess.Popen[bytes]):
    """``subprocess.Popen`` that remembers what it started: the second process."""

    started: ClassVar[list[subprocess.Popen[bytes]]] = []

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        RecordedPopen.started.append(self)


@pytest.fixture
def shared(monkeypatch: pytest.MonkeyPatch) -> list[subprocess.Popen[bytes]]:
    """Every replay of the test shares its work with a second process (recorded)."""
    RecordedPopen.started = []
    monkeypatch.setattr(subprocess, "Popen", RecordedPopen)
    return RecordedPopen.started


def busy_ledger(url: str) -> Ledger:
    """A ledger of 40 tasks with reports, completions and a reassignment."""
    clock = [datetime(2017, 6, 3, 1, 0, tzinfo=UTC)]
    ledger = open_ledger(url, clock=lambda: clock[0], create=True)
    rows = [
        TaskFields(
            row=i,
            code=str(i),
            section=f"{'一二三'[i % 3]}、部分",
            content=f"任务{i}",
            lead_units=(UNITS[i % 3],),
            co_units=(UNITS[(i + 1) % 3],),
            deadline_text=DEADLINES[i % len(DEADLINES)],
        )
        for i in range(1, 41)
    ]
    ledger.import_table(rows, META, actor="s", source="t", sha256="x")
    for i in range(1, 41):
        clock[0] += timedelta(hours=5)
        tid = ledger.resolve_task(f"dalian-2017/{i}")
        unit = UNITS[i % 3]
        ledger.report_progress(
            tid, unit=unit, note="进展", quantity=1, occurred_on=date(2017, 6, 1), actor="a"
        )
        if i % 2:
            with contextlib.suppress(LedgerError):  # a recurring task may refuse it
                ledger.complete(tid, unit=unit, occurred_on=date(2017, 6, 2), actor="a")
        if i % 7 == 0:
            ledger.reassign(tid, lead_units=[UNITS[(i + 2) % 3]], reason="调整", actor="s")
    return ledger


def indexes_missing(runner: ProjectionRunner) -> set[str]:
    """Secondary indexes of the read models that the store does not have."""
    inspector = inspect(runner.engine)
    dialect = runner.engine.dialect.name
    wanted = {
        (t.name, str(i.name))
        for p in runner.projections
        for t in p.tables
        for i in t.indexes
        if getattr(i, "_ddl_if", None) is None or i._ddl_if.dialect == dialect  # type: ignore[union-attr]
    }
    have = {(t, str(i["name"])) for t, _ in wanted for i in inspector.get_indexes(t)}
    return {name for _, name in wanted - have}


def sharing_runner(ledger: Ledger) -> ProjectionRunner:
    runner = ProjectionRunner(ledger)
    runner.create_tables()
    runner.worker_from = 0  # share every replay, however short
    runner.replay_chunk = 25  # events per chunk: several chunks for each process
    return runner


def test_a_shared_replay_gives_the_rows_of_one_process(
    store_url: str, shared: list[subprocess.Popen[bytes]]
) -> None:
    ledger = busy_ledger(store_url)
    runner = sharing_runner(ledger)
    runner.catch_up(replay=False)  # every event applied in notification order
    incremental = snapshot(runner)
    chunks: list[int] = []
    runner.rebuild(progress=lambda read, head: chunks.append(read))
    assert len(shared) == 1 and shared[0].returncode == 0
    assert len(chunks) > 4 and chunks[-1] == ledger.recorder.max_notification_id()
    assert snapshot(runner) == incremental
    assert indexes_missing(runner) == set()
    ledger.close()


def test_a_replay_whose_second_process_dies_resumes_to_the_same_rows(
    store_url: str, shared: list[subprocess.Popen[bytes]]
) -> None:
    ledger = busy_ledger(store_url)
    runner = sharing_runner(ledger)
    runner.catch_up(replay=False)
    incremental = snapshot(runner)

    def kill_after_the_first_chunk(read: int, head: int) -> None:
        if len(shared) == 1 and shared[0].poll() is None:
            shared[0].kill()

    with pytest.raises(SecondProcessFailed, match="stopped"):
        runner.rebuild(progress=kill_after_the_first_chunk)
    with runner.engine.connect() as conn:
        states = conn.execute(select(tracking.c.position, tracking.c.replay_after)).all()
    # What was committed is a prefix: every read model at position 0, part way through.
    assert {position for position, _ in states} == {0}
    assert {after for _, after in states} != {None}
    runner.catch_up()  # a restart resumes after the last chunk written
    assert len(shared) == 2
    assert snapshot(runner) == incremental
    ledger.close()


def test_a_shared_replay_never_writes_a_chunk_another_runner_wrote(
    store_url: str, shared: list[subprocess.Popen[bytes]]
) -> None:
    """Another runner writes the second process's next chunk first: that process's
    claim fails, the replay looks again and goes on after it; no row is written twice."""
    ledger = busy_ledger(store_url)
    runner = sharing_runner(ledger)
    runner.catch_up(replay=False)
    incremental = snapshot(runner)
    head = ledger.recorder.max_notification_id() or 0
    events = ledger.recorder.events_record_cls.__table__  # type: ignore[attr-defined]
    other = Replay(runner.engine, events, ledger.mapper)
    spans = other.spans(head, None, runner.replay_chunk)
    cut_in: list[int] = []

    def write_the_next_chunk_first(read: int, head: int) -> None:
        if not cut_in:  # after the first chunk, before the second process's turn
            found = other.chunk_of(runner.projections, head, spans[1])
            other.write(runner.projections, found.tables, head, spans[0].last, spans[1].last, False)
            cut_in.append(read)

    runner.rebuild(progress=write_the_next_chunk_first)
    assert cut_in and len(shared) == 2  # the second process lost; a new one finished
    assert snapshot(runner) == incremental
    ledger.close()


@pytest.mark.parametrize("replay", [True, False])
def test_a_rebuild_stopped_before_its_first_chunk_replays_over_the_old_rows(
    store_url: str, monkeypatch: pytest.MonkeyPatch, replay: bool
) -> None:
    """``rebuild`` only resets the positions; the replay's first chunk (or, without a
    replay, the first batch) empties the tables in its own transaction. Stopped in
    between, the next catch-up ends with the same rows (not twice each)."""
    ledger = busy_ledger(store_url)
    runner = ProjectionRunner(ledger)
    runner.create_tables()
    runner.catch_up()
    before = snapshot(runner)

    def crash(*args: Any, **kwargs: Any) -> int:
        raise KeyboardInterrupt

    monkeypatch.setattr(runner, "catch_up", crash)
    with pytest.raises(KeyboardInterrupt):
        runner.rebuild()
    assert set(ProjectionRunner(ledger).positions().values()) == {0}
    assert snapshot(runner) == before  # the old rows are still there, behind position 0
    ProjectionRunner(ledger).catch_up(batch_size=7, replay=replay)
    assert snapshot(runner) == before
    ledger.close()


def test_a_second_process_that_cannot_read_the_ledger_leaves_the_replay_to_one(
    store_url: str,
    shared: list[subprocess.Popen[bytes]],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The second process says it reads the same ledger before anything is written; one
    that sees another (here an empty one) makes the replay go on in one process."""
    ledger = busy_ledger(store_url)
    runner = sharing_runner(ledger)
    runner.catch_up(replay=False)
    incremental = snapshot(runner)
    elsewhere = f"sqlite:///{tmp_path / 'other.db'}"
    open_ledger(elsewhere, create=True).close()
    monkeypatch.setitem(ledger.env, "SQLALCHEMY_URL", elsewhere)  # what the child opens
    chunks: list[int] = []
    with structlog.testing.capture_logs() as logs:
        runner.rebuild(progress=lambda read, head: chunks.append(read))
    assert len(shared) == 1 and shared[0].returncode is not None  # it has ended
    [warning] = [e for e in logs if e["event"] == "replaying in one process"]
    assert "sees the ledger up to event 0" in warning["reason"]
    assert len(chunks) > 4  # in chunks of the same size, all written here
    assert snapshot(runner) == incremental
    assert indexes_missing(runner) == set()
    ledger.close()


def test_a_rebuild_with_no_event_to_replay_leaves_no_row(store_url: str) -> None:
    ledger = open_ledger(store_url, create=True)
    runner = ProjectionRunner(ledger)
    runner.create_tables()
    with runner.engine.begin() as conn:  # a row no event accounts for
        conn.execute(
            plans.insert().values(
                plan_id="p",
                ref="r",
                title="t",
                issuer="i",
                doc_no="d",
                year=2017,
                tz="Asia/Shanghai",
                tasks=0,
                imports=0,
                registered_at=0,
                updated_at=0,
            )
        )
    assert len(snapshot(runner)[0]) == 1
    runner.rebuild()
    assert snapshot(runner)[0] == []
    ledger.close()


def test_a_replay_sorts_on_every_core_at_the_end_and_gives_the_connection_back(
    sqlite_url: str,
) -> None:
    import sqlite3

    from sqlalchemy import event

    from projections.replay_worker import available_cores

    ledger = busy_ledger(sqlite_url)
    runner = ProjectionRunner(ledger)
    runner.create_tables()
    builds: list[tuple[int, sqlite3.Connection]] = []
    counts: list[int] = []  # the unit links counted from all the rows, at the end

    @event.listens_for(runner.engine, "before_cursor_execute")
    def watch(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        driver = cursor.connection
        if statement.lstrip().upper().startswith("CREATE INDEX"):
            builds.append((driver.execute("PRAGMA threads").fetchone()[0], driver))
        elif statement.startswith("INSERT INTO rm_unit_tally") and "SELECT" in statement:
            counts.append(driver.execute("PRAGMA threads").fetchone()[0])

    runner.rebuild()
    # SQLite caps the threads at its compile-time limit, which a fresh connection shows.
    cap = sqlite3.connect(":memory:")
    cap.execute("PRAGMA threads = 64")
    limit = cap.execute("PRAGMA threads").fetchone()[0]
    assert builds, "the replay built no index"
    assert {threads for threads, _ in builds} == {min(available_cores(), limit)}
    assert counts and set(counts) == {min(available_cores(), limit)}
    assert {d.execute("PRAGMA threads").fetchone()[0] for _, d in builds} == {0}
    assert indexes_missing(runner) == set()
    ledger.close()


@pytest.mark.parametrize(("setting", "reads"), [("ON", 1), ("FAST", 2)])
def test_a_rebuild_frees_the_old_rows_without_shredding_them(
    sqlite_url: str, setting: str, reads: int
) -> None:
    """SQLite built with SECURE_DELETE zeroes every freed page; read-model rows are
    copies of ledger facts, so the emptying turns that off, and only for itself."""
    from sqlalchemy import event

    ledger = busy_ledger(sqlite_url)
    runner = ProjectionRunner(ledger)
    runner.create_tables()
    runner.catch_up()
    runner.engine.dispose()

    @event.listens_for(runner.engine, "connect")
    def shred(driver: Any, _: Any) -> None:  # as such a build would have it
        driver.execute(f"PRAGMA secure_delete = {setting}")

    freeing: list[tuple[str, int, Any]] = []

    @event.listens_for(runner.engine, "before_cursor_execute")
    def watch(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        verb = statement.lstrip().upper()
        if verb.startswith(("DELETE FROM", "DROP INDEX")):
            driver = cursor.connection
            setting = driver.execute("PRAGMA secure_delete").fetchone()[0]
            freeing.append((verb.split()[0], setting, driver))

    before = snapshot(runner)
    runner.rebuild()
    assert {verb for verb, _, _ in freeing} == {"DELETE", "DROP"}
    assert {setting for _, setting, _ in freeing} == {0}
    # The connection goes back to the pool as it came.
    assert {d.execute("PRAGMA secure_delete").fetchone()[0] for _, _, d in freeing} == {reads}
    assert snapshot(runner) == before
    ledger.close()


def test_a_rebuild_on_a_store_no_runner_has_seen_makes_its_read_models(store_url: str) -> None:
    ledger = busy_ledger(store_url)
    assert not inspect(ledger.recorder.datastore.engine).has_table(tracking.name)  # type: ignore[attr-defined]
    runner = ProjectionRunner(ledger)
    assert runner.rebuild() == ledger.recorder.max_notification_id()
    assert len(snapshot(runner)[1]) == 40  # one row per task
    ledger.close()
