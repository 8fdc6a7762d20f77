"""The directory as read commands show it: units, other names, groups, people; which
tasks name a unit; and the unit a name given on the command line stands for."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any
from uuid import UUID

from ledger.errors import InvalidInput
from projections.moments import IN_FORCE
from projections.reader import Reader, from_json

# Every task-unit link in force: the open link versions, read through their partial index.
LINKS_IN_FORCE = f"rm_task_unit_versions WHERE {IN_FORCE}"
# The tasks a unit (``:unit``) answers for or helps with now.
TASKS_OF_UNIT = f"SELECT task_id FROM {LINKS_IN_FORCE} AND unit = :unit"


def list_units(reader: Reader, plan_id: str | None = None) -> list[dict[str, Any]]:
    """Every name of the directory (or those on one plan's tasks), with what it is and
    how many tasks it answers for and helps with."""
    counts: dict[str, list[int]] = {}
    sql = f"SELECT unit, role, count(*) FROM {LINKS_IN_FORCE}"
    params: dict[str, Any] = {}
    if plan_id is not None:
        sql += " AND plan_id = :plan_id"
        params["plan_id"] = plan_id
    for unit, role, n in reader.tuples(sql + " GROUP BY unit, role", params):
        counts.setdefault(unit, [0, 0])[0 if role == "lead" else 1] = int(n)
    rows = reader.rows("SELECT name, kind, source, refers FROM rm_units ORDER BY name")
    found = []
    for row in rows:
        if plan_id is not None and row["name"] not in counts and row["kind"] == "unit":
            continue
        lead, co = counts.pop(row["name"], [0, 0])
        found.append({**row, "refers": from_json(row["refers"]), "lead": lead, "co": co})
    # Names on tasks the directory has not recorded (a ledger from before it kept units).
    found += [
        {"name": u, "kind": "unit", "source": "", "refers": [], "lead": n[0], "co": n[1]}
        for u, n in sorted(counts.items())
    ]
    if plan_id is not None:
        found = [r for r in found if r["kind"] == "unit" or _on_plan(r, found)]
    return sorted(found, key=lambda r: r["name"])


def _on_plan(row: dict[str, Any], found: list[dict[str, Any]]) -> bool:
    units = {r["name"] for r in found if r["kind"] == "unit"}
    members = [u for u, *_ in row["refers"]] if row["kind"] == "alias" else row["refers"]
    return any(m in units for m in members)


def list_people(reader: Reader) -> list[dict[str, Any]]:
    rows = reader.rows("SELECT person, unit, roles, since FROM rm_people ORDER BY unit, person")
    return [{**r, "roles": from_json(r["roles"])} for r in rows]


def tasks_naming(reader: Reader, names: Sequence[str]) -> list[UUID]:
    """The tasks whose table names any of ``names`` (as lead or co), or that keep a
    share under one of them: what a new alias or group reaches."""
    wanted = set(names)
    if not wanted:
        return []
    found = []
    for task_id, lead, co, shares in reader.tuples(
        "SELECT task_id, lead_units, co_units, shares FROM rm_tasks ORDER BY task_id"
    ):
        named = {*from_json(lead), *from_json(co), *from_json(shares)}
        if named & wanted:
            found.append(UUID(task_id))
    return found


def unit_named(reader: Reader, name: str) -> str:
    """The unit a name stands for (an alias for every plan resolved); an unknown name
    is an error with the closest known names, not an empty answer."""
    row = reader.rows("SELECT kind, refers FROM rm_units WHERE name = :n", {"n": name})
    if row and row[0]["kind"] == "alias":
        every = [u for u, issuer in from_json(row[0]["refers"]) if not issuer]
        if every:
            return str(every[0])
    if row and row[0]["kind"] == "group":
        members = "、".join(from_json(row[0]["refers"]))
        raise InvalidInput(f"{name} is a group ({members}); name one of its units", field="unit")
    if row or reader.value(f"SELECT 1 FROM {LINKS_IN_FORCE} AND unit = :u", {"u": name}):
        return name
    import difflib

    names = {r[0] for r in reader.tuples(f"SELECT DISTINCT unit FROM {LINKS_IN_FORCE}")}
    names |= {r[0] for r in reader.tuples("SELECT name FROM rm_units")}
    close = difflib.get_close_matches(name, sorted(names), n=3, cutoff=0.5)
    hint = f"; did you mean {'、'.join(close)}?" if close else ""
    raise InvalidInput(f"no task names the unit {name!r}{hint}", field="unit")
