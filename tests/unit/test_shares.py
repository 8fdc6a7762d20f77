"""Shares: whatever order units complete and supervisors reopen in, a task's status is the
rule (ledger/status.py) applied to where each share ended up — in the aggregate, in the
read-model row, and in each unit's link."""

from __future__ import annotations

import copy
from datetime import UTC, date, datetime, timedelta
from typing import Any
from uuid import uuid4

from hypothesis import given, settings
from hypothesis import strategies as st

from ledger.errors import LedgerError
from ledger.status import assess
from ledger.task import Task
from projections import task_rows
from projections.queries.views import facts_of
from projections.task_rows import units_of
from projections.task_versions import standing as link_standing

NOW = datetime(2017, 12, 1, 1, 0, tzinfo=UTC)
UNITS = ["市财政局", "市人社局", "中山区政府", "西岗区政府"]
DUE = "2017-08-31T23:59:59+08:00"
QUARTERS = [f"2017-Q{q}" for q in (1, 2, 3, 4)]
RECURRING = {
    "kind": "recurring",
    "due": None,
    "occurrences": [
        {
            "period": p,
            "start": "2017-01-01T00:00:00+08:00",
            "due": f"2017-{3 * q:02d}-28T23:59:59+08:00",
        }
        for q, p in enumerate(QUARTERS, 1)
    ],
}
DAYS = st.dates(min_value=date(2017, 7, 1), max_value=date(2017, 10, 31))

step = st.one_of(
    # A unit completes its share (or a period of it); -1: a supervisor, the whole task.
    st.tuples(st.just("complete"), st.integers(-1, 3), st.sampled_from([None, *QUARTERS]), DAYS),
    # A supervisor reopens a unit's share (or a period of it); -1: the whole task.
    st.tuples(st.just("reopen"), st.integers(-1, 3), st.sampled_from([None, *QUARTERS]), DAYS),
    # A unit reports progress, asks for more time, or is refused it: no share moves.
    st.tuples(
        st.sampled_from(["report", "request", "reject"]),
        st.integers(0, 3),
        st.sampled_from([None, *QUARTERS]),
        DAYS,
    ),
)


class Model:
    """Where each share stands, kept the plainest way: the oracle of the test."""

    def __init__(self, units: list[str], periods: list[str]) -> None:
        self.periods = periods
        self.done: dict[str, dict[str | None, date]] = {u: {} for u in [*units, ""]}

    def complete(self, unit: str, period: str | None, day: date) -> None:
        self.done[unit][period] = day

    def reopen(self, unit: str, period: str | None) -> None:
        """A unit's share, or every share and the whole task's completion (""); a period
        rejected undoes a completion of the share at once too."""
        for who in [unit] if unit else list(self.done):
            if period is None:
                self.done[who].clear()
            else:
                self.done[who].pop(period, None)
                self.done[who].pop(None, None)

    def share_day(self, unit: str) -> date | None:
        """The day a share was completed, the whole task's completions counting for it."""
        own, whole = self.done[unit], self.done[""]
        if None in own or None in whole:
            return own.get(None) or whole[None]
        got = {**whole, **own}
        if self.periods and all(p in got for p in self.periods):
            return max(got[p] for p in self.periods)
        return None


def run(units: list[str], recurring: bool, steps: list[Any]) -> tuple[Task, Model]:
    task = Task.define(
        id=uuid4(),
        plan_id=uuid4(),
        code="1",
        section="一",
        content="任务",
        lead_units=units,
        co_units=["市统计局"],
        deadline_text="每季度" if recurring else "8月底前",
        deadline=RECURRING if recurring else {"kind": "fixed", "due": DUE},
        row=1,
        tz="Asia/Shanghai",
        actor="a",
        now=NOW,
    )
    model = Model(units, QUARTERS if recurring else [])
    for kind, who, period, day in steps:
        unit = units[who % len(units)] if who >= 0 else ""
        try:
            if kind == "complete":
                task.complete(
                    unit=unit, occurred_on=day, period=period, whole=not unit, actor="a", now=NOW
                )
                model.complete(unit, period, day)
            elif kind == "report":
                task.report_progress(
                    unit=unit, occurred_on=day, note="已推进", period=period, actor="a", now=NOW
                )
            elif kind == "request":
                later = NOW + timedelta(days=30)
                task.request_extension(unit=unit, to=later, reason="人手不足", actor="a", now=NOW)
            elif kind == "reject":
                task.decide_extension(unit=unit, approve=False, reason="不同意", actor="s", now=NOW)
            else:
                task.reopen(reason="退回", period=period, unit=unit or None, actor="s", now=NOW)
                model.reopen(unit, period)
        except LedgerError:
            pass  # refused: nothing recorded, the model unchanged too
    return task, model


def rows_after(task: Task) -> list[dict[str, Any]]:
    """The task's read-model row after each of its events."""
    rows: list[dict[str, Any]] = []
    for event in task.collect_events():
        rows.append(task_rows.evolve(rows[-1] if rows else None, event))
    return rows


# A task's units, whether it recurs, and what is done to it: one history each example.
HISTORIES = given(
    units=st.lists(st.sampled_from(UNITS), min_size=1, max_size=4, unique=True),
    recurring=st.booleans(),
    steps=st.lists(step, max_size=30),
)


@settings(max_examples=400)
@HISTORIES
def test_a_task_stands_as_the_rule_says_of_its_final_shares(
    units: list[str], recurring: bool, steps: list[Any]
) -> None:
    task, model = run(units, recurring, steps)
    row = rows_after(task)[-1]
    days = {u: model.share_day(u) for u in units}
    due_day = {"": date(2017, 8, 31)}  # a recurring task's last quarter is due 28 December
    late = {
        u: d is not None and d > (date(2017, 12, 28) if recurring else due_day[""])
        for u, d in days.items()
    }
    done = all(d is not None for d in days.values())
    expected = ("done_late" if any(late.values()) else "done") if done else "todo"
    assert task.is_done == done
    assert row["phase"] == expected
    standing = assess(facts_of(row), NOW + timedelta(days=400))
    assert standing.status == (expected if done else "overdue")
    # Each lead unit counts its own share; the helping unit counts the task.
    links = {unit: link_standing(row, unit)[1] for unit, _ in units_of(row)}
    for unit in units:
        share = ("done_late" if late[unit] else "done") if days[unit] else "todo"
        assert links[unit] == share
        assert assess(facts_of(row), NOW, unit=unit).status != "done" or share == "done"
    assert links["市统计局"] == expected


@settings(max_examples=300)
@HISTORIES
def test_a_row_is_settled_after_every_event(
    units: list[str], recurring: bool, steps: list[Any]
) -> None:
    """Judging a row again changes nothing, after the events that skip it too."""
    for row in rows_after(run(units, recurring, steps)[0]):
        again = copy.deepcopy(row)
        task_rows.settle(again)
        assert again == row
