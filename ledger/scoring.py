"""How units are scored (考核): the rules, and a scorecard from the deductions found.

Pure. What counts against a unit is found on the read side (projections/queries/scores.py)
from the ledger as it stood at a moment; here each finding becomes points under the rules,
every point carrying the fact it came from, and the units are ranked.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass, field
from typing import Any

# What a deduction is for, and how it is said (what a unit reads).
KINDS = {
    "overdue": "逾期未完成",
    "done_late": "逾期完成",
    "failed_finding": "抽查不合格",
    "unfinished_rectification": "整改逾期未完成",
    "notice_item": "上级通报问题",
    "bonus": "加分",
}


@dataclass(frozen=True)
class ScoreRules:
    """Points per fact; the ``[score]`` section of the configuration sets them."""

    base: float = 100.0  # what a unit starts from
    overdue: float = 2.0  # per share past its due and not done
    done_late: float = 1.0  # per share completed after its due day
    # per failed spot-check finding; None: the deduction the inspector recorded
    failed_finding: float | None = None
    unfinished_rectification: float = 2.0  # per rectification past its due, not passed
    notice_item: float = 1.0  # per item a superior's notice found (seed 003: 每项扣1分)
    bonus: float = 1.0  # added per bonus recorded
    cap: float | None = None  # the most a unit can lose; None: no cap (bonuses count after)

    def points(self, kind: str, recorded: float = 0.0) -> float:
        """What one fact is worth: deducted, or for a bonus added."""
        if kind == "failed_finding":
            return recorded if self.failed_finding is None else self.failed_finding
        if kind in ("notice_item", "bonus"):  # ``recorded``: how many items
            per: float = getattr(self, kind)
            return per * recorded
        value: float = getattr(self, kind)
        return value

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class Fact:
    """Something that counts against a unit: its kind, what it is about, and the stored
    event it comes from (``event``: the aggregate's id and version)."""

    unit: str
    kind: str
    subject: str  # a task's reference, or "SC-2017-001 dalian-2017/7"
    event: tuple[str, int]
    recorded: float = 0.0  # a finding's own deduction; how many notice items or bonuses
    detail: str = ""


@dataclass
class Card:
    unit: str
    points: float
    rank: int = 0
    lost: float = 0.0
    gained: float = 0.0  # bonuses
    capped: bool = False
    deductions: list[dict[str, Any]] = field(default_factory=list)


def scorecard(
    units: Iterable[str],
    facts: Iterable[Fact],
    rules: ScoreRules,
    positions: Mapping[tuple[str, int], int] | None = None,
) -> list[Card]:
    """Each unit's points (``base`` less its deductions, at most ``cap`` of them, plus
    its bonuses), ranked:
    most points first, equal points share a rank (1, 2, 2, 4). ``positions``: each
    event's place in the ledger, named by each deduction it caused."""
    cards = {u: Card(unit=u, points=rules.base) for u in dict.fromkeys(units)}
    for fact in facts:
        card = cards.setdefault(fact.unit, Card(unit=fact.unit, points=rules.base))
        points = rules.points(fact.kind, fact.recorded)
        if points <= 0:
            continue
        reason = f"{KINDS[fact.kind]}：{fact.subject}" + (
            f"（{fact.detail}）" if fact.detail else ""
        )
        card.deductions.append(
            {
                "points": points,
                "kind": fact.kind,
                "reason": reason,
                "aggregate": fact.event[0],
                "version": fact.event[1],
                "event_seq": (positions or {}).get(fact.event),
            }
        )
        if fact.kind == "bonus":
            card.gained += points
        else:
            card.lost += points
    for card in cards.values():
        taken = card.lost if rules.cap is None else min(card.lost, rules.cap)
        card.capped = taken < card.lost
        card.points = round(rules.base - taken + card.gained, 2)
    ranked = sorted(cards.values(), key=lambda c: (-c.points, c.unit))
    for i, card in enumerate(ranked):
        same = i and ranked[i - 1].points == card.points
        card.rank = ranked[i - 1].rank if same else i + 1
    return ranked


def moved(before: list[Card], after: list[Card]) -> list[dict[str, Any]]:
    """What a change of rules moved: each unit whose points or rank differ."""
    old = {c.unit: c for c in before}
    found = []
    for card in after:
        was = old.get(card.unit)
        if was is None or (was.points, was.rank) != (card.points, card.rank):
            found.append(
                {
                    "unit": card.unit,
                    "points": [was.points if was else None, card.points],
                    "rank": [was.rank if was else None, card.rank],
                }
            )
    return found
