"""Events stored before shares were kept read as they were, on SQLite and PostgreSQL: a
unit's completion of those days completes every share; a reopening reopens the task; an
extension is not retroactive. Nothing stored is rewritten."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime

from sqlalchemy import create_engine, text

from ledger.application import PlanMeta, TaskFields
from ledger.audit.sqlchain import unguard_statements
from ledger.store import open_ledger, parse_url
from ledger.task import Task
from projections.queries.tasks import task_document
from projections.reader import Reader
from projections.runner import ProjectionRunner

META = PlanMeta(title="要点", issuer="大连市人民政府办公厅", year=2017, doc_no="70号")
ROW = TaskFields(
    row=2,
    code="1",
    section="一",
    content="年内解读重要政策措施",
    lead_units=("市财政局", "市人社局"),
    co_units=(),
    deadline_text="8月底前",
)
NOW = datetime(2017, 9, 1, 1, 0, tzinfo=UTC)
LATER = datetime(2017, 9, 2, 1, 0, tzinfo=UTC)


def as_older_code_stored_it(url: str, topic: str, drop: tuple[str, ...]) -> None:
    """Rewrite the stored state of every ``topic`` event as the code before shares wrote
    it: without the fields added since, and without a class version (version 1). The
    append-only guard is lifted for it and the chain made anew afterwards, as for a store
    recorded before either existed."""
    engine = create_engine(parse_url(url).sqlalchemy)
    with engine.begin() as conn:
        for statement in unguard_statements(engine.dialect.name):
            conn.execute(text(statement))
        conn.execute(text("DELETE FROM ledger_chain"))
        found = conn.execute(
            text("SELECT id, state FROM ledger_events WHERE topic = :t"), {"t": topic}
        ).all()
        assert found, topic
        for key, state in found:
            fields = json.loads(bytes(state))
            for name in (*drop, "class_version"):
                fields.pop(name, None)
            conn.execute(
                text("UPDATE ledger_events SET state = :s WHERE id = :id"),
                {"s": json.dumps(fields).encode(), "id": key},
            )
    engine.dispose()


def test_a_completion_from_before_shares_completes_every_share(store_url: str) -> None:
    clock = [NOW]
    ledger = open_ledger(store_url, clock=lambda: clock[0], create=True)
    ledger.import_table([ROW], META, actor="督查室", source="t", sha256="x")
    tid = ledger.resolve_task("dalian-2017/1")
    # What `task complete --unit 市财政局` recorded then: Task.Completed, naming one unit.
    task = ledger.get_task(tid)
    task.trigger_event(
        Task.Completed,
        timestamp=NOW,
        unit="市财政局",
        occurred_on=date(2017, 8, 30),
        evidence=[],
        period=None,
        actor="财政局小王",
    )
    ledger.save(task)
    clock[0] = LATER
    ledger.reopen(tid, reason="证据不足", actor="督查室")
    ledger.extend_deadline(tid, to=datetime(2017, 9, 30, tzinfo=UTC), reason="r", actor="督查室")
    ledger.close()
    as_older_code_stored_it(store_url, "ledger.task:Task.Reopened", ("unit",))
    as_older_code_stored_it(store_url, "ledger.task:Task.DeadlineExtended", ("retroactive",))

    ledger = open_ledger(store_url, clock=lambda: LATER)
    ledger.prepare_store()  # what `taizhang init` does for a store from before the chain
    task = ledger.get_task(tid)
    assert not task.is_done and task.due == datetime(2017, 9, 30, tzinfo=UTC)
    runner = ProjectionRunner(ledger)
    runner.create_tables()
    runner.catch_up()
    with Reader(parse_url(store_url)) as reader:
        shown = task_document(reader, tid, now=LATER)
        events = {h["type"]: h for h in shown["history"]}
        assert "unit" not in events["Reopened"]  # shown as stored: nothing is rewritten
        assert "retroactive" not in events["DeadlineExtended"]
        assert {s["unit"]: s["status"] for s in shown["shares"]} == {
            "市财政局": "open",
            "市人社局": "open",
        }
        # Before the reopening, as the ledger then knew it, both shares were done.
        then = task_document(reader, tid, now=LATER, as_of=NOW)
        assert then["status"] == "done"
        assert {s["unit"]: s["status"] for s in then["shares"]} == {
            "市财政局": "done",
            "市人社局": "done",
        }
        # The read models say the same as the stored events folded for `task show`.
        phase = reader.value("SELECT phase FROM rm_tasks WHERE task_id = :t", {"t": str(tid)})
        assert phase == "todo"
    ledger.close()
