"""The command line as scripts use it: exit codes, JSON shapes, nothing written on errors."""

from __future__ import annotations

import csv
import hashlib
import json
from datetime import date, datetime
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from cli.app import app

HEADER = "序号,项目,工作任务,牵头单位,配合单位,完成时限\n"
TABLE = HEADER + (
    "1,一、以政务公开助力稳增长,市财政局网站要按月公开财政收支情况。,市财政局,,11月底前\n"
    "2,一、以政务公开助力稳增长,定期召开全市经济运行情况新闻发布会。,市统计局,市财政局,8月底前\n"
    "3,二、以政务公开助力促改革,公开市属国有企业信息。,市国资委,,持续推进\n"
)
IMPORT = [
    "--title",
    "大连市2017年政务公开工作要点",
    "--issuer",
    "大连市人民政府办公厅",
    "--doc-no",
    "大政办发〔2017〕70号",
    "--issued-on",
    "2017-05-26",
]


@pytest.fixture
def run(tmp_path: Path) -> Any:
    db = f"sqlite:///{tmp_path / 'cli.db'}"

    def invoke(*args: str, now: str = "2017-06-01T09:00") -> Any:
        return CliRunner().invoke(app, ["--db", db, "--as", "督查室", "--now", now, *args])

    return invoke


@pytest.fixture
def table(tmp_path: Path) -> Path:
    path = tmp_path / "dalian.csv"
    path.write_text(TABLE, encoding="utf-8")
    return path


def imported(run: Any, table: Path) -> None:
    """A store with the three-task table in it."""
    assert run("init").exit_code == 0
    assert run("plan", "import", str(table), *IMPORT).exit_code == 0


def completed_late(run: Any, table: Path) -> None:
    """Task 2 completed on 30 August, recorded on 2 September."""
    imported(run, table)
    done = run(
        "task",
        "complete",
        "dalian-2017/2",
        "--unit",
        "市统计局",
        "--on",
        "2017-08-30",
        now="2017-09-02T10:00",
    )
    assert done.exit_code == 0, done.output


def as_json(run: Any, *args: str, now: str = "2017-09-05") -> Any:
    """A read command's JSON document, asked on 5 September 2017."""
    return json.loads(run("--format", "json", *args, now=now).stdout)


def db_digest(tmp_path: Path) -> str:
    return hashlib.sha256((tmp_path / "cli.db").read_bytes()).hexdigest()


def test_import_then_list_as_json(run: Any, table: Path) -> None:
    """The task list JSON has the contract's fields and statuses at the pinned clock."""
    assert run("init").exit_code == 0
    result = run("plan", "import", str(table), *IMPORT)
    assert result.exit_code == 0, result.output
    listed = run(
        "--format", "json", "task", "list", "--plan", "dalian-2017", now="2017-09-01T09:00"
    )
    tasks = json.loads(listed.stdout)
    assert [t["ref"] for t in tasks] == ["dalian-2017/1", "dalian-2017/2", "dalian-2017/3"]
    first = tasks[0]
    for key in (
        "id",
        "ref",
        "plan",
        "code",
        "title",
        "lead_units",
        "co_units",
        "deadline_text",
        "due",
        "status",
        "progress",
        "light",
    ):
        assert key in first
    assert first["due"] == "2017-11-30T23:59:59+08:00"
    assert [t["status"] for t in tasks] == ["open", "overdue", "no_deadline"]
    assert [t["light"] for t in tasks] == ["green", "red", "green"]


def test_reimport_changes_nothing(run: Any, table: Path) -> None:
    """Importing the same table twice reports zero events the second time."""
    imported(run, table)
    again = run("--format", "json", "plan", "import", str(table), *IMPORT)
    assert again.exit_code == 0
    assert json.loads(again.stdout)["events"] == 0


def test_report_complete_and_show_history(run: Any, table: Path) -> None:
    """task show lists who did what, when it happened and when it was recorded."""
    imported(run, table)
    ok = run(
        "task",
        "report",
        "dalian-2017/2",
        "--unit",
        "市财政局",
        "--note",
        "发布会已召开",
        "--evidence",
        "https://example.org/a",
        "--on",
        "2017-08-30",
        now="2017-09-02T10:00",
    )
    assert ok.exit_code == 0, ok.output
    done = run(
        "task",
        "complete",
        "dalian-2017/2",
        "--unit",
        "市统计局",
        "--on",
        "2017-08-31",
        now="2017-09-02T10:05",
    )
    assert done.exit_code == 0, done.output
    shown = json.loads(
        run("--format", "json", "task", "show", "dalian-2017/2", now="2017-09-03").stdout
    )
    assert shown["status"] == "done"
    history = shown["history"]
    assert [h["type"] for h in history] == ["Defined", "ProgressReported", "ShareCompleted"]
    assert history[1]["occurred_on"] == "2017-08-30"
    assert history[1]["recorded_at"].startswith("2017-09-02T02:00")
    assert history[1]["actor"] == "督查室"
    assert history[1]["evidence"] == ["https://example.org/a"]


def test_show_as_of_a_past_moment(run: Any, table: Path) -> None:
    """--as-of replays only what the ledger had recorded by then."""
    imported(run, table)
    run(
        "task",
        "complete",
        "dalian-2017/1",
        "--unit",
        "市财政局",
        "--on",
        "2017-09-01",
        now="2017-09-02",
    )
    before = json.loads(
        run(
            "--format",
            "json",
            "task",
            "show",
            "dalian-2017/1",
            "--as-of",
            "2017-09-01",
            now="2017-09-05",
        ).stdout
    )
    after = json.loads(
        run("--format", "json", "task", "show", "dalian-2017/1", now="2017-09-05").stdout
    )
    assert before["status"] == "open"
    assert len(before["history"]) == 1
    assert after["status"] == "done"


def test_new_unit_names_are_listed_with_their_hints_and_the_rest_counted(
    run: Any, table: Path, tmp_path: Path
) -> None:
    """A name like a known one and a collective name are always listed, with what to do;
    of the plain new names the first 20, then how many more and where they all are."""
    imported(run, table)
    plain = [f"新区{i}局" for i in range(1, 26)]
    rows = [f"{i},一,公开信息。,{name},,8月底前" for i, name in enumerate(plain, 4)]
    rows += [
        "30,一,公开预算。,大连市财政局,,8月底前",
        "31,一,公开政策。,各区市县政府,,8月底前",
        "32,一,公开解读。,市政府有关部门,,8月底前",
    ]
    second = tmp_path / "second.csv"
    second.write_text(TABLE + "\n".join(rows) + "\n", encoding="utf-8")

    dry = run("plan", "import", str(second), *IMPORT, "--dry-run")
    assert dry.exit_code == 0, dry.output
    lines = dry.stderr.splitlines()
    assert "28 unit names not seen before, would add as they are:" in dry.stderr
    assert any("大连市财政局" in ln and "closest known: 市财政局" in ln for ln in lines)
    for collective in ("各区市县政府", "市政府有关部门"):
        assert any(f"unit group {collective} --members" in ln for ln in lines)
    assert [ln.strip() for ln in lines if ln.strip() in plain] == plain[:20]
    assert "… and 5 more: with --format json the report lists every one" in dry.stderr
    report = json.loads(
        run("--format", "json", "plan", "import", str(second), *IMPORT, "--dry-run").stdout
    )
    assert len(report["new_units"]) == 28

    done = run("plan", "import", str(second), *IMPORT)
    assert "… and 5 more: `taizhang unit list --plan dalian-2017`" in done.stderr
    units = {
        u["name"]
        for u in json.loads(run("--format", "json", "unit", "list", "--plan", "dalian-2017").stdout)
    }
    assert set(plain) <= units


def test_refused_command_exits_1_with_message_and_writes_nothing(
    run: Any, table: Path, tmp_path: Path
) -> None:
    """A unit not on the task: exit 1, the message names the units, the file is unchanged."""
    imported(run, table)
    digest = db_digest(tmp_path)
    result = run("task", "report", "dalian-2017/1", "--unit", "市人社局", "--note", "x")
    assert result.exit_code == 1
    assert "市人社局" in result.stderr and "市财政局" in result.stderr
    assert db_digest(tmp_path) == digest


def test_malformed_table_names_the_row_and_leaves_the_store_unchanged(
    run: Any, tmp_path: Path
) -> None:
    """A row without content fails the whole import, byte for byte."""
    run("init")
    bad = tmp_path / "bad.csv"
    bad.write_text(
        HEADER + "1,一,有内容,市财政局,,8月底前\n2,一,,市统计局,,8月底前\n", encoding="utf-8"
    )
    digest = db_digest(tmp_path)
    result = run("plan", "import", str(bad), *IMPORT)
    assert result.exit_code == 1
    assert "3" in result.stderr  # the spreadsheet row of the empty task
    assert db_digest(tmp_path) == digest


def test_bad_date_is_a_clear_error(run: Any, table: Path) -> None:
    """An impossible --on date exits 1 naming the option."""
    imported(run, table)
    result = run(
        "task", "report", "dalian-2017/1", "--unit", "市财政局", "--note", "x", "--on", "2017-02-30"
    )
    assert result.exit_code == 1
    assert "--on" in result.stderr


def test_commands_before_init_say_how_to_start(run: Any) -> None:
    """No store yet: the message says to run init."""
    result = run("plan", "list")
    assert result.exit_code == 1
    assert "taizhang init" in result.stderr


def test_unknown_unit_in_a_filter_suggests_close_names(run: Any, table: Path) -> None:
    """A typo in --unit is an error with a suggestion, not an empty list."""
    imported(run, table)
    result = run("task", "list", "--unit", "市财政")
    assert result.exit_code == 1
    assert "市财政局" in result.stderr


def test_wrong_usage_exits_2(run: Any) -> None:
    """Unknown options are usage errors."""
    assert run("task", "list", "--nope").exit_code == 2


def test_plan_list_json_shape(run: Any, table: Path) -> None:
    """plan list carries the contract's fields."""
    imported(run, table)
    plans = json.loads(run("--format", "json", "plan", "list").stdout)
    assert plans == [
        {
            "id": plans[0]["id"],
            "ref": "dalian-2017",
            "title": "大连市2017年政务公开工作要点",
            "issuer": "大连市人民政府办公厅",
            "doc_no": "大政办发〔2017〕70号",
            "year": 2017,
            "issued_on": "2017-05-26",
            "tz": "Asia/Shanghai",
            "tasks": 3,
        }
    ]


def test_csv_output_has_a_header_row(run: Any, table: Path) -> None:
    """--format csv prints a header and one line per task."""
    imported(run, table)
    lines = run("--format", "csv", "task", "list").stdout.strip().splitlines()
    assert lines[0].startswith("ref,")
    assert len(lines) == 4


def test_deadline_parse_json(run: Any) -> None:
    """deadline parse prints the contract's fields."""
    result = run("--format", "json", "deadline", "parse", "8月底前", "--year", "2023")
    document = json.loads(result.stdout)
    assert document["due"] == "2023-08-31T23:59:59+08:00"
    assert set(document) >= {"text", "kind", "due", "occurrences", "provisional", "target"}


@pytest.mark.parametrize("suffix", [".csv", ".xlsx"])
def test_exported_table_reimports_without_changes(
    run: Any, table: Path, tmp_path: Path, suffix: str
) -> None:
    """plan export writes the breakdown table back out; importing it records nothing."""
    imported(run, table)
    run("task", "complete", "dalian-2017/2", "--unit", "市统计局", "--on", "2017-05-31")
    out = tmp_path / f"export{suffix}"
    assert run("plan", "export", "dalian-2017", "-o", str(out)).exit_code == 0
    again = run("--format", "json", "plan", "import", str(out), *IMPORT)
    assert again.exit_code == 0, again.output
    assert json.loads(again.stdout)["events"] == 0
    from ledger.importing.table import read_table

    rows = read_table(out)
    assert [r.code for r in rows] == ["1", "2", "3"]


def test_the_exported_ledger_reads_as_a_leader_expects(
    run: Any, table: Path, tmp_path: Path
) -> None:
    """The XLSX 台账: a title, a frozen header, dates as dates, Chinese status words on
    their colours, each share with its latest report, and a sheet by unit."""
    import openpyxl

    imported(run, table)
    done = ["task", "complete", "dalian-2017/2", "--unit", "市统计局", "--on", "2017-05-31"]
    run(*done, "--evidence", "https://tjj.example/fb")
    # Each task shows its own latest report: the second of two, not the first.
    report = ["task", "report", "dalian-2017/1", "--unit", "市财政局"]
    for note, day in (("已公开三期", "2017-06-10"), ("已公开五期", "2017-07-01")):
        assert run(*report, "--note", note, "--on", day, now=f"{day}T09:00").exit_code == 0
    out = tmp_path / "台账.xlsx"
    assert run("plan", "export", "dalian-2017", "-o", str(out), now="2017-12-05").exit_code == 0
    book = openpyxl.load_workbook(out)
    assert book.sheetnames == ["台账", "按单位统计"]
    sheet = book["台账"]
    assert str(sheet["A1"].value).startswith("大连市2017年政务公开工作要点 重点任务台账")
    assert sheet.freeze_panes == "A3"
    header = [c.value for c in sheet[2]]
    rows = {
        r[0]: dict(zip(header, r, strict=True))
        for r in sheet.iter_rows(min_row=3, values_only=True)
    }
    assert (rows["1"]["状态"], rows["2"]["状态"], rows["3"]["状态"]) == (
        "已逾期",
        "已完成",
        "持续推进",
    )
    assert isinstance(rows["1"]["截止时间"], datetime) and rows["1"]["截止时间"].date() == date(
        2017, 11, 30
    )
    assert rows["2"]["完成日期"].date() == date(2017, 5, 31)
    assert rows["2"]["各牵头单位进展"] == "市统计局：已完成"
    assert rows["2"]["最新报告"] == "市统计局 2017-05-31：完成 https://tjj.example/fb"
    assert rows["1"]["最新报告"] == "市财政局 2017-07-01：已公开五期"
    assert not rows["3"]["最新报告"]
    colours = {sheet.cell(row=r, column=header.index("状态") + 1).fill.fgColor.rgb for r in (3, 4)}
    assert colours == {"00FFC7CE", "00C6EFCE"}  # red for overdue, green for done
    by_unit = list(book["按单位统计"].iter_rows(min_row=3, values_only=True))
    assert ("市统计局", 1, 1, 0, 0, 100) in by_unit


def test_import_logs_one_structured_line(run: Any, table: Path) -> None:
    """A recorded import leaves a JSON log line on stderr with what it did."""
    run("init")
    result = run("--log-level", "info", "plan", "import", str(table), *IMPORT)
    lines = [json.loads(x) for x in result.stderr.splitlines() if x.startswith("{")]
    assert [x["event"] for x in lines] == ["plan.imported"]
    assert lines[0]["added"] == 3


def test_impossible_deadline_in_a_table_names_the_row(run: Any, tmp_path: Path) -> None:
    """ "2月30日前" is refused with its row; nothing is written."""
    run("init")
    bad = tmp_path / "bad-date.csv"
    bad.write_text(
        HEADER + "1,一,按月公开,市财政局,,8月底前\n2,一,召开发布会,市统计局,,2月30日前\n",
        encoding="utf-8",
    )
    digest = db_digest(tmp_path)
    result = run("plan", "import", str(bad), *IMPORT)
    assert result.exit_code == 1
    assert "row 3" in result.stderr and "2月30日前" in result.stderr
    assert db_digest(tmp_path) == digest


def test_wrong_header_is_refused_before_the_store_is_opened(run: Any, tmp_path: Path) -> None:
    """A table without a task column exits 1 and the store stays as it was."""
    run("init")
    bad = tmp_path / "wrong-header.csv"
    bad.write_text("编号,说明,备注\n1,a,b\n", encoding="utf-8")
    digest = db_digest(tmp_path)
    result = run("plan", "import", str(bad), *IMPORT)
    assert result.exit_code == 1
    assert "工作任务" in result.stderr
    assert db_digest(tmp_path) == digest


def test_unparsed_deadlines_are_listed_until_set_by_hand(run: Any, tmp_path: Path) -> None:
    """deadline unparsed lists the words nobody could read; set-deadline clears the list."""
    run("init")
    path = tmp_path / "words.csv"
    path.write_text(
        HEADER + "1,一,及时公开,市财政局,,第一时间\n2,一,按月公开,市财政局,,按月\n",
        encoding="utf-8",
    )
    run("plan", "import", str(path), *IMPORT)
    listed = json.loads(run("--format", "json", "deadline", "unparsed").stdout)
    assert [t["ref"] for t in listed] == ["dalian-2017/1"]
    assert listed[0]["deadline_text"] == "第一时间"
    ok = run(
        "task", "set-deadline", "dalian-2017/1", "--to", "2017-07-31", "--reason", "督查室商定"
    )
    assert ok.exit_code == 0, ok.output
    assert json.loads(run("--format", "json", "deadline", "unparsed").stdout) == []
    shown = json.loads(run("--format", "json", "task", "show", "dalian-2017/1").stdout)
    assert shown["due"] == "2017-07-31T23:59:59+08:00"


def test_calendar_declare_lists_the_day_with_its_source(run: Any) -> None:
    """A declared holiday is a ledger fact with its source."""
    run("init")
    result = run(
        "calendar", "declare", "2027-01-06", "--holiday", "--source", "国办发明电〔2026〕1号"
    )
    assert result.exit_code == 0, result.output
    days = json.loads(run("--format", "json", "calendar", "list").stdout)
    assert [(d["day"], d["kind"], d["source"]) for d in days] == [
        ("2027-01-06", "holiday", "国办发明电〔2026〕1号")
    ]
    again = run("calendar", "declare", "2027-01-06", "--holiday", "--source", "x")
    assert again.exit_code == 1
    assert "already declared" in again.stderr


@pytest.mark.parametrize(
    ("args", "due", "provisional"),
    [
        (["--issued-on", "2026-09-30"], "2026-10-13T23:59:59+08:00", False),
        (["--from", "2026-09-17"], "2026-09-23T23:59:59+08:00", False),
        (["--from", "2027-03-01"], "2027-03-08T23:59:59+08:00", True),
    ],
)
def test_deadline_parse_counts_working_days_on_the_official_calendar(
    run: Any, args: list[str], due: str, provisional: bool
) -> None:
    """National Day and its make-up Sunday count as the State Council decided; 2027 is flagged."""
    result = run("--format", "json", "deadline", "parse", "5个工作日内", *args)
    document = json.loads(result.stdout)
    assert (document["due"], document["provisional"]) == (due, provisional)


def test_dashboard_json_shape_and_both_axes(run: Any, table: Path) -> None:
    """dashboard prints {as_of, rows:[{key,total,done,overdue,due_soon,percent_done}]}."""
    completed_late(run, table)
    now = as_json(run, "dashboard", "--by", "plan")
    then = as_json(run, "dashboard", "--by", "plan", "--as-of", "2017-09-01T09:00")
    valid = as_json(run, "dashboard", "--by", "plan", "--valid-at", "2017-08-31")
    assert set(now) >= {"as_of", "rows"}
    assert set(now["rows"][0]) >= {"key", "total", "done", "overdue", "due_soon", "percent_done"}
    assert (now["rows"][0]["done"], then["rows"][0]["done"], valid["rows"][0]["done"]) == (1, 0, 1)
    assert then["rows"][0]["overdue"] == 1
    by_unit = as_json(run, "dashboard", "--by", "unit")
    assert {r["key"] for r in by_unit["rows"]} == {"市财政局", "市统计局", "市国资委"}


def test_task_list_valid_at(run: Any, table: Path) -> None:
    """task list --valid-at judges by what had happened by that day."""
    completed_late(run, table)
    before = as_json(run, "task", "list", "--valid-at", "2017-08-29")
    assert [t["status"] for t in before if t["code"] == "2"] == ["open"]
    assert [t["completed_on"] for t in before if t["code"] == "2"] == [None]


def test_plan_commands_travel_in_time(run: Any, table: Path, tmp_path: Path) -> None:
    """plan list/show/export answer --as-of (and show/export --valid-at) like task list."""
    completed_late(run, table)  # imported 1 June 09:00; task 2 done 30 Aug, recorded 2 Sep
    assert as_json(run, "plan", "list", "--as-of", "2017-05-31") == []
    [plan] = as_json(run, "plan", "list", "--as-of", "2017-06-01T10:00")
    assert (plan["ref"], plan["tasks"]) == ("dalian-2017", 3)
    assert as_json(run, "plan", "list") == [plan]
    then = as_json(run, "plan", "show", "dalian-2017", "--as-of", "2017-09-01T09:00")
    valid = as_json(run, "plan", "show", "dalian-2017", "--valid-at", "2017-08-31")
    assert then["status"].get("done", 0) + then["status"].get("done_late", 0) == 0
    assert valid["status"].get("done", 0) + valid["status"].get("done_late", 0) == 1
    missing = run("plan", "show", "dalian-2017", "--as-of", "2017-05-31", now="2017-09-05")
    assert missing.exit_code == 1 and "not yet in the ledger" in missing.output
    out = tmp_path / "then.csv"
    exported = run(
        "plan",
        "export",
        "dalian-2017",
        "-o",
        str(out),
        "--as-of",
        "2017-09-01T09:00",
        now="2017-09-05",
    )
    assert exported.exit_code == 0, exported.output
    rows = list(csv.DictReader(out.read_text(encoding="utf-8-sig").splitlines()))
    assert {r["序号"]: r["状态"] for r in rows}["2"] == "overdue"


def test_plan_as_of_shows_the_title_it_had_then(run: Any, table: Path) -> None:
    """A later import corrects the title and issue day (Plan.Amended); as of a moment
    between the two, plan list and plan show give the first ones, read from the store."""
    imported(run, table)
    fixed = [*IMPORT]
    fixed[fixed.index("--title") + 1] = "大连市2017年政务公开工作要点（修订）"
    fixed[fixed.index("--issued-on") + 1] = "2017-05-27"
    again = run("plan", "import", str(table), *fixed, now="2017-07-03T09:00")
    assert again.exit_code == 0, again.output
    [then] = as_json(run, "plan", "list", "--as-of", "2017-07-01")
    [now] = as_json(run, "plan", "list")
    assert (then["title"], then["issued_on"]) == ("大连市2017年政务公开工作要点", "2017-05-26")
    assert (now["title"], now["issued_on"]) == (fixed[1], "2017-05-27")
    assert as_json(run, "plan", "list", "--as-of", "2017-07-04") == [now]
    shown = as_json(run, "plan", "show", "dalian-2017", "--as-of", "2017-07-01")
    assert shown["title"] == then["title"] and shown["tasks"] == 3


def test_alerts_as_of_shows_only_those_raised_by_then(run: Any, table: Path) -> None:
    """Sweeps on 25 Aug (a due-soon reminder for task 2) and on 5 Sep (its overdue alert):
    alerts --as-of between the two shows the first only."""
    imported(run, table)
    assert run("sweep", now="2017-08-25T09:00").exit_code == 0
    assert run("sweep", now="2017-09-05T09:00").exit_code == 0
    every = as_json(run, "alerts")
    then = as_json(run, "alerts", "--as-of", "2017-08-26")
    assert {a["kind"] for a in every} >= {"due_soon", "overdue"}
    assert then and {a["kind"] for a in then} == {"due_soon"}
    assert {a["id"] for a in then} < {a["id"] for a in every}


def test_projections_status_and_rebuild(run: Any, table: Path) -> None:
    """status shows each read model caught up; rebuild replays and keeps the rows."""
    imported(run, table)
    listed = run("--format", "json", "task", "list").stdout
    status = json.loads(run("--format", "json", "projections", "status").stdout)
    assert {s["name"] for s in status} == {
        "plans",
        "tasks",
        "task_versions",
        "history",
        "timers",
        "outbox",
        "directory",
        "spot_checks",
    }
    assert all(s["behind"] == 0 for s in status)
    assert run("projections", "rebuild").exit_code == 0
    assert run("--format", "json", "task", "list").stdout == listed


def test_dashboard_csv_has_figures_only(run: Any, table: Path) -> None:
    """CSV output carries the contract's figures, not the terminal's progress bar."""
    imported(run, table)
    lines = run("--format", "csv", "dashboard", "--by", "plan").stdout.strip().splitlines()
    assert lines[0] == "key,total,done,overdue,due_soon,waived,percent_done"
    assert lines[1].startswith("dalian-2017,3,0,")


def test_unreachable_database_is_a_message_not_a_traceback() -> None:
    """A PostgreSQL URL nobody answers on exits 1 with one line naming the problem."""
    result = CliRunner().invoke(
        app, ["--db", "postgresql+psycopg://postgres@127.0.0.1:1/test", "plan", "list"]
    )
    assert result.exit_code == 1
    assert "the store could not be used" in result.stderr
    assert "Traceback" not in result.stderr


def _plain(text: str) -> str:
    """Output without terminal colours (FORCE_COLOR may be set)."""
    import re

    return re.sub(r"\x1b\[[0-9;]*m", "", text)


def test_group_help_lists_every_option_and_command() -> None:
    result = CliRunner().invoke(app, ["--help"])
    assert result.exit_code == 0
    top = _plain(result.output)
    for name in ("--db", "--as", "--format", "TAIZHANG_DB", "sqlite:///taizhang.db"):
        assert name in top
    for command in ("dashboard", "sweep", "alerts", "serve", "plan", "task", "projections"):
        assert f"│ {command} " in top
    names = [
        line.split()[1] for line in top.splitlines() if line.startswith("│ ") and line[2] != " "
    ]
    commands = names[names.index("init") :]
    assert len(commands) == len(set(commands))
    assert set(commands) == {
        "dashboard",
        "sweep",
        "deliver",
        "alerts",
        "serve",
        "init",
        "plan",
        "task",
        "deadline",
        "calendar",
        "contacts",
        "projections",
        "unit",
        "person",
        "audit",
        "spotcheck",
        "score",
        "report",
    }
    shown = CliRunner().invoke(app, ["task", "--help"])
    task = _plain(shown.output)
    assert shown.exit_code == 0 and "Usage: root task" in task
    assert "set-deadline" in task and "Set a due time by hand" in task


@pytest.mark.parametrize("command", [["task"], ["plan"], ["dashboard"], ["serve"], []])
def test_no_command_offers_shell_completion(command: list[str]) -> None:
    shown = CliRunner().invoke(app, [*command, "--help"])
    assert shown.exit_code == 0
    assert "--install-completion" not in shown.output


@pytest.mark.parametrize(
    ("typed", "meant"), [(["dashbord"], "dashboard"), (["ini"], "init"), (["task", "lst"], "list")]
)
def test_a_mistyped_command_suggests_the_close_name(typed: list[str], meant: str) -> None:
    wrong = CliRunner().invoke(app, typed)
    assert wrong.exit_code == 2
    assert f"Did you mean '{meant}'?" in _plain(wrong.output)


def test_help_imports_neither_the_store_nor_typers_rich_help() -> None:
    """`taizhang --help` must start fast: it loads no SQLAlchemy, ledger or Markdown."""
    import subprocess
    import sys

    probe = (
        "import sys\n"
        "from cli.app import main\n"
        "sys.argv = ['taizhang', '--help']\n"
        "try:\n    main()\nexcept SystemExit:\n    pass\n"
        "heavy = ('sqlalchemy', 'eventsourcing', 'ledger.application', 'ledger.deadlines',"
        " 'typer.rich_utils', 'rich.markdown')\n"
        "print('LOADED', sorted({m for m in sys.modules if m.startswith(heavy)}))\n"
    )
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    assert "Commands" in out.stdout
    assert out.stdout.strip().endswith("LOADED []"), out.stdout[-300:]
