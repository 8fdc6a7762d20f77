"""RFC 9162 (RFC 6962) Merkle tree hashing, inclusion and consistency proofs over SHA-256.

Trees are built over *leaf hashes* (``leaf_hash(entry)``), never raw entries, so a caller
can keep only 32 bytes per entry. Proof generators raise ``ValueError`` on bad arguments;
verifiers never raise and answer ``False`` for anything malformed.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence

HASH_SIZE = 32
EMPTY_ROOT = hashlib.sha256(b"").digest()

_sha256 = hashlib.sha256


def leaf_hash(data: bytes) -> bytes:
    """SHA-256(0x00 || data): the hash of one log entry."""
    return _sha256(b"\x00" + data).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    """SHA-256(0x01 || left || right): the hash of an interior node."""
    return _sha256(b"\x01" + left + right).digest()


class MerkleBuilder:
    """Streams leaf hashes in order and gives the tree hash at any size.

    Only the roots of the perfect subtrees that make up the current tree are kept (one
    per set bit of ``size``), so memory is O(log n).
    """

    __slots__ = ("_size", "_stack")

    def __init__(self) -> None:
        self._stack: list[bytes] = []
        self._size = 0

    @property
    def size(self) -> int:
        """The number of leaves appended so far."""
        return self._size

    def append(self, leaf: bytes) -> None:
        """Add one leaf hash (32 bytes) at the right edge of the tree."""
        self.extend((leaf,))

    def extend(self, leaves: Iterable[bytes]) -> None:
        """Add leaf hashes (32 bytes each) in order."""
        # Local names and an inlined node hash: this loop runs once per leaf of the log.
        stack, size, sha = self._stack, self._size, _sha256
        push, pop = stack.append, stack.pop
        try:
            for leaf in leaves:
                if not isinstance(leaf, bytes) or len(leaf) != HASH_SIZE:
                    raise ValueError(f"leaf {size} is not a {HASH_SIZE}-byte leaf hash")
                # Each trailing 1 bit of the old size is a perfect subtree as tall as the
                # one being carried, so the two merge (like carries in binary addition).
                h, carry = leaf, size
                while carry & 1:
                    h = sha(b"\x01" + pop() + h).digest()
                    carry >>= 1
                push(h)
                size += 1
        finally:
            # Keep size in step with the stack even when a bad leaf stops the loop.
            self._size = size

    def root(self) -> bytes:
        """The Merkle Tree Hash of the leaves so far (SHA-256 of b"" when empty)."""
        if not self._stack:
            return EMPTY_ROOT
        # RFC 9162 splits at the largest power of two below n, which makes the tree the
        # perfect subtrees left to right, joined from the right edge inwards.
        h = self._stack[-1]
        for left in reversed(self._stack[:-1]):
            h = node_hash(left, h)
        return h


def root(leaves: Sequence[bytes]) -> bytes:
    """MTH(D[n]) of RFC 9162 section 2.1.1 over ``leaves`` (already leaf hashes)."""
    builder = MerkleBuilder()
    builder.extend(leaves)
    return builder.root()


def _range_root(leaves: Sequence[bytes], lo: int, hi: int) -> bytes:
    """MTH(D[lo:hi]) without copying the slice."""
    builder = MerkleBuilder()
    builder.extend(leaves[i] for i in range(lo, hi))
    return builder.root()


def _split(n: int) -> int:
    """The largest power of two strictly smaller than n (n >= 2)."""
    return 1 << ((n - 1).bit_length() - 1)


def inclusion_proof(leaves: Sequence[bytes], index: int) -> list[bytes]:
    """PATH(index, D[n]) of RFC 9162 section 2.1.3.1 for the tree over all ``leaves``."""
    n = len(leaves)
    if not 0 <= index < n:
        raise ValueError(f"leaf index {index} is outside a tree of size {n}")
    # Walk down from the root; each step records the sibling subtree. The RFC lists the
    # path bottom-up, hence the reversal at the end.
    path: list[bytes] = []
    lo, hi = 0, n
    while hi - lo > 1:
        k = _split(hi - lo)
        if index < lo + k:
            path.append(_range_root(leaves, lo + k, hi))
            hi = lo + k
        else:
            path.append(_range_root(leaves, lo, lo + k))
            lo += k
    path.reverse()
    return path


def consistency_proof(leaves: Sequence[bytes], old_size: int, new_size: int) -> list[bytes]:
    """PROOF(old_size, D[new_size]) of RFC 9162 section 2.1.4.1 over the first leaves."""
    if not 0 < old_size <= new_size <= len(leaves):
        raise ValueError(
            f"need 0 < old_size <= new_size <= {len(leaves)}, got {old_size} and {new_size}"
        )
    # Iterative SUBPROOF(m, D[lo:hi], complete): siblings are found top-down and the
    # RFC emits them bottom-up, so collect then reverse.
    path: list[bytes] = []
    m, lo, hi, complete = old_size, 0, new_size, True
    while m != hi - lo:
        k = _split(hi - lo)
        if m <= k:
            path.append(_range_root(leaves, lo + k, hi))
            hi = lo + k
        else:
            path.append(_range_root(leaves, lo, lo + k))
            lo, m, complete = lo + k, m - k, False
    if not complete:
        path.append(_range_root(leaves, lo, hi))
    path.reverse()
    return path


def _is_hash(value: object) -> bool:
    return isinstance(value, bytes) and len(value) == HASH_SIZE


def _is_count(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value >= 0


def _hash_list(proof: object) -> list[bytes] | None:
    """The proof as a list of 32-byte hashes, or None if it is not one."""
    if isinstance(proof, (bytes, str)):
        return None
    try:
        path = list(proof)  # type: ignore[call-overload]
    except TypeError:
        return None
    return path if all(_is_hash(p) for p in path) else None


def verify_inclusion(
    leaf_hash: bytes, index: int, size: int, proof: Sequence[bytes], root: bytes
) -> bool:
    """RFC 9162 section 2.1.3.2: does ``proof`` place ``leaf_hash`` at ``index``?"""
    path = _hash_list(proof)
    if path is None or not (_is_hash(leaf_hash) and _is_hash(root)):
        return False
    if not (_is_count(index) and _is_count(size)) or index >= size:
        return False
    fn, sn = index, size - 1
    r = leaf_hash
    for p in path:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            r = node_hash(p, r)
            if not fn & 1:
                while not fn & 1 and fn != 0:
                    fn >>= 1
                    sn >>= 1
        else:
            r = node_hash(r, p)
        fn >>= 1
        sn >>= 1
    return sn == 0 and r == root


def verify_consistency(
    old_size: int, new_size: int, old_root: bytes, new_root: bytes, proof: Sequence[bytes]
) -> bool:
    """RFC 9162 section 2.1.4.2: is the tree ``new_root`` an extension of ``old_root``?

    Equal sizes are consistent exactly when the proof is empty and the roots are equal.
    A size of 0 is refused: the empty tree proves nothing about a log's history.
    """
    path = _hash_list(proof)
    if path is None or not (_is_hash(old_root) and _is_hash(new_root)):
        return False
    if not (_is_count(old_size) and _is_count(new_size)) or not 0 < old_size <= new_size:
        return False
    if old_size == new_size:
        return not path and old_root == new_root
    if not path:
        return False
    if old_size & (old_size - 1) == 0:
        # The old tree is a perfect subtree of the new one, so its root is not sent.
        path.insert(0, old_root)
    fn, sn = old_size - 1, new_size - 1
    while fn & 1:
        fn >>= 1
        sn >>= 1
    fr = sr = path[0]
    for c in path[1:]:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            fr = node_hash(c, fr)
            sr = node_hash(c, sr)
            if not fn & 1:
                while not fn & 1 and fn != 0:
                    fn >>= 1
                    sn >>= 1
        else:
            sr = node_hash(sr, c)
        fn >>= 1
        sn >>= 1
    return fr == old_root and sr == new_root and sn == 0
