"""What auditors read: the history itself (verified against its chain, exported, listed),
and the signs that a store changed under its read models.

Verification and export stream the event and chain tables in order through the read path,
so a province's history is read once, never held in memory. The log is the history read
model filtered (by task, unit, actor, type, time), each row completed from its stored event.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from uuid import UUID
from zoneinfo import ZoneInfo

from ledger.audit.chain import GENESIS, leaf
from ledger.audit.sqlchain import TABLE, aggregate_id
from ledger.audit.verify import Verdict, Walk, at_sizes, join, walk
from projections import stored
from projections.events import history_entry
from projections.queries.units import TASKS_OF_UNIT
from projections.reader import Reader
from projections.stored import stored_key

_EVENTS = "SELECT id, originator_id, originator_version, topic, state FROM ledger_events"
_CHAIN = f"SELECT seq, position, leaf, chain FROM {TABLE}"
SPAN = 200_000  # the fewest events worth a verifying process of their own


def has_chain(reader: Reader) -> bool:
    try:
        reader.value(f"SELECT 1 FROM {TABLE} LIMIT 1")
    except reader.error:
        reader.release()
        return False
    return True


def verify_store(
    reader: Reader,
    *,
    sizes: Sequence[int] = (),
    progress: Callable[[int], None] | None = None,
    workers: int | None = None,
) -> Verdict:
    """The whole history checked against its chain (ledger/audit/verify.py), and with
    ``sizes`` the Merkle roots and chain hashes at those sizes (a checkpoint's).

    A large store is walked in consecutive spans, one process each, as many as this
    machine has cores (BENCHMARKS.md says why); the walks are joined in order.
    """
    if not has_chain(reader):
        return join([walk(reader.stream(f"{_EVENTS} ORDER BY id"), ())])
    spans = _spans(reader, workers or len(os.sched_getaffinity(0)))
    if len(spans) == 1:
        walks = [_walk(reader, spans[0], progress)]
    else:
        walks = _walk_apart(reader.store, spans, progress)
    verdict = join(walks)
    if verdict.ok and sizes:
        rows = reader.stream(f"SELECT leaf, chain FROM {TABLE} ORDER BY seq")
        verdict.roots, verdict.heads = at_sizes(((r[0], r[1]) for r in rows), sizes)
    return verdict


@dataclass(frozen=True)
class Span:
    """Consecutive chain rows (``seq`` from ``start`` to before ``end``) and the events
    from the position of the first to before the position of the next span's first;
    None: from the beginning, or to the end."""

    start: int = 1
    before: bytes = GENESIS  # the stored chain hash before ``start``
    first: int | None = None  # its first event's position
    end: int | None = None
    last: int | None = None  # the next span's first position


def _spans(reader: Reader, workers: int) -> list[Span]:
    """The store cut into spans of at least SPAN events, at most ``workers`` of them."""
    total = int(reader.value(f"SELECT max(seq) FROM {TABLE}") or 0)
    count = max(1, min(workers, total // SPAN))
    starts: list[tuple[int, int, bytes]] = [(1, 0, GENESIS)]
    for i in range(1, count):
        found = reader.tuples(
            f"SELECT seq, position FROM {TABLE} WHERE seq >= :at ORDER BY seq LIMIT 1",
            {"at": 1 + i * total // count},
        )
        before = reader.value(
            f"SELECT chain FROM {TABLE} WHERE seq = :seq", {"seq": found[0][0] - 1}
        )
        starts.append((int(found[0][0]), int(found[0][1]), bytes(before or GENESIS)))
    return [
        Span(
            start=seq,
            before=before,
            first=position if i else None,
            end=starts[i + 1][0] if i + 1 < len(starts) else None,
            last=starts[i + 1][1] if i + 1 < len(starts) else None,
        )
        for i, (seq, position, before) in enumerate(starts)
    ]


def _walk(reader: Reader, span: Span, progress: Callable[[int], None] | None) -> Walk:
    bounds = {"first": span.first, "last": span.last, "start": span.start, "end": span.end}
    events = " AND ".join(
        ["TRUE"]
        + (["id >= :first"] if span.first is not None else [])
        + (["id < :last"] if span.last is not None else [])
    )
    chain = "seq >= :start" + (" AND seq < :end" if span.end is not None else "")
    return walk(
        reader.stream(f"{_EVENTS} WHERE {events} ORDER BY id", bounds),
        reader.stream(f"{_CHAIN} WHERE {chain} ORDER BY seq", bounds),
        start=span.start,
        running=span.before,
        progress=progress,
    )


def _walk_apart(
    store: Any, spans: list[Span], progress: Callable[[int], None] | None
) -> list[Walk]:
    """Each span walked in a process of its own; their walks in span order."""
    import multiprocessing
    import queue

    context = multiprocessing.get_context("spawn")  # nothing of this process's state
    done = context.Array("q", len(spans))  # events walked so far, per span
    results = context.Queue()
    workers = [
        context.Process(target=_walk_span, args=(store, span, i, done, results), daemon=True)
        for i, span in enumerate(spans)
    ]
    for worker in workers:
        worker.start()
    found: dict[int, Walk | str] = {}
    try:
        while len(found) < len(spans):
            try:
                i, result = results.get(timeout=0.25)
                found[i] = result
            except queue.Empty:
                if not any(w.is_alive() for w in workers) and results.empty():
                    raise RuntimeError("a verifying process ended without a result") from None
            if progress is not None:
                progress(sum(done[:]))
    finally:
        for worker in workers:
            worker.join(timeout=5)
            if worker.is_alive():
                worker.kill()
    failed = [r for r in found.values() if isinstance(r, str)]
    if failed:
        raise RuntimeError(f"verifying failed: {failed[0]}")
    return [found[i] for i in range(len(spans))]  # type: ignore[misc]


def _walk_span(store: Any, span: Span, slot: int, done: Any, results: Any) -> None:
    """In a process of its own: walk one span, and hand back its walk (or why not)."""
    try:
        with Reader(store) as reader:

            def advance(n: int) -> None:
                done[slot] = n

            results.put((slot, _walk(reader, span, advance)))
    except Exception as error:  # the parent says it, not a traceback
        results.put((slot, f"{type(error).__name__}: {error}"))


def head(reader: Reader) -> tuple[int, int, bytes] | None:
    """The last chain row: (seq, position, chain hash), or None before the first."""
    if not has_chain(reader):
        return None
    rows = reader.tuples(f"SELECT seq, position, chain FROM {TABLE} ORDER BY seq DESC LIMIT 1")
    return (int(rows[0][0]), int(rows[0][1]), bytes(rows[0][2])) if rows else None


@dataclass(frozen=True)
class Exported:
    """One line of `audit export`: an event as stored, with its leaf and chain hash (None
    for an event the chain does not cover)."""

    seq: int | None
    position: int
    aggregate: UUID
    version: int
    topic: str
    state: bytes
    leaf: bytes | None
    chain: bytes | None

    def to_json(self) -> dict[str, Any]:
        return {
            "seq": self.seq,
            "position": self.position,
            "aggregate": str(self.aggregate),
            "version": self.version,
            "topic": self.topic,
            "state": self.state.decode("utf-8"),
            "leaf": None if self.leaf is None else self.leaf.hex(),
            "chain": None if self.chain is None else self.chain.hex(),
        }


def export(reader: Reader) -> Iterator[Exported]:
    """Every event in order, as stored, beside its chain row (a chain row whose event is
    gone is left out: verification names it)."""
    events = reader.stream(f"{_EVENTS} ORDER BY id")
    links = reader.stream(f"{_CHAIN} ORDER BY seq") if has_chain(reader) else iter(())
    link = next(links, None)
    for position, originator, version, topic, state in events:
        while link is not None and link[1] < position:
            link = next(links, None)
        mine = link if link is not None and link[1] == position else None
        yield Exported(
            None if mine is None else int(mine[0]),
            int(position),
            aggregate_id(originator),
            int(version),
            str(topic),
            bytes(state),
            None if mine is None else bytes(mine[2]),
            None if mine is None else bytes(mine[3]),
        )


def exported_at(reader: Reader, position: int) -> Exported:
    """The export line of the event at ``position`` (chained)."""
    event = reader.tuples(f"{_EVENTS} WHERE id = :p", {"p": position})
    link = reader.tuples(f"{_CHAIN} WHERE position = :p", {"p": position})
    (_, originator, version, topic, state), (seq, _, leaf_hash, chain) = event[0], link[0]
    return Exported(
        int(seq),
        position,
        aggregate_id(originator),
        int(version),
        str(topic),
        bytes(state),
        bytes(leaf_hash),
        bytes(chain),
    )


def alarm(reader: Reader) -> str | None:
    """Why the store cannot be what its read models and its chain last saw, if so: it
    went backwards (fewer events than the read models have read), its last chained event
    is gone or changed, or events stand outside the chain. Three small queries."""
    events = reader.value("SELECT coalesce(max(id), 0) FROM ledger_events") or 0
    read = reader.value("SELECT coalesce(max(position), 0) FROM rm_tracking") or 0
    if read > events:
        return (
            f"the store holds events up to position {events}, but its read models have read "
            f"up to {read}: it went backwards or was altered"
        )
    last = head(reader)
    if last is None:
        return f"{events} events are not covered by the hash chain" if events else None
    seq, position, _ = last
    if position > events:
        return f"the chained event at position {position} is missing"
    if position < events:
        return f"the events after position {position} are not covered by the hash chain"
    row = reader.tuples(f"{_EVENTS} WHERE id = :id", {"id": position})[0]
    hashed = leaf(int(row[0]), aggregate_id(row[1]), int(row[2]), str(row[3]), bytes(row[4]))
    stored_leaf = reader.value(f"SELECT leaf FROM {TABLE} WHERE seq = :s", {"s": seq})
    if bytes(stored_leaf) != hashed:
        return f"the event at position {position} was changed after it was recorded"
    return None


@dataclass(frozen=True)
class LogFilter:
    task: UUID | None = None
    unit: str | None = None
    actor: str | None = None
    kinds: Sequence[str] = ()  # event types: Completed, ProgressReported …
    since: datetime | None = None
    until: datetime | None = None


def audit_log(reader: Reader, where: LogFilter, zone: ZoneInfo) -> list[dict[str, Any]]:
    """Every fact the filter keeps, in recorded order: who, what, when it happened, when
    it was recorded, and how many days later it was recorded than it happened."""
    sql, params = _log_query(where)
    found = []
    for row in reader.rows(sql, params):
        position, event = _stored(reader, UUID(row["originator_id"]), int(row["seq"]))
        entry = {"aggregate": row["originator_id"], "kind": row["kind"], **history_entry(event)}
        # A task's events name it by its row; a spot check's name the task they are about,
        # and the check by its reference.
        entry["ref"] = f"{row['plan_ref']}/{row['code']}" if row["code"] else entry.get("task")
        if row["check_ref"]:
            entry["check"] = row["check_ref"]
        entry["position"] = position
        recorded = datetime.fromisoformat(entry["recorded_at"]).astimezone(zone)
        entry["recorded_at"] = recorded.isoformat()
        happened = entry.get("occurred_on")
        late = (recorded.date() - datetime.fromisoformat(happened).date()).days if happened else 0
        entry["recorded_days_late"] = max(late, 0)
        found.append(entry)
    return found


def _log_query(where: LogFilter) -> tuple[str, dict[str, Any]]:
    conditions: list[str] = []
    params: dict[str, Any] = {}
    if where.task is not None:
        conditions.append("h.originator_id = :task")
        params["task"] = str(where.task)
    if where.unit is not None:
        conditions.append(
            f"(h.unit = :unit OR h.originator_id IN ({TASKS_OF_UNIT}))"
        )
        params["unit"] = where.unit
    if where.actor is not None:
        conditions.append("h.actor = :actor")
        params["actor"] = where.actor
    if where.kinds:
        keys = {f"kind{i}": k for i, k in enumerate(where.kinds)}
        conditions.append(f"h.type IN ({', '.join(':' + k for k in keys)})")
        params.update(keys)
    if where.since is not None:
        conditions.append("h.recorded_at >= :since")
        params["since"] = int(where.since.timestamp())
    if where.until is not None:
        conditions.append("h.recorded_at <= :until")
        params["until"] = int(where.until.timestamp())
    sql = (
        "SELECT h.originator_id, h.seq, h.kind, t.code, p.ref AS plan_ref,"
        " c.ref AS check_ref FROM rm_history h"
        " LEFT JOIN rm_tasks t ON t.task_id = h.originator_id"
        " LEFT JOIN rm_plans p ON p.plan_id = t.plan_id"
        " LEFT JOIN rm_spot_checks c ON c.check_id = h.originator_id"
    )
    if conditions:
        sql += " WHERE " + " AND ".join(conditions)
    return sql + " ORDER BY h.recorded_at, h.originator_id, h.seq", params


def positions(reader: Reader, events: Iterable[tuple[str, int]]) -> dict[tuple[str, int], int]:
    """Where each event (aggregate id, version) stands in the ledger: one query per
    aggregate, on the store's (originator id, version) index."""
    wanted: dict[str, set[int]] = {}
    for aggregate, version in events:
        wanted.setdefault(aggregate, set()).add(version)
    found = {}
    for aggregate, versions in wanted.items():
        for position, version in reader.tuples(
            "SELECT id, originator_version FROM ledger_events WHERE originator_id = :key",
            {"key": stored_key(reader, UUID(aggregate))},
        ):
            if version in versions:
                found[(aggregate, int(version))] = int(position)
    return found


def _stored(reader: Reader, aggregate: UUID, version: int) -> tuple[int, Any]:
    key = stored_key(reader, aggregate)
    position, topic, state = reader.tuples(
        "SELECT id, topic, state FROM ledger_events"
        " WHERE originator_id = :key AND originator_version = :version",
        {"key": key, "version": version},
    )[0]
    return int(position), stored.decode(aggregate, version, topic, state)
