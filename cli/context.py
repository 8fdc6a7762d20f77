"""The composition root: settings from options and environment -> ledger, read models, clock."""

from __future__ import annotations

import gc
import getpass
import os
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

if TYPE_CHECKING:
    from sqlalchemy import Engine

    from ledger.application import Ledger
    from ledger.store import StoreUrl
    from projections.base import Projection
    from projections.reader import Reader, SqliteReader
    from projections.runner import ProjectionRunner
    from scheduler.settings import ServiceConfig


def default_actor() -> str:
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
    """What a command needs, built lazily so `--help` and parse errors touch no database."""

    settings: Settings
    _ledger: Ledger | None = field(default=None, init=False)
    _runner: ProjectionRunner | None = field(default=None, init=False)
    _config: ServiceConfig | None = field(default=None, init=False)
    _engine: Engine | None = field(default=None, init=False)
    _quick: SqliteReader | None = field(default=None, init=False)

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

    @property
    def zone(self) -> ZoneInfo:
        from cli.values import zone

        return zone(self.settings.tz)

    def now(self) -> datetime:
        return self.settings.now if self.settings.now is not None else datetime.now(tz=UTC)

    def ledger(self, *, create: bool = False) -> Ledger:
        if self._ledger is None:
            from ledger.store import open_ledger

            # Writes, catch-ups and the service can run long: they get the cyclic garbage
            # collector back (main() leaves it off for the quick read path).
            gc.enable()
            self._ledger = open_ledger(
                self.settings.db,
                clock=self.now,
                pinned=self.settings.now is not None,
                create=create,
            )
        return self._ledger

    def projections(self) -> list[Projection]:
        from projections.runner import all_projections
        from projections.timers import AlertPolicy

        config = self.config()
        policy = AlertPolicy(reminders=config.reminders, escalate_after=config.escalate_after)
        return all_projections(policy)

    def runner(self) -> ProjectionRunner:
        if self._runner is None:
            from projections.runner import ProjectionRunner

            self._runner = ProjectionRunner(self.ledger(), self.projections())
            self._runner.create_tables()  # cheap when nothing changed; see its docstring
        return self._runner

    def engine(self) -> Engine:
        if self._runner is not None or self._ledger is not None:
            return self.runner().engine
        if self._engine is None:
            from sqlalchemy import create_engine

            from ledger.store import require_store

            require_store(self.settings.store)
            self._engine = create_engine(self.settings.store.sqlalchemy)
        return self._engine

    def reader(self) -> Reader:
        """Plain-SQL access to read models that are current: straight through sqlite3 when
        a SQLite store's read models are known current (projections/quick.py), else
        through the engine of :meth:`read_models`."""
        from projections.quick import open_current
        from projections.reader import EngineReader

        if self._quick is None and self._ledger is None and self._engine is None:
            self._quick = open_current(self.settings.store.path, self.policy_tag())
        if self._quick is not None:
            return self._quick
        return EngineReader(self.read_models())

    def policy_tag(self) -> str:
        """What the timers read model depends on, as the quick path's digest takes it."""
        config = self.config()
        return repr((config.reminders, config.escalate_after))

    def read_models(self) -> Engine:
        """An engine on read models that are current; opens the event store only if they
        are not (so a read command on a current store stays quick to start)."""
        if self._ledger is None:
            from sqlalchemy.exc import SQLAlchemyError

            from ledger.store import EVENTS_TABLE
            from projections.tracking import current

            try:
                with self.engine().connect() as conn:
                    if current(conn, self.projections(), EVENTS_TABLE):
                        self._vouch(self.engine())
                        return self.engine()
            except SQLAlchemyError:
                pass  # no read models yet, or an older shape: the full path sets them up
            self._dispose_plain_engine()
        return self.current().engine

    def current(self) -> ProjectionRunner:
        """For a read: the read models brought up to date, or, if that fails, as they
        are, with a warning (a read never fails for the lag of a read model)."""
        try:
            return self.fresh()
        except Exception as e:
            self._warn_behind(e)
            return self.runner()

    def settle(self) -> None:
        """After a write: bring the read models up to date. The write is committed
        already, so a failure here is a warning, not an error (exit 0): running the
        command again would record it twice."""
        try:
            self.fresh()
        except Exception as e:
            self._warn_behind(e)

    def _warn_behind(self, error: Exception) -> None:
        from cli.logs import logger
        from cli.render import say

        logger().debug("read_models.behind", exc_info=error)
        first = (str(error).strip().splitlines() or [type(error).__name__])[0][:200]
        say(
            "warning: recorded, but the read models could not be brought up to date "
            f"({type(error).__name__}: {first}); the next command tries again"
        )

    def _vouch(self, engine: Engine) -> None:
        """After the full check, let the next read command on a SQLite store skip it."""
        from sqlalchemy.exc import SQLAlchemyError

        from projections.quick import code_digest
        from projections.tracking import fingerprint, vouch

        if self.settings.store.path is None:
            return  # only a SQLite file is ever read the quick way
        fingerprints = {p.name: fingerprint(p) for p in self.projections()}
        try:
            with engine.begin() as conn:
                vouch(conn, code_digest(self.policy_tag()), fingerprints)
        except SQLAlchemyError:
            pass  # a store opened read-only: the next command checks in full again

    def _dispose_plain_engine(self) -> None:
        if self._engine is not None:
            self._engine.dispose()
            self._engine = None

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
        # create_tables (in runner()) checked every fingerprint: the next read command on
        # a SQLite store may skip that check, and SQLAlchemy with it.
        self._vouch(runner.engine)
        return runner

    def close(self) -> None:
        if self._quick is not None:
            self._quick.close()
        self._dispose_plain_engine()
        if self._ledger is not None:
            self._ledger.close()


def get(ctx: Any) -> Context:
    """The Context a Typer command's ``ctx.obj`` holds."""
    obj = ctx.find_root().obj
    assert isinstance(obj, Context)
    return obj
