"""The ScoreAdjustments aggregate: what counts for or against a unit's score beyond the
ledger's own facts — each item a superior's notice found (seed 003: "每项扣1分"), or a
bonus — recorded per plan with who said so and why."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID, uuid5

from eventsourcing.domain import Aggregate

from ledger.errors import InvalidInput
from ledger.ids import NAMESPACE

ADJUSTMENTS = ("notice_item", "bonus")


def adjustments_id(plan_id: UUID) -> UUID:
    return uuid5(NAMESPACE, f"score-adjustments/{plan_id}")


class ScoreAdjustments(Aggregate):
    class Opened(Aggregate.Created):
        plan_id: UUID

    def __init__(self, plan_id: UUID) -> None:
        self.plan_id = plan_id

    @classmethod
    def open(cls, plan_id: UUID, *, now: datetime) -> ScoreAdjustments:
        return cls._create(cls.Opened, id=adjustments_id(plan_id), timestamp=now, plan_id=plan_id)

    class Adjusted(Aggregate.Event):
        unit: str
        kind: str  # "notice_item" or "bonus"
        count: int
        reason: str
        actor: str

    def adjust(
        self, *, unit: str, kind: str, count: int, reason: str, actor: str, now: datetime
    ) -> None:
        if kind not in ADJUSTMENTS:
            raise InvalidInput(f"adjustment {kind!r}: use {' or '.join(ADJUSTMENTS)}")
        if not unit.strip():
            raise InvalidInput("an adjustment names the unit", field="unit")
        if not 1 <= count <= 1000:
            raise InvalidInput(f"count {count}: between 1 and 1000", field="count")
        if not reason.strip():
            raise InvalidInput("say why: the notice and its item, or the merit", field="reason")
        self.trigger_event(
            self.Adjusted,
            timestamp=now,
            unit=unit,
            kind=kind,
            count=count,
            reason=reason,
            actor=actor,
        )
