"""The SpotCheck aggregate: one 双随机 draw and what came of it.

A check is drawn once (ledger/sampling.py decides the sample from the frozen candidates and
the seed; the event keeps all of it, so anyone can redo the draw), then each sampled share
gets a finding: pass, or fail with its problems, a deduction and a rectification order with
a due time. The unit reports its rectification, an inspector rechecks it, and the check is
closed once every share has a finding and no rectification is left open.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID, uuid5

from eventsourcing.domain import Aggregate

from ledger.errors import InvalidInput, RuleViolation
from ledger.ids import NAMESPACE
from ledger.sampling import Candidate, Draw
from ledger.sampling import verify as redo

VERDICTS = ("pass", "fail")


def check_id(ref: str) -> UUID:
    """A spot check's id, from its reference (``SC-2017-001``)."""
    return uuid5(NAMESPACE, f"spotcheck/{ref}")


def share_key(task: str, unit: str) -> str:
    return f"{task}\x1f{unit}"


class SpotCheck(Aggregate):
    """``findings[share_key(task, unit)]`` is the latest word on each inspected share."""

    class Drawn(Aggregate.Created):
        ref: str
        plan_id: str
        plan_ref: str
        statuses: list[str]
        candidates: list[list[str]]  # [task, unit, section], as frozen when drawn
        record: dict[str, Any]  # ledger.sampling.Draw.to_dict()
        actor: str

    def __init__(
        self,
        ref: str,
        plan_id: str,
        plan_ref: str,
        statuses: list[str],
        candidates: list[list[str]],
        record: dict[str, Any],
        actor: str,
    ) -> None:
        self.ref, self.plan_id, self.plan_ref = ref, plan_id, plan_ref
        self.statuses = list(statuses)
        self.candidates = [list(c) for c in candidates]
        self.record = dict(record)
        self.findings: dict[str, dict[str, Any]] = {}
        self.closed = False

    @classmethod
    def draw(
        cls,
        *,
        ref: str,
        plan_id: str,
        plan_ref: str,
        statuses: list[str],
        candidates: list[Candidate],
        drawn: Draw,
        actor: str,
        now: datetime,
    ) -> SpotCheck:
        return cls._create(
            cls.Drawn,
            id=check_id(ref),
            timestamp=now,
            ref=ref,
            plan_id=plan_id,
            plan_ref=plan_ref,
            statuses=list(statuses),
            candidates=[[c.task, c.unit, c.section] for c in candidates],
            record=drawn.to_dict(),
            actor=actor,
        )

    # -- what the record says -----------------------------------------------------------

    @property
    def drawn(self) -> Draw:
        return Draw.from_dict(self.record)

    def sample(self) -> list[dict[str, Any]]:
        return list(self.record["sample"])

    def inspectors_of(self, task: str, unit: str) -> list[str]:
        return list(self._assignment(task, unit)["inspectors"])

    def redo(self) -> list[str]:
        """The draw redone from the record: [] if it holds, else what differs."""
        frozen = [Candidate(*c) for c in self.candidates]
        return redo(self.drawn, frozen)

    def open_shares(self) -> list[str]:
        """Sampled shares without a finding, or with a rectification not yet passed."""
        waiting = []
        for a in self.sample():
            finding = self.findings.get(share_key(a["task"], a["unit"]))
            if finding is None:
                waiting.append(f"{a['task']} ({a['unit']}): no finding yet")
            elif finding["verdict"] == "fail" and finding.get("recheck") != "pass":
                waiting.append(f"{a['task']} ({a['unit']}): rectification not yet passed")
        return waiting

    # -- findings -----------------------------------------------------------------------

    class FindingRecorded(Aggregate.Event):
        task: str
        unit: str
        verdict: str
        problems: list[str]
        evidence: list[str]
        deduct: float
        rectify: str  # the order as written ("5个工作日内"), or ""
        rectify_due: datetime | None
        actor: str

        def apply(self, check: SpotCheck) -> None:
            check.findings[share_key(self.task, self.unit)] = {
                "verdict": self.verdict,
                "problems": list(self.problems),
                "evidence": list(self.evidence),
                "deduct": self.deduct,
                "rectify": self.rectify,
                "rectify_due": self.rectify_due,
                "reports": [],
                "recheck": None,
                "recorded_at": self.timestamp,
            }

    def record_finding(
        self,
        *,
        task: str,
        unit: str,
        verdict: str,
        problems: list[str],
        evidence: list[str],
        deduct: float,
        rectify: str,
        rectify_due: datetime | None,
        actor: str,
        now: datetime,
    ) -> None:
        self._open()
        self._assignment(task, unit)
        if verdict not in VERDICTS:
            raise InvalidInput(f"verdict {verdict!r}: use pass or fail", field="verdict")
        if share_key(task, unit) in self.findings:
            raise RuleViolation(
                f"{task} ({unit}) has its finding already; a rectification is rechecked "
                "with `spotcheck recheck`",
                field="task",
            )
        problems = [p for p in problems if p.strip()]
        if verdict == "fail" and not problems:
            raise InvalidInput("a failed finding names its problem", field="problem")
        if not 0 <= deduct <= 100:
            raise InvalidInput(f"deduction {deduct:g}: between 0 and 100 points", field="deduct")
        if verdict == "pass" and (deduct or rectify_due is not None):
            raise InvalidInput(
                "a passed share gets no deduction and no rectification", field="verdict"
            )
        if rectify_due is not None and rectify_due <= now:
            raise InvalidInput(
                f"the rectification would be due {rectify_due.isoformat()}, before it is ordered",
                field="rectify",
            )
        self.trigger_event(
            self.FindingRecorded,
            timestamp=now,
            task=task,
            unit=unit,
            verdict=verdict,
            problems=problems,
            evidence=list(evidence),
            deduct=float(deduct),
            rectify=rectify,
            rectify_due=rectify_due,
            actor=actor,
        )

    class RectificationReported(Aggregate.Event):
        task: str
        unit: str
        note: str
        evidence: list[str]
        actor: str

        def apply(self, check: SpotCheck) -> None:
            finding = check.findings[share_key(self.task, self.unit)]
            finding["reports"].append(
                {"note": self.note, "evidence": list(self.evidence), "at": self.timestamp}
            )

    def report_rectification(
        self, *, task: str, unit: str, note: str, evidence: list[str], actor: str, now: datetime
    ) -> None:
        self._open()
        finding = self._failed(task, unit)
        if finding.get("recheck") == "pass":
            raise RuleViolation(f"{task} ({unit}): its rectification passed its recheck already")
        if not note.strip() and not evidence:
            raise InvalidInput("a rectification report says what was done", field="done")
        self.trigger_event(
            self.RectificationReported,
            timestamp=now,
            task=task,
            unit=unit,
            note=note,
            evidence=list(evidence),
            actor=actor,
        )

    class Rechecked(Aggregate.Event):
        task: str
        unit: str
        verdict: str
        note: str
        actor: str

        def apply(self, check: SpotCheck) -> None:
            check.findings[share_key(self.task, self.unit)]["recheck"] = self.verdict

    def recheck(
        self, *, task: str, unit: str, verdict: str, note: str, actor: str, now: datetime
    ) -> None:
        self._open()
        if verdict not in VERDICTS:
            raise InvalidInput(f"verdict {verdict!r}: use pass or fail", field="verdict")
        finding = self._failed(task, unit)
        if finding.get("recheck") == "pass":
            raise RuleViolation(f"{task} ({unit}) passed its recheck already")
        if not finding["reports"]:
            raise RuleViolation(
                f"{task} ({unit}) has reported no rectification yet: nothing to recheck"
            )
        self.trigger_event(
            self.Rechecked,
            timestamp=now,
            task=task,
            unit=unit,
            verdict=verdict,
            note=note,
            actor=actor,
        )

    class Closed(Aggregate.Event):
        actor: str

        def apply(self, check: SpotCheck) -> None:
            check.closed = True

    def close(self, *, actor: str, now: datetime) -> None:
        self._open()
        waiting = self.open_shares()
        if waiting:
            more = f" (and {len(waiting) - 3} more)" if len(waiting) > 3 else ""
            raise RuleViolation(f"{self.ref} cannot be closed yet: {'; '.join(waiting[:3])}{more}")
        self.trigger_event(self.Closed, timestamp=now, actor=actor)

    # -- guards -------------------------------------------------------------------------

    def _open(self) -> None:
        if self.closed:
            raise RuleViolation(f"{self.ref} is closed")

    def _assignment(self, task: str, unit: str) -> dict[str, Any]:
        for a in self.sample():
            if a["task"] == task and a["unit"] == unit:
                return dict(a)
        raise InvalidInput(f"{task} ({unit}) was not drawn in {self.ref}", field="task")

    def _failed(self, task: str, unit: str) -> dict[str, Any]:
        self._assignment(task, unit)
        finding = self.findings.get(share_key(task, unit))
        if finding is None or finding["verdict"] != "fail":
            raise RuleViolation(f"{task} ({unit}) has no failed finding in {self.ref}")
        return finding
