"""`taizhang task request-extension` and `taizhang task extension approve|reject`: a unit
asks for more time for its share; a supervisor decides."""

from __future__ import annotations

from typing import Annotated

import typer

from cli.context import get
from cli.help import group
from cli.task_writes import ReasonOpt, RetroactiveOpt, done
from cli.tasks import app

__all__ = ["app"]

decisions = group("Decide a unit's request for more time: approve or reject.")
app.add_typer(decisions, name="extension")

TaskArg = Annotated[str, typer.Argument(help="Task id or PLANREF/CODE.")]
UnitOpt = Annotated[
    str | None,
    typer.Option("--unit", help="Whose request (needed only when several units asked)."),
]


@app.command("request-extension")
def request_extension(
    ctx: typer.Context,
    task: TaskArg,
    to: Annotated[str, typer.Option("--to", help="The deadline asked for (a day means its end).")],
    reason: ReasonOpt,
    unit: Annotated[
        str | None, typer.Option("--unit", help="For this unit (default: your own).")
    ] = None,
) -> None:
    """Ask for more time for your unit's share; a supervisor approves or rejects it."""
    from cli.values import parse_instant

    context = get(ctx)
    ledger = context.ledger()
    asked = parse_instant(to, "--to", context.zone, end_of_day=True)
    result = ledger.request_extension(
        ledger.resolve_task(task), to=asked, reason=reason, unit=unit, actor=context.settings.actor
    )
    done(context, f"extension to {asked.date().isoformat()} requested", result)


@decisions.command("approve")
def approve(
    ctx: typer.Context,
    task: TaskArg,
    to: Annotated[
        str | None, typer.Option("--to", help="Grant another date than the one asked for.")
    ] = None,
    unit: UnitOpt = None,
    whole_task: Annotated[
        bool, typer.Option("--whole-task", help="Move the whole task's deadline, every share's.")
    ] = False,
    retroactive: RetroactiveOpt = False,
) -> None:
    """Approve a unit's request: its share (or the whole task) is due later."""
    from cli.values import parse_instant

    context = get(ctx)
    ledger = context.ledger()
    granted = parse_instant(to, "--to", context.zone, end_of_day=True) if to else None
    result = ledger.decide_extension(
        ledger.resolve_task(task),
        approve=True,
        unit=unit,
        to=granted,
        whole_task=whole_task,
        retroactive=retroactive,
        actor=context.settings.actor,
    )
    done(context, "extension approved", result)


@decisions.command("reject")
def reject(ctx: typer.Context, task: TaskArg, reason: ReasonOpt, unit: UnitOpt = None) -> None:
    """Reject a unit's request, saying why; its share keeps its deadline."""
    context = get(ctx)
    ledger = context.ledger()
    result = ledger.decide_extension(
        ledger.resolve_task(task),
        approve=False,
        unit=unit,
        reason=reason,
        actor=context.settings.actor,
    )
    done(context, "extension rejected", result)
