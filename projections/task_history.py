"""One task in full: its state (now, or as the ledger knew it at a past moment) and history.

The state is the tasks read model's own pure mapping folded over the task's events, so
`task show` and `task list` can never disagree about a task.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any
from uuid import UUID

from ledger.application import Ledger
from ledger.errors import NotFound
from ledger.status import assess
from projections.events import history_entry
from projections.tasks import TasksProjection
from projections.views import TaskView, facts_of, judgement_moment


def task_document(
    ledger: Ledger,
    task_id: UUID,
    *,
    now: datetime,
    as_of: datetime | None = None,
    valid_at: date | None = None,
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
    moment = judgement_moment(now, as_of, valid_at, plan.tz)
    view = TaskView(row=row, plan_ref=plan.ref, standing=assess(facts_of(row, valid_at), moment))
    return {
        **view.to_json(),
        "as_of": as_of.isoformat() if as_of else None,
        "valid_at": valid_at.isoformat() if valid_at else None,
        "history": [history_entry(e) for e in events],
    }
