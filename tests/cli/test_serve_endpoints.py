"""`taizhang serve` with three endpoints: one healthy, one refusing, one that never answers.

The service comes up after a long outage: reminders whose due times have passed are
skipped, the overdue alerts are raised late, and each endpoint gets one digest per tick.
A silent endpoint costs at most its delivery deadline, delays only itself, and SIGTERM
still stops the service within five seconds.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from cli.app import app

HEADER = "序号,项目,工作任务,牵头单位,配合单位,完成时限\n"
FIRST = HEADER + (
    "1,一,按月公开财政收支情况。,市财政局,,6月30日前\n"
    "2,一,公开部门预算。,市财政局,,7月31日前\n"
    "3,一,每周更新政策解读栏目。,市财政局,,每周\n"
)
SECOND = HEADER + "4,二,公开政府债务情况。,市财政局,,8月31日前\n"
META = ["--title", "要点", "--issuer", "大连市人民政府办公厅", "--issued-on", "2017-05-26"]
NOW = "2017-09-15T09:00"


class Healthy:
    """A plain webhook receiver that answers 200 and remembers each POST with its time."""

    def __init__(self) -> None:
        self.posts: list[tuple[float, dict[str, Any]]] = []
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers["Content-Length"]))
                outer.posts.append((time.monotonic(), json.loads(body)))
                self.send_response(200)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hook"

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


class Silent:
    """Accepts connections and never answers; remembers when each was opened and closed."""

    def __init__(self) -> None:
        self.sock = socket.create_server(("127.0.0.1", 0))
        self.url = f"http://127.0.0.1:{self.sock.getsockname()[1]}/hook"
        self.held: list[list[float]] = []  # [opened, closed or 0]
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            record = [time.monotonic(), 0.0]
            self.held.append(record)
            threading.Thread(target=self._hold, args=(conn, record), daemon=True).start()

    @staticmethod
    def _hold(conn: socket.socket, record: list[float]) -> None:
        with conn:
            while conn.recv(65536):  # read what is sent, answer nothing, until closed
                pass
        record[1] = time.monotonic()

    def close(self) -> None:
        self.sock.close()


def refused_url() -> str:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    return f"http://127.0.0.1:{port}/hook"  # nothing listens there now


@pytest.fixture
def endpoints() -> Iterator[tuple[Healthy, Silent]]:
    healthy, silent = Healthy(), Silent()
    yield healthy, silent
    healthy.close()
    silent.close()


def cli(db: str, *args: str, now: str = NOW) -> Any:
    result = CliRunner().invoke(app, ["--db", db, "--as", "督查室", "--now", now, *args])
    assert result.exit_code == 0, result.output
    return result


def wait_for(condition: Any, seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.1)
    return bool(condition())


def alert_count(db: str) -> int:
    result = CliRunner().invoke(app, ["--db", db, "--format", "json", "alerts"])
    return len(json.loads(result.stdout)) if result.exit_code == 0 else -1


def test_a_silent_endpoint_delays_only_itself(
    tmp_path: Path, endpoints: tuple[Healthy, Silent]
) -> None:
    """The healthy endpoint gets one digest of everything that fell due within two ticks;
    the silent one is tried once and held at most its deadline; sweeps go on meanwhile;
    SIGTERM stops the service within 5 s although a delivery still hangs."""
    healthy, silent = endpoints
    db = f"sqlite:///{tmp_path / 's.db'}"
    first, second = tmp_path / "first.csv", tmp_path / "second.csv"
    first.write_text(FIRST, encoding="utf-8")
    second.write_text(SECOND, encoding="utf-8")
    config = tmp_path / "taizhang.toml"
    config.write_text("[service]\ninterval = 1\ndelivery_timeout = 20\n", encoding="utf-8")
    cli(db, "init", now="2017-06-01T09:00")
    cli(db, "plan", "import", str(first), *META, now="2017-06-01T09:00")
    for url in (healthy.url, refused_url(), silent.url):
        cli(db, "contacts", "add", "市财政局", url, "--channel", "webhook", now="2017-06-01T09:00")

    env = {**os.environ, "TAIZHANG_DB": db, "TAIZHANG_NOW": NOW, "TAIZHANG_CONFIG": str(config)}
    started = time.monotonic()
    proc = subprocess.Popen(
        [sys.executable, "-m", "cli", "serve"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    try:
        assert wait_for(lambda: healthy.posts, 15), "the healthy endpoint got nothing"
        first_post = healthy.posts[0][0] - started
        assert wait_for(lambda: silent.held, 5), "the silent endpoint was never tried"
        raised = alert_count(db)
        assert raised > 3  # overdue alerts of tasks 1-2 and of the missed weeks, escalations

        # A sweep does not wait for the hanging delivery: new work is raised and sent.
        cli(db, "plan", "import", str(second), *META, now=NOW)
        assert wait_for(lambda: alert_count(db) > raised, 6), "no sweep while a send hung"
        assert wait_for(lambda: len(healthy.posts) == 2, 6), "no second digest"
        time.sleep(2.5)  # more ticks: nothing is sent twice, the silent one is not retried
    finally:
        stopping = time.monotonic()
        proc.send_signal(signal.SIGTERM)
        _, err = proc.communicate(timeout=30)
        stopped_in = time.monotonic() - stopping
    log = err.decode()
    assert proc.returncode == 0, log
    assert stopped_in < 5, f"SIGTERM took {stopped_in:.1f} s"
    assert "Traceback" not in log

    # Two digests in all, each listing several alerts; the first within two ticks of
    # the service being up (it starts in about a second here).
    assert len(healthy.posts) == 2
    items = [len(body["items"]) for _, body in healthy.posts]
    assert items[0] == raised and items[1] >= 1
    assert first_post < 8, f"first digest after {first_post:.1f} s"
    kinds = {item["kind"] for _, body in healthy.posts for item in body["items"]}
    assert "due_soon" not in kinds  # every reminder's due time had passed: skipped
    assert len(silent.held) == 1, "the silent endpoint was tried more than once"


def test_reminders_due_late_are_skipped_and_counted(tmp_path: Path) -> None:
    """A sweep after the due time raises the overdue alert and counts the reminder as
    skipped instead of raising a reminder nobody can act on."""
    db = f"sqlite:///{tmp_path / 's.db'}"
    table = tmp_path / "t.csv"
    table.write_text(HEADER + "1,一,公开部门预算。,市财政局,,7月31日前\n", encoding="utf-8")
    cli(db, "init", now="2017-06-01T09:00")
    cli(db, "plan", "import", str(table), *META, now="2017-06-01T09:00")
    swept = json.loads(cli(db, "--format", "json", "sweep", now="2017-08-02T09:00").stdout)
    assert (swept["raised"], swept["skipped"]) == (1, 2)
    alerts = json.loads(cli(db, "--format", "json", "alerts", now="2017-08-02T09:00").stdout)
    assert [a["kind"] for a in alerts] == ["overdue"]
    again = json.loads(cli(db, "--format", "json", "sweep", now="2017-08-02T09:05").stdout)
    assert (again["raised"], again["skipped"]) == (0, 0)
