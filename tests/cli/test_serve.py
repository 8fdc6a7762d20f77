"""`taizhang serve` as a process: late alerts after downtime, a clean stop on SIGTERM."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from typer.testing import CliRunner

from cli.app import app

HEADER = "序号,项目,工作任务,牵头单位,配合单位,完成时限\n"
TABLE = HEADER + "".join(
    f"{i},一,任务{i},市财政局,,{m}月{d}日前\n"
    for i, (m, d) in enumerate([(6, 30), (7, 31), (8, 31)], 1)
)
IMPORT = [
    "--title",
    "要点",
    "--issuer",
    "大连市人民政府办公厅",
    "--doc-no",
    "大政办发〔2017〕70号",
    "--issued-on",
    "2017-05-26",
]


def run_service(db: str, now: str, until: int) -> tuple[int, str]:
    """Start serve at a pinned clock, wait (bounded) for ``until`` alerts, then SIGTERM it."""
    env = {**os.environ, "TAIZHANG_DB": db, "TAIZHANG_NOW": now}
    proc = subprocess.Popen(
        [sys.executable, "-m", "cli", "serve", "--interval", "0.5"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    try:
        # At most ~60 s: on a busy machine the service takes a while to start, and a
        # SIGTERM before its handler is in place ends it with -15 instead of a clean stop.
        for _ in range(300):
            if count_alerts(db) >= until:
                break
            time.sleep(0.2)
        time.sleep(1.0)  # one more tick must not add anything
    finally:
        proc.send_signal(signal.SIGTERM)
        _, err = proc.communicate(timeout=30)
    return proc.returncode, err.decode()


def count_alerts(db: str) -> int:
    result = CliRunner().invoke(app, ["--db", db, "--format", "json", "alerts"])
    return len(json.loads(result.stdout)) if result.exit_code == 0 else 0


def test_downtime_then_restart_raises_three_late_alerts_once(tmp_path: Path) -> None:
    """Down from 1 June to 15 Sep across three due times: after the restart each overdue
    alert is raised once, late, with its own due time (the reminders are skipped);
    SIGTERM stops it cleanly."""
    db = f"sqlite:///{tmp_path / 's.db'}"
    table = tmp_path / "t.csv"
    table.write_text(TABLE, encoding="utf-8")
    runner = CliRunner()
    assert runner.invoke(app, ["--db", db, "--now", "2017-06-01", "init"]).exit_code == 0
    assert (
        runner.invoke(
            app, ["--db", db, "--now", "2017-06-01", "plan", "import", str(table), *IMPORT]
        ).exit_code
        == 0
    )

    code, log = run_service(db, "2017-06-01T09:00", until=0)
    assert code == 0, log
    assert '"service.stopped"' in log
    assert count_alerts(db) == 0

    code, log = run_service(db, "2017-09-15T09:00", until=6)
    assert code == 0, log
    alerts = json.loads(runner.invoke(app, ["--db", db, "--format", "json", "alerts"]).stdout)
    overdue = sorted((a["task"], a["due"]) for a in alerts if a["kind"] == "overdue")
    assert overdue == [
        ("dalian-2017/1", "2017-06-30T23:59:59+08:00"),
        ("dalian-2017/2", "2017-07-31T23:59:59+08:00"),
        ("dalian-2017/3", "2017-08-31T23:59:59+08:00"),
    ]
    assert all(a["late"] for a in alerts)
    # 3 tasks x (overdue, escalation), once each; their reminders came too late: skipped
    assert len({a["id"] for a in alerts}) == len(alerts) == 6
