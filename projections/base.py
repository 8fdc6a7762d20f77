"""What every read model shares: the metadata its tables hang on, and its contract.

A projection is a table schema plus a pure mapping from events to rows
(:meth:`RowProjection.evolve`); the runner owns transactions and tracking.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any, ClassVar, TypeVar

from sqlalchemy import Connection, MetaData, Table, bindparam, update
from sqlalchemy.sql.dml import Update

from projections import catalog
from projections.bulk import insert_rows
from projections.events import resolve
from projections.moments import OPEN, epoch
from projections.reader import batches

metadata = MetaData()

Row = dict[str, Any]
T = TypeVar("T")


@dataclass
class Lifeline:
    """One aggregate's whole stored history, in version order, as a replay hands it out.

    Read models that need the same derived data (the task row after each event) compute
    it once per aggregate through :meth:`memo`.
    """

    events: list[Any]
    _memo: dict[str, Any] = field(default_factory=dict)

    @property
    def key(self) -> str:
        """The aggregate's id, as the read models key it."""
        return self.memo("key", lambda: str(self.events[0].originator_id))

    def memo(self, name: str, compute: Callable[[], T]) -> T:
        if name not in self._memo:
            self._memo[name] = compute()
        found: T = self._memo[name]
        return found


__all__ = [
    "Lifeline",
    "Projection",
    "Row",
    "RowProjection",
    "closing_statement",
    "epoch",
    "metadata",
]


def closing_statement(table: Table) -> Update:
    """Closes the version in force of aggregate ``:key`` at ``:at`` (a table of versions,
    keyed by ``task_id``, in force until ``rec_to``): found through the key."""
    return (
        update(table)
        .where(table.c.task_id == bindparam("key"), table.c.rec_to == OPEN)
        .values(rec_to=bindparam("at"))
    )


class Projection:
    """A read model: its tables, the events it reads, and how a batch of them lands."""

    name: ClassVar[str]
    # The events it reads, as topics (projections/events.py); ``handles`` has the classes.
    topics: ClassVar[tuple[str, ...]]

    @property
    def handles(self) -> tuple[type[Any], ...]:
        return resolve(self.topics)

    @property
    def tables(self) -> tuple[Table, ...]:
        raise NotImplementedError

    def apply(self, conn: Connection, events: list[Any]) -> None:
        """Apply ``events`` (in notification order) inside the runner's transaction."""
        raise NotImplementedError

    def tag(self) -> str:
        """The version of its shape its tracking row must hold (projections/catalog.py)."""
        return catalog.tag(self.name, "")

    def replay(self, life: Lifeline) -> Iterator[tuple[Table, Row]]:
        """The rows this read model holds for one aggregate after its whole history, as
        if its tables held nothing else (see projections/replay.py). Pure."""
        raise NotImplementedError

    def replay_finished(self, conn: Connection) -> None:
        """After the last chunk of a replay, its indexes built, in the same transaction:
        what is derived from all the rows at once (counts across aggregates)."""

    def replay_conflict(self, table: Table) -> str:
        """How a replayed row meets one another aggregate's replay wrote first: an
        ``ON CONFLICT`` clause, or "" where rows of different aggregates never meet."""
        return ""


class RowProjection(Projection):
    """A read model with one row per aggregate, rebuilt by folding that aggregate's events."""

    table: ClassVar[Table]
    key_column: ClassVar[str]

    @property
    def tables(self) -> tuple[Table, ...]:
        return (self.table,)

    def apply(self, conn: Connection, events: list[Any]) -> None:
        keys = {self.key(e) for e in events}
        existing = self.load(conn, keys)
        rows: dict[str, Row | None] = dict(existing)
        for event in events:
            key = self.key(event)
            rows[key] = self.evolve(rows.get(key), event)
        self.store(conn, {k: rows[k] for k in keys}, set(existing))

    def key(self, event: Any) -> str:
        return str(event.originator_id)

    def replay(self, life: Lifeline) -> Iterator[tuple[Table, Row]]:
        row: Row | None = None
        handles = self.handles
        for event in life.events:
            if isinstance(event, handles):
                row = self.evolve(row, event)
        if row is not None:
            yield self.table, row

    def evolve(self, row: Row | None, event: Any) -> Row | None:
        """The row after ``event``; pure. Returning None leaves no row."""
        raise NotImplementedError

    def load(self, conn: Connection, keys: Iterable[str]) -> dict[str, Row]:
        col = self.table.c[self.key_column]
        found: dict[str, Row] = {}
        wanted = list(keys)
        for chunk in batches(wanted):
            for r in conn.execute(self.table.select().where(col.in_(chunk))):
                found[r._mapping[self.key_column]] = dict(r._mapping)
        return found

    def store(self, conn: Connection, rows: Mapping[str, Row | None], existed: set[str]) -> None:
        # Delete-then-insert in two batched statements: per-row UPDATEs cost more in
        # statement building than the database spends executing them.
        col = self.table.c[self.key_column]
        replaced = [k for k in rows if k in existed]
        for chunk in batches(replaced):
            conn.execute(self.table.delete().where(col.in_(chunk)))
        insert_rows(conn, self.table, [r for r in rows.values() if r is not None])
