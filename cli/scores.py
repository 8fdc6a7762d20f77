"""`taizhang score`: unit scores (考核) of a plan under the configuration's ``[score]``
rules, now or as of a past moment, each deduction traced to the event that caused it;
`score export` writes the scorecard and ranking as XLSX."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from cli.context import Context, get
from cli.help import HelpGroup

app = typer.Typer(
    cls=HelpGroup,
    add_completion=False,
    invoke_without_command=True,
    help="Unit scores (考核): points, rank, and each deduction with its event.",
)

PlanOpt = Annotated[str, typer.Option("--plan", help="The plan whose units are scored.")]
AsOfOpt = Annotated[
    str | None, typer.Option("--as-of", help="As the ledger stood then (transaction time).")
]


@app.callback()
def score(
    ctx: typer.Context,
    plan: Annotated[
        str | None, typer.Option("--plan", help="The plan whose units are scored.")
    ] = None,
    as_of: AsOfOpt = None,
    explain: Annotated[
        str | None, typer.Option("--explain", help="List this unit's deductions.")
    ] = None,
    against: Annotated[
        Path | None,
        typer.Option("--against", help="Another configuration: what its rules would move."),
    ] = None,
) -> None:
    """Each lead unit's points (the rules' base less its deductions), ranked; of one
    plan, or of every plan."""
    if ctx.invoked_subcommand is not None:
        return
    from cli.render import emit
    from projections.queries.scores import card_document

    context = get(ctx)
    cards = _cards(context, plan, as_of)
    if against is not None:
        _moved(context, plan, as_of, against, cards)
        return
    documents = [card_document(c) for c in cards]
    if explain is not None:
        _explain(context, documents, explain, plan)
        return
    rows = [
        {**d, "deducted": len(d["deductions"]), "capped": "是" if d["capped"] else ""}
        for d in documents
    ]
    columns = [
        ("rank", "rank"),
        ("unit", "unit"),
        ("points", "points"),
        ("deducted", "deductions"),
        ("capped", "capped"),
    ]
    title = f"scores of {plan}" if plan else "scores of every plan"
    emit(context.settings.fmt, rows, columns, title=title, document=documents)


def _explain(context: Context, documents: list[Any], unit: str, plan: str | None) -> None:
    """One unit's points and each deduction (a bonus shown with its +)."""
    from cli.render import emit, emit_json
    from ledger.errors import InvalidInput

    card = next((d for d in documents if d["unit"] == unit), None)
    if card is None:
        where = f"plan {plan}" if plan else "any plan"
        raise InvalidInput(f"{unit} answers for no task of {where}", field="--explain")
    if context.settings.fmt == "json":
        emit_json(card)
        return
    rows = [
        {
            **d,
            "points": f"+{d['points']:g}" if d["kind"] == "bonus" else d["points"],
            "event_seq": d["event_seq"] or "",
        }
        for d in card["deductions"]
    ]
    columns = [("points", "points"), ("reason", "reason"), ("event_seq", "event #")]
    title = f"{unit}: {card['points']:g} points, rank {card['rank']}"
    emit(context.settings.fmt, rows, columns, title=title, document=card)


@app.command("adjust")
def adjust(
    ctx: typer.Context,
    plan: PlanOpt,
    unit: Annotated[str, typer.Option("--unit", help="The unit the items are about.")],
    reason: Annotated[
        str, typer.Option("--reason", help="The notice and its item, or the merit rewarded.")
    ],
    bonus: Annotated[
        bool, typer.Option("--bonus", help="A bonus, not items a superior's notice found.")
    ] = False,
    count: Annotated[int, typer.Option("--count", help="How many items (or bonuses).")] = 1,
) -> None:
    """Record items a superior's notice found against a unit (each deducted by the
    rules' notice_item, seed 003's "每项扣1分"), or with --bonus a bonus for it."""
    from uuid import UUID

    from cli.render import emit_json, say
    from projections.queries.tasks import plan_id_of

    context = get(ctx)
    plan_id = plan_id_of(context.reader(), plan)
    kind = "bonus" if bonus else "notice_item"
    found = context.ledger().adjust_score(
        UUID(plan_id),
        unit=unit,
        kind=kind,
        count=count,
        reason=reason,
        actor=context.settings.actor,
    )
    context.settle()
    what = f"{unit}: {count} × {'bonus' if bonus else 'notice item'}"
    if context.settings.fmt == "json":
        emit_json(
            {"plan": plan, "unit": unit, "kind": kind, "count": count, "version": found.version}
        )
    else:
        say(f"{what} recorded ({reason})")


@app.command("export")
def export(
    ctx: typer.Context,
    plan: PlanOpt,
    out: Annotated[Path, typer.Option("-o", "--out", help="OUT.xlsx")],
    as_of: AsOfOpt = None,
) -> None:
    """Write the ranking and every deduction as XLSX (考核得分)."""
    from openpyxl import Workbook

    from cli.render import say
    from cli.sheets import titled_sheet
    from ledger.errors import InvalidInput

    context = get(ctx)
    if out.suffix.lower() != ".xlsx":
        raise InvalidInput(f"-o {out}: use a .xlsx file name", field="-o")
    cards = _cards(context, plan, as_of)
    book = Workbook()
    ranking = book.active
    assert ranking is not None
    ranking.title = "得分排名"
    when = (as_of or context.now().astimezone(context.zone).isoformat())[:16]
    titled_sheet(
        ranking,
        f"{plan} 考核得分（截至 {when}）",
        [("名次", 8), ("单位", 30), ("得分", 10), ("扣分项数", 10), ("扣分", 10)],
        [[c.rank, c.unit, c.points, len(c.deductions), c.lost] for c in cards],
    )
    details = book.create_sheet("扣分明细")
    titled_sheet(
        details,
        f"{plan} 扣分明细",
        [("单位", 30), ("扣分", 8), ("原因", 60), ("事件序号", 12)],
        [
            [
                c.unit,
                -d["points"] if d["kind"] == "bonus" else d["points"],
                d["reason"],
                d["event_seq"],
            ]
            for c in cards
            for d in c.deductions
        ],
    )
    book.save(out)
    say(f"wrote the scores of {len(cards)} units to {out}")


def _cards(context: Context, plan: str | None, as_of: str | None, rules: Any = None) -> Any:
    from cli.values import parse_instant
    from projections.queries.scores import score as scored
    from projections.queries.tasks import plan_id_of

    reader = context.reader()
    moment = parse_instant(as_of, "--as-of", context.zone) if as_of else None
    return scored(
        reader,
        plan_id_of(reader, plan) if plan else None,
        rules or context.config().score,
        now=context.now(),
        as_of=moment,
        tz=context.zone,
    )


def _moved(context: Context, plan: str | None, as_of: str | None, other: Path, now: Any) -> None:
    """What the current rules move against the rules of ``other`` (a configuration)."""
    from cli.config import load_config
    from cli.render import emit
    from ledger.scoring import moved

    before = _cards(context, plan, as_of, load_config(str(other)).score)
    changes = moved(before, now)
    rows = [
        {
            "unit": m["unit"],
            "points": f"{m['points'][0]} → {m['points'][1]}",
            "rank": f"{m['rank'][0]} → {m['rank'][1]}",
        }
        for m in changes
    ]
    columns = [("unit", "unit"), ("points", "points"), ("rank", "rank")]
    title = f"moved by the rules of {context.config().source} against {other}"
    emit(context.settings.fmt, rows, columns, title=title, document=changes)
