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
from collections.abc import Callable, Mapping, Sequence
from functools import cached_property
from typing import TYPE_CHECKING, Any
from uuid import UUID

from sqlalchemy import (
    Connection,
    Engine,
    LargeBinary,
    Select,
    Table,
    func,
    select,
    type_coerce,
    update,
)

from projections.base import Lifeline, Projection, Row
from projections.bulk import empty, insert_values, row_values, sqlite_pragma
from projections.replay_worker import (
    WORKER_FROM,
    Chunk,
    Prepared,
    Span,
    Unavailable,
    available_cores,
    take_turns,
)
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
            _vacuum(engine, tables)
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


def _vacuum(engine: Engine, tables: Sequence[str]) -> None:
    """``VACUUM (ANALYZE)`` each table, on as many connections at once as there are
    cores: the replay's other process has stopped by now, and the server vacuums
    each table in a process of its own (a seventh of a city rebuild, done one by one).
    The largest tables go first, so that no long one is left for last."""
    from concurrent.futures import ThreadPoolExecutor

    def vacuum(name: str) -> None:
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.exec_driver_sql(f"VACUUM (ANALYZE) {name}")

    with engine.connect() as conn:
        found = conn.exec_driver_sql(
            "SELECT relname, pg_total_relation_size(oid) FROM pg_class"
            " WHERE relname = ANY(%(names)s) AND relkind = 'r' AND pg_table_is_visible(oid)",
            {"names": list(tables)},
        )
        sizes: dict[str, int] = {str(name): int(size) for name, size in found}
    largest_first = sorted(tables, key=lambda name: -sizes.get(name, 0))
    with ThreadPoolExecutor(max(1, min(available_cores(), len(tables)))) as pool:
        for done in [pool.submit(vacuum, name) for name in largest_first]:
            done.result()  # an error is the caller's, as when they ran one by one


class LostRace(Exception):
    """Another runner moved a tracking position first."""


def prepare(rows: dict[tuple[Projection, Table], list[Row]]) -> Prepared:
    """A chunk's rows as the writer takes them (``rows`` keeps them all alive)."""
    done: dict[int, str] = {}
    return [(table.name, row_values(table, found, done)) for (_, table), found in rows.items()]


def event_decoder(mapper: Mapper[UUID]) -> Callable[[UUID, int, str, bytes], Any]:
    """The domain event of a stored row, as ``mapper.to_domain_event`` makes it.

    Where the library's own mapper neither decompresses nor decrypts and an event class
    has no upcasting to do, the event is made directly: the mapper's general path (a
    topic lookup, an id conversion and a version check per event) took a third of the
    time of decoding a city ledger.
    """
    from eventsourcing.persistence import Mapper, StoredEvent
    from eventsourcing.utils import resolve_topic

    general = mapper.to_domain_event
    if type(mapper) is not Mapper or mapper.cipher is not None or mapper.compressor is not None:
        return lambda oid, version, topic, state: general(StoredEvent(oid, version, topic, state))
    decode = mapper.transcoder.decode
    direct: dict[str, type[Any] | None] = {}

    def to_event(oid: UUID, version: int, topic: str, state: bytes) -> Any:
        if topic not in direct:
            found = resolve_topic(topic)
            direct[topic] = found if getattr(found, "class_version", 1) == 1 else None
        cls = direct[topic]
        if cls is None:
            return general(StoredEvent(oid, version, topic, state))
        fields = decode(state)
        if "class_version" in fields:  # written by a later version of the class
            return general(StoredEvent(oid, version, topic, state))
        fields["originator_id"] = oid
        fields["originator_version"] = version
        event = object.__new__(cls)
        object.__setattr__(event, "__dict__", fields)
        return event

    return to_event


def cuts(counts: Sequence[int], chunk: int) -> list[int]:
    """Where to cut aggregates with ``counts`` events into chunks: the index of each
    chunk's last aggregate.

    ``chunk`` events each, but smaller towards either end: two processes overlap
    everything but the first fold (nothing to write yet) and the last write (nothing
    left to fold), so the chunks grow from a quarter of ``chunk`` at the start and
    shrink to a quarter again at the end.
    """
    total = sum(counts)
    least = max(1, chunk // 4)
    ends: list[int] = []
    taken = filled = 0  # events in the chunks cut so far, and in the one being filled
    wanted = least
    for i, count in enumerate(counts):
        filled += count
        if filled >= wanted or i == len(counts) - 1:
            ends.append(i)
            taken += filled
            filled = 0
            wanted = max(least, min(chunk, taken, (total - taken) // 2))
    return ends


class Replay:
    """Replays the stored events into read models that hold nothing yet.

    With ``env`` (the ledger's environment) a long replay is shared with a second
    process on a machine with two cores or more (projections/replay_worker.py): each
    folds its next chunk while the other writes.
    """

    def __init__(
        self,
        engine: Engine,
        events: Table,
        mapper: Mapper[UUID],
        env: Mapping[str, str] | None = None,
        worker_from: int = WORKER_FROM,
    ) -> None:
        self.engine = engine
        self.events = events
        self.mapper = mapper
        self.env = env
        self.worker_from = worker_from

    @cached_property
    def _to_event(self) -> Callable[[UUID, int, str, bytes], Any]:
        """One decoder for the whole replay: it learns each event class once."""
        return event_decoder(self.mapper)

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
            if limit is None and self._shared_pays(head):
                spans = self.spans(head, after, chunk)
                if len(spans) > 1:
                    try:
                        read = take_turns(self, self.env or {}, projections, head, spans, progress)
                    except Unavailable as e:
                        import structlog

                        structlog.get_logger().warning(
                            "replaying in one process", reason=str(e).splitlines()[-1]
                        )
                    else:
                        self._finish(projections)
                        return read
            return self._run(projections, head, after, chunk, limit, progress)
        finally:
            if collecting:
                gc.enable()

    def _shared_pays(self, head: int) -> bool:
        """Whether a second process is worth starting (about a second) for this replay."""
        if self.env is None or head < self.worker_from or available_cores() < 2:
            return False
        url = self.engine.url
        # Another process cannot see an in-memory SQLite database.
        return url.get_backend_name() != "sqlite" or url.database not in (None, "", ":memory:")

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
            rows = prepare(self._fold(projections, lives))
            self.write(projections, rows, head, after, last, done)
            read += sum(len(life.events) for life in lives)
            after = last
            if progress is not None:
                progress(read, head)
            if done:
                self._finish(projections)
                break
        return read

    def _finish(self, projections: Sequence[Projection]) -> None:
        refresh_statistics(self.engine, [t.name for p in projections for t in p.tables])

    def spans(self, head: int, after: str | None, chunk: int) -> list[Span]:
        """The rest of the replay cut into chunks of whole aggregates (see :func:`cuts`),
        from counting each aggregate's events (one scan of an index)."""
        t = self.events
        query = select(self._raw_id(), func.count()).where(t.c.id <= head)
        if after is not None:
            query = query.where(t.c.originator_id > UUID(after))
        query = query.group_by(t.c.originator_id).order_by(t.c.originator_id)
        with self.engine.connect() as conn:
            counts = conn.execute(query).all()
        spans: list[Span] = []
        start = after
        ends = cuts([count for _, count in counts], chunk)
        for i in ends:
            raw = counts[i][0]
            last = str(raw if isinstance(raw, UUID) else UUID(bytes=bytes(raw)))
            spans.append(Span(start, last, i == len(counts) - 1))
            start = last
        return spans

    def chunk_of(self, projections: Sequence[Projection], head: int, span: Span) -> Chunk:
        """Read and fold the aggregates of ``span``."""
        t = self.events
        query = self._select(head, span.after).where(t.c.originator_id <= UUID(span.last))
        with self.engine.connect() as conn:
            lives = self._lives(conn.execute(query).all())
        rows = prepare(self._fold(projections, lives))
        return Chunk(sum(len(life.events) for life in lives), rows)

    def write(
        self,
        projections: Sequence[Projection],
        prepared: Prepared,
        head: int,
        after: str | None,
        last: str | None,
        done: bool,
    ) -> None:
        """Commit one chunk's rows with the claim of its progress.

        The first chunk empties the tables. Secondary indexes go with it and come back,
        built in one sort each, with the last: maintaining them row by row would cost
        more than the rows.
        """
        tables = [t for p in projections for t in p.tables]
        owner = {t.name: (p, t) for p in projections for t in p.tables}
        with self.engine.begin() as conn:
            for projection in projections:
                if not self._claim(conn, projection.name, head, after, last, done):
                    raise LostRace  # leaving the block rolls the chunk back
            if after is None:
                # What an earlier fill left (``projections rebuild`` only resets the
                # positions), emptied in this chunk's transaction: while the second
                # process folds, and never apart from the claim.
                empty(conn, tables, drop_indexes=True)
            for name, values in prepared:
                projection, table = owner[name]
                insert_values(conn, table, values, projection.replay_conflict(table))
            if done:
                self._finish_writing(conn, projections, tables)

    @staticmethod
    def _finish_writing(
        conn: Connection, projections: Sequence[Projection], tables: Sequence[Table]
    ) -> None:
        """Every secondary index of ``tables``, each built in one sort; then what each
        read model derives from all its rows (:meth:`Projection.replay_finished`).

        On SQLite the sorts use every core (``PRAGMA threads``): this comes after the
        last chunk, when the replay's other process has nothing left to do. Two threads
        sort a province's largest index in a fifth less time, and count its unit links
        (projections/unit_tally.py) in 5.3 s instead of 6.6 s. PostgreSQL sorts in
        parallel workers of its own (``max_parallel_maintenance_workers``).
        """
        with sqlite_pragma(conn, "threads", available_cores()):
            for table in tables:
                for index in table.indexes:
                    index.create(conn, checkfirst=True)
            for projection in projections:
                projection.replay_finished(conn)

    def _raw_id(self) -> Any:
        # On SQLite the id as stored (16 bytes): the column type would build a UUID per
        # event, and one per aggregate is enough. PostgreSQL's driver gives UUIDs already.
        raw_id: Any = self.events.c.originator_id
        if self.engine.dialect.name == "sqlite":
            raw_id = type_coerce(raw_id, LargeBinary)
        return raw_id

    def _select(self, head: int, after: str | None) -> Select[Any]:
        t = self.events
        query = select(self._raw_id(), t.c.originator_version, t.c.topic, t.c.state).where(
            t.c.id <= head
        )
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
        """Stored rows, in aggregate order, as each aggregate's decoded events."""
        lives: list[Lifeline] = []
        current: Any = None
        originator_id = UUID(int=0)
        to_event = self._to_event
        for raw, version, topic, stored in rows:
            if raw != current:
                current = raw
                originator_id = raw if isinstance(raw, UUID) else UUID(bytes=bytes(raw))
                lives.append(Lifeline([]))
            state = bytes(stored) if isinstance(stored, memoryview) else stored
            lives[-1].events.append(to_event(originator_id, version, topic, state))
        return lives

    @staticmethod
    def _fold(
        projections: Sequence[Projection], lives: list[Lifeline]
    ) -> dict[tuple[Projection, Table], list[Row]]:
        rows: dict[tuple[Projection, Table], list[Row]] = {}
        # Which read models an aggregate concerns follows from the classes of its events,
        # and aggregates of one kind have few combinations of them: decided once each.
        kinds = [frozenset(map(type, life.events)) for life in lives]
        for projection in projections:
            handles = projection.handles
            concerned: dict[frozenset[type], bool] = {}
            for life, kind in zip(lives, kinds, strict=True):
                wanted = concerned.get(kind)
                if wanted is None:
                    wanted = concerned[kind] = any(issubclass(k, handles) for k in kind)
                if wanted:
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
