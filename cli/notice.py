"""`taizhang report notice`: the 督查通报 a leader reads, as a Word document — where the
plan stands, the overdue items by unit, the ranking of unit scores, and what spot checks
found — as the ledger stood at a moment."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Annotated, Any

import typer

from cli.context import Context, get
from cli.help import group

app = group("Papers a leader reads: the supervision notice (督查通报).")


@app.command("notice")
def notice(
    ctx: typer.Context,
    plan: Annotated[str, typer.Option("--plan", help="The plan the notice is about.")],
    out: Annotated[Path, typer.Option("-o", "--out", help="OUT.docx")],
    as_of: Annotated[
        str | None, typer.Option("--as-of", help="As the ledger stood then (default: now).")
    ] = None,
) -> None:
    """Write the 督查通报 (.docx): overall progress, overdue items by unit, the ranking of
    unit scores and spot-check findings, as of --as-of."""
    from cli.render import say
    from cli.values import parse_instant
    from ledger.errors import InvalidInput
    from projections.queries.plans import list_plans
    from projections.queries.tasks import plan_id_of

    context = get(ctx)
    if out.suffix.lower() != ".docx":
        raise InvalidInput(f"-o {out}: use a .docx file name", field="-o")
    reader = context.reader()
    plan_id = plan_id_of(reader, plan)
    moment = parse_instant(as_of, "--as-of", context.zone) if as_of else None
    found = list_plans(reader, as_of=moment, plan_id=plan_id)
    if not found:
        raise InvalidInput(f"plan {plan} was not yet in the ledger at {as_of}", field="--as-of")
    facts = _facts(context, plan_id, moment)
    when = (moment or context.now()).astimezone(context.zone)
    _write(out, found[0], when, facts)
    say(f"wrote the notice on {found[0]['ref']} as of {when:%Y-%m-%d %H:%M} to {out}")


def _facts(context: Context, plan_id: str, moment: datetime | None) -> dict[str, Any]:
    """What the notice says, read from the ledger as it stood at ``moment``."""
    from collections import Counter

    from ledger.status import assess
    from projections.queries.scores import score
    from projections.queries.spotchecks import check_document, list_checks
    from projections.queries.tasks import TaskFilter, list_tasks
    from projections.queries.views import facts_of

    reader, now = context.reader(), context.now()
    at = moment or now
    views = list_tasks(reader, now=now, as_of=moment, where=TaskFilter(plan_id=plan_id))
    overdue = []
    for view in views:
        facts = facts_of(view.row)
        for share in facts.shares:
            standing = assess(facts, at, unit=share.unit)
            if standing.status == "overdue":
                due = standing.due.astimezone(context.zone).date() if standing.due else None
                overdue.append(
                    (share.unit, view.ref, view.row["content"], due, standing.days_overdue)
                )
    overdue.sort(key=lambda o: (o[0], o[1]))
    cards = score(reader, plan_id, context.config().score, now=now, as_of=moment, tz=context.zone)
    findings = []
    stamp = int(at.timestamp())
    for check in list_checks(reader, context.zone, plan_id=plan_id):
        document = check_document(reader, check["ref"], context.zone, as_of=moment)
        for s in document["sample"]:
            recorded = s["finding_at"]
            if (
                s["verdict"] == "fail"
                and recorded
                and datetime.fromisoformat(recorded).timestamp() <= stamp
            ):
                findings.append(
                    (
                        check["ref"],
                        s["task"],
                        s["unit"],
                        "；".join(s["problems"]),
                        s["deduct"],
                        s["state"],
                    )
                )
    return {
        "status": Counter(v.standing.status for v in views),
        "total": len(views),
        "overdue": overdue,
        "cards": cards,
        "findings": findings,
    }


def _write(out: Path, plan: dict[str, Any], when: datetime, facts: dict[str, Any]) -> None:
    from docx import Document

    from cli.ledger_sheet import STATUS_WORDS

    doc = Document()
    doc.add_heading(f"关于{plan['title']}落实情况的督查通报", level=0)
    status = facts["status"]
    counts = "，".join(f"{STATUS_WORDS.get(k, k)}{n}项" for k, n in sorted(status.items()))
    doc.add_paragraph(
        f"截至{when:%Y年%m月%d日%H时%M分}，{plan['title']}（{plan.get('doc_no') or plan['ref']}）"
        f"共分解任务{facts['total']}项：{counts}。现将有关情况通报如下。"
    )
    doc.add_heading("一、逾期未完成事项", level=1)
    if facts["overdue"]:
        _table(
            doc,
            ["责任单位", "任务", "工作内容", "截止日期", "逾期天数"],
            [
                [unit, ref, content[:80], due.isoformat() if due else "", str(days or "")]
                for unit, ref, content, due, days in facts["overdue"]
            ],
        )
    else:
        doc.add_paragraph("无逾期未完成事项。")
    doc.add_heading("二、考核得分排名", level=1)
    _table(
        doc,
        ["名次", "单位", "得分", "扣分项数"],
        [[str(c.rank), c.unit, f"{c.points:g}", str(len(c.deductions))] for c in facts["cards"]],
    )
    doc.add_heading("三、抽查发现的问题", level=1)
    if facts["findings"]:
        _table(
            doc,
            ["抽查", "任务", "单位", "问题", "扣分", "整改情况"],
            [[c, t, u, p, f"{d:g}", s] for c, t, u, p, d, s in facts["findings"]],
        )
    else:
        doc.add_paragraph("抽查未发现问题。")
    doc.add_paragraph("请各有关单位对照通报问题抓紧整改，按时报送整改情况。")
    doc.save(str(out))


def _table(doc: Any, headers: list[str], rows: list[list[str]]) -> None:
    table = doc.add_table(rows=1, cols=len(headers))
    table.style = "Table Grid"
    for cell, text in zip(table.rows[0].cells, headers, strict=True):
        cell.text = text
        for run in cell.paragraphs[0].runs:
            run.bold = True
    for row in rows:
        for cell, text in zip(table.add_row().cells, row, strict=True):
            cell.text = text
