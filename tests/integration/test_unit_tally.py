"""The whole ledger by unit, counted ahead of time (projections/unit_tally.py), on both
stores: at any moment, now or past, the same counts as the link versions held then."""

from __future__ import annotations

import contextlib
import sqlite3
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import inspect, select

from ledger.application import Ledger, PlanMeta, TaskFields
from ledger.errors import LedgerError
from ledger.status import WARNING_WINDOW
from ledger.store import open_ledger
from projections.base import closing_statement
from projections.moments import NOW, month_starts
from projections.queries.dashboard import dashboard, finish
from projections.reader import Reader
from projections.runner import ProjectionRunner
from projections.task_versions import task_unit_versions
from projections.unit_tally import unit_tally

META = PlanMeta(
    title="要点", issuer="大连市人民政府办公厅", year=2017, doc_no="大政办发〔2017〕70号"
)
UNITS = ["市财政局", "市统计局", "市审计局", "市民政局", "市商务局"]
DEADLINES = ["8月底前", "按季度", "持续推进", "年内不少于5次", "6月底前", "10月15日前"]


def expected(
    runner: ProjectionRunner, moment: int, judged: int | None = None
) -> list[dict[str, Any]]:
    """The dashboard by unit from every link version held at ``moment``, counted here,
    judged at ``judged`` (by default the same moment)."""
    judged = moment if judged is None else judged
    soon = judged + int(WARNING_WINDOW.total_seconds())
    counts: dict[str, list[int]] = {}
    with runner.engine.connect() as conn:
        for v in conn.execute(select(task_unit_versions)):
            if not v.rec_from <= moment < v.rec_to:
                continue
            live = v.phase == "todo"
            due = v.next_due
            flags = (
                1,
                v.phase in ("done", "done_late"),
                live and due is not None and due < judged,
                live and due is not None and judged <= due <= soon,
                v.phase == "waived",
            )
            tally = counts.setdefault(v.unit, [0] * 5)
            for i, flag in enumerate(flags):
                tally[i] += int(flag)
    return [finish(unit, *counts[unit]) for unit in sorted(counts)]


def moments(start: datetime, end: datetime) -> list[int]:
    """Every few days from before the first event to after the last, each month start
    and the seconds either side of it."""
    lo, hi = int(start.timestamp()) - 86_400, int(end.timestamp()) + 86_400
    found = set(range(lo, hi, 3 * 86_400 + 3_607))
    for b in month_starts(lo, hi):
        found |= {b - 1, b, b + 1}
    return sorted(found)


def eventful(url: str) -> tuple[Ledger, datetime, datetime]:
    """Sixty tasks through half a year: reports, completions, reopenings, extensions,
    reassignments and waivers; once, a clock that is three minutes behind."""
    clock = [datetime(2017, 4, 20, 1, 0, tzinfo=UTC)]
    start = clock[0]
    ledger = open_ledger(url, clock=lambda: clock[0], create=True)
    rows = [
        TaskFields(
            row=i,
            code=str(i),
            section="一",
            content=f"任务{i}",
            lead_units=(UNITS[i % 5],),
            co_units=(UNITS[(i + 2) % 5], UNITS[(i + 3) % 5]) if i % 4 else (),
            deadline_text=DEADLINES[i % len(DEADLINES)],
        )
        for i in range(1, 61)
    ]
    ledger.import_table(rows, META, actor="s", source="t", sha256="x")
    latest = clock[0]
    for step in range(240):
        clock[0] += timedelta(hours=17)
        if step == 150:  # a node a little behind: it records at the last recorded instant
            clock[0] -= timedelta(minutes=3)
        latest = max(latest, clock[0])
        i = 1 + step * 7 % 60
        tid = ledger.resolve_task(f"dalian-2017/{i}")
        unit = UNITS[i % 5]
        day = (clock[0] - timedelta(days=1)).date()
        with contextlib.suppress(LedgerError):  # a refused command is part of the story
            if step % 5 == 0:
                ledger.complete(tid, unit=unit, occurred_on=day, actor="a")
            elif step % 11 == 0:
                ledger.reopen(tid, reason="退回", actor="s")
            elif step % 13 == 0:
                ledger.extend_deadline(
                    tid, to=clock[0] + timedelta(days=9), reason="r", approved_by="p", actor="s"
                )
            elif step % 17 == 0:
                ledger.reassign(tid, lead_units=[UNITS[(i + 1) % 5]], reason="调整", actor="s")
            elif step % 29 == 0:
                ledger.waive(tid, reason="r", approved_by="p", actor="s")
            else:
                ledger.report_progress(
                    tid, unit=unit, note="进展", quantity=1, occurred_on=day, actor="a"
                )
    return ledger, start, latest


def counted(runner: ProjectionRunner, at: datetime, *, as_of: bool = False) -> Any:
    """The whole ledger's dashboard by unit, now (judged at ``at``) or as of ``at``."""
    with runner.reader() as reader:
        return dashboard(reader, now=at, as_of=at if as_of else None)


def tallied(runner: ProjectionRunner, at: int) -> list[dict[str, Any]]:
    return counted(runner, datetime.fromtimestamp(at, UTC), as_of=True)


def tally_rows(runner: ProjectionRunner) -> list[tuple[Any, ...]]:
    with runner.engine.connect() as conn:
        query = select(unit_tally).order_by(*unit_tally.primary_key.columns)
        return [tuple(r) for r in conn.execute(query)]


@pytest.fixture
def story(store_url: str) -> Any:
    ledger, start, end = eventful(store_url)
    runner = ProjectionRunner(ledger)
    runner.create_tables()
    yield ledger, runner, start, end
    ledger.close()


def test_the_counts_at_any_moment_are_those_of_the_links_held_then(story: Any) -> None:
    _, runner, start, end = story
    # Applied batch by batch in notification order: month starts are counted as the
    # ledger passes them.
    runner.catch_up(batch_size=7, replay=False)
    incremental = tally_rows(runner)
    assert {r[0] for r in incremental} - {NOW}, "no month start was counted"
    runner.rebuild()
    assert tally_rows(runner) == incremental
    checked = 0
    for moment in moments(start, end):
        want = expected(runner, moment)
        assert tallied(runner, moment) == want, datetime.fromtimestamp(moment, UTC)
        checked += bool(want)
    assert checked > 50
    # Now: the links held now, judged at the moment asked about (40 days before the end).
    at = int(end.timestamp()) - 40 * 86_400
    now = counted(runner, datetime.fromtimestamp(at, UTC))
    assert now == expected(runner, NOW - 1, judged=at)
    assert any(row["overdue"] for row in now) and any(row["done"] for row in now)


class Counting(Reader):
    """A reader that counts the statements it runs."""

    statements = 0

    def _execute(self, sql: str, params: Any) -> Any:
        self.statements += 1
        return super()._execute(sql, params)


def test_as_of_chooses_its_reference_in_one_statement(story: Any) -> None:
    """On PostgreSQL each statement is a round trip: at a county's size, more than the
    counts themselves. One chooses the reference, one reads the counts."""
    _, runner, start, end = story
    runner.catch_up()
    store = runner.reader().store
    for moment in (start + (end - start) / 2, end - timedelta(days=2)):
        with Counting(store) as reader:
            found = dashboard(reader, now=moment, as_of=moment)
        assert found == expected(runner, int(moment.timestamp()))
        assert found and reader.statements == 2


def test_no_moment_before_the_ledger_has_counts(story: Any) -> None:
    _, runner, start, _ = story
    runner.catch_up()
    assert tallied(runner, int(start.timestamp()) - 1) == []


def test_closing_a_task_s_links_reads_only_that_task_s_rows(sqlite_url: str) -> None:
    """Each batch closes the open versions of the tasks it changes. The index of link
    versions that starts with rec_to holds closed ones only: through it, closing would
    read every open version of every task. So it would on a long catch-up, before the
    planner has statistics (7x slower for 30,000 events of the city ledger)."""
    ledger, _, _ = eventful(sqlite_url)
    runner = ProjectionRunner(ledger)
    runner.create_tables()
    runner.catch_up(replay=False)
    with runner.engine.connect() as conn:
        statement = closing_statement(task_unit_versions).compile(dialect=conn.dialect)
    values = statement.construct_params({"key": "x", "at": 0})
    ledger.close()
    path = sqlite_url.removeprefix("sqlite:///")
    with contextlib.closing(sqlite3.connect(path)) as raw:
        raw.execute("DELETE FROM sqlite_stat1")  # as before the first statistics
        raw.commit()
    with contextlib.closing(sqlite3.connect(path)) as raw:
        plan = raw.execute(
            f"EXPLAIN QUERY PLAN {statement}",
            tuple(values[p] for p in statement.positiontup or []),
        ).fetchall()
    (step,) = [str(row[-1]) for row in plan]
    assert "autoindex" in step and "(task_id=?)" in step, step


def test_after_a_replay_the_counts_follow_new_events(story: Any) -> None:
    ledger, runner, _, end = story
    runner.rebuild()
    key = inspect(runner.engine).get_pk_constraint(unit_tally.name)["constrained_columns"]
    assert key == [c.name for c in unit_tally.primary_key.columns]
    head = ledger.recorder.max_notification_id()
    for i in range(1, 13):
        tid = ledger.resolve_task(f"dalian-2017/{i}")
        with contextlib.suppress(LedgerError):
            ledger.complete(tid, unit=UNITS[i % 5], occurred_on=end.date(), actor="a")
    assert ledger.recorder.max_notification_id() > head, "no new event"
    runner.catch_up(batch_size=5, replay=False)
    followed = tally_rows(runner)
    runner.rebuild()
    assert tally_rows(runner) == followed
    now = counted(runner, end)
    assert now == expected(runner, NOW - 1, judged=int(end.timestamp()))
