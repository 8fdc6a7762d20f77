"""A year of activity on generated plans: reports, completions, extensions, reopenings, waivers.

Each task gets a schedule from what its deadline phrase means (``phrases.Intent``): units
report a few times before a fixed due day and each lead unit completes its share, most on
time; recurring duties report every period; ongoing duties report every month or two;
targets ("年内不少于5次") report once per time. A few tasks are extended, reopened after a
rejected completion, or waived. Commands happen on working days in office hours
(transaction time, the clock); reports are often about a day or two earlier (valid time,
``occurred_on``).

Recurring tasks report and complete per period only when the ledger's parser gives the
task periods; the period keys come from that parser, so the commands are accepted
whatever it names them. The other kinds do not depend on the parser.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from functools import lru_cache
from uuid import UUID

from benchmarks import texts
from benchmarks.generate import ZONE, GeneratedPlan, GeneratedTask
from ledger import ids
from ledger.deadlines import parse_deadline


@dataclass(frozen=True, slots=True)
class Command:
    """One thing a unit or supervisor does to a task, at ``at`` (transaction time)."""

    at: datetime
    task_id: UUID
    verb: str  # report | complete | extend | reopen | waive
    unit: str = ""
    occurred_on: date | None = None
    note: str = ""
    evidence: tuple[str, ...] = ()
    quantity: float | None = None
    period: str | None = None
    new_due: datetime | None = None
    reason: str = ""
    actor: str = ""


PeriodOf = Callable[[date], str | None]
_MINUTE = timedelta(minutes=1)


@lru_cache(maxsize=4096)
def _periods(text: str, year: int, issued_on: date, tz: str) -> tuple[tuple[date, date, str], ...]:
    spec = parse_deadline(text, year=year, issued_on=issued_on, tz=tz)
    return tuple((o.start.date(), o.due.date(), o.period) for o in spec.occurrences)


def _period_finder(plan: GeneratedPlan, task: GeneratedTask) -> tuple[PeriodOf, set[str]]:
    """Which of the task's periods (as the parser names them) a day falls in; all keys."""
    meta = plan.meta
    assert meta.issued_on is not None
    spans = _periods(task.fields.deadline_text, meta.year, meta.issued_on, meta.tz)

    def period_of(day: date) -> str | None:
        return next((key for start, due, key in spans if start <= day <= due), None)

    return period_of, {key for _, _, key in spans}


class _Schedule:
    """Builds one task's commands; keeps them in time order as they are added."""

    def __init__(
        self, rng: random.Random, task_id: UUID, task: GeneratedTask, start: date, end: date
    ) -> None:
        self.rng = rng
        self.task_id = task_id
        self.lead = task.fields.lead_units
        self.units = (*task.fields.lead_units, *task.fields.co_units)
        self.start = start
        self.end = end
        self.last = start
        self.last_at: datetime | None = None
        self.out: list[Command] = []

    def day(self, lo: date, hi: date) -> date:
        """A working day in [lo, hi], never before the previous command's day."""
        lo = max(lo, self.last)
        hi = max(hi, lo)
        d = lo + timedelta(days=self.rng.randint(0, (hi - lo).days))
        while d.weekday() >= 5 and d < self.end:  # offices record on working days
            d += timedelta(days=1)
        self.last = d
        return d

    def at(self, d: date) -> datetime:
        """An office-hours instant on ``d``, after this task's previous command."""
        moment = datetime.combine(
            d, time(self.rng.randint(8, 17), self.rng.randint(0, 59), self.rng.randint(0, 59)), ZONE
        )
        if self.last_at is not None and moment <= self.last_at:
            moment = self.last_at + self.rng.randint(1, 30) * _MINUTE
        self.last_at = moment
        return moment

    def unit(self) -> str:
        return self.lead[0] if self.rng.random() < 0.7 else self.rng.choice(self.units)

    def report(self, d: date, *, period: str | None = None, quantity: float | None = None) -> None:
        rng = self.rng
        unit = self.unit()
        occurred = max(self.start, d - timedelta(days=rng.choice((0, 0, 0, 1, 1, 2, 3))))
        evidence: tuple[str, ...] = ()
        if rng.random() < 0.3:
            evidence = (
                f"https://www.example.gov.cn/zwgk/{d:%Y%m}/t{d:%Y%m%d}_"
                f"{rng.randint(100_000, 999_999)}.html",
            )
        self.out.append(
            Command(
                self.at(d),
                self.task_id,
                "report",
                unit=unit,
                occurred_on=occurred,
                note=texts.note(rng),
                evidence=evidence,
                quantity=quantity,
                period=period,
                actor=f"{unit}/联络员",
            )
        )

    def complete(self, d: date, *, period: str | None = None) -> None:
        """Each lead unit completes its own share, the same day."""
        for unit in dict.fromkeys(self.lead):
            evidence = (f"{unit}关于任务完成情况的报告.pdf",)
            self.out.append(
                Command(
                    self.at(d),
                    self.task_id,
                    "complete",
                    unit=unit,
                    occurred_on=d,
                    evidence=evidence,
                    period=period,
                    actor=f"{unit}/联络员",
                )
            )

    def extend(self, d: date, new_due: date) -> None:
        due = datetime.combine(new_due, time(23, 59, 59), ZONE)
        self.out.append(
            Command(
                self.at(d),
                self.task_id,
                "extend",
                new_due=due,
                reason="受客观因素影响，申请延期办理",
                actor="督查室/审核员",
                unit="政府督查室",
            )
        )

    def reopen(self, d: date) -> None:
        self.out.append(
            Command(
                self.at(d),
                self.task_id,
                "reopen",
                reason="佐证材料不全，退回补充",
                actor="督查室/审核员",
            )
        )

    def waive(self, d: date) -> None:
        self.out.append(
            Command(
                self.at(d),
                self.task_id,
                "waive",
                unit="政府督查室",
                reason="因上级政策调整，任务不再执行",
                actor="督查室/审核员",
            )
        )


def _spread(s: _Schedule, n: int, lo: date, hi: date, quantity: float | None = None) -> None:
    """``n`` reports between ``lo`` and ``hi``, in order."""
    for i in range(n):
        step = (hi - lo) / n
        s.report(s.day(lo + step * i, lo + step * (i + 1)), quantity=quantity)


def _fixed(s: _Schedule, due: date) -> None:
    rng = s.rng
    due = max(due, s.start + timedelta(days=14))  # already overdue on import: done soon after
    _spread(s, rng.randint(1, 5), s.start, due - timedelta(days=3))
    r = rng.random()
    if r < 0.07 and due + timedelta(days=30) < s.end:
        new_due = min(due + timedelta(days=rng.randint(30, 90)), s.end)
        s.extend(s.day(due - timedelta(days=5), due), new_due)
        s.report(s.day(due, new_due - timedelta(days=10)))
        if rng.random() < 0.8:
            s.complete(s.day(new_due - timedelta(days=10), new_due))
        return
    if r < 0.11:  # overdue and never completed: a couple more reports after the due day
        _spread(s, rng.randint(1, 2), due, s.end)
        return
    s.complete(s.day(due - timedelta(days=20), due))
    if rng.random() < 0.05 and s.last + timedelta(days=40) < s.end:
        s.reopen(s.day(s.last + timedelta(days=3), s.last + timedelta(days=15)))
        s.report(s.day(s.last + timedelta(days=2), s.last + timedelta(days=10)))
        s.complete(s.day(s.last + timedelta(days=3), s.last + timedelta(days=10)))


def _recurring(s: _Schedule, cadence: int, period_of: PeriodOf, keys: set[str]) -> None:
    rng = s.rng
    done: set[str] = set()
    month = s.start.month
    while month <= 12:
        last_month = min(month + cadence - 1, 12)
        period_end = date(s.end.year, last_month, 1) + timedelta(days=31)
        period_end = period_end.replace(day=1) - timedelta(days=1)
        if period_end > s.end:
            break
        d = s.day(period_end - timedelta(days=8), period_end)
        period = period_of(d)
        s.report(d, period=period)
        if period is not None and period not in done and rng.random() < 0.9:
            s.complete(d, period=period)
            done.add(period)
        month += cadence
    # Completing every period completes the task; otherwise the lead units close it in December.
    if done != keys and rng.random() < 0.85:
        s.complete(s.day(s.end - timedelta(days=10), s.end))


def _ongoing(s: _Schedule) -> None:
    d = s.start
    while True:
        d = d + timedelta(days=s.rng.randint(35, 80))
        if d >= s.end:
            break
        s.report(s.day(d, min(d + timedelta(days=5), s.end)))
    if s.rng.random() < 0.4:
        s.complete(s.day(s.end - timedelta(days=15), s.end))


def _target(s: _Schedule, times: int) -> None:
    # Each report counts one time towards the target.
    _spread(s, times + s.rng.randint(0, 1), s.start, s.end - timedelta(days=20), quantity=1.0)
    if s.rng.random() < 0.9:
        s.complete(s.day(s.last, s.end))


def _none(s: _Schedule) -> None:
    _spread(s, s.rng.randint(1, 3), s.start, s.end - timedelta(days=30))
    if s.rng.random() < 0.5:
        s.complete(s.day(s.last, s.end))


def task_commands(rng: random.Random, plan: GeneratedPlan, task: GeneratedTask) -> list[Command]:
    """The commands one task receives between its import and the end of the plan year."""
    start = plan.imported_at.date() + timedelta(days=1)
    end = date(plan.meta.year, 12, 31)
    s = _Schedule(rng, ids.task_id(plan.plan_id, task.fields.code), task, start, end)
    intent = task.intent
    if rng.random() < 0.01:  # dropped mid-year by the supervisor
        mid = start + timedelta(days=rng.randint(30, max(30, (end - start).days - 60)))
        _spread(s, rng.randint(0, 2), start, mid)
        s.waive(s.day(mid, mid + timedelta(days=5)))
    elif intent.kind in ("fixed", "relative") and intent.due is not None:
        _fixed(s, intent.due)
    elif intent.kind == "recurring" and intent.cadence:
        _recurring(s, intent.cadence, *_period_finder(plan, task))
    elif intent.kind == "target" and intent.times:
        _target(s, intent.times)
    elif intent.kind == "ongoing":
        _ongoing(s)
    else:
        _none(s)
    return s.out


def stream(plans: list[GeneratedPlan], seed: int = 2024) -> list[Command]:
    """Every command on every task of ``plans``, in the order they happen."""
    commands: list[Command] = []
    for i, plan in enumerate(plans):
        rng = random.Random(f"activity:{seed}:{i}")
        for task in plan.tasks:
            commands.extend(task_commands(rng, plan, task))
    commands.sort(key=lambda c: c.at)  # stable: a task's commands at one instant keep order
    return commands
