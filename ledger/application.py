"""The application service: one method per use case (load, command, save).

Persistence is whatever the environment names (eventsourcing-sqlalchemy on a SQLite
file or PostgreSQL, or the library's in-memory store in unit tests). The clock is
injected, so the ledger's own notion of "now" (transaction time) can be moved in
tests and drills.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any, TypeVar
from uuid import UUID

from eventsourcing.application import AggregateNotFoundError, Application
from eventsourcing.domain import Aggregate
from eventsourcing.persistence import IntegrityError, JSONTranscoder, Transcoding

from ledger import ids
from ledger.alert import Alert, alert_id
from ledger.clock import LastInstant, MemoryInstant, Overtaken, SqlInstant
from ledger.deadlines import DeadlineSpec, parse_deadline
from ledger.deadlines.calendar import OfficialCalendar
from ledger.directory import DIRECTORY_ID, Directory
from ledger.errors import Conflict, InvalidInput, NotFound, RuleViolation
from ledger.importing.model import TableRow
from ledger.plan import Plan, PlanRef
from ledger.task import Task
from ledger.workdays import WORKDAYS_ID, Workdays

Clock = Callable[[], datetime]
A = TypeVar("A", bound=Aggregate)

# How often a command is re-run on fresh state after losing a race to another writer.
_CONFLICT_RETRIES = 3
# How far this machine's clock may lag the last recorded instant: within it (several
# nodes whose clocks differ a little) events are recorded at that instant; beyond it the
# clock is wrong and nothing is recorded.
CLOCK_TOLERANCE = timedelta(minutes=5)


def system_clock() -> datetime:
    return datetime.now(tz=UTC)


class DateAsISO(Transcoding):
    """Valid-time days (``occurred_on``, ``issued_on``) travel as ISO dates."""

    type = date
    name = "date_iso"

    def encode(self, obj: date) -> str:
        return obj.isoformat()

    def decode(self, data: str) -> date:
        return date.fromisoformat(data)


@dataclass(frozen=True)
class PlanMeta:
    """What identifies and describes a plan, as given on import."""

    title: str
    issuer: str
    year: int
    doc_no: str = ""
    issued_on: date | None = None
    tz: str = "Asia/Shanghai"
    ref: str | None = None


# A task as a breakdown table states it: the importer's row is the application's input.
TaskFields = TableRow


@dataclass(frozen=True)
class DueAlert:
    """A timer that fell due: what the alert it raises says."""

    task_id: UUID
    plan_id: UUID
    occurrence: str
    kind: str
    offset: str
    due: datetime
    fires_at: datetime
    recipients: list[list[str]] = field(default_factory=list)  # [[unit, channel, address]]

    @property
    def alert_id(self) -> UUID:
        return alert_id(self.task_id, self.occurrence, self.kind, self.offset, self.due)


@dataclass(frozen=True)
class DeliveryOutcome:
    """How one attempt to reach one recipient went; ``next_at`` None after a failure
    means no more attempts."""

    alert: UUID
    channel: str
    address: str
    delivered: bool
    attempts: int  # attempts made, this one included
    error: str = ""
    next_at: datetime | None = None

    def apply(self, alert: Alert, now: datetime) -> None:
        where = {"channel": self.channel, "address": self.address}
        if self.delivered:
            alert.record_delivery(**where, attempts=self.attempts, now=now)
        elif self.next_at is None:
            alert.abandon_delivery(**where, attempts=self.attempts, reason=self.error, now=now)
        else:
            alert.record_failure(**where, error=self.error, next_at=self.next_at, now=now)


@dataclass(frozen=True)
class Raising:
    """What one call to ``raise_alerts`` decided, and when."""

    raised: frozenset[UUID]
    skipped: frozenset[UUID]
    at: datetime

    @classmethod
    def of(cls, alerts: Sequence[Alert], at: datetime) -> Raising:
        raised = frozenset(a.id for a in alerts if not a.skipped)
        return cls(raised, frozenset(a.id for a in alerts if a.skipped), at)


def _decide(due: DueAlert, actor: str, now: datetime) -> Alert:
    """A reminder whose due time has passed is skipped; anything else is raised."""
    fields = dict(vars(due))
    if due.kind == "due_soon" and due.due < now:
        return Alert.skip(**fields, actor=actor, now=now)
    return Alert.raise_(**fields, actor=actor, now=now)


@dataclass
class ImportReport:
    """What an import recorded, or would record on a dry run."""

    plan_id: UUID
    plan_ref: str
    new_plan: bool
    added: list[str] = field(default_factory=list)
    amended: dict[str, dict[str, Any]] = field(default_factory=dict)
    plan_changes: dict[str, Any] = field(default_factory=dict)
    missing: list[str] = field(default_factory=list)
    events: int = 0
    dry_run: bool = False

    @property
    def changed(self) -> bool:
        return self.events > 0


class Ledger(Application[UUID]):
    """The write side of taizhang."""

    name = "Ledger"

    def __init__(
        self,
        env: dict[str, str] | None = None,
        clock: Clock = system_clock,
        *,
        pinned: bool = False,
    ) -> None:
        super().__init__(env)
        self.clock = clock
        self.pinned = pinned  # the clock was set by hand: never moved forward silently
        self.instant: LastInstant = (
            SqlInstant(self.recorder, self.mapper)
            if hasattr(self.recorder, "datastore")
            else MemoryInstant()
        )

    def clock_table(self) -> None:
        """Create the table of the last recorded instant, if the store keeps one."""
        if isinstance(self.instant, SqlInstant):
            self.instant.ensure()

    def close(self) -> None:
        super().close()
        engine = getattr(getattr(self.recorder, "datastore", None), "engine", None)
        if engine is not None:
            engine.dispose()  # return pooled connections now, not at interpreter exit

    def register_transcodings(self, transcoder: JSONTranscoder) -> None:
        super().register_transcodings(transcoder)
        transcoder.register(DateAsISO())

    def now(self) -> datetime:
        """When what a command records is recorded: the clock, never before the last
        recorded instant (see ledger/clock.py)."""
        given = self.clock()
        moment = given.astimezone(UTC)
        last = self.instant.read()
        if last is None or moment >= last:
            return moment
        if self.pinned:
            raise InvalidInput(
                f"the time given, {given.isoformat()}, is before the last recorded instant "
                f"{last.astimezone(given.tzinfo).isoformat()}: recorded times never go backwards"
            )
        if last - moment <= CLOCK_TOLERANCE:
            return last
        raise RuleViolation(
            f"this machine's clock ({moment.isoformat()}) is {last - moment} behind the last "
            f"recorded instant ({last.isoformat()}); set the clock right, then run it again"
        )

    def save(self, *objs: Any, **kwargs: Any) -> Any:
        """Save in one transaction that also moves the last recorded instant forward;
        raises Overtaken when another writer recorded a later instant meanwhile."""
        stamps = [e.timestamp for o in objs if o is not None for e in _pending(o)]
        if not stamps:
            return super().save(*objs, **kwargs)
        with self.instant.guard(max(stamps)):
            return super().save(*objs, **kwargs)

    # -- plans and their tables -------------------------------------------------

    def import_table(
        self,
        rows: Sequence[TaskFields],
        meta: PlanMeta,
        *,
        actor: str,
        source: str,
        sha256: str,
        dry_run: bool = False,
    ) -> ImportReport:
        """Record a breakdown table: new tasks, and amendments to tasks already known.

        All or nothing: the plan, its tasks and the import record are saved in one
        transaction. Importing the same table again records nothing.
        """
        now = self.now()
        plan_id = ids.plan_id(
            issuer=meta.issuer, doc_no=meta.doc_no, title=meta.title, year=meta.year
        )
        plan, claim, report = self._plan_for_import(plan_id, meta, actor=actor, now=now)
        known = set(plan.task_codes)
        pending: list[Aggregate] = [plan] if claim is None else [plan, claim]
        seen: set[str] = set()
        problems: list[str] = []
        read = self._deadline_reader(plan)
        prepared: list[tuple[TaskFields, dict[str, Any]]] = []
        for row in rows:
            if row.code in seen:
                problems.append(f"row {row.row}: code {row.code} appears twice in the table")
            seen.add(row.code)
            fields = self._task_fields(row, plan, read)
            if fields["deadline"]["kind"] == "invalid":
                reason = "; ".join(fields["deadline"]["notes"])
                problems.append(f"row {row.row}: 完成时限 {row.deadline_text!r}: {reason}")
            prepared.append((row, fields))
        if problems:
            raise InvalidInput("the table was not imported:\n" + "\n".join(problems))
        for row, fields in prepared:
            tid = ids.task_id(plan_id, row.code)
            if row.code in known:
                task = self._load(Task, tid)
                changes = task.differences(fields)
                if changes:
                    task.amend(changes, actor=actor, now=now)
                    report.amended[row.code] = changes
                    pending.append(task)
            else:
                task = Task.define(id=tid, plan_id=plan_id, actor=actor, now=now, **fields)
                report.added.append(row.code)
                pending.append(task)
        report.missing = [c for c in plan.task_codes if c not in seen]
        if report.new_plan or report.added or report.amended or report.plan_changes:
            plan.record_import(
                source=source,
                sha256=sha256,
                rows=len(rows),
                added=report.added,
                amended=list(report.amended),
                actor=actor,
                now=now,
            )
        report.events = sum(len(a.pending_events) for a in pending)
        if report.events and not dry_run:
            self._save_or_conflict(pending, what=f"plan {report.plan_ref}")
        report.dry_run = dry_run
        return report

    def _plan_for_import(
        self, plan_id: UUID, meta: PlanMeta, *, actor: str, now: datetime
    ) -> tuple[Plan, PlanRef | None, ImportReport]:
        try:
            plan = self._load(Plan, plan_id)
        except NotFound:
            pass
        else:
            if meta.ref and meta.ref != plan.ref:
                raise InvalidInput(
                    f"plan {plan.ref} is already registered; its reference cannot become {meta.ref}"
                )
            changes: dict[str, Any] = {"title": meta.title, "tz": meta.tz}
            if meta.issued_on is not None:
                changes["issued_on"] = meta.issued_on
            plan.amend(changes, actor=actor, now=now)
            report = ImportReport(plan_id=plan_id, plan_ref=plan.ref, new_plan=False)
            if plan.pending_events:
                report.plan_changes = dict(plan.pending_events[-1].changes)  # type: ignore[attr-defined]
            return plan, None, report
        ref = meta.ref or ids.derive_ref(meta.issuer, meta.year)
        if not ids.valid_ref(ref):
            raise InvalidInput(f"--ref {ref!r}: use lowercase letters, digits and dashes")
        self._guard_ref_free(ref, plan_id)
        plan = Plan.register(
            id=plan_id,
            ref=ref,
            title=meta.title,
            issuer=meta.issuer,
            doc_no=meta.doc_no,
            year=meta.year,
            issued_on=meta.issued_on,
            tz=meta.tz,
            actor=actor,
            now=now,
        )
        claim = PlanRef.claim(id=ids.ref_index_id(ref), ref=ref, plan_id=plan_id, now=now)
        return plan, claim, ImportReport(plan_id=plan_id, plan_ref=ref, new_plan=True)

    def _guard_ref_free(self, ref: str, plan_id: UUID) -> None:
        try:
            taken = self._load(PlanRef, ids.ref_index_id(ref))
        except NotFound:
            return
        if taken.plan_id != plan_id:
            raise InvalidInput(
                f"the reference {ref!r} is taken by another plan; choose one with --ref"
            )

    def _deadline_reader(self, plan: Plan) -> Callable[[str], dict[str, Any]]:
        """Deadline words -> stored spec, for one plan; each distinct phrase is read once.

        A table repeats a few dozen phrases over thousands of rows, and the calendar is
        loaded once per import, not once per row.
        """
        calendar = self.calendar()
        known: dict[str, dict[str, Any]] = {}

        def read(text: str) -> dict[str, Any]:
            if text not in known:
                known[text] = parse_deadline(
                    text, year=plan.year, issued_on=plan.issued_on, tz=plan.tz, calendar=calendar
                ).to_dict()
            return known[text]

        return read

    def _task_fields(
        self, row: TaskFields, plan: Plan, read: Callable[[str], dict[str, Any]]
    ) -> dict[str, Any]:
        return {
            "row": row.row,
            "code": row.code,
            "section": row.section,
            "content": row.content,
            "lead_units": list(row.lead_units),
            "co_units": [u for u in row.co_units if u not in row.lead_units],
            "deadline_text": row.deadline_text,
            "deadline": read(row.deadline_text),
            "tz": plan.tz,
        }

    # -- deadlines and the working-day calendar ---------------------------------------

    def calendar(self) -> OfficialCalendar:
        """The official calendar with every day a supervisor declared."""
        try:
            declared = self._load(Workdays, WORKDAYS_ID).as_dates()
        except NotFound:
            declared = {}
        return OfficialCalendar(overrides=declared)

    def _read_deadline(self, text: str, plan: Plan) -> DeadlineSpec:
        return parse_deadline(
            text, year=plan.year, issued_on=plan.issued_on, tz=plan.tz, calendar=self.calendar()
        )

    def declare_day(self, day: date, *, workday: bool, source: str, actor: str) -> Workdays:
        """Record a working day or holiday from a notice; it wins over the package's data."""
        now = self.now()
        try:
            workdays = self._load(Workdays, WORKDAYS_ID)
        except NotFound:
            workdays = Workdays.open(now=now)
        workdays.declare(day=day, workday=workday, source=source, actor=actor, now=now)
        self._save_or_conflict([workdays], what="the working-day calendar")
        return workdays

    def declared_days(self) -> list[Workdays.DayDeclared]:
        """Every declared day, in the order they were recorded."""
        return [e for e in self.events.get(WORKDAYS_ID) if isinstance(e, Workdays.DayDeclared)]

    def start_deadline(self, task_id: UUID, *, at: datetime, actor: str) -> Task:
        """The trigger of a relative deadline happened at ``at``: count its due time
        (hours from the instant, days from its day)."""
        return self._change(task_id, lambda t, now: self._start(t, at, actor, now))

    def _start(self, task: Task, at: datetime, actor: str, now: datetime) -> None:
        due, provisional = self._count_from(task, at)
        task.start_clock(at=at, due=due, provisional=provisional, actor=actor, now=now)

    def _count_from(self, task: Task, start: datetime) -> tuple[datetime, bool]:
        spec = DeadlineSpec.from_dict(task.deadline or {"text": "", "kind": "none"})
        counted = spec.resolve(start, calendar=self.calendar())
        if counted.due is None:
            raise InvalidInput(f"task {task.code}: its deadline words count from no trigger")
        return counted.due, counted.provisional

    @staticmethod
    def _day_start(task: Task, day: date) -> datetime:
        from zoneinfo import ZoneInfo

        return datetime.combine(day, datetime.min.time(), ZoneInfo(task.tz))

    def set_deadline(self, task_id: UUID, *, to: datetime, reason: str, actor: str) -> Task:
        return self._change(
            task_id, lambda t, now: t.set_deadline(to=to, reason=reason, actor=actor, now=now)
        )

    def reevaluate_deadline(self, task_id: UUID, *, reason: str, actor: str) -> bool:
        """Read a task's deadline words again with today's calendar; record any change."""
        changed = False

        def command(task: Task, now: datetime) -> None:
            nonlocal changed
            spec = self._read_deadline(task.deadline_text, self.get_plan(task.plan_id))
            started_due = (
                self._count_from(task, task.started_at or self._day_start(task, task.started_on))[0]
                if task.started_on
                else None
            )
            changed = task.reevaluate(
                deadline=spec.to_dict(),
                started_due=started_due,
                reason=reason,
                actor=actor,
                now=now,
            )

        self._change(task_id, command)
        return changed

    # -- task use cases ---------------------------------------------------------------

    def report_progress(
        self,
        task_id: UUID,
        *,
        unit: str,
        occurred_on: date | None = None,
        note: str = "",
        evidence: Sequence[str] = (),
        quantity: float | None = None,
        period: str | None = None,
        actor: str,
    ) -> Task:
        def command(t: Task, now: datetime) -> None:
            day = occurred_on or self._today(t, now)
            t.report_progress(
                unit=unit,
                occurred_on=day,
                note=note,
                evidence=list(evidence),
                quantity=quantity,
                period=period,
                actor=actor,
                now=now,
            )
            self._start_if_waiting(t, day, actor, now)

        return self._change(task_id, command)

    def _start_if_waiting(self, task: Task, day: date, actor: str, now: datetime) -> None:
        """A relative deadline waiting for its trigger starts on the first reported day."""
        if task.needs_trigger:
            self._start(task, self._day_start(task, day), actor, now)

    def complete(
        self,
        task_id: UUID,
        *,
        unit: str,
        occurred_on: date | None = None,
        evidence: Sequence[str] = (),
        period: str | None = None,
        actor: str,
    ) -> Task:
        def command(t: Task, now: datetime) -> None:
            day = occurred_on or self._today(t, now)
            self._start_if_waiting(t, day, actor, now)
            t.complete(
                unit=unit,
                occurred_on=day,
                evidence=list(evidence),
                period=period,
                actor=actor,
                now=now,
            )

        return self._change(task_id, command)

    def reopen(self, task_id: UUID, *, reason: str, period: str | None = None, actor: str) -> Task:
        return self._change(
            task_id, lambda t, now: t.reopen(reason=reason, period=period, actor=actor, now=now)
        )

    def extend_deadline(
        self, task_id: UUID, *, to: datetime, reason: str, approved_by: str, actor: str
    ) -> Task:
        return self._change(
            task_id,
            lambda t, now: t.extend_deadline(
                to=to, reason=reason, approved_by=approved_by, actor=actor, now=now
            ),
        )

    def reassign(
        self,
        task_id: UUID,
        *,
        lead_units: Sequence[str],
        co_units: Sequence[str] = (),
        reason: str,
        actor: str,
    ) -> Task:
        return self._change(
            task_id,
            lambda t, now: t.reassign(
                lead_units=list(lead_units),
                co_units=list(co_units),
                reason=reason,
                actor=actor,
                now=now,
            ),
        )

    def waive(self, task_id: UUID, *, reason: str, approved_by: str, actor: str) -> Task:
        return self._change(
            task_id,
            lambda t, now: t.waive(reason=reason, approved_by=approved_by, actor=actor, now=now),
        )

    # -- alerts ----------------------------------------------------------------------

    def raise_alerts(self, due: Sequence[DueAlert], *, actor: str) -> Raising:
        """Decide each alert nobody decided before: raise it, or skip a reminder whose due
        time has passed. Returns what this call decided.

        One batch in one transaction; if any of them was decided meanwhile (another sweep,
        another node), the store refuses the batch and each is tried on its own, so every
        alert is decided exactly once and none is lost.
        """
        for _ in range(_CONFLICT_RETRIES):
            now = self.now()
            alerts = [_decide(d, actor, now) for d in due]
            try:
                if alerts:
                    self.save(*alerts)
            except Overtaken:
                continue
            except IntegrityError:
                decided = [self._decide_one(d, actor) for d in due]
                return Raising.of([a for a in decided if a is not None], now)
            return Raising.of(alerts, now)
        raise Conflict("the alerts could not be recorded: other writers kept recording later")

    def _decide_one(self, due: DueAlert, actor: str) -> Alert | None:
        for _ in range(_CONFLICT_RETRIES):
            alert = _decide(due, actor, self.now())
            try:
                self.save(alert)
            except Overtaken:
                continue
            except IntegrityError:
                return None  # decided already, by someone else: exactly once
            return alert
        return None

    def settle_deliveries(self, outcomes: Sequence[DeliveryOutcome]) -> None:
        """Record how deliveries went, in one transaction: delivered, failed (with when to
        try again), or given up."""

        def command(now: datetime) -> list[Aggregate]:
            alerts = {o.alert: self._load(Alert, o.alert) for o in outcomes}
            for o in outcomes:
                o.apply(alerts[o.alert], now)
            return list(alerts.values())

        self._write(command, what="the alerts' deliveries")

    # -- the directory of contacts ---------------------------------------------------

    def directory(self) -> Directory:
        try:
            return self._load(Directory, DIRECTORY_ID)
        except NotFound:
            return Directory.open(now=self.now())

    def add_contact(self, unit: str, *, channel: str, address: str, actor: str) -> None:
        directory = self.directory()
        directory.add(unit=unit, channel=channel, address=address, actor=actor, now=self.now())
        self._save_or_conflict([directory], what="the directory")

    def remove_contact(self, unit: str, *, channel: str, address: str, actor: str) -> None:
        directory = self.directory()
        directory.remove(unit=unit, channel=channel, address=address, actor=actor, now=self.now())
        self._save_or_conflict([directory], what="the directory")

    # -- lookups ---------------------------------------------------------------------

    def get_plan(self, plan_id: UUID) -> Plan:
        return self._load(Plan, plan_id)

    def get_task(self, task_id: UUID, version: int | None = None) -> Task:
        return self._load(Task, task_id, version=version)

    def task_events(self, task_id: UUID) -> list[Any]:
        """Every event of one task, oldest first (its full history)."""
        events = list(self.events.get(task_id))
        if not events:
            raise NotFound(f"no task with id {task_id}")
        return events

    def resolve_plan(self, ref: str) -> UUID:
        """A plan id from its id or short reference."""
        try:
            candidate = UUID(ref)
        except ValueError:
            return self._load(PlanRef, ids.ref_index_id(ref), what=f"plan {ref!r}").plan_id
        self._load(Plan, candidate, what=f"plan {ref!r}")
        return candidate

    def resolve_task(self, ref: str) -> UUID:
        """A task id from its id or ``PLANREF/CODE``."""
        if "/" in ref:
            plan_ref, code = ref.split("/", 1)
            tid = ids.task_id(self.resolve_plan(plan_ref), code)
            self._load(Task, tid, what=f"task {ref!r}")
            return tid
        try:
            tid = UUID(ref)
        except ValueError:
            raise InvalidInput(
                f"task {ref!r}: give a task id or PLANREF/CODE (e.g. dalian-2017/7)"
            ) from None
        self._load(Task, tid, what=f"task {ref!r}")
        return tid

    # -- plumbing --------------------------------------------------------------------

    def _today(self, task: Task, now: datetime) -> date:
        from zoneinfo import ZoneInfo

        return now.astimezone(ZoneInfo(task.tz)).date()

    def _load(
        self, cls: type[A], aggregate_id: UUID, *, version: int | None = None, what: str = ""
    ) -> A:
        try:
            aggregate: Aggregate = self.repository.get(aggregate_id, version=version)
        except AggregateNotFoundError:
            raise NotFound(f"{what or cls.__name__.lower()} not found") from None
        if not isinstance(aggregate, cls):
            raise NotFound(f"{what or cls.__name__.lower()} not found")
        return aggregate

    def _change(self, task_id: UUID, command: Callable[[Task, datetime], None]) -> Task:
        """Load, command, save a task; see :meth:`_change_aggregate`."""
        return self._change_aggregate(Task, task_id, command, load=self.get_task)

    def _change_aggregate(
        self,
        cls: type[A],
        aggregate_id: UUID,
        command: Callable[[A, datetime], object],
        load: Callable[[UUID], A] | None = None,
    ) -> A:
        """Load, command, save; on a lost race re-run the command on fresh state.

        Re-running (not re-saving) matters: the guards see what the other writer did,
        so a second "complete" is refused instead of silently recorded twice.
        """
        for _ in range(_CONFLICT_RETRIES):
            aggregate = load(aggregate_id) if load else self._load(cls, aggregate_id)
            command(aggregate, self.now())
            try:
                self.save(aggregate)
            except (IntegrityError, Overtaken):
                continue
            return aggregate
        raise Conflict(
            f"{cls.__name__.lower()} {aggregate_id} was changed by someone else "
            f"{_CONFLICT_RETRIES} times while this command ran; try again"
        )

    def _write(
        self, command: Callable[[datetime], Sequence[Aggregate]], *, what: str
    ) -> list[Aggregate]:
        """Run ``command`` at "now" and save what it changed, in one transaction; on a
        lost race (another writer changed the same aggregates, or recorded later) run it
        again on fresh state, so its guards see what the other writer did."""
        for _ in range(_CONFLICT_RETRIES):
            aggregates = list(command(self.now()))
            try:
                self.save(*aggregates)
            except (IntegrityError, Overtaken):
                continue
            return aggregates
        raise Conflict(
            f"{what} changed {_CONFLICT_RETRIES} times while this command ran; run it again"
        )

    def _save_or_conflict(self, aggregates: list[Aggregate], *, what: str) -> None:
        try:
            self.save(*aggregates)
        except (IntegrityError, Overtaken):
            raise Conflict(
                f"{what} was changed by someone else while this command ran; "
                "nothing was written; run it again"
            ) from None


def _pending(obj: Any) -> list[Any]:
    """The events a save would store for ``obj`` (an aggregate, or an event itself)."""
    pending = getattr(obj, "pending_events", None)
    return list(pending) if pending is not None else [obj]
