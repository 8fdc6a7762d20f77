"""Audit, on SQLite and PostgreSQL: the chain covers every event as it is recorded; any
tampering done with plain SQL (the guard triggers dropped first) makes `audit verify`
fail naming the position; a consistent rewrite of the whole chain fails against a
checkpoint; exports and proofs check out with the standalone procedure, altered ones not."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import create_engine, text
from test_cli import IMPORT, TABLE
from typer.testing import CliRunner

from cli.app import app
from ledger.audit.chain import GENESIS, leaf, link
from ledger.audit.sqlchain import aggregate_id, unguard_statements
from ledger.store import parse_url

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "docs" / "verify_audit.py"


class Store:
    def __init__(self, db: str, tmp: Path) -> None:
        self.db, self.tmp = db, tmp

    def run(self, *args: str, now: str = "2017-09-05T09:00", who: str = "督查室") -> Any:
        return CliRunner().invoke(app, ["--db", self.db, "--as", who, "--now", now, *args])

    def ok(self, *args: str, **kw: str) -> Any:
        result = self.run(*args, **kw)
        assert result.exit_code == 0, result.output
        return result

    def verify(self, *args: str) -> dict[str, Any]:
        result = self.run("--format", "json", "audit", "verify", *args)
        document = json.loads(result.stdout)
        assert result.exit_code == (0 if document["ok"] else 1), result.output
        return dict(document)

    def sql(self, *statements: str, params: dict[str, Any] | None = None) -> list[Any]:
        """Plain SQL behind the ledger's back, the append-only guard dropped first."""
        engine = create_engine(parse_url(self.db).sqlalchemy)
        found: list[Any] = []
        with engine.begin() as conn:
            for statement in unguard_statements(engine.dialect.name):
                conn.execute(text(statement))
            for statement in statements:
                result = conn.execute(text(statement), params or {})
                found = list(result) if result.returns_rows else found
        engine.dispose()
        return found


@pytest.fixture
def store(store_url: str, tmp_path: Path) -> Store:
    """Three tasks imported in June, reports and a completion over the summer."""
    s = Store(store_url, tmp_path)
    path = tmp_path / "dalian.csv"
    path.write_text(TABLE, encoding="utf-8")
    s.ok("init", now="2017-06-01T09:00")
    s.ok("plan", "import", str(path), *IMPORT, now="2017-06-01T09:05")
    report = ["task", "report", "dalian-2017/1", "--unit", "市财政局", "--note", "6月已公开"]
    s.ok(*report, "--on", "2017-06-28", now="2017-07-03T10:00")
    complete = ["task", "complete", "dalian-2017/2", "--unit", "市统计局", "--on", "2017-08-30"]
    s.ok(*complete, now="2017-09-02T10:00", who="李四")
    return s


def test_every_event_is_chained_as_it_is_recorded(store: Store) -> None:
    (events,) = store.sql("SELECT count(*) FROM ledger_events")[0]
    (chained,) = store.sql("SELECT count(*) FROM ledger_chain")[0]
    document = store.verify()
    assert document == {
        "ok": True,
        "events": document["events"],
        "first_bad_seq": None,
        "reason": None,
        "chain_head": document["chain_head"],
    }
    assert document["events"] == events == chained > 5


def test_the_tables_are_append_only_until_the_guards_are_dropped(store: Store) -> None:
    engine = create_engine(parse_url(store.db).sqlalchemy)
    for statement in (
        "UPDATE ledger_events SET topic = topic",
        "DELETE FROM ledger_events WHERE id = 1",
        "DELETE FROM ledger_chain",
        *(["TRUNCATE ledger_events"] if engine.dialect.name == "postgresql" else []),
    ):
        with pytest.raises(Exception, match="append-only"), engine.begin() as conn:
            conn.execute(text(statement))
    engine.dispose()


def middle(store: Store) -> int:
    return int(store.sql("SELECT min(id) + 3 FROM ledger_events")[0][0])


Tamper = Callable[[Store], tuple[int, str]]  # -> (the seq verify must name, its reason)


def change_one_byte(store: Store) -> tuple[int, str]:
    pos = middle(store)
    (state,) = store.sql("SELECT state FROM ledger_events WHERE id = :p", params={"p": pos})[0]
    forged = bytes(state).replace(b'"actor":"', b'"actor":"X', 1)
    store.sql("UPDATE ledger_events SET state = :s WHERE id = :p", params={"s": forged, "p": pos})
    return 4, f"the event at position {pos} was changed after it was recorded"


def delete_one(store: Store) -> tuple[int, str]:
    pos = middle(store)
    store.sql("DELETE FROM ledger_events WHERE id = :p", params={"p": pos})
    return 4, f"the chained event at position {pos} is missing"


def insert_one(store: Store) -> tuple[int, str]:
    (_, oid, version, topic, state) = store.sql(
        "SELECT id, originator_id, originator_version, topic, state FROM ledger_events"
        " WHERE topic LIKE '%Completed' ORDER BY id DESC LIMIT 1"
    )[0]
    (head,) = store.sql("SELECT max(id) FROM ledger_events")[0]
    store.sql(
        "INSERT INTO ledger_events (id, originator_id, originator_version, topic, state)"
        " VALUES (:id, :oid, :v, :t, :s)",
        params={"id": head + 1, "oid": oid, "v": version + 1, "t": topic, "s": state},
    )
    (count,) = store.sql("SELECT count(*) FROM ledger_events")[0]
    return count, f"the event at position {head + 1} is not covered by the chain"


def swap_two(store: Store) -> tuple[int, str]:
    a = middle(store)
    sa, sb = (
        bytes(r[0])
        for r in store.sql(
            "SELECT state FROM ledger_events WHERE id IN (:a, :b) ORDER BY id",
            params={"a": a, "b": a + 1},
        )
    )
    for pos, state in ((a, sb), (a + 1, sa)):
        store.sql(
            "UPDATE ledger_events SET state = :s WHERE id = :p", params={"s": state, "p": pos}
        )
    return 4, f"the event at position {a} was changed after it was recorded"


def truncate_tail(store: Store) -> tuple[int, str]:
    (head, count) = store.sql("SELECT max(id), count(*) FROM ledger_events")[0]
    store.sql("DELETE FROM ledger_events WHERE id > :p", params={"p": head - 2})
    (left,) = store.sql("SELECT max(id) FROM ledger_events")[0]
    return (
        count - 1,
        f"the chained event at position {head - 1 if left < head - 1 else head} is missing",
    )


@pytest.mark.parametrize(
    "tamper", [change_one_byte, delete_one, insert_one, swap_two, truncate_tail]
)
def test_tampering_fails_verification_naming_the_position(store: Store, tamper: Tamper) -> None:
    seq, reason = tamper(store)
    document = store.verify()
    assert (document["ok"], document["first_bad_seq"], document["reason"]) == (False, seq, reason)
    said = store.run("audit", "verify")
    assert said.exit_code == 1 and f"audit failed at event {seq}" in " ".join(said.output.split())


@pytest.mark.parametrize(
    "tamper", [None, change_one_byte, delete_one, insert_one, swap_two, truncate_tail]
)
def test_spans_walked_by_several_processes_agree_with_one_walk(
    store: Store, tamper: Tamper | None, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A large store is verified in spans, one process each: cut this small one into
    spans of two events and three processes find what one walk finds."""
    from projections.queries import audit
    from projections.reader import Reader

    if tamper is not None:
        tamper(store)
    monkeypatch.setattr(audit, "SPAN", 2)
    found = []
    for workers in (1, 3):
        with Reader(parse_url(store.db)) as reader:
            spans = audit._spans(reader, workers)
            verdict = audit.verify_store(reader, workers=workers, sizes=[3])
        found.append((len(spans), verdict.first_bad_seq, verdict.reason, verdict.head))
        found[-1] += (verdict.roots, verdict.heads)
    assert [f[0] for f in found] == [1, 3]
    assert found[0][1:] == found[1][1:]
    assert (found[0][2] is None) == (tamper is None)


def rewrite_the_chain(store: Store) -> None:
    """A forger who changes an event and then recomputes every chain row to match."""
    change_one_byte(store)
    rows = store.sql(
        "SELECT id, originator_id, originator_version, topic, state FROM ledger_events ORDER BY id"
    )
    store.sql("DELETE FROM ledger_chain")
    chain = GENESIS
    for seq, (pos, oid, version, topic, state) in enumerate(rows, start=1):
        hashed = leaf(pos, aggregate_id(oid), version, topic, bytes(state))
        chain = link(chain, hashed)
        store.sql(
            "INSERT INTO ledger_chain (seq, position, leaf, chain) VALUES (:s, :p, :l, :c)",
            params={"s": seq, "p": pos, "l": hashed, "c": chain},
        )


def checkpoint(store: Store, name: str) -> tuple[Path, Path]:
    key = store.tmp / "auditor.key"
    if not key.exists():
        store.ok("audit", "keygen", "-o", str(key))
    out = store.tmp / name
    store.ok("audit", "checkpoint", "-o", str(out), "--key", str(key))
    return out, key.with_name("auditor.key.pub")


def test_a_consistent_rewrite_fails_only_against_a_checkpoint(store: Store) -> None:
    signed, public = checkpoint(store, "2017-09.checkpoint")
    assert store.verify("--checkpoint", str(signed), "--key", str(public))["ok"]
    rewrite_the_chain(store)
    assert store.verify()["ok"]  # the chain alone holds: it was rewritten whole
    document = store.verify("--checkpoint", str(signed), "--key", str(public))
    assert document["ok"] is False
    assert (
        document["reason"]
        == f"the first {document['events']} events are not those the checkpoint signed"
    )


def test_a_checkpoint_signed_by_another_key_is_refused(store: Store, tmp_path: Path) -> None:
    signed, _ = checkpoint(store, "c1")
    store.ok("audit", "keygen", "-o", str(tmp_path / "other.key"))
    refused = store.run(
        "audit", "verify", "--checkpoint", str(signed), "--key", str(tmp_path / "other.key.pub")
    )
    assert refused.exit_code == 1 and "no signature by a known key" in " ".join(
        refused.output.split()
    )


def offline(*args: str) -> subprocess.CompletedProcess[str]:
    """The documented procedure, run with nothing but the standard library."""
    command = [sys.executable, "-I", str(SCRIPT), *args]
    return subprocess.run(command, capture_output=True, text=True, check=False)


def test_exports_and_proofs_check_out_offline_and_altered_ones_do_not(store: Store) -> None:
    first, _ = checkpoint(store, "c1")
    report = ["task", "report", "dalian-2017/3", "--unit", "市国资委", "--note", "已公开"]
    store.ok(*report, now="2017-09-06T09:00")
    second, _ = checkpoint(store, "c2")
    export = store.tmp / "ledger.jsonl"
    store.ok("audit", "export", "-o", str(export))
    assert offline("export", str(export), str(second)).returncode == 0
    assert offline("export", str(export), str(first)).returncode == 0
    lines = export.read_text(encoding="utf-8").splitlines()
    position = json.loads(lines[2])["position"]
    proof = store.tmp / "p.json"
    store.ok("audit", "prove", str(position), "--checkpoint", str(second), "-o", str(proof))
    assert offline("inclusion", str(proof)).stdout.startswith("ok")
    grown = store.tmp / "g.json"
    store.ok("audit", "consistency", str(first), str(second), "-o", str(grown))
    assert offline("consistency", str(grown)).stdout.startswith("ok")
    # Altered: an event's note, a proof's path, the export's order.
    forged = json.loads(proof.read_text(encoding="utf-8"))
    forged["event"]["state"] = forged["event"]["state"].replace("2017", "2016", 1)
    proof.write_text(json.dumps(forged), encoding="utf-8")
    assert offline("inclusion", str(proof)).returncode == 1
    bent = json.loads(grown.read_text(encoding="utf-8"))
    bent["path"][0] = "00" * 32
    grown.write_text(json.dumps(bent), encoding="utf-8")
    assert offline("consistency", str(grown)).returncode == 1
    lines[1], lines[2] = lines[2], lines[1]
    export.write_text("\n".join(lines) + "\n", encoding="utf-8")
    assert "FAILED" in offline("export", str(export)).stdout


def test_the_offline_procedure_needs_no_taizhang_code() -> None:
    imported = [
        line
        for line in SCRIPT.read_text(encoding="utf-8").splitlines()
        if line.startswith("import ")
    ]
    assert sorted(imported) == ["import base64", "import hashlib", "import json", "import sys"]


def test_reads_warn_while_the_store_went_backwards(store: Store) -> None:
    assert "warning" not in store.ok("task", "list").output
    truncate_tail(store)
    said = " ".join(store.ok("task", "list").output.split())
    assert "warning: the store holds events up to position" in said
    assert "run `taizhang audit verify`" in said
    status = store.ok("--format", "json", "projections", "status")
    assert all(row["ahead"] > 0 for row in json.loads(status.stdout))
    assert "read past the ledger's head" in " ".join(status.output.split())


def test_reads_warn_while_the_last_event_was_changed(store: Store) -> None:
    (head,) = store.sql("SELECT max(id) FROM ledger_events")[0]
    (state,) = store.sql("SELECT state FROM ledger_events WHERE id = :p", params={"p": head})[0]
    forged = bytes(state).replace(b"2017", b"2016", 1)
    store.sql("UPDATE ledger_events SET state = :s WHERE id = :p", params={"s": forged, "p": head})
    said = " ".join(store.ok("task", "list").output.split())
    assert f"warning: the event at position {head} was changed after it was recorded" in said


def test_the_audit_log_filters_and_shows_both_times(store: Store) -> None:
    log = json.loads(store.ok("--format", "json", "audit", "log", "--actor", "李四").stdout)
    assert [(e["type"], e["actor"]) for e in log] == [("ShareCompleted", "李四")]
    (done,) = log
    assert done["occurred_on"] == "2017-08-30" and done["recorded_at"].startswith(
        "2017-09-02T10:00"
    )
    assert done["recorded_days_late"] == 3 and done["unit"] == "市统计局"
    task = json.loads(
        store.ok("--format", "json", "audit", "log", "--task", "dalian-2017/1").stdout
    )
    assert [e["type"] for e in task] == ["Defined", "ProgressReported"]
    assert {e["ref"] for e in task} == {"dalian-2017/1"}
    since = json.loads(store.ok("--format", "json", "audit", "log", "--since", "2017-07-01").stdout)
    assert {e["type"] for e in since} == {"ProgressReported", "ShareCompleted"}
    by_type = json.loads(
        store.ok("--format", "json", "audit", "log", "--type", "ProgressReported").stdout
    )
    assert [e["position"] for e in by_type] == [
        e["position"] for e in since if e["type"] == "ProgressReported"
    ]
    unit = json.loads(store.ok("--format", "json", "audit", "log", "--unit", "市统计局").stdout)
    assert {e["type"] for e in unit} >= {"Defined", "ShareCompleted"}


def test_concurrent_writers_leave_one_unbroken_chain(store: Store) -> None:
    """Four processes recording at once (several nodes on one store): every event is
    chained, in the order readers see, and recorded times never go backwards."""
    command = [sys.executable, "-m", "cli", "--db", store.db]
    workers = [
        subprocess.Popen(
            [
                *command,
                "--as",
                f"节点{n}",
                "task",
                "report",
                f"dalian-2017/{1 + n % 3}",
                "--unit",
                ["市财政局", "市统计局", "市国资委"][n % 3],
                "--note",
                f"第{i}次",
            ],
            cwd=ROOT,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        for n in range(4)
        for i in range(3)
    ]
    failed = [w.stderr.read() for w in workers if w.wait(timeout=120) != 0 and w.stderr]
    assert failed == []
    document = store.verify()
    (events,) = store.sql("SELECT count(*) FROM ledger_events")[0]
    assert document["ok"] and document["events"] == events
