"""Walking a history in spans and joining the walks finds exactly what one walk finds:
the same first bad position, the same reason, the same chain head."""

from __future__ import annotations

from itertools import pairwise
from typing import Any
from uuid import UUID, uuid5

from hypothesis import given, settings
from hypothesis import strategies as st

from ledger.audit.chain import GENESIS, leaf, link
from ledger.audit.verify import Verdict, join, verify, walk

IDS = [uuid5(UUID(int=0), name) for name in "abcd"]


def state(hour: int) -> bytes:
    stamp = f"2017-06-{1 + hour // 24:02d}T{hour % 24:02d}:00:00+00:00"
    return b'{"timestamp":{"_type_":"datetime_iso","_data_":"%s"}}' % stamp.encode()


@st.composite
def histories(draw: Any) -> tuple[list[tuple], list[tuple]]:
    """An intact history of a few aggregates (positions with gaps, as on PostgreSQL) and
    its chain, then one tampering of the kinds an attacker has."""
    picks = draw(st.lists(st.integers(0, 3), min_size=1, max_size=30))
    versions: dict[UUID, int] = {}
    rows, chain, running, position, hour = [], [], GENESIS, 0, 0
    for seq, pick in enumerate(picks, start=1):
        aggregate = IDS[pick]
        versions[aggregate] = versions.get(aggregate, 0) + 1
        position += draw(st.integers(1, 2))
        hour += draw(st.integers(0, 2))
        row = (position, aggregate.bytes, versions[aggregate], "t", state(hour))
        hashed = leaf(position, aggregate, row[2], "t", row[4])
        running = link(running, hashed)
        rows.append(row)
        chain.append((seq, position, hashed, running))
    at = draw(st.integers(0, len(rows) - 1))
    kind = draw(st.sampled_from(["none", "payload", "delete", "swap", "version", "time", "tail"]))
    if kind == "payload":
        rows[at] = (*rows[at][:4], rows[at][4] + b" ")
    elif kind == "delete":
        del rows[at]
    elif kind == "swap" and at + 1 < len(rows):  # two rows' contents, positions kept
        one, other = rows[at], rows[at + 1]
        rows[at], rows[at + 1] = (one[0], *other[1:]), (other[0], *one[1:])
    elif kind in ("version", "time"):
        # Rewritten consistently from there on: only the checks beside the chain see it.
        p, a, v, t, s = rows[at]
        rows[at] = (p, a, v + 1, t, s) if kind == "version" else (p, a, v, t, state(0))
        running = chain[at - 1][3] if at else GENESIS
        for i in range(at, len(rows)):
            p, a, v, t, s = rows[i]
            hashed = leaf(p, UUID(bytes=a), v, t, s)
            running = link(running, hashed)
            chain[i] = (i + 1, p, hashed, running)
    elif kind == "tail":
        del chain[at:]
    return rows, chain


def spans(rows: list[tuple], chain: list[tuple], cuts: list[int]) -> Verdict:
    """Walk the history cut before the chain rows at ``cuts``, as verify_store does."""
    starts = sorted({c for c in cuts if 0 < c < len(chain)})
    walks = []
    bounds = [0, *starts, None]
    for lo, hi in pairwise(bounds):
        first = chain[lo][1] if lo else None
        last = chain[hi][1] if hi is not None else None
        events = [
            r for r in rows if (first is None or r[0] >= first) and (last is None or r[0] < last)
        ]
        before = chain[lo - 1][3] if lo else GENESIS
        walks.append(walk(events, chain[lo:hi], start=lo + 1, running=before))
    return join(walks)


@settings(max_examples=400, deadline=None)
@given(histories(), st.lists(st.integers(0, 30), max_size=4))
def test_spans_joined_find_what_one_walk_finds(stored: Any, cuts: list[int]) -> None:
    rows, chain = stored
    whole = verify(rows, chain)
    joined = spans(rows, chain, cuts)
    assert (joined.first_bad_seq, joined.reason, joined.head, joined.events) == (
        whole.first_bad_seq,
        whole.reason,
        whole.head,
        whole.events,
    )
