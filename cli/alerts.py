"""`taizhang sweep` and `taizhang alerts`: raise what fell due, once; list what was raised."""

from __future__ import annotations

from typing import Annotated

import typer

from cli.context import get
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


def sweep(
    ctx: typer.Context,
    now: Annotated[
        str | None, typer.Option("--now", help="Sweep as of this time (default: the clock).")
    ] = None,
    batch: Annotated[int, typer.Option(help="Timers claimed per transaction.", min=1)] = 1000,
) -> None:
    """Raise every due reminder and alert that was not raised yet, each exactly once."""
    from cli.logs import logger
    from cli.render import emit_json, say
    from cli.values import parse_instant
    from projections.sweep import sweep as run_sweep

    logger()  # the sweep logs every alert it raises

    context = get(ctx)
    if now is not None:
        context.settings.now = parse_instant(now, "--now", context.zone)
    report = run_sweep(
        context.ledger(), context.fresh(), batch=batch, supervisor=context.config().supervisor
    )
    document = {"now": context.now().isoformat(), **vars(report)}
    if context.settings.fmt == "json":
        emit_json(document)
    else:
        say(
            f"raised {report.raised} alerts ({report.late} late); "
            f"{report.already} were raised already by another sweep"
        )


def alerts(
    ctx: typer.Context,
    since: Annotated[
        str | None, typer.Option("--since", help="Raised at or after this time.")
    ] = None,
    unit: Annotated[
        str | None, typer.Option("--unit", help="Only alerts on this unit's tasks.")
    ] = None,
    as_of: AsOfOpt = None,
) -> None:
    """Alerts raised so far (or by --as-of): task, kind, due time, when raised.

    Alerts are the ledger's own acts, so they have no valid time (no --valid-at).
    """
    from cli.render import emit
    from cli.values import parse_instant
    from projections.alert_list import list_raised

    context = get(ctx)
    moment = parse_instant(since, "--since", context.zone) if since else None
    at, _ = moments(context, as_of, None)
    rows = list_raised(context.reader(), since=moment, unit=unit, as_of=at)
    emit(context.settings.fmt, rows, ALERT_COLUMNS, title="alerts", document=rows)


def serve(
    ctx: typer.Context,
    interval: Annotated[
        float | None, typer.Option(help="Seconds between sweeps (default: config, else 30).")
    ] = None,
) -> None:
    """Run the service until SIGTERM: read models, sweeps, deliveries, a health line a minute."""
    from cli.logs import configure, logger
    from cli.service import serve as run

    context = get(ctx)
    if context.settings.log_level == "warning":
        configure("info")  # a service says what it does unless told otherwise
    logger()
    settings = context.config()
    run(context, settings, interval or settings.interval)
