"""Alerts from the sweep to people: a real SMTP server and a group-robot webhook on loopback."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from datetime import datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from smtp_support import Inbox, LoopbackController
from sqlalchemy import select

from ledger.application import PlanMeta, TaskFields
from ledger.store import open_ledger
from projections.outbox import outbox
from projections.runner import ProjectionRunner
from scheduler.channels import Channel, PermanentFailure, TransientFailure
from scheduler.delivery import Deliverer
from scheduler.digest import Digest
from scheduler.retry import Backoff
from scheduler.service import channel_factory
from scheduler.settings import EmailSettings, QuietHours, ServiceConfig
from scheduler.sweep import sweep

META = PlanMeta(
    title="要点", issuer="大连市人民政府办公厅", year=2017, doc_no="大政办发〔2017〕70号"
)


def local(text: str) -> datetime:
    return datetime.fromisoformat(text + "+08:00")


class Robot:
    """A group-robot endpoint that answers from a script: 503 twice, then 200."""

    def __init__(self, codes: list[int]) -> None:
        self.codes = codes
        self.bodies: list[dict[str, Any]] = []
        robot = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers["Content-Length"]))
                robot.bodies.append(json.loads(body))
                code = robot.codes.pop(0) if robot.codes else 200
                reply = json.dumps({"errcode": 0, "errmsg": "ok"}).encode()
                self.send_response(code)
                self.send_header("Content-Length", str(len(reply)))
                self.end_headers()
                self.wfile.write(reply)

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/robot?key=secret"

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join()


@pytest.fixture
def smtp() -> Iterator[tuple[Inbox, int]]:
    inbox = Inbox()
    controller = LoopbackController(
        inbox, hostname="127.0.0.1", port=0, server_hostname="localhost"
    )
    controller.start()
    yield inbox, controller.port
    controller.stop()


@pytest.fixture
def robot() -> Iterator[Robot]:
    r = Robot([503, 503])
    yield r
    r.close()


def test_email_and_a_recovering_webhook_each_deliver_once(
    store_url: str, smtp: tuple[Inbox, int], robot: Robot
) -> None:
    """The email goes out at once; the webhook fails twice, then delivers once; nothing repeats."""
    inbox, port = smtp
    clock = [local("2017-06-01T09:00")]
    ledger = open_ledger(store_url, clock=lambda: clock[0], create=True)
    runner = ProjectionRunner(ledger)
    runner.create_tables()
    rows = [
        TaskFields(
            row=1,
            code="1",
            section="一",
            content="按月公开财政收支情况。",
            lead_units=("市财政局",),
            co_units=(),
            deadline_text="8月底前",
        )
    ]
    ledger.import_table(rows, META, actor="s", source="t", sha256="x")
    ledger.add_contact("市财政局", channel="email", address="czj@example.gov.cn", actor="s")
    ledger.add_contact("市财政局", channel="wecom", address=robot.url, actor="s")
    config = ServiceConfig(
        email=EmailSettings(host="127.0.0.1", port=port, sender="tz@example.gov.cn")
    )
    channels = channel_factory(config)

    clock[0] = local("2017-08-25T09:00")
    assert sweep(ledger, runner).raised == 1  # the 7-day reminder
    sends = Deliverer(ledger, runner.reader(), channels)
    first = sends.round(wait=True)
    assert (first.delivered, first.failed) == (1, 1)
    assert len(inbox.accepted) == 1
    for _ in range(5):  # bounded: each round moves the clock past the next retry time
        clock[0] += timedelta(minutes=5)
        runner.catch_up()
        sends.round(wait=True)
    runner.catch_up()
    assert len(robot.bodies) == 3  # 503, 503, then delivered
    assert (
        robot.bodies[-1]["msgtype"] == "text"
        and "dalian-2017/1" in robot.bodies[-1]["text"]["content"]
    )
    assert len(inbox.accepted) == 1
    with runner.engine.connect() as conn:
        states = sorted((r.channel, r.state, r.attempts) for r in conn.execute(select(outbox)))
    assert states == [("email", "delivered", 1), ("wecom", "delivered", 3)]
    # A rebuild replays the facts: nothing becomes pending again, attempts are kept.
    runner.rebuild(["outbox"])
    with runner.engine.connect() as conn:
        rebuilt = sorted((r.channel, r.state, r.attempts) for r in conn.execute(select(outbox)))
    assert rebuilt == states
    clock[0] += timedelta(hours=1)
    assert sends.round(wait=True).digests == 0
    ledger.close()


def test_quiet_hours_defer_and_never_drop() -> None:
    """22:00-07:00 is quiet: 23:30 and 06:59 are inside, 07:00 is not."""
    quiet = QuietHours.parse("22:00-07:00")
    assert quiet.contains(local("2017-08-25T23:30"))
    assert quiet.contains(local("2017-08-26T06:59"))
    assert not quiet.contains(local("2017-08-26T07:00"))


class Scripted:
    """A channel that answers from a script: None delivers, an exception is raised."""

    def __init__(self, name: str, *answers: Exception | None) -> None:
        self.name = name
        self.answers = list(answers)
        self.sent: list[tuple[Digest, str]] = []

    def send(self, digest: Digest, recipient: str) -> None:
        self.sent.append((digest, recipient))
        answer = self.answers.pop(0) if self.answers else None
        if answer is not None:
            raise answer


def _two_units_due(store_url: str, clock: list[datetime]) -> tuple[Any, ProjectionRunner]:
    ledger = open_ledger(store_url, clock=lambda: clock[0], create=True)
    runner = ProjectionRunner(ledger)
    runner.create_tables()
    rows = [
        TaskFields(1, "1", "一", "公开预算。", ("市财政局",), (), "8月底前"),
        TaskFields(2, "2", "一", "公开统计。", ("市统计局",), (), "8月底前"),
    ]
    ledger.import_table(rows, META, actor="s", source="t", sha256="x")
    ledger.add_contact("市财政局", channel="webhook", address="http://dead.invalid/x", actor="s")
    ledger.add_contact("市统计局", channel="webhook", address="http://ok.invalid/x", actor="s")
    clock[0] = local("2017-09-02T09:00")
    sweep(ledger, runner)  # overdue for both (reminders skipped)
    return ledger, runner


def test_a_bug_in_a_channel_is_recorded_backed_off_and_never_blocks_the_others(
    store_url: str,
) -> None:
    """One recipient's channel raises an unexpected error: that delivery is recorded as
    failed with a later retry; the other recipient gets its digest in the same round."""
    clock = [local("2017-06-01T09:00")]
    ledger, runner = _two_units_due(store_url, clock)
    broken, working = Scripted("webhook", KeyError("bug")), Scripted("webhook")
    channels = {"http://dead.invalid/x": broken, "http://ok.invalid/x": working}
    sends = Deliverer(ledger, runner.reader(), lambda name, address: channels[address])
    report = sends.round(wait=True)
    assert (report.digests, report.delivered, report.failed) == (2, 1, 1)
    runner.catch_up()
    with runner.engine.connect() as conn:
        rows = {r.address: r for r in conn.execute(select(outbox))}
    dead = rows["http://dead.invalid/x"]
    assert (dead.state, dead.attempts) == ("pending", 1)
    assert "KeyError" in dead.last_error
    assert dead.next_at > int(clock[0].timestamp())
    assert rows["http://ok.invalid/x"].state == "delivered"
    # Not tried again before its time, then tried again.
    assert sends.round(wait=True).digests == 0
    clock[0] += timedelta(minutes=1)
    runner.catch_up()
    assert sends.round(wait=True).delivered == 1
    assert len(broken.sent) == 2
    ledger.close()


def test_a_permanent_failure_gives_up_at_once_and_transient_ones_after_the_last_attempt(
    store_url: str,
) -> None:
    clock = [local("2017-06-01T09:00")]
    ledger, runner = _two_units_due(store_url, clock)
    refused = Scripted("webhook", PermanentFailure("webhook", "", "HTTP 404"))
    flaky = Scripted("webhook", *[TransientFailure("webhook", "", "HTTP 503")] * 5)
    channels: dict[str, Channel] = {"http://dead.invalid/x": refused, "http://ok.invalid/x": flaky}
    backoff = Backoff(base=timedelta(seconds=30), max_attempts=3)
    sends = Deliverer(ledger, runner.reader(), lambda n, a: channels[a], backoff=backoff)
    first = sends.round(wait=True)
    assert (first.abandoned, first.failed) == (1, 1)
    for _ in range(4):
        clock[0] += timedelta(hours=1)
        runner.catch_up()
        sends.round(wait=True)
    runner.catch_up()
    with runner.engine.connect() as conn:
        rows = {r.address: (r.state, r.attempts) for r in conn.execute(select(outbox))}
    assert rows == {
        "http://dead.invalid/x": ("abandoned", 1),
        "http://ok.invalid/x": ("abandoned", 3),
    }
    assert len(flaky.sent) == 3 and len(refused.sent) == 1
    ledger.close()
