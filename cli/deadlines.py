"""`taizhang deadline …`: what a deadline phrase means."""

from __future__ import annotations

from typing import Annotated, Any

import typer

from cli.context import get
from cli.help import group

app = group("Deadline phrases: parse and inspect.")


@app.command("parse")
def parse(
    ctx: typer.Context,
    phrase: Annotated[str, typer.Argument(help='The deadline as written, e.g. "8月底前".')],
    year: Annotated[int | None, typer.Option(help="The plan's year.")] = None,
    issued_on: Annotated[
        str | None, typer.Option("--issued-on", help="The plan's issue date (YYYY-MM-DD).")
    ] = None,
    start: Annotated[
        str | None,
        typer.Option(
            "--from",
            help="Count a relative deadline from this day or instant (default: --issued-on).",
        ),
    ] = None,
) -> None:
    """Show the due time, occurrences and target a phrase means.

    A relative deadline ("5个工作日内", "48小时内") is counted from --from, or from
    --issued-on when no other trigger is named: hours from the instant, days from the
    day, working days on the official calendar.
    """
    from datetime import datetime

    from cli.render import emit
    from cli.values import check_year, parse_day, parse_instant
    from ledger.deadlines import parse_deadline

    context = get(ctx)
    check_year(year)
    day = parse_day(issued_on, "--issued-on") if issued_on else None
    spec = parse_deadline(phrase, year=year, issued_on=day, tz=context.settings.tz)
    origin = (
        parse_instant(start, "--from", context.zone)
        if start
        else datetime.combine(day, datetime.min.time(), context.zone)
        if day
        else None
    )
    if spec.needs_trigger and origin is not None:
        spec = spec.resolve(origin)
    occurrences = [o.to_dict() for o in spec.occurrences]
    document: dict[str, Any] = {
        "text": spec.text,
        "kind": spec.kind,
        "due": spec.due.isoformat() if spec.due else None,
        "occurrences": occurrences,
        "provisional": spec.provisional,
        "target": spec.target.to_dict() if spec.target else None,
        "ongoing": spec.ongoing,
        "trigger": spec.trigger,
        "offset": spec.offset,
        "notes": list(spec.notes),
    }
    if context.settings.fmt == "json":
        emit("json", [], [], document=document)
        return
    rows = [{"field": k, "value": _show(v)} for k, v in document.items() if k != "occurrences"]
    rows += [{"field": f"occurrence {o['period']}", "value": o["due"]} for o in occurrences]
    emit(context.settings.fmt, rows, [("field", "field"), ("value", "value")])


def _show(value: object) -> str:
    if isinstance(value, dict):
        return ", ".join(f"{k}={v}" for k, v in value.items() if v not in (None, ""))
    return "" if value is None else str(value)


@app.command("unparsed")
def unparsed(
    ctx: typer.Context,
    plan: Annotated[str | None, typer.Option(help="Plan id or ref.")] = None,
) -> None:
    """Tasks whose deadline words could not be read, with no due time set by hand.

    Set one with `taizhang task set-deadline TASK --to D --reason X`.
    """
    from cli.render import emit
    from projections.queries.tasks import TaskFilter, list_tasks, plan_id_of

    context = get(ctx)
    reader = context.reader()
    plan_id = plan_id_of(reader, plan) if plan else None
    where = TaskFilter(plan_id=plan_id, deadline_kinds=["unparsed"])
    views = list_tasks(reader, now=context.now(), where=where)
    documents = [v.to_json() for v in views if v.standing.due is None]
    emit(
        context.settings.fmt,
        documents,
        [("ref", "task"), ("deadline_text", "deadline as written"), ("title", "title")],
        title="deadlines to set by hand",
        document=documents,
    )
