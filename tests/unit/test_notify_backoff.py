"""Backoff schedule and the wording of notices, all pure."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from itertools import pairwise
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from scheduler.digest import Digest, Item
from scheduler.retry import Backoff

NOW = datetime.fromisoformat("2017-09-01T10:00:00+08:00")
DUE = datetime.fromisoformat("2017-08-31T23:59:59+08:00")
TASK = ("dalian-2017/7", "完善财政预算公开制度", "市财政局")


def at(text: str) -> datetime:
    return datetime.fromisoformat(text)


def test_delays_double_from_base_until_the_one_hour_cap() -> None:
    """30s, 1m, 2m, … then every later retry waits exactly the cap."""
    b = Backoff()
    delays = [b.delay(n) for n in range(1, 12)]
    assert [d.total_seconds() if d else None for d in delays] == [
        30,
        60,
        120,
        240,
        480,
        960,
        1920,
        3600,
        3600,
        3600,
        3600,
    ]


def test_never_tried_delivery_is_due_now() -> None:
    """With no attempts yet there is nothing to wait for."""
    assert Backoff().next_attempt(0, NOW) == NOW


def test_next_attempt_is_now_plus_the_delay() -> None:
    """After three failures the next try is base * factor**2 later."""
    b = Backoff(base=timedelta(seconds=10), factor=3.0)
    assert b.next_attempt(3, NOW) == NOW + timedelta(seconds=90)


def test_gives_up_once_max_attempts_are_used() -> None:
    """The last permitted attempt may still be scheduled; after it, None means stop."""
    b = Backoff(max_attempts=3)
    assert b.next_attempt(2, NOW) is not None
    assert b.next_attempt(3, NOW) is None
    assert b.next_attempt(40, NOW) is None


def test_huge_factor_saturates_at_the_cap_instead_of_overflowing() -> None:
    """factor**n beyond float range is simply 'longer than the cap'."""
    b = Backoff(factor=1e6, max_attempts=1000)
    assert b.delay(999) == b.cap


def test_jitter_is_reproducible_per_alert_and_only_shortens_the_delay() -> None:
    """The same alert always gets the same schedule; different alerts spread out."""
    b = Backoff(jitter=0.5)
    plain = Backoff().delay(9)
    assert plain is not None
    first = [b.delay(9, key=f"alert-{i}") for i in range(20)]
    again = [b.delay(9, key=f"alert-{i}") for i in range(20)]
    assert first == again
    assert len(set(first)) > 1
    assert all(d is not None and plain / 2 <= d <= plain for d in first)


@pytest.mark.parametrize(
    "settings",
    [
        {"base": timedelta(0)},
        {"factor": 0.5},
        {"cap": timedelta(seconds=1)},
        {"max_attempts": 0},
        {"jitter": 1.0},
    ],
)
def test_impossible_backoff_settings_are_refused(settings: dict[str, Any]) -> None:
    """A schedule that would spin, shrink or never run is a configuration error."""
    with pytest.raises(ValueError):
        Backoff(**settings)


@given(
    base=st.integers(1, 600),
    factor=st.floats(1.0, 10.0),
    cap_factor=st.integers(1, 1000),
    max_attempts=st.integers(1, 50),
)
def test_delays_never_shrink_and_never_exceed_the_cap(
    base: int, factor: float, cap_factor: int, max_attempts: int
) -> None:
    """For any valid settings the schedule is non-decreasing, capped and finite."""
    b = Backoff(timedelta(seconds=base), factor, timedelta(seconds=base * cap_factor), max_attempts)
    delays = [b.delay(n) for n in range(1, max_attempts + 5)]
    scheduled = [d for d in delays if d is not None]
    assert len(scheduled) == max_attempts - 1
    assert all(a <= c for a, c in pairwise(scheduled))
    assert all(d <= b.cap for d in scheduled)


def render_text(kind: str, ref: str, title: str, unit: str, due: datetime, raised: datetime) -> str:
    units = tuple(u for u in [unit.strip()] if u)
    return Item("a", kind, ref, title, units, due, raised).text


def test_due_soon_text_names_the_due_minute_days_left_and_lead_unit() -> None:
    """The sentence the brief's example shows, counting calendar days in Beijing time."""
    text = render_text("due_soon", *TASK, DUE, at("2017-08-30T09:00:00+08:00"))
    assert text == (
        "任务 dalian-2017/7「完善财政预算公开制度」将于 2017-08-31 23:59 到期"
        "（还有1天），牵头单位：市财政局"
    )


def test_due_soon_on_the_due_day_says_today() -> None:
    """Raised on the day itself there are no days left, only hours."""
    text = render_text("due_soon", *TASK, DUE, at("2017-08-31T08:00:00+08:00"))
    assert "（今天到期）" in text


def test_overdue_text_counts_days_as_the_ledger_does() -> None:
    """One second past due is 已逾期1天, like ledger.status.assess."""
    assert "已逾期1天（应于 2017-08-31 23:59 前完成）" in render_text(
        "overdue", *TASK, DUE, DUE + timedelta(seconds=1)
    )
    assert render_text("overdue", *TASK, DUE, at("2017-09-03T09:00:00+08:00")) == (
        "任务 dalian-2017/7「完善财政预算公开制度」已逾期3天"
        "（应于 2017-08-31 23:59 前完成），牵头单位：市财政局"
    )


def test_escalation_text_says_escalated_supervision() -> None:
    """Escalation carries the words 逾期升级督办 and still names the task's lead unit."""
    assert render_text("escalation", *TASK, DUE, at("2017-09-10T09:00:00+08:00")) == (
        "任务 dalian-2017/7「完善财政预算公开制度」已逾期10天，逾期升级督办"
        "（应于 2017-08-31 23:59 前完成），牵头单位：市财政局"
    )


def test_times_are_shown_in_the_task_time_zone_whatever_zone_they_arrive_in() -> None:
    """A due time given in UTC is still shown as Beijing wall-clock time."""
    text = render_text("due_soon", *TASK, DUE.astimezone(UTC), at("2017-08-30T01:00:00+00:00"))
    assert "将于 2017-08-31 23:59 到期（还有1天）" in text


def test_missing_unit_leaves_out_the_lead_unit_clause_and_title_is_one_line() -> None:
    """No dangling 牵头单位： when the plan named none; line breaks in titles collapse."""
    text = render_text("overdue", "x/1", "第一行\n第二行", "  ", DUE, NOW)
    assert text == "任务 x/1「第一行 第二行」已逾期1天（应于 2017-08-31 23:59 前完成）"


def test_a_reminder_sent_after_its_due_time_still_reads_sensibly() -> None:
    """Wording never raises on late data: a reminder delivered after its due time (a
    long outage of the receiver) says it is due today rather than failing the round."""
    assert "（今天到期）" in render_text("due_soon", *TASK, DUE, NOW)


@pytest.mark.parametrize(
    ("kind", "raised", "problem"),
    [
        ("reminder", NOW, "unknown alert kind"),
        ("overdue", datetime(2017, 9, 1, 10), "timezone-aware"),
    ],
)
def test_impossible_items_are_refused(kind: str, raised: datetime, problem: str) -> None:
    with pytest.raises(ValueError, match=problem):
        render_text(kind, *TASK, DUE, raised)


def test_subject_counts_the_items_by_kind() -> None:
    """The headline a mail client or pager shows before the text."""
    items = [
        Item(str(i), kind, TASK[0], TASK[1], (TASK[2],), DUE, NOW)
        for i, kind in enumerate(["overdue", "due_soon", "overdue", "escalation"])
    ]
    digest = Digest.of(items)
    assert digest.subject == "【台账】4项提醒：逾期升级督办1项、已逾期2项、即将到期1项"
    assert [i.kind for i in digest.items] == ["escalation", "overdue", "overdue", "due_soon"]
    assert Digest.of(list(reversed(items))).digest_id == digest.digest_id
