"""`taizhang task …`: list and show tasks; report, complete and supervise them."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Any

import typer

from cli.context import Context, get
from cli.help import group
from cli.logs import logger

if TYPE_CHECKING:
    from projections.reader import Reader
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

UnitOpt = Annotated[str, typer.Option("--unit", help="The reporting unit (must be on the task).")]
OnOpt = Annotated[
    str | None, typer.Option("--on", help="When it happened (YYYY-MM-DD; default today).")
]
PeriodOpt = Annotated[
    str | None, typer.Option("--period", help="Occurrence of a recurring task (2017-Q3, 2017-05).")
]
EvidenceOpt = Annotated[
    list[str] | None, typer.Option("--evidence", help="Evidence link (repeatable).")
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
    from projections.task_list import list_current, plan_id_of
    from projections.views import STATUSES

    context = get(ctx)
    statuses = list(status or [])
    bad = [s for s in statuses if s not in STATUSES]
    if bad:
        raise InvalidInput(f"--status {bad[0]!r}: use one of {', '.join(STATUSES)}")
    window = parse_duration(due_within, "--due-within") if due_within else None
    at, day = moments(context, as_of, valid_at)
    # The tasks as they stand now take plain SQL, quick on a current SQLite store (no
    # SQLAlchemy); the past takes the versions read model.
    reader = context.reader()
    plan_id = plan_id_of(reader, plan) if plan else None
    if unit is not None:
        _guard_unit(reader, unit)
    now = context.now()
    if at is None and day is None:
        views = list_current(
            reader, now=now, plan_id=plan_id, unit=unit, statuses=statuses, within=window
        )
    else:
        from projections.queries import list_tasks as query

        views = query(
            context.read_models(),
            now=now,
            plan_id=plan_id,
            unit=unit,
            statuses=statuses,
            due_within=window,
            as_of=at,
            valid_at=day,
            tz=context.settings.tz,
        )
    documents = [v.to_json() for v in views]
    rows = [_table_row(context, d) for d in documents]
    emit(context.settings.fmt, rows, TASK_COLUMNS, title="tasks", document=documents)


def _guard_unit(reader: Reader, unit: str) -> None:
    """An unknown unit is an error with suggestions, not an empty list."""
    import difflib

    from ledger.errors import InvalidInput
    from projections.task_list import has_unit, unit_names

    if not has_unit(reader, unit):
        close = difflib.get_close_matches(unit, sorted(unit_names(reader)), n=3, cutoff=0.5)
        hint = f"; did you mean {'、'.join(close)}?" if close else ""
        raise InvalidInput(f"no task names the unit {unit!r}{hint}")


@app.command("show")
def show(
    ctx: typer.Context,
    task: Annotated[str, typer.Argument(help="Task id or PLANREF/CODE.")],
    as_of: AsOfOpt = None,
    valid_at: ValidAtOpt = None,
) -> None:
    """One task: its state and its full history (who, when it happened, when recorded)."""
    from cli.render import emit
    from projections.task_history import task_document

    context = get(ctx)
    ledger = context.ledger()
    at, day = moments(context, as_of, valid_at)
    document = task_document(
        ledger, ledger.resolve_task(task), now=context.now(), as_of=at, valid_at=day
    )
    if context.settings.fmt == "json":
        emit("json", [], [], document=document)
        return
    shown = {k: v for k, v in document.items() if k not in ("history", "progress")}
    progress = document["progress"]
    shown["progress"] = f"{progress['done']:g}" + (
        f"/{progress['target']:g}" if progress["target"] else ""
    )
    facts = [{"field": k, "value": v} for k, v in shown.items()]
    emit(
        context.settings.fmt, facts, [("field", "field"), ("value", "value")], title=document["ref"]
    )
    if context.settings.fmt == "table":
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
        text = "、".join(map(str, value)) if isinstance(value, list) else str(value)
        parts.append(f"{key}={text if len(text) <= width else text[: width - 1] + '…'}")
    return "; ".join(parts)


def _day(value: str | None) -> Any:
    from cli.values import parse_day

    return parse_day(value, "--on") if value else None


def _done(context: Context, verb: str, task: Any) -> None:
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
    unit: UnitOpt,
    note: Annotated[str, typer.Option(help="What was done.")] = "",
    evidence: EvidenceOpt = None,
    count: Annotated[
        float | None, typer.Option("--count", help="Quantity toward the target.")
    ] = None,
    on: OnOpt = None,
    period: PeriodOpt = None,
) -> None:
    """Report progress on a task, with evidence."""
    context = get(ctx)
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
    _done(context, "progress reported", result)


@app.command("complete")
def complete(
    ctx: typer.Context,
    task: Annotated[str, typer.Argument(help="Task id or PLANREF/CODE.")],
    unit: UnitOpt,
    evidence: EvidenceOpt = None,
    on: OnOpt = None,
    period: PeriodOpt = None,
) -> None:
    """Record that a task (or one period of it) is done."""
    context = get(ctx)
    ledger = context.ledger()
    result = ledger.complete(
        ledger.resolve_task(task),
        unit=unit,
        occurred_on=_day(on),
        evidence=evidence or [],
        period=period,
        actor=context.settings.actor,
    )
    _done(context, "completed", result)


ReasonOpt = Annotated[str, typer.Option("--reason", help="Why (recorded).")]
ApproverOpt = Annotated[str, typer.Option("--approved-by", help="Who approved it.")]


@app.command("reopen")
def reopen(
    ctx: typer.Context,
    task: Annotated[str, typer.Argument(help="Task id or PLANREF/CODE.")],
    reason: ReasonOpt,
    period: PeriodOpt = None,
) -> None:
    """Reject a completion: the task (or one period) is open again."""
    context = get(ctx)
    ledger = context.ledger()
    result = ledger.reopen(
        ledger.resolve_task(task), reason=reason, period=period, actor=context.settings.actor
    )
    _done(context, "reopened", result)


@app.command("extend")
def extend(
    ctx: typer.Context,
    task: Annotated[str, typer.Argument(help="Task id or PLANREF/CODE.")],
    to: Annotated[str, typer.Option("--to", help="New deadline (a day means its end).")],
    reason: ReasonOpt,
    approved_by: ApproverOpt,
) -> None:
    """Extend a task's deadline."""
    from cli.values import parse_instant

    context = get(ctx)
    ledger = context.ledger()
    new_due = parse_instant(to, "--to", context.zone, end_of_day=True)
    result = ledger.extend_deadline(
        ledger.resolve_task(task),
        to=new_due,
        reason=reason,
        approved_by=approved_by,
        actor=context.settings.actor,
    )
    _done(context, f"deadline extended to {new_due.isoformat()}", result)


@app.command("set-deadline")
def set_deadline(
    ctx: typer.Context,
    task: Annotated[str, typer.Argument(help="Task id or PLANREF/CODE.")],
    to: Annotated[str, typer.Option("--to", help="The due time (a day means its end).")],
    reason: ReasonOpt,
) -> None:
    """Set a due time by hand (for deadline words the parser could not read)."""
    from cli.values import parse_instant

    context = get(ctx)
    ledger = context.ledger()
    due = parse_instant(to, "--to", context.zone, end_of_day=True)
    result = ledger.set_deadline(
        ledger.resolve_task(task), to=due, reason=reason, actor=context.settings.actor
    )
    _done(context, f"deadline set to {due.isoformat()}", result)


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
    _done(context, f"deadline counted from {moment.isoformat()}: due {due}", result)


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
    _done(context, "reassigned", result)


@app.command("waive")
def waive(
    ctx: typer.Context,
    task: Annotated[str, typer.Argument(help="Task id or PLANREF/CODE.")],
    reason: ReasonOpt,
    approved_by: ApproverOpt,
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
    _done(context, "waived", result)
