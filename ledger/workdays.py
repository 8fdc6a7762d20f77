"""The Workdays aggregate: days a supervisor declared working days or holidays.

The official calendar (chinesecalendar) covers the years the State Council has published.
A notice for a new year, or a local holiday, is recorded here as a ledger fact with its
source, and wins over the package's data. There is one such record per ledger.
"""

from __future__ import annotations

from datetime import date, datetime
from uuid import UUID, uuid5

from eventsourcing.domain import Aggregate

from ledger.errors import InvalidInput, RuleViolation
from ledger.ids import NAMESPACE

WORKDAYS_ID: UUID = uuid5(NAMESPACE, "workdays")


class Workdays(Aggregate):
    """Overrides of the official working-day calendar, each with its source."""

    class Opened(Aggregate.Created):
        pass

    def __init__(self) -> None:
        self.overrides: dict[str, bool] = {}

    @classmethod
    def open(cls, *, now: datetime) -> Workdays:
        return cls._create(cls.Opened, id=WORKDAYS_ID, timestamp=now)

    class DayDeclared(Aggregate.Event):
        day: date
        workday: bool
        source: str
        actor: str

        def apply(self, workdays: Workdays) -> None:
            workdays.overrides[self.day.isoformat()] = self.workday

    def declare(self, *, day: date, workday: bool, source: str, actor: str, now: datetime) -> None:
        if not source.strip():
            raise InvalidInput(
                "a declared day needs its source (the notice that says so)", field="source"
            )
        if self.overrides.get(day.isoformat()) == workday:
            kind = "a working day" if workday else "a holiday"
            raise RuleViolation(f"{day.isoformat()} is already declared {kind}")
        self.trigger_event(
            self.DayDeclared, timestamp=now, day=day, workday=workday, source=source, actor=actor
        )

    def as_dates(self) -> dict[date, bool]:
        return {date.fromisoformat(k): v for k, v in self.overrides.items()}
