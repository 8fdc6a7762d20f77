"""`taizhang dashboard`: progress per unit, section or plan, now or at any past moment."""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated

import typer

from cli.context import get
from cli.options import AsOfOpt, ValidAtOpt, moments


class By(StrEnum):
    unit = "unit"
    section = "section"
    plan = "plan"


COLUMNS = [
    ("key", "key"),
    ("total", "total"),
    ("done", "done"),
    ("overdue", "overdue"),
    ("due_soon", "due soon"),
    ("waived", "waived"),
    ("percent_done", "% done"),
    ("bar", "progress"),
]


def _bar(percent: float, width: int = 20) -> str:
    filled = round(width * percent / 100)
    return "█" * filled + "░" * (width - filled)


def dashboard(
    ctx: typer.Context,
    plan: Annotated[str | None, typer.Option(help="Plan id or ref (default: every plan).")] = None,
    by: Annotated[By, typer.Option(help="Group by unit, section or plan.")] = By.unit,
    as_of: AsOfOpt = None,
    valid_at: ValidAtOpt = None,
) -> None:
    """Progress: total, done, overdue, due soon and % done, with a light per row."""
    from cli.render import emit
    from projections.queries.dashboard import dashboard as query
    from projections.queries.tasks import plan_id_of

    context = get(ctx)
    at, day = moments(context, as_of, valid_at)
    reader = context.reader()
    plan_id = plan_id_of(reader, plan) if plan else None
    now = context.now()
    rows = query(
        reader,
        now=now,
        plan_id=plan_id,
        by=by.value,
        as_of=at,
        valid_at=day,
        tz=context.settings.tz,
    )
    moment = at or now
    document = {
        "as_of": moment.isoformat(),
        "valid_at": day.isoformat() if day else None,
        "by": by.value,
        "rows": rows,
    }
    shown = [{**r, "bar": _bar(r["percent_done"])} for r in rows]
    title = f"dashboard by {by.value}, as of {moment.astimezone(context.zone):%Y-%m-%d %H:%M}"
    if day:
        title += f", valid at {day.isoformat()}"
    # The bar is for eyes on a terminal; scripts reading CSV get the figures only.
    columns = COLUMNS if context.settings.fmt == "table" else COLUMNS[:-1]
    emit(context.settings.fmt, shown, columns, title=title, document=document)
