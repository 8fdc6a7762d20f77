"""What each unit last reported on a task (note, evidence, the day it happened), as the
ledger held it at a moment: for the 台账 a leader reads (cli/ledger_sheet.py)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any
from uuid import UUID

from projections.events import TASK, event_topics
from projections.reader import Reader
from projections.stored import events_of_each

_REPORTS = event_topics(TASK, "ProgressReported", "ShareCompleted", "Completed")


def latest_reports(
    reader: Reader, task_ids: Iterable[str], moment: datetime
) -> dict[str, dict[str, dict[str, Any]]]:
    """``{task id: {unit: {"on", "note", "evidence"}}}`` from the tasks' reports and
    completions recorded by ``moment``; a whole task's completion counts for every unit
    it names (``unit`` "")."""
    found: dict[str, dict[str, dict[str, Any]]] = {}
    for event in events_of_each(reader, [UUID(t) for t in task_ids], _REPORTS):
        if event.timestamp > moment:
            continue
        done = type(event).__name__ != "ProgressReported"
        found.setdefault(str(event.originator_id), {})[event.unit or ""] = {
            "on": event.occurred_on,
            "note": event.note or ("完成" if done else ""),
            "evidence": list(event.evidence or []),
        }
    return found
