"""Filling empty read models from the whole ledger, one aggregate at a time.

A read model at position 0 holds no rows. Instead of applying the log in notification
order (loading, changing and rewriting rows batch after batch), the replay reads the
stored events in the order of the store's unique (originator id, version) index, so each
aggregate's whole history arrives together; every read model folds it in memory
(:meth:`Projection.replay`) and its final rows are written once, in bulk. The rows are
those incremental application gives: tests/integration/test_projection_replay.py holds
the two paths to that.

The replay goes up to the head it found when it began, kept in the tracking row
(``replay_head``) with the last aggregate written (``replay_after``). Each chunk of
aggregates commits with a compare-and-set on those two, like the runner's batches: a
crash resumes after the last committed chunk, two runners never write the same chunk,
and a writer of the ledger waits at most for one chunk. The first chunk empties the
tables and drops their secondary indexes; the last builds them again, each in one sort,
and the read model's position becomes the head: incremental catch-up takes over.
"""

from __future__ import annotations

import gc
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any
from uuid import UUID

from sqlalchemy import Connection, Engine, LargeBinary, Select, Table, select, type_coerce, update

from projections.base import Lifeline, Projection, Row
from projections.bulk import empty, insert_rows
from projections.tracking import tracking

if TYPE_CHECKING:
    from eventsourcing.persistence import Mapper

Progress = Callable[[int, int], None]
CHUNK = 20_000  # events per committed chunk: large enough to write in bulk, small in memory


class LostRace(Exception):
    """Another runner moved a tracking position first."""


def refresh_statistics(engine: Engine, tables: Sequence[str] = ()) -> None:
    """Give the planner statistics on ``tables`` (just filled by a replay), or with no
    tables, on SQLite, wherever they have gone stale (``PRAGMA optimize``). Best effort:
    the rows are committed already, and a busy store only means older statistics. On
    PostgreSQL a vacuum too: until the visibility map is set, an index-only scan of a
    covering index still visits every row."""
    from sqlalchemy.exc import SQLAlchemyError

    try:
        if engine.dialect.name == "postgresql":
            with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
                for name in tables:
                    conn.exec_driver_sql(f"VACUUM (ANALYZE) {name}")
        else:
            with engine.begin() as conn:
                conn.exec_driver_sql("PRAGMA analysis_limit = 1000")
                for name in tables:
                    conn.exec_driver_sql(f"ANALYZE {name}")
                if not tables:
                    conn.exec_driver_sql("PRAGMA optimize")
    except SQLAlchemyError as e:
        import structlog

        structlog.get_logger().warning("statistics not refreshed", error=str(e).splitlines()[0])


class Replay:
    """Replays the stored events into read models that hold nothing yet."""

    def __init__(self, engine: Engine, events: Table, mapper: Mapper[UUID]) -> None:
        self.engine = engine
        self.events = events
        self.mapper = mapper

    def run(
        self,
        projections: Sequence[Projection],
        head: int,
        after: str | None,
        chunk: int = CHUNK,
        limit: int | None = None,
        progress: Progress | None = None,
    ) -> int:
        """Replay into ``projections`` (all at the same replay state: ``head`` and
        ``after``) until done or ``limit`` events were read; returns events read.

        The cyclic garbage collector is off meanwhile: a chunk makes millions of objects
        (events, rows) and no cycles, and each collection would walk them all.
        """
        collecting = gc.isenabled()
        gc.disable()
        read = 0
        try:
            while limit is None or read < limit:
                size = chunk if limit is None else max(1, min(chunk, limit - read))
                lives, last, done = self._read(head, after, size)
                rows = self._fold(projections, lives)
                self.write(projections, rows, head, after, last, done)
                read += sum(len(life.events) for life in lives)
                after = last
                if progress is not None:
                    progress(read, head)
                if done:
                    tables = [t.name for p in projections for t in p.tables]
                    refresh_statistics(self.engine, tables)
                    break
        finally:
            if collecting:
                gc.enable()
        return read

    def write(
        self,
        projections: Sequence[Projection],
        rows: dict[tuple[Projection, Table], list[Row]],
        head: int,
        after: str | None,
        last: str | None,
        done: bool,
    ) -> None:
        """Commit one chunk's rows with the claim of its progress."""
        tables = [t for p in projections for t in p.tables]
        with self.engine.begin() as conn:
            for projection in projections:
                if not self._claim(conn, projection.name, head, after, last, done):
                    raise LostRace  # leaving the block rolls the chunk back
            if after is None:
                # What an earlier fill left (``projections rebuild`` only resets the
                # positions), emptied with this chunk's claim, never apart from it.
                empty(conn, tables, drop_indexes=True)
            encoded: dict[int, str] = {}
            for (projection, table), found in rows.items():
                insert_rows(conn, table, found, projection.replay_conflict(table), encoded)
            if done:
                for table in tables:
                    for index in table.indexes:
                        index.create(conn, checkfirst=True)
                for projection in projections:
                    projection.replay_finished(conn)

    def _select(self, head: int, after: str | None) -> Select[Any]:
        t = self.events
        # On SQLite the id as stored (16 bytes): the column type would build a UUID per
        # event, and one per aggregate is enough. PostgreSQL's driver gives UUIDs.
        raw_id: Any = t.c.originator_id
        if self.engine.dialect.name == "sqlite":
            raw_id = type_coerce(raw_id, LargeBinary)
        query = select(raw_id, t.c.originator_version, t.c.topic, t.c.state).where(t.c.id <= head)
        if after is not None:
            query = query.where(t.c.originator_id > UUID(after))
        return query.order_by(t.c.originator_id, t.c.originator_version)

    def _read(
        self, head: int, after: str | None, size: int
    ) -> tuple[list[Lifeline], str | None, bool]:
        """Whole aggregates after ``after`` (at least one), the last one's id, and
        whether the end was reached."""
        while True:
            with self.engine.connect() as conn:
                rows = conn.execute(self._select(head, after).limit(size)).all()
            done = len(rows) < size
            if not done:
                # The last aggregate may go on past the chunk: it comes whole next time.
                cut = len(rows)
                while cut > 0 and rows[cut - 1][0] == rows[-1][0]:
                    cut -= 1
                if cut == 0:  # one aggregate longer than the chunk
                    size *= 2
                    continue
                rows = rows[:cut]
            break
        lives = self._lives(rows)
        last = str(lives[-1].events[0].originator_id) if lives else after
        return lives, last, done

    def _lives(self, rows: Sequence[Any]) -> list[Lifeline]:
        """Stored rows, in aggregate order, as each aggregate's events (decoded by the
        ledger's own mapper, upcasting included)."""
        from eventsourcing.persistence import StoredEvent

        lives: list[Lifeline] = []
        current: Any = None
        originator_id = UUID(int=0)
        decode = self.mapper.to_domain_event
        for raw, version, topic, stored in rows:
            if raw != current:
                current = raw
                originator_id = raw if isinstance(raw, UUID) else UUID(bytes=bytes(raw))
                lives.append(Lifeline([]))
            state = bytes(stored) if isinstance(stored, memoryview) else stored
            lives[-1].events.append(decode(StoredEvent(originator_id, version, topic, state)))
        return lives

    @staticmethod
    def _fold(
        projections: Sequence[Projection], lives: list[Lifeline]
    ) -> dict[tuple[Projection, Table], list[Row]]:
        rows: dict[tuple[Projection, Table], list[Row]] = {}
        for projection in projections:
            handles = projection.handles
            for life in lives:
                if any(isinstance(e, handles) for e in life.events):
                    for table, row in projection.replay(life):
                        rows.setdefault((projection, table), []).append(row)
        return rows

    @staticmethod
    def _claim(
        conn: Connection, name: str, head: int, after: str | None, last: str | None, done: bool
    ) -> bool:
        t = tracking
        values: dict[str, Any] = (
            {"position": head, "replay_head": None, "replay_after": None}
            if done
            else {"replay_head": head, "replay_after": last}
        )
        result = conn.execute(
            update(t)
            .where(
                t.c.projection == name,
                t.c.position == 0,
                t.c.replay_head.is_(None) if after is None else t.c.replay_head == head,
                t.c.replay_after.is_not_distinct_from(after),
            )
            .values(**values)
        )
        return result.rowcount == 1
