"""The running service: ticks that bring the read models up and sweep, and delivery rounds.

:func:`tick` is the sweep's whole work with the clock injected (tests call it with a
fake clock, no sleeping). `taizhang serve` runs ticks and delivery rounds as two jobs on
APScheduler 3.11's ticker — only a ticker: the ledger, not APScheduler's job store,
knows what is due. They are separate jobs so a sweep never waits for a receiver: a round
starts its sends on threads of their own and returns. SIGTERM or SIGINT stops the
service within seconds: a tick under way gets a moment to commit, unfinished sends are
left (their rows stay pending and go out after the next start).
"""

from __future__ import annotations

import os
import signal
import sys
import threading
import time
from dataclasses import dataclass
from typing import Any

import structlog

from ledger.application import Ledger
from ledger.redact import url as redacted
from projections.runner import ProjectionRunner
from scheduler.channels import Channel, PermanentFailure
from scheduler.delivery import Deliverer
from scheduler.email import EmailChannel
from scheduler.settings import ServiceConfig
from scheduler.sweep import SweepReport, sweep
from scheduler.webhook import WebhookChannel

log = structlog.get_logger()

# How long a stopping service lets a tick under way finish before leaving it.
STOP_GRACE = 3.0


def channel_factory(config: ServiceConfig) -> Any:
    """(channel, address) -> a channel that can carry it."""

    def channel_for(name: str, address: str) -> Channel:
        timeout = config.delivery_timeout
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
                timeout=timeout,
            )
        style = {"webhook": "plain", "wecom": "wecom", "dingtalk": "dingtalk"}.get(name)
        if style is None:
            raise PermanentFailure(name, address, f"unknown channel {name!r}")
        return WebhookChannel(address, style=style, name=name, timeout=timeout)  # type: ignore[arg-type]

    return channel_for


def deliverer(ledger: Ledger, runner: ProjectionRunner, config: ServiceConfig) -> Deliverer:
    return Deliverer(
        ledger,
        runner.reader(),
        channel_factory(config),
        quiet=config.quiet_hours,
        timeout=config.delivery_timeout,
        workers=config.delivery_workers,
    )


def tick(ledger: Ledger, runner: ProjectionRunner, config: ServiceConfig) -> SweepReport:
    """Bring the read models up to date and raise what fell due."""
    runner.catch_up()
    return sweep(ledger, runner, supervisor=config.supervisor)


@dataclass
class _Job:
    """One kind of work, one run at a time; a wake-up during a run makes it run once more
    (the events that woke it may have come after it read the log)."""

    name: str
    work: Any
    scheduler: Any
    stop: threading.Event

    def __post_init__(self) -> None:
        self.running = threading.Event()
        self.again = threading.Event()

    def run(self) -> None:
        self.running.set()
        try:
            while not self.stop.is_set():
                self.again.clear()
                try:
                    report = self.work()
                except Exception:  # keep going: the next run retries what this one missed
                    log.exception(f"{self.name}.failed")
                    return
                if report is not None and any(_counts(report)):
                    log.info(self.name, **vars(report))
                if not self.again.is_set():
                    return
        finally:
            self.running.clear()

    def wake(self) -> None:
        """Run now (from the listener's thread)."""
        self.again.set()
        if not self.running.is_set() and not self.stop.is_set():
            self.scheduler.modify_job(self.name, next_run_time=_now())


def _counts(report: Any) -> list[int]:
    return [v for v in vars(report).values() if isinstance(v, int) and not isinstance(v, bool)]


def stop_on_signals() -> threading.Event:
    """An event set by SIGTERM or SIGINT: installed first, so a stop that comes while the
    service starts up is not lost."""
    stop = threading.Event()

    def request_stop(signum: int, _frame: object) -> None:
        log.info("service.stopping", signal=signal.Signals(signum).name)
        stop.set()

    signal.signal(signal.SIGTERM, request_stop)
    signal.signal(signal.SIGINT, request_stop)
    return stop


def serve(
    ledger: Ledger,
    runner: ProjectionRunner,
    config: ServiceConfig,
    *,
    db: str,
    stop: threading.Event,
) -> None:
    """Run until ``stop`` is set: a tick and a delivery round every ``config.interval``
    seconds, a health line a minute; on PostgreSQL also a tick as soon as another process
    records events."""
    from apscheduler.schedulers.background import BackgroundScheduler

    from ledger.store import EVENTS_TABLE
    from scheduler.wakeup import Listener, install

    if stop.is_set():
        log.info("service.stopped", left_unfinished=None)
        return
    scheduler = BackgroundScheduler(timezone="UTC")
    sends = deliverer(ledger, runner, config)
    ticks = _Job("tick", lambda: tick(ledger, runner, config), scheduler, stop)
    rounds = _Job("delivery", lambda: _round(runner, sends), scheduler, stop)

    def health() -> None:
        lags = runner.status()
        log.info(
            "health",
            behind=max((lag.behind for lag in lags), default=0),
            head=max((lag.head for lag in lags), default=0),
            sends_under_way=sends.stuck(),
        )

    # One run of each at a time, none queued up behind a slow one; missed runs are not
    # replayed (the next catches up with everything anyway).
    common = {"max_instances": 1, "coalesce": True, "misfire_grace_time": None}
    every = {"trigger": "interval", "seconds": config.interval, "next_run_time": _now()}
    scheduler.add_job(ticks.run, id="tick", **every, **common)
    scheduler.add_job(rounds.run, id="delivery", **every, **common)
    scheduler.add_job(health, "interval", seconds=60, next_run_time=_now(), **common)

    listener = Listener(runner.engine, ticks.wake) if install(runner.engine, EVENTS_TABLE) else None
    log.info(
        "service.started",
        interval=config.interval,
        wakes_on_notify=listener is not None,
        config=config.source,
        db=redacted(db, query=False),
    )
    scheduler.start()
    if listener is not None:
        listener.start()
    try:
        stop.wait()
    finally:
        if listener is not None:
            listener.stop()
        scheduler.shutdown(wait=False)
        _leave(ticks, rounds)


def _round(runner: ProjectionRunner, sends: Deliverer) -> Any:
    runner.catch_up()
    return sends.round()


def _leave(*jobs: _Job) -> None:
    """Give a run under way a moment to commit, then go: whatever it had not committed
    is done again after the next start, and sends under way are repeated then."""
    deadline = time.monotonic() + STOP_GRACE
    while any(j.running.is_set() for j in jobs) and time.monotonic() < deadline:
        time.sleep(0.05)
    unfinished = [j.name for j in jobs if j.running.is_set()]
    log.info("service.stopped", left_unfinished=unfinished or None)
    if unfinished:
        sys.stderr.flush()
        os._exit(0)  # the scheduler's worker threads would otherwise be waited for


def _now() -> Any:
    from datetime import UTC, datetime

    return datetime.now(tz=UTC)
