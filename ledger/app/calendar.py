"""Use cases of the working-day calendar: days declared from notices."""

from __future__ import annotations

from datetime import date, datetime

from eventsourcing.domain import Aggregate

from ledger.app.base import LedgerBase
from ledger.errors import NotFound
from ledger.workdays import WORKDAYS_ID, Workdays


class CalendarUseCases(LedgerBase):
    def declare_day(self, day: date, *, workday: bool, source: str, actor: str) -> None:
        """Record a working day or holiday from a notice; it wins over the package's data."""

        def command(now: datetime) -> list[Aggregate]:
            self.authorize(actor, "declare day")
            workdays = self._workdays() or Workdays.open(now=now)
            workdays.declare(day=day, workday=workday, source=source, actor=actor, now=now)
            return [workdays]

        self._write(command, what="the working-day calendar")

    def declared_days(self) -> list[Workdays.DayDeclared]:
        """Every declared day, in the order they were recorded."""
        return [e for e in self.events.get(WORKDAYS_ID) if isinstance(e, Workdays.DayDeclared)]

    def _workdays(self) -> Workdays | None:
        try:
            return self.load(Workdays, WORKDAYS_ID)
        except NotFound:
            return None
