"""Who may do what: the roles a person holds, checked by every use case that writes.

- ``clerk``: reports and completes their own unit's shares, requests their extensions,
  starts a relative deadline of a task their unit is on;
- ``supervisor``: decides extension requests, extends, sets, reassigns, waives, reopens,
  completes whole tasks, declares calendar days, runs the service, draws and closes spot
  checks and records findings (a share's drawn inspectors record its findings too);
- ``auditor``: reads everything, writes nothing;
- ``admin``: imports plans, keeps the directory (units, groups, people, contacts), runs
  the service.

With no person registered yet the ledger is being set up and every actor may do
everything; registering the first admin ends that. On the command line the store's own
access control is the boundary: whoever can write the SQLite file or log into PostgreSQL
can bypass these checks. A network API will authenticate people for real.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from typing import Any

from ledger.errors import LedgerError

ROLES = ("clerk", "supervisor", "auditor", "admin")

# Actions, and how a refusal names them.
ACTIONS = {
    "report": "report progress",
    "complete share": "complete a unit's share",
    "request extension": "request an extension",
    "start deadline": "start a relative deadline",
    "decide extension": "approve or reject an extension",
    "extend": "extend a deadline",
    "set deadline": "set a deadline",
    "reassign": "reassign a task",
    "waive": "waive a task",
    "reopen": "reopen a task",
    "complete task": "complete a whole task",
    "declare day": "declare a working day or holiday",
    "run service": "run the sweep and the deliveries",
    "import plan": "import a plan",
    "keep directory": "keep the directory of units, groups and contacts",
    "keep people": "register people and their roles",
    "draw spot check": "draw or close a spot check, or adjust a unit's score",
    "inspect": "record a spot-check finding on a share one does not inspect",
}
MAY: dict[str, frozenset[str]] = {
    "clerk": frozenset({"report", "complete share", "request extension", "start deadline"}),
    "supervisor": frozenset(
        {
            "decide extension",
            "extend",
            "set deadline",
            "reassign",
            "waive",
            "reopen",
            "complete task",
            "declare day",
            "run service",
            "start deadline",
            "draw spot check",
            "inspect",
        }
    ),
    "auditor": frozenset(),
    "admin": frozenset({"import plan", "keep directory", "keep people", "run service"}),
}
# What a clerk does only for their own unit (or a task their unit is on).
OWN_UNIT = frozenset({"report", "complete share", "request extension", "start deadline"})


class Forbidden(LedgerError):
    """The acting person may not do this."""


def check(
    people: Mapping[str, Mapping[str, Any]],
    actor: str,
    action: str,
    units: Collection[str] = (),
) -> None:
    """Refuse unless ``actor`` may do ``action``; a clerk only where their unit is one of
    ``units`` (the share's unit, or the task's units)."""
    if not people:
        return  # being set up: until the first person is registered, anyone may
    person = people.get(actor)
    if person is None:
        raise Forbidden(
            f"{actor!r} is not a registered person: name yourself as one "
            "(an admin registers people)",
            field="as",
        )
    roles, own = person["roles"], person["unit"]
    for role in roles:
        if action in MAY[role] and (role != "clerk" or action not in OWN_UNIT or own in units):
            return
    may = sorted({ACTIONS[a] for role in roles for a in MAY[role]})
    whose = f" for {'、'.join(units)}" if units and action in OWN_UNIT else ""
    raise Forbidden(
        f"{actor} ({'、'.join(roles)}, {own}) may not {ACTIONS[action]}{whose}; "
        + (f"may {'; '.join(may)}" if may else "may read only")
        + (f" (as clerk, for {own} only)" if "clerk" in roles else "")
    )
