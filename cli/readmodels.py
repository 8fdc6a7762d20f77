"""`taizhang projections …`: how far each read model is, and rebuilding them."""

from __future__ import annotations

from typing import Annotated

import typer

from cli.context import get
from cli.help import group

app = group("Read models: status and rebuild.")


@app.command("status")
def status(ctx: typer.Context) -> None:
    """Each projection's position and how far it is behind the ledger; a position past
    the ledger's head (the store went backwards) is flagged."""
    from cli.render import emit, say

    context = get(ctx)
    rows = [
        {
            "name": lag.projection,
            "position": lag.position,
            "head": lag.head,
            "behind": lag.behind,
            "ahead": max(0, lag.position - lag.head),
        }
        for lag in context.runner().status()
    ]
    if any(r["ahead"] for r in rows):
        say(
            "warning: read models have read past the ledger's head: the store went backwards "
            "or was altered; run `taizhang audit verify`"
        )
    emit(
        context.settings.fmt,
        rows,
        [
            ("name", "projection"),
            ("position", "position"),
            ("head", "head"),
            ("behind", "behind"),
            ("ahead", "ahead"),
        ],
    )


@app.command("rebuild")
def rebuild(
    ctx: typer.Context,
    names: Annotated[list[str] | None, typer.Argument(help="Projections (default: all).")] = None,
) -> None:
    """Empty read models and replay the whole ledger into them."""
    from cli.progress import bar
    from cli.render import emit_json, say

    context = get(ctx)
    runner = context.runner()
    head = runner.ledger.recorder.max_notification_id() or 0
    with bar("rebuilding", total=head) as advance:
        read = runner.rebuild(names or [], progress=advance)
    context.settle()  # events recorded meanwhile
    if context.settings.fmt == "json":
        emit_json({"rebuilt": names or [p.name for p in runner.projections], "events": read})
    else:
        say(f"rebuilt from {read} events")
