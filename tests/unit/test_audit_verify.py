"""The verification pass over rows (ledger/audit/verify.py), without a store."""

from __future__ import annotations

from uuid import UUID, uuid5

from ledger.audit.chain import GENESIS, leaf, link
from ledger.audit.merkle import root
from ledger.audit.verify import at_sizes, verify

A, B = uuid5(UUID(int=0), "a"), uuid5(UUID(int=0), "b")


def state(when: str) -> bytes:
    return b'{"timestamp":{"_type_":"datetime_iso","_data_":"%s"},"actor":"x"}' % when.encode()


def stored(*events: tuple[int, UUID, int, str]) -> tuple[list[tuple], list[tuple]]:
    """Event rows and the chain rows the ledger would have written for them."""
    rows, chain, running = [], [], GENESIS
    for seq, (position, aggregate, version, when) in enumerate(events, start=1):
        row = (position, aggregate.bytes, version, "ledger.task:Task.Defined", state(when))
        hashed = leaf(position, aggregate, version, row[3], row[4])
        running = link(running, hashed)
        rows.append(row)
        chain.append((seq, position, hashed, running))
    return rows, chain


HISTORY = (
    (1, A, 1, "2017-06-01T01:00:00+00:00"),
    (2, B, 1, "2017-06-01T01:00:00+00:00"),
    (4, A, 2, "2017-06-02T01:00:00+00:00"),  # a skipped notification id is no gap
    (5, B, 2, "2017-06-03T01:00:00+00:00"),
)


def test_an_intact_history_gives_its_roots_and_chain_heads() -> None:
    rows, chain = stored(*HISTORY)
    verdict = verify(rows, chain)
    assert verdict.ok and verdict.events == verdict.covered == 4
    assert verdict.head == chain[3][3]
    roots, heads = at_sizes([(c[2], c[3]) for c in chain], [2, 4, 9])
    assert roots == {2: root([c[2] for c in chain[:2]]), 4: root([c[2] for c in chain])}
    assert heads == {2: chain[1][3], 4: chain[3][3]}


def test_a_version_skipped_is_named() -> None:
    rows, chain = stored(*HISTORY[:2], (4, A, 3, "2017-06-02T01:00:00+00:00"))
    verdict = verify(rows, chain)
    assert (verdict.first_bad_seq, verdict.reason) == (3, f"aggregate {A} skips from version 1")


def test_recorded_time_going_backwards_is_named() -> None:
    rows, chain = stored(*HISTORY[:3], (5, B, 2, "2017-06-01T23:00:00+00:00"))
    verdict = verify(rows, chain)
    assert (verdict.first_bad_seq, verdict.reason) == (
        4,
        "recorded time goes backwards at position 5",
    )


def test_an_event_without_a_recorded_time_is_named() -> None:
    rows, chain = stored(*HISTORY)
    row = rows[1]
    rows[1] = (*row[:4], b'{"actor":"x"}')
    hashed = leaf(row[0], B, row[2], row[3], rows[1][4])
    chain[1] = (2, row[0], hashed, link(chain[0][3], hashed))
    for i in (2, 3):  # the rest of the chain made to follow, as a forger would
        chain[i] = (*chain[i][:3], link(chain[i - 1][3], chain[i][2]))
    assert verify(rows, chain).reason == "the event at position 2 has no recorded time"


def test_chain_rows_without_events_and_events_without_chain_rows_are_named() -> None:
    rows, chain = stored(*HISTORY)
    assert verify(rows[:3], chain).reason == "the chained event at position 5 is missing"
    assert verify(rows, chain[:3]).reason == "the event at position 5 is not covered by the chain"
    assert verify([], []).ok


def test_a_first_version_other_than_one_is_named() -> None:
    rows, chain = stored(HISTORY[0], (2, B, 2, "2017-06-01T01:00:00+00:00"))
    verdict = verify(rows, chain)
    assert (verdict.first_bad_seq, verdict.reason) == (2, f"aggregate {B} skips from version 0")
    assert verdict.head == chain[0][3] and verdict.covered == 1
