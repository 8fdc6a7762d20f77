"""`taizhang plan …`: import breakdown tables, list, show and export plans."""

from __future__ import annotations

import hashlib
from collections import Counter
from pathlib import Path
from typing import Annotated, Any

import typer

from cli.context import Context, get
from cli.help import group
from cli.logs import logger
from cli.options import AsOfOpt, ValidAtOpt, moments

app = group("Work plans and their breakdown tables.")

PLAIN_SHOWN = 20  # new unit names without a hint, listed in a text report
# How a name for several units ends (市政府各部门, 市政府有关部门); it may also begin 各.
COLLECTIVE_ENDINGS = ("各部门", "各单位", "有关部门", "相关部门", "有关单位", "相关单位")

PLAN_COLUMNS = [
    ("ref", "ref"),
    ("title", "title"),
    ("issuer", "issuer"),
    ("doc_no", "doc no"),
    ("year", "year"),
    ("issued_on", "issued"),
    ("tasks", "tasks"),
]


@app.command("import")
def import_table(
    ctx: typer.Context,
    table: Annotated[Path, typer.Argument(help="Breakdown table (.xlsx or .csv).")],
    title: Annotated[str, typer.Option(help="The plan's title.")] = "",
    issuer: Annotated[
        str, typer.Option(help="Who issued the plan (e.g. 大连市人民政府办公厅).")
    ] = "",
    doc_no: Annotated[str, typer.Option("--doc-no", help="Document number (文号).")] = "",
    year: Annotated[
        int | None, typer.Option(help="The plan's year (default: from --issued-on).")
    ] = None,
    issued_on: Annotated[
        str | None, typer.Option("--issued-on", help="Issue date (YYYY-MM-DD).")
    ] = None,
    ref: Annotated[str | None, typer.Option(help="Short reference (default: place-year).")] = None,
    sheet: Annotated[str | None, typer.Option(help="XLSX sheet (default: the first).")] = None,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Show what would be recorded.")
    ] = False,
) -> None:
    """Record a breakdown table in the ledger: all rows or none."""
    from ledger.errors import InvalidInput
    from ledger.importing.table import read_table

    context = get(ctx)
    if not table.is_file():
        raise InvalidInput(f"no table at {table}")
    meta = _meta(context, title, issuer, doc_no, year, issued_on, ref)
    rows = read_table(table, sheet=sheet)  # all of it checked before the store is opened
    digest = hashlib.sha256(table.read_bytes()).hexdigest()
    report = context.ledger().import_table(
        rows,
        meta,
        actor=context.settings.actor,
        source=table.name,
        sha256=digest,
        dry_run=dry_run,
    )
    if not dry_run:
        logger().info(
            "plan.imported",
            plan=report.plan_ref,
            source=table.name,
            sha256=digest,
            added=len(report.added),
            amended=len(report.amended),
            events=report.events,
            actor=context.settings.actor,
        )
        context.settle()
    _show_report(context.settings.fmt, report, len(rows))


def _meta(
    context: Context,
    title: str,
    issuer: str,
    doc_no: str,
    year: int | None,
    issued_on: str | None,
    ref: str | None,
) -> Any:
    """The plan's facts as the options give them, each checked."""
    from cli.values import check_year, parse_day
    from ledger.application import PlanMeta
    from ledger.errors import InvalidInput

    day = parse_day(issued_on, "--issued-on") if issued_on else None
    plan_year = check_year(year) or (day.year if day else None)
    if plan_year is None:
        raise InvalidInput("give the plan's --year or --issued-on")
    if not title.strip() or not issuer.strip():
        raise InvalidInput("give the plan's --title and --issuer")
    context.zone  # noqa: B018 - an unknown --tz is refused before anything is read
    return PlanMeta(
        title=title.strip(),
        issuer=issuer.strip(),
        year=plan_year,
        doc_no=doc_no.strip(),
        issued_on=day,
        tz=context.settings.tz,
        ref=ref,
    )


def _show_report(fmt: str, report: Any, rows: int) -> None:
    from cli.render import emit_json, say

    document = {
        "plan": str(report.plan_id),
        "ref": report.plan_ref,
        "new_plan": report.new_plan,
        "rows": rows,
        "added": report.added,
        "amended": report.amended,
        "plan_changes": {k: str(v) for k, v in report.plan_changes.items()},
        "not_in_table": report.missing,
        "new_units": [{"name": n, "closest": c} for n, c in report.new_units.items()],
        "events": report.events,
        "dry_run": report.dry_run,
    }
    if fmt == "json":
        emit_json(document)
        return
    verb = "would record" if report.dry_run else "recorded"
    if not report.changed:
        say(f"plan {report.plan_ref}: {rows} rows, nothing new; nothing recorded")
        return
    say(
        f"plan {report.plan_ref}: {rows} rows; {verb} {report.events} events "
        f"({len(report.added)} tasks added, {len(report.amended)} amended)"
    )
    for code, changes in report.amended.items():
        say(f"  {code}: {', '.join(sorted(changes))}")
    if report.missing:
        say(f"  not in this table, left unchanged: {', '.join(report.missing)}")
    _show_new_units(report.new_units, report.dry_run, report.plan_ref)


def _show_new_units(found: dict[str, str | None], dry_run: bool, plan_ref: str) -> None:
    """The names the directory had not seen: added as they are, never merged. The
    closest known name says where one may be another's alias; a collective name is
    likely a group to define. Every name with such a hint is listed; of the others, the
    first ``PLAIN_SHOWN`` (a first table on an empty ledger names hundreds), then where
    to find the rest."""
    from cli.render import say

    if not found:
        return
    verb = "would add" if dry_run else "added"
    say(f"  {len(found)} unit names not seen before, {verb} as they are:")
    plain = 0
    for name, closest in found.items():
        hints = _unit_hints(name, closest)
        if not hints:
            plain += 1
            if plain > PLAIN_SHOWN:
                continue
        say(f"    {name}" + (f"  — {'; '.join(hints)}" if hints else ""))
    if plain > PLAIN_SHOWN:
        where = (
            "with --format json the report lists every one"
            if dry_run
            else f"`taizhang unit list --plan {plan_ref}` lists all the plan's units"
        )
        say(f"    … and {plain - PLAIN_SHOWN} more: {where}")


def _unit_hints(name: str, closest: str | None) -> list[str]:
    """What a new name may call for: an alias of a known unit, or a group."""
    hints = []
    if closest:
        hints.append(f"closest known: {closest} (`taizhang unit add {closest} --alias {name}`)")
    if name.startswith("各") or name.endswith(COLLECTIVE_ENDINGS):
        hints.append(f"a collective name? `taizhang unit group {name} --members …`")
    return hints


@app.command("list")
def list_plans(ctx: typer.Context, as_of: AsOfOpt = None) -> None:
    """Every plan in the ledger (or in it at --as-of, as it stood then)."""
    from cli.render import emit
    from projections.queries.plans import list_plans

    context = get(ctx)
    at, _ = moments(context, as_of, None)
    rows = list_plans(context.reader(), as_of=at)
    emit(context.settings.fmt, rows, PLAN_COLUMNS, title="plans")


@app.command("show")
def show(
    ctx: typer.Context,
    plan: Annotated[str, typer.Argument(help="Plan id or ref.")],
    as_of: AsOfOpt = None,
    valid_at: ValidAtOpt = None,
) -> None:
    """One plan: its facts and how its tasks stand (now, --as-of, --valid-at)."""
    from cli.render import emit
    from ledger.errors import NotFound
    from projections.queries.plans import list_plans
    from projections.queries.tasks import TaskFilter, list_tasks, plan_id_of

    context = get(ctx)
    at, day = moments(context, as_of, valid_at)
    reader = context.reader()
    plan_id = plan_id_of(reader, plan)
    found = list_plans(reader, as_of=at, plan_id=plan_id)
    if not found:
        raise NotFound(f"plan {plan} was not yet in the ledger at {as_of}")
    views = list_tasks(
        reader, now=context.now(), where=TaskFilter(plan_id=plan_id), as_of=at, valid_at=day
    )
    document = {**found[0], "status": dict(Counter(v.standing.status for v in views))}
    rows = [{"field": k, "value": v} for k, v in document.items()]
    emit(context.settings.fmt, rows, [("field", "field"), ("value", "value")], document=document)


EXPORT_HEADERS = [
    ("code", "序号"),
    ("section", "项目"),
    ("content", "工作任务"),
    ("lead_units", "牵头单位"),
    ("co_units", "配合单位"),
    ("deadline_text", "完成时限"),
    ("due", "截止时间"),
    ("status", "状态"),
    ("light", "亮灯"),
    ("reports", "报告次数"),
    ("completed_on", "完成日期"),
]


@app.command("export")
def export(
    ctx: typer.Context,
    plan: Annotated[str, typer.Argument(help="Plan id or ref.")],
    out: Annotated[Path, typer.Option("-o", "--out", help="OUT.xlsx or OUT.csv")],
    as_of: AsOfOpt = None,
    valid_at: ValidAtOpt = None,
) -> None:
    """Write the breakdown table back out with each task's status (now, --as-of,
    --valid-at): as XLSX the 台账 a leader reads (each unit's share and latest report,
    colours, a sheet by unit); as CSV one plain row per task, for scripts. Importing
    either back records nothing."""
    from cli.render import say
    from cli.sheets import write_csv
    from ledger.errors import InvalidInput
    from projections.queries.tasks import TaskFilter, list_tasks, plan_id_of

    context = get(ctx)
    suffix = out.suffix.lower()
    if suffix not in (".xlsx", ".csv"):
        raise InvalidInput(f"-o {out}: use a .xlsx or .csv file name")
    at, day = moments(context, as_of, valid_at)
    reader = context.reader()
    plan_id = plan_id_of(reader, plan)
    where = TaskFilter(plan_id=plan_id)
    views = list_tasks(reader, now=context.now(), where=where, as_of=at, valid_at=day)
    if suffix == ".csv":
        records = [[_export_cell(v.to_json().get(f)) for f, _ in EXPORT_HEADERS] for v in views]
        write_csv(out, [h for _, h in EXPORT_HEADERS], records)
    else:
        _write_ledger(context, out, plan_id, views, at, day)
    say(f"wrote {len(views)} tasks to {out}")


def _write_ledger(
    context: Context, out: Path, plan_id: str, views: list[Any], at: Any, day: Any
) -> None:
    """The 台账 workbook (cli/ledger_sheet.py) of the tasks listed."""
    from cli import ledger_sheet
    from ledger.status import assess
    from projections.queries.dashboard import dashboard
    from projections.queries.plans import list_plans
    from projections.queries.reports import latest_reports
    from projections.queries.views import facts_of, judgement_moment

    reader = context.reader()
    now = context.now()
    judged = judgement_moment(now, at, day, context.settings.tz)
    busy = [v.row["task_id"] for v in views if _reported(v.row)]
    latest = latest_reports(reader, busy, at or now)
    tasks = []
    for view in views:
        facts = facts_of(view.row, day)
        shares = [(s.unit, assess(facts, judged, unit=s.unit).status) for s in facts.shares]
        said = [
            f"{unit or '全部'} {r['on'] or ''}：{r['note']} {' '.join(r['evidence'])}".strip()
            for unit, r in latest.get(view.row["task_id"], {}).items()
        ]
        tasks.append({**view.to_json(), "shares": shares, "latest": said})
    plan = list_plans(reader, as_of=at, plan_id=plan_id)[0]
    when = judged.astimezone(context.zone).strftime("%Y-%m-%d %H:%M")
    title = f"{plan['title']} 重点任务台账（截至 {when}）"
    by_unit = dashboard(
        reader, now=now, plan_id=plan_id, by="unit", as_of=at, valid_at=day, tz=context.settings.tz
    )
    ledger_sheet.write(out, title, tasks, by_unit)


def _reported(row: dict[str, Any]) -> bool:
    """Whether any unit reported on or completed (a share or a period of) the task."""
    shares = row["shares"].values()
    done = any(s["reports"] or s["completed_on"] or s["periods"] for s in shares)
    return bool(row["reports"] or row["whole_on"] or row["whole_periods"] or done)


def _export_cell(value: Any) -> Any:
    if isinstance(value, list):
        return "、".join(value)
    return value
