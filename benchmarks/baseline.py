"""The eventsourcing library's own batched save rate: the yardstick for ``import_table``.

A minimal ``Aggregate`` whose Created event carries the same fields, with the same values,
as a ``Task.Defined`` (strings, unit lists, the parsed deadline dict), created with the
library's defaults (uuid4 id, library clock) and saved with one ``app.save(*aggregates)``
per plan, as ``import_table`` saves one plan per transaction. Same persistence module
(eventsourcing-sqlalchemy), same kind of URL, a fresh store of its own.

What this leaves out is exactly what the ledger adds: deterministic ids, deadline
parsing, the plan aggregate and its reference index, the duplicate-code and rule checks.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any
from uuid import UUID

from eventsourcing.application import Application
from eventsourcing.domain import Aggregate

from benchmarks.generate import GeneratedPlan
from ledger.deadlines import parse_deadline
from ledger.store import parse_url, store_env


class Item(Aggregate):
    """Shaped like a Task at definition: same event fields, no rules."""

    class Created(Aggregate.Created):
        plan_id: UUID
        code: str
        section: str
        content: str
        lead_units: list[str]
        co_units: list[str]
        deadline_text: str
        deadline: dict[str, Any] | None
        row: int
        tz: str
        actor: str

    def __init__(
        self,
        plan_id: UUID,
        code: str,
        section: str,
        content: str,
        lead_units: list[str],
        co_units: list[str],
        deadline_text: str,
        deadline: dict[str, Any] | None,
        row: int,
        tz: str,
        actor: str,
    ) -> None:
        self.plan_id = plan_id
        self.code = code
        self.section = section
        self.content = content
        self.lead_units = lead_units
        self.co_units = co_units
        self.deadline_text = deadline_text
        self.deadline = deadline
        self.row = row
        self.tz = tz
        self.actor = actor


class LibraryBaseline(Application[UUID]):
    name = "LibraryBaseline"

    def close(self) -> None:
        super().close()
        engine = getattr(getattr(self.recorder, "datastore", None), "engine", None)
        if engine is not None:
            engine.dispose()


def payloads(plans: list[GeneratedPlan], actor: str) -> list[list[dict[str, Any]]]:
    """Per plan, the Created kwargs of each task: the values a Task.Defined would carry.

    Built before the clock starts: the deadline is parsed here so the payload is the
    same size and shape, but parsing is the ledger's cost, not the library's.
    """
    out = []
    for plan in plans:
        meta, pid = plan.meta, plan.plan_id
        out.append(
            [
                {
                    "plan_id": pid,
                    "code": r.code,
                    "section": r.section,
                    "content": r.content,
                    "lead_units": list(r.lead_units),
                    "co_units": [u for u in r.co_units if u not in r.lead_units],
                    "deadline_text": r.deadline_text,
                    "deadline": parse_deadline(
                        r.deadline_text, year=meta.year, issued_on=meta.issued_on, tz=meta.tz
                    ).to_dict(),
                    "row": r.row,
                    "tz": meta.tz,
                    "actor": actor,
                }
                for r in plan.rows
            ]
        )
    return out


@dataclass
class BaselineResult:
    aggregates: int
    events: int
    seconds: float

    @property
    def per_s(self) -> float:
        return self.events / self.seconds if self.seconds else 0.0


def run(url: str, batches: list[list[dict[str, Any]]]) -> BaselineResult:
    app = LibraryBaseline(env=store_env(parse_url(url), create=True))
    try:
        n = 0
        start = time.perf_counter()
        for batch in batches:
            items = [Item(**kwargs) for kwargs in batch]
            app.save(*items)
            n += len(items)
        seconds = time.perf_counter() - start
    finally:
        app.close()
    return BaselineResult(n, n, seconds)
