"""Use cases of spot checks (双随机): draw, findings, rectification, recheck, close.

The population is handed in by the caller (the task read model knows each share's status;
the write side keeps no such index) and frozen into the draw's record, so the draw can be
redone from the record alone. Inspectors are registered people: their unit is what recusal
(回避) keeps them away from.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from uuid import UUID
from zoneinfo import ZoneInfo

from eventsourcing.domain import Aggregate

from ledger.adjustments import ScoreAdjustments, adjustments_id
from ledger.app.base import LedgerBase
from ledger.deadlines import parse_deadline
from ledger.deadlines.timing import end_of_day
from ledger.errors import InvalidInput, NotFound
from ledger.plan import Plan
from ledger.sampling import Candidate, Criteria, Draw, DrawError, Inspector, draw, new_seed
from ledger.spotcheck import SpotCheck, check_id

MOST_PER_YEAR = 999  # SC-2017-001 … SC-2017-999


class SpotCheckUseCases(LedgerBase):
    def draw_spot_check(
        self,
        plan_id: UUID,
        *,
        candidates: Sequence[Candidate],
        criteria: Criteria,
        inspectors: Sequence[str],
        statuses: Sequence[str] = (),
        seed: str | None = None,
        actor: str,
    ) -> SpotCheck:
        """Draw shares of ``candidates`` (a plan's shares, as they stand) and their
        inspectors; the record keeps the candidates, the seed (a fresh one from a secure
        source unless given) and the sample. Numbered SC-<plan year>-<NNN>."""
        chosen_seed = seed if seed is not None else new_seed()

        def command(now: datetime) -> list[Aggregate]:
            self.authorize(actor, "draw spot check")
            plan = self.load(Plan, plan_id, what="plan")
            drawn = self._drawn(candidates, criteria, chosen_seed, inspectors)
            check = SpotCheck.draw(
                ref=self._next_ref(plan.year),
                plan_id=str(plan.id),
                plan_ref=plan.ref,
                statuses=list(statuses),
                candidates=list(candidates),
                drawn=drawn,
                actor=actor,
                now=now,
            )
            return [check]

        found: SpotCheck = self._write(command, what="the spot checks")[0]  # type: ignore[assignment]
        return found

    def record_finding(
        self,
        ref: str,
        *,
        task: str,
        unit: str,
        verdict: str,
        problems: Sequence[str] = (),
        evidence: Sequence[str] = (),
        deduct: float = 0.0,
        rectify: str = "",
        rectify_by: date | None = None,
        actor: str,
    ) -> SpotCheck:
        """An inspector's finding on one sampled share; a failed one may order a
        rectification due by ``rectify`` (words the deadline parser reads, counted from
        now on the official calendar) or by the end of ``rectify_by``."""
        if rectify and rectify_by is not None:
            raise InvalidInput(
                "a rectification is due by words or by a day, not both", field="rectify"
            )

        def command(check: SpotCheck, now: datetime) -> None:
            self._inspecting(check, task, unit, actor)
            plan = self.load(Plan, UUID(check.plan_id))
            due = self._rectify_due(rectify, rectify_by, plan, now)
            check.record_finding(
                task=task,
                unit=unit,
                verdict=verdict,
                problems=list(problems),
                evidence=list(evidence),
                deduct=deduct,
                rectify=rectify or (rectify_by.isoformat() if rectify_by else ""),
                rectify_due=due,
                actor=actor,
                now=now,
            )

        return self._change(SpotCheck, self._check(ref), command)

    def report_rectification(
        self,
        ref: str,
        *,
        task: str,
        unit: str | None = None,
        note: str = "",
        evidence: Sequence[str] = (),
        actor: str,
    ) -> SpotCheck:
        """The inspected unit (by default the acting person's) reports what it put right."""
        reporting = self.unit_of(actor, unit)

        def command(check: SpotCheck, now: datetime) -> None:
            self.authorize(actor, "report", [reporting])
            check.report_rectification(
                task=task, unit=reporting, note=note, evidence=list(evidence), actor=actor, now=now
            )

        return self._change(SpotCheck, self._check(ref), command)

    def recheck(
        self, ref: str, *, task: str, unit: str, verdict: str, note: str = "", actor: str
    ) -> SpotCheck:
        def command(check: SpotCheck, now: datetime) -> None:
            self._inspecting(check, task, unit, actor)
            check.recheck(task=task, unit=unit, verdict=verdict, note=note, actor=actor, now=now)

        return self._change(SpotCheck, self._check(ref), command)

    def close_spot_check(self, ref: str, *, actor: str) -> SpotCheck:
        def command(check: SpotCheck, now: datetime) -> None:
            self.authorize(actor, "draw spot check")
            check.close(actor=actor, now=now)

        return self._change(SpotCheck, self._check(ref), command)

    def adjust_score(
        self, plan_id: UUID, *, unit: str, kind: str, count: int = 1, reason: str, actor: str
    ) -> ScoreAdjustments:
        """Record items a superior's notice found against ``unit`` (``notice_item``), or
        a bonus for it, in ``plan_id``'s scores."""

        def command(now: datetime) -> list[Aggregate]:
            self.authorize(actor, "draw spot check")
            plan = self.load(Plan, plan_id, what="plan")
            try:
                found = self.load(ScoreAdjustments, adjustments_id(plan.id))
            except NotFound:
                found = ScoreAdjustments.open(plan.id, now=now)
            found.adjust(unit=unit, kind=kind, count=count, reason=reason, actor=actor, now=now)
            return [found]

        done: ScoreAdjustments = self._write(command, what="the score adjustments")[0]  # type: ignore[assignment]
        return done

    # -- helpers --------------------------------------------------------------------------

    def spot_check(self, ref: str) -> SpotCheck:
        return self.load(SpotCheck, self._check(ref))

    def _check(self, ref: str) -> UUID:
        key = check_id(ref.strip().upper())
        self.load(SpotCheck, key, what=f"spot check {ref!r}")
        return key

    def _next_ref(self, year: int) -> str:
        """The first free number of the year; two draws racing for it: the second save
        fails on the id and runs again (LedgerBase._write), taking the next."""
        for n in range(1, MOST_PER_YEAR + 1):
            ref = f"SC-{year}-{n:03d}"
            try:
                self.load(SpotCheck, check_id(ref))
            except NotFound:
                return ref
        raise InvalidInput(f"{year} has {MOST_PER_YEAR} spot checks already")

    def _drawn(
        self,
        candidates: Sequence[Candidate],
        criteria: Criteria,
        seed: str,
        inspectors: Sequence[str],
    ) -> Draw:
        """The sample and its inspectors; a draw the criteria make impossible is refused."""
        try:
            return draw(candidates, criteria, seed, self._inspectors(inspectors))
        except DrawError as e:
            raise InvalidInput(str(e)) from None

    def _inspectors(self, names: Sequence[str]) -> list[Inspector]:
        people = self.people().people
        crew = []
        for name in dict.fromkeys(n.strip() for n in names if n.strip()):
            if name not in people:
                raise InvalidInput(
                    f"inspector {name} is not a registered person: their unit decides whom "
                    "they may not inspect, so they are registered with it first",
                    field="inspectors",
                )
            crew.append(Inspector(name=name, unit=str(people[name]["unit"])))
        if not crew:
            raise InvalidInput("a draw names its inspectors", field="inspectors")
        return crew

    def _inspecting(self, check: SpotCheck, task: str, unit: str, actor: str) -> None:
        """A share's own inspectors record its findings; otherwise a supervisor."""
        if actor not in check.inspectors_of(task, unit):
            self.authorize(actor, "inspect")

    def _rectify_due(
        self, words: str, by: date | None, plan: Plan, now: datetime
    ) -> datetime | None:
        zone = ZoneInfo(plan.tz)
        if by is not None:
            return end_of_day(by, zone)
        if not words.strip():
            return None
        local = now.astimezone(zone)
        spec = parse_deadline(words, year=local.year, tz=plan.tz, calendar=self.calendar())
        if spec.needs_trigger:
            spec = spec.resolve(local, calendar=self.calendar())
        if spec.due is None:
            raise InvalidInput(
                f"the rectification deadline {words!r} names no due time; give one such as "
                '"5个工作日内", "10月15日前" or --rectify-by D',
                field="rectify",
            )
        return spec.due
