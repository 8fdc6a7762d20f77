"""C2SP tlog-checkpoint bodies, signed as C2SP signed notes with Ed25519 keys.

Key texts, key ids and the note layout are those of golang.org/x/mod/sumdb/note, so keys
and notes made here interoperate with Go's sumdb tooling and transparency-log witnesses.
Bad arguments raise ``ValueError``; a note that cannot be trusted raises :class:`NoteError`.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import re
from collections.abc import Sequence
from dataclasses import dataclass

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import (
    Ed25519PrivateKey,
    Ed25519PublicKey,
)

from ledger.audit.merkle import HASH_SIZE

_ALG_ED25519 = b"\x01"
_KEY_SIZE = 32
_SIGNER_PREFIX = "PRIVATE+KEY+"
_SIG_PREFIX = "\u2014 "  # EM DASH, space
# Go's note.Open stops at 100; parsing is bounded so a hostile note cannot stall us.
_MAX_SIGNATURES = 100
_MAX_TREE_SIZE = 2**64 - 1
_TREE_SIZE = re.compile(r"0|[1-9][0-9]{0,19}")
_KEY_ID = re.compile(r"[0-9a-fA-F]{8}")


class NoteError(ValueError):
    """A signed note is malformed, has a bad signature, or is signed by no known key."""


def _b64(raw: bytes) -> str:
    return base64.b64encode(raw).decode("ascii")


def _unb64(text: str) -> bytes | None:
    """Strict standard padded base64, or None."""
    try:
        raw = base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        return None
    # b64decode accepts non-zero padding bits; insisting on the canonical text keeps
    # exactly one spelling of every root and signature.
    return raw if _b64(raw) == text else None


def _text_problem(text: str) -> str | None:
    """Why ``text`` cannot be note text (C2SP signed-note), or None if it can."""
    if not text.endswith("\n"):
        return "the text must end with a newline"
    if any(c < " " and c != "\n" for c in text):
        return "the text contains an ASCII control character other than newline"
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return "the text is not valid Unicode (it has a lone surrogate)"
    return None


def _check_line(what: str, line: str) -> None:
    if not isinstance(line, str) or not line:
        raise ValueError(f"checkpoint {what} must be a non-empty string")
    problem = _text_problem(line + "\n")
    if problem or "\n" in line:
        raise ValueError(f"checkpoint {what} {line!r} is not a single line of plain text")


@dataclass(frozen=True)
class Checkpoint:
    """A log's signed statement: its origin, tree size and RFC 6962 root hash."""

    origin: str
    size: int
    root: bytes
    extensions: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        _check_line("origin", self.origin)
        if isinstance(self.size, bool) or not isinstance(self.size, int):
            raise ValueError(f"checkpoint tree size must be an integer, got {self.size!r}")
        if not 0 <= self.size <= _MAX_TREE_SIZE:
            raise ValueError(f"checkpoint tree size {self.size} is outside 0 .. 2**64 - 1")
        if not isinstance(self.root, bytes) or len(self.root) != HASH_SIZE:
            raise ValueError(f"checkpoint root hash must be {HASH_SIZE} bytes")
        # A list would make the frozen value unhashable and mutable from outside.
        object.__setattr__(self, "extensions", tuple(self.extensions))
        for number, line in enumerate(self.extensions, start=1):
            _check_line(f"extension line {number}", line)

    def body(self) -> str:
        """The note text: origin, size, base64 root, then extension lines."""
        lines = (self.origin, str(self.size), _b64(self.root), *self.extensions)
        return "".join(f"{line}\n" for line in lines)


def parse_body(text: str) -> Checkpoint:
    """Read a checkpoint body; raise ``ValueError`` saying which line is wrong."""
    if not isinstance(text, str) or not text.endswith("\n"):
        raise ValueError("checkpoint body must be text ending with a newline")
    lines = text[:-1].split("\n")
    if len(lines) < 3:
        raise ValueError(
            "checkpoint body needs at least 3 lines (origin, tree size, root hash), "
            f"got {len(lines)}"
        )
    origin, size_text, root_text, *extensions = lines
    if not _TREE_SIZE.fullmatch(size_text):
        raise ValueError(
            f"checkpoint tree size {size_text!r} is not a decimal number "
            "without leading zeros (at most 20 digits)"
        )
    root = _unb64(root_text)
    if root is None:
        raise ValueError(f"checkpoint root hash {root_text!r} is not standard padded base64")
    if len(root) != HASH_SIZE:
        raise ValueError(f"checkpoint root hash is {len(root)} bytes, expected {HASH_SIZE}")
    return Checkpoint(origin, int(size_text), root, tuple(extensions))


def _valid_name(name: str) -> bool:
    """Key names: non-empty, no Unicode space, no control character, no '+'."""
    return (
        isinstance(name, str)
        and name != ""
        and "+" not in name
        and not any(c.isspace() or c < " " for c in name)
        and _text_problem(name + "\n") is None
    )


def _check_name(name: str) -> None:
    if not _valid_name(name):
        raise ValueError(
            f"key name {name!r} must be non-empty and contain no whitespace, "
            "control characters or '+'"
        )


def _key_id(name: str, public_key: bytes) -> bytes:
    """SHA-256(name || 0x0A || 0x01 || public key)[:4], as sumdb/note computes it."""
    return hashlib.sha256(name.encode("utf-8") + b"\n" + _ALG_ED25519 + public_key).digest()[:4]


def _split_key(text: str, kind: str) -> tuple[str, bytes, bytes]:
    """Split ``<name>+<hex id>+<base64 key>`` into name, key id and raw key material."""
    name, _, rest = text.partition("+")
    id_hex, _, key64 = rest.partition("+")
    _check_name(name)
    raw = _unb64(key64)
    if not _KEY_ID.fullmatch(id_hex) or raw is None:
        raise ValueError(f"{kind} key for {name!r} is not <name>+<8 hex digits>+<standard base64>")
    if len(raw) != 1 + _KEY_SIZE or raw[:1] != _ALG_ED25519:
        raise ValueError(f"{kind} key for {name!r} is not an Ed25519 key (0x01 + 32 bytes)")
    return name, bytes.fromhex(id_hex), raw[1:]


def _parse_verifier(text: str) -> tuple[str, bytes, bytes]:
    """Name, key id and raw public key of a verifier key text."""
    name, key_id, public = _split_key(text, "verifier")
    if _key_id(name, public) != key_id:
        raise ValueError(f"verifier key {name}+{key_id.hex()}: key id does not match the key")
    return name, key_id, public


def _parse_signer(text: str) -> tuple[str, bytes, Ed25519PrivateKey]:
    """Name, key id and private key of a signer key text."""
    if not isinstance(text, str) or not text.startswith(_SIGNER_PREFIX):
        # Never echo the text: it may be a mistyped private key.
        raise ValueError(f"signer key must start with {_SIGNER_PREFIX!r}")
    name, key_id, seed = _split_key(text[len(_SIGNER_PREFIX) :], "signer")
    private = Ed25519PrivateKey.from_private_bytes(seed)
    if _key_id(name, private.public_key().public_bytes_raw()) != key_id:
        raise ValueError(f"signer key {name}+{key_id.hex()}: key id does not match the key")
    return name, key_id, private


def generate_signer(name: str) -> tuple[str, str]:
    """A fresh Ed25519 key pair as (signer key text, verifier key text)."""
    _check_name(name)
    private = Ed25519PrivateKey.generate()
    public = private.public_key().public_bytes_raw()
    key_id = _key_id(name, public).hex()
    signer = f"{_SIGNER_PREFIX}{name}+{key_id}+{_b64(_ALG_ED25519 + private.private_bytes_raw())}"
    verifier = f"{name}+{key_id}+{_b64(_ALG_ED25519 + public)}"
    return signer, verifier


def sign(body: str, signer_key: str) -> str:
    """The signed note: ``body``, a blank line and one signature line."""
    name, key_id, private = _parse_signer(signer_key)
    problem = _text_problem(body) if isinstance(body, str) else "the text is not a string"
    if problem:
        raise ValueError(f"cannot sign the note: {problem}")
    signature = private.sign(body.encode("utf-8"))
    return f"{body}\n{_SIG_PREFIX}{name} {_b64(key_id + signature)}\n"


def _known_keys(verifier_keys: Sequence[str]) -> dict[tuple[str, bytes], set[bytes]]:
    """Public keys by (name, key id); a set so one key listed twice is not ambiguous."""
    if isinstance(verifier_keys, str):
        raise ValueError("verifier_keys must be a sequence of key texts, not one string")
    known: dict[tuple[str, bytes], set[bytes]] = {}
    for text in verifier_keys:
        name, key_id, public = _parse_verifier(text)
        known.setdefault((name, key_id), set()).add(public)
    return known


def _signature_lines(block: str) -> list[tuple[str, bytes, bytes]]:
    """(name, key id, signature) of each line of a note's signature block."""
    if not block.endswith("\n"):
        raise NoteError("malformed note: no signature lines after the last blank line")
    lines = block[:-1].split("\n")
    if len(lines) > _MAX_SIGNATURES:
        raise NoteError(f"malformed note: more than {_MAX_SIGNATURES} signatures")
    parsed = []
    for number, line in enumerate(lines, start=1):
        name, _, sig64 = line.removeprefix(_SIG_PREFIX).partition(" ")
        raw = _unb64(sig64)
        if not (line.startswith(_SIG_PREFIX) and _valid_name(name)) or raw is None or len(raw) < 5:
            raise NoteError(
                f"malformed note: signature line {number} is not "
                "'\u2014 <key name> <base64 signature>'"
            )
        parsed.append((name, raw[:4], raw[4:]))
    return parsed


def open_note(note: str, verifier_keys: Sequence[str]) -> str:
    """Check a signed note and return its text (the checkpoint body).

    Signatures by unknown keys are ignored. Raises :class:`NoteError` if the note is
    malformed, if any signature by a known key fails (C2SP: reject the whole note), or if
    no known key signed it. A malformed verifier key raises plain ``ValueError``.
    """
    known = _known_keys(verifier_keys)
    if not isinstance(note, str):
        raise NoteError("malformed note: a note is text, not bytes")
    problem = _text_problem(note)
    if problem:
        raise NoteError(f"malformed note: {problem}")
    split = note.rfind("\n\n")
    if split < 0:
        raise NoteError("malformed note: no blank line between the text and the signatures")
    body, block = note[: split + 1], note[split + 2 :]
    message = body.encode("utf-8")
    verified, unknown = 0, []
    for name, key_id, signature in _signature_lines(block):
        label = f"{name}+{key_id.hex()}"
        keys = known.get((name, key_id))
        if keys is None:
            unknown.append(label)
            continue
        if len(keys) > 1:
            raise NoteError(f"ambiguous key {label}: two verifier keys share its name and id")
        try:
            Ed25519PublicKey.from_public_bytes(next(iter(keys))).verify(signature, message)
        except InvalidSignature:
            raise NoteError(f"invalid signature for key {label}") from None
        verified += 1
    if not verified:
        raise NoteError(
            f"note has no signature by a known key (it is signed by {', '.join(unknown)})"
        )
    return body
