"""The sweep on a fake clock: each reminder and alert once, in order, moved or retired."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime
from typing import Any

import pytest

from ledger.application import Ledger, PlanMeta, TaskFields
from ledger.store import open_ledger
from projections.queries.alerts import list_raised
from projections.runner import ProjectionRunner
from scheduler.sweep import sweep

META = PlanMeta(
    title="要点", issuer="大连市人民政府办公厅", year=2017, doc_no="大政办发〔2017〕70号"
)


def local(text: str) -> datetime:
    return datetime.fromisoformat(text + "+08:00")


def table(*deadlines: str) -> list[TaskFields]:
    return [
        TaskFields(
            row=i + 1,
            code=str(i),
            section="一",
            content=f"任务{i}",
            lead_units=("市财政局",),
            co_units=(),
            deadline_text=d,
        )
        for i, d in enumerate(deadlines, start=1)
    ]


class Scheduler:
    def __init__(self, url: str, *deadlines: str) -> None:
        self.moment = local("2017-06-01T09:00")
        self.ledger: Ledger = open_ledger(url, clock=lambda: self.moment, create=True)
        self.runner = ProjectionRunner(self.ledger)
        self.runner.create_tables()
        self.ledger.import_table(table(*deadlines), META, actor="s", source="t", sha256="x")

    def raised(self) -> list[dict[str, Any]]:
        self.runner.catch_up()
        with self.runner.reader() as reader:
            return list_raised(reader)

    def sweep_at(self, when: str) -> list[tuple[str, str, str]]:
        """Sweep at ``when``; the (task, kind, offset) of the alerts this sweep raised."""
        self.moment = local(when)
        before = {a["id"] for a in self.raised()}
        sweep(self.ledger, self.runner)
        return [
            (a["task"], a["kind"], a["offset"])
            for a in self.raised()
            if a["id"] not in before
        ]


@pytest.fixture
def url(store_url: str) -> str:
    return store_url


@pytest.fixture
def one_task(url: str) -> Iterator[Scheduler]:
    s = Scheduler(url, "8月底前")
    yield s
    s.ledger.close()


def test_nothing_before_its_time_then_each_alert_once_in_order(one_task: Scheduler) -> None:
    """7 days before, 1 day before, at the due time, 3 days after: once each."""
    s = one_task
    assert s.sweep_at("2017-08-24T23:00") == []
    assert s.sweep_at("2017-08-25T00:00") == [("dalian-2017/1", "due_soon", "7d")]
    assert s.sweep_at("2017-08-25T00:00") == []
    assert s.sweep_at("2017-08-31T00:00") == [("dalian-2017/1", "due_soon", "1d")]
    assert s.sweep_at("2017-08-31T23:59") == []
    assert s.sweep_at("2017-09-01T00:00") == [("dalian-2017/1", "overdue", "0")]
    assert s.sweep_at("2017-09-04T00:00") == [("dalian-2017/1", "escalation", "3d")]
    assert s.sweep_at("2017-12-31T00:00") == []


def test_extending_moves_the_timers(one_task: Scheduler) -> None:
    """After an extension to 30 Sep nothing fires at the old due time."""
    s = one_task
    tid = s.ledger.resolve_task("dalian-2017/1")
    s.moment = local("2017-08-20T09:00")
    s.ledger.extend_deadline(
        tid, to=local("2017-09-30T23:59:59"), reason="r", approved_by="p", actor="s"
    )
    assert s.sweep_at("2017-09-02T00:00") == []
    assert s.sweep_at("2017-09-24T00:00") == [("dalian-2017/1", "due_soon", "7d")]
    overdue = [a for a in s.sweep_at("2017-10-01T00:00") if a[1] == "overdue"]
    assert overdue == [("dalian-2017/1", "overdue", "0")]


def test_completing_retires_the_timers(one_task: Scheduler) -> None:
    """A completed task raises nothing more."""
    s = one_task
    assert s.sweep_at("2017-08-25T00:00") == [("dalian-2017/1", "due_soon", "7d")]
    s.ledger.complete(
        s.ledger.resolve_task("dalian-2017/1"),
        unit="市财政局",
        occurred_on=date(2017, 8, 25),
        actor="c",
    )
    assert s.sweep_at("2017-12-31T00:00") == []


def test_alerts_missed_while_down_are_raised_late_once(url: str) -> None:
    """Three due times pass while nothing runs: three late overdue alerts, each once."""
    s = Scheduler(url, "6月30日前", "7月31日前", "8月31日前")
    try:
        s.sweep_at("2017-06-01T09:00")
        raised = s.sweep_at("2017-09-15T09:00")
        overdue = sorted(a for a in raised if a[1] == "overdue")
        assert overdue == [
            ("dalian-2017/1", "overdue", "0"),
            ("dalian-2017/2", "overdue", "0"),
            ("dalian-2017/3", "overdue", "0"),
        ]
        late = [a for a in s.raised() if a["kind"] == "overdue"]
        assert all(a["late"] for a in late)
        assert late[0]["due"] == "2017-06-30T23:59:59+08:00"
        assert s.sweep_at("2017-09-15T09:00") == []
    finally:
        s.ledger.close()


def test_a_second_sweeper_raises_nothing_twice(url: str) -> None:
    """Two sweepers on one store, both behind: every alert once in total."""
    s = Scheduler(url, "6月30日前", "7月31日前")
    other = open_ledger(url, clock=lambda: s.moment)
    try:
        s.moment = local("2017-09-15T09:00")
        first = s.ledger.raise_alerts(_due(s), actor="a")
        second = other.raise_alerts(_due(s), actor="b")
        assert (len(first.raised), len(first.skipped)) == (4, 4)  # reminders came too late
        assert not second.raised and not second.skipped
    finally:
        other.close()
        s.ledger.close()


def _due(s: Scheduler) -> list:
    from projections.moments import epoch
    from projections.queries.alerts import due_timers
    from scheduler.sweep import _due

    s.runner.catch_up()
    with s.runner.reader() as reader:
        return [_due(r) for r in due_timers(reader, epoch(s.moment) or 0, 100)]


def test_raised_alerts_survive_a_rebuild_after_the_task_moved(one_task: Scheduler) -> None:
    """A reminder raised before an extension stays on record, and a rebuild of the timers
    gives the same rows as the incremental updates did."""
    from sqlalchemy import select

    from projections.timers import timers

    s = one_task
    assert s.sweep_at("2017-08-25T00:00") == [("dalian-2017/1", "due_soon", "7d")]
    tid = s.ledger.resolve_task("dalian-2017/1")
    s.ledger.extend_deadline(
        tid, to=local("2017-09-30T23:59:59"), reason="r", approved_by="p", actor="s"
    )
    s.runner.catch_up()

    def rows() -> list[tuple[object, ...]]:
        with s.runner.engine.connect() as conn:
            return sorted(tuple(r) for r in conn.execute(select(timers)))

    before = rows()
    assert next(r for r in before if r[8] == "raised")[4] == "due_soon"
    s.runner.rebuild(["timers"])
    assert rows() == before
