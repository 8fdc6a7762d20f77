"""A unit's share of a task: what that lead unit reported and completed, and its deadline.

Every lead unit of a task answers for its own share; a group (各区市县政府) gives each of
its members one. The task is done when every share is (ledger/status.py decides the
standing of both). A share keeps its own reports, completion (whole, or period by
period for a recurring task), an extension granted to it alone, and the extension it
asked for while the request waits for a supervisor.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from typing import Any


@dataclass
class Share:
    unit: str
    reports: int = 0
    quantity: float = 0.0
    completed_on: date | None = None
    completed_periods: list[str] = field(default_factory=list)
    due_override: datetime | None = None  # an extension granted to this share alone
    request: dict[str, Any] | None = None  # the extension asked for, while it waits

    def done(self, periods: Iterable[str], whole_periods: Iterable[str] = ()) -> bool:
        """Completed: at once, or every period (counting periods the whole task did)."""
        if self.completed_on is not None:
            return True
        wanted = set(periods)
        return bool(wanted) and wanted <= {*self.completed_periods, *whole_periods}


def reassigned(
    shares: Mapping[str, Share], units: Iterable[str], carried: Mapping[str, str] | None = None
) -> dict[str, Share]:
    """Shares for ``units``: a unit that had one keeps it, with all it did, also when it
    had it under another name (``carried``: unit -> the name its share was kept under,
    as when an alias is resolved); others start."""
    renamed = carried or {}
    found: dict[str, Share] = {}
    for unit in dict.fromkeys(units):
        share = shares.get(unit) or shares.get(renamed.get(unit, unit))
        found[unit] = replace(share, unit=unit) if share else Share(unit)
    return found
