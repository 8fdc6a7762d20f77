"""Read model: the directory's units, other names and groups, and the people who may act.

One row per name (``rm_units``: a unit, an alias with the units it stands for, or a group
with its members) and one per person (``rm_people``). Both are small and change rarely;
each event names the rows it touches (:func:`changes`), so a batch reads and writes only
those.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

from sqlalchemy import JSON, BigInteger, Column, Connection, String, Table, Text

from projections.base import Lifeline, Projection, Row, epoch, metadata
from projections.bulk import insert_rows
from projections.events import DIRECTORY, PEOPLE, event_topics
from projections.reader import batches

units = Table(
    "rm_units",
    metadata,
    Column("name", String(128), primary_key=True),
    Column("kind", String(8), nullable=False),  # "unit", "alias" or "group"
    Column("source", Text, nullable=False),  # who added it: "admin", a plan, how a group is
    # An alias: [[unit, issuer or ""], ...]; a group: its members; a unit: [].
    Column("refers", JSON, nullable=False),
    Column("since", BigInteger, nullable=False),
    Column("changed_at", BigInteger, nullable=False),
)

people = Table(
    "rm_people",
    metadata,
    Column("person", String(128), primary_key=True),
    Column("unit", String(128), nullable=False),
    Column("roles", JSON, nullable=False),
    Column("since", BigInteger, nullable=False),
    Column("changed_at", BigInteger, nullable=False),
)

Change = tuple[Table, str, Callable[[Row | None], Row | None]]


def _named(name: str, kind: str, source: str, refers: list[Any], at: int) -> Callable[..., Row]:
    def change(row: Row | None) -> Row:
        since = row["since"] if row is not None else at
        return {
            "name": name,
            "kind": kind,
            "source": source,
            "refers": refers,
            "since": since,
            "changed_at": at,
        }

    return change


def _unit(name: str, source: str, at: int) -> Change:
    """``name`` as a unit, unless the directory has it already."""
    return (units, name, lambda row: row or _named(name, "unit", source, [], at)(None))


def _alias(event: Any, at: int) -> Change:
    def change(row: Row | None) -> Row:
        refers = row["refers"] if row is not None and row["kind"] == "alias" else []
        stands = [*refers, [event.unit, event.issuer]]
        return _named(event.alias, "alias", "admin", stands, at)(row)

    return (units, event.alias, change)


def changes(event: Any) -> list[Change]:
    """The rows an event of the directory or of the people changes, and how (pure)."""
    kind, at = type(event).__name__, epoch(event.timestamp) or 0
    if kind == "UnitsRegistered":
        return [_unit(u, event.source, at) for u in event.units]
    if kind == "AliasAdded":
        return [_alias(event, at), _unit(event.unit, "admin", at)]
    if kind == "GroupDefined":
        group = _named(event.group, "group", event.how, list(event.members), at)
        return [(units, event.group, group), *(_unit(m, "admin", at) for m in event.members)]
    if kind == "PersonAdded":

        def person(row: Row | None) -> Row:
            since = row["since"] if row is not None else at
            return {
                "person": event.person,
                "unit": event.unit,
                "roles": list(event.roles),
                "since": since,
                "changed_at": at,
            }

        return [(people, event.person, person)]
    if kind == "PersonRemoved":
        return [(people, event.person, lambda row: None)]
    return []  # contacts: read from the directory itself


_KEYS = {units.name: units.c.name, people.name: people.c.person}


class DirectoryProjection(Projection):
    name = "directory"
    topics = (
        *event_topics(DIRECTORY, "UnitsRegistered", "AliasAdded", "GroupDefined"),
        *event_topics(PEOPLE, "PersonAdded", "PersonRemoved"),
    )

    @property
    def tables(self) -> tuple[Table, ...]:
        return (units, people)

    def apply(self, conn: Connection, events: list[Any]) -> None:
        found = [c for e in events for c in changes(e)]
        rows: dict[tuple[str, str], Row | None] = {}
        for table in (units, people):
            keys = sorted({key for t, key, _ in found if t is table})
            for chunk in batches(keys):
                query = table.select().where(_KEYS[table.name].in_(chunk))
                for r in conn.execute(query):
                    row = dict(r._mapping)
                    rows[(table.name, row[_KEYS[table.name].name])] = row
        existed = set(rows)
        for table, key, change in found:
            rows[(table.name, key)] = change(rows.get((table.name, key)))
        for table in (units, people):
            touched = [k for (t, k) in rows if t == table.name]
            gone = [k for k in touched if (table.name, k) in existed]
            for chunk in batches(gone):
                conn.execute(table.delete().where(_KEYS[table.name].in_(chunk)))
            fresh = [rows[(table.name, k)] for k in touched]
            insert_rows(conn, table, [r for r in fresh if r is not None])

    def replay(self, life: Lifeline) -> Iterator[tuple[Table, Row]]:
        rows: dict[tuple[str, str], tuple[Table, Row | None]] = {}
        handles = self.handles
        for event in life.events:
            if isinstance(event, handles):
                for table, key, change in changes(event):
                    before = rows.get((table.name, key), (table, None))[1]
                    rows[(table.name, key)] = (table, change(before))
        for table, row in rows.values():
            if row is not None:
                yield table, row
