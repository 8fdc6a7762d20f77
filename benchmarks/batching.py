"""A Ledger whose use cases run unchanged but whose writes can be gathered into one save.

Inside ``with ledger.batch():`` every aggregate the use cases load is kept, so a second
command on the same task sees the first one's events, and ``save`` only notes what
changed; leaving the block saves every changed aggregate in one ``Application.save``
(one transaction). So the bulk activity load runs the real ``Ledger.report_progress``,
``complete`` ... with all their logic (including whatever they add around the Task
methods), and only the number of transactions changes.

The hooks are the library's public extension points (``construct_repository``, ``save``),
not the ledger's internals, so they keep working when the use cases change.

One difference from one transaction per command: when a use case triggers an event and
then a later guard refuses the command, the per-command path discards the unsaved
aggregate; here that first event stays in the batch. The runs count refusals so such
cases show.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from typing import Any
from uuid import UUID

from eventsourcing.application import Repository
from eventsourcing.domain import Aggregate

from ledger.application import Ledger


class _BatchRepository(Repository[UUID]):
    """Serves aggregates loaded during a batch from memory, with their unsaved events."""

    batch: dict[UUID, Any] | None = None

    def get(self, aggregate_id: UUID, **kwargs: Any) -> Any:
        if self.batch is None or kwargs.get("version") is not None:
            return super().get(aggregate_id, **kwargs)
        found = self.batch.get(aggregate_id)
        if found is None:
            found = self.batch[aggregate_id] = super().get(aggregate_id, **kwargs)
        return found


def _at(event: Any) -> datetime:
    moment: datetime = event.timestamp
    return moment


class BatchingLedger(Ledger):
    name = Ledger.name  # the application name is the table name: the same store's tables

    def __init__(self, *args: Any, cache: bool = False, **kwargs: Any) -> None:
        self._cache = cache
        super().__init__(*args, **kwargs)
        self.last_batch_events = 0
        self._latest: datetime | None = None  # the latest instant the open batch holds

    def construct_repository(self) -> Repository[UUID]:
        base = super().construct_repository()
        if not self._cache:
            # Same stores, and no aggregate cache: the Ledger's default configuration.
            return _BatchRepository(
                event_store=base.event_store, snapshot_store=base.snapshot_store
            )
        # For a loader that is the store's only writer (benchmarks/loaded.py): every
        # aggregate stays in memory between batches and is never read back from the store.
        return _BatchRepository(
            event_store=base.event_store,
            snapshot_store=base.snapshot_store,
            cache_maxsize=0,
            fastforward=False,
        )

    @property
    def _batch(self) -> dict[UUID, Any] | None:
        repo = self.repository
        assert isinstance(repo, _BatchRepository)
        return repo.batch

    @contextmanager
    def batch(self) -> Iterator[None]:
        """Gather the writes of the block into one save (discarded if the block raises)."""
        repo = self.repository
        assert isinstance(repo, _BatchRepository)
        repo.batch = {}
        try:
            yield
            changed = [
                a for a in repo.batch.values() if isinstance(a, Aggregate) and a.pending_events
            ]
            # The events in the order they happened, not aggregate by aggregate: recorded
            # times never go backwards in notification order (`audit verify` checks it).
            # The aggregates follow, their events collected: the repository's cache keeps
            # what a save names.
            events = sorted((e for a in changed for e in a.collect_events()), key=_at)
            self.last_batch_events = len(events)
            if events:
                super().save(*events, *changed)
        finally:
            repo.batch = None
            self._latest = None

    def now(self) -> datetime:
        """As the ledger's: never before what was recorded, the batch's unsaved events
        included (one transaction per command would have saved them already)."""
        moment = super().now()
        latest = self._latest if self._batch is not None else None
        return moment if latest is None or moment >= latest else latest

    def save(self, *objs: Any, **kwargs: Any) -> Any:
        batch = self._batch
        if batch is None:
            return super().save(*objs, **kwargs)
        for obj in objs:  # written when the batch ends
            if isinstance(obj, Aggregate):
                batch[obj.id] = obj
                for event in obj.pending_events:
                    if self._latest is None or event.timestamp > self._latest:
                        self._latest = event.timestamp
        return []
