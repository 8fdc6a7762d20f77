"""The command line against hostile and careless input: clear exits, nothing half-written.

Each test names the behaviour it holds; together they cover what a new user and a hostile
one tried: control characters and huge cells, times outside any calendar, store URLs of
the wrong kind, a misspelt configuration, formulas in exported cells, a recording time
moved backwards, and a write whose read models could not follow.
"""

from __future__ import annotations

import json
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from conftest import store_state
from typer.testing import CliRunner

from cli.app import app

HEADER = "序号,项目,工作任务,牵头单位,配合单位,完成时限\n"
TABLE = HEADER + (
    "1,一、助力稳增长,市财政局网站要按月公开财政收支情况。,市财政局,,11月底前\n"
    "2,一、助力稳增长,定期召开新闻发布会。,市统计局,市财政局,8月底前\n"
    "3,二、促改革,公开市属国有企业信息。,市国资委,,持续推进\n"
)
META = [
    "--title",
    "大连市2017年政务公开工作要点",
    "--issuer",
    "大连市人民政府办公厅",
    "--doc-no",
    "大政办发〔2017〕70号",
    "--issued-on",
    "2017-05-26",
]


def _cell(text: str) -> str:
    """A CSV cell, quoted."""
    return '"' + text.replace('"', '""') + '"'


class Cli:
    """The command line on one store, with the clock pinned per call."""

    def __init__(self, url: str, tmp: Path) -> None:
        self.url = url
        self.tmp = tmp

    def __call__(self, *args: str, now: str | None = "2017-06-01T09:00", env: Any = None) -> Any:
        pinned = ["--now", now] if now else []
        return CliRunner().invoke(
            app, ["--db", self.url, "--as", "督查室", *pinned, *args], env=env
        )

    def ok(self, *args: str, now: str | None = "2017-06-01T09:00") -> Any:
        result = self(*args, now=now)
        assert result.exit_code == 0, result.output
        return result

    def json(self, *args: str, now: str | None = "2017-09-05") -> Any:
        return json.loads(self.ok("--format", "json", *args, now=now).stdout)

    def table(self, text: str, name: str = "t.csv") -> Path:
        path = self.tmp / name
        path.write_text(text, encoding="utf-8")
        return path

    def imported(self) -> None:
        self.ok("init")
        self.ok("plan", "import", str(self.table(TABLE)), *META)


@pytest.fixture
def cli(store_url: str, tmp_path: Path) -> Cli:
    return Cli(store_url, tmp_path)


@pytest.fixture
def lite(sqlite_url: str, tmp_path: Path) -> Cli:
    return Cli(sqlite_url, tmp_path)


def refused(result: Any, *words: str) -> str:
    """The message of a refused command: exit 1, no traceback, naming ``words``."""
    output = result.output
    assert result.exit_code == 1, output
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(
        result.exception
    )
    assert "Traceback" not in output
    for word in words:
        assert word in output, f"{word!r} not in {output!r}"
    return str(output)


# -- 4. a failed command has written nothing; a write whose read models lag is no failure


def test_a_nul_in_a_cell_is_refused_naming_row_and_column(cli: Cli) -> None:
    """A cell with a NUL byte: exit 1 naming the row and column, nothing written, and
    every later command still works."""
    cli.imported()
    before = store_state(cli.url)
    bad = cli.table(TABLE + "4,二,公开\x00信息。,市国资委,,8月底前\n", "nul.csv")
    refused(cli("plan", "import", str(bad), *META), "row 5", "工作任务", "U+0000")
    assert store_state(cli.url) == before
    assert len(cli.json("task", "list")) == 3


def test_control_characters_in_a_flag_are_refused(cli: Cli) -> None:
    """An escape sequence in --note is refused naming the flag; nothing is recorded."""
    cli.imported()
    before = store_state(cli.url)
    result = cli("task", "report", "dalian-2017/1", "--unit", "市财政局", "--note", "a\x1b[2Jb")
    refused(result, "--note", "U+001B")
    assert store_state(cli.url) == before


def _break_history(url: str, on: bool) -> None:
    """Make every insert into the history read model fail (or stop failing)."""
    from sqlalchemy import create_engine, text

    engine = create_engine(url)
    with engine.begin() as conn:
        if url.startswith("sqlite"):
            if on:
                conn.execute(
                    text(
                        "CREATE TRIGGER boom BEFORE INSERT ON rm_history"
                        " BEGIN SELECT RAISE(ABORT, 'boom'); END"
                    )
                )
            else:
                conn.execute(text("DROP TRIGGER boom"))
        elif on:
            conn.execute(
                text(
                    "CREATE FUNCTION boom() RETURNS trigger LANGUAGE plpgsql"
                    " AS $$ BEGIN RAISE EXCEPTION 'boom'; END $$"
                )
            )
            conn.execute(
                text("CREATE TRIGGER boom BEFORE INSERT ON rm_history EXECUTE FUNCTION boom()")
            )
        else:
            conn.execute(text("DROP TRIGGER boom ON rm_history"))
            conn.execute(text("DROP FUNCTION boom()"))
    engine.dispose()


def test_a_write_whose_read_models_cannot_follow_exits_0_with_a_warning(cli: Cli) -> None:
    """The report is recorded once: the command says the read models are behind and exits
    0, so a script does not run it again; once the fault is gone they catch up."""
    cli.imported()
    _break_history(cli.url, on=True)
    result = cli("task", "report", "dalian-2017/1", "--unit", "市财政局", "--note", "已公开")
    assert result.exit_code == 0, result.output
    assert "warning" in result.output and "recorded" in result.output
    assert "Traceback" not in result.output
    _break_history(cli.url, on=False)
    shown = cli.json("task", "show", "dalian-2017/1")
    assert [h["type"] for h in shown["history"]] == ["Defined", "ProgressReported"]


# -- 5. recorded time never goes backwards


def test_now_before_the_last_recorded_instant_is_refused(cli: Cli) -> None:
    """--now 1960 on a ledger written in 2017: exit 1, nothing recorded; asking about 1961
    says the task did not exist yet, instead of a traceback."""
    cli.imported()
    before = store_state(cli.url)
    result = cli(
        "task", "report", "dalian-2017/1", "--unit", "市财政局", "--note", "x", now="1960-01-01"
    )
    refused(result, "1960-01-01", "last recorded")
    assert store_state(cli.url) == before
    show = cli("task", "show", "dalian-2017/1", "--as-of", "1961-01-01", now="2017-09-05")
    refused(show, "not yet in the ledger")
    assert cli.json("task", "list", "--as-of", "1961-01-01") == []


def test_a_lagging_clock_records_at_the_last_instant(store_url: str) -> None:
    """A node whose clock is 30 s behind the store records at the store's last instant."""
    from datetime import datetime, timedelta

    from ledger.application import PlanMeta, TaskFields
    from ledger.store import open_ledger

    t0 = datetime.fromisoformat("2017-06-01T09:00:00+08:00")
    ahead = open_ledger(store_url, clock=lambda: t0, create=True)
    rows = [TaskFields(1, "1", "一", "公开。", ("市财政局",), (), "8月底前")]
    meta = PlanMeta(title="要点", issuer="大连市人民政府办公厅", year=2017)
    ahead.import_table(rows, meta, actor="a", source="t", sha256="x")
    ahead.close()
    behind = open_ledger(store_url, clock=lambda: t0 - timedelta(seconds=30))
    task = behind.report_progress(
        behind.resolve_task("dalian-2017/1"), unit="市财政局", note="已公开", actor="b"
    )
    assert task.modified_on == t0
    behind.close()


# -- 6. exported cells are never formulas

FORMULAS = ['=HYPERLINK("http://evil.example/x","点此")', "=cmd|' /C calc'!A0", "+1+1", "@SUM(A1)"]


def test_export_writes_formula_like_cells_as_text(lite: Cli) -> None:
    """Cells that begin with = + - @ are stored verbatim and exported as text: XLSX
    strings (no formula element), CSV cells prefixed with an apostrophe."""
    rows = "".join(f"{i},一,{_cell(f)},市财政局,,8月底前\n" for i, f in enumerate(FORMULAS, 1))
    lite.ok("init")
    lite.ok("plan", "import", str(lite.table(HEADER + rows)), *META)
    shown = lite.json("task", "list")
    assert [t["content"] for t in shown] == FORMULAS
    xlsx, csv_out = lite.tmp / "out.xlsx", lite.tmp / "out.csv"
    lite.ok("plan", "export", "dalian-2017", "-o", str(xlsx))
    lite.ok("plan", "export", "dalian-2017", "-o", str(csv_out))
    with zipfile.ZipFile(xlsx) as book:
        sheets = [n for n in book.namelist() if n.startswith("xl/worksheets/")]
        assert sheets and not any(b"<f>" in book.read(n) or b"<f " in book.read(n) for n in sheets)
    import openpyxl

    sheet = openpyxl.load_workbook(xlsx).active
    assert sheet is not None
    texts = [c.value for row in sheet.iter_rows() for c in row if isinstance(c.value, str)]
    assert all(f in texts for f in FORMULAS)
    assert all(c.data_type != "f" for row in sheet.iter_rows() for c in row)
    written = csv_out.read_text(encoding="utf-8-sig")
    for formula in FORMULAS:
        assert "'" + formula.replace('"', '""') in written


# -- 7. tracebacks become messages


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (["--now", "0001-01-01T00:00", "sweep"], ["--now", "0001-01-01"]),
        (["dashboard", "--as-of", "9999-12-31T23:59"], ["--as-of", "9999-12-31"]),
        (["task", "list", "--due-within", "99999999999d"], ["--due-within"]),
        (["deadline", "parse", "8月底前", "--year", "99999"], ["--year"]),
    ],
)
def test_times_outside_the_calendar_are_refused(
    lite: Cli, args: list[str], words: list[str]
) -> None:
    """A time no calendar holds is an exit 1 that names the flag."""
    lite.imported()
    refused(lite(*args, now=None), *words)


@pytest.mark.parametrize(
    ("url", "hint"),
    [
        ("mysql://root@127.0.0.1/test", "sqlite:///"),
        ("postgresql://postgres@127.0.0.1/test", "postgresql+psycopg://"),
        ("postgresql+psycopg2://postgres@127.0.0.1/test", "postgresql+psycopg://"),
        ("not a url", "sqlite:///"),
    ],
)
def test_store_urls_of_the_wrong_kind_say_what_to_use(url: str, hint: str) -> None:
    result = CliRunner().invoke(app, ["--db", url, "task", "list"])
    refused(result, hint)


def test_a_password_in_the_store_url_is_never_printed() -> None:
    result = CliRunner().invoke(
        app, ["--db", "mysql://root:hunter2@127.0.0.1/test", "task", "list"]
    )
    assert "hunter2" not in refused(result)


@pytest.mark.parametrize(
    ("toml", "words"),
    [
        ('[email]\nserver = "smtp.example.gov.cn"\n', ["server", "[email]", "taizhang.toml"]),
        ('[alert]\nreminders = ["7d"]\n', ["[alert]", "taizhang.toml"]),
        ('[service]\ninterval = "often"\n', ["interval", "number"]),
        ('[alerts]\nquiet_hours = "late"\n', ["quiet_hours"]),
        ('[alerts]\nreminders = "7d"\n', ["reminders"]),
        ("[score]\npenalty = 1\n", ["penalty", "[score]"]),
        ("[score]\noverdue = -1\n", ["overdue"]),
    ],
)
def test_a_misspelt_configuration_is_refused_naming_the_key(
    lite: Cli, toml: str, words: list[str]
) -> None:
    lite.imported()
    config = lite.tmp / "taizhang.toml"
    config.write_text(toml, encoding="utf-8")
    refused(lite("--config", str(config), "task", "list"), *words)


def test_an_unreachable_postgresql_that_never_answers_times_out(tmp_path: Path) -> None:
    """A server that accepts and never answers: exit 1 after the connect timeout."""
    import socket
    import time

    server = socket.create_server(("127.0.0.1", 0))
    url = f"postgresql+psycopg://u@127.0.0.1:{server.getsockname()[1]}/x"
    started = time.monotonic()
    try:
        result = CliRunner().invoke(app, ["--db", url, "task", "list"])
    finally:
        server.close()
    refused(result, "store")
    # One connect timeout (5 s) for the whole command, not one per query it would make.
    assert time.monotonic() - started < 10


# -- 8. bounded input


def test_a_huge_cell_is_refused_the_same_way_in_xlsx_and_csv(lite: Cli) -> None:
    """A 10 MB cell: exit 1 naming the row, the column and the limit, in either format."""
    import openpyxl

    lite.ok("init")
    before = store_state(lite.url)
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["序号", "项目", "工作任务", "牵头单位", "配合单位", "完成时限"])
    sheet.append([1, "一", "PLACEHOLDER", "市财政局", "", "8月底前"])
    xlsx = lite.tmp / "big.xlsx"
    book.save(xlsx)
    # openpyxl cuts what it writes to Excel's limit; a crafted file is not cut.
    with zipfile.ZipFile(xlsx) as source:
        parts = {name: source.read(name) for name in source.namelist()}
    huge = ("公开" * 1_750_000).encode()
    parts = {name: data.replace(b"PLACEHOLDER", huge) for name, data in parts.items()}
    with zipfile.ZipFile(xlsx, "w") as target:
        for name, data in parts.items():
            target.writestr(name, data)
    csv_file = lite.table(HEADER + "1,一," + "公开" * 1_750_000 + ",市财政局,,8月底前\n", "big.csv")
    for path in (xlsx, csv_file):
        message = refused(lite("plan", "import", str(path), *META), "row 2", "工作任务", "32767")
        assert len(message) < 2000
    assert store_state(lite.url) == before


def test_a_huge_flag_value_is_refused(lite: Cli) -> None:
    lite.imported()
    result = lite("task", "report", "dalian-2017/1", "--unit", "市财政局", "--note", "很" * 40_000)
    refused(result, "--note", "32767")


# -- 9. who an escalation is about and who received it


@pytest.fixture
def receiver() -> Iterator[Any]:
    import threading
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    bodies: list[Any] = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            bodies.append(json.loads(self.rfile.read(int(self.headers["Content-Length"]))))
            self.send_response(200)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    server.bodies = bodies  # type: ignore[attr-defined]
    server.url = f"http://127.0.0.1:{server.server_address[1]}/hook"  # type: ignore[attr-defined]
    yield server
    server.shutdown()
    server.server_close()


def test_an_escalation_names_the_lead_unit_and_is_listed_for_its_recipient(
    cli: Cli, receiver: Any
) -> None:
    """The supervisor's escalation says which unit leads the task; `alerts --unit` of the
    supervisor lists it; `alerts show` tells who was sent it, how, and what came of it."""
    cli.imported()
    config = cli.tmp / "taizhang.toml"
    config.write_text('[alerts]\nsupervisor = "县政府办督查室"\n', encoding="utf-8")
    cli.ok("contacts", "add", "县政府办督查室", receiver.url, "--channel", "webhook")
    base = ["--config", str(config)]
    cli.ok(*base, "sweep", now="2017-09-05T09:00")
    cli.ok(*base, "deliver", now="2017-09-05T09:00")
    texts = [item["text"] for body in receiver.bodies for item in body["items"]]
    escalation = [t for t in texts if "督办" in t]
    assert escalation and "牵头单位：市统计局" in escalation[0]
    assert not any("牵头单位：县政府办督查室" in t for t in texts)
    listed = cli.json(*base, "alerts", "--unit", "县政府办督查室")
    assert [a["kind"] for a in listed] == ["escalation"]
    shown = cli.json(*base, "alerts", "show", listed[0]["id"])
    (delivery,) = shown["deliveries"]
    assert delivery["unit"] == "县政府办督查室"
    assert (delivery["channel"], delivery["outcome"], delivery["attempts"]) == (
        "webhook",
        "delivered",
        1,
    )
    assert delivery["delivered_at"].startswith("2017-09-05T09:00")


def test_contacts_list_hides_webhook_keys(lite: Cli) -> None:
    lite.ok("init")
    url = "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=0a1b2c3d-secret-5e6f"
    lite.ok("contacts", "add", "市财政局", url, "--channel", "wecom")
    listed = lite("--format", "json", "contacts", "list")
    assert "secret" not in listed.output and "qyapi.weixin.qq.com" in listed.output


# -- 3. logs carry the exception, never locals or secrets


def test_json_logs_carry_the_exception_and_no_locals(capsys: pytest.CaptureFixture[str]) -> None:
    from cli.logs import configure, logger

    configure("info")
    log = logger()
    password = "hunter2"
    try:
        raise RuntimeError(f"smtp refused {len(password)} characters")
    except RuntimeError:
        log.exception("tick.failed")
    err = capsys.readouterr().err
    line = json.loads(err.strip().splitlines()[-1])
    assert line["event"] == "tick.failed"
    text = json.dumps(line, ensure_ascii=False)
    assert "RuntimeError" in text and "smtp refused 7 characters" in text
    assert "hunter2" not in err


def test_secrets_in_log_fields_are_masked(capsys: pytest.CaptureFixture[str]) -> None:
    from cli.logs import configure, logger

    configure("info")
    logger().info(
        "service.started",
        db="postgresql+psycopg://tz:hunter2@db.example/taizhang",
        password="hunter2",
        url="https://oapi.dingtalk.com/robot/send?access_token=abcdef123456",
    )
    err = capsys.readouterr().err
    assert "hunter2" not in err and "abcdef123456" not in err
    assert "db.example" in err


# -- 10. hour deadlines count from the instant


def test_hour_deadlines_count_from_the_instant(lite: Cli) -> None:
    parsed = lite.json("deadline", "parse", "48小时内", "--from", "2026-10-08T10:00", now=None)
    assert parsed["due"] == "2026-10-10T10:00:00+08:00"
    days = lite.json("deadline", "parse", "5个工作日内", "--from", "2026-09-30T10:00", now=None)
    assert days["due"] == "2026-10-13T23:59:59+08:00"
    lite.ok("init")
    table = lite.table(
        HEADER + "1,一,一般性政务舆情应在48小时内予以回应。,市政府办公厅,,48小时内\n"
    )
    lite.ok("plan", "import", str(table), *META)
    lite.ok("task", "start", "dalian-2017/1", "--at", "2017-07-03T10:00", now="2017-07-03T11:00")
    shown = lite.json("task", "show", "dalian-2017/1", now="2017-07-04")
    assert shown["due"] == "2017-07-05T10:00:00+08:00"


# -- fuzz: every outcome is 0, 1 or 2, never a traceback; exit 1 leaves the store as it was

from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

_TEXT = st.text(
    st.characters(codec="utf-8", exclude_categories=("Cs",)), min_size=0, max_size=40
) | st.sampled_from(["", "=1+1", "\x00", "\x1b[31m", "8月底前", "2月30日前", "市财政局", "-", " "])


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(cells=st.lists(st.tuples(_TEXT, _TEXT, _TEXT, _TEXT), min_size=1, max_size=3))
def test_fuzzed_tables_exit_cleanly_and_refusals_write_nothing(
    cli: Cli, cells: list[tuple[str, str, str, str]]
) -> None:
    if cli.url.startswith("sqlite") and not Path(cli.url.split("///")[1]).exists():
        cli.imported()
    elif not cli.url.startswith("sqlite"):
        cli("init")
    body = "".join(
        f"{i},{_cell(a)},{_cell(b)},{_cell(c)},,{_cell(d)}\n"
        for i, (a, b, c, d) in enumerate(cells, 10)
    )
    path = cli.table(HEADER + body, "fuzz.csv")
    before = store_state(cli.url)
    result = cli("plan", "import", str(path), *META)
    _clean_exit(result)
    if result.exit_code == 1:
        assert store_state(cli.url) == before


_VALUE = _TEXT | st.sampled_from(
    ["2017-02-30", "0001-01-01", "9999-12-31T23:59", "1e309", "-1", "nan", "2017-09-01T25:00"]
)


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    command=st.sampled_from(
        [
            ["task", "report", "dalian-2017/1", "--unit", "{v}", "--note", "{w}"],
            ["task", "report", "dalian-2017/1", "--unit", "市财政局", "--note", "x", "--on", "{v}"],
            ["task", "report", "dalian-2017/1", "--unit", "市财政局", "--count", "{v}"],
            ["task", "complete", "{v}", "--unit", "{w}"],
            [
                "task",
                "extend",
                "dalian-2017/2",
                "--to",
                "{v}",
                "--reason",
                "{w}",
                "--approved-by",
                "x",
            ],
            ["task", "list", "--as-of", "{v}", "--unit", "{w}"],
            ["dashboard", "--as-of", "{v}", "--valid-at", "{w}"],
            ["--now", "{v}", "sweep"],
            ["deadline", "parse", "{v}", "--from", "{w}"],
            ["contacts", "add", "{v}", "{w}"],
            ["task", "start", "dalian-2017/1", "--at", "{v}"],
            ["--tz", "{v}", "task", "list"],
        ]
    ),
    v=_VALUE,
    w=_VALUE,
)
def test_fuzzed_flags_exit_cleanly_and_refusals_write_nothing(
    lite: Cli, command: list[str], v: str, w: str
) -> None:
    if not Path(lite.url.split("///")[1]).exists():
        lite.imported()
    args = [a.replace("{v}", v).replace("{w}", w) for a in command]
    before = store_state(lite.url)
    result = lite(*args, now="2017-09-05T09:00" if "--now" not in args else None)
    _clean_exit(result)
    if result.exit_code == 1:
        assert store_state(lite.url) == before


def _clean_exit(result: Any) -> None:
    assert result.exit_code in (0, 1, 2), (result.exit_code, result.output, result.exception)
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(
        result.exception
    )
    assert "Traceback" not in result.output
