"""Spot checks on SQLite and PostgreSQL, through the CLI: a seeded draw is the draw the
algorithm gives over the plan's shares; inspectors never inspect their own unit; a failed
finding orders a rectification counted on the official calendar (across National Day
2026); the unit reports, an inspector rechecks, the check closes; a rebuild gives the same
check; and altering the stored record makes `spotcheck verify` fail."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import create_engine, text
from test_cli import IMPORT, TABLE
from typer.testing import CliRunner

from cli.app import app
from ledger.audit.sqlchain import unguard_statements
from ledger.sampling import Candidate, Criteria, Inspector, draw
from ledger.store import parse_url

SHARES = [  # the shares TABLE gives (its tasks' lead units), as the draw sees them
    Candidate("dalian-2017/1", "市财政局", "一、以政务公开助力稳增长"),
    Candidate("dalian-2017/2", "市统计局", "一、以政务公开助力稳增长"),
    Candidate("dalian-2017/3", "市国资委", "二、以政务公开助力促改革"),
]
CREW = [Inspector("甲", "市财政局"), Inspector("乙", "市统计局"), Inspector("丙", "市督查室")]
CLERKS = {"市财政局": "钱进", "市统计局": "王芳", "市国资委": "赵敏"}


class Store:
    def __init__(self, db: str) -> None:
        self.db = db

    def run(self, *args: str, now: str, who: str = "李主任") -> Any:
        return CliRunner().invoke(app, ["--db", self.db, "--as", who, "--now", now, *args])

    def ok(self, *args: str, now: str, who: str = "李主任") -> Any:
        result = self.run(*args, now=now, who=who)
        assert result.exit_code == 0, result.output
        return result

    def show(self, check: str, now: str) -> dict[str, Any]:
        document: dict[str, Any] = json.loads(
            self.ok("--format", "json", "spotcheck", "show", check, now=now).stdout
        )
        return document


@pytest.fixture
def store(store_url: str, tmp_path: Path) -> Store:
    s = Store(store_url)
    table = tmp_path / "dalian.csv"
    table.write_text(TABLE, encoding="utf-8")
    s.ok("init", now="2026-09-01T09:00")
    s.ok("plan", "import", str(table), *IMPORT, now="2026-09-01T09:05")
    s.ok("person", "add", "李主任", "--unit", "市督查室", "--role", "admin", now="2026-09-01T09:06")
    s.ok(
        "person",
        "add",
        "李主任",
        "--unit",
        "市督查室",
        "--role",
        "supervisor",
        now="2026-09-01T09:06",
    )
    for name, unit in (("甲", "市财政局"), ("乙", "市统计局"), ("丙", "市督查室")):
        s.ok("person", "add", name, "--unit", unit, "--role", "supervisor", now="2026-09-01T09:07")
    for unit, clerk in CLERKS.items():
        s.ok("person", "add", clerk, "--unit", unit, "--role", "clerk", now="2026-09-01T09:07")
    return s


def flat(result: Any) -> str:
    """What a command said, its line breaks (a terminal's wrapping) undone."""
    return " ".join(result.output.split())


def drawn(store: Store, seed: str, now: str) -> dict[str, Any]:
    result = store.ok(
        "--format",
        "json",
        "spotcheck",
        "draw",
        "--plan",
        "dalian-2017",
        "--size",
        "2",
        "--inspectors",
        "甲,乙,丙",
        "--per-task",
        "2",
        "--seed",
        seed,
        now=now,
    )
    document: dict[str, Any] = json.loads(result.stdout)
    return document


def test_a_seeded_draw_is_the_algorithms_and_keeps_recusal(store: Store) -> None:
    first = drawn(store, "2026-秋季", "2026-09-29T09:00")
    expected = draw(SHARES, Criteria(per=None, size=2, per_task=2), "2026-秋季", CREW)
    assert first["id"] == "SC-2017-001" and first["seed"] == "2026-秋季"
    assert first["population_hash"] == expected.population_hash
    assert [(s["task"], s["unit"], s["inspectors"]) for s in first["sample"]] == [
        (a.task, a.unit, list(a.inspectors)) for a in expected.sample
    ]
    units = {c.name: c.unit for c in CREW}
    assert all(units[i] != s["unit"] for s in first["sample"] for i in s["inspectors"])
    again = drawn(store, "another seed", "2026-09-29T09:01")
    other = draw(SHARES, Criteria(per=None, size=2, per_task=2), "another seed", CREW)
    assert again["id"] == "SC-2017-002"
    assert [s["task"] for s in again["sample"]] == [a.task for a in other.sample]
    assert store.ok("spotcheck", "verify", "SC-2017-002", now="2026-09-29T09:02").exit_code == 0


def test_an_unregistered_inspector_or_bad_criteria_write_nothing(store: Store) -> None:
    base = ["spotcheck", "draw", "--plan", "dalian-2017", "--seed", "s"]
    refused = store.run(*base, "--size", "1", "--inspectors", "甲,无名氏", now="2026-09-29T09:00")
    assert refused.exit_code == 1 and "无名氏 is not a registered person" in flat(refused)
    # A refusal says what is missing; the CLI names the option that gives it.
    nobody = store.run(*base, "--size", "1", "--inspectors", " ", now="2026-09-29T09:00")
    assert nobody.exit_code == 1 and "a draw names its inspectors (--inspectors)" in flat(nobody)
    both = store.run(
        *base, "--size", "1", "--ratio", "0.5", "--inspectors", "甲", now="2026-09-29T09:00"
    )
    assert both.exit_code == 1 and "exactly one of ratio and size" in flat(both)
    # Two inspectors per share, but a share of 市财政局 leaves only 乙 and 丙, and of
    # 市统计局 only 甲 and 丙: three per share cannot be found without breaking recusal.
    crew = store.run(
        *base, "--size", "3", "--per-task", "3", "--inspectors", "甲,乙,丙", now="2026-09-29T09:00"
    )
    assert crew.exit_code == 1
    listed = store.ok("--format", "json", "spotcheck", "list", now="2026-09-29T09:01")
    assert json.loads(listed.stdout) == []


def test_a_failed_finding_is_rectified_rechecked_and_closed(store: Store, tmp_path: Path) -> None:
    check = drawn(store, "s-1", "2026-09-29T09:00")
    sample = {s["task"]: s for s in check["sample"]}
    # Each sampled share gets a finding; the one of 市统计局 (task 2) fails, if drawn.
    failing = sample.get("dalian-2017/2") or next(iter(sample.values()))
    for n, s in enumerate(check["sample"]):
        inspector, at = s["inspectors"][0], f"2026-09-30T10:0{n}"
        if s is failing:
            bare = store.run(
                "spotcheck", "record", "SC-2017-001", s["task"], "--unit", s["unit"],
                "--verdict", "fail", now=at, who=inspector,
            )  # fmt: skip
            assert bare.exit_code == 1
            assert "a failed finding names its problem (--problem)" in flat(bare)
            store.ok(
                "spotcheck", "record", "SC-2017-001", s["task"], "--unit", s["unit"],
                "--verdict", "fail", "--problem", "目录未按期更新", "--deduct", "1",
                "--rectify", "5个工作日内", now=at, who=inspector,
            )  # fmt: skip
        else:
            store.ok(
                "spotcheck", "record", "SC-2017-001", s["task"], "--verdict", "pass",
                now=at, who=inspector,
            )  # fmt: skip
    share = {s["task"]: s for s in store.show("SC-2017-001", "2026-09-30T11:00")["sample"]}
    found = share[failing["task"]]
    # 30 Sep 2026 + 5 working days: 1–7 Oct are National Day, 8 Oct ... 9, 10 (a Saturday
    # worked in lieu), 12, 13.
    assert found["rectify_due"] == "2026-10-13T23:59:59+08:00"
    assert (found["state"], found["deduct"], found["problems"]) == (
        "整改中",
        1.0,
        ["目录未按期更新"],
    )
    early = store.run("spotcheck", "close", "SC-2017-001", now="2026-10-09T09:00")
    assert early.exit_code == 1 and "rectification not yet passed" in flat(early)
    nothing = store.run(
        "spotcheck", "recheck", "SC-2017-001", failing["task"], "--unit", failing["unit"],
        "--verdict", "pass", now="2026-10-09T09:00",
    )  # fmt: skip
    assert nothing.exit_code == 1 and "no rectification yet" in flat(nothing)
    store.ok(
        "spotcheck", "rectify", "SC-2017-001", failing["task"],
        "--note", "已更新目录", "--evidence", "https://tjj.example/ml", now="2026-10-10T15:00",
        who=CLERKS[failing["unit"]],
    )  # fmt: skip
    store.ok(
        "spotcheck", "recheck", "SC-2017-001", failing["task"], "--unit", failing["unit"],
        "--verdict", "pass", now="2026-10-12T09:00",
    )  # fmt: skip
    before = store.show("SC-2017-001", "2026-10-12T09:05")
    store.ok("spotcheck", "close", "SC-2017-001", now="2026-10-12T09:10")
    closed = store.show("SC-2017-001", "2026-10-12T09:15")
    assert closed["closed"] and closed["open"] == 0 and before["failed"] == 1
    late = store.run(
        "spotcheck", "record", "SC-2017-001", failing["task"], "--unit", failing["unit"],
        "--verdict", "pass", now="2026-10-12T09:20",
    )  # fmt: skip
    assert late.exit_code == 1 and "is closed" in flat(late)
    scored = scores(store, failing["unit"], "2026-10-12T09:20")
    findings = [d for d in scored["deductions"] if d["kind"] == "failed_finding"]
    (position,) = [
        p
        for p, v in sql(
            store,
            "SELECT id, originator_version FROM ledger_events WHERE topic LIKE '%FindingRecorded'",
        )
        if v == found["finding_version"]
    ]
    assert findings == [
        {
            "points": 1.0,
            "kind": "failed_finding",
            "reason": f"抽查不合格：SC-2017-001 {failing['task']}（目录未按期更新）",
            "aggregate": closed["check_id"],
            "version": found["finding_version"],
            "event_seq": position,
        }
    ]
    assert not [d for d in scored["deductions"] if d["kind"] == "unfinished_rectification"]
    before = scores(store, failing["unit"], "2026-10-12T09:20", "--as-of", "2026-09-30T09:59")
    assert not [d for d in before["deductions"] if d["kind"] == "failed_finding"]
    notice = tmp_path / "抽查结果公示.csv"
    store.ok("spotcheck", "publish", "SC-2017-001", "-o", str(notice), now="2026-10-12T09:25")
    lines = notice.read_text(encoding="utf-8-sig").splitlines()
    assert lines[0] == "序号,抽查任务,被抽查单位,检查结果,发现问题,整改情况"
    assert f"{failing['task']},{failing['unit']},不合格,目录未按期更新,整改合格" in "\n".join(lines)
    assert "随机种子 s-1" in lines[-1] and check["population_hash"] in lines[-1]
    store.ok("projections", "rebuild", now="2026-10-12T09:30")
    assert store.show("SC-2017-001", "2026-10-12T09:35") == closed
    assert scores(store, failing["unit"], "2026-10-12T09:20") == scored


def scores(store: Store, unit: str, now: str, *more: str) -> dict[str, Any]:
    args = ["--format", "json", "score", "--plan", "dalian-2017", "--explain", unit, *more]
    document: dict[str, Any] = json.loads(store.ok(*args, now=now).stdout)
    return document


def sql(store: Store, statement: str) -> list[Any]:
    engine = create_engine(parse_url(store.db).sqlalchemy)
    with engine.connect() as conn:
        found = list(conn.execute(text(statement)))
    engine.dispose()
    return found


def test_an_altered_record_fails_verification(store: Store) -> None:
    drawn(store, "s-2", "2026-09-29T09:00")
    assert store.ok("spotcheck", "verify", "SC-2017-001", now="2026-09-29T09:01")
    engine = create_engine(parse_url(store.db).sqlalchemy)
    with engine.begin() as conn:
        for statement in unguard_statements(engine.dialect.name):
            conn.execute(text(statement))
        (position, state) = conn.execute(
            text("SELECT id, state FROM ledger_events WHERE topic LIKE '%SpotCheck.Drawn'")
        ).one()
        altered = bytes(state).replace("市国资委".encode(), "市国资办".encode())
        assert altered != bytes(state)
        conn.execute(
            text("UPDATE ledger_events SET state = :s WHERE id = :p"), {"s": altered, "p": position}
        )
    engine.dispose()
    said = store.run("spotcheck", "verify", "SC-2017-001", now="2026-09-29T09:02")
    assert said.exit_code == 1 and "population hash differs" in flat(said)


def test_the_scorecard_and_the_notice_open_as_a_leader_reads_them(
    store: Store, tmp_path: Path
) -> None:
    """Score export (XLSX) and the 督查通报 (.docx), opened back: the ranking, each
    deduction with its reason and event, the overdue items by unit, the finding."""
    import docx
    import openpyxl

    check = drawn(store, "s-3", "2026-09-29T09:00")
    share = check["sample"][0]
    store.ok(
        "spotcheck", "record", "SC-2017-001", share["task"], "--unit", share["unit"],
        "--verdict", "fail", "--problem", "栏目未更新", "--deduct", "2",
        now="2026-09-30T10:00", who=share["inspectors"][0],
    )  # fmt: skip
    sheet_path, notice_path = tmp_path / "考核得分.xlsx", tmp_path / "督查通报.docx"
    store.ok(
        "score", "export", "--plan", "dalian-2017", "-o", str(sheet_path), now="2026-10-01T09:00"
    )
    book = openpyxl.load_workbook(sheet_path)
    assert book.sheetnames == ["得分排名", "扣分明细"]
    ranking = list(book["得分排名"].iter_rows(min_row=3, values_only=True))
    assert [r[0] for r in ranking] == sorted(r[0] for r in ranking)
    assert book["得分排名"]["A2"].value == "名次" and book["得分排名"].freeze_panes == "A3"
    details = list(book["扣分明细"].iter_rows(min_row=3, values_only=True))
    finding = [d for d in details if "抽查不合格" in d[2]]
    assert finding == [
        (share["unit"], 2, f"抽查不合格：SC-2017-001 {share['task']}（栏目未更新）", finding[0][3])
    ]
    assert isinstance(finding[0][3], int)
    # Every task of 2017 is long past due in 2026: each lead unit's share is overdue.
    assert {d[0] for d in details if d[2].startswith("逾期未完成")} == {"市财政局", "市统计局"}
    adjust = ["score", "adjust", "--plan", "dalian-2017", "--unit", "市国资委"]
    notice = "省政务公开办通报第3期：国企信息公开不全"
    store.ok(*adjust, "--reason", notice, "--count", "2", now="2026-10-01T09:00")
    store.ok(*adjust, "--bonus", "--reason", "经验被省里推广", now="2026-10-01T09:00")
    refused = store.run(*adjust, "--reason", " ", now="2026-10-01T09:00")
    assert refused.exit_code == 1 and "say why" in flat(refused)
    explained = json.loads(
        store.ok(
            "--format", "json", "score", "--plan", "dalian-2017", "--explain", "市国资委",
            now="2026-10-01T09:05",
        ).stdout
    )  # fmt: skip
    assert (explained["points"], explained["lost"], explained["gained"]) == (99.0, 2.0, 1.0)
    assert [d["reason"] for d in explained["deductions"]] == [
        f"上级通报问题：{notice}",
        "加分：经验被省里推广",
    ]
    before = json.loads(
        store.ok(
            "--format", "json", "score", "--plan", "dalian-2017", "--explain", "市国资委",
            "--as-of", "2026-10-01T08:59", now="2026-10-01T09:05",
        ).stdout
    )  # fmt: skip
    assert before["points"] == 100.0 and before["deductions"] == []
    lenient = tmp_path / "lenient.toml"
    lenient.write_text("[score]\noverdue = 0\nfailed_finding = 0\n", encoding="utf-8")
    against = ["--format", "json", "score", "--plan", "dalian-2017", "--against", str(lenient)]
    moved = {m["unit"]: m for m in json.loads(store.ok(*against, now="2026-10-01T09:00").stdout)}
    assert moved["市统计局"]["points"] == [100.0, 98.0]
    # Its notice items and bonus count under both rules: its points stay, its rank moves.
    assert moved["市国资委"] == {"unit": "市国资委", "points": [99.0, 99.0], "rank": [3, 1]}
    store.ok(
        "report", "notice", "--plan", "dalian-2017", "-o", str(notice_path),
        now="2026-10-01T09:00",
    )  # fmt: skip
    document = docx.Document(str(notice_path))
    headings = [p.text for p in document.paragraphs if p.style.name.startswith("Heading")]
    assert headings == ["一、逾期未完成事项", "二、考核得分排名", "三、抽查发现的问题"]
    overdue, ranks, found = document.tables
    assert {r.cells[0].text for r in overdue.rows[1:]} == {"市财政局", "市统计局"}
    assert [c.text for c in ranks.rows[0].cells] == ["名次", "单位", "得分", "扣分项数"]
    assert [c.text for c in found.rows[1].cells][:5] == [
        "SC-2017-001",
        share["task"],
        share["unit"],
        "栏目未更新",
        "2",
    ]
    assert (
        store.run(
            "report", "notice", "--plan", "dalian-2017", "-o", "x.pdf", now="2026-10-01T09:01"
        ).exit_code
        == 1
    )


def test_the_notice_tells_a_rectification_as_it_stood_then(store: Store, tmp_path: Path) -> None:
    """The findings of a notice as of a past moment, each with its rectification's state
    at that moment, not today's."""
    import docx

    share = drawn(store, "s-3", "2026-09-29T09:00")["sample"][0]
    store.ok(
        "spotcheck", "record", "SC-2017-001", share["task"], "--unit", share["unit"],
        "--verdict", "fail", "--problem", "栏目未更新", "--deduct", "2",
        now="2026-09-30T10:00", who=share["inspectors"][0],
    )  # fmt: skip
    logged = json.loads(
        store.ok(
            "--format", "json", "audit", "log", "--type", "FindingRecorded",
            now="2026-09-30T10:05",
        ).stdout
    )  # fmt: skip
    assert [(e["check"], e["ref"], e["unit"]) for e in logged] == [
        ("SC-2017-001", share["task"], share["unit"])
    ]
    wide = ["--db", store.db, "--now", "2026-09-30T10:05"]
    said = CliRunner().invoke(
        app, [*wide, "audit", "log", "--type", "FindingRecorded"], env={"COLUMNS": "250"}
    )
    assert "check=SC-2017-001" in said.output
    notice_path = tmp_path / "督查通报.docx"
    store.ok(
        "spotcheck", "rectify", "SC-2017-001", share["task"], "--note", "已更新",
        now="2026-10-10T15:00", who=CLERKS[share["unit"]],
    )  # fmt: skip
    store.ok(
        "spotcheck", "recheck", "SC-2017-001", share["task"], "--unit", share["unit"],
        "--verdict", "pass", now="2026-10-12T09:00",
    )  # fmt: skip
    told = {}
    for as_of in ("2026-09-30T09:59", "2026-10-10T14:59", "2026-10-12T08:59", None):
        at = ["--as-of", as_of] if as_of else []
        store.ok(
            "report", "notice", "--plan", "dalian-2017", "-o", str(notice_path), *at,
            now="2026-10-13T09:00",
        )  # fmt: skip
        tables = docx.Document(str(notice_path)).tables
        told[as_of] = [c.text for c in tables[-1].rows[1].cells][5] if len(tables) == 3 else None
    assert told == {
        "2026-09-30T09:59": None,  # no finding yet: no table of findings
        "2026-10-10T14:59": "整改中",
        "2026-10-12T08:59": "待复查",
        None: "整改合格",
    }


def rectify_alerts(store: Store, now: str) -> list[dict[str, Any]]:
    listed = json.loads(store.ok("--format", "json", "alerts", now=now).stdout)
    return [a for a in listed if a["kind"].startswith("rectify")]


def test_a_rectification_past_its_due_raises_one_overdue_alert(store: Store) -> None:
    """The order's due time passes with nothing reported: the sweep raises one
    rectify_overdue alert (its reminders, past their use, are skipped), once, and three
    days later one escalation; a rectification rechecked in time raises nothing."""
    for n, unit in enumerate(CLERKS):
        store.ok("contacts", "add", unit, f"unit{n}@example.gov.cn", now="2026-09-29T08:00")
    check = drawn(store, "s-4", "2026-09-29T09:00")
    first, second = check["sample"]
    for n, share in enumerate((first, second)):
        store.ok(
            "spotcheck", "record", "SC-2017-001", share["task"], "--unit", share["unit"],
            "--verdict", "fail", "--problem", "未公开", "--rectify", "5个工作日内",
            now=f"2026-09-30T10:0{n}", who=share["inspectors"][0],
        )  # fmt: skip
    store.ok(
        "task", "report", second["task"], "--rectification", "SC-2017-001",
        "--note", "已公开", now="2026-10-09T10:00", who=CLERKS[second["unit"]],
    )  # fmt: skip
    store.ok(
        "spotcheck", "recheck", "SC-2017-001", second["task"], "--unit", second["unit"],
        "--verdict", "pass", now="2026-10-09T11:00",
    )  # fmt: skip
    assert rectify_alerts(store, "2026-10-13T23:00") == []
    store.ok("sweep", now="2026-10-14T09:00")
    store.ok("sweep", now="2026-10-14T09:05")
    (alert,) = rectify_alerts(store, "2026-10-14T09:10")
    assert alert["kind"] == "rectify_overdue" and alert["task"] == first["task"]
    assert alert["due"].startswith("2026-10-13T23:59:59")
    shown = json.loads(
        store.ok("--format", "json", "alerts", "show", alert["id"], now="2026-10-14T09:10").stdout
    )
    assert {d["unit"] for d in shown["deliveries"]} == {first["unit"]}  # no one else told
    store.ok("projections", "rebuild", now="2026-10-14T09:15")
    assert rectify_alerts(store, "2026-10-14T09:20") == [alert]
    # Three days later (the configured escalation), still not put right: escalated, once.
    store.ok("sweep", now="2026-10-17T09:00")
    store.ok("sweep", now="2026-10-17T09:05")
    kinds = sorted(a["kind"] for a in rectify_alerts(store, "2026-10-17T09:10"))
    assert kinds == ["rectify_escalate", "rectify_overdue"]
