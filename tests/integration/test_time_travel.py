"""As of the exact second a change was recorded the ledger shows the new version only;
one second earlier the old one only — in every read that travels in time (both stores)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from ledger.application import PlanMeta, TaskFields
from ledger.store import open_ledger
from projections.queries.dashboard import dashboard
from projections.queries.plans import list_plans
from projections.queries.tasks import TaskFilter, list_tasks, task_document
from projections.runner import ProjectionRunner

META = PlanMeta(
    title="要点", issuer="大连市人民政府办公厅", year=2017, doc_no="大政办发〔2017〕70号"
)
T0 = datetime(2017, 6, 1, 1, 0, tzinfo=UTC)
T1 = T0 + timedelta(hours=3)  # the report is recorded at exactly this second


def test_the_second_of_a_change_shows_the_new_version_only(store_url: str) -> None:
    clock = [T0]
    ledger = open_ledger(store_url, clock=lambda: clock[0], create=True)
    rows = [TaskFields(1, "1", "一", "公开预算。", ("市财政局",), ("市统计局",), "8月底前")]
    ledger.import_table(rows, META, actor="s", source="t", sha256="x")
    tid = ledger.resolve_task("dalian-2017/1")
    clock[0] = T1
    ledger.report_progress(tid, unit="市财政局", note="已公开", actor="a")
    ledger.reassign(tid, lead_units=["市审计局"], reason="调整", actor="s")
    runner = ProjectionRunner(ledger)
    runner.create_tables()
    runner.catch_up()
    with runner.reader() as reader:

        def seen(at: datetime, **where: Any) -> list[Any]:
            found = list_tasks(reader, now=T1, as_of=at, where=TaskFilter(**where))
            return [(v.row["reports"], v.row["lead_units"]) for v in found]

        assert seen(T1) == [(1, ["市审计局"])]
        assert seen(T1 - timedelta(seconds=1)) == [(0, ["市财政局"])]
        assert seen(T1, unit="市财政局") == [] and seen(T1, unit="市审计局") == [(1, ["市审计局"])]
        assert seen(T1 - timedelta(seconds=1), unit="市财政局") == [(0, ["市财政局"])]
        for by in ("unit", "section", "plan"):
            for plan_id in (None, str(ledger.get_task(tid).plan_id)):
                now = dashboard(reader, now=T1, as_of=T1, by=by, plan_id=plan_id)
                assert sum(r["total"] for r in now) == 1, by  # one task, one unit now
        then = dashboard(reader, now=T1, as_of=T1 - timedelta(seconds=1), by="unit")
        assert sorted(r["key"] for r in then) == sorted(["市统计局", "市财政局"])
        assert [p["ref"] for p in list_plans(reader, as_of=T0)] == ["dalian-2017"]
        assert list_plans(reader, as_of=T0 - timedelta(seconds=1)) == []
        shown = task_document(reader, tid, now=T1, as_of=T1 - timedelta(seconds=1))
        assert [h["type"] for h in shown["history"]] == ["Defined"]
    ledger.close()
