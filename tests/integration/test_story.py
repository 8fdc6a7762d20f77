"""The Dalian 2017 plan lived through its summer, seen along both time axes."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from ledger.application import Ledger, PlanMeta
from ledger.importing import read_table
from ledger.store import open_ledger
from projections.queries.dashboard import _judged, dashboard
from projections.queries.tasks import list_tasks
from projections.runner import ProjectionRunner

WARN = timedelta(days=3)
EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "dalian-2017.csv"
META = PlanMeta(
    title="大连市2017年政务公开工作要点",
    issuer="大连市人民政府办公厅",
    year=2017,
    doc_no="大政办发〔2017〕70号",
    issued_on=date(2017, 5, 26),
)


def local(text: str) -> datetime:
    return datetime.fromisoformat(text + "+08:00")


class Story:
    def __init__(self, url: str) -> None:
        self.moment = local("2017-06-01T09:00")
        self.ledger: Ledger = open_ledger(url, clock=lambda: self.moment, create=True)
        self.runner = ProjectionRunner(self.ledger)
        self.runner.create_tables()
        self.ledger.import_table(
            read_table(EXAMPLE), META, actor="督查室", source="csv", sha256="x"
        )

    def at(self, when: str) -> Ledger:
        self.moment = local(when)
        return self.ledger

    def task(self, code: int) -> Any:
        return self.ledger.resolve_task(f"dalian-2017/{code}")

    def status(self, code: int, **axes: Any) -> str:
        self.runner.catch_up()
        with self.runner.reader() as reader:
            views = list_tasks(reader, now=self.moment, **axes)
        return next(v.standing.status for v in views if v.row["code"] == str(code))

    def board(self, **axes: Any) -> dict[str, Any]:
        self.runner.catch_up()
        with self.runner.reader() as reader:
            rows = dashboard(reader, now=self.moment, by="plan", **axes)
        (row,) = rows
        return row


@pytest.fixture
def story(store_url: str) -> Iterator[Story]:
    told = Story(store_url)
    yield told
    told.ledger.close()


def test_a_late_report_is_seen_differently_on_the_two_axes(story: Story) -> None:
    """Done on 30 Aug, recorded on 2 Sep: overdue as the ledger knew it on 1 Sep,
    done by 31 Aug as known now."""
    story.at("2017-08-21T09:00").report_progress(
        story.task(7),
        unit="市发展改革委",
        occurred_on=date(2017, 8, 20),
        note="清单已公开",
        actor="发改委",
    )
    story.at("2017-09-02T10:00").complete(
        story.task(36), unit="各单位", occurred_on=date(2017, 8, 30), actor="各单位"
    )
    story.at("2017-09-05T09:00")
    assert story.status(36) == "done"
    assert story.status(36, as_of=local("2017-09-01T09:00")) == "overdue"
    assert story.status(36, valid_at=date(2017, 8, 31)) == "done"
    # Both axes: what the ledger knew on 1 Sep about the days up to 31 Aug.
    assert story.status(36, as_of=local("2017-09-01T09:00"), valid_at=date(2017, 8, 31)) == "open"
    assert story.status(7, valid_at=date(2017, 8, 19)) == "no_deadline"
    assert story.status(7, valid_at=date(2017, 8, 20)) == "in_progress"

    now = story.board()
    known_then = story.board(as_of=local("2017-09-01T09:00"))
    happened_by = story.board(valid_at=date(2017, 8, 31))
    assert now["total"] == known_then["total"] == 45
    assert now["done"] == happened_by["done"] == known_then["done"] + 1
    assert known_then["overdue"] == now["overdue"] + 1


def test_before_the_import_the_ledger_knew_no_task(story: Story) -> None:
    """As of a moment before the table was imported, there is nothing to count."""
    story.at("2017-09-05T09:00")
    with story.runner.reader() as reader:
        assert dashboard(reader, now=story.moment, as_of=local("2017-05-31T09:00")) == []


def test_the_current_dashboard_agrees_with_the_judged_one(story: Story) -> None:
    """The SQL aggregations (current rows, versions held at a moment) and the per-task
    judgement in Python give the same rows, by every key."""
    story.at("2017-06-30T10:00").complete(
        story.task(43), unit="各地区各部门", occurred_on=date(2017, 6, 29), actor="x"
    )
    story.at("2017-07-03T10:00").complete(
        story.task(2), unit="市财政局", period="2017-05", occurred_on=date(2017, 5, 31), actor="x"
    )
    story.at("2017-07-04T10:00").waive(
        story.task(3), reason="并入7", approved_by="秘书长", actor="s"
    )
    story.at("2017-07-04T11:00").reassign(
        story.task(5), lead_units=["市财政局"], reason="职责调整", actor="s"
    )
    story.at("2017-09-05T09:00")
    story.runner.catch_up()
    with story.runner.reader() as reader:
        agree(story, reader)


def agree(story: Story, engine: Any) -> None:
    earlier = local("2017-07-03T12:00")
    # The rows as they stand, judged now and just before the end of August, when the
    # "8月底前" tasks are due soon.
    for judged_at in (story.moment, local("2017-08-29T10:00")):
        for by in ("unit", "section", "plan"):
            current = dashboard(engine, now=judged_at, by=by)
            judged = _judged(engine, story.moment, judged_at, None, None, by, WARN)
            assert current == judged, (judged_at, by)
    seen = dashboard(engine, now=local("2017-08-29T10:00"), by="plan")[0]
    assert seen["due_soon"] > 0 and seen["overdue"] > 0 and seen["waived"] == 1
    for by in ("unit", "section", "plan"):
        current = dashboard(engine, now=story.moment, by=by)
        held_now = dashboard(engine, now=story.moment, by=by, as_of=story.moment)
        judged = _judged(engine, story.moment, story.moment, None, None, by, WARN)
        assert current == held_now == judged, by
        then = dashboard(engine, now=story.moment, by=by, as_of=earlier)
        assert then == _judged(engine, earlier, earlier, None, None, by, WARN), by
    # The reassignment moved task 5 away from 市地税局 on 4 July; as of 3 July it was theirs.
    then = {r["key"]: r["total"] for r in dashboard(engine, now=story.moment, as_of=earlier)}
    now = {r["key"]: r["total"] for r in dashboard(engine, now=story.moment)}
    assert then["市地税局"] == 1
    assert "市地税局" not in now
