"""The `taizhang` command line: global options, error translation, sub-commands.

One Typer app per command group (cli/plans.py, cli/tasks.py, …) joined here with
``add_typer``; a command's docstring is its help. Refused commands (the ledger's own
errors, an unusable store) become a message on stderr and exit code 1, translated once,
here; wrong usage is Typer's exit 2.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated, Any, NoReturn

import typer

from cli import (
    alerts,
    audit,
    calendar,
    contacts,
    dashboard,
    deadlines,
    extensions,
    notice,
    plans,
    readmodels,
    scores,
    spotchecks,
    units,
)
from cli.context import Context, Settings, default_actor
from cli.help import HelpGroup

# The option that gives each value a refusal can be about (LedgerError.field).
OPTIONS = {
    "reason": "--reason",
    "approver": "--approved-by",
    "count": "--count",
    "note": "--note",
    "on": "--on",
    "at": "--at",
    "period": "--period",
    "lead": "--lead",
    "unit": "--unit",
    "title": "--title",
    "issuer": "--issuer",
    "issued_on": "--issued-on",
    "ref": "--ref",
    "source": "--source",
    "as": "--as",
    "retroactive": "--retroactive",
    "role": "--role",
    "members": "--members",
    "alias": "--alias",
    "rectify": "--rectify or --rectify-by",
    "inspectors": "--inspectors",
    "problem": "--problem",
    "done": "--note or --evidence",
}


class Format(StrEnum):
    table = "table"
    json = "json"
    csv = "csv"


class LedgerGroup(HelpGroup):
    """The root group: every value typed is checked once, and refusals become exit 1."""

    def parse_args(self, ctx: typer.Context, args: list[str]) -> list[str]:  # type: ignore[override]
        # No control character or oversized text gets as far as a command (ledger/limits.py).
        _check_args(args)
        return super().parse_args(ctx, args)

    def invoke(self, ctx: typer.Context) -> Any:  # type: ignore[override]
        from ledger.errors import LedgerError

        try:
            return super().invoke(ctx)
        except LedgerError as e:
            flag = OPTIONS.get(e.field or "")
            _fail(f"{e} ({flag})" if flag else str(e))
        except Exception as e:
            if type(e).__module__.startswith(("typer", "click")):
                raise  # usage errors (exit 2), --help, and the exits of commands
            if isinstance(e, ValueError) and type(e).__module__.startswith(
                ("ledger", "cli", "projections", "scheduler")
            ):
                _fail(str(e))  # table and deadline parsing errors carry their own message
            if type(e).__module__.startswith(("sqlalchemy", "eventsourcing", "psycopg", "sqlite3")):
                # An unreachable or broken store is the user's to fix, not a traceback.
                first = str(e).strip().splitlines()[0] if str(e).strip() else type(e).__name__
                _fail(f"the store could not be used ({type(e).__name__}): {first[:300]}")
            _unexpected(e)
        finally:
            obj = ctx.obj
            if isinstance(obj, Context):
                obj.close()


def _check_args(args: list[str]) -> None:
    """Refuse a value no ledger may keep, naming the option it was given to."""
    from ledger.limits import text_problem

    for i, arg in enumerate(args):
        problem = text_problem(arg)
        if problem is None:
            continue
        if arg.startswith("--") and "=" in arg:
            name = arg.split("=", 1)[0]
        elif i > 0 and args[i - 1].startswith("-") and "=" not in args[i - 1]:
            name = args[i - 1]
        else:
            name = f"argument {i + 1}"
        _fail(f"{name}: {problem}")


def _unexpected(error: Exception) -> NoReturn:
    """A fault of taizhang's own: one line for the person, the traceback for the log."""
    from cli.logs import logger

    logger().debug("command.failed", exc_info=error)
    _fail(
        f"the command failed ({type(error).__name__}: {str(error)[:300]}); "
        "run it again with --log-level debug for details"
    )


def _fail(message: str) -> NoReturn:
    from rich.console import Console
    from rich.markup import escape

    from cli.render import printable

    console = Console(stderr=True, highlight=False)
    console.print(f"[bold red]error:[/] {escape(printable(message))}", markup=True)
    raise typer.Exit(1)


app = typer.Typer(
    cls=LedgerGroup,
    help="台账 taizhang: the event-sourced task ledger and deadline scheduler for work plans.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)


@app.callback()
def root(
    ctx: typer.Context,
    db: Annotated[
        str,
        typer.Option("--db", envvar="TAIZHANG_DB", help="SQLAlchemy URL of the store."),
    ] = "sqlite:///taizhang.db",
    actor: Annotated[
        str | None,
        typer.Option("--as", envvar="TAIZHANG_ACTOR", help="Who is acting (default: OS user)."),
    ] = None,
    fmt: Annotated[Format, typer.Option("--format", help="Output format.")] = Format.table,
    tz: Annotated[
        str, typer.Option("--tz", envvar="TAIZHANG_TZ", help="Time zone for new plans and output.")
    ] = "Asia/Shanghai",
    now: Annotated[
        str | None,
        typer.Option(
            "--now",
            envvar="TAIZHANG_NOW",
            help="Pin the ledger's clock (drills, demos, replaying a past year).",
        ),
    ] = None,
    config: Annotated[
        str | None,
        typer.Option("--config", envvar="TAIZHANG_CONFIG", help="Service configuration (TOML)."),
    ] = None,
    log_level: Annotated[
        str, typer.Option("--log-level", envvar="TAIZHANG_LOG_LEVEL", help="Log level.")
    ] = "warning",
) -> None:
    """Import work plans, record progress, watch deadlines, audit history."""
    from cli.logs import configure
    from cli.values import check_text, parse_instant
    from ledger.store import parse_url

    configure(log_level)
    for name, value in (("--db", db), ("--as", actor), ("--tz", tz), ("--config", config)):
        if value is not None:
            check_text(value, name)
    settings = Settings(
        db=db,
        store=parse_url(db),
        actor=actor or default_actor(),
        fmt=fmt.value,
        tz=tz,
        config_path=config,
        log_level=log_level,
    )
    ctx.obj = Context(settings)
    if now is not None:
        settings.now = parse_instant(now, "--now", ctx.obj.zone)


@app.command()
def init(ctx: typer.Context) -> None:
    """Create the store and its read models (idempotent)."""
    from cli.context import get
    from cli.render import emit_json, say

    context = get(ctx)
    ledger = context.ledger(create=True)
    context.runner()
    if context.settings.fmt == "json":
        emit_json(
            {
                "db": context.settings.store.masked,
                "events": ledger.recorder.max_notification_id() or 0,
            }
        )
    else:
        say(f"ledger ready at {context.settings.store.masked}")


app.command("dashboard")(dashboard.dashboard)
app.command("sweep")(alerts.sweep)
app.command("deliver")(alerts.deliver)
app.add_typer(alerts.app, name="alerts")
app.command("serve")(alerts.serve)
app.add_typer(plans.app, name="plan")
app.add_typer(extensions.app, name="task")  # cli/tasks.py, task_writes.py, extensions.py
app.add_typer(units.units, name="unit")
app.add_typer(units.people, name="person")
app.add_typer(deadlines.app, name="deadline")
app.add_typer(calendar.app, name="calendar")
app.add_typer(contacts.app, name="contacts")
app.add_typer(readmodels.app, name="projections")
app.add_typer(spotchecks.app, name="spotcheck")
app.add_typer(scores.app, name="score")
app.add_typer(notice.app, name="report")
app.add_typer(audit.app, name="audit")


def main() -> None:
    """Console-script entry point.

    A command starts without the cyclic garbage collector: imports make many objects and
    no garbage cycles (BENCHMARKS.md has what its collections cost a read). Opening the
    ledger turns it back on (cli/context.py). At the end the objects are frozen, which
    spares the interpreter's last collection a walk over all of them.
    """
    import gc

    gc.disable()
    try:
        app(prog_name="taizhang")
    finally:
        gc.freeze()
