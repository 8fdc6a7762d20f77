"""The `taizhang` command line: global options, error translation, sub-commands."""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated, Any, NoReturn

import typer

from cli.context import Context, Settings, default_actor
from cli.help import HelpGroup


class Format(StrEnum):
    table = "table"
    json = "json"
    csv = "csv"


# Sub-commands by name: (module, attribute), a Typer group or a command function. They are
# imported and built only when named (or for --help): Typer would otherwise import every
# command module and inspect the signature of all 28 commands before running one (50-60 ms
# of a read command in a profile, besides the imports).
COMMANDS: dict[str, tuple[str, str]] = {
    "dashboard": ("cli.dashboard", "dashboard"),
    "sweep": ("cli.alerts", "sweep"),
    "deliver": ("cli.alerts", "deliver"),
    "alerts": ("cli.alerts", "alerts"),
    "serve": ("cli.alerts", "serve"),
    "plan": ("cli.plans", "app"),
    "task": ("cli.tasks", "app"),
    "deadline": ("cli.deadlines", "app"),
    "calendar": ("cli.calendar", "app"),
    "contacts": ("cli.contacts", "app"),
    "projections": ("cli.projection_commands", "app"),
}

# The order of `taizhang --help`.
ORDER = (
    "dashboard",
    "sweep",
    "deliver",
    "alerts",
    "serve",
    "init",
    "plan",
    "task",
    "deadline",
    "calendar",
    "contacts",
    "projections",
)


def _load(name: str) -> Any:
    """The Click command for ``name``, built from its module on first use."""
    from importlib import import_module

    from typer.main import get_command

    module, attribute = COMMANDS[name]
    target = getattr(import_module(module), attribute)
    if not isinstance(target, typer.Typer):
        single = typer.Typer(add_completion=False)
        single.command(name)(target)
        target = single
    command = get_command(target)
    command.name = name
    return command


class LedgerGroup(HelpGroup):
    """Turns refused commands into a message on stderr and exit code 1."""

    def list_commands(self, ctx: typer.Context) -> list[str]:  # type: ignore[override]
        built = [n for n in super().list_commands(ctx) if n not in COMMANDS]
        return [*ORDER, *(n for n in built if n not in ORDER)]

    def resolve_command(  # type: ignore[override]
        self, ctx: typer.Context, args: list[str]
    ) -> tuple[str | None, Any, list[str]]:
        # Typer suggests close names from the commands built so far; offer every one.
        name = args[0] if args else ""
        known = name in COMMANDS or name in self.commands or name.startswith("-")
        if name and not known and not ctx.resilient_parsing:
            from difflib import get_close_matches

            matches = get_close_matches(name, self.list_commands(ctx))
            hint = f" Did you mean {', '.join(repr(m) for m in matches)}?" if matches else ""
            ctx.fail(f"No such command {name!r}.{hint}")
        return super().resolve_command(ctx, args)

    def get_command(self, ctx: typer.Context, name: str) -> Any:  # type: ignore[override]
        if name in COMMANDS:
            if name not in self.commands:
                self.commands[name] = _load(name)
            return self.commands[name]
        return super().get_command(ctx, name)

    def parse_args(self, ctx: typer.Context, args: list[str]) -> list[str]:  # type: ignore[override]
        # Every value typed, for any command, is checked here once: no control character
        # or oversized text gets as far as a command (ledger/limits.py).
        _check_args(args)
        return super().parse_args(ctx, args)

    def invoke(self, ctx: typer.Context) -> Any:  # type: ignore[override]
        from ledger.errors import LedgerError

        try:
            return super().invoke(ctx)
        except LedgerError as e:
            _fail(str(e))
        except ValueError as e:  # table and deadline parsing errors carry their own message
            if type(e).__module__.startswith(("ledger", "cli", "projections", "scheduler")):
                _fail(str(e))
            _unexpected(e)
        except Exception as e:
            if type(e).__module__.startswith(("typer", "click")):
                raise  # usage errors (exit 2), --help, and the exits of commands
            # An unreachable or broken store is the user's to fix, not a traceback.
            if type(e).__module__.startswith(("sqlalchemy", "eventsourcing", "psycopg", "sqlite3")):
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


def _unexpected(error: Exception) -> None:
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
        typer.Option(
            "--db",
            envvar="TAIZHANG_DB",
            help="SQLAlchemy URL of the store.",
            show_default=True,
        ),
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
    from cli.values import check_text
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
        from cli.values import parse_instant

        settings.now = parse_instant(now, "--now", ctx.obj.zone)


@app.command()
def init(ctx: typer.Context) -> None:
    """Create the store and its read models (idempotent)."""
    from cli.context import get
    from cli.render import emit_json, say

    context = get(ctx)
    ledger = context.ledger(create=True)
    context.runner().create_tables()
    if context.settings.fmt == "json":
        emit_json({"db": context.settings.db, "events": ledger.recorder.max_notification_id() or 0})
    else:
        say(f"ledger ready at {context.settings.db}")


def main() -> None:
    """Console-script entry point.

    A command starts without the cyclic garbage collector: imports make many objects and
    no garbage cycles, and its collections cost a read command ~60 ms of its ~500.
    Opening the ledger turns it back on (cli/context.py). At the end the objects are
    frozen, which spares the interpreter's last collection a walk over all of them
    (~70 ms); finalizers and atexit handlers still run.
    """
    import gc

    gc.disable()
    try:
        app(prog_name="taizhang")
    finally:
        gc.freeze()
