"""A task as a read-model row: the pure mapping from its events, without SQLAlchemy.

The tasks and task-versions read models store these rows; `task show --as-of` folds a
task's events with the same mapping, so a list and a show never disagree. The row keeps
the facts (units, shares, deadline, reports, completions) and what the status rules decide
from them whatever the moment (ledger/status.py): ``phase`` and ``next_due``, the
operative due of a task still to do, for the task and for each lead unit's share.
Instants are whole UTC seconds (``epoch``); days are ISO dates.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime
from functools import lru_cache
from typing import Any
from zoneinfo import ZoneInfo

from ledger.status import Outcome, phase_of, share_outcome, task_outcome
from projections.moments import epoch

Row = dict[str, Any]
Share = dict[str, Any]


@lru_cache(maxsize=4096)
def _day_of(due: int, tz: str) -> str:
    """The day (ISO) of a due instant in the task's zone: lateness is judged by days."""
    return datetime.fromtimestamp(due, ZoneInfo(tz)).date().isoformat()


def units_of(row: Row) -> list[tuple[str, str]]:
    """A task's units and their roles: who answers (lead), then who helps (co)."""
    shares = row["shares"]
    return [(u, "lead") for u in shares] + [(u, "co") for u in row["helping"] if u not in shares]


def share_dues(row: Row, share: Row) -> list[tuple[str, int]]:
    """The (occurrence, due) pairs a share still has to meet, the operative one first:
    the occurrences it has not completed, else its one due ("" for no occurrence)."""
    if share["phase"] != "todo":
        return []
    own = share["due_override"]
    if own is None and row["due_override"] is None and row["occurrences"]:
        done = {p for p, *_ in (*share["periods"], *row["whole_periods"])}
        return [(p, d) for p, d in row["occurrences"] if p not in done]
    due = own if own is not None else row["due"]
    return [] if due is None else [("", due)]


def answering(row: Row, occurrence: str, due: int) -> list[str]:
    """The units whose open shares have that due: who an alert about it is for."""
    return [u for u, s in row["shares"].items() if (occurrence, due) in share_dues(row, s)]


def deadline_columns(deadline: Mapping[str, Any] | None) -> Row:
    """The columns a parsed deadline spec gives a row."""
    spec = deadline or {}
    target = spec.get("target") or {}
    by = target.get("by")
    due = spec.get("due")
    return {
        "deadline_kind": spec.get("kind", "none"),
        "spec_due": epoch(datetime.fromisoformat(due)) if due else None,
        "provisional": bool(spec.get("provisional", False)),
        "occurrences": [
            [o["period"], epoch(datetime.fromisoformat(o["due"]))]
            for o in spec.get("occurrences", [])
        ],
        "target_min": target.get("minimum"),
        "target_by": epoch(datetime.fromisoformat(by)) if by else None,
    }


def new_share() -> Share:
    """A share nobody has worked on yet (``settle`` adds its standing)."""
    return {
        "reports": 0,
        "quantity": 0.0,
        "completed_on": None,
        "completed_at": None,
        "periods": [],  # [[period, day], ...] completed occurrences
        "due_override": None,  # an extension granted to this share alone
        "request": None,  # the extension asked for, while a supervisor decides
    }


def _judged(row: Row, share: Share) -> tuple[Share, Outcome[int, str]]:
    """``share`` with its standing, and its outcome (ledger/status.py)."""
    own = share["due_override"]
    due = own if own is not None else row["due"]
    # A due time given by hand (to the task or the share) replaces the occurrences.
    occurrences = row["occurrences"] if own is None and row["due_override"] is None else []
    outcome: Outcome[int, str] = share_outcome(
        due=due,
        due_day=None if due is None else _day_of(due, row["tz"]),
        occurrences=occurrences,
        completed_on=share["completed_on"] or row["whole_on"],
        periods=dict((*share["periods"], *row["whole_periods"])),
    )
    judged = {
        **share,
        "phase": phase_of(outcome, waived=row["waived"]),
        "next_due": outcome.next_due,
        "next_period": outcome.next_period,
        "late": outcome.late,
    }
    return judged, outcome


def settle(row: Row) -> None:
    """Derive what depends on the facts but not on "now": dues, phases, operative dues.
    The shares are judged into new dicts: earlier rows of the task keep theirs."""
    due = row["due_override"]
    if due is None:
        due = row["started_due"] if row["started_due"] is not None else row["spec_due"]
    row["due"] = due
    judged = {unit: _judged(row, share) for unit, share in row["shares"].items()}
    row["shares"] = {unit: share for unit, (share, _) in judged.items()}
    outcome = task_outcome([outcome for _, outcome in judged.values()])
    row["completed_on"] = outcome.completed_on
    row["done_late"] = outcome.late
    row["phase"] = phase_of(outcome, waived=row["waived"])
    row["next_due"], row["next_period"] = outcome.next_due, outcome.next_period


def defined(event: Any) -> Row:
    at = epoch(event.timestamp)
    row = {
        "task_id": str(event.originator_id),
        "plan_id": str(event.plan_id),
        "code": event.code,
        "row": event.row,
        "section": event.section,
        "content": event.content,
        "lead_units": list(event.lead_units),
        "co_units": list(event.co_units),
        "shares": {unit: new_share() for unit in event.lead_units},
        "helping": list(event.co_units),
        "deadline_text": event.deadline_text,
        **deadline_columns(event.deadline),
        "tz": event.tz,
        "quantity_done": 0.0,
        "reports": 0,
        "last_report_on": None,
        "report_log": [],  # [[day, quantity, unit], ...]: valid-time facts
        "whole_on": None,  # the whole task completed (by a supervisor, or before shares)
        "whole_at": None,
        "whole_periods": [],
        "completed_on": None,
        "waived": False,
        "started_due": None,
        "due_override": None,
        "version": event.originator_version,
        "defined_at": at,
        "updated_at": at,
    }
    settle(row)
    return row


def _share_of(row: Row, unit: str) -> Share:
    """A copy of ``unit``'s share, put in a copy of the shares (rows are never mutated)."""
    row["shares"] = shares = dict(row["shares"])
    shares[unit] = share = dict(shares[unit])
    return share


def _answering(row: Row, units: list[str], carried: Mapping[str, str] | None = None) -> None:
    """Shares for ``units``: a unit that had one (under its own or a carried-over name)
    keeps it, with all it did; others start."""
    old, renamed = row["shares"], carried or {}
    row["shares"] = {u: old.get(u) or old.get(renamed.get(u, u)) or new_share() for u in units}


def _amended(row: Row, event: Any) -> None:
    for name, value in event.changes.items():
        if name == "deadline":
            row.update(deadline_columns(value))
        else:
            row[name] = value
    if "lead_units" in event.changes:
        _answering(row, list(dict.fromkeys(row["lead_units"])))
    if "co_units" in event.changes:
        row["helping"] = list(row["co_units"])


def _reassigned(row: Row, event: Any) -> None:
    row["lead_units"] = list(event.lead_units)
    row["co_units"] = list(event.co_units)
    _answering(row, list(dict.fromkeys(event.lead_units)))
    row["helping"] = list(event.co_units)


def _assigned(row: Row, event: Any) -> None:
    _answering(row, list(event.answering), event.carried)
    row["helping"] = list(event.helping)


def _reported(row: Row, event: Any) -> None:
    quantity = event.quantity or 0
    row["reports"] += 1
    row["quantity_done"] += quantity
    day = event.occurred_on.isoformat()
    row["report_log"] = [*row["report_log"], [day, quantity, event.unit]]
    if row["last_report_on"] is None or day > row["last_report_on"]:
        row["last_report_on"] = day
    if event.unit in row["shares"]:
        share = _share_of(row, event.unit)
        share["reports"] += 1
        share["quantity"] += quantity


def _share_completed(row: Row, event: Any) -> None:
    share = _share_of(row, event.unit)
    day = event.occurred_on.isoformat()
    if event.period is None:
        share["completed_on"], share["completed_at"] = day, epoch(event.timestamp)
    else:
        share["periods"] = [*share["periods"], [event.period, day]]


def _completed(row: Row, event: Any) -> None:
    day = event.occurred_on.isoformat()
    if event.period is None:
        row["whole_on"], row["whole_at"] = day, epoch(event.timestamp)
    else:
        row["whole_periods"] = [*row["whole_periods"], [event.period, day]]


def _without(periods: list[list[str]], period: str | None) -> list[list[str]]:
    return [] if period is None else [[p, d] for p, d in periods if p != period]


def _reopened(row: Row, event: Any) -> None:
    units = list(row["shares"]) if event.unit is None else [event.unit]
    for unit in units:
        share = _share_of(row, unit)
        share["completed_on"] = share["completed_at"] = None
        share["periods"] = _without(share["periods"], event.period)
    if event.unit is None:
        row["whole_on"] = row["whole_at"] = None
        row["whole_periods"] = _without(row["whole_periods"], event.period)


def _extended(row: Row, event: Any) -> None:
    row["due_override"] = epoch(event.new_due)


def _set(row: Row, event: Any) -> None:
    row["due_override"] = epoch(event.due)


def _requested(row: Row, event: Any) -> None:
    _share_of(row, event.unit)["request"] = {
        "to": epoch(event.to),
        "reason": event.reason,
        "actor": event.actor,
        "at": epoch(event.timestamp),
    }


def _approved(row: Row, event: Any) -> None:
    share = _share_of(row, event.unit)
    share["request"] = None
    if event.whole_task:
        row["due_override"] = epoch(event.to)
    else:
        share["due_override"] = epoch(event.to)


def _rejected(row: Row, event: Any) -> None:
    _share_of(row, event.unit)["request"] = None


def _started(row: Row, event: Any) -> None:
    row["started_due"] = epoch(event.due)
    row["provisional"] = row["provisional"] or event.provisional


def _reevaluated(row: Row, event: Any) -> None:
    row.update(deadline_columns(event.deadline))
    row["started_due"] = epoch(event.started_due)


def _waived(row: Row, event: Any) -> None:
    row["waived"] = True


# Task events after ``Defined``, by class name, and how each changes the row.
CHANGES: dict[str, Callable[[Row, Any], None]] = {
    "Amended": _amended,
    "Reassigned": _reassigned,
    "SharesAssigned": _assigned,
    "ProgressReported": _reported,
    "ShareCompleted": _share_completed,
    "Completed": _completed,
    "Reopened": _reopened,
    "DeadlineExtended": _extended,
    "DeadlineSet": _set,
    "ExtensionRequested": _requested,
    "ExtensionApproved": _approved,
    "ExtensionRejected": _rejected,
    "DeadlineStarted": _started,
    "DeadlineReevaluated": _reevaluated,
    "Waived": _waived,
}
EVENTS = ("Defined", *CHANGES)
# Events that change no due, no completion and so no standing: a report adds to counts
# and logs, a request waits or goes. The row stays settled without judging it again.
_KEEP_STANDING = frozenset({"ProgressReported", "ExtensionRequested", "ExtensionRejected"})


def evolve(row: Row | None, event: Any) -> Row:
    """The row after ``event``; pure. Every task event has a row to change but the first."""
    kind = type(event).__name__
    if kind == "Defined":
        return defined(event)
    if row is None:
        raise ValueError(f"a task event ({kind}) before the task was defined")
    row = {**row, "version": event.originator_version, "updated_at": epoch(event.timestamp)}
    CHANGES[kind](row, event)
    if kind not in _KEEP_STANDING:
        settle(row)
    return row
