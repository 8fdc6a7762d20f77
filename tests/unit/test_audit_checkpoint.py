"""C2SP checkpoints and signed notes: published vectors, round trips and tampering."""

from __future__ import annotations

import base64
import string

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ledger.audit.checkpoint import (
    Checkpoint,
    NoteError,
    generate_signer,
    open_note,
    parse_body,
    sign,
)

# --- Published vectors --------------------------------------------------------------------
# golang/mod, sumdb/note/note_test.go (TestSign, TestOpen, TestNewVerifier), copied exactly.

PETER_SIGNER = "PRIVATE+KEY+PeterNeumann+c74f20a3+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz"
PETER_VERIFIER = "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW"
ENOCH_VERIFIER = "EnochRoot+af0cfe78+ATtqJ7zOtqQtYqOo0CpvDXNlMhV3HeJDpjrASKGLWdop"
TEXT = (
    "If you think cryptography is the answer to your problem,\n"
    "then you don't know what your problem is.\n"
)
PETER_SIG = (
    "— PeterNeumann x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotp"
    "RZb6KE6RyyBwJnAM=\n"
)
ENOCH_SIG = (
    "— EnochRoot rwz+eBzmZa0SO3NbfRGzPCpDckykFXSdeX+MNtCOXm2/5n2tiOHp+vAF1aGrQ5ovTG01oOTGwnWLox"
    "33WWd1RvMc+QQ=\n"
)
SIGNED = TEXT + "\n" + PETER_SIG

# C2SP/C2SP, tlog-checkpoint.md: the example checkpoint body.
SPEC_BODY = "example.com/behind-the-sofa\n20852163\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n"


# --- Checkpoint bodies --------------------------------------------------------------------


def test_spec_example_body_parses_and_formats_back() -> None:
    c = parse_body(SPEC_BODY)
    assert c.origin == "example.com/behind-the-sofa"
    assert c.size == 20852163
    assert c.root == base64.b64decode("CsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=")
    assert c.extensions == ()
    assert c.body() == SPEC_BODY


def test_extension_lines_follow_the_root() -> None:
    c = Checkpoint("台账.example/log", 0, bytes(32), ("seq 7", "— anything"))
    assert c.body() == (
        "台账.example/log\n0\nAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\nseq 7\n— anything\n"
    )
    assert parse_body(c.body()) == c


_LINE = st.text(alphabet=st.characters(min_codepoint=0x20, codec="utf-8"), min_size=1)


@given(
    origin=_LINE,
    size=st.integers(min_value=0, max_value=2**64 - 1),
    root=st.binary(min_size=32, max_size=32),
    extensions=st.lists(_LINE, max_size=4).map(tuple),
)
def test_body_round_trip(origin: str, size: int, root: bytes, extensions: tuple[str, ...]) -> None:
    c = Checkpoint(origin, size, root, extensions)
    assert parse_body(c.body()) == c
    assert parse_body(c.body()).body() == c.body()


ROOT64 = "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA="


@pytest.mark.parametrize(
    ("text", "complaint"),
    [
        ("", "ending with a newline"),
        (f"log\n1\n{ROOT64}", "ending with a newline"),
        ("log\n1\n", "at least 3 lines"),
        (f"\n1\n{ROOT64}\n", "origin must be a non-empty"),
        (f"log\n01\n{ROOT64}\n", "tree size '01'"),
        (f"log\n-1\n{ROOT64}\n", "tree size '-1'"),
        (f"log\n+1\n{ROOT64}\n", "tree size '\\+1'"),
        (f"log\n 1\n{ROOT64}\n", "tree size ' 1'"),
        (f"log\n1.0\n{ROOT64}\n", "tree size"),
        (f"log\n\u0661\n{ROOT64}\n", "tree size"),  # ARABIC-INDIC DIGIT ONE
        (f"log\n{'9' * 21}\n{ROOT64}\n", "at most 20 digits"),
        (f"log\n{2**64}\n{ROOT64}\n", "outside 0 .. 2\\*\\*64 - 1"),
        ("log\n1\nnot base64!\n", "root hash 'not base64!'"),
        ("log\n1\nAAAA\n", "root hash is 3 bytes, expected 32"),
        ("log\n1\nAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA\n", "root hash"),  # no padding
        ("log\n1\nAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAB=\n", "root hash"),  # padding bits
        (f"log\n1\n{ROOT64}\n\n", "extension line 1"),
        (f"log\n1\n{ROOT64}\nok\n\n", "extension line 2"),
        (f"log\tx\n1\n{ROOT64}\n", "origin 'log\\\\tx'"),
    ],
)
def test_malformed_bodies_are_refused_with_the_reason(text: str, complaint: str) -> None:
    with pytest.raises(ValueError, match=complaint):
        parse_body(text)


@pytest.mark.parametrize(
    ("args", "complaint"),
    [
        (("", 1, bytes(32)), "origin"),
        (("a\nb", 1, bytes(32)), "origin"),
        (("log", -1, bytes(32)), "tree size"),
        (("log", True, bytes(32)), "tree size"),
        (("log", 1, bytes(31)), "32 bytes"),
        (("log", 1, bytes(32), ("",)), "extension line 1"),
        (("log", 1, bytes(32), ("ok", "a\nb")), "extension line 2"),
    ],
)
def test_checkpoint_refuses_values_it_cannot_write(
    args: tuple[object, ...], complaint: str
) -> None:
    with pytest.raises(ValueError, match=complaint):
        Checkpoint(*args)  # type: ignore[arg-type]


# --- The Go sumdb/note vectors -------------------------------------------------------------


def test_signing_reproduces_the_published_note() -> None:
    """Ed25519 is deterministic, so the same key and text give the same note."""
    assert sign(TEXT, PETER_SIGNER) == SIGNED


def test_published_note_opens() -> None:
    assert open_note(SIGNED, [PETER_VERIFIER]) == TEXT


def test_unknown_signatures_are_ignored_and_known_ones_all_checked() -> None:
    both = TEXT + "\n" + PETER_SIG + ENOCH_SIG
    assert open_note(both, [PETER_VERIFIER]) == TEXT
    assert open_note(both, [ENOCH_VERIFIER]) == TEXT
    assert open_note(both, [PETER_VERIFIER, ENOCH_VERIFIER, PETER_VERIFIER]) == TEXT
    with pytest.raises(NoteError, match="no signature by a known key"):
        open_note(both, [])


def test_a_bad_signature_by_a_known_key_rejects_the_whole_note() -> None:
    """C2SP signed-note: clients SHOULD reject the note, even if another key verifies."""
    bad_peter = PETER_SIG[:60] + "ABCD" + PETER_SIG[60:]
    with pytest.raises(NoteError, match="invalid signature for key PeterNeumann\\+c74f20a3"):
        open_note(TEXT + "\n" + bad_peter, [PETER_VERIFIER])
    with pytest.raises(NoteError, match="invalid signature"):
        open_note(TEXT + "\n" + ENOCH_SIG + bad_peter, [PETER_VERIFIER, ENOCH_VERIFIER])


@pytest.mark.parametrize(
    "note",
    [
        TEXT,
        TEXT + "\n",
        TEXT + "\n" + PETER_SIG[:-1],
        "\x01" + TEXT + "\n" + PETER_SIG,
        TEXT + "\n" + PETER_SIG.replace("PeterNeumann", "Bad Name")[:-1],
        TEXT + "\n" + PETER_SIG + "Unexpected line.\n",
        TEXT + "\n" + PETER_SIG * 101,
        "\ud800" + TEXT + "\n" + PETER_SIG,
    ],
)
def test_malformed_notes_from_go_tests_are_refused(note: str) -> None:
    with pytest.raises(NoteError, match="malformed note"):
        open_note(note, [PETER_VERIFIER])


def test_every_mangling_of_the_verifier_key_is_refused() -> None:
    """As TestNewVerifier: every strict substring and every one-character change."""
    manglings = {
        PETER_VERIFIER[i:j]
        for i in range(len(PETER_VERIFIER) + 1)
        for j in range(i + 1, len(PETER_VERIFIER) + 1)
    } - {PETER_VERIFIER}
    manglings |= {
        PETER_VERIFIER[:i] + chr(ord(c) + 1) + PETER_VERIFIER[i + 1 :]
        for i, c in enumerate(PETER_VERIFIER)
    }
    # Wrong key length and unknown algorithm, each with an adjusted key hash.
    manglings |= {
        "PeterNeumann+cc469956+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TWBADKEY==",
        "PeterNeumann+173116ae+ZRpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW",
    }
    for key in manglings:
        with pytest.raises(ValueError) as caught:
            open_note(SIGNED, [key])
        assert not isinstance(caught.value, NoteError), key


def test_every_mangling_of_the_signer_key_is_refused() -> None:
    """As TestNewSigner; the messages never repeat the private key text."""
    manglings = {
        PETER_SIGNER[i:j]
        for i in range(len(PETER_SIGNER) + 1)
        for j in range(i + 1, len(PETER_SIGNER) + 1)
    } - {PETER_SIGNER}
    manglings |= {
        PETER_SIGNER[:i] + chr(ord(c) + 1) + PETER_SIGNER[i + 1 :]
        for i, c in enumerate(PETER_SIGNER)
    }
    for key in manglings:
        with pytest.raises(ValueError) as caught:
            sign(TEXT, key)
        assert "AYEKFALVFGyNhPJEMzD1QIDr" not in str(caught.value)


# --- Our own keys -------------------------------------------------------------------------


def test_generated_keys_sign_and_open_a_checkpoint() -> None:
    signer, verifier = generate_signer("taizhang.example/ledger")
    assert signer.startswith("PRIVATE+KEY+taizhang.example/ledger+")
    name, key_id, key = verifier.split("+", 2)
    assert (name, len(key_id), len(base64.b64decode(key))) == ("taizhang.example/ledger", 8, 33)
    body = Checkpoint("taizhang.example/ledger", 42, bytes(range(32))).body()
    note = sign(body, signer)
    assert note.startswith(body + "\n— taizhang.example/ledger ")
    assert parse_body(open_note(note, [verifier])).size == 42


def test_tampering_with_any_body_character_fails() -> None:
    signer, verifier = generate_signer("log")
    body = Checkpoint("example.com/log", 1234, bytes(range(32)), ("ext",)).body()
    note = sign(body, signer)
    for i, c in enumerate(body):
        for other in {chr(ord(c) ^ 1), "x" if c != "x" else "y"}:
            with pytest.raises(NoteError):
                open_note(note[:i] + other + note[i + 1 :], [verifier])


def test_tampering_with_the_signature_fails() -> None:
    signer, verifier = generate_signer("log")
    note = sign(SPEC_BODY, signer)
    start = note.rindex(" ") + 1
    for i in range(start, len(note) - 1):
        for other in string.ascii_letters[:3]:
            if note[i] != other:
                with pytest.raises(NoteError):
                    open_note(note[:i] + other + note[i + 1 :], [verifier])


def test_another_key_does_not_open_the_note() -> None:
    signer, _ = generate_signer("log")
    _, other_verifier = generate_signer("log")
    with pytest.raises(NoteError, match="no signature by a known key \\(it is signed by log\\+"):
        open_note(sign(SPEC_BODY, signer), [other_verifier])
    with pytest.raises(NoteError, match="no signature by a known key"):
        open_note(SIGNED, [ENOCH_VERIFIER])


@pytest.mark.parametrize("name", ["", "a b", "a+b", "a\tb", "a\u3000b", "a\nb", "a\x01b"])
def test_key_names_are_validated(name: str) -> None:
    with pytest.raises(ValueError, match="key name"):
        generate_signer(name)


@pytest.mark.parametrize("body", ["", "no newline", "a\x00\n", "\ud800\n"])
def test_sign_refuses_text_a_note_cannot_carry(body: str) -> None:
    with pytest.raises(ValueError, match="cannot sign the note"):
        sign(body, PETER_SIGNER)


def test_verifier_keys_must_be_a_list_of_texts() -> None:
    with pytest.raises(ValueError, match="sequence of key texts"):
        open_note(SIGNED, PETER_VERIFIER)
