"""Read models: catch-up, interrupted at any batch, equals a rebuild from zero (both stores)."""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from contextlib import AbstractContextManager
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import inspect, select

from ledger.application import Ledger, PlanMeta, TaskFields
from ledger.errors import LedgerError
from ledger.store import open_ledger
from projections.directory import people, units
from projections.history import history
from projections.outbox import outbox
from projections.plans import plan_versions, plans
from projections.runner import ProjectionRunner
from projections.task_versions import task_unit_versions, task_versions
from projections.tasks import TasksProjection, tasks
from projections.timers import timers
from projections.tracking import tracking
from projections.unit_tally import unit_tally
from scheduler.channels import TransientFailure
from scheduler.delivery import Deliverer
from scheduler.sweep import sweep

META = PlanMeta(
    title="要点", issuer="大连市人民政府办公厅", year=2017, doc_no="大政办发〔2017〕70号"
)
UNITS = ["市财政局", "市统计局", "市审计局"]
DEADLINES = ["8月底前", "按季度", "持续推进", "年内不少于5次", "第一时间"]
GROUPS = [["甲区"], ["甲区", "乙区"], ["乙区", "市审计局"]]  # what 各区 stands for, in turn

command = st.one_of(
    st.tuples(st.just("report"), st.integers(1, 4), st.integers(0, 3), st.integers(0, 3)),
    # A unit completes its share (the first, second … unit answering), or a supervisor
    # completes the whole task (-1).
    st.tuples(st.just("complete"), st.integers(1, 4), st.integers(-1, 3), st.none()),
    st.tuples(st.just("reopen"), st.integers(1, 4), st.integers(-1, 3), st.none()),
    st.tuples(st.just("request"), st.integers(1, 4), st.integers(0, 3), st.integers(1, 60)),
    st.tuples(st.just("decide"), st.integers(1, 4), st.booleans(), st.integers(0, 30)),
    st.tuples(st.just("group"), st.integers(1, 4), st.integers(0, 2), st.none()),
    st.tuples(st.just("alias"), st.integers(1, 4), st.none(), st.none()),
    # People: a clerk of a unit is registered (the supervisor "s" first, as the admin);
    # from then on only what each may do is recorded.
    st.tuples(st.just("person"), st.integers(1, 4), st.integers(0, 3), st.none()),
    st.tuples(st.just("extend"), st.integers(1, 4), st.none(), st.integers(1, 60)),
    st.tuples(st.just("reassign"), st.integers(1, 4), st.sampled_from(UNITS), st.none()),
    st.tuples(st.just("waive"), st.integers(1, 4), st.none(), st.none()),
    st.tuples(st.just("amend"), st.integers(1, 4), st.sampled_from(DEADLINES), st.none()),
    # The scheduler: the clock jumps ahead by some days and due alerts are raised.
    st.tuples(st.just("sweep"), st.integers(1, 4), st.none(), st.integers(5, 120)),
    # Deliveries: the receiver accepts (even), or fails for now (odd) and is retried later.
    st.tuples(st.just("deliver"), st.integers(1, 4), st.none(), st.integers(0, 3)),
    # A node whose clock is a few minutes behind: it records at the last recorded instant.
    st.tuples(st.just("rewind"), st.integers(1, 4), st.none(), st.integers(1, 300)),
)


class Receiver:
    """A webhook that answers every send the same way: accepted, or ``failure``."""

    name = "webhook"

    def __init__(self, failure: Exception | None) -> None:
        self.failure = failure

    def send(self, digest: Any, recipient: str) -> None:
        if self.failure is not None:
            raise self.failure


def table(deadlines: dict[int, str]) -> list[TaskFields]:
    return [
        TaskFields(
            row=1 + i,
            code=str(i),
            section="一",
            content=f"任务{i}",
            # Two tasks led by a collective name too; one helped by 财政局, another name.
            lead_units=(UNITS[i % 3], *(["各区"] if i % 2 else [])),
            co_units=(UNITS[(i + 1) % 3] if i != 4 else "财政局",),
            deadline_text=deadlines.get(i, DEADLINES[i % len(DEADLINES)]),
        )
        for i in range(1, 5)
    ]


def apply(
    ledger: Ledger, step: tuple[Any, ...], deadlines: dict[int, str], clock: list[datetime]
) -> None:
    kind, n, arg, extra = step
    if kind in SERVICE:
        SERVICE[kind](ledger, clock, extra)
        return
    tid = ledger.resolve_task(f"dalian-2017/{n}")
    task = ledger.get_task(tid)
    answering = list(task.shares)
    if kind in ("report", "complete", "request", "reopen", "person"):
        arg = answering[arg % len(answering)] if arg >= 0 else None  # a unit, or the whole
    every = [ledger.resolve_task(f"dalian-2017/{i}") for i in range(1, 5)]
    with contextlib.suppress(LedgerError):  # refused commands are part of the story too
        if kind == "amend":
            deadlines[n] = arg
            ledger.import_table(table(deadlines), META, actor="s", source="t", sha256="x")
        else:
            COMMANDS[kind](ledger, tid, task, arg, extra, clock[0], every)


def _sweep(ledger: Ledger, clock: list[datetime], extra: int) -> None:
    clock[0] += timedelta(days=extra)
    sweep(ledger, ProjectionRunner(ledger))


def _deliver(ledger: Ledger, clock: list[datetime], extra: int) -> None:
    clock[0] += timedelta(hours=2)  # past any retry's backoff
    runner = ProjectionRunner(ledger)
    runner.catch_up()
    channel = Receiver(TransientFailure("webhook", "", "busy") if extra % 2 else None)
    Deliverer(ledger, runner.reader(), lambda name, address: channel).round(wait=True)


def _rewind(ledger: Ledger, clock: list[datetime], extra: int) -> None:
    clock[0] -= timedelta(seconds=extra)


SERVICE: dict[str, Callable[..., None]] = {"sweep": _sweep, "deliver": _deliver, "rewind": _rewind}


def _person(ledger: Ledger, unit: str) -> None:
    if not ledger.people().people:
        ledger.add_person("s", unit="督查室", roles=["admin", "supervisor"], actor="s")
    ledger.add_person(f"{unit}办", unit=unit, roles=["clerk"], actor="s")


def _complete(ledger: Ledger, tid: Any, unit: str | None) -> None:
    day = date(2017, 6, 2)
    if unit is None:
        ledger.complete(tid, whole=True, occurred_on=day, actor="s")
    else:
        ledger.complete(tid, unit=unit, occurred_on=day, actor=f"{unit}办")


# kind -> (ledger, task id, task, argument, extra, now, every task id) -> the command
COMMANDS: dict[str, Callable[..., Any]] = {
    "report": lambda ledger, tid, task, unit, extra, now, every: ledger.report_progress(
        tid, unit=unit, note="进展", quantity=extra, occurred_on=date(2017, 6, 1), actor=f"{unit}办"
    ),
    "complete": lambda ledger, tid, task, unit, *_: _complete(ledger, tid, unit),
    "reopen": lambda ledger, tid, task, unit, *_: ledger.reopen(
        tid, reason="退回", unit=unit, actor="s"
    ),
    "request": lambda ledger, tid, task, unit, extra, now, every: ledger.request_extension(
        tid,
        unit=unit,
        to=max(task.due or now, now) + timedelta(days=extra),
        reason="r",
        actor=f"{unit}办",
    ),
    "decide": lambda ledger, tid, task, approve, extra, *_: ledger.decide_extension(
        tid, approve=approve, whole_task=extra % 3 == 0, reason="不同意", actor="s"
    ),
    "group": lambda ledger, tid, task, which, extra, now, every: ledger.define_group(
        "各区", members=GROUPS[which], named=lambda _: every, actor="s"
    ),
    "alias": lambda ledger, tid, task, arg, extra, now, every: ledger.add_unit(
        "市财政局", aliases=["财政局"], named=lambda _: every, actor="s"
    ),
    "person": lambda ledger, tid, task, unit, *_: _person(ledger, unit),
    "extend": lambda ledger, tid, task, arg, extra, *_: ledger.extend_deadline(
        tid,
        to=(task.due or datetime(2017, 6, 1, tzinfo=UTC)) + timedelta(days=extra),
        reason="r",
        approved_by="s",
        actor="s",
        retroactive=True,
    ),
    "reassign": lambda ledger, tid, task, unit, *_: ledger.reassign(
        tid, lead_units=[unit], reason="调整", actor="s"
    ),
    "waive": lambda ledger, tid, *_: ledger.waive(tid, reason="r", approved_by="s", actor="s"),
}


def snapshot(runner: ProjectionRunner) -> list[list[dict[str, Any]]]:
    with runner.engine.connect() as conn:
        return [
            [dict(r._mapping) for r in conn.execute(select(t).order_by(*t.primary_key.columns))]
            for t in (
                plans,
                plan_versions,
                tasks,
                task_versions,
                task_unit_versions,
                unit_tally,
                history,
                timers,
                outbox,
                units,
                people,
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
        for unit in UNITS[:2]:  # someone to tell, so raised alerts have deliveries
            ledger.add_contact(
                unit, channel="webhook", address=f"http://{unit}.invalid/", actor="s"
            )
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


# -- a replay in chunks, and a batch that fails -------------------------------------


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
            # Two tasks led by a collective name too; one helped by 财政局, another name.
            lead_units=(UNITS[i % 3], *(["各区"] if i % 2 else [])),
            co_units=(UNITS[(i + 1) % 3] if i != 4 else "财政局",),
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


def chunked_runner(ledger: Ledger) -> ProjectionRunner:
    runner = ProjectionRunner(ledger)
    runner.create_tables()
    runner.replay_chunk = 25  # events per chunk: many chunks
    return runner


def test_a_replay_in_chunks_gives_the_rows_of_applying_every_event(store_url: str) -> None:
    ledger = busy_ledger(store_url)
    runner = chunked_runner(ledger)
    runner.catch_up(replay=False)  # every event applied in notification order
    incremental = snapshot(runner)
    chunks: list[int] = []
    runner.rebuild(progress=lambda read, head: chunks.append(read))
    assert len(chunks) > 4 and chunks[-1] == ledger.recorder.max_notification_id()
    assert snapshot(runner) == incremental
    assert indexes_missing(runner) == set()
    ledger.close()


def test_a_replay_stopped_after_a_chunk_resumes_to_the_same_rows(store_url: str) -> None:
    ledger = busy_ledger(store_url)
    runner = chunked_runner(ledger)
    runner.catch_up(replay=False)
    incremental = snapshot(runner)

    def stop(read: int, head: int) -> None:
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        runner.rebuild(progress=stop)
    with runner.engine.connect() as conn:
        states = conn.execute(select(tracking.c.position, tracking.c.replay_after)).all()
    # What was committed is a prefix: every read model at position 0, part way through.
    assert {position for position, _ in states} == {0}
    assert {after for _, after in states} != {None}
    runner.catch_up()  # a restart resumes after the last chunk written
    assert snapshot(runner) == incremental
    assert indexes_missing(runner) == set()
    ledger.close()


def test_a_replay_never_writes_a_chunk_another_runner_wrote(store_url: str) -> None:
    """Another runner writes the next chunk first: this replay's claim fails, it looks
    again and goes on after it; no row is written twice."""
    ledger = busy_ledger(store_url)
    runner = chunked_runner(ledger)
    runner.catch_up(replay=False)
    incremental = snapshot(runner)
    other = chunked_runner(ledger)
    cut_in: list[int] = []

    def let_the_other_write_first(read: int, head: int) -> None:
        if not cut_in:  # after the first chunk: the other runner writes the next ones
            cut_in.append(other.catch_up(limit=50))

    runner.rebuild(progress=let_the_other_write_first)
    assert cut_in and cut_in[0] >= 50  # whole aggregates: a chunk may read a few more
    assert snapshot(runner) == incremental
    ledger.close()


class Faulty(TasksProjection):
    """The tasks read model, failing in the middle of applying a batch."""

    def apply(self, conn: Any, events: list[Any]) -> None:
        super().apply(conn, events)
        raise RuntimeError("a fault in the middle of a batch")


def test_a_read_model_failing_mid_batch_leaves_every_position_where_it_was(
    store_url: str,
) -> None:
    """Positions commit with their rows or not at all: after a fault in one read model,
    no read model has moved, and a later catch-up equals a rebuild (timers included, so
    no alert is lost)."""
    ledger = busy_ledger(store_url)
    runner = ProjectionRunner(ledger)
    runner.create_tables()
    runner.catch_up(replay=False, limit=30)
    before = runner.positions()
    projections = [Faulty() if p.name == "tasks" else p for p in runner.projections]
    broken = ProjectionRunner(ledger, projections)
    with pytest.raises(RuntimeError, match="middle of a batch"):
        broken.catch_up(replay=False, batch_size=7)
    assert runner.positions() == before
    runner.catch_up(replay=False, batch_size=7)
    incremental = snapshot(runner)
    runner.rebuild()
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
    assert len(snapshot(runner)[2]) == 40  # one row per task
    ledger.close()


def test_read_models_of_an_older_shape_are_replayed_and_retired_tables_go(
    store_url: str,
) -> None:
    ledger = busy_ledger(store_url)
    runner = ProjectionRunner(ledger)
    runner.rebuild()
    expected = snapshot(runner)
    # As code that kept the links in force in a table of their own left the store.
    with runner.engine.begin() as conn:
        conn.exec_driver_sql("CREATE TABLE rm_task_units (task_id VARCHAR(36), unit TEXT)")
        for name in ("tasks", "task_versions"):
            older = tracking.update().where(tracking.c.projection == name).values(version="v2")
            conn.execute(older)
        conn.exec_driver_sql("DELETE FROM rm_task_unit_versions")
    again = ProjectionRunner(ledger)
    again.create_tables()
    again.catch_up()
    assert not inspect(again.engine).has_table("rm_task_units")
    assert snapshot(again) == expected
    ledger.close()
