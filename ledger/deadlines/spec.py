"""What a deadline phrase means, as data: the result of parsing, stored on the task.

A :class:`DeadlineSpec` is plain data (JSON-able through :meth:`DeadlineSpec.to_dict`), so
the task aggregate can keep it in its events. A spec carries the version of the parser that
produced it: a later, better parser never rewrites history; a re-evaluation is recorded as a
new event on the task.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any, Literal
from zoneinfo import ZoneInfo

from ledger.deadlines.calendar import WorkCalendar, default_calendar
from ledger.deadlines.timing import Offset

# "invalid": the phrase names a date that does not exist ("2月30日前", "13月底前"); an
# import refuses it, naming the row, instead of keeping it as text nobody can act on.
Kind = Literal[
    "fixed", "relative", "recurring", "ongoing", "compound", "unparsed", "invalid", "none"
]
TargetKind = Literal["count", "percent"]


PROVISIONAL_NOTE = (
    "provisional: counted Monday to Friday in a year without an official holiday schedule"
)


def _add_note(notes: tuple[str, ...], note: str) -> tuple[str, ...]:
    return notes if note in notes else (*notes, note)


@dataclass(frozen=True)
class Occurrence:
    """One period of a recurring duty: its key ("2017-Q3", "2017-05"), start and due time."""

    period: str
    start: datetime
    due: datetime

    def to_dict(self) -> dict[str, Any]:
        return {"period": self.period, "start": self.start.isoformat(), "due": self.due.isoformat()}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Occurrence:
        return cls(
            period=data["period"],
            start=datetime.fromisoformat(data["start"]),
            due=datetime.fromisoformat(data["due"]),
        )


@dataclass(frozen=True)
class Target:
    """A quantitative target: at least ``minimum`` (times, or percent) by ``by``.

    ``per_period`` marks a minimum that applies to each occurrence of a recurring duty
    ("每月不少于2次"); such a target has no single ``by``.
    """

    kind: TargetKind
    minimum: float
    by: datetime | None = None
    text: str = ""
    per_period: bool = False

    def to_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "minimum": self.minimum,
            "by": self.by.isoformat() if self.by else None,
            "text": self.text,
            "per_period": self.per_period,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Target:
        by = data.get("by")
        return cls(
            kind=data["kind"],
            minimum=data["minimum"],
            by=datetime.fromisoformat(by) if by else None,
            text=data.get("text", ""),
            per_period=bool(data.get("per_period", False)),
        )


@dataclass(frozen=True)
class DeadlineSpec:
    """The meaning of one deadline phrase.

    ``due`` is the instant the whole duty must be done by (aware, in the plan's zone), or
    None when there is none yet: ongoing duties, unparsed text, and relative deadlines
    whose trigger has not been recorded. ``trigger`` names the event a relative deadline
    counts from ("本要点印发后"); ``offset`` says how far ("30d", "5wd", "1m", "5h").
    """

    text: str
    kind: Kind
    due: datetime | None = None
    occurrences: tuple[Occurrence, ...] = ()
    target: Target | None = None
    ongoing: bool = False
    provisional: bool = False
    trigger: str | None = None
    offset: str | None = None
    tz: str = "Asia/Shanghai"
    parser_version: int = 1
    notes: tuple[str, ...] = field(default=())

    @property
    def needs_trigger(self) -> bool:
        """A relative deadline whose start has not been recorded yet."""
        return self.trigger is not None and self.due is None

    def with_due(self, due: datetime) -> DeadlineSpec:
        return replace(self, due=due)

    def resolve(self, start: datetime, calendar: WorkCalendar | None = None) -> DeadlineSpec:
        """This spec with ``due`` counted from ``start``, the instant its trigger happened.

        Only specs with an ``offset`` change. A relative spec is always recounted from
        ``start``; a compound spec keeps the fixed date it already has (its offset is a
        follow-up duty, not the deadline). ``start`` must be timezone-aware. Working days
        are counted on ``calendar`` (the official one by default); an estimated count sets
        ``provisional`` and adds a note.
        """
        if self.offset is None or (self.kind != "relative" and self.due is not None):
            return self
        offset = Offset.parse(self.offset)
        due, estimated = offset.apply(start, ZoneInfo(self.tz), calendar or default_calendar())
        notes = self.notes
        if estimated:
            notes = _add_note(notes, PROVISIONAL_NOTE)
        target = self.target
        if target is not None and not target.per_period:
            target = replace(target, by=due)
        return replace(
            self, due=due, target=target, provisional=self.provisional or estimated, notes=notes
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "text": self.text,
            "kind": self.kind,
            "due": self.due.isoformat() if self.due else None,
            "occurrences": [o.to_dict() for o in self.occurrences],
            "target": self.target.to_dict() if self.target else None,
            "ongoing": self.ongoing,
            "provisional": self.provisional,
            "trigger": self.trigger,
            "offset": self.offset,
            "tz": self.tz,
            "parser_version": self.parser_version,
            "notes": list(self.notes),
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> DeadlineSpec:
        due = data.get("due")
        target = data.get("target")
        return cls(
            text=data["text"],
            kind=data["kind"],
            due=datetime.fromisoformat(due) if due else None,
            occurrences=tuple(Occurrence.from_dict(o) for o in data.get("occurrences", [])),
            target=Target.from_dict(target) if target else None,
            ongoing=bool(data.get("ongoing", False)),
            provisional=bool(data.get("provisional", False)),
            trigger=data.get("trigger"),
            offset=data.get("offset"),
            tz=data.get("tz", "Asia/Shanghai"),
            parser_version=int(data.get("parser_version", 1)),
            notes=tuple(data.get("notes", ())),
        )
