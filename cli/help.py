"""Help for command groups (`taizhang --help`, `taizhang task --help`), drawn with Rich.

Typer's own Rich help imports `typer.rich_utils`, which loads Rich's Markdown (and with it
markdown-it) and Rich's traceback module (and pygments) before drawing anything: about
a third of `taizhang --help` (BENCHMARKS.md). A group's help needs neither: usage, its help text,
an options panel and a commands panel, drawn here in the same style. Commands keep
Typer's help (their options are many and use its markup).
"""

from __future__ import annotations

from typing import Any

import typer
from typer.core import TyperGroup


def _console() -> Any:
    from rich.console import Console

    return Console(highlight=False)


def _panel(title: str, rows: list[tuple[str, ...]], styles: tuple[str, ...]) -> Any:
    from rich.panel import Panel
    from rich.table import Table

    table = Table(show_header=False, expand=True, box=None, pad_edge=False, padding=(0, 1))
    for i, style in enumerate(styles):
        last = i == len(styles) - 1
        table.add_column(style=style, no_wrap=not last, ratio=10 if last else None, overflow="fold")
    for row in rows:
        table.add_row(*row)
    return Panel(table, border_style="dim", title=title, title_align="left")


def render_group_help(group: TyperGroup, ctx: typer.Context) -> None:
    """Print a group's usage, help, options and sub-commands."""
    from rich.markup import escape
    from rich.padding import Padding

    console = _console()
    console.print(Padding(escape(group.get_usage(ctx)), 1), style="bold")
    if group.help:
        first, _, rest = group.help.strip().partition("\n\n")
        text = escape(" ".join(first.split()))
        if rest:
            text += "\n\n[dim]" + escape(rest.strip()) + "[/]"
        console.print(Padding(text, (0, 1, 1, 1)))

    options: list[tuple[str, ...]] = []
    for param in group.get_params(ctx):
        record = param.get_help_record(ctx)
        if record is None or getattr(param, "hidden", False):
            continue
        names = ", ".join(param.opts)
        metavar = "" if getattr(param, "is_flag", False) else param.make_metavar(ctx)
        options.append((escape(names), escape(metavar), escape(record[1])))
    if options:
        console.print(_panel("Options", options, ("bold cyan", "bold yellow", "")))

    commands: list[tuple[str, ...]] = []
    for name in group.list_commands(ctx):
        command = group.get_command(ctx, name)
        if command is None or command.hidden:
            continue
        summary = command.short_help or (command.help or "").strip().partition("\n\n")[0]
        commands.append((escape(name), escape(" ".join(summary.split()))))
    if commands:
        console.print(_panel("Commands", commands, ("bold cyan", "")))


class HelpGroup(TyperGroup):
    """A Typer group whose help is drawn by `render_group_help`."""

    def format_help(self, ctx: typer.Context, formatter: Any) -> None:  # type: ignore[override]
        render_group_help(self, ctx)


def group(help: str) -> typer.Typer:
    """A sub-command group (`taizhang task`, …): help drawn by `HelpGroup`, no shell
    completion, its help when named without a command."""
    return typer.Typer(cls=HelpGroup, add_completion=False, help=help, no_args_is_help=True)
