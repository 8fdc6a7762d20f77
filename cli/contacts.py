"""`taizhang contacts …`: who is told about a unit's tasks (kept in the ledger)."""

from __future__ import annotations

from typing import Annotated

import typer

from cli.context import get
from cli.help import group

app = group("Contacts of units: email addresses and group-robot webhooks.")


def shown(address: str) -> str:
    """An address as listings show it: a robot URL without its access key."""
    from ledger.redact import url

    return url(address)


UnitArg = Annotated[str, typer.Argument(help="The unit, e.g. 市财政局.")]
ChannelOpt = Annotated[str, typer.Option("--channel", help="email, webhook, wecom or dingtalk.")]
AddressArg = Annotated[str, typer.Argument(help="Email address or webhook URL.")]


@app.command("add")
def add(
    ctx: typer.Context, unit: UnitArg, address: AddressArg, channel: ChannelOpt = "email"
) -> None:
    """Tell this unit about its tasks through this channel."""
    from cli.render import say

    context = get(ctx)
    context.ledger().add_contact(
        unit, channel=channel, address=address, actor=context.settings.actor
    )
    say(f"{unit}: {channel} {shown(address)} added")


@app.command("remove")
def remove(
    ctx: typer.Context, unit: UnitArg, address: AddressArg, channel: ChannelOpt = "email"
) -> None:
    """Stop telling this unit through this channel."""
    from cli.render import say

    context = get(ctx)
    context.ledger().remove_contact(
        unit, channel=channel, address=address, actor=context.settings.actor
    )
    say(f"{unit}: {channel} {shown(address)} removed")


@app.command("list")
def list_contacts(ctx: typer.Context) -> None:
    """Every unit's contacts."""
    from cli.render import emit

    context = get(ctx)
    directory = context.ledger().directory()
    rows = [
        {"unit": unit, "channel": channel, "address": shown(address)}
        for unit, pairs in sorted(directory.contacts.items())
        for channel, address in pairs
    ]
    emit(
        context.settings.fmt,
        rows,
        [("unit", "unit"), ("channel", "channel"), ("address", "address")],
    )
