"""`taizhang spotcheck …`: 双随机 spot checks — draw, verify, findings, rectification,
recheck, close. Every draw is recorded with its frozen candidates, seed and algorithm, so
anyone can redo it (`spotcheck verify`)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from cli.context import Context, get
from cli.help import group

app = group("Spot checks (双随机): draw shares to inspect, record findings and rectification.")

CheckArg = Annotated[str, typer.Argument(help="The spot check, e.g. SC-2017-001.")]
TaskArg = Annotated[str, typer.Argument(help="Task id or PLANREF/CODE.")]
UnitOpt = Annotated[
    str | None,
    typer.Option("--unit", help="The inspected unit (default: the task's only sampled share)."),
]
VerdictOpt = Annotated[str, typer.Option("--verdict", help="pass or fail.")]
EvidenceOpt = Annotated[
    list[str] | None, typer.Option("--evidence", help="Evidence link (repeatable).")
]
STATUSES = ("open", "in_progress", "done", "done_late", "overdue", "no_deadline")


@app.command("draw")
def draw(
    ctx: typer.Context,
    plan: Annotated[str, typer.Option("--plan", help="The plan whose shares are drawn.")],
    inspectors: Annotated[
        str, typer.Option("--inspectors", help="Registered people who inspect, comma separated.")
    ],
    ratio: Annotated[
        float | None, typer.Option("--ratio", help="Share of each stratum drawn, e.g. 0.2.")
    ] = None,
    size: Annotated[int | None, typer.Option("--size", help="How many shares in all.")] = None,
    per: Annotated[
        str | None, typer.Option("--per", help="Strata: unit or section (default: none).")
    ] = None,
    minimum: Annotated[int, typer.Option("--min", help="At least this many per stratum.")] = 0,
    per_task: Annotated[
        int, typer.Option("--per-task", help="Inspectors for each drawn share.")
    ] = 1,
    status: Annotated[
        list[str] | None,
        typer.Option("--status", help=f"Draw only shares in this status ({', '.join(STATUSES)})."),
    ] = None,
    seed: Annotated[
        str | None,
        typer.Option("--seed", help="The seed (default: a fresh one from a secure source)."),
    ] = None,
) -> None:
    """Draw shares of a plan at random (by unit or section, with minimums) and give each
    inspectors at random, never from the share's own unit (回避). The draw is recorded
    with its candidates, seed and algorithm, and printed."""
    from uuid import UUID

    from cli.values import split_units
    from ledger.errors import InvalidInput
    from projections.queries.spotchecks import population
    from projections.queries.tasks import plan_id_of

    context = get(ctx)
    criteria = _criteria(per, ratio, size, minimum, per_task, status or [])
    reader = context.reader()
    plan_id = plan_id_of(reader, plan)
    candidates = population(reader, plan_id, now=context.now(), statuses=status or [])
    if not candidates:
        raise InvalidInput(f"plan {plan} has no shares to draw from", field="--plan")
    check = context.ledger().draw_spot_check(
        UUID(plan_id),
        candidates=candidates,
        criteria=criteria,
        inspectors=split_units(inspectors),
        statuses=status or [],
        seed=seed,
        actor=context.settings.actor,
    )
    context.settle()
    _show(context, check.ref)


def _criteria(
    per: str | None,
    ratio: float | None,
    size: int | None,
    minimum: int,
    per_task: int,
    status: list[str],
) -> Any:
    """The draw's criteria from its flags, or why not."""
    from ledger.errors import InvalidInput
    from ledger.sampling import Criteria, DrawError

    unknown = [s for s in status if s not in STATUSES]
    if unknown:
        raise InvalidInput(f"status {unknown[0]!r}: use {', '.join(STATUSES)}", field="--status")
    if per not in (None, "unit", "section"):
        raise InvalidInput(f"--per {per!r}: use unit or section", field="--per")
    try:
        return Criteria(per=per, ratio=ratio, size=size, minimum=minimum, per_task=per_task)  # type: ignore[arg-type]
    except DrawError as e:
        raise InvalidInput(f"{e} (--ratio, --size, --min, --per-task)") from None


@app.command("show")
def show(ctx: typer.Context, check: CheckArg) -> None:
    """A spot check in full: criteria, population hash, seed, algorithm, the sample with
    its inspectors, and each share's finding, rectification and recheck."""
    _show(get(ctx), check)


def _show(context: Context, ref: str) -> None:
    from cli.render import emit, emit_json, say
    from projections.queries.spotchecks import check_document

    document = check_document(context.reader(), ref, context.zone)
    if context.settings.fmt == "json":
        emit_json(document)
        return
    c = document["criteria"]
    how = f"ratio {c['ratio']}" if c["ratio"] is not None else f"size {c['size']}"
    say(
        f"{document['ref']} ({document['plan']}): drew {document['sampled']} of "
        f"{document['population']} shares, {how}, per {c['per'] or 'plan'}, min {c['minimum']}, "
        f"{c['per_task']} inspector(s) each; seed {document['seed']}; {document['algorithm']}; "
        f"population {document['population_hash'][:16]}…; "
        + ("closed" if document["closed"] else f"{document['open']} open")
    )
    rows = [
        {
            "task": s["task"],
            "unit": s["unit"],
            "inspectors": "、".join(s["inspectors"]),
            "state": s["state"],
            "deduct": s["deduct"] or "",
            "problems": "；".join(s["problems"]),
            "rectify_due": (s["rectify_due"] or "")[:16],
        }
        for s in document["sample"]
    ]
    columns = [
        ("task", "task"),
        ("unit", "unit"),
        ("inspectors", "inspectors"),
        ("state", "state"),
        ("deduct", "deduct"),
        ("problems", "problems"),
        ("rectify_due", "rectify by"),
    ]
    emit(context.settings.fmt, rows, columns, title=document["ref"], document=document)


@app.command("list")
def list_(
    ctx: typer.Context,
    plan: Annotated[str | None, typer.Option("--plan", help="One plan's checks.")] = None,
) -> None:
    """Every spot check, newest first: how many shares, judged, failed, still open."""
    from cli.render import emit
    from projections.queries.spotchecks import list_checks
    from projections.queries.tasks import plan_id_of

    context = get(ctx)
    reader = context.reader()
    rows = list_checks(reader, context.zone, plan_id=plan_id_of(reader, plan) if plan else None)
    shown = [
        {**r, "drawn_at": r["drawn_at"][:16], "closed": "是" if r["closed"] else ""} for r in rows
    ]
    columns = [
        ("ref", "check"),
        ("plan", "plan"),
        ("drawn_at", "drawn"),
        ("sampled", "sampled"),
        ("judged", "judged"),
        ("failed", "failed"),
        ("open", "open"),
        ("closed", "closed"),
    ]
    emit(context.settings.fmt, shown, columns, title="spot checks", document=rows)


@app.command("publish")
def publish(
    ctx: typer.Context,
    check: CheckArg,
    out: Annotated[Path, typer.Option("-o", "--out", help="OUT.xlsx or OUT.csv")],
) -> None:
    """Write the result of a spot check fit to publish (一公开): each drawn share, its
    result, the problems found and where the rectification stands, with what anyone needs
    to redo the draw (algorithm, seed, the candidates' hash)."""
    from openpyxl import Workbook

    from cli.render import say
    from cli.sheets import titled_sheet, write_csv
    from ledger.errors import InvalidInput
    from projections.queries.spotchecks import check_document

    context = get(ctx)
    suffix = out.suffix.lower()
    if suffix not in (".xlsx", ".csv"):
        raise InvalidInput(f"-o {out}: use a .xlsx or .csv file name", field="-o")
    d = check_document(context.reader(), check, context.zone)
    results = {None: "待检查", "pass": "合格", "fail": "不合格"}
    records = [
        [
            n,
            s["task"],
            s["unit"],
            results[s["verdict"]],
            "；".join(s["problems"]),
            s["state"] if s["verdict"] == "fail" else "",
        ]
        for n, s in enumerate(d["sample"], start=1)
    ]
    headers = [("序号", 6), ("抽查任务", 18), ("被抽查单位", 24), ("检查结果", 10)]
    headers += [("发现问题", 40), ("整改情况", 12)]
    drawn = (
        f"{d['plan']} 双随机抽查结果公示（{d['ref']}）：从{d['population']}项中抽取"
        f"{d['sampled']}项；抽取方法 {d['algorithm']}，随机种子 {d['seed']}，"
        f"候选清单哈希 {d['population_hash']}"
    )
    if suffix == ".csv":
        write_csv(out, [h for h, _ in headers], [*records, [], [drawn]])
    else:
        book = Workbook()
        sheet = book.active
        assert sheet is not None
        sheet.title = "抽查结果"
        titled_sheet(sheet, f"{d['plan']} 双随机抽查结果公示（{d['ref']}）", headers, records)
        sheet.append([])
        sheet.append([drawn])
        book.save(out)
    say(f"wrote the result of {d['ref']} ({len(records)} shares) to {out}")


@app.command("verify")
def verify(ctx: typer.Context, check: CheckArg) -> None:
    """Redo the draw from its record (frozen candidates, seed, criteria, inspectors): the
    same population hash and the same sample with the same inspectors, or why not.
    Exits 1 if it does not hold."""
    from cli.render import emit_json, say
    from ledger.errors import RuleViolation

    context = get(ctx)
    found = context.ledger().spot_check(check)
    problems = found.redo()
    if context.settings.fmt == "json":
        emit_json({"id": found.ref, "ok": not problems, "problems": problems})
    elif not problems:
        drawn = found.drawn
        say(
            f"ok: {found.ref} redone from its record: {len(found.candidates)} candidates "
            f"hash to {drawn.population_hash[:16]}…, the same {len(drawn.sample)} shares "
            "and inspectors"
        )
    if problems:
        raise RuleViolation(f"{found.ref} does not hold: {problems[0]}")


@app.command("record")
def record(
    ctx: typer.Context,
    check: CheckArg,
    task: TaskArg,
    verdict: VerdictOpt,
    unit: UnitOpt = None,
    problem: Annotated[
        list[str] | None, typer.Option("--problem", help="A problem found (repeatable).")
    ] = None,
    evidence: EvidenceOpt = None,
    deduct: Annotated[float, typer.Option("--deduct", help="Points deducted.")] = 0.0,
    rectify: Annotated[
        str | None,
        typer.Option("--rectify", help='Rectify within, e.g. "5个工作日内" (official calendar).'),
    ] = None,
    rectify_by: Annotated[
        str | None, typer.Option("--rectify-by", help="Rectify by this day (YYYY-MM-DD).")
    ] = None,
) -> None:
    """Record the finding on a sampled share: pass, or fail with its problems, a
    deduction and a rectification order."""
    from cli.values import parse_day

    context = get(ctx)
    ref, who = _share(context, check, task, unit)
    found = context.ledger().record_finding(
        check,
        task=ref,
        unit=who,
        verdict=verdict,
        problems=problem or [],
        evidence=evidence or [],
        deduct=deduct,
        rectify=rectify or "",
        rectify_by=parse_day(rectify_by, "--rectify-by") if rectify_by else None,
        actor=context.settings.actor,
    )
    _done(context, found, f"{ref} ({who}): {verdict}")


@app.command("rectify")
def rectify(
    ctx: typer.Context,
    check: CheckArg,
    task: TaskArg,
    unit: Annotated[
        str | None, typer.Option("--unit", help="The unit (default: the acting person's).")
    ] = None,
    note: Annotated[str, typer.Option("--note", help="What was put right.")] = "",
    evidence: EvidenceOpt = None,
) -> None:
    """The inspected unit reports its rectification, for an inspector to recheck (also
    `task report TASK --rectification CHECK`)."""
    report_rectification(get(ctx), check, task, unit, note, evidence or [])


def report_rectification(
    context: Context, check: str, task: str, unit: str | None, note: str, evidence: list[str]
) -> None:
    ref = _task_ref(context, task)
    found = context.ledger().report_rectification(
        check, task=ref, unit=unit, note=note, evidence=evidence, actor=context.settings.actor
    )
    _done(context, found, f"{ref}: rectification reported")


@app.command("recheck")
def recheck(
    ctx: typer.Context,
    check: CheckArg,
    task: TaskArg,
    verdict: VerdictOpt,
    unit: UnitOpt = None,
    note: Annotated[str, typer.Option("--note", help="What the recheck found.")] = "",
) -> None:
    """Recheck a rectification: pass ends it; fail keeps it open."""
    context = get(ctx)
    ref, who = _share(context, check, task, unit)
    found = context.ledger().recheck(
        check, task=ref, unit=who, verdict=verdict, note=note, actor=context.settings.actor
    )
    _done(context, found, f"{ref} ({who}): recheck {verdict}")


@app.command("close")
def close(ctx: typer.Context, check: CheckArg) -> None:
    """Close a spot check once every sampled share has its finding and every
    rectification passed its recheck."""
    context = get(ctx)
    found = context.ledger().close_spot_check(check, actor=context.settings.actor)
    _done(context, found, "closed")


def _done(context: Context, check: Any, what: str) -> None:
    from cli.render import emit_json, say

    context.settle()
    if context.settings.fmt == "json":
        emit_json({"id": check.ref, "version": check.version, "event": what})
    else:
        say(f"{check.ref}: {what} (version {check.version})")


def _task_ref(context: Context, text: str) -> str:
    """PLANREF/CODE of a task named by id or reference."""
    from projections.queries.tasks import task_id_of

    reader = context.reader()
    tid = task_id_of(reader, text)
    rows = reader.tuples(
        "SELECT p.ref, t.code FROM rm_tasks t JOIN rm_plans p ON p.plan_id = t.plan_id"
        " WHERE t.task_id = :id",
        {"id": str(tid)},
    )
    return f"{rows[0][0]}/{rows[0][1]}"


def _share(context: Context, check: str, task: str, unit: str | None) -> tuple[str, str]:
    """The sampled share meant: the task's reference and the unit (the only one of the
    task's sampled in the check, unless named)."""
    from ledger.errors import InvalidInput
    from projections.queries.spotchecks import check_document

    ref = _task_ref(context, task)
    if unit:
        return ref, unit
    sample = check_document(context.reader(), check, context.zone)["sample"]
    units = [s["unit"] for s in sample if s["task"] == ref]
    if len(units) != 1:
        drawn = "、".join(units) or "none"
        raise InvalidInput(f"name the unit (--unit): {ref} has {drawn} drawn", field="--unit")
    return ref, units[0]
