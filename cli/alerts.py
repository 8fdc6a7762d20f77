"""`taizhang sweep`, `deliver`, `alerts` and `serve`: raise what fell due, once; tell people."""

from __future__ import annotations

from typing import Annotated

import typer

from cli.context import get
from cli.help import HelpGroup
from cli.options import AsOfOpt, moments

ALERT_COLUMNS = [
    ("task", "task"),
    ("kind", "kind"),
    ("offset", "offset"),
    ("occurrence", "period"),
    ("due", "due"),
    ("raised_at", "raised"),
    ("late", "late"),
]
DELIVERY_COLUMNS = [
    ("unit", "unit"),
    ("channel", "channel"),
    ("address", "address"),
    ("outcome", "outcome"),
    ("attempts", "attempts"),
    ("last_attempt_at", "last attempt"),
    ("next_attempt_at", "next attempt"),
    ("last_error", "last error"),
]


def sweep(
    ctx: typer.Context,
    now: Annotated[
        str | None, typer.Option("--now", help="Sweep as of this time (default: the clock).")
    ] = None,
    batch: Annotated[int, typer.Option(help="Timers read per transaction.", min=1)] = 1000,
) -> None:
    """Raise every due reminder and alert that was not raised yet, each exactly once.

    A reminder whose due time has already passed is skipped (and counted): the overdue
    alert says more.
    """
    from cli.logs import logger
    from cli.render import emit_json, say
    from cli.values import parse_instant
    from scheduler.sweep import sweep as run_sweep

    logger()  # the sweep logs every alert it raises
    context = get(ctx)
    if now is not None:
        context.settings.now = parse_instant(now, "--now", context.zone)
    ledger = context.ledger()
    ledger.authorize(context.settings.actor, "run service")  # the scheduler records alerts
    report = run_sweep(ledger, context.fresh(), batch=batch, supervisor=context.config().supervisor)
    document = {"now": context.now().isoformat(), **vars(report)}
    if context.settings.fmt == "json":
        emit_json(document)
    else:
        say(
            f"raised {report.raised} alerts ({report.late} late), skipped {report.skipped} "
            f"reminders whose due time had passed; {report.already} were decided already"
        )


def deliver(ctx: typer.Context) -> None:
    """Send what is due now, one digest per recipient, and wait for the answers (at most
    the delivery timeout); `serve` does this every interval."""
    from cli.logs import logger
    from cli.render import emit_json, say
    from scheduler.service import deliverer

    logger()
    context = get(ctx)
    context.ledger().authorize(context.settings.actor, "run service")
    runner = context.fresh()
    report = deliverer(context.ledger(), runner, context.config()).round(wait=True)
    context.settle()
    if context.settings.fmt == "json":
        emit_json(vars(report))
    elif report.deferred:
        say("quiet hours: nothing sent")
    else:
        say(
            f"{report.digests} digests: {report.delivered} alerts delivered, "
            f"{report.failed} to retry, {report.abandoned} given up"
        )


app = typer.Typer(
    cls=HelpGroup,
    add_completion=False,
    invoke_without_command=True,
    help="Alerts raised so far; `alerts show ALERT` for one alert and its deliveries.",
)


@app.callback()
def list_alerts(
    ctx: typer.Context,
    since: Annotated[
        str | None, typer.Option("--since", help="Raised at or after this time.")
    ] = None,
    unit: Annotated[
        str | None,
        typer.Option("--unit", help="Only alerts on this unit's tasks or sent to it."),
    ] = None,
    as_of: AsOfOpt = None,
) -> None:
    """Alerts raised so far (or by --as-of): task, kind, due time, when raised.

    Alerts are the ledger's own acts, so they have no valid time (no --valid-at).
    """
    if ctx.invoked_subcommand is not None:
        return
    from cli.render import emit
    from cli.values import parse_instant
    from projections.queries.alerts import list_raised

    context = get(ctx)
    moment = parse_instant(since, "--since", context.zone) if since else None
    at, _ = moments(context, as_of, None)
    rows = list_raised(context.reader(), since=moment, unit=unit, as_of=at)
    emit(context.settings.fmt, rows, ALERT_COLUMNS, title="alerts", document=rows)


@app.command("show")
def show(
    ctx: typer.Context,
    alert: Annotated[str, typer.Argument(help="The alert's id (from `taizhang alerts`).")],
) -> None:
    """One alert and its deliveries: recipient, channel, attempts, outcome, times."""
    from cli.render import emit
    from projections.queries.alerts import show_alert

    context = get(ctx)
    document = show_alert(context.reader(), alert.strip())
    if context.settings.fmt == "json":
        emit("json", [], [], document=document)
        return
    facts = [{"field": k, "value": v} for k, v in document.items() if k != "deliveries"]
    emit(context.settings.fmt, facts, [("field", "field"), ("value", "value")], title="alert")
    emit(context.settings.fmt, document["deliveries"], DELIVERY_COLUMNS, title="deliveries")


def serve(
    ctx: typer.Context,
    interval: Annotated[
        float | None,
        typer.Option(help="Seconds between ticks (default: config, else 30).", min=0.1),
    ] = None,
) -> None:
    """Run the service until SIGTERM: read models, sweeps, deliveries, a health line a minute."""
    from dataclasses import replace

    from cli.logs import configure, logger
    from scheduler.service import serve as run
    from scheduler.service import stop_on_signals

    stop = stop_on_signals()
    context = get(ctx)
    if context.settings.log_level == "warning":
        configure("info")  # a service says what it does unless told otherwise
    logger()
    config = context.config()
    if interval is not None:
        config = replace(config, interval=interval)
    ledger = context.ledger()
    ledger.authorize(context.settings.actor, "run service")  # then it acts as the scheduler
    run(ledger, context.runner(), config, db=context.settings.db, stop=stop)
