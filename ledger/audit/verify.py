"""Checking the stored history against its chain, and against a checkpoint. Pure: it reads
rows it is handed (events and chain rows, both in order) and says where the first thing
is wrong, and why.

Over the same pass it checks what the chain alone cannot: every event is covered, the
chain's numbering has no gap, each aggregate's versions run 1, 2, 3 … and recorded times
never go backwards in notification order (ledger/clock.py keeps them so).

A history can be walked in consecutive spans (each starting from the chain hash stored
before it, so spans can be walked at once by several processes) and the walks joined:
what one span cannot see alone, an aggregate's versions and the recorded times across the
boundary, the join checks. One span joined alone is the plain walk from the start.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from ledger.audit.chain import GENESIS
from ledger.audit.merkle import MerkleBuilder
from ledger.audit.sqlchain import aggregate_id

EventRow = Sequence[Any]  # id, originator id, version, topic, state
ChainRow = Sequence[Any]  # seq, position, leaf, chain
_RECORDED = re.compile(rb'^\{"timestamp":\{"_type_":"datetime_iso","_data_":"([^"]+)"')
_DAWN = datetime.min.replace(tzinfo=UTC)


@dataclass
class Verdict:
    """What a verification found: ``ok``, or the first bad sequence number and why."""

    events: int = 0  # events read
    covered: int = 0  # chain rows that matched their events
    first_bad_seq: int | None = None
    reason: str | None = None
    head: bytes = GENESIS  # the chain hash after the last good event
    # At each tree size asked for (a checkpoint's): the Merkle root and the chain hash.
    roots: dict[int, bytes] = field(default_factory=dict)
    heads: dict[int, bytes] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return self.reason is None


@dataclass
class Walk:
    """One span walked: how far it got, the first thing wrong in it, and what the join
    needs to check it against the spans before."""

    start: int  # the sequence number it began at
    before: bytes = GENESIS  # the chain hash before it
    events: int = 0  # events it read up to and including a bad one
    bad: tuple[int, str] | None = None  # (seq, why)
    head: bytes = GENESIS  # the chain hash after its last good event
    # Each aggregate's first event in the span: (seq, version, chain hash before it).
    firsts: dict[Any, tuple[int, int, bytes]] = field(default_factory=dict)
    lasts: dict[Any, int] = field(default_factory=dict)  # each aggregate's last version
    first_time: tuple[int, datetime] | None = None  # (position, recorded time) of its first
    last_time: datetime = _DAWN


def verify(
    events: Iterable[EventRow],
    chain: Iterable[ChainRow],
    *,
    progress: Callable[[int], None] | None = None,
) -> Verdict:
    """The whole history in one walk."""
    return join([walk(events, chain, progress=progress)])


def walk(
    events: Iterable[EventRow],
    chain: Iterable[ChainRow],
    *,
    start: int = 1,
    running: bytes = GENESIS,
    progress: Callable[[int], None] | None = None,
) -> Walk:
    """Walk one span's events and chain rows together: ``start`` is the sequence number
    of its first chain row, ``running`` the chain hash before it. The loop runs once per
    event (a province holds a million), so it is flat and computes what repeats once."""
    found = Walk(start=start, before=running, head=running)
    names: dict[Any, bytes] = {}  # originator as stored -> its id as leaf text
    topics: dict[str, bytes] = {}
    firsts, versions = found.firsts, found.lasts
    last_time, last_moment = b"", _DAWN
    sha, match = hashlib.sha256, _RECORDED.match
    links = iter(chain)
    seq = start - 1
    for seq, (position, originator, version, topic, state) in enumerate(events, start=start):
        link = next(links, None)
        if link is None or link[0] != seq or link[1] != position:
            return _stop(found, seq, _placed(seq, position, link))
        name = names.get(originator) or names.setdefault(
            originator, str(aggregate_id(originator)).encode()
        )
        kind = topics.get(topic) or topics.setdefault(topic, topic.encode())
        data = state if type(state) is bytes else bytes(state)
        # ledger/audit/chain.py ``leaf``, with the id and topic bytes made once.
        leaf = sha(b"\x00%d\n%s\n%d\n%s\n" % (position, name, version, kind) + data).digest()
        before, running = running, sha(running + leaf).digest()
        if leaf != link[2] or running != link[3]:
            return _stop(found, seq, _unlinked(seq, position, leaf, link))
        known = versions.get(originator)
        if known is None:
            firsts[originator] = (seq, version, before)  # the join checks it
        elif version != known + 1:
            return _stop(found, seq, f"aggregate {name.decode()} skips from version {known}")
        stamp = match(data)
        if stamp is None:
            return _stop(found, seq, f"the event at position {position} has no recorded time")
        if stamp.group(1) != last_time:  # most events share their instant with the one before
            last_time = stamp.group(1)
            moment = datetime.fromisoformat(last_time.decode())
            if moment < last_moment:
                return _stop(found, seq, f"recorded time goes backwards at position {position}")
            if found.first_time is None:
                found.first_time = (position, moment)
            last_moment = moment
        versions[originator] = version
        found.head = running
        if progress is not None and seq % 8192 == 0:
            progress(seq - start + 1)
    found.events, found.last_time = seq - start + 1, last_moment
    extra = next(links, None)
    if extra is not None:
        found.bad = (extra[0], f"the chained event at position {extra[1]} is missing")
    return found


def join(walks: Sequence[Walk]) -> Verdict:
    """The verdict on consecutive spans' walks: the first thing wrong in any of them, or
    across their boundaries (an aggregate's versions, recorded times)."""
    wrong: list[tuple[int, str, bytes]] = []  # (seq, why, chain hash before it)
    lasts: dict[Any, int] = {}
    last_time, events = _DAWN, 0
    for w in walks:
        if w.first_time is not None and w.first_time[1] < last_time:
            position = w.first_time[0]
            why = f"recorded time goes backwards at position {position}"
            wrong.append((w.start, why, w.before))
        for originator, (seq, version, before) in w.firsts.items():
            known = lasts.get(originator, 0)
            if version != known + 1:
                name = aggregate_id(originator)
                wrong.append((seq, f"aggregate {name} skips from version {known}", before))
        events += w.events
        if w.bad is not None:
            wrong.append((*w.bad, w.head))
            break  # what follows lies after it
        lasts.update(w.lasts)
        last_time = max(last_time, w.last_time)
    if not wrong:
        return Verdict(events=events, covered=events, head=walks[-1].head if walks else GENESIS)
    seq, why, before = min(wrong, key=lambda bad: bad[0])
    return Verdict(events=seq, covered=seq - 1, first_bad_seq=seq, reason=why, head=before)


def at_sizes(
    links: Iterable[tuple[bytes, bytes]], sizes: Iterable[int]
) -> tuple[dict[int, bytes], dict[int, bytes]]:
    """The Merkle root and the chain hash at each of ``sizes``, from (leaf, chain hash)
    pairs in order; a size beyond the last pair gets neither."""
    wanted, tree = sorted(set(sizes)), MerkleBuilder()
    roots: dict[int, bytes] = {}
    heads: dict[int, bytes] = {}
    leaves: list[bytes] = []
    for n, (leaf, running) in enumerate(links, start=1):
        if not wanted:
            break
        leaves.append(bytes(leaf))
        if n == wanted[0]:
            tree.extend(leaves)
            leaves.clear()
            roots[n], heads[n] = tree.root(), bytes(running)
            wanted.pop(0)
        elif len(leaves) == 8192:  # leaves reach the tree in batches
            tree.extend(leaves)
            leaves.clear()
    return roots, heads


def _stop(found: Walk, seq: int, why: str | None) -> Walk:
    found.events, found.bad = seq - found.start + 1, (seq, why or "")
    return found


def _placed(seq: int, position: int, link: ChainRow | None) -> str | None:
    """Why the chain row read beside the event at ``position`` is not its row, if not."""
    if link is None:
        return f"the event at position {position} is not covered by the chain"
    if link[0] != seq:
        return f"the chain has no row {seq} (it goes on at {link[0]})"
    if link[1] > position:
        return f"the event at position {position} is not covered by the chain (inserted?)"
    if link[1] < position:
        return f"the chained event at position {link[1]} is missing"
    return None


def _unlinked(seq: int, position: int, leaf: bytes, link: ChainRow) -> str:
    """Why an event in its place does not link: changed, or a chain rewritten."""
    if leaf != link[2]:
        return f"the event at position {position} was changed after it was recorded"
    return f"the chain hash at {seq} does not follow from the one before"
