"""`taizhang audit …`: the history as auditors see it, proved against its hash chain and
against signed checkpoints kept outside the store (docs/audit.md)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from cli.context import Context, get
from cli.help import group

app = group("Audit: every fact with who and when, verified against the hash chain.")

KEY_NAME = "taizhang-auditor"
OutOpt = Annotated[Path, typer.Option("-o", "--output", help="The file to write.")]
CheckpointOpt = Annotated[
    Path | None, typer.Option("--checkpoint", help="A checkpoint `audit checkpoint` wrote.")
]
PublicKeyOpt = Annotated[
    Path | None,
    typer.Option("--key", help="The auditor's public key (KEYFILE.pub), to check the signature."),
]


@app.command("log")
def log(
    ctx: typer.Context,
    task: Annotated[str | None, typer.Option("--task", help="One task (PLANREF/CODE).")] = None,
    unit: Annotated[str | None, typer.Option("--unit", help="Facts about a unit.")] = None,
    actor: Annotated[str | None, typer.Option("--actor", help="Facts someone recorded.")] = None,
    kind: Annotated[
        list[str] | None, typer.Option("--type", help="Event type, e.g. Completed (repeatable).")
    ] = None,
    since: Annotated[str | None, typer.Option("--since", help="Recorded from then on.")] = None,
    until: Annotated[str | None, typer.Option("--until", help="Recorded until then.")] = None,
) -> None:
    """Every fact, in recorded order: position, type, who, the day it happened, when it
    was recorded, and how many days after it happened it was recorded."""
    from cli.render import emit
    from cli.values import parse_instant
    from projections.queries.audit import LogFilter, audit_log
    from projections.queries.tasks import task_id_of

    context = get(ctx)
    reader = context.reader()
    where = LogFilter(
        task=task_id_of(reader, task) if task else None,
        unit=unit,
        actor=actor,
        kinds=list(kind or []),
        since=parse_instant(since, "--since", context.zone) if since else None,
        until=parse_instant(until, "--until", context.zone, end_of_day=True) if until else None,
    )
    entries = audit_log(reader, where, context.zone)
    rows = [{**e, "recorded_at": e["recorded_at"][:16], "details": _details(e)} for e in entries]
    columns = [
        ("position", "#"),
        ("ref", "task"),
        ("type", "event"),
        ("actor", "by"),
        ("occurred_on", "happened"),
        ("recorded_at", "recorded"),
        ("recorded_days_late", "days late"),
        ("details", "details"),
    ]
    emit(context.settings.fmt, rows, columns, title="audit log", document=entries)


def _details(entry: dict[str, Any]) -> str:
    shown = {"unit", "note", "reason", "period", "approved_by", "to", "new_due", "due"}
    shown |= {"check", "verdict", "deduct"}  # a spot check's
    return "; ".join(f"{k}={entry[k]}" for k in entry if k in shown and entry[k] not in (None, ""))


@app.command("verify")
def verify(ctx: typer.Context, checkpoint: CheckpointOpt = None, key: PublicKeyOpt = None) -> None:
    """Recompute the chain over every event and check that positions, versions and
    recorded times hold; with --checkpoint, that the first N events are exactly those it
    committed to. Exits 1 naming the first bad position."""
    from cli.render import emit_json, say

    context = get(ctx)
    signed = _read_checkpoint(checkpoint, key) if checkpoint else None
    verdict = _verified(context, [signed.size] if signed else [])
    document: dict[str, Any] = {
        "ok": verdict.ok,
        "events": verdict.events,
        "first_bad_seq": verdict.first_bad_seq,
        "reason": verdict.reason,
        "chain_head": verdict.head.hex(),
    }
    if signed is not None and verdict.ok:
        problem = _against(signed, verdict)
        document.update(ok=problem is None, reason=problem)
        document["checkpoint"] = {"size": signed.size, "signature": "checked" if key else None}
        if problem is not None:
            document["first_bad_seq"] = min(signed.size, verdict.events + 1)
    if context.settings.fmt == "json":
        emit_json(document)
    elif document["ok"]:
        against = f"; the first {signed.size} are those the checkpoint signed" if signed else ""
        unsigned = " (signature not checked: give --key)" if signed and not key else ""
        say(f"ok: {verdict.events} events, chain intact{against}{unsigned}")
    if not document["ok"]:
        from ledger.errors import RuleViolation

        seq = document["first_bad_seq"]
        raise RuleViolation(f"audit failed at event {seq}: {document['reason']}")


def _verified(context: Context, sizes: list[int]) -> Any:
    from cli.progress import bar
    from projections.queries.audit import verify_store

    reader = context.raw_reader()
    total = reader.value("SELECT count(*) FROM ledger_events") or 0
    with bar("verifying", total=total) as advance:
        return verify_store(reader, sizes=sizes, progress=lambda n: advance(n, total))


def _against(signed: Any, verdict: Any) -> str | None:
    """Why the store's first ``signed.size`` events are not the checkpoint's, if not."""
    if verdict.events < signed.size:
        return f"the store holds {verdict.events} events; the checkpoint signed {signed.size}"
    if verdict.roots.get(signed.size) != signed.root:
        return f"the first {signed.size} events are not those the checkpoint signed"
    head = f"taizhang-chain {_b64(verdict.heads[signed.size])}"
    if head not in signed.extensions:
        return f"the chain hash at {signed.size} is not the one the checkpoint signed"
    return None


def _read_checkpoint(path: Path, key: Path | None) -> Any:
    """The checkpoint in ``path``; its signature checked against ``key`` when given."""
    from ledger.audit.checkpoint import NoteError, open_note, parse_body
    from ledger.errors import InvalidInput

    note = _text(path, "--checkpoint")
    try:
        # Without a key the body is read as it stands: what it commits to is still checked.
        body = open_note(note, [_text(key, "--key").strip()]) if key else _body(note)
        return parse_body(body)
    except (NoteError, ValueError) as e:
        raise InvalidInput(f"{path}: {e}", field="checkpoint") from None


def _body(note: str) -> str:
    return note[: note.rfind("\n\n") + 1] if "\n\n" in note else note


def _text(path: Path, flag: str) -> str:
    from ledger.errors import InvalidInput

    try:
        return path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as e:
        raise InvalidInput(f"{flag} {path}: cannot be read ({e.__class__.__name__})") from None


@app.command("keygen")
def keygen(
    ctx: typer.Context,
    output: OutOpt,
    name: Annotated[str, typer.Option("--name", help="The key's name in signatures.")] = KEY_NAME,
) -> None:
    """Make an Ed25519 key pair: the signing key in OUTPUT (readable by you only), the
    public key beside it in OUTPUT.pub. Keep the signing key away from the store."""
    from cli.render import say
    from ledger.audit.checkpoint import generate_signer

    signer, verifier = generate_signer(name)
    public = output.with_name(output.name + ".pub")
    _write_new(output, signer + "\n", private=True)
    _write_new(public, verifier + "\n", private=False)
    say(f"signing key in {output}; public key in {public}")


def _write_new(path: Path, text: str, *, private: bool) -> None:
    import os

    from ledger.errors import InvalidInput

    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600 if private else 0o644)
    except FileExistsError:
        raise InvalidInput(f"{path} exists already; it is never overwritten") from None
    except OSError as e:
        raise InvalidInput(f"{path}: cannot be written ({e.strerror})") from None
    with os.fdopen(fd, "w", encoding="utf-8") as out:
        out.write(text)


@app.command("checkpoint")
def checkpoint(
    ctx: typer.Context,
    output: OutOpt,
    key: Annotated[Path, typer.Option("--key", help="The signing key `audit keygen` made.")],
) -> None:
    """Verify the history, then sign its size, Merkle root and chain hash as a C2SP
    checkpoint. Keep it outside the store: `audit verify --checkpoint` proves later that
    the history up to it is unchanged."""
    from cli.render import emit_json, say
    from ledger.audit.checkpoint import Checkpoint, sign
    from ledger.errors import InvalidInput, RuleViolation

    context = get(ctx)
    signer = _text(key, "--key").strip()
    reader = context.raw_reader()
    total = reader.value("SELECT count(*) FROM ledger_events") or 0
    if not total:
        raise RuleViolation("the ledger holds no event yet: nothing to sign")
    verdict = _verified(context, [total])
    if not verdict.ok:
        raise RuleViolation(f"not signed: event {verdict.first_bad_seq}: {verdict.reason}")
    body = Checkpoint(
        _origin(reader),
        verdict.events,
        verdict.roots[verdict.events],
        (f"taizhang-chain {_b64(verdict.head)}",),
    ).body()
    try:
        note = sign(body, signer)
    except ValueError as e:
        raise InvalidInput(f"--key {key}: {e}", field="key") from None
    _write_new(output, note, private=False)
    if context.settings.fmt == "json":
        emit_json({"size": verdict.events, "root": verdict.roots[verdict.events].hex()})
    else:
        say(f"checkpoint of {verdict.events} events signed in {output}")


def _b64(raw: bytes) -> str:
    import base64

    return base64.b64encode(raw).decode("ascii")


def _origin(reader: Any) -> str:
    """The log's name in checkpoints: from its first leaf, so it stays with the store."""
    first = reader.value("SELECT leaf FROM ledger_chain WHERE seq = 1")
    return f"taizhang.ledger/{bytes(first).hex()[:16]}"


@app.command("export")
def export(ctx: typer.Context, output: OutOpt) -> None:
    """The whole history, one event per line (JSON), with each leaf and chain hash, for
    anyone to verify with the procedure of docs/audit.md and no taizhang code."""
    import json

    from cli.progress import bar
    from cli.render import say
    from projections.queries.audit import export as rows

    context = get(ctx)
    reader = context.raw_reader()
    total = reader.value("SELECT count(*) FROM ledger_events") or 0
    written = 0
    with _new_file(output) as out, bar("exporting", total=total) as advance:
        for row in rows(reader):
            out.write(json.dumps(row.to_json(), ensure_ascii=False) + "\n")
            written += 1
            if written % 10000 == 0:
                advance(written, total)
    say(f"{written} events written to {output}")


def _new_file(path: Path) -> Any:
    _write_new(path, "", private=False)
    return path.open("w", encoding="utf-8")


@app.command("prove")
def prove(
    ctx: typer.Context,
    position: Annotated[int, typer.Argument(help="The event's position (`audit log` shows it).")],
    checkpoint: Annotated[
        Path, typer.Option("--checkpoint", help="The checkpoint to prove it in.")
    ],
    output: OutOpt,
) -> None:
    """An inclusion proof: the event at POSITION is among those the checkpoint signed.
    Anyone can check it offline (docs/audit.md)."""
    from ledger.audit.merkle import inclusion_proof
    from projections.queries.audit import exported_at

    context = get(ctx)
    signed = _read_checkpoint(checkpoint, None)
    reader = context.raw_reader()
    leaves, seq = _leaves(reader, signed.size), _seq_of(reader, position)
    if seq > signed.size:
        from ledger.errors import InvalidInput

        raise InvalidInput(f"the event at position {position} came after the checkpoint")
    line = exported_at(reader, position)
    _write_json(
        output,
        {
            "kind": "inclusion",
            "size": signed.size,
            "root": signed.root.hex(),
            "index": seq - 1,
            "event": line.to_json(),
            "path": [h.hex() for h in inclusion_proof(leaves, seq - 1)],
        },
    )


@app.command("consistency")
def consistency(
    ctx: typer.Context,
    older: Annotated[Path, typer.Argument(help="The earlier checkpoint.")],
    newer: Annotated[Path, typer.Argument(help="The later checkpoint.")],
    output: OutOpt,
) -> None:
    """A consistency proof: the later checkpoint's history extends the earlier one's,
    nothing before it changed. Anyone can check it offline (docs/audit.md)."""
    from ledger.audit.merkle import consistency_proof
    from ledger.errors import InvalidInput

    context = get(ctx)
    old, new = _read_checkpoint(older, None), _read_checkpoint(newer, None)
    if not 0 < old.size <= new.size:
        raise InvalidInput(f"{older} must sign fewer events than {newer}, and some")
    leaves = _leaves(context.raw_reader(), new.size)
    _write_json(
        output,
        {
            "kind": "consistency",
            "old_size": old.size,
            "old_root": old.root.hex(),
            "new_size": new.size,
            "new_root": new.root.hex(),
            "path": [h.hex() for h in consistency_proof(leaves, old.size, new.size)],
        },
    )


def _leaves(reader: Any, size: int) -> list[bytes]:
    """The first ``size`` leaves of the chain (a store with fewer cannot prove)."""
    from ledger.errors import RuleViolation

    rows = reader.stream("SELECT leaf FROM ledger_chain WHERE seq <= :n ORDER BY seq", {"n": size})
    leaves = [bytes(r[0]) for r in rows]
    if len(leaves) < size:
        raise RuleViolation(f"the store holds {len(leaves)} chained events, fewer than {size}")
    return leaves


def _seq_of(reader: Any, position: int) -> int:
    from ledger.errors import NotFound

    seq = reader.value("SELECT seq FROM ledger_chain WHERE position = :p", {"p": position})
    if seq is None:
        raise NotFound(f"no chained event at position {position}")
    return int(seq)


def _write_json(path: Path, document: dict[str, Any]) -> None:
    import json

    from cli.render import say

    _write_new(path, json.dumps(document, ensure_ascii=False, indent=2) + "\n", private=False)
    say(f"{document['kind']} proof written to {path}")
