"""`taizhang task …`: the task list and one task in full (the changes: cli/task_writes.py)."""

from __future__ import annotations

from typing import Annotated, Any

import typer

from cli.context import Context, get
from cli.help import group
from cli.options import AsOfOpt, ValidAtOpt, moments

app = group("Tasks: list, show, report progress, complete, supervise.")

TASK_COLUMNS = [
    ("ref", "task"),
    ("title", "title"),
    ("lead", "lead"),
    ("deadline_text", "deadline"),
    ("due_local", "due"),
    ("status", "status"),
    ("progress_text", "progress"),
]


def _table_row(context: Context, view: dict[str, Any]) -> dict[str, Any]:
    from datetime import datetime

    due = view["due"]
    progress = view["progress"]
    done = progress["done"]
    target = progress["target"]
    return {
        **view,
        "lead": "、".join(view["lead_units"]),
        "due_local": datetime.fromisoformat(due).astimezone(context.zone).strftime("%Y-%m-%d %H:%M")
        if due
        else "",
        "progress_text": (
            f"{done:g}/{target:g}"
            if target
            else (f"{view['reports']} reports" if view["reports"] else "")
        ),
    }


@app.command("list")
def list_tasks(
    ctx: typer.Context,
    plan: Annotated[str | None, typer.Option(help="Plan id or ref.")] = None,
    unit: Annotated[str | None, typer.Option(help="Only tasks of this unit (lead or co).")] = None,
    status: Annotated[
        list[str] | None, typer.Option(help="Only these statuses (repeatable).")
    ] = None,
    due_within: Annotated[
        str | None, typer.Option("--due-within", help="Only tasks due within, e.g. 7d.")
    ] = None,
    as_of: AsOfOpt = None,
    valid_at: ValidAtOpt = None,
) -> None:
    """Tasks with their status and light, in table order."""
    from cli.render import emit
    from cli.values import parse_duration
    from ledger.errors import InvalidInput
    from projections.queries.tasks import TaskFilter, list_tasks, plan_id_of
    from projections.queries.units import unit_named
    from projections.queries.views import STATUSES

    context = get(ctx)
    statuses = list(status or [])
    bad = [s for s in statuses if s not in STATUSES]
    if bad:
        raise InvalidInput(f"--status {bad[0]!r}: use one of {', '.join(STATUSES)}")
    window = parse_duration(due_within, "--due-within") if due_within else None
    at, day = moments(context, as_of, valid_at)
    reader = context.reader()
    plan_id = plan_id_of(reader, plan) if plan else None
    if unit is not None:
        unit = unit_named(reader, unit)
    where = TaskFilter(plan_id=plan_id, unit=unit, statuses=statuses, within=window)
    views = list_tasks(
        reader, now=context.now(), where=where, as_of=at, valid_at=day, tz=context.settings.tz
    )
    documents = [v.to_json() for v in views]
    rows = [_table_row(context, d) for d in documents]
    emit(context.settings.fmt, rows, TASK_COLUMNS, title="tasks", document=documents)


@app.command("show")
def show(
    ctx: typer.Context,
    task: Annotated[str, typer.Argument(help="Task id or PLANREF/CODE.")],
    as_of: AsOfOpt = None,
    valid_at: ValidAtOpt = None,
) -> None:
    """One task: its state and its full history (who, when it happened, when recorded)."""
    from cli.render import emit
    from projections.queries.tasks import task_document, task_id_of

    context = get(ctx)
    reader = context.reader()
    at, day = moments(context, as_of, valid_at)
    document = task_document(
        reader, task_id_of(reader, task), now=context.now(), as_of=at, valid_at=day
    )
    if context.settings.fmt == "json":
        emit("json", [], [], document=document)
        return
    shown = {k: v for k, v in document.items() if k not in ("history", "progress", "shares")}
    progress = document["progress"]
    shown["progress"] = f"{progress['done']:g}" + (
        f"/{progress['target']:g}" if progress["target"] else ""
    )
    facts = [{"field": k, "value": v} for k, v in shown.items()]
    emit(
        context.settings.fmt, facts, [("field", "field"), ("value", "value")], title=document["ref"]
    )
    if context.settings.fmt == "table":
        emit("table", _share_rows(document["shares"]), SHARE_COLUMNS, title="shares")
        history = [
            {**h, "recorded_at": _local(context, h["recorded_at"]), "details": _details(h)}
            for h in document["history"]
        ]
        emit(
            "table",
            history,
            [
                ("seq", "#"),
                ("type", "event"),
                ("occurred_on", "happened"),
                ("recorded_at", "recorded"),
                ("actor", "by"),
                ("details", "details"),
            ],
            title="history",
        )


SHARE_COLUMNS = [
    ("unit", "unit"),
    ("role", "role"),
    ("status", "status"),
    ("due", "due"),
    ("reports", "reports"),
    ("completed_on", "completed"),
    ("request", "extension asked"),
]


def _share_rows(shares: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Each unit's share as a row: a waiting request as "to (reason)"."""
    rows = []
    for share in shares:
        request = share.get("request")
        asked = f"{request['to'][:10]} ({request['reason']})" if request else ""
        rows.append({**share, "due": (share.get("due") or "")[:16], "request": asked})
    return rows


def _local(context: Context, instant: str) -> str:
    from datetime import datetime

    return datetime.fromisoformat(instant).astimezone(context.zone).strftime("%Y-%m-%d %H:%M")


# Shown in the task's own fields above the history, so not repeated in every row.
_NOT_DETAILS = {
    "seq",
    "type",
    "recorded_at",
    "occurred_on",
    "actor",
    "plan_id",
    "content",
    "section",
    "tz",
    "row",
    "code",
}


def _details(entry: dict[str, Any], width: int = 48) -> str:
    """One line of an event's own fields, each value cut to a readable length."""
    parts = []
    for key, value in entry.items():
        if key in _NOT_DETAILS or value in (None, "", [], {}):
            continue
        if key == "changed":  # old -> new, for amendments, extensions, reassignments
            parts += [
                f"{name}: {_short(c['old'])} → {_short(c['new'])}" for name, c in value.items()
            ]
            continue
        parts.append(f"{key}={_short(value, width)}")
    return "; ".join(parts)


def _short(value: Any, width: int = 48) -> str:
    text = "、".join(map(str, value)) if isinstance(value, list) else str(value)
    return text if len(text) <= width else text[: width - 1] + "…"
