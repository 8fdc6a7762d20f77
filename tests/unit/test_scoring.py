"""Scorecards (ledger/scoring.py): points under the rules, caps, ranks shared by equal
points, every deduction naming its event, and what a change of rules moves."""

from __future__ import annotations

import itertools

from hypothesis import given
from hypothesis import strategies as st

from ledger.scoring import KINDS, Fact, ScoreRules, moved, scorecard

A, B, C = "市财政局", "市统计局", "市国资委"


def test_points_follow_the_rules_and_name_their_events() -> None:
    facts = [
        Fact(A, "overdue", "dalian-2017/1", ("t1", 3)),
        Fact(A, "failed_finding", "SC-2017-001 dalian-2017/1", ("c1", 2), recorded=1.5),
        Fact(B, "done_late", "dalian-2017/2", ("t2", 5)),
    ]
    cards = {c.unit: c for c in scorecard([A, B, C], facts, ScoreRules(), {("c1", 2): 77})}
    assert (cards[A].points, cards[B].points, cards[C].points) == (96.5, 99.0, 100.0)
    assert [c.rank for c in scorecard([A, B, C], facts, ScoreRules())] == [1, 2, 3]
    finding = cards[A].deductions[1]
    assert finding == {
        "points": 1.5,
        "kind": "failed_finding",
        "reason": "抽查不合格：SC-2017-001 dalian-2017/1",
        "aggregate": "c1",
        "version": 2,
        "event_seq": 77,
    }
    fixed = {c.unit: c for c in scorecard([A], facts, ScoreRules(failed_finding=5))}
    assert fixed[A].points == 93.0


def test_notice_items_count_each_and_bonuses_add_after_the_cap() -> None:
    facts = [
        Fact(A, "notice_item", "省通报第3期", ("n", 2), recorded=3),
        Fact(A, "overdue", "p/1", ("t", 1)),
        Fact(A, "bonus", "经验推广", ("n", 3), recorded=1),
    ]
    (card,) = scorecard([A], facts, ScoreRules(notice_item=1, overdue=2, bonus=0.5, cap=4))
    assert (card.lost, card.gained, card.capped, card.points) == (5.0, 0.5, True, 96.5)
    assert [d["reason"] for d in card.deductions] == [
        "上级通报问题：省通报第3期",
        "逾期未完成：p/1",
        "加分：经验推广",
    ]


def test_a_cap_limits_what_a_unit_loses() -> None:
    facts = [Fact(A, "overdue", f"p/{n}", ("t", n)) for n in range(10)]
    (card,) = scorecard([A], facts, ScoreRules(overdue=2, cap=5))
    assert (card.points, card.lost, card.capped, len(card.deductions)) == (95.0, 20.0, True, 10)


@given(st.lists(st.sampled_from([A, B, C]), max_size=20))
def test_equal_points_share_a_rank_and_ranks_follow_points(units: list[str]) -> None:
    facts = [Fact(u, "overdue", f"p/{n}", ("t", n)) for n, u in enumerate(units)]
    cards = scorecard([A, B, C], facts, ScoreRules())
    for before, after in itertools.pairwise(cards):
        assert before.points >= after.points
        assert (after.rank == before.rank) == (after.points == before.points)
        assert after.rank == before.rank or after.rank == cards.index(after) + 1
    assert {c.unit: c.points for c in cards} == {u: 100 - 2 * units.count(u) for u in (A, B, C)}


def test_a_change_of_rules_says_what_moved() -> None:
    facts = [Fact(A, "overdue", "p/1", ("t", 1)), Fact(B, "done_late", "p/2", ("t", 2))]
    old = scorecard([A, B, C], facts, ScoreRules())
    new = scorecard([A, B, C], facts, ScoreRules(overdue=0.5))
    assert moved(old, new) == [
        {"unit": A, "points": [98.0, 99.5], "rank": [3, 2]},
        {"unit": B, "points": [99.0, 99.0], "rank": [2, 3]},
    ]
    assert moved(old, old) == []
    assert set(KINDS) == {
        "overdue",
        "done_late",
        "failed_finding",
        "unfinished_rectification",
        "notice_item",
        "bonus",
    }
