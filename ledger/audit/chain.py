"""The hash chain over the ledger's events: what each event's leaf covers, and how the
chain links them. Pure; docs/audit.md gives the same procedure for anyone to follow.

An event is stored as the eventsourcing library writes it: the aggregate's id, its
version, the event's topic (its type) and its state (JSON text with every field: the
payload, the actor, the recorded time ``timestamp`` and, for reports and completions,
the day it happened ``occurred_on``). Its *leaf* is the RFC 6962 leaf hash of::

    "<position>\\n<aggregate id>\\n<version>\\n<topic>\\n" + state

(``position`` the event's place in notification order, the id as lowercase hex with
dashes, numbers in decimal, all UTF-8), so a leaf names where the event stands and what
it says, byte for byte. The chain then runs in notification order: ``chain[0]`` is 32
zero bytes and ``chain[n] = SHA-256(chain[n-1] || leaf[n])``. Changing, removing,
inserting or reordering any event changes every chain hash from there on; the leaves are
also those of the Merkle tree a checkpoint signs (ledger/audit/merkle.py).
"""

from __future__ import annotations

import hashlib
from uuid import UUID

from ledger.audit.merkle import HASH_SIZE

GENESIS = bytes(HASH_SIZE)  # the chain before the first event


def leaf_input(position: int, aggregate: UUID, version: int, topic: str, state: bytes) -> bytes:
    """The bytes an event's leaf hashes: where it stands and what it says."""
    return f"{position}\n{aggregate}\n{version}\n{topic}\n".encode() + bytes(state)


def leaf(position: int, aggregate: UUID, version: int, topic: str, state: bytes) -> bytes:
    """SHA-256(0x00 || leaf input): the event's leaf hash."""
    return hashlib.sha256(b"\x00" + leaf_input(position, aggregate, version, topic, state)).digest()


def link(previous: bytes, leaf_hash: bytes) -> bytes:
    """The chain hash after one more event."""
    return hashlib.sha256(previous + leaf_hash).digest()
