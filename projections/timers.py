"""Read model: the timers the scheduler sweeps — when each reminder or alert falls due.

Timers are a projection of the ledger, never the truth: for every open task they say
when a due-soon reminder (at each warning offset), the overdue alert (at the due time)
and the escalation (N days after) fall due. Completing, waiving or extending a task
recomputes its timers; an ``Alert.Raised`` event marks its timer raised. Dropped and
replayed, they come back the same.

Every uncompleted occurrence of a recurring task gets its overdue timer; the reminders
and the escalation are kept for the operative (first open) occurrence only, so a monthly
duty holds a dozen timers, not fifty.

A rectification a spot check ordered on a task has its timers too (``rectify_soon`` at each
warning offset after the order, ``rectify_overdue`` at its due time, ``rectify_escalate``
after it), the check's reference as their occurrence; a passed recheck takes the pending
ones away.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import UTC, datetime
from typing import Any
from uuid import UUID

from sqlalchemy import (
    BigInteger,
    Column,
    Connection,
    Index,
    String,
    Table,
    bindparam,
    delete,
    select,
    update,
)

from ledger.policy import AlertPolicy, days
from projections import catalog
from projections.base import Lifeline, Projection, Row, epoch, metadata
from projections.events import ALERT, SPOTCHECK, TASK, event_topics, resolve
from projections.reader import batches
from projections.spotchecks import SpotChecksProjection, spot_checks
from projections.task_rows import share_dues
from projections.tasks import TasksProjection, task_states, tasks

timers = Table(
    "rm_timers",
    metadata,
    Column("timer_id", String(36), primary_key=True),  # the alert id it would raise
    Column("task_id", String(36), nullable=False),
    Column("plan_id", String(36), nullable=False),
    Column("occurrence", String(16), nullable=False),
    Column("kind", String(16), nullable=False),
    Column("offset", String(8), nullable=False),
    Column("due", BigInteger, nullable=False),
    Column("fires_at", BigInteger, nullable=False),
    Column("state", String(8), nullable=False),  # "pending", "raised" or "skipped"
    Column("raised_at", BigInteger),
    Index("rm_timers_due", "state", "fires_at"),
    Index("rm_timers_task", "task_id"),
)


def timers_for(row: Row, policy: AlertPolicy) -> list[Row]:
    """The timers a task row implies (pure): for each due its open shares still have to
    meet, the overdue alert; for each share's operative due, its reminders and escalation
    too. Shares with the same due share its timers."""
    if row["phase"] != "todo":
        return []

    operative: dict[tuple[str, int], bool] = {}
    for share in row["shares"].values():
        for i, key in enumerate(share_dues(row, share)):
            operative[key] = operative.get(key, False) or i == 0
    found: list[Row] = []
    for (occurrence, due), first in sorted(operative.items(), key=lambda item: item[0][1]):
        plan = [("overdue", "0", due)]
        if first:
            plan += [("due_soon", days(r), due - int(r.total_seconds())) for r in policy.reminders]
            if policy.escalate_after is not None:
                after = policy.escalate_after
                plan.append(("escalation", days(after), due + int(after.total_seconds())))
        found += _pending(row["task_id"], row["plan_id"], occurrence, due, plan)
    return found


# The task events that can change when a task's timers fall due; reports, extension
# requests and rejections cannot, and reports are most of a year's events.
_MOVES_TIMERS = event_topics(
    TASK,
    "Defined",
    "Amended",
    "Reassigned",
    "SharesAssigned",
    "ShareCompleted",
    "Completed",
    "Reopened",
    "DeadlineExtended",
    "DeadlineSet",
    "ExtensionApproved",
    "DeadlineStarted",
    "DeadlineReevaluated",
    "Waived",
)
_RAISED = event_topics(ALERT, "Raised", "Skipped")  # both decide the timer, once
_ORDERS = event_topics(SPOTCHECK, "FindingRecorded", "Rechecked", "Closed")
RECTIFY = ("rectify_soon", "rectify_overdue", "rectify_escalate")


def rectify_timers(row: Row, policy: AlertPolicy) -> list[Row]:
    """The timers a spot check's row implies (pure): for each failed share whose
    rectification is ordered and not yet passed, its reminders (those after the order)
    and its overdue alert. Shares of one task with the same due share its timers."""
    from ledger.ids import task_id

    if row["closed_at"] is not None:
        return []
    found: dict[str, Row] = {}
    for share in row["sample"]:
        due = share["rectify_due"]
        if share["verdict"] != "fail" or due is None or share["recheck"] == "pass":
            continue
        task = task_id(UUID(row["plan_id"]), share["task"].split("/", 1)[1])
        plan = [("rectify_overdue", "0", due)]
        plan += [
            ("rectify_soon", days(r), due - int(r.total_seconds()))
            for r in policy.reminders
            if due - int(r.total_seconds()) > share["finding_at"]
        ]
        if policy.escalate_after is not None:
            after = policy.escalate_after
            plan.append(("rectify_escalate", days(after), due + int(after.total_seconds())))
        for timer in _pending(str(task), row["plan_id"], row["ref"], due, plan):
            found[timer["timer_id"]] = timer
    return list(found.values())


def _pending(
    task_id: str, plan_id: str, occurrence: str, due: int, plan: list[tuple[str, str, int]]
) -> list[Row]:
    """The pending timer rows of one due: ``plan`` holds (kind, offset, fires_at) each;
    a timer's id is the id of the alert it would raise."""
    from ledger.alert import alert_id  # with the aggregate: only when timers are computed

    instant = datetime.fromtimestamp(due, tz=UTC)
    return [
        {
            "timer_id": str(alert_id(task_id, occurrence, kind, offset, instant)),
            "task_id": task_id,
            "plan_id": plan_id,
            "occurrence": occurrence,
            "kind": kind,
            "offset": offset,
            "due": due,
            "fires_at": fires_at,
            "state": "pending",
            "raised_at": None,
        }
        for kind, offset, fires_at in plan
    ]


class TimersProjection(Projection):
    """Timers follow the task rows (the tasks read model runs first in each batch)."""

    name = "timers"
    topics = (*TasksProjection.topics, *_RAISED, *_ORDERS)

    def __init__(self, policy: AlertPolicy | None = None) -> None:
        self.policy = policy or AlertPolicy()

    @property
    def tables(self) -> tuple[Table, ...]:
        return (timers,)

    def tag(self) -> str:
        return catalog.tag(self.name, self.policy.tag())

    def apply(self, conn: Connection, events: list[Any]) -> None:
        moves, alert_raised = resolve(_MOVES_TIMERS), resolve(_RAISED)
        touched = sorted({str(e.originator_id) for e in events if isinstance(e, moves)})
        for chunk in batches(touched):
            self._recompute(conn, chunk)
        orders = resolve(_ORDERS)
        checks = sorted({str(e.originator_id) for e in events if isinstance(e, orders)})
        if checks:
            self._reorder(conn, checks)
        raised = [e for e in events if isinstance(e, alert_raised)]
        if raised:
            self._mark_raised(conn, raised)

    def _mark_raised(self, conn: Connection, raised: list[Any]) -> None:
        """Mark timers raised; a raised alert whose timer is gone (the task changed since,
        or only this read model is being rebuilt) is recorded from the alert itself."""
        ids = [str(e.originator_id) for e in raised]
        present = set(
            conn.execute(select(timers.c.timer_id).where(timers.c.timer_id.in_(ids))).scalars()
        )
        mark = (
            update(timers)
            .where(timers.c.timer_id == bindparam("key"))
            .values(state=bindparam("state"), raised_at=bindparam("at"))
        )
        marks = [
            {"key": str(e.originator_id), "at": epoch(e.timestamp), "state": _state(e)}
            for e in raised
            if str(e.originator_id) in present
        ]
        if marks:
            conn.execute(mark, marks)
        missing = [_raised(e) for e in raised if str(e.originator_id) not in present]
        if missing:
            conn.execute(timers.insert(), missing)

    def replay(self, life: Lifeline) -> Iterator[tuple[Table, Row]]:
        states = task_states(life)
        if states:
            for timer in timers_for(states[-1], self.policy):
                yield timers, timer
        for _, check in SpotChecksProjection().replay(life):
            for timer in rectify_timers(check, self.policy):
                yield timers, timer
        alert_raised = resolve(_RAISED)
        for event in life.events:
            if isinstance(event, alert_raised):
                yield timers, _raised(event)

    def replay_conflict(self, table: Table) -> str:
        # A task and its alerts are different aggregates, replayed in either order: a
        # decided alert marks its timer, and a pending timer never unmarks one.
        return (
            "ON CONFLICT (timer_id) DO UPDATE SET state = excluded.state, "
            "raised_at = excluded.raised_at WHERE excluded.state <> 'pending'"
        )

    def _recompute(self, conn: Connection, keys: Sequence[str]) -> None:
        rows = [
            dict(r._mapping) for r in conn.execute(select(tasks).where(tasks.c.task_id.in_(keys)))
        ]
        wanted = [t for row in rows for t in timers_for(row, self.policy)]
        _settle(conn, wanted, timers.c.task_id.in_(keys), timers.c.kind.not_in(RECTIFY))

    def _reorder(self, conn: Connection, checks: list[str]) -> None:
        """The rectification timers of spot checks, from their rows (the spot-check read
        model runs first in each batch)."""
        rows = [
            dict(r._mapping)
            for r in conn.execute(select(spot_checks).where(spot_checks.c.check_id.in_(checks)))
        ]
        wanted = [t for row in rows for t in rectify_timers(row, self.policy)]
        refs = [row["ref"] for row in rows]
        _settle(conn, wanted, timers.c.occurrence.in_(refs), timers.c.kind.in_(RECTIFY))


def _settle(conn: Connection, timers_wanted: list[Row], *where: Any) -> None:
    """Make the timers ``where`` selects those wanted: raised ones stay as the record of
    what fired; pending ones no longer implied go; new ones come."""
    wanted = {t["timer_id"]: t for t in timers_wanted}
    existing = {
        r.timer_id: r.state
        for r in conn.execute(select(timers.c.timer_id, timers.c.state).where(*where))
    }
    stale = [t for t, state in existing.items() if state == "pending" and t not in wanted]
    if stale:
        conn.execute(delete(timers).where(timers.c.timer_id.in_(stale)))
    fresh = [t for key, t in wanted.items() if key not in existing]
    if fresh:
        conn.execute(timers.insert(), fresh)


def _state(event: Any) -> str:
    return "skipped" if type(event).__name__ == "Skipped" else "raised"


def _raised(event: Any) -> Row:
    """The timer row of a decided alert, from the alert itself."""
    return {
        "timer_id": str(event.originator_id),
        "task_id": str(event.task_id),
        "plan_id": str(event.plan_id),
        "occurrence": event.occurrence,
        "kind": event.kind,
        "offset": event.offset,
        "due": epoch(event.due),
        "fires_at": epoch(event.fires_at),
        "state": _state(event),
        "raised_at": epoch(event.timestamp),
    }
