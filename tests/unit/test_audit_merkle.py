"""RFC 9162 Merkle tree hashing and proofs: published vectors, exhaustive small trees."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ledger.audit.merkle import (
    EMPTY_ROOT,
    MerkleBuilder,
    consistency_proof,
    inclusion_proof,
    leaf_hash,
    node_hash,
    root,
    verify_consistency,
    verify_inclusion,
)

# --- Published vectors --------------------------------------------------------------------
# Copied from transparency-dev/merkle, proof/verify_test.go (the vectors that
# certificate-transparency's merkle tree tests have always used). In that file a leaf is
# numbered from 1, so {leaf: 1, size: 8} there is index 0 here.

LEAVES = [
    bytes.fromhex(h)
    for h in (
        "",
        "00",
        "10",
        "2021",
        "3031",
        "40414243",
        "5051525354555657",
        "606162636465666768696a6b6c6d6e6f",
    )
]

# ROOTS[n - 1] is the root of the tree over the first n leaves.
ROOTS = [
    bytes.fromhex(h)
    for h in (
        "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
        "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
        "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
        "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
        "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
        "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
        "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
        "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
    )
]

SHA256_EMPTY_TREE = bytes.fromhex(
    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
)


def _hashes(*texts: str) -> list[bytes]:
    return [bytes.fromhex(t) for t in texts]


# (index, tree size, proof); the {leaf: 1, size: 1} vector has an empty proof.
INCLUSION_VECTORS = [
    (0, 1, []),
    (
        0,
        8,
        _hashes(
            "96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4",
        ),
    ),
    (
        5,
        8,
        _hashes(
            "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
            "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
            "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
        ),
    ),
    (
        2,
        3,
        _hashes("fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125"),
    ),
    (
        1,
        5,
        _hashes(
            "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
        ),
    ),
]

# (old size, new size, proof)
CONSISTENCY_VECTORS = [
    (1, 1, []),
    (
        1,
        8,
        _hashes(
            "96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4",
        ),
    ),
    (
        6,
        8,
        _hashes(
            "0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
            "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
            "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
        ),
    ),
    (
        2,
        5,
        _hashes(
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
        ),
    ),
    (
        6,
        7,
        _hashes(
            "0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
            "b08693ec2e721597130641e8211e7eedccb4c26413963eee6c1e2ed16ffb1a5f",
            "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
        ),
    ),
]

LEAF_HASHES = [leaf_hash(d) for d in LEAVES]


# --- A naive reference: RFC 9162 section 2.1.1 written as literally as possible -----------


def naive_mth(hashes: Sequence[bytes]) -> bytes:
    n = len(hashes)
    if n == 0:
        return hashlib.sha256(b"").digest()
    if n == 1:
        return hashes[0]
    k = 1
    while k * 2 < n:
        k *= 2
    return hashlib.sha256(b"\x01" + naive_mth(hashes[:k]) + naive_mth(hashes[k:])).digest()


def tree(n: int) -> list[bytes]:
    """Leaf hashes of a tree of n distinct entries."""
    return [leaf_hash(i.to_bytes(4, "big")) for i in range(n)]


def flip(h: bytes, bit: int = 3) -> bytes:
    return bytes([h[0] ^ (1 << bit)]) + h[1:]


SOME_HASH = bytes.fromhex("abacaba000000000000000000000000000000000000000000060061e00123456")


# --- Hashing and roots --------------------------------------------------------------------


def test_hashes_match_rfc6962_vectors() -> None:
    """Vectors from transparency-dev/merkle rfc6962/rfc6962_test.go."""
    assert EMPTY_ROOT == SHA256_EMPTY_TREE
    assert leaf_hash(b"") == ROOTS[0]
    assert leaf_hash(b"L123456").hex() == (
        "395aa064aa4c29f7010acfe3f25db9485bbd4b91897b6ad7ad547639252b4d56"
    )
    assert node_hash(b"N123", b"N456").hex() == (
        "aa217fe888e47007fa15edab33c2b492a722cb106c64667fc2b044444de66bbb"
    )


@pytest.mark.parametrize("size", range(1, 9))
def test_roots_match_published_vectors(size: int) -> None:
    assert root(LEAF_HASHES[:size]) == ROOTS[size - 1]


def test_empty_tree_root_is_sha256_of_nothing() -> None:
    assert root([]) == SHA256_EMPTY_TREE
    assert MerkleBuilder().root() == SHA256_EMPTY_TREE


def test_root_equals_builder_and_naive_reference_at_every_size() -> None:
    leaves = tree(300)
    builder = MerkleBuilder()
    for n in range(len(leaves) + 1):
        assert builder.size == n
        expected = naive_mth(leaves[:n])
        assert builder.root() == expected
        assert root(leaves[:n]) == expected
        if n < len(leaves):
            builder.append(leaves[n])


@given(st.lists(st.binary(min_size=32, max_size=32), max_size=200))
def test_root_equals_naive_reference_for_any_leaves(leaves: list[bytes]) -> None:
    builder = MerkleBuilder()
    builder.extend(leaves)
    assert root(leaves) == builder.root() == naive_mth(leaves)


def test_builder_keeps_only_logarithmic_state() -> None:
    builder = MerkleBuilder()
    builder.extend(tree(1000))
    # One perfect-subtree hash per set bit of the size: 1000 = 0b1111101000.
    assert len(builder._stack) == bin(1000).count("1")


@pytest.mark.parametrize("bad", [b"", b"x" * 31, b"x" * 33, "a" * 32, None])
def test_builder_rejects_what_is_not_a_leaf_hash(bad: object) -> None:
    builder = MerkleBuilder()
    builder.extend(tree(3))
    before = builder.root()
    with pytest.raises(ValueError, match="leaf 3"):
        builder.append(bad)  # type: ignore[arg-type]
    assert (builder.size, builder.root()) == (3, before)


# --- Published proofs ---------------------------------------------------------------------


@pytest.mark.parametrize(("index", "size", "proof"), INCLUSION_VECTORS)
def test_inclusion_proofs_match_published_vectors(
    index: int, size: int, proof: list[bytes]
) -> None:
    assert inclusion_proof(LEAF_HASHES[:size], index) == proof
    assert verify_inclusion(LEAF_HASHES[index], index, size, proof, ROOTS[size - 1])


@pytest.mark.parametrize(("old", "new", "proof"), CONSISTENCY_VECTORS)
def test_consistency_proofs_match_published_vectors(old: int, new: int, proof: list[bytes]) -> None:
    assert consistency_proof(LEAF_HASHES, old, new) == proof
    assert verify_consistency(old, new, ROOTS[old - 1], ROOTS[new - 1], proof)


# --- Every small tree ---------------------------------------------------------------------

LEAVES_64 = tree(64)
ROOTS_64 = [root(LEAVES_64[:n]) for n in range(65)]


def altered_inclusion_proofs(proof: list[bytes], root_: bytes) -> list[list[bytes]]:
    """Proofs that must not verify: each element changed, one dropped, one added."""
    wrong = [[*proof[:i], flip(p), *proof[i + 1 :]] for i, p in enumerate(proof)]
    wrong += [[*proof, b""], [*proof, root_], [b"", *proof], [root_, *proof]]
    if proof:
        wrong.append(proof[:-1])
    if len(proof) > 1:
        wrong.append([proof[0], SOME_HASH, *proof[1:]])
    return wrong


@pytest.mark.parametrize("size", range(1, 65))
def test_every_inclusion_proof_verifies_and_every_alteration_fails(size: int) -> None:
    leaves, r = LEAVES_64[:size], ROOTS_64[size]
    for index in range(size):
        proof = inclusion_proof(leaves, index)
        leaf = leaves[index]
        assert verify_inclusion(leaf, index, size, proof, r)
        for wrong in altered_inclusion_proofs(proof, r):
            assert not verify_inclusion(leaf, index, size, wrong, r)
        for other in [-1, *range(size + 2)]:
            assert other == index or not verify_inclusion(leaf, other, size, proof, r)
        # Only sizes that change the leaf's path are refused by the proof itself: a proof
        # for size 4 also "verifies" as size 3 (see the test below). The size is bound to
        # the root by the signed checkpoint, not by the proof.
        for other_size in (0, index, size * 2, size // 2):
            assert not verify_inclusion(leaf, index, other_size, proof, r)
        for wrong_root in (flip(r), flip(r, 7), SHA256_EMPTY_TREE, SOME_HASH, b"", r + b"\0"):
            assert not verify_inclusion(leaf, index, size, proof, wrong_root)
        for wrong_leaf in (flip(leaf), b"WrongLeaf", leaf_hash(leaf)):
            assert not verify_inclusion(wrong_leaf, index, size, proof, r)


def test_proof_shape_not_tree_size_is_what_inclusion_checks() -> None:
    """Leaf 0 has the same path shape in trees of 3 and 4 leaves (RFC 9162 as written)."""
    proof = inclusion_proof(LEAVES_64[:4], 0)
    assert verify_inclusion(LEAVES_64[0], 0, 3, proof, ROOTS_64[4])


def altered_consistency_proofs(proof: list[bytes], r1: bytes, r2: bytes) -> list[list[bytes]]:
    wrong = [[*proof[:i], flip(p, 4), *proof[i + 1 :]] for i, p in enumerate(proof)]
    wrong += [[], proof[:-1], [*proof, b""], [*proof, r1], [*proof, r2]]
    wrong += [[b"", *proof], [r1, *proof], [r2, *proof], [proof[0], *proof]]
    return wrong


@pytest.mark.parametrize("new", range(1, 65))
def test_every_consistency_proof_verifies_and_every_alteration_fails(new: int) -> None:
    r2 = ROOTS_64[new]
    for old in range(1, new + 1):
        r1 = ROOTS_64[old]
        proof = consistency_proof(LEAVES_64, old, new)
        assert verify_consistency(old, new, r1, r2, proof)
        if old == new:
            assert proof == []
            assert not verify_consistency(old, new, r1, flip(r2), proof)
            assert not verify_consistency(old, new, r1, r2, [SHA256_EMPTY_TREE])
            continue
        for wrong in altered_consistency_proofs(proof, r1, r2):
            assert not verify_consistency(old, new, r1, r2, wrong)
        for other in range(new + 2):
            assert other == old or not verify_consistency(other, new, r1, r2, proof)
        for other_new in (0, old - 1, new * 2, new // 2):
            assert not verify_consistency(old, other_new, r1, r2, proof)
        bad_roots = [(flip(r1), r2), (r1, flip(r2)), (r2, r1), (b"WrongRoot", r2)]
        for a, b in bad_roots:
            assert not verify_consistency(old, new, a, b, proof)


# --- Bad arguments ------------------------------------------------------------------------


@pytest.mark.parametrize("index", [-1, 3, 100])
def test_inclusion_proof_refuses_an_index_outside_the_tree(index: int) -> None:
    with pytest.raises(ValueError, match="outside a tree of size 3"):
        inclusion_proof(tree(3), index)


@pytest.mark.parametrize(("old", "new"), [(0, 3), (4, 3), (2, 6), (-1, 2)])
def test_consistency_proof_refuses_impossible_sizes(old: int, new: int) -> None:
    with pytest.raises(ValueError, match="0 < old_size <= new_size <= 5"):
        consistency_proof(tree(5), old, new)


MALFORMED: list[object] = [None, "", "x" * 32, b"x" * 31, 3, [b"x" * 31], [None], object()]


def test_verifiers_answer_false_for_malformed_input_and_never_raise() -> None:
    leaf, r = LEAVES_64[0], ROOTS_64[1]
    probes: list[tuple[object, object]] = [
        (-1, 1),
        (0, 0),
        (1, 0),
        (2, 1),
        (True, 2),
        (0.0, 1),
        ("0", 1),
        (0, 2**70),
    ]
    for index, size in probes:
        assert not verify_inclusion(leaf, index, size, [], r)  # type: ignore[arg-type]
    for bad in MALFORMED:
        assert not verify_inclusion(bad, 0, 1, [], r)  # type: ignore[arg-type]
        assert not verify_inclusion(leaf, 0, 1, [], bad)  # type: ignore[arg-type]
        assert not verify_inclusion(leaf, 0, 2, bad, r)  # type: ignore[arg-type]
        assert not verify_consistency(1, 2, bad, r, [r])  # type: ignore[arg-type]
        assert not verify_consistency(1, 2, r, bad, [r])  # type: ignore[arg-type]
        assert not verify_consistency(1, 2, r, r, bad)  # type: ignore[arg-type]
        assert not verify_consistency(bad, 2, r, r, [r])  # type: ignore[arg-type]


def test_consistency_edge_sizes() -> None:
    r1, r2 = ROOTS_64[1], ROOTS_64[2]
    assert verify_consistency(1, 1, r1, r1, [])
    assert not verify_consistency(1, 1, r1, r2, [])
    assert not verify_consistency(2, 1, r1, r2, [])
    assert not verify_consistency(1, 2, r1, r2, [])  # an empty proof proves nothing
    # Size 0 is refused: the empty tree says nothing about what a log held.
    assert not verify_consistency(0, 0, SHA256_EMPTY_TREE, SHA256_EMPTY_TREE, [])
    assert not verify_consistency(0, 1, SHA256_EMPTY_TREE, r1, [])
