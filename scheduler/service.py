"""The running service: one tick = read models, sweep, deliveries; `serve` repeats it.

:func:`tick` is the whole of the work with the clock injected (tests call it with a
fake clock, no sleeping). `taizhang serve` runs it on APScheduler 3.11's ticker — only
a ticker: the ledger, not APScheduler's job store, knows what is due. SIGTERM or SIGINT
stops the service between ticks, never inside one.
"""

from __future__ import annotations

import signal
import threading
from dataclasses import dataclass
from typing import Any

import structlog

from cli.config import ServiceConfig
from cli.context import Context
from ledger.notify import Channel, EmailChannel, PermanentFailure, WebhookChannel

log = structlog.get_logger()


def channel_factory(config: ServiceConfig) -> Any:
    """(channel, address) -> a channel that can carry it."""

    def channel_for(name: str, address: str) -> Channel:
        if name == "email":
            if config.email is None:
                raise PermanentFailure(name, address, "no [email] server is configured")
            e = config.email
            return EmailChannel(
                e.host,
                e.port,
                e.sender,
                starttls=e.starttls,
                username=e.username,
                password=e.password,
            )
        style = {"webhook": "plain", "wecom": "wecom", "dingtalk": "dingtalk"}.get(name)
        if style is None:
            raise PermanentFailure(name, address, f"unknown channel {name!r}")
        return WebhookChannel(address, style=style, name=name)  # type: ignore[arg-type]

    return channel_for


@dataclass
class TickReport:
    raised: int
    late: int
    delivered: int
    failed: int


def tick(context: Context, config: ServiceConfig) -> TickReport:
    """One round of the service's work, at the context's "now"."""
    from projections.delivery import QuietHours, deliver
    from projections.sweep import sweep

    ledger = context.ledger()
    runner = context.fresh()
    swept = sweep(ledger, runner, supervisor=config.supervisor)
    quiet = (
        QuietHours.parse(config.quiet_hours, context.settings.tz) if config.quiet_hours else None
    )
    sent = deliver(ledger, runner.engine, channel_factory(config), quiet=quiet)
    runner.catch_up()
    return TickReport(swept.raised, swept.late, sent.delivered, sent.failed + sent.abandoned)


class _Ticks:
    """The tick job: one at a time; a wake-up while one runs makes it run once more (the
    events that woke it may have come after it read the log)."""

    def __init__(
        self, context: Context, config: ServiceConfig, scheduler: Any, stop: threading.Event
    ) -> None:
        self.context, self.config, self.scheduler, self.stop = context, config, scheduler, stop
        self.running = threading.Event()
        self.again = threading.Event()

    def run(self) -> None:
        self.running.set()
        try:
            while True:
                self.again.clear()
                try:
                    report = tick(self.context, self.config)
                except Exception:  # keep ticking: the next tick retries what this one missed
                    log.exception("tick.failed")
                    return
                if report.raised or report.delivered or report.failed:
                    log.info("tick", **vars(report))
                if not self.again.is_set() or self.stop.is_set():
                    return
        finally:
            self.running.clear()

    def wake(self) -> None:
        """Tick now (from the listener's thread)."""
        self.again.set()
        if not self.running.is_set():
            self.scheduler.modify_job("tick", next_run_time=_now())


def serve(context: Context, config: ServiceConfig, interval: float) -> None:
    """Run until SIGTERM/SIGINT: a tick every ``interval`` seconds, a health line a minute;
    on PostgreSQL also a tick as soon as another process records events."""
    from apscheduler.schedulers.background import BackgroundScheduler

    from ledger.store import EVENTS_TABLE
    from projections.wakeup import Listener, install

    stop = threading.Event()
    scheduler = BackgroundScheduler(timezone="UTC")
    ticks = _Ticks(context, config, scheduler, stop)

    def health() -> None:
        lags = context.runner().status()
        log.info(
            "health",
            behind=max((lag.behind for lag in lags), default=0),
            head=max((lag.head for lag in lags), default=0),
        )

    # One tick at a time, none queued up behind a slow one; missed ticks are not replayed
    # (the next tick catches up with everything anyway).
    common = {"max_instances": 1, "coalesce": True, "misfire_grace_time": None}
    scheduler.add_job(
        ticks.run, "interval", seconds=interval, next_run_time=_now(), id="tick", **common
    )
    scheduler.add_job(health, "interval", seconds=60, next_run_time=_now(), **common)

    def request_stop(signum: int, _frame: object) -> None:
        log.info("service.stopping", signal=signal.Signals(signum).name)
        stop.set()

    signal.signal(signal.SIGTERM, request_stop)
    signal.signal(signal.SIGINT, request_stop)
    engine = context.runner().engine
    listener = Listener(engine, ticks.wake) if install(engine, EVENTS_TABLE) else None
    log.info(
        "service.started",
        interval=interval,
        wakes_on_notify=listener is not None,
        config=config.source,
        db=context.settings.db,
    )
    scheduler.start()
    if listener is not None:
        listener.start()
    try:
        stop.wait()
    finally:
        if listener is not None:
            listener.stop()
        scheduler.shutdown(wait=True)  # lets a running tick finish its batch
        log.info("service.stopped")


def _now() -> Any:
    from datetime import UTC, datetime

    return datetime.now(tz=UTC)
