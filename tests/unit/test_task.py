"""The Task aggregate: its events and the rules it guards."""

from __future__ import annotations

from datetime import UTC, date, datetime
from uuid import uuid4

import pytest

from ledger.errors import InvalidInput, RuleViolation
from ledger.task import Task, UnitNotOnTask

NOW = datetime(2017, 9, 1, 1, 0, tzinfo=UTC)  # 09:00 in Shanghai
QUARTERS = {
    "occurrences": [
        {
            "period": f"2017-Q{q}",
            "start": "2017-01-01T00:00:00+08:00",
            "due": f"2017-{3 * q:02d}-28T23:59:59+08:00",
        }
        for q in (1, 2, 3, 4)
    ],
    "due": None,
    "kind": "recurring",
}


def make_task(deadline: dict | None = None, **overrides: object) -> Task:
    fields: dict = {
        "id": uuid4(),
        "plan_id": uuid4(),
        "code": "7",
        "section": "一、以政务公开助力稳增长",
        "content": "市财政局网站要按月公开财政收支情况",
        "lead_units": ["市财政局"],
        "co_units": ["市统计局"],
        "deadline_text": "11月底前",
        "deadline": deadline or {"kind": "fixed", "due": "2017-11-30T23:59:59+08:00"},
        "row": 9,
        "tz": "Asia/Shanghai",
        "actor": "督查室",
        "now": NOW,
    }
    fields.update(overrides)
    return Task.define(**fields)


def test_defining_a_task_records_who_and_when() -> None:
    """The Defined event carries the actor and the ledger's clock as its timestamp."""
    task = make_task()
    (event,) = task.collect_events()
    assert isinstance(event, Task.Defined)
    assert event.actor == "督查室"
    assert event.timestamp == NOW
    assert task.due == datetime.fromisoformat("2017-11-30T23:59:59+08:00")


def test_a_task_without_a_lead_unit_is_refused() -> None:
    """Every task needs someone responsible."""
    with pytest.raises(InvalidInput, match="no lead unit"):
        make_task(lead_units=[])


def test_a_cooperating_unit_that_also_leads_is_kept_only_as_lead() -> None:
    """A unit named in both lists leads."""
    task = make_task(lead_units=["市财政局"], co_units=["市财政局", "市统计局"])
    assert task.co_units == ["市统计局"]


def test_report_records_valid_time_and_transaction_time_separately() -> None:
    """occurred_on is what the reporter says; timestamp is when the ledger learned it."""
    task = make_task()
    task.report_progress(
        unit="市统计局",
        occurred_on=date(2017, 8, 30),
        note="会议已召开",
        evidence=["https://example.org/a"],
        actor="统计员",
        now=NOW,
    )
    event = task.collect_events()[-1]
    assert isinstance(event, Task.ProgressReported)
    assert event.occurred_on == date(2017, 8, 30)
    assert event.timestamp == NOW
    assert task.reports == 1
    assert task.last_report_on == date(2017, 8, 30)


def test_a_unit_not_on_the_task_cannot_report() -> None:
    """The message names the task's units so the caller can correct the name."""
    task = make_task()
    with pytest.raises(UnitNotOnTask, match="市财政局"):
        task.report_progress(
            unit="市人社局", occurred_on=date(2017, 8, 30), note="x", actor="a", now=NOW
        )


def test_a_report_dated_in_the_future_is_refused() -> None:
    """Valid time cannot be after the ledger's today (in the plan's zone)."""
    task = make_task()
    with pytest.raises(InvalidInput, match="future"):
        task.report_progress(
            unit="市财政局", occurred_on=date(2017, 9, 2), note="x", actor="a", now=NOW
        )


def test_an_empty_report_is_refused() -> None:
    """A report must say something: a note, evidence or a count."""
    task = make_task()
    with pytest.raises(InvalidInput, match="needs a note"):
        task.report_progress(unit="市财政局", occurred_on=date(2017, 8, 1), actor="a", now=NOW)


def test_completing_twice_is_refused_until_reopened() -> None:
    """A completion stands until a supervisor reopens it."""
    task = make_task()
    task.complete(unit="市财政局", occurred_on=date(2017, 8, 28), actor="a", now=NOW)
    with pytest.raises(RuleViolation, match="already completed; reopen it first"):
        task.complete(unit="市财政局", occurred_on=date(2017, 8, 29), actor="a", now=NOW)
    task.reopen(reason="证据不足", actor="督查室", now=NOW)
    assert not task.is_done
    task.complete(unit="市财政局", occurred_on=date(2017, 8, 31), actor="a", now=NOW)
    assert task.shares["市财政局"].completed_on == date(2017, 8, 31)
    assert task.is_done


def test_reopening_an_open_task_is_refused() -> None:
    """There is nothing to reject."""
    with pytest.raises(RuleViolation, match="not completed"):
        make_task().reopen(reason="x", actor="a", now=NOW)


def test_a_waived_task_takes_no_reports() -> None:
    """Waiving ends the task's life; reports after it are refused."""
    task = make_task()
    task.waive(reason="职能调整", approved_by="分管副市长", actor="督查室", now=NOW)
    with pytest.raises(RuleViolation, match="waived"):
        task.report_progress(
            unit="市财政局", occurred_on=date(2017, 8, 1), note="x", actor="a", now=NOW
        )


def test_extending_backwards_is_refused() -> None:
    """A new deadline must be later than the one in force."""
    task = make_task()
    with pytest.raises(RuleViolation, match="not after"):
        task.extend_deadline(
            to=datetime(2017, 10, 31, 23, 59, 59, tzinfo=UTC),
            reason="x",
            approved_by="y",
            actor="a",
            now=NOW,
        )


def test_an_extension_becomes_the_due_time_in_force() -> None:
    """The latest extension wins over the parsed deadline."""
    task = make_task()
    new_due = datetime(2017, 12, 31, 15, 59, 59, tzinfo=UTC)
    task.extend_deadline(to=new_due, reason="系统改造", approved_by="主任", actor="a", now=NOW)
    assert task.due == new_due


def test_extension_needs_an_approver() -> None:
    """Who approved an extension is part of the record."""
    with pytest.raises(InvalidInput, match="approver"):
        make_task().extend_deadline(
            to=datetime(2018, 1, 1, tzinfo=UTC), reason="x", approved_by=" ", actor="a", now=NOW
        )


def test_reassigning_to_the_same_units_is_refused() -> None:
    """A reassignment must change something."""
    task = make_task()
    with pytest.raises(RuleViolation, match="already has these units"):
        task.reassign(
            lead_units=["市财政局"], co_units=["市统计局"], reason="x", actor="a", now=NOW
        )
    task.reassign(lead_units=["市审计局"], co_units=[], reason="职责调整", actor="a", now=NOW)
    assert task.lead_units == ["市审计局"]


def test_recurring_task_is_done_when_every_period_is() -> None:
    """Completing one quarter completes that occurrence only."""
    task = make_task(deadline=QUARTERS)
    for q in (1, 2, 3):
        task.complete(
            unit="市财政局", occurred_on=date(2017, 8, 1), period=f"2017-Q{q}", actor="a", now=NOW
        )
        assert not task.is_done
    task.complete(
        unit="市财政局", occurred_on=date(2017, 8, 1), period="2017-Q4", actor="a", now=NOW
    )
    assert task.is_done


def test_unknown_period_is_refused_with_the_valid_ones() -> None:
    """A period must be one of the task's occurrences."""
    task = make_task(deadline=QUARTERS)
    with pytest.raises(InvalidInput, match="2017-Q1, 2017-Q2"):
        task.complete(
            unit="市财政局", occurred_on=date(2017, 8, 1), period="2017-05", actor="a", now=NOW
        )


def test_period_on_a_one_off_task_is_refused() -> None:
    """Only recurring tasks have periods."""
    with pytest.raises(InvalidInput, match="not recurring"):
        make_task().complete(
            unit="市财政局", occurred_on=date(2017, 8, 1), period="2017-Q1", actor="a", now=NOW
        )


def test_reopening_one_period_leaves_the_others_completed() -> None:
    """A rejected quarterly report reopens that quarter only."""
    task = make_task(deadline=QUARTERS)
    task.complete(
        unit="市财政局", occurred_on=date(2017, 4, 1), period="2017-Q1", actor="a", now=NOW
    )
    task.complete(
        unit="市财政局", occurred_on=date(2017, 7, 1), period="2017-Q2", actor="a", now=NOW
    )
    task.reopen(reason="数据有误", period="2017-Q1", actor="督查室", now=NOW)
    assert task.shares["市财政局"].completed_periods == ["2017-Q2"]


def test_amendment_records_only_changed_fields() -> None:
    """differences() ignores equal values; amend() records one event."""
    task = make_task()
    changes = task.differences({"content": task.content, "co_units": ["市审计局"]})
    assert changes == {"co_units": ["市审计局"]}
    task.amend(changes, actor="a", now=NOW)
    assert task.co_units == ["市审计局"]
    assert isinstance(task.collect_events()[-1], Task.Amended)
