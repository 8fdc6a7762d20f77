"""What each unit last reported on a task (note, evidence, the day it happened), as the
ledger held it at a moment: for the 台账 a leader reads (cli/ledger_sheet.py)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any
from uuid import UUID

from projections.reader import Reader
from projections.stored import events_of

_REPORTS = frozenset({"ProgressReported", "ShareCompleted", "Completed"})


def latest_reports(
    reader: Reader, task_ids: Iterable[str], moment: datetime
) -> dict[tuple[str, str], dict[str, Any]]:
    """``{(task id, unit): {"on", "note", "evidence"}}`` from each task's reports and
    completions recorded by ``moment``; a whole task's completion counts for every unit
    it names (``unit`` "")."""
    found: dict[tuple[str, str], dict[str, Any]] = {}
    for task in task_ids:
        for event in events_of(reader, UUID(task)):
            if type(event).__name__ not in _REPORTS or event.timestamp > moment:
                continue
            unit = getattr(event, "unit", None) or ""
            done = type(event).__name__ != "ProgressReported"
            found[(task, unit)] = {
                "on": event.occurred_on,
                "note": getattr(event, "note", None) or ("完成" if done else ""),
                "evidence": list(getattr(event, "evidence", None) or []),
            }
    return found
