"""One task in full: its state (now, or as the ledger knew it at a past moment) and history.

The state is the tasks read model's own pure mapping folded over the task's events, so
`task show` and `task list` can never disagree about a task.
"""

from __future__ import annotations

from dataclasses import fields, is_dataclass
from datetime import date, datetime
from typing import Any
from uuid import UUID

from ledger.application import Ledger
from ledger.errors import NotFound
from ledger.status import assess
from projections.queries import TaskView, facts_of
from projections.tasks import TasksProjection

_BASE = {"originator_id", "originator_version", "timestamp", "originator_topic"}


def _plain(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, UUID):
        return str(value)
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return value


def history_entry(event: Any) -> dict[str, Any]:
    """One event as auditors read it: seq, type, both times, actor, then its own fields."""
    names = [f.name for f in fields(event)] if is_dataclass(event) else list(vars(event))
    extra = {n: _plain(getattr(event, n)) for n in names if n not in _BASE}
    occurred = extra.pop("occurred_on", None)
    actor = extra.pop("actor", None)
    extra.pop("deadline", None)  # the parsed spec is shown as the task's due, not here
    return {
        "seq": event.originator_version,
        "type": type(event).__name__,
        "recorded_at": event.timestamp.isoformat(),
        "occurred_on": occurred,
        "actor": actor,
        **extra,
    }


def task_document(
    ledger: Ledger, task_id: UUID, *, now: datetime, as_of: datetime | None = None
) -> dict[str, Any]:
    """The task object of the CLI contract plus ``history``."""
    events = ledger.task_events(task_id)
    if as_of is not None:
        events = [e for e in events if e.timestamp <= as_of]
        if not events:
            raise NotFound(f"task {task_id} was not yet in the ledger at {as_of.isoformat()}")
    projection = TasksProjection()
    row: dict[str, Any] | None = None
    for event in events:
        row = projection.evolve(row, event)
    assert row is not None
    plan = ledger.get_plan(UUID(row["plan_id"]))
    moment = as_of if as_of is not None and as_of < now else now
    view = TaskView(row=row, plan_ref=plan.ref, standing=assess(facts_of(row), moment))
    return {
        **view.to_json(),
        "as_of": as_of.isoformat() if as_of else None,
        "history": [history_entry(e) for e in events],
    }
