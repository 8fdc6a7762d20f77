"""The composition root: settings from options and environment -> ledger, read models, clock.

Everything is built on first use, so `--help` and parse errors touch no store, and a read
command on current read models opens neither the ledger nor SQLAlchemy: it asks the read
path (projections/catalog.py) and reads (projections/reader.py).
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

if TYPE_CHECKING:
    from ledger.application import Ledger
    from ledger.store import StoreUrl
    from projections.reader import Reader
    from projections.runner import ProjectionRunner
    from scheduler.settings import ServiceConfig


def default_actor() -> str:
    import getpass

    try:
        return getpass.getuser()
    except (KeyError, OSError):  # no passwd entry (some containers)
        return os.environ.get("USER", "unknown")


@dataclass
class Settings:
    db: str
    store: StoreUrl
    actor: str
    fmt: str
    tz: str
    now: datetime | None = None  # a pinned clock: drills, demos, replaying a past year
    config_path: str | None = None
    log_level: str = "warning"


@dataclass
class Context:
    """What a command needs, built lazily."""

    settings: Settings
    _ledger: Ledger | None = field(default=None, init=False)
    _runner: ProjectionRunner | None = field(default=None, init=False)
    _config: ServiceConfig | None = field(default=None, init=False)
    _reader: Reader | None = field(default=None, init=False)

    def config(self) -> ServiceConfig:
        """The service configuration (alert policy, channels); every command reads the same."""
        if self._config is None:
            from dataclasses import replace

            from cli.config import load_config

            config = load_config(self.settings.config_path)
            if config.quiet_hours is not None:  # quiet hours are local hours
                config = replace(
                    config, quiet_hours=replace(config.quiet_hours, tz=self.settings.tz)
                )
            self._config = config
        return self._config

    def policy(self) -> Any:
        """The alert policy the timers read model follows."""
        from ledger.policy import AlertPolicy

        config = self.config()
        return AlertPolicy(reminders=config.reminders, escalate_after=config.escalate_after)

    @property
    def zone(self) -> ZoneInfo:
        from cli.values import zone

        return zone(self.settings.tz)

    def now(self) -> datetime:
        return self.settings.now if self.settings.now is not None else datetime.now(tz=UTC)

    def ledger(self, *, create: bool = False) -> Ledger:
        if self._ledger is None:
            import gc

            from ledger.store import open_ledger

            # Writes, catch-ups and the service can run long: they get the cyclic garbage
            # collector back (cli.app.main leaves it off for a quick read).
            gc.enable()
            self._ledger = open_ledger(
                self.settings.db,
                clock=self.now,
                pinned=self.settings.now is not None,
                create=create,
            )
        return self._ledger

    def runner(self) -> ProjectionRunner:
        if self._runner is None:
            from projections.runner import ProjectionRunner, all_projections

            self._runner = ProjectionRunner(self.ledger(), all_projections(self.policy()))
            self._runner.create_tables()  # cheap when nothing changed; see its docstring
        return self._runner

    def reader(self) -> Reader:
        """The read models, current: read as they are when they are (the usual case, and
        then nothing of the write side is imported), else brought up to date first."""
        if self._reader is None:
            from ledger.store import require_store
            from projections import catalog
            from projections.reader import Reader

            require_store(self.settings.store)
            self._reader = Reader(self.settings.store)
            if catalog.behind(self._reader, self.policy().tag()):
                if self._reader.unreachable is not None:
                    raise self._reader.unreachable
                self.current()
                self._reader.release()
            self._warn_if_altered(self._reader)
        return self._reader

    def raw_reader(self) -> Reader:
        """The store read as it is, read models or not (an audit reads the events)."""
        if self._reader is None:
            from ledger.store import require_store
            from projections.reader import Reader

            require_store(self.settings.store)
            self._reader = Reader(self.settings.store)
        return self._reader

    def _warn_if_altered(self, reader: Reader) -> None:
        """Every read says so while the store is not what its read models and its chain
        last saw (projections/queries/audit.py ``alarm``): rows are not served silently."""
        from cli.render import say
        from projections.queries.audit import alarm

        try:
            found = alarm(reader)
        except reader.error:
            reader.release()
            return  # a store too old to have these tables: `taizhang init` adds them
        if found:
            say(f"warning: {found}; run `taizhang audit verify`")

    def fresh(self) -> ProjectionRunner:
        """The read models brought up to date with the ledger, with a bar on long work."""
        runner = self.runner()
        lag = max((lag.behind for lag in runner.status()), default=0)
        if lag > 20000:
            from cli.progress import bar

            with bar("updating read models", total=lag) as advance:
                runner.catch_up(progress=advance)
        else:
            runner.catch_up()
        if self._reader is not None:
            self._reader.release()
        return runner

    def current(self) -> None:
        """For a read: the read models brought up to date, or, if that fails, read as they
        are, with a warning (a read never fails for the lag of a read model)."""
        try:
            self.fresh()
        except Exception as e:
            self._warn_behind(e, written=False)

    def settle(self) -> None:
        """After a write: bring the read models up to date. The write is committed
        already, so a failure here is a warning, not an error (exit 0): running the
        command again would record it twice."""
        try:
            self.fresh()
        except Exception as e:
            self._warn_behind(e, written=True)

    def _warn_behind(self, error: Exception, *, written: bool) -> None:
        from cli.logs import logger
        from cli.render import say

        logger().debug("read_models.behind", exc_info=error)
        first = (str(error).strip().splitlines() or [type(error).__name__])[0][:200]
        what = "recorded, but the read models" if written else "the read models"
        say(
            f"warning: {what} could not be brought up to date "
            f"({type(error).__name__}: {first}); the next command tries again"
        )

    def close(self) -> None:
        if self._reader is not None:
            self._reader.close()
        if self._ledger is not None:
            self._ledger.close()


def get(ctx: Any) -> Context:
    """The Context a Typer command's ``ctx.obj`` holds."""
    obj = ctx.find_root().obj
    assert isinstance(obj, Context)
    return obj
