"""Deadline phrases of work plans -> exact due times, occurrences and targets."""

from ledger.deadlines.calendar import OfficialCalendar, WorkCalendar
from ledger.deadlines.parser import PARSER_VERSION, parse_deadline
from ledger.deadlines.spec import DeadlineSpec, Occurrence, Target

__all__ = [
    "PARSER_VERSION",
    "DeadlineSpec",
    "Occurrence",
    "OfficialCalendar",
    "Target",
    "WorkCalendar",
    "parse_deadline",
]
