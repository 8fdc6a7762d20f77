"""Applies the activity stream to a ledger, with a clock the benchmark moves through the year.

Both ways call the application's use-case methods (``Ledger.report_progress``,
``complete``, ``extend_deadline``, ``reopen``, ``waive``) with an injected clock:

* ``per_command``: one load-command-save transaction per command, as the CLI and a
  service node do.
* ``batched``: the same calls on a :class:`~benchmarks.batching.BatchingLedger`, whose
  writes within a batch of commands go out in one save. Far fewer transactions (each a
  WAL fsync on SQLite, a round trip and a table lock on PostgreSQL); each task is loaded
  once per batch. The notification log then holds a task's events of one batch together
  rather than strictly interleaved by time; nothing in the ledger depends on that order.

A command the ledger refuses (a rule or input guard) is counted, not fatal: the stream is
built without knowing every rule of the ledger at the time of the run, and a handful of
refusals must not sink a benchmark. The first few messages are kept.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from datetime import datetime

from benchmarks.activity import Command
from benchmarks.batching import BatchingLedger
from benchmarks.stores import stored_events
from ledger.application import Ledger
from ledger.errors import InvalidInput, RuleViolation

# What a refused command raises; anything else (a bug, a lost connection) stops the run.
REFUSALS = (InvalidInput, RuleViolation)


class SimClock:
    """The ledger's "now", set by the benchmark (the ``clock`` argument of open_ledger)."""

    def __init__(self, at: datetime) -> None:
        self.at = at

    def __call__(self) -> datetime:
        return self.at


@dataclass
class DriveResult:
    mode: str
    commands: int = 0
    events: int = 0
    transactions: int = 0
    refused: int = 0
    seconds: float = 0.0
    samples: list[str] = field(default_factory=list)

    def refuse(self, cmd: Command, err: Exception) -> None:
        self.refused += 1
        if len(self.samples) < 5:
            self.samples.append(f"{cmd.verb} at {cmd.at:%Y-%m-%d}: {err}")

    @property
    def events_per_s(self) -> float:
        return self.events / self.seconds if self.seconds else 0.0


def _via_ledger(ledger: Ledger, c: Command) -> None:
    tid = c.task_id
    if c.verb == "report":
        ledger.report_progress(
            tid,
            unit=c.unit,
            occurred_on=c.occurred_on,
            note=c.note,
            evidence=c.evidence,
            quantity=c.quantity,
            period=c.period,
            actor=c.actor,
        )
    elif c.verb == "complete":
        ledger.complete(
            tid,
            unit=c.unit,
            occurred_on=c.occurred_on,
            evidence=c.evidence,
            period=c.period,
            actor=c.actor,
        )
    elif c.verb == "extend":
        assert c.new_due is not None
        ledger.extend_deadline(
            tid, to=c.new_due, reason=c.reason, approved_by=c.unit, actor=c.actor
        )
    elif c.verb == "reopen":
        ledger.reopen(tid, reason=c.reason, period=c.period, actor=c.actor)
    elif c.verb == "waive":
        ledger.waive(tid, reason=c.reason, approved_by=c.unit, actor=c.actor)
    else:
        raise ValueError(f"unknown verb {c.verb}")


def per_command(ledger: Ledger, clock: SimClock, commands: list[Command]) -> DriveResult:
    result = DriveResult("per-command")
    before = stored_events(ledger)  # a use case may record more than one event
    start = time.perf_counter()
    for c in commands:
        clock.at = c.at
        try:
            _via_ledger(ledger, c)
        except REFUSALS as err:
            result.refuse(c, err)
            continue
        result.transactions += 1
    result.seconds = time.perf_counter() - start
    result.commands = len(commands)
    result.events = stored_events(ledger) - before
    return result


def batched(
    ledger: BatchingLedger, clock: SimClock, commands: list[Command], size: int
) -> DriveResult:
    result = DriveResult(f"batched ({size} commands/save)")
    start = time.perf_counter()
    for i in range(0, len(commands), size):
        with ledger.batch():
            for c in commands[i : i + size]:
                clock.at = c.at
                try:
                    _via_ledger(ledger, c)
                except REFUSALS as err:
                    result.refuse(c, err)
        result.events += ledger.last_batch_events
        result.transactions += 1
    result.seconds = time.perf_counter() - start
    result.commands = len(commands)
    return result
