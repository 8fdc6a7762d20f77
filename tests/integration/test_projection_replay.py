"""Read models: catch-up, interrupted at any batch, equals a rebuild from zero (both stores)."""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from contextlib import AbstractContextManager
from datetime import UTC, date, datetime, timedelta
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from ledger.application import Ledger, PlanMeta, TaskFields
from ledger.errors import LedgerError
from ledger.store import open_ledger
from projections.history import history
from projections.outbox import outbox
from projections.plans import plans
from projections.runner import ProjectionRunner
from projections.sweep import sweep
from projections.task_versions import task_unit_versions, task_versions
from projections.tasks import task_units, tasks
from projections.timers import timers

META = PlanMeta(
    title="要点", issuer="大连市人民政府办公厅", year=2017, doc_no="大政办发〔2017〕70号"
)
UNITS = ["市财政局", "市统计局", "市审计局"]
DEADLINES = ["8月底前", "按季度", "持续推进", "年内不少于5次", "第一时间"]

command = st.one_of(
    st.tuples(st.just("report"), st.integers(1, 4), st.sampled_from(UNITS), st.integers(0, 3)),
    st.tuples(st.just("complete"), st.integers(1, 4), st.sampled_from(UNITS), st.none()),
    st.tuples(st.just("reopen"), st.integers(1, 4), st.none(), st.none()),
    st.tuples(st.just("extend"), st.integers(1, 4), st.none(), st.integers(1, 60)),
    st.tuples(st.just("reassign"), st.integers(1, 4), st.sampled_from(UNITS), st.none()),
    st.tuples(st.just("waive"), st.integers(1, 4), st.none(), st.none()),
    st.tuples(st.just("amend"), st.integers(1, 4), st.sampled_from(DEADLINES), st.none()),
    # The scheduler: the clock jumps ahead by some days and due alerts are raised.
    st.tuples(st.just("sweep"), st.integers(1, 4), st.none(), st.integers(5, 120)),
)


def table(deadlines: dict[int, str]) -> list[TaskFields]:
    return [
        TaskFields(
            row=1 + i,
            code=str(i),
            section="一",
            content=f"任务{i}",
            lead_units=(UNITS[i % 3],),
            co_units=(UNITS[(i + 1) % 3],),
            deadline_text=deadlines.get(i, DEADLINES[i % len(DEADLINES)]),
        )
        for i in range(1, 5)
    ]


def apply(
    ledger: Ledger, step: tuple[Any, ...], deadlines: dict[int, str], clock: list[datetime]
) -> None:
    kind, n, arg, extra = step
    if kind == "sweep":
        clock[0] += timedelta(days=extra)
        sweep(ledger, ProjectionRunner(ledger))
        return
    tid = ledger.resolve_task(f"dalian-2017/{n}")
    task = ledger.get_task(tid)
    unit = task.lead_units[0]
    with contextlib.suppress(LedgerError):  # refused commands are part of the story too
        if kind == "report":
            ledger.report_progress(
                tid, unit=unit, note="进展", quantity=extra, occurred_on=date(2017, 6, 1), actor="a"
            )
        elif kind == "complete":
            ledger.complete(tid, unit=unit, occurred_on=date(2017, 6, 2), actor="a")
        elif kind == "reopen":
            ledger.reopen(tid, reason="退回", actor="s")
        elif kind == "extend":
            base = task.due or datetime(2017, 6, 1, tzinfo=UTC)
            ledger.extend_deadline(
                tid, to=base + timedelta(days=extra), reason="r", approved_by="p", actor="s"
            )
        elif kind == "reassign":
            ledger.reassign(tid, lead_units=[arg], reason="调整", actor="s")
        elif kind == "waive":
            ledger.waive(tid, reason="r", approved_by="p", actor="s")
        elif kind == "amend":
            deadlines[n] = arg
            ledger.import_table(table(deadlines), META, actor="s", source="t", sha256="x")


def snapshot(runner: ProjectionRunner) -> list[list[dict[str, Any]]]:
    with runner.engine.connect() as conn:
        return [
            [dict(r._mapping) for r in conn.execute(select(t).order_by(*t.primary_key.columns))]
            for t in (
                plans,
                tasks,
                task_units,
                task_versions,
                task_unit_versions,
                history,
                timers,
                outbox,
            )
        ]


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    steps=st.lists(command, min_size=1, max_size=25),
    crashes=st.lists(st.integers(1, 7), min_size=1, max_size=6),
    replay_first=st.booleans(),
)
def test_interrupted_catch_up_equals_rebuild(
    new_store: Callable[[], AbstractContextManager[str]],
    steps: list[Any],
    crashes: list[int],
    replay_first: bool,
) -> None:
    """Stopping the runner after any batch and resuming gives the rows a full rebuild gives.

    With ``replay_first`` the read models start empty and the first catch-ups replay the
    ledger in aggregate order, stopped after a few events each time; otherwise every
    event is applied in notification order. The rebuild at the end always replays.
    """
    clock = [datetime(2017, 6, 3, 1, 0, tzinfo=UTC)]
    with new_store() as url:
        ledger = open_ledger(url, clock=lambda: clock[0], create=True)
        runner = ProjectionRunner(ledger)
        runner.create_tables()
        deadlines: dict[int, str] = {}
        ledger.import_table(table(deadlines), META, actor="s", source="t", sha256="x")
        if not replay_first:  # past position 0: from here on events apply one by one
            runner.catch_up(batch_size=1, limit=1, replay=False)
        for i, step in enumerate(steps):
            apply(ledger, step, deadlines, clock)
            if i % 3 == 0:  # a "crash": the runner stops after a few events, mid-stream
                size = crashes[i % len(crashes)]
                runner.catch_up(batch_size=size, limit=size)
        # A fresh runner (a restart) resumes from the committed positions.
        restarted = ProjectionRunner(ledger)
        restarted.catch_up(batch_size=3)
        incremental = snapshot(restarted)
        restarted.rebuild()
        assert snapshot(restarted) == incremental
        ledger.close()
