"""`taizhang unit …` and `taizhang person …`: the directory of units, their other names and
groups, and the people who may act, with their roles (all kept in the ledger)."""

from __future__ import annotations

from typing import Annotated, Any

import typer

from cli.context import Context, get
from cli.help import group

units = group("Units: register them, their other names, and groups (各区市县政府).")
people = group("People: who may act, in which unit, with which roles.")

NameArg = Annotated[str, typer.Argument(help="The unit's name, as plans write it (市财政局).")]


def _named(context: Context) -> Any:
    """What a directory change asks of the read side: the tasks naming some names."""
    from projections.queries.units import tasks_naming

    def named(names: Any) -> Any:
        return tasks_naming(context.reader(), names)

    return named


def _reassigned(context: Context, what: str, tasks: list[Any]) -> None:
    from cli.render import emit_json, say

    context.settle()
    codes = [t.code for t in tasks]
    if context.settings.fmt == "json":
        emit_json({"changed": what, "tasks_reassigned": [str(t.id) for t in tasks]})
    else:
        say(what + (f"; who answers changed on {len(codes)} tasks" if codes else ""))


@units.command("add")
def add(
    ctx: typer.Context,
    name: NameArg,
    alias: Annotated[
        list[str] | None,
        typer.Option("--alias", help="Another name plans use for it, e.g. 财政局 (repeatable)."),
    ] = None,
    issuer: Annotated[
        str,
        typer.Option("--issuer", help="The aliases hold in this issuer's plans only."),
    ] = "",
) -> None:
    """Register a unit, or more names for one. Tasks that name it by another name answer
    through it from now on."""
    context = get(ctx)
    tasks = context.ledger().add_unit(
        name,
        aliases=alias or [],
        issuer=issuer,
        named=_named(context),
        actor=context.settings.actor,
    )
    also = f" (also {'、'.join(alias)})" if alias else ""
    _reassigned(context, f"{name}{also} in the directory", tasks)


@units.command("group")
def define_group(
    ctx: typer.Context,
    name: Annotated[str, typer.Argument(help="The collective name, e.g. 各区市县政府.")],
    members: Annotated[
        str | None, typer.Option("--members", help="Its units, comma separated.")
    ] = None,
    all_units_of: Annotated[
        str | None,
        typer.Option("--all-units-of", help="Its units are every unit on this plan."),
    ] = None,
) -> None:
    """Say which units a collective name stands for: each task it leads gives each of
    them a share, from now on (earlier moments keep what was known then)."""
    from cli.values import split_units
    from ledger.errors import InvalidInput

    if (members is None) == (all_units_of is None):
        raise InvalidInput("give either --members U1,U2 or --all-units-of PLAN")
    context = get(ctx)
    ledger = context.ledger()
    tasks = ledger.define_group(
        name,
        members=split_units(members or ""),
        units_of_plan=ledger.resolve_plan(all_units_of) if all_units_of else None,
        named=_named(context),
        actor=context.settings.actor,
    )
    _reassigned(context, f"group {name} defined", tasks)


@units.command("list")
def list_units(
    ctx: typer.Context,
    plan: Annotated[str | None, typer.Option("--plan", help="Only the units on this plan.")] = None,
) -> None:
    """Every unit, other name and group, with the tasks each answers for (lead) and
    helps with (co)."""
    from cli.render import emit
    from projections.queries.tasks import plan_id_of
    from projections.queries.units import list_units as query

    context = get(ctx)
    reader = context.reader()
    rows = query(reader, plan_id_of(reader, plan) if plan else None)
    shown = [{**r, "refers": _refers(r)} for r in rows]
    columns = [("name", "name"), ("kind", "kind"), ("refers", "stands for / members")]
    columns += [("lead", "lead"), ("co", "co"), ("source", "added by")]
    emit(context.settings.fmt, shown, columns, title="units", document=rows)


def _refers(row: dict[str, Any]) -> str:
    if row["kind"] == "alias":
        return "、".join(u + (f" ({issuer})" if issuer else "") for u, issuer in row["refers"])
    return "、".join(row["refers"])


@people.command("add")
def add_person(
    ctx: typer.Context,
    name: Annotated[str, typer.Argument(help="The person's name, e.g. 王芳.")],
    unit: Annotated[str, typer.Option("--unit", help="The unit they belong to.")],
    role: Annotated[
        list[str],
        typer.Option("--role", help="clerk, supervisor, auditor or admin (repeatable)."),
    ],
) -> None:
    """Register a person (or give them more roles). The first one registered must be an
    admin: from then on every change names a registered person with --as."""
    from cli.render import say

    context = get(ctx)
    context.ledger().add_person(name, unit=unit, roles=role, actor=context.settings.actor)
    context.settle()
    say(f"{name} ({unit}): {'、'.join(role)}")


@people.command("remove")
def remove_person(
    ctx: typer.Context,
    name: Annotated[str, typer.Argument(help="The person's name.")],
    reason: Annotated[str, typer.Option("--reason", help="Why (recorded).")],
) -> None:
    """Take a person's roles away; what they did stays on record."""
    from cli.render import say

    context = get(ctx)
    context.ledger().remove_person(name, reason=reason, actor=context.settings.actor)
    context.settle()
    say(f"{name} removed")


@people.command("list")
def list_people(ctx: typer.Context) -> None:
    """Everyone who may act, by unit."""
    from cli.render import emit
    from projections.queries.units import list_people as query

    context = get(ctx)
    rows = query(context.reader())
    shown = [{**r, "roles": "、".join(r["roles"])} for r in rows]
    columns = [("person", "person"), ("unit", "unit"), ("roles", "roles")]
    emit(context.settings.fmt, shown, columns, title="people", document=rows)
