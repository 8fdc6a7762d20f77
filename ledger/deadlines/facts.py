"""The facts a deadline phrase is read into, one kind per thing a phrase can say.

The rules (ledger/deadlines/rules.py) turn matched words into these; the parser
(ledger/deadlines/parser.py) combines them into one DeadlineSpec.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from ledger.deadlines.periods import Cadence
from ledger.deadlines.spec import TargetKind
from ledger.deadlines.timing import Offset

ISSUED = "issued"
EVENT = "event"


@dataclass(frozen=True)
class DateFact:
    """A calendar deadline: the end of ``day`` (None when no year is known)."""

    day: date | None
    label: str
    year: int | None = None  # the year the phrase itself named; later dates inherit it


@dataclass(frozen=True)
class RelativeFact:
    """Due ``offset`` after ``trigger`` happens."""

    trigger: str
    offset: Offset
    label: str


@dataclass(frozen=True)
class RecurringFact:
    """A duty repeated on ``cadence``; None for "定期" (periodic, period not stated)."""

    cadence: Cadence | None
    label: str


@dataclass(frozen=True)
class OngoingFact:
    label: str


@dataclass(frozen=True)
class TargetFact:
    kind: TargetKind
    minimum: float
    label: str


Fact = DateFact | RelativeFact | RecurringFact | OngoingFact | TargetFact
