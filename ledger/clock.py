"""Recorded time never goes backwards: the ledger keeps its last recorded instant.

Every save moves the instant forward in the same transaction as the events, with a
guarded update (``… WHERE recorded_at <= :at``). A writer that finds a later instant
there was overtaken by another writer (another process, another node) and runs its
command again at a later "now"; one that got there first holds the row until it
commits, so in notification order the recorded times of events never decrease.
On PostgreSQL the row lock is taken before the event table's own lock, by every writer,
so the two never wait on each other in opposite orders.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from typing import Any, Protocol

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MICRO = timedelta(microseconds=1)
TABLE = "ledger_clock"


class Overtaken(Exception):
    """Another writer recorded a later instant while this command ran: run it again."""


def micros(moment: datetime) -> int:
    return (moment - EPOCH) // _MICRO


def instant(value: int) -> datetime:
    return EPOCH + value * _MICRO


class LastInstant(Protocol):
    def read(self) -> datetime | None:
        """The last instant recorded in the ledger, if anything was recorded."""
        ...

    def guard(self, at: datetime, until: datetime | None = None) -> Any:
        """A context for saving events recorded from ``at`` to ``until`` (default: at),
        giving the saving transaction's session (None in memory); raises Overtaken first
        if the ledger already holds an instant later than ``at``."""
        ...


class MemoryInstant:
    """For the in-memory store of unit tests: one process, one ledger object."""

    def __init__(self) -> None:
        self.last: datetime | None = None

    def read(self) -> datetime | None:
        return self.last

    @contextmanager
    def guard(self, at: datetime, until: datetime | None = None) -> Iterator[None]:
        if self.last is not None and at < self.last:
            raise Overtaken
        yield None
        self.last = until or at


class SqlInstant:
    """The instant in a one-row table beside the events, moved in the saving transaction."""

    def __init__(self, recorder: Any, mapper: Any) -> None:
        self.recorder = recorder
        self.mapper = mapper
        self._ready = False

    def ensure(self) -> None:
        """Create the row if this store has none yet (a new store, or one recorded by an
        older version: then it starts at the instant of the newest event)."""
        if self._ready:
            return
        from sqlalchemy import text

        engine = self.recorder.datastore.engine
        with engine.begin() as conn:
            conn.execute(
                text(
                    f"CREATE TABLE IF NOT EXISTS {TABLE} "
                    "(id INTEGER PRIMARY KEY, recorded_at BIGINT NOT NULL)"
                )
            )
            if conn.execute(text(f"SELECT count(*) FROM {TABLE}")).scalar():
                self._ready = True
                return
        start = self._newest_event()
        with engine.begin() as conn:
            conn.execute(
                text(
                    f"INSERT INTO {TABLE} (id, recorded_at) VALUES (1, :at)"
                    " ON CONFLICT (id) DO NOTHING"
                ),
                {"at": micros(start) if start else 0},
            )
        self._ready = True

    def _newest_event(self) -> datetime | None:
        head = self.recorder.max_notification_id()
        if not head:
            return None
        (last,) = self.recorder.select_notifications(start=head, limit=1)
        moment: datetime = self.mapper.to_domain_event(last).timestamp
        return moment

    def read(self) -> datetime | None:
        from sqlalchemy import text

        self.ensure()
        with self.recorder.datastore.engine.connect() as conn:
            value = conn.execute(text(f"SELECT recorded_at FROM {TABLE} WHERE id = 1")).scalar()
        return instant(int(value)) if value else None

    @contextmanager
    def guard(self, at: datetime, until: datetime | None = None) -> Iterator[Any]:
        from sqlalchemy import text

        self.ensure()
        with self.recorder.transaction(commit=True) as session:
            moved = session.execute(
                text(
                    f"UPDATE {TABLE} SET recorded_at = :until WHERE id = 1 AND recorded_at <= :at"
                ),
                {"at": micros(at), "until": micros(until or at)},
            )
            if moved.rowcount != 1:
                raise Overtaken
            yield session
