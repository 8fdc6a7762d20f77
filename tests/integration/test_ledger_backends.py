"""The application service on real stores: one contract, run on SQLite and on PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from eventsourcing.persistence import IntegrityError
from sqlalchemy import func, select

from ledger.application import Ledger, PlanMeta, TaskFields
from ledger.errors import InvalidInput, NotFound, RuleViolation
from ledger.store import open_ledger
from projections.queries.plans import list_plans
from projections.queries.tasks import TaskFilter, list_tasks
from projections.replay import LostRace, Replay
from projections.runner import ProjectionRunner
from projections.tasks import tasks as tasks_table
from projections.tracking import tracking

META = PlanMeta(
    title="大连市2017年政务公开工作要点",
    issuer="大连市人民政府办公厅",
    year=2017,
    doc_no="大政办发〔2017〕70号",
    issued_on=date(2017, 5, 26),
)


def rows(n: int = 3, **changes: Any) -> list[TaskFields]:
    made = [
        TaskFields(
            row=2 + i,
            code=str(i),
            section="一、以政务公开助力稳增长",
            content=f"任务{i}：按月公开财政收支情况",
            lead_units=("市财政局",) if i % 2 else ("市发展改革委",),
            co_units=("市统计局",),
            deadline_text="11月底前",
        )
        for i in range(1, n + 1)
    ]
    return [TaskFields(**{**r.__dict__, **changes.get(r.code, {})}) for r in made]


class Clock:
    """A clock the test moves by hand."""

    def __init__(self, start: datetime) -> None:
        self.moment = start

    def __call__(self) -> datetime:
        return self.moment

    def advance(self, **delta: float) -> None:
        self.moment += timedelta(**delta)


class LedgerContract:
    """Behaviour every store must show. Subclasses say which store."""

    url: str

    @pytest.fixture
    def clock(self) -> Clock:
        return Clock(datetime(2017, 6, 1, 1, 0, tzinfo=UTC))

    @pytest.fixture
    def ledger(self, clock: Clock) -> Iterator[Ledger]:
        app = open_ledger(self.url, clock=clock, create=True)
        ProjectionRunner(app).create_tables()
        yield app
        app.close()

    def head(self, ledger: Ledger) -> int:
        return ledger.recorder.max_notification_id() or 0

    def test_import_then_reimport_records_nothing_new(self, ledger: Ledger) -> None:
        """The second import of the same table writes no event at all."""
        first = ledger.import_table(rows(), META, actor="督查室", source="t.csv", sha256="x")
        assert first.added == ["1", "2", "3"]
        head = self.head(ledger)
        # plan, ref claim, 3 tasks, import record; the directory opened, its 3 new units
        assert head == first.events == 8
        assert set(first.new_units) == {"市财政局", "市统计局", "市发展改革委"}
        again = ledger.import_table(rows(), META, actor="督查室", source="t.csv", sha256="x")
        assert again.events == 0
        assert self.head(ledger) == head

    def test_corrected_table_records_exactly_the_changed_fields(self, ledger: Ledger) -> None:
        """Only the amended task gets an event, holding only what changed."""
        ledger.import_table(rows(), META, actor="a", source="t.csv", sha256="x")
        head = self.head(ledger)
        fixed = rows(**{"2": {"co_units": ("市审计局",), "deadline_text": "12月底前"}})
        report = ledger.import_table(fixed, META, actor="a", source="t2.csv", sha256="y")
        assert set(report.amended) == {"2"}
        assert set(report.amended["2"]) == {"co_units", "deadline_text", "deadline"}
        # the amendment, the import record, and 市审计局 new to the directory
        assert self.head(ledger) == head + 3
        assert report.new_units == {"市审计局": None}
        task = ledger.get_task(ledger.resolve_task("dalian-2017/2"))
        assert task.co_units == ["市审计局"]
        assert task.due == datetime.fromisoformat("2017-12-31T23:59:59+08:00")

    def test_dry_run_writes_nothing(self, ledger: Ledger) -> None:
        """A dry run reports what it would record and leaves the store as it was."""
        report = ledger.import_table(rows(), META, actor="a", source="t", sha256="x", dry_run=True)
        assert report.events == 8
        assert self.head(ledger) == 0
        with pytest.raises(NotFound):
            ledger.resolve_plan("dalian-2017")

    def test_duplicate_code_refuses_the_whole_table(self, ledger: Ledger) -> None:
        """All or nothing: one bad row and no event is written."""
        bad = [*rows(), rows()[0]]
        with pytest.raises(InvalidInput, match="appears twice"):
            ledger.import_table(bad, META, actor="a", source="t", sha256="x")
        assert self.head(ledger) == 0

    def test_a_reference_belongs_to_one_plan(self, ledger: Ledger) -> None:
        """Another plan cannot take a reference already in use."""
        ledger.import_table(rows(), META, actor="a", source="t", sha256="x")
        other = PlanMeta(
            title="另一个要点",
            issuer="大连市人民政府办公厅",
            year=2017,
            doc_no="大政办发〔2017〕99号",
        )
        with pytest.raises(InvalidInput, match="taken by another plan"):
            ledger.import_table(rows(), other, actor="a", source="t", sha256="x")
        ledger.import_table(
            rows(),
            PlanMeta(**{**other.__dict__, "ref": "dalian-2017b"}),
            actor="a",
            source="t",
            sha256="x",
        )
        assert ledger.resolve_plan("dalian-2017b") != ledger.resolve_plan("dalian-2017")

    def test_report_and_complete_keep_both_times(self, ledger: Ledger, clock: Clock) -> None:
        """History shows when it happened and when the ledger learned it, and who said so."""
        ledger.import_table(rows(), META, actor="督查室", source="t", sha256="x")
        tid = ledger.resolve_task("dalian-2017/1")
        clock.moment = datetime(2017, 9, 2, 1, 0, tzinfo=UTC)
        ledger.report_progress(
            tid,
            unit="市财政局",
            occurred_on=date(2017, 8, 30),
            note="已公开",
            evidence=["https://x/1"],
            actor="财政局小王",
        )
        ledger.complete(tid, unit="市财政局", occurred_on=date(2017, 8, 31), actor="财政局小王")
        events = list(ledger.events.get(tid))
        assert [type(e).__name__ for e in events] == [
            "Defined",
            "ProgressReported",
            "ShareCompleted",
        ]
        assert events[1].occurred_on == date(2017, 8, 30)
        assert events[1].timestamp == datetime(2017, 9, 2, 1, 0, tzinfo=UTC)
        assert events[1].actor == "财政局小王"

    def test_a_stale_write_is_refused_by_the_store(self, ledger: Ledger) -> None:
        """Two copies of one task: the second save of the same version fails."""
        ledger.import_table(rows(), META, actor="a", source="t", sha256="x")
        tid = ledger.resolve_task("dalian-2017/1")
        mine, theirs = ledger.get_task(tid), ledger.get_task(tid)
        theirs.report_progress(
            unit="市财政局", occurred_on=date(2017, 5, 30), note="a", actor="b", now=ledger.now()
        )
        ledger.save(theirs)
        mine.report_progress(
            unit="市财政局", occurred_on=date(2017, 5, 30), note="b", actor="c", now=ledger.now()
        )
        with pytest.raises(IntegrityError):
            ledger.save(mine)

    def test_losing_a_race_reruns_the_command_on_fresh_state(
        self, ledger: Ledger, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        """A completion that lost the race is re-judged and refused, not recorded twice."""
        ledger.import_table(rows(), META, actor="a", source="t", sha256="x")
        tid = ledger.resolve_task("dalian-2017/1")
        stale = ledger.get_task(tid)
        ledger.complete(tid, unit="市财政局", occurred_on=date(2017, 5, 30), actor="other")
        real_get = ledger.get_task
        copies = iter([stale])
        monkeypatch.setattr(
            ledger, "get_task", lambda i, version=None: next(copies, None) or real_get(i)
        )
        with pytest.raises(RuleViolation, match="already completed"):
            ledger.complete(tid, unit="市财政局", occurred_on=date(2017, 5, 31), actor="me")
        assert len(list(ledger.events.get(tid))) == 2

    def test_read_models_follow_the_ledger_and_rebuild_identically(self, ledger: Ledger) -> None:
        """Incremental catch-up and a rebuild from zero give the same rows."""
        runner = ProjectionRunner(ledger)
        ledger.import_table(rows(5), META, actor="a", source="t", sha256="x")
        runner.catch_up()
        tid = ledger.resolve_task("dalian-2017/3")
        ledger.complete(tid, unit="市财政局", occurred_on=date(2017, 5, 31), actor="b")
        ledger.reassign(
            ledger.resolve_task("dalian-2017/2"), lead_units=["市审计局"], reason="调整", actor="c"
        )
        runner.catch_up()
        with runner.engine.connect() as conn:
            before = [
                dict(r._mapping)
                for r in conn.execute(select(tasks_table).order_by(tasks_table.c.task_id))
            ]
        runner.rebuild()
        with runner.engine.connect() as conn:
            after = [
                dict(r._mapping)
                for r in conn.execute(select(tasks_table).order_by(tasks_table.c.task_id))
            ]
        assert before == after
        now = datetime(2017, 6, 2, tzinfo=UTC)
        with runner.reader() as reader:
            audit = list_tasks(reader, now=now, where=TaskFilter(unit="市审计局"))
            assert [v.ref for v in audit] == ["dalian-2017/2"]
            assert list_plans(reader)[0]["tasks"] == 5
            done = list_tasks(reader, now=now, where=TaskFilter(statuses=["done"]))
            assert [v.row["code"] for v in done] == ["3"]

    def test_two_runners_never_apply_a_batch_twice(self, ledger: Ledger) -> None:
        """A second runner that lost the race re-reads the position instead of re-applying."""
        ledger.import_table(rows(4), META, actor="a", source="t", sha256="x")
        one, two = ProjectionRunner(ledger), ProjectionRunner(ledger)
        positions = one.positions()
        one.catch_up()
        # Runner two still believes the old positions: its claim must fail.
        notifications = ledger.recorder.select_notifications(start=1, limit=100)
        with pytest.raises(LostRace):
            two._apply_batch(positions, notifications)
        with one.reader() as reader:
            assert list_plans(reader)[0]["tasks"] == 4

    def test_two_replays_never_write_a_chunk_twice(self, ledger: Ledger) -> None:
        """A replay that lost the race to another runner writes nothing."""
        ledger.import_table(rows(4), META, actor="a", source="t", sha256="x")
        one = ProjectionRunner(ledger)
        head = ledger.recorder.max_notification_id() or 0
        events = ledger.recorder.events_record_cls.__table__  # type: ignore[attr-defined]
        stale = Replay(one.engine, events, ledger.mapper)
        one.catch_up()  # fills the empty read models by a replay
        with pytest.raises(LostRace):
            stale.run(one.projections, head, None)  # still believes nothing was written
        with one.reader() as reader:
            assert list_plans(reader)[0]["tasks"] == 4
        with one.engine.connect() as conn:
            assert conn.execute(select(func.count()).select_from(tasks_table)).scalar() == 4

    def test_a_replay_leaves_every_index_in_place(self, ledger: Ledger) -> None:
        """The replay drops secondary indexes while it loads; they are all back after."""
        from sqlalchemy import inspect

        from projections.base import metadata

        ledger.import_table(rows(4), META, actor="a", source="t", sha256="x")
        runner = ProjectionRunner(ledger)
        runner.rebuild()
        inspector = inspect(runner.engine)
        dialect = runner.engine.dialect.name
        for table in (t for p in runner.projections for t in p.tables):
            present = {i["name"] for i in inspector.get_indexes(table.name)}
            # Some indexes are for one store only (Index.ddl_if(dialect=...)).
            meant = {
                i.name for i in table.indexes if i._ddl_if is None or i._ddl_if.dialect == dialect
            }
            assert meant <= present, table.name
            assert not (present & ({i.name for i in table.indexes} - meant)), table.name
        assert {t.name for t in metadata.sorted_tables} <= set(inspector.get_table_names())

    def test_a_replay_leaves_planner_statistics(self, ledger: Ledger) -> None:
        """The planner's choices (SQLite's skip-scan of the by-section versions) need
        statistics on the filled tables; a replay takes them."""
        from sqlalchemy import text

        ledger.import_table(rows(4), META, actor="a", source="t", sha256="x")
        runner = ProjectionRunner(ledger)
        runner.rebuild()
        with runner.engine.connect() as conn:
            if runner.engine.dialect.name == "sqlite":
                query = "SELECT count(*) FROM sqlite_stat1 WHERE tbl = 'rm_task_versions'"
                assert conn.execute(text(query)).scalar()
            else:
                # Every read model's tables, vacuumed (for index-only scans) and analysed,
                # several at once.
                query = (
                    "SELECT relname FROM pg_stat_user_tables WHERE schemaname = current_schema()"
                    " AND last_analyze IS NOT NULL AND last_vacuum IS NOT NULL"
                )
                done = set(conn.execute(text(query)).scalars())
                assert {t.name for p in runner.projections for t in p.tables} <= done

    def test_an_interrupted_replay_resumes_after_its_last_chunk(self, ledger: Ledger) -> None:
        """Stopped after one chunk, a replay records how far it got; a restart goes on from
        there, and events recorded meanwhile are applied after it."""
        ledger.import_table(rows(4), META, actor="a", source="t", sha256="x")
        head = ledger.recorder.max_notification_id() or 0
        ProjectionRunner(ledger).catch_up(batch_size=1, limit=1)
        with ledger.recorder.datastore.engine.connect() as conn:  # type: ignore[attr-defined]
            state = conn.execute(
                select(tracking.c.position, tracking.c.replay_head, tracking.c.replay_after).where(
                    tracking.c.projection == "tasks"
                )
            ).one()
        assert state.position == 0 and state.replay_head == head and state.replay_after
        tid = ledger.resolve_task("dalian-2017/1")
        ledger.report_progress(
            tid, unit="市财政局", note="进展", occurred_on=date(2017, 6, 1), actor="a"
        )
        restarted = ProjectionRunner(ledger)
        restarted.catch_up()
        assert {lag.behind for lag in restarted.status()} == {0}
        day = datetime(2017, 6, 2, tzinfo=UTC)
        with restarted.reader() as reader:
            reported = list_tasks(reader, now=day, where=TaskFilter(unit="市财政局"))
            assert sorted(v.row["reports"] for v in reported) == [0, 1]
            assert len(list_tasks(reader, now=day)) == 4

    def test_a_report_starts_a_relative_deadline_on_the_official_calendar(
        self, ledger: Ledger, clock: Clock
    ) -> None:
        """ "5个工作日内" from 30 Sep 2026 skips the National Day holidays: due 13 Oct."""
        meta = PlanMeta(
            title="2026年要点", issuer="某市政务办", year=2026, issued_on=date(2026, 5, 6)
        )
        table = rows(1, **{"1": {"deadline_text": "信息形成或者变更之日起5个工作日内"}})
        ledger.import_table(table, meta, actor="a", source="t", sha256="x")
        tid = ledger.resolve_task("moushizhengwuban-2026/1")
        assert ledger.get_task(tid).due is None
        clock.moment = datetime(2026, 10, 1, 2, 0, tzinfo=UTC)
        ledger.report_progress(
            tid, unit="市财政局", occurred_on=date(2026, 9, 30), note="信息已形成", actor="b"
        )
        task = ledger.get_task(tid)
        assert task.due == datetime.fromisoformat("2026-10-13T23:59:59+08:00")
        assert [type(e).__name__ for e in list(ledger.events.get(tid))][-1] == "DeadlineStarted"

    def test_declaring_a_day_recounts_provisional_deadlines(self, ledger: Ledger) -> None:
        """A 2027 count is provisional; a declared holiday moves it and records why."""
        meta = PlanMeta(
            title="2027年要点", issuer="某市政务办", year=2027, issued_on=date(2027, 1, 4)
        )
        table = rows(1, **{"1": {"deadline_text": "本要点印发后5个工作日内"}})
        ledger.import_table(table, meta, actor="a", source="t", sha256="x")
        tid = ledger.resolve_task("moushizhengwuban-2027/1")
        before = ledger.get_task(tid)
        assert before.deadline is not None and before.deadline["provisional"]
        assert before.due == datetime.fromisoformat("2027-01-11T23:59:59+08:00")
        ledger.declare_day(
            date(2027, 1, 6), workday=False, source="国办发明电〔2026〕1号", actor="s"
        )
        assert ledger.reevaluate_deadline(tid, reason="calendar", actor="s")
        assert ledger.get_task(tid).due == datetime.fromisoformat("2027-01-12T23:59:59+08:00")
        assert not ledger.reevaluate_deadline(tid, reason="calendar", actor="s")  # nothing new

    def test_a_supervisor_sets_a_deadline_the_words_do_not_give(self, ledger: Ledger) -> None:
        """Unreadable words are kept; a deadline set by hand becomes the due time."""
        table = rows(1, **{"1": {"deadline_text": "第一时间"}})
        ledger.import_table(table, META, actor="a", source="t", sha256="x")
        tid = ledger.resolve_task("dalian-2017/1")
        task = ledger.get_task(tid)
        assert task.deadline is not None and task.deadline["kind"] == "unparsed"
        assert task.deadline_text == "第一时间"
        due = datetime.fromisoformat("2017-07-31T23:59:59+08:00")
        ledger.set_deadline(tid, to=due, reason="按督查室意见", actor="s")
        assert ledger.get_task(tid).due == due


class TestLedgerOnSQLite(LedgerContract):
    @pytest.fixture(autouse=True)
    def _url(self, sqlite_url: str) -> None:
        self.url = sqlite_url


@pytest.mark.postgres
class TestLedgerOnPostgres(LedgerContract):
    @pytest.fixture(autouse=True)
    def _url(self, pg_url: str) -> None:
        self.url = pg_url
