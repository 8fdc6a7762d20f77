"""Status and light of a task at a moment."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from ledger.status import Facts, assess

DUE = datetime.fromisoformat("2017-08-31T23:59:59+08:00")


def at(text: str) -> datetime:
    return datetime.fromisoformat(text)


def test_open_task_well_before_its_due_is_green() -> None:
    """Nothing reported, due far away."""
    s = assess(Facts(due=DUE), at("2017-06-01T09:00:00+08:00"))
    assert (s.status, s.light) == ("open", "green")


def test_task_due_within_the_warning_window_is_yellow() -> None:
    """Three days before the due time the light turns yellow."""
    s = assess(Facts(due=DUE, reports=1), at("2017-08-30T09:00:00+08:00"))
    assert (s.status, s.light) == ("in_progress", "yellow")


def test_task_past_due_is_overdue_and_red() -> None:
    """One second after the end of 31 August it is overdue."""
    s = assess(Facts(due=DUE), DUE + timedelta(seconds=1))
    assert (s.status, s.light, s.days_overdue) == ("overdue", "red", 1)


def test_completion_after_due_is_done_late_by_valid_time() -> None:
    """The day the work happened decides lateness, not the day it was recorded."""
    on_time = assess(
        Facts(due=DUE, completed_on=date(2017, 8, 31)), at("2017-09-05T00:00:00+08:00")
    )
    late = assess(Facts(due=DUE, completed_on=date(2017, 9, 1)), at("2017-09-05T00:00:00+08:00"))
    assert on_time.status == "done"
    assert late.status == "done_late"


def test_task_without_a_due_time_is_no_deadline_until_reported() -> None:
    """Ongoing duties and unparsed deadlines never go overdue."""
    now = datetime(2030, 1, 1, tzinfo=UTC)
    assert assess(Facts(due=None), now).status == "no_deadline"
    assert assess(Facts(due=None, reports=2), now).status == "in_progress"


def test_waived_wins_over_everything() -> None:
    """A waived task is never overdue."""
    assert assess(Facts(due=DUE, waived=True), datetime(2030, 1, 1, tzinfo=UTC)).status == "waived"


def test_recurring_task_is_judged_by_its_first_open_occurrence() -> None:
    """Q1 done, Q2 past due: overdue for 2017-Q2."""
    occurrences = [
        ("2017-Q1", at("2017-03-31T23:59:59+08:00")),
        ("2017-Q2", at("2017-06-30T23:59:59+08:00")),
    ]
    facts = Facts(
        due=None, occurrences=occurrences, completed_periods={"2017-Q1": date(2017, 3, 30)}
    )
    s = assess(facts, at("2017-07-02T00:00:00+08:00"))
    assert (s.status, s.period) == ("overdue", "2017-Q2")


def test_behind_the_pace_of_a_target_is_yellow() -> None:
    """1 of 5 meetings held by October is behind a year's straight line."""
    facts = Facts(
        due=None,
        target_min=5,
        target_by=at("2017-12-31T23:59:59+08:00"),
        start=at("2017-01-01T00:00:00+08:00"),
        quantity_done=1,
        reports=1,
    )
    assert assess(facts, at("2017-10-15T00:00:00+08:00")).light == "yellow"
    ahead = Facts(**{**facts.__dict__, "quantity_done": 4})
    assert assess(ahead, at("2017-10-15T00:00:00+08:00")).light == "green"
