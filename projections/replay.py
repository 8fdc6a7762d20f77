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
and a writer of the ledger waits at most for one chunk. At the end the read model's
position becomes that head and incremental catch-up takes over.
"""

from __future__ import annotations

import gc
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any
from uuid import UUID

from sqlalchemy import Connection, Engine, LargeBinary, Table, select, type_coerce, update

from projections.base import Lifeline, Projection, Row
from projections.bulk import insert_rows
from projections.tracking import tracking

if TYPE_CHECKING:
    from eventsourcing.persistence import Mapper

Progress = Callable[[int, int], None]
CHUNK = 20_000  # events per committed chunk: large enough to write in bulk, small in memory


def refresh_statistics(engine: Engine, tables: Sequence[str] = ()) -> None:
    """Give the planner statistics on ``tables`` (just filled by a replay), or with no
    tables, on SQLite, wherever they have gone stale (``PRAGMA optimize``). Best effort:
    the rows are committed already, and a busy store only means older statistics.

    On PostgreSQL a vacuum too: until the visibility map is set, an index-only scan of a
    covering index still visits every row (autovacuum keeps it up later). On SQLite the
    statistics let the planner skip-scan (rm_task_versions_section); a sample of rows per
    index is enough for that.
    """
    from sqlalchemy.exc import SQLAlchemyError

    try:
        if engine.dialect.name == "postgresql" and tables:
            with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
                for name in tables:
                    conn.exec_driver_sql(f"VACUUM (ANALYZE) {name}")
        elif engine.dialect.name == "sqlite":
            with engine.begin() as conn:
                conn.exec_driver_sql("PRAGMA analysis_limit = 1000")
                for name in tables:
                    conn.exec_driver_sql(f"ANALYZE {name}")
                if not tables:
                    conn.exec_driver_sql("PRAGMA optimize")
    except SQLAlchemyError as e:
        import structlog

        structlog.get_logger().warning("statistics not refreshed", error=str(e).splitlines()[0])


class LostRace(Exception):
    """Another runner moved a tracking position first."""


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
        (events, rows) and no cycles, and each collection would walk them all, about a
        fifth of the replay's time. Each chunk's objects go by reference counting.
        """
        collecting = gc.isenabled()
        gc.disable()
        try:
            return self._run(projections, head, after, chunk, limit, progress)
        finally:
            if collecting:
                gc.enable()

    def _run(
        self,
        projections: Sequence[Projection],
        head: int,
        after: str | None,
        chunk: int,
        limit: int | None,
        progress: Progress | None,
    ) -> int:
        read = 0
        while limit is None or read < limit:
            size = chunk if limit is None else max(1, min(chunk, limit - read))
            lives, last, done = self._read(head, after, size)
            self._write(projections, self._fold(projections, lives), head, after, last, done)
            read += sum(len(life.events) for life in lives)
            after = last
            if progress is not None:
                progress(read, head)
            if done:
                refresh_statistics(self.engine, [t.name for p in projections for t in p.tables])
                break
        return read

    def _write(
        self,
        projections: Sequence[Projection],
        rows: dict[tuple[Projection, Table], list[Row]],
        head: int,
        after: str | None,
        last: str | None,
        done: bool,
    ) -> None:
        """Commit one chunk's rows with the claim of its progress.

        Secondary indexes go with the first chunk and come back, built in one sort each,
        with the last: maintaining them row by row would cost more than the rows.
        """
        tables = [t for p in projections for t in p.tables]
        with self.engine.begin() as conn:
            for projection in projections:
                if not self._claim(conn, projection.name, head, after, last, done):
                    raise LostRace  # leaving the block rolls the chunk back
            if after is None:
                for table in tables:
                    for index in table.indexes:
                        index.drop(conn, checkfirst=True)
            for (projection, table), found in rows.items():
                insert_rows(conn, table, found, projection.replay_conflict(table))
            if done:
                for table in tables:
                    for index in table.indexes:
                        index.create(conn, checkfirst=True)

    def _read(
        self, head: int, after: str | None, size: int
    ) -> tuple[list[Lifeline], str | None, bool]:
        """Whole aggregates after ``after`` (at least one), the last one's id, and
        whether the end was reached."""
        t = self.events
        # On SQLite the id as stored (16 bytes): the column type would build a UUID per
        # event, and one per aggregate is enough. PostgreSQL's driver gives UUIDs already.
        raw_id: Any = t.c.originator_id
        if self.engine.dialect.name == "sqlite":
            raw_id = type_coerce(raw_id, LargeBinary)
        while True:
            query = select(raw_id, t.c.originator_version, t.c.topic, t.c.state).where(
                t.c.id <= head
            )
            if after is not None:
                query = query.where(t.c.originator_id > UUID(after))
            query = query.order_by(t.c.originator_id, t.c.originator_version).limit(size)
            with self.engine.connect() as conn:
                rows = conn.execute(query).all()
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
        from eventsourcing.persistence import StoredEvent  # only a replay needs it

        lives: list[Lifeline] = []
        current: Any = None
        originator_id = UUID(int=0)
        to_event = self.mapper.to_domain_event
        for raw, version, topic, stored in rows:
            if raw != current:
                current = raw
                originator_id = raw if isinstance(raw, UUID) else UUID(bytes=bytes(raw))
                lives.append(Lifeline([]))
            state = bytes(stored) if isinstance(stored, memoryview) else stored
            lives[-1].events.append(to_event(StoredEvent(originator_id, version, topic, state)))
        last = str(lives[-1].events[0].originator_id) if lives else after
        return lives, last, done

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
