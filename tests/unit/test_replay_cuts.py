"""Cutting a replay into chunks of whole aggregates: small at either end, whole between."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from projections.replay import cuts


def sizes(counts: list[int], chunk: int) -> list[int]:
    ends = cuts(counts, chunk)
    starts = [0, *(end + 1 for end in ends[:-1])]
    return [sum(counts[a : b + 1]) for a, b in zip(starts, ends, strict=True)]


def test_chunks_grow_from_a_quarter_and_shrink_to_a_quarter_again() -> None:
    # 100 aggregates of 10 events, chunks of 200: 50, 50, 100, 200, 200, 200, 100, 50, 50
    assert sizes([10] * 100, 200) == [50, 50, 100, 200, 200, 200, 100, 50, 50]


def test_a_replay_shorter_than_a_chunk_is_still_cut_in_quarters() -> None:
    assert sizes([1] * 20, 40) == [10, 10]


def test_an_aggregate_longer_than_a_chunk_is_never_split() -> None:
    assert sizes([5, 500, 5, 5], 40) == [505, 10]


@given(st.lists(st.integers(1, 50), min_size=1, max_size=300), st.integers(1, 400))
def test_every_aggregate_lands_in_exactly_one_chunk(counts: list[int], chunk: int) -> None:
    ends = cuts(counts, chunk)
    assert ends[-1] == len(counts) - 1
    assert ends == sorted(set(ends))  # increasing: no chunk is empty
    # A chunk ends as soon as it holds what it wanted (at most a whole chunk), so only
    # its last aggregate can take it past that.
    starts = [0, *(end + 1 for end in ends[:-1])]
    for a, b in zip(starts, ends, strict=True):
        assert sum(counts[a:b]) < max(chunk, 1)
