"""The ledger: the application service of taizhang, one method per use case.

The use cases live with what they change (ledger/app/): plans and their tables, tasks,
alerts, the directory, the working-day calendar and spot checks; what they share (the store, the
clock, load and save) is ledger/app/base.py.
"""

from __future__ import annotations

from ledger.app.alerts import AlertUseCases, DeliveryOutcome, DueAlert, Raising
from ledger.app.base import Clock, system_clock
from ledger.app.calendar import CalendarUseCases
from ledger.app.directory import DirectoryUseCases
from ledger.app.plans import ImportReport, PlanMeta, PlanUseCases
from ledger.app.spotchecks import SpotCheckUseCases
from ledger.app.tasks import TaskUseCases
from ledger.importing.model import TableRow

# A task as a breakdown table states it: the importer's row is the application's input.
TaskFields = TableRow

__all__ = [
    "Clock",
    "DeliveryOutcome",
    "DueAlert",
    "ImportReport",
    "Ledger",
    "PlanMeta",
    "Raising",
    "TaskFields",
    "system_clock",
]


class Ledger(
    PlanUseCases,
    TaskUseCases,
    AlertUseCases,
    DirectoryUseCases,
    CalendarUseCases,
    SpotCheckUseCases,
):
    """The write side of taizhang."""
