"""`taizhang task …` changes: report, complete, reopen, extend, reassign, waive, start.

Each names the acting person (--as) to the ledger, which decides whether they may.
"""

from __future__ import annotations

from typing import Annotated, Any

import typer

from cli.context import Context, get
from cli.logs import logger
from cli.tasks import app

__all__ = ["app"]

UnitOpt = Annotated[
    str | None,
    typer.Option("--unit", help="The unit this is for (default: the acting person's unit)."),
]
OnOpt = Annotated[
    str | None, typer.Option("--on", help="When it happened (YYYY-MM-DD; default today).")
]
PeriodOpt = Annotated[
    str | None, typer.Option("--period", help="Occurrence of a recurring task (2017-Q3, 2017-05).")
]
EvidenceOpt = Annotated[
    list[str] | None, typer.Option("--evidence", help="Evidence link (repeatable).")
]


def _day(value: str | None) -> Any:
    from cli.values import parse_day

    return parse_day(value, "--on") if value else None


def done(context: Context, verb: str, task: Any) -> None:
    from cli.render import emit_json, say

    logger().info(
        "task.changed",
        task=str(task.id),
        code=task.code,
        version=task.version,
        change=verb,
        actor=context.settings.actor,
    )
    context.settle()
    if context.settings.fmt == "json":
        emit_json({"id": str(task.id), "code": task.code, "version": task.version, "event": verb})
    else:
        say(f"task {task.code}: {verb} (version {task.version})")


@app.command("report")
def report(
    ctx: typer.Context,
    task: Annotated[str, typer.Argument(help="Task id or PLANREF/CODE.")],
    unit: UnitOpt = None,
    note: Annotated[str, typer.Option(help="What was done.")] = "",
    evidence: EvidenceOpt = None,
    count: Annotated[
        float | None, typer.Option("--count", help="Quantity toward the target.")
    ] = None,
    on: OnOpt = None,
    period: PeriodOpt = None,
    rectification: Annotated[
        str | None,
        typer.Option(
            "--rectification", help="Report the rectification this spot check ordered instead."
        ),
    ] = None,
) -> None:
    """Report progress on a task, with evidence: for your unit's share, or as a
    cooperating unit; with --rectification, what your unit put right after a spot check."""
    context = get(ctx)
    if rectification is not None:
        from cli.spotchecks import report_rectification
        from ledger.errors import InvalidInput

        if count is not None or period or on:
            raise InvalidInput("a rectification report takes --note and --evidence only")
        report_rectification(context, rectification, task, unit, note, evidence or [])
        return
    ledger = context.ledger()
    result = ledger.report_progress(
        ledger.resolve_task(task),
        unit=unit,
        occurred_on=_day(on),
        note=note,
        evidence=evidence or [],
        quantity=count,
        period=period,
        actor=context.settings.actor,
    )
    done(context, "progress reported", result)


@app.command("complete")
def complete(
    ctx: typer.Context,
    task: Annotated[str, typer.Argument(help="Task id or PLANREF/CODE.")],
    unit: UnitOpt = None,
    evidence: EvidenceOpt = None,
    on: OnOpt = None,
    period: PeriodOpt = None,
    whole: Annotated[
        bool, typer.Option("--whole", help="A supervisor completes the whole task, every share.")
    ] = False,
) -> None:
    """Record that a unit's share of a task (or one period of it) is done; the task is
    done when every lead unit's share is."""
    from ledger.errors import InvalidInput

    if whole and unit:
        raise InvalidInput("--whole completes the task for every unit; drop --unit")
    context = get(ctx)
    ledger = context.ledger()
    result = ledger.complete(
        ledger.resolve_task(task),
        unit=unit,
        occurred_on=_day(on),
        evidence=evidence or [],
        period=period,
        whole=whole,
        actor=context.settings.actor,
    )
    if whole:
        verb = "completed, for every unit"
    elif result.is_done:
        verb = "completed; the task is done"
    else:
        verb = "completed; the task waits for other shares or periods"
    done(context, verb, result)


ReasonOpt = Annotated[str, typer.Option("--reason", help="Why (recorded).")]
ApproverOpt = Annotated[
    str,
    typer.Option("--approved-by", help="The supervisor who approved it (default: the acting one)."),
]
RetroactiveOpt = Annotated[
    bool,
    typer.Option(
        "--retroactive", help="The new due time is in the past, on purpose (say why in --reason)."
    ),
]


@app.command("reopen")
def reopen(
    ctx: typer.Context,
    task: Annotated[str, typer.Argument(help="Task id or PLANREF/CODE.")],
    reason: ReasonOpt,
    period: PeriodOpt = None,
    unit: Annotated[
        str | None, typer.Option("--unit", help="Reopen this unit's share only.")
    ] = None,
) -> None:
    """Reject a completion: the task (or one unit's share, or one period) is open again."""
    context = get(ctx)
    ledger = context.ledger()
    result = ledger.reopen(
        ledger.resolve_task(task),
        reason=reason,
        period=period,
        unit=unit,
        actor=context.settings.actor,
    )
    done(context, "reopened", result)


@app.command("extend")
def extend(
    ctx: typer.Context,
    task: Annotated[str, typer.Argument(help="Task id or PLANREF/CODE.")],
    to: Annotated[str, typer.Option("--to", help="New deadline (a day means its end).")],
    reason: ReasonOpt,
    approved_by: ApproverOpt = "",
    retroactive: RetroactiveOpt = False,
) -> None:
    """Extend a task's deadline (every share's)."""
    from cli.values import parse_instant

    context = get(ctx)
    ledger = context.ledger()
    new_due = parse_instant(to, "--to", context.zone, end_of_day=True)
    result = ledger.extend_deadline(
        ledger.resolve_task(task),
        to=new_due,
        reason=reason,
        approved_by=approved_by,
        retroactive=retroactive,
        actor=context.settings.actor,
    )
    done(context, f"deadline extended to {new_due.isoformat()}", result)


@app.command("set-deadline")
def set_deadline(
    ctx: typer.Context,
    task: Annotated[str, typer.Argument(help="Task id or PLANREF/CODE.")],
    to: Annotated[str, typer.Option("--to", help="The due time (a day means its end).")],
    reason: ReasonOpt,
    retroactive: RetroactiveOpt = False,
) -> None:
    """Set a due time by hand (for deadline words the parser could not read)."""
    from cli.values import parse_instant

    context = get(ctx)
    ledger = context.ledger()
    due = parse_instant(to, "--to", context.zone, end_of_day=True)
    result = ledger.set_deadline(
        ledger.resolve_task(task),
        to=due,
        reason=reason,
        retroactive=retroactive,
        actor=context.settings.actor,
    )
    done(context, f"deadline set to {due.isoformat()}", result)


@app.command("start")
def start(
    ctx: typer.Context,
    task: Annotated[str, typer.Argument(help="Task id or PLANREF/CODE.")],
    at: Annotated[
        str | None,
        typer.Option("--at", help="When the trigger happened (a day, or a day and time)."),
    ] = None,
    on: Annotated[str | None, typer.Option("--on", help="The day it happened (as --at).")] = None,
) -> None:
    """Start a relative deadline ("信息形成之日起5个工作日内", "48小时内") from when its
    trigger happened: hours count from the instant, days from its day."""
    from cli.values import parse_instant
    from ledger.errors import InvalidInput

    context = get(ctx)
    given = at or on
    if given is None or (at and on):
        raise InvalidInput("give when the trigger happened: --at DAY or --at DAYTHH:MM")
    moment = parse_instant(given, "--at" if at else "--on", context.zone)
    ledger = context.ledger()
    result = ledger.start_deadline(
        ledger.resolve_task(task), at=moment, actor=context.settings.actor
    )
    due = result.due.isoformat() if result.due else "?"
    done(context, f"deadline counted from {moment.isoformat()}: due {due}", result)


@app.command("reassign")
def reassign(
    ctx: typer.Context,
    task: Annotated[str, typer.Argument(help="Task id or PLANREF/CODE.")],
    lead: Annotated[str, typer.Option("--lead", help="Lead unit(s), comma separated.")],
    reason: ReasonOpt,
    co: Annotated[str, typer.Option("--co", help="Cooperating units, comma separated.")] = "",
) -> None:
    """Give a task to other units."""
    from cli.values import split_units

    context = get(ctx)
    ledger = context.ledger()
    result = ledger.reassign(
        ledger.resolve_task(task),
        lead_units=split_units(lead),
        co_units=split_units(co),
        reason=reason,
        actor=context.settings.actor,
    )
    done(context, "reassigned", result)


@app.command("waive")
def waive(
    ctx: typer.Context,
    task: Annotated[str, typer.Argument(help="Task id or PLANREF/CODE.")],
    reason: ReasonOpt,
    approved_by: ApproverOpt = "",
) -> None:
    """Waive a task: it no longer needs doing."""
    context = get(ctx)
    ledger = context.ledger()
    result = ledger.waive(
        ledger.resolve_task(task),
        reason=reason,
        approved_by=approved_by,
        actor=context.settings.actor,
    )
    done(context, "waived", result)
