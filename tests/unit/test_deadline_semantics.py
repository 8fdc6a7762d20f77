"""What parsed specs mean in detail: period keys, resolve(), provisional flags, notes."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from itertools import pairwise
from zoneinfo import ZoneInfo

import pytest

from ledger.deadlines import DeadlineSpec, parse_deadline
from ledger.deadlines.calendar import OfficialCalendar, WeekdayCalendar

SHANGHAI = ZoneInfo("Asia/Shanghai")


def at(
    year: int, month: int, day: int, hour: int = 0, minute: int = 0, second: int = 0
) -> datetime:
    return datetime(year, month, day, hour, minute, second, tzinfo=SHANGHAI)


def keys(spec: DeadlineSpec) -> list[str]:
    return [o.period for o in spec.occurrences]


# ---------------------------------------------------------------- occurrences


def test_monthly_keys_start_from_the_issue_month() -> None:
    spec = parse_deadline("每月", issued_on=date(2017, 5, 26))
    assert keys(spec) == [f"2017-{m:02d}" for m in range(5, 13)]
    first = spec.occurrences[0]
    assert first.start == at(2017, 5, 26)
    assert first.due == at(2017, 5, 31, 23, 59, 59)
    assert spec.occurrences[-1].due == at(2017, 12, 31, 23, 59, 59)


def test_quarter_keys() -> None:
    spec = parse_deadline("按季度", issued_on=date(2017, 8, 1))
    assert keys(spec) == ["2017-Q3", "2017-Q4"]
    assert spec.occurrences[0].due == at(2017, 9, 30, 23, 59, 59)


def test_iso_week_keys_clip_to_the_plan_year() -> None:
    spec = parse_deadline("每周", year=2017, issued_on=date(2017, 6, 5))
    assert spec.occurrences[0].period == "2017-W23"
    assert spec.occurrences[0].due == at(2017, 6, 11, 23, 59, 59)
    assert spec.occurrences[-1].period == "2017-W52"
    whole_year = parse_deadline("每周", year=2024)
    # 30 and 31 Dec 2024 belong to ISO week 2025-W01: the period is clipped at 31 Dec.
    assert whole_year.occurrences[-1].period == "2025-W01"
    assert whole_year.occurrences[-1].due == at(2024, 12, 31, 23, 59, 59)


def test_year_and_day_keys() -> None:
    assert keys(parse_deadline("每年", year=2017)) == ["2017"]
    every5 = parse_deadline("每5日", issued_on=date(2017, 5, 6))
    assert keys(every5)[:3] == ["2017-05-06", "2017-05-11", "2017-05-16"]
    assert every5.occurrences[0].due == at(2017, 5, 10, 23, 59, 59)


def test_named_day_of_month() -> None:
    spec = parse_deadline("每月29日前", year=2024, issued_on=date(2024, 9, 26))
    assert keys(spec) == ["2024-09", "2024-10", "2024-11", "2024-12"]
    assert [o.due.day for o in spec.occurrences] == [29, 29, 29, 29]
    assert spec.occurrences[1].start == at(2024, 9, 30)
    february = parse_deadline("每月30日前", year=2023).occurrences[1]
    assert february.due == at(2023, 2, 28, 23, 59, 59)


def test_named_day_already_past_on_issue_is_skipped_with_a_note() -> None:
    spec = parse_deadline("每月29日前", year=2024, issued_on=date(2024, 9, 30))
    assert keys(spec) == ["2024-10", "2024-11", "2024-12"]
    assert spec.occurrences[0].start == at(2024, 9, 30)
    assert any("2024-09 skipped" in n for n in spec.notes)


def test_due_after_period_end() -> None:
    spec = parse_deadline("每季度结束后15日内", year=2017)
    assert [o.due for o in spec.occurrences] == [
        at(2017, 4, 15, 23, 59, 59),
        at(2017, 7, 15, 23, 59, 59),
        at(2017, 10, 15, 23, 59, 59),
        at(2018, 1, 15, 23, 59, 59),
    ]


def test_workday_after_period_end_uses_the_calendar() -> None:
    spec = parse_deadline("每季度结束后5个工作日内", year=2026)
    # Q3 ends 30 Sep 2026; five working days later is 13 Oct (National Day in between).
    assert spec.occurrences[2].due == at(2026, 10, 13, 23, 59, 59)
    assert spec.provisional  # the Q4 duty falls in January 2027, not yet published


def test_each_working_day() -> None:
    spec = parse_deadline("每个工作日", year=2026, issued_on=date(2026, 9, 30))
    assert keys(spec)[:4] == ["2026-09-30", "2026-10-08", "2026-10-09", "2026-10-10"]
    assert spec.occurrences[1].start == at(2026, 10, 1)
    assert not spec.provisional


def test_each_working_day_in_an_unpublished_year_is_provisional() -> None:
    spec = parse_deadline("每个工作日", year=2027)
    assert spec.provisional
    assert len(spec.occurrences) == 261  # Monday to Friday in 2027
    assert any(n.startswith("provisional") for n in spec.notes)


def test_compound_recurs_after_the_set_up_date() -> None:
    spec = parse_deadline("6月底前建立，每季度更新", year=2017)
    assert keys(spec) == ["2017-Q3", "2017-Q4"]
    assert spec.occurrences[0].start == at(2017, 7, 1)
    late = parse_deadline("年底前建立，每季度更新", year=2017)
    assert late.occurrences == ()
    assert late.notes


def test_periodic_without_a_period_is_noted() -> None:
    spec = parse_deadline("定期", year=2017)
    assert spec.kind == "recurring"
    assert spec.occurrences == ()
    assert spec.notes


def test_recurring_without_a_year_is_noted() -> None:
    spec = parse_deadline("每月")
    assert spec.kind == "recurring"
    assert spec.occurrences == ()
    assert any("no plan year" in n for n in spec.notes)


def test_recurring_with_a_named_day_is_preferred() -> None:
    spec = parse_deadline("综合处每月督查，统计情况每月29日前汇总", year=2024)
    assert spec.occurrences[0].due == at(2024, 1, 29, 23, 59, 59)
    assert any("also recurring" in n for n in spec.notes)


# ---------------------------------------------------------------- relative + resolve


def test_resolve_calendar_days() -> None:
    spec = parse_deadline("征求意见结束后30日内")
    assert spec.needs_trigger
    done = spec.resolve(at(2024, 1, 31, 16, 0))
    assert done.due == at(2024, 3, 1, 23, 59, 59)
    assert not done.needs_trigger


def test_resolve_working_days_counts_after_the_start_day() -> None:
    spec = parse_deadline("信息形成或者变更之日起5个工作日内")
    assert spec.resolve(at(2026, 9, 30, 9)).due == at(2026, 10, 13, 23, 59, 59)
    assert spec.resolve(at(2026, 9, 17, 23, 30)).due == at(2026, 9, 23, 23, 59, 59)


def test_resolve_uses_the_local_day_of_the_start() -> None:
    spec = parse_deadline("30日内")
    # 20:00 UTC on 31 Jan is already 1 Feb in Shanghai.
    start = datetime(2024, 1, 31, 20, 0, tzinfo=UTC)
    assert spec.resolve(start).due == at(2024, 3, 2, 23, 59, 59)


def test_resolve_months_clamps_to_the_month_end() -> None:
    spec = parse_deadline("征求意见结束后1个月内")
    assert spec.resolve(at(2023, 1, 31, 10)).due == at(2023, 2, 28, 23, 59, 59)


def test_resolve_hours_is_exact() -> None:
    spec = parse_deadline("最迟在5小时内")
    assert spec.resolve(at(2024, 3, 1, 21, 30)).due == at(2024, 3, 2, 2, 30)


def test_resolve_in_2027_is_provisional() -> None:
    done = parse_deadline("5个工作日内").resolve(at(2027, 3, 1, 9))
    assert done.provisional
    assert any(n.startswith("provisional") for n in done.notes)
    assert done.resolve(at(2027, 3, 1, 9)).notes == done.notes  # no duplicate notes


def test_resolve_with_an_override_calendar() -> None:
    cal = OfficialCalendar({date(2026, 10, 12): False})
    spec = parse_deadline("5个工作日内")
    assert spec.resolve(at(2026, 9, 30), cal).due == at(2026, 10, 14, 23, 59, 59)


def test_resolve_needs_an_aware_start() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        parse_deadline("30日内").resolve(datetime(2024, 1, 1))


def test_resolve_leaves_fixed_and_compound_dates_alone() -> None:
    fixed = parse_deadline("11月底前", year=2017)
    assert fixed.resolve(at(2017, 1, 1)) is fixed


def test_issued_trigger_with_issue_day_in_an_unpublished_year() -> None:
    spec = parse_deadline("本方案印发后5个工作日内", issued_on=date(2027, 2, 1))
    assert spec.due == at(2027, 2, 8, 23, 59, 59)
    assert spec.provisional


def test_parse_uses_the_given_calendar() -> None:
    spec = parse_deadline(
        "本方案印发后5个工作日内", issued_on=date(2026, 9, 30), calendar=WeekdayCalendar()
    )
    assert spec.due == at(2026, 10, 7, 23, 59, 59)
    assert spec.provisional


def test_resolve_sets_the_target_deadline() -> None:
    spec = parse_deadline("本通知印发后30日内不少于2次")
    assert spec.target is not None and spec.target.by is None
    done = spec.resolve(at(2024, 1, 1))
    assert done.target is not None and done.target.by == done.due


# ---------------------------------------------------------------- context and notes


def test_other_time_zone() -> None:
    spec = parse_deadline("11月底前", year=2017, tz="Asia/Hong_Kong")
    assert spec.tz == "Asia/Hong_Kong"
    assert spec.due == datetime(2017, 11, 30, 23, 59, 59, tzinfo=ZoneInfo("Asia/Hong_Kong"))


def test_phrase_year_wins_over_the_plan_year() -> None:
    assert parse_deadline("2018年底前", year=2017).due == at(2018, 12, 31, 23, 59, 59)


def test_year_comes_from_the_issue_day() -> None:
    assert parse_deadline("11月底前", issued_on=date(2023, 5, 6)).due == at(
        2023, 11, 30, 23, 59, 59
    )


def test_missing_year_is_noted_not_guessed() -> None:
    spec = parse_deadline("11月底前")
    assert spec.kind == "fixed"
    assert spec.due is None
    assert any("no year" in n for n in spec.notes)


def test_due_before_the_issue_day_is_noted() -> None:
    spec = parse_deadline("3月底前", issued_on=date(2017, 5, 26))
    assert spec.due == at(2017, 3, 31, 23, 59, 59)
    assert any("precedes the issue day" in n for n in spec.notes)


def test_milestones_are_noted() -> None:
    spec = parse_deadline("11月底前完成编制，12月底前公开", year=2017)
    assert spec.due == at(2017, 12, 31, 23, 59, 59)
    assert any(n.startswith("milestone 2017-11-30") for n in spec.notes)


def test_longest_offset_wins() -> None:
    spec = parse_deadline("最迟在5小时内发布权威信息，在24小时内举行新闻发布会")
    assert spec.offset == "24h"
    assert any("5小时内" in n for n in spec.notes)


def test_bracketed_exception_is_noted() -> None:
    spec = parse_deadline("自信息形成或者变更之日起5个工作日内（重要、紧急事项当日）")
    assert spec.offset == "5wd"
    assert any("重要、紧急事项当日" in n for n in spec.notes)


def test_only_brackets_are_read() -> None:
    spec = parse_deadline("（2018年底前）")
    assert spec.kind == "fixed"
    assert spec.due == at(2018, 12, 31, 23, 59, 59)


def test_unparsed_text_is_kept_verbatim() -> None:
    text = "  根据 工作需要  "
    spec = parse_deadline(text, year=2017)
    assert spec.kind == "unparsed"
    assert spec.text == text


@pytest.mark.parametrize("text", ["0000年底前", "9999年底前，每周更新"])
def test_years_at_the_edge_never_raise(text: str) -> None:
    assert parse_deadline(text, year=9999).text == text


def test_dict_round_trip_keeps_new_fields() -> None:
    spec = parse_deadline("每月不少于2次", year=2017)
    assert spec.target is not None and spec.target.per_period
    assert DeadlineSpec.from_dict(spec.to_dict()) == spec
    legacy = spec.to_dict()
    assert legacy["target"] is not None
    del legacy["target"]["per_period"]  # a spec stored before the field existed
    assert DeadlineSpec.from_dict(legacy).target is not None


def test_occurrences_tile_without_gaps() -> None:
    spec = parse_deadline("每5日", year=2017)
    for prev, nxt in pairwise(spec.occurrences):
        assert nxt.start - prev.due == timedelta(seconds=1)
