"""Applies stored events to the read models, in notification order, exactly once.

Each batch of events and the new tracking positions commit in one transaction. The
position is claimed first with a compare-and-set, so two runners (two CLI processes, two
service nodes) never apply the same batch twice: the loser rolls back and re-reads.
A crash anywhere leaves rows and position consistent; the next run resumes after the
last committed batch. A read model at position 0 (new, changed, or rebuilt) is filled by
a replay first (projections/replay.py). Works the same on SQLite (polling) and PostgreSQL.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from sqlalchemy import Connection, Engine, delete, inspect, select, update

from ledger.policy import AlertPolicy
from projections.base import Projection, metadata
from projections.bulk import empty
from projections.directory import DirectoryProjection
from projections.history import HistoryProjection
from projections.outbox import OutboxProjection
from projections.plans import PlansProjection
from projections.reader import Reader
from projections.replay import CHUNK, LostRace, Progress, Replay, refresh_statistics
from projections.spotchecks import SpotChecksProjection
from projections.task_versions import TaskVersionsProjection
from projections.tasks import TasksProjection
from projections.timers import TimersProjection
from projections.tracking import tracking

if TYPE_CHECKING:
    from ledger.application import Ledger

# Tables that earlier shapes of the read models had: a store made by older code loses
# them when its read models are set up (the links in force are open link versions now).
RETIRED = ("rm_verified", "rm_task_units")


def all_projections(policy: AlertPolicy | None = None) -> list[Projection]:
    """Every read model, in the order each batch is applied (projections/catalog.py)."""
    return [
        PlansProjection(),
        TasksProjection(),
        TaskVersionsProjection(),
        HistoryProjection(),
        SpotChecksProjection(),
        TimersProjection(policy),
        OutboxProjection(),
        DirectoryProjection(),
    ]


@dataclass(frozen=True)
class Lag:
    projection: str
    position: int
    head: int

    @property
    def behind(self) -> int:
        return max(0, self.head - self.position)


class ProjectionRunner:
    """Keeps every read model up to date with the ledger."""

    def __init__(self, ledger: Ledger, projections: Sequence[Projection] | None = None) -> None:
        self.ledger = ledger
        self.projections = list(projections or all_projections())
        engine = ledger.recorder.datastore.engine  # type: ignore[attr-defined]
        assert engine is not None, "projections need a SQL store"
        self.engine: Engine = engine
        self.replay_chunk = CHUNK  # events per committed chunk of a replay

    def reader(self) -> Reader:
        """A reader on this store's read models (the one read path)."""
        from ledger.store import parse_url

        return Reader(parse_url(self.engine.url.render_as_string(hide_password=False)))

    # -- schema ----------------------------------------------------------------------

    def create_tables(self) -> None:
        """Make every read model ready: create what is missing, reset what changed shape.

        A read model whose tracking row holds another version (projections/catalog.py)
        is dropped and starts again from position 0; the next catch-up replays it.
        """
        self._drop_if_tracking_changed()
        self._drop_retired()
        metadata.create_all(self.engine, tables=[tracking])
        with self.engine.begin() as conn:
            rows = conn.execute(select(tracking.c.projection, tracking.c.version))
            stored: dict[str, str] = {name: version for name, version in rows}  # noqa: C416
        for projection in self.projections:
            if stored.get(projection.name) == projection.tag():
                metadata.create_all(self.engine, tables=list(projection.tables))
                continue
            metadata.drop_all(self.engine, tables=list(projection.tables))
            metadata.create_all(self.engine, tables=list(projection.tables))
            with self.engine.begin() as conn:
                conn.execute(delete(tracking).where(tracking.c.projection == projection.name))
                conn.execute(
                    tracking.insert(),
                    [{"projection": projection.name, "position": 0, "version": projection.tag()}],
                )

    def _drop_if_tracking_changed(self) -> None:
        """Read models tracked by an older shape of the tracking table are rebuilt whole."""
        inspector = inspect(self.engine)
        if not inspector.has_table(tracking.name):
            return
        if {c["name"] for c in inspector.get_columns(tracking.name)} == set(tracking.c.keys()):
            return
        stale = [t for t in metadata.sorted_tables if inspector.has_table(t.name)]
        metadata.drop_all(self.engine, tables=stale)

    def _drop_retired(self) -> None:
        inspector = inspect(self.engine)
        for name in RETIRED:
            if inspector.has_table(name):
                with self.engine.begin() as conn:
                    conn.exec_driver_sql(f"DROP TABLE {name}")

    def rebuild(self, names: Sequence[str] = (), progress: Progress | None = None) -> int:
        """Empty and replay the named read models (all when none are named)."""
        chosen = [p for p in self.projections if not names or p.name in names]
        unknown = set(names) - {p.name for p in self.projections}
        if unknown:
            raise ValueError(f"no projection named {', '.join(sorted(unknown))}")
        # Back to position 0, in one transaction: the replay's first chunk empties the
        # tables with its own claim, so a crash in between leaves a read model that
        # replays, never an empty one that claims to be current.
        self.create_tables()  # a store no runner has seen yet has no tracking rows
        with self.engine.begin() as conn:
            conn.execute(
                update(tracking)
                .where(tracking.c.projection.in_([p.name for p in chosen]))
                .values(position=0, replay_head=None, replay_after=None)
            )
            if not self.ledger.recorder.max_notification_id():
                empty(conn, [t for p in chosen for t in p.tables])  # nothing to replay
        return self.catch_up(progress=progress)

    # -- applying events -------------------------------------------------------------

    def positions(self) -> dict[str, int]:
        with self.engine.connect() as conn:
            rows = conn.execute(select(tracking.c.projection, tracking.c.position))
            return dict(rows.tuples().all())

    def status(self) -> list[Lag]:
        head = self.ledger.recorder.max_notification_id() or 0
        positions = self.positions()
        return [Lag(p.name, positions.get(p.name, 0), head) for p in self.projections]

    def catch_up(
        self,
        batch_size: int = 2000,
        limit: int | None = None,
        progress: Progress | None = None,
        *,
        replay: bool = True,
    ) -> int:
        """Apply every event not yet applied; returns how many notifications were read.

        Read models at position 0 are filled by a replay in aggregate order unless
        ``replay`` is false; then every read model is brought to the head in
        notification order.
        """
        head = self.ledger.recorder.max_notification_id() or 0
        replayed = self._replay(head, batch_size, limit, progress) if replay else 0
        read = replayed
        while limit is None or read < limit:
            positions = self.positions()
            missing = [p.name for p in self.projections if p.name not in positions]
            if missing:
                raise RuntimeError(
                    f"read models {', '.join(missing)} are not set up; run `taizhang init`"
                )
            start = min(positions[p.name] for p in self.projections)
            if start >= head:
                break
            size = batch_size if limit is None else min(batch_size, limit - read)
            notifications = self.ledger.recorder.select_notifications(
                start=start + 1, limit=size, stop=head
            )
            if not notifications:
                break
            try:
                self._apply_batch(positions, notifications)
            except LostRace:
                continue  # another runner applied this batch; re-read the positions
            read += len(notifications)
            if progress is not None:
                progress(notifications[-1].id, head)
        if read > replayed:
            refresh_statistics(self.engine)  # SQLite: only where the tables grew well past
        return read

    def _replay(self, head: int, chunk: int, limit: int | None, progress: Progress | None) -> int:
        """Fill the read models at position 0, grouped by how far their replay got."""
        events = self.ledger.recorder.events_record_cls.__table__  # type: ignore[attr-defined]
        replay = Replay(self.engine, events, self.ledger.mapper)
        read = 0
        while limit is None or read < limit:
            with self.engine.connect() as conn:
                states = conn.execute(
                    select(
                        tracking.c.projection, tracking.c.replay_head, tracking.c.replay_after
                    ).where(tracking.c.position == 0)
                ).all()
            wanted = {name: (h, a) for name, h, a in states}
            groups: dict[tuple[int | None, str | None], list[Projection]] = {}
            for projection in self.projections:
                if projection.name in wanted:
                    groups.setdefault(wanted[projection.name], []).append(projection)
            pending = [(k, g) for k, g in groups.items() if k[0] is not None or head > 0]
            if not pending:
                return read
            (target, after), group = pending[0]
            try:
                read += replay.run(
                    group,
                    head if target is None else target,
                    after,
                    # A bounded catch-up (a test's crash point) keeps its small batches.
                    chunk=chunk if limit is not None else self.replay_chunk,
                    limit=None if limit is None else limit - read,
                    progress=progress,
                )
            except LostRace:
                continue  # another runner wrote that chunk; look again
        return read

    def _apply_batch(self, positions: dict[str, int], notifications: Sequence[Any]) -> None:
        last = notifications[-1].id
        mapper = self.ledger.mapper
        events = [(n.id, mapper.to_domain_event(n)) for n in notifications]
        with self.engine.begin() as conn:
            for projection in self.projections:
                old = positions[projection.name]
                if old >= last:
                    continue
                if not self._claim(conn, projection.name, old, last):
                    raise LostRace  # leaving the block rolls the whole batch back
                if old == 0:
                    # Rows left behind position 0 (a rebuild or a replay stopped part
                    # way) are not the ledger's: start from none, with this claim.
                    empty(conn, projection.tables)
                handles = projection.handles
                mine = [e for nid, e in events if nid > old and isinstance(e, handles)]
                if mine:
                    projection.apply(conn, mine)

    @staticmethod
    def _claim(conn: Connection, name: str, old: int, new: int) -> bool:
        fresh = {"replay_head": None, "replay_after": None} if old == 0 else {}
        result = conn.execute(
            update(tracking)
            .where(tracking.c.projection == name, tracking.c.position == old)
            .values(position=new, **fresh)
        )
        return bool(result.rowcount == 1)
