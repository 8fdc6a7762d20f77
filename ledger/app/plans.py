"""Use cases of plans: importing a breakdown table, and finding plans and tasks by reference."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from typing import Any
from uuid import UUID

from eventsourcing.domain import Aggregate

from ledger import ids
from ledger.app.answering import Answering
from ledger.deadlines import parse_deadline
from ledger.directory import Directory
from ledger.errors import InvalidInput, NotFound
from ledger.importing.model import TableRow
from ledger.plan import Plan, PlanRef
from ledger.task import Task


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

    @property
    def plan_id(self) -> UUID:
        return ids.plan_id(issuer=self.issuer, doc_no=self.doc_no, title=self.title, year=self.year)


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
    # Names the directory had not seen, each with the known name most like it (or None).
    new_units: dict[str, str | None] = field(default_factory=dict)
    events: int = 0
    dry_run: bool = False

    @property
    def changed(self) -> bool:
        return self.events > 0


class PlanUseCases(Answering):
    def import_table(
        self,
        rows: Sequence[TableRow],
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
        reports: list[ImportReport] = []

        def command(now: datetime) -> list[Aggregate]:
            self.authorize(actor, "import plan")
            changed, report = self._imported(rows, meta, source, sha256, actor=actor, now=now)
            reports[:] = [replace(report, dry_run=dry_run)]  # a lost race runs it again
            return [] if dry_run else changed

        self._write(command, what=f"plan {meta.title}")
        return reports[0]

    def _imported(
        self,
        rows: Sequence[TableRow],
        meta: PlanMeta,
        source: str,
        sha256: str,
        *,
        actor: str,
        now: datetime,
    ) -> tuple[list[Aggregate], ImportReport]:
        """What the table changes (the plan, its reference, its tasks, the directory), and
        the report of it."""
        plan, claim, report = self._plan_for_import(meta, actor=actor, now=now)
        directory = self.directory()
        tasks = self._tasks_for_import(plan, rows, report, directory, actor=actor, now=now)
        self._record_import(plan, report, rows, source, sha256, actor, now)
        changed = [plan, *([claim] if claim else []), *tasks, directory]
        report.events = sum(len(a.pending_events) for a in changed)
        return changed, report

    def _plan_for_import(
        self, meta: PlanMeta, *, actor: str, now: datetime
    ) -> tuple[Plan, PlanRef | None, ImportReport]:
        """The plan, amended to the table's facts, or registered with its reference."""
        try:
            plan = self.load(Plan, meta.plan_id)
        except NotFound:
            return self._register(meta, actor=actor, now=now)
        if meta.ref and meta.ref != plan.ref:
            raise InvalidInput(
                f"plan {plan.ref} is already registered; its reference cannot become {meta.ref}",
                field="ref",
            )
        changes: dict[str, Any] = {"title": meta.title, "tz": meta.tz}
        if meta.issued_on is not None:
            changes["issued_on"] = meta.issued_on
        plan.amend(changes, actor=actor, now=now)
        report = ImportReport(plan_id=plan.id, plan_ref=plan.ref, new_plan=False)
        if plan.pending_events:
            report.plan_changes = dict(plan.pending_events[-1].changes)  # type: ignore[attr-defined]
        return plan, None, report

    def _register(
        self, meta: PlanMeta, *, actor: str, now: datetime
    ) -> tuple[Plan, PlanRef, ImportReport]:
        ref = meta.ref or ids.derive_ref(meta.issuer, meta.year)
        if not ids.valid_ref(ref):
            raise InvalidInput(
                f"the reference {ref!r}: use lowercase letters, digits and dashes", field="ref"
            )
        try:
            taken = self.load(PlanRef, ids.ref_index_id(ref))
        except NotFound:
            taken = None
        if taken is not None and taken.plan_id != meta.plan_id:
            raise InvalidInput(
                f"the reference {ref!r} is taken by another plan; choose another", field="ref"
            )
        fields = {k: v for k, v in vars(meta).items() if k != "ref"}
        plan = Plan.register(id=meta.plan_id, ref=ref, actor=actor, now=now, **fields)
        claim = PlanRef.claim(id=ids.ref_index_id(ref), ref=ref, plan_id=plan.id, now=now)
        return plan, claim, ImportReport(plan_id=plan.id, plan_ref=ref, new_plan=True)

    def _tasks_for_import(
        self,
        plan: Plan,
        rows: Sequence[TableRow],
        report: ImportReport,
        directory: Directory,
        *,
        actor: str,
        now: datetime,
    ) -> list[Task]:
        """New tasks, and known ones amended; refused whole if any row is impossible.
        Names the directory has not seen are registered as they are, never merged."""
        prepared = self._prepared(plan, rows)
        names = [u for row, _ in prepared for u in (*row.lead_units, *row.co_units)]
        unseen = [u for u in dict.fromkeys(names) if not directory.knows(u)]
        report.new_units = directory.closest(unseen)
        directory.register(units=unseen, source=plan.ref, actor=actor, now=now)
        known = set(plan.task_codes)
        changed: list[Task] = []
        for row, fields in prepared:
            tid = ids.task_id(plan.id, row.code)
            if row.code not in known:
                task = Task.define(id=tid, now=now, plan_id=plan.id, actor=actor, **fields)
                report.added.append(row.code)
            else:
                task = self.load(Task, tid)
                changes = task.differences(fields)
                if not changes.keys() - {"row"}:
                    # A row that only moved (the same table laid out again, under a title
                    # row, say) changes nothing a task is: re-importing records nothing.
                    continue
                task.amend(changes, actor=actor, now=now)
                report.amended[row.code] = changes
            self.assign(
                task, reason="导入", actor=actor, now=now, directory=directory, issuer=plan.issuer
            )
            changed.append(task)
        seen = {row.code for row in rows}
        report.missing = [c for c in plan.task_codes if c not in seen]
        return changed

    def _prepared(
        self, plan: Plan, rows: Sequence[TableRow]
    ) -> list[tuple[TableRow, dict[str, Any]]]:
        """Each row with its task's fields, its deadline words read; every problem named."""
        read = self._deadline_reader(plan)
        problems: list[str] = []
        seen: set[str] = set()
        prepared = []
        for row in rows:
            if row.code in seen:
                problems.append(f"row {row.row}: code {row.code} appears twice in the table")
            seen.add(row.code)
            deadline = read(row.deadline_text)
            if deadline["kind"] == "invalid":
                reason = "; ".join(deadline["notes"])
                problems.append(f"row {row.row}: 完成时限 {row.deadline_text!r}: {reason}")
            fields = {
                "row": row.row,
                "code": row.code,
                "section": row.section,
                "content": row.content,
                "lead_units": list(row.lead_units),
                "co_units": [u for u in row.co_units if u not in row.lead_units],
                "deadline_text": row.deadline_text,
                "deadline": deadline,
                "tz": plan.tz,
            }
            prepared.append((row, fields))
        if problems:
            raise InvalidInput("the table was not imported:\n" + "\n".join(problems))
        return prepared

    def _deadline_reader(self, plan: Plan) -> Callable[[str], dict[str, Any]]:
        """Deadline words -> stored spec, for one plan; each distinct phrase read once
        (a table repeats a few dozen phrases over thousands of rows)."""
        calendar = self.calendar()
        known: dict[str, dict[str, Any]] = {}

        def read(text: str) -> dict[str, Any]:
            if text not in known:
                known[text] = parse_deadline(
                    text, year=plan.year, issued_on=plan.issued_on, tz=plan.tz, calendar=calendar
                ).to_dict()
            return known[text]

        return read

    @staticmethod
    def _record_import(
        plan: Plan,
        report: ImportReport,
        rows: Sequence[TableRow],
        source: str,
        sha256: str,
        actor: str,
        now: datetime,
    ) -> None:
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

    # -- lookups ---------------------------------------------------------------------

    def get_plan(self, plan_id: UUID) -> Plan:
        return self.load(Plan, plan_id)

    def get_task(self, task_id: UUID) -> Task:
        return self.load(Task, task_id)

    def resolve_plan(self, ref: str) -> UUID:
        """A plan id from its id or short reference (the plan's own reference index)."""
        parsed = ids.parse_plan_ref(ref)
        if isinstance(parsed, UUID):
            return self.load(Plan, parsed, what=f"plan {ref!r}").id
        return self.load(PlanRef, ids.ref_index_id(parsed), what=f"plan {ref!r}").plan_id

    def resolve_task(self, ref: str) -> UUID:
        """A task id from its id or ``PLANREF/CODE``."""
        parsed = ids.parse_task_ref(ref)
        tid = (
            parsed
            if isinstance(parsed, UUID)
            else ids.task_id(self.resolve_plan(parsed[0]), parsed[1])
        )
        return self.load(Task, tid, what=f"task {ref!r}").id
