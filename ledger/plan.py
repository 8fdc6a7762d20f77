"""The Plan aggregate (a work plan and its breakdown table) and its reference index."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any
from uuid import UUID

from eventsourcing.domain import Aggregate

from ledger.errors import InvalidInput

# Plan fields a later import may correct; each correction is one Plan.Amended event.
AMENDABLE = ("title", "issued_on", "tz")


class Plan(Aggregate):
    """A work plan: who issued it, when, and the codes of its tasks in table order."""

    class Registered(Aggregate.Created):
        ref: str
        title: str
        issuer: str
        doc_no: str
        year: int
        issued_on: date | None
        tz: str
        actor: str

    def __init__(
        self,
        ref: str,
        title: str,
        issuer: str,
        doc_no: str,
        year: int,
        issued_on: date | None,
        tz: str,
        actor: str,
    ) -> None:
        self.ref = ref
        self.title = title
        self.issuer = issuer
        self.doc_no = doc_no
        self.year = year
        self.issued_on = issued_on
        self.tz = tz
        self.registered_by = actor
        self.task_codes: list[str] = []
        self.imports = 0

    @classmethod
    def register(
        cls,
        *,
        id: UUID,
        ref: str,
        title: str,
        issuer: str,
        doc_no: str,
        year: int,
        issued_on: date | None,
        tz: str,
        actor: str,
        now: datetime,
    ) -> Plan:
        if not title.strip():
            raise InvalidInput("a plan needs a title", field="title")
        if not issuer.strip():
            raise InvalidInput("a plan needs an issuer", field="issuer")
        if issued_on is not None and issued_on.year not in (year, year - 1, year + 1):
            raise InvalidInput(
                f"the issue date {issued_on.isoformat()} does not fit the plan year {year}",
                field="issued_on",
            )
        return cls._create(
            cls.Registered,
            id=id,
            timestamp=now,
            ref=ref,
            title=title,
            issuer=issuer,
            doc_no=doc_no,
            year=year,
            issued_on=issued_on,
            tz=tz,
            actor=actor,
        )

    class Amended(Aggregate.Event):
        changes: dict[str, Any]
        actor: str

        def apply(self, plan: Plan) -> None:
            for name, value in self.changes.items():
                setattr(plan, name, value)

    def amend(self, changes: dict[str, Any], *, actor: str, now: datetime) -> None:
        changes = {k: v for k, v in changes.items() if k in AMENDABLE and getattr(self, k) != v}
        if changes:
            self.trigger_event(self.Amended, timestamp=now, changes=changes, actor=actor)

    class TableImported(Aggregate.Event):
        """A breakdown table was imported: which file, which tasks it added or amended."""

        source: str
        sha256: str
        rows: int
        added: list[str]
        amended: list[str]
        actor: str

        def apply(self, plan: Plan) -> None:
            plan.task_codes.extend(self.added)
            plan.imports += 1

    def record_import(
        self,
        *,
        source: str,
        sha256: str,
        rows: int,
        added: list[str],
        amended: list[str],
        actor: str,
        now: datetime,
    ) -> None:
        self.trigger_event(
            self.TableImported,
            timestamp=now,
            source=source,
            sha256=sha256,
            rows=rows,
            added=added,
            amended=amended,
            actor=actor,
        )


class PlanRef(Aggregate):
    """Index record: a short reference ("dalian-2017") taken by exactly one plan.

    Its id derives from the reference, so the store's unique constraint refuses a second
    plan that claims the same reference, even from another process at the same moment.
    """

    class Claimed(Aggregate.Created):
        ref: str
        plan_id: UUID

    def __init__(self, ref: str, plan_id: UUID) -> None:
        self.ref = ref
        self.plan_id = plan_id

    @classmethod
    def claim(cls, *, id: UUID, ref: str, plan_id: UUID, now: datetime) -> PlanRef:
        return cls._create(cls.Claimed, id=id, timestamp=now, ref=ref, plan_id=plan_id)
