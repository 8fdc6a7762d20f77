"""`taizhang calendar …`: declared working days and holidays (ledger facts)."""

from __future__ import annotations

from typing import Annotated

import typer

from cli.context import get
from cli.help import group

app = group("The working-day calendar: official data plus declared days.")


@app.command("declare")
def declare(
    ctx: typer.Context,
    day: Annotated[str, typer.Argument(help="The day (YYYY-MM-DD).")],
    source: Annotated[str, typer.Option("--source", help="The notice that says so (文号).")],
    holiday: Annotated[
        bool, typer.Option("--holiday/--workday", help="A holiday, or a (make-up) working day.")
    ] = True,
) -> None:
    """Declare a holiday or working day; provisional deadlines are then counted again."""
    from uuid import UUID

    from cli.render import emit_json, say
    from cli.values import parse_day
    from projections.queries.tasks import TaskFilter, list_tasks

    context = get(ctx)
    ledger = context.ledger()
    the_day = parse_day(day, "DAY")
    ledger.declare_day(the_day, workday=not holiday, source=source, actor=context.settings.actor)
    context.settle()
    waiting = list_tasks(context.reader(), now=context.now(), where=TaskFilter(provisional=True))
    reason = f"calendar: {the_day.isoformat()} declared {'holiday' if holiday else 'working day'}"
    changed = [
        v.ref
        for v in waiting
        if ledger.reevaluate_deadline(
            UUID(v.row["task_id"]), reason=reason, actor=context.settings.actor
        )
    ]
    context.settle()
    if context.settings.fmt == "json":
        emit_json({"day": the_day.isoformat(), "holiday": holiday, "recounted": changed})
    else:
        say(
            f"{the_day.isoformat()} declared {'a holiday' if holiday else 'a working day'}; "
            f"{len(changed)} provisional deadlines counted again"
        )


@app.command("list")
def list_days(ctx: typer.Context) -> None:
    """Every declared day with its source."""
    from cli.render import emit

    context = get(ctx)
    ledger = context.ledger()
    events = ledger.declared_days()
    rows = [
        {
            "day": e.day.isoformat(),
            "kind": "working day" if e.workday else "holiday",
            "source": e.source,
            "actor": e.actor,
            "recorded_at": e.timestamp.isoformat(),
        }
        for e in events
    ]
    emit(
        context.settings.fmt,
        rows,
        [
            ("day", "day"),
            ("kind", "kind"),
            ("source", "source"),
            ("actor", "by"),
            ("recorded_at", "recorded"),
        ],
        title="declared days",
    )
