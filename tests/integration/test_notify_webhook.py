"""WebhookChannel against a real http.server receiver on loopback."""

from __future__ import annotations

import json
import re
import socket
import threading
from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from scheduler.channels import PermanentFailure, TransientFailure
from scheduler.digest import Digest, Item
from scheduler.webhook import WebhookChannel

RAISED = datetime.fromisoformat("2017-09-03T09:00:00+08:00")
OK = json.dumps({"errcode": 0, "errmsg": "ok"}).encode()


def make_notice() -> Digest:
    return Digest.of(
        [
            Item(
                alert_id="dalian-2017/7:overdue:2017-09-03",
                kind="overdue",
                task_ref="dalian-2017/7",
                title="完善财政预算公开制度",
                lead_units=("市财政局",),
                due=datetime.fromisoformat("2017-08-31T23:59:59+08:00"),
                raised_at=RAISED,
            )
        ]
    )


@dataclass
class Reply:
    status: int = 200
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)
    hold: bool = False  # wait until the test releases the receiver before answering


@dataclass
class Seen:
    path: str
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body.decode("utf-8"))


class Receiver:
    """Records each POST and answers with the next scripted reply (200 when none is left)."""

    def __init__(self) -> None:
        self.url = ""
        self.seen: list[Seen] = []
        self.replies: deque[Reply] = deque()
        self.release = threading.Event()

    def script(self, *replies: Reply) -> None:
        self.replies.extend(replies)


def _handler_for(receiver: Receiver) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
            receiver.seen.append(Seen(self.path, dict(self.headers.items()), body))
            reply = receiver.replies.popleft() if receiver.replies else Reply()
            if reply.hold:
                receiver.release.wait(timeout=30)
            try:
                self.send_response(reply.status)
                for name, value in reply.headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(reply.body)))
                self.end_headers()
                self.wfile.write(reply.body)
            except OSError:
                pass  # the client gave up waiting (the timeout test); nothing to answer

        def log_message(self, format: str, *args: Any) -> None:
            pass  # keep pytest output clean

    return Handler


class _JoiningServer(ThreadingHTTPServer):
    # Non-daemon handler threads, so server_close() waits for a held handler to finish
    # and no thread outlives its test.
    daemon_threads = False


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    """A receiver on 127.0.0.1 at an OS-chosen port, shut down (threads joined) afterwards."""
    recv = Receiver()
    server = _JoiningServer(("127.0.0.1", 0), _handler_for(recv))
    recv.url = f"http://127.0.0.1:{server.server_address[1]}/hook?key=SECRET-TOKEN"
    # A short poll interval so shutdown() returns quickly; it is not a timing assumption.
    thread = threading.Thread(
        target=server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
    )
    thread.start()
    try:
        yield recv
    finally:
        recv.release.set()
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)


def test_plain_style_posts_every_notice_field_as_utf8_json(receiver: Receiver) -> None:
    """The plain body carries the digest and each alert's fields by name, times in ISO
    8601 with offset."""
    digest = make_notice()
    WebhookChannel(receiver.url, timeout=5.0).send(digest, "ops")

    [seen] = receiver.seen
    assert seen.path == "/hook?key=SECRET-TOKEN"
    assert seen.headers["Content-Type"] == "application/json; charset=utf-8"
    assert seen.headers["X-Taizhang-Digest"] == digest.digest_id
    text = (
        "任务 dalian-2017/7「完善财政预算公开制度」已逾期3天"
        "（应于 2017-08-31 23:59 前完成），牵头单位：市财政局"
    )
    assert seen.json() == {
        "digest": digest.digest_id,
        "subject": "【台账】1项提醒：已逾期1项",
        "text": "【台账】1项提醒：已逾期1项\n1. " + text,
        "items": [
            {
                "alert_id": "dalian-2017/7:overdue:2017-09-03",
                "kind": "overdue",
                "task": "dalian-2017/7",
                "title": "完善财政预算公开制度",
                "lead_units": ["市财政局"],
                "due": "2017-08-31T23:59:59+08:00",
                "raised_at": "2017-09-03T09:00:00+08:00",
                "text": text,
            }
        ],
    }


@pytest.mark.parametrize("style", ["wecom", "dingtalk"])
def test_robot_styles_post_the_text_message_shape_with_the_alert_header(
    receiver: Receiver, style: Any
) -> None:
    """WeCom and DingTalk robots get msgtype text with the rendered sentence as content."""
    receiver.script(Reply(body=OK))
    notice = make_notice()

    WebhookChannel(receiver.url, style=style, timeout=5.0).send(notice, "督办群")

    [seen] = receiver.seen
    assert seen.json() == {"msgtype": "text", "text": {"content": notice.text()}}
    assert seen.headers["X-Taizhang-Digest"] == notice.digest_id


def test_a_long_digest_is_cut_to_what_a_wecom_robot_accepts(receiver: Receiver) -> None:
    """Forty alerts do not fit a WeCom message (2048 bytes): as many as fit, then a count."""
    receiver.script(Reply(body=OK))
    due = datetime.fromisoformat("2017-08-31T23:59:59+08:00")
    items = [
        Item(f"a{i}", "overdue", f"dalian-2017/{i}", "公开" * 10, ("市财政局",), due, RAISED)
        for i in range(40)
    ]
    WebhookChannel(receiver.url, style="wecom", timeout=5.0).send(Digest.of(items), "督办群")
    content = receiver.seen[0].json()["text"]["content"]
    assert len(content.encode()) <= 2048
    assert content.splitlines()[-1].startswith("……另有")


def test_configured_headers_are_sent_with_each_post(receiver: Receiver) -> None:
    """Extra headers (e.g. a bearer token for an internal gateway) go out unchanged."""
    channel = WebhookChannel(receiver.url, timeout=5.0, headers={"Authorization": "Bearer abc123"})

    channel.send(make_notice(), "ops")

    assert receiver.seen[0].headers["Authorization"] == "Bearer abc123"


def test_503_twice_then_200_gives_two_transient_failures_then_delivers(
    receiver: Receiver,
) -> None:
    """A receiver that is briefly unavailable fails transiently, then accepts."""
    receiver.script(Reply(503, b"busy"), Reply(503, b"busy"))
    channel = WebhookChannel(receiver.url, timeout=5.0)
    notice = make_notice()
    for _ in range(2):
        with pytest.raises(TransientFailure, match="HTTP 503"):
            channel.send(notice, "ops")
    channel.send(notice, "ops")
    assert len(receiver.seen) == 3


def test_http_400_is_a_permanent_failure_quoting_the_reply(receiver: Receiver) -> None:
    """A client error other than 429 will repeat on every retry, so it is permanent."""
    receiver.script(Reply(400, b"missing field text"))

    with pytest.raises(PermanentFailure, match="HTTP 400 missing field text") as caught:
        WebhookChannel(receiver.url, timeout=5.0).send(make_notice(), "ops")
    assert (caught.value.channel, caught.value.recipient) == ("webhook", "ops")


def test_http_429_is_transient(receiver: Receiver) -> None:
    """Too Many Requests means later, not never."""
    receiver.script(Reply(429))

    with pytest.raises(TransientFailure, match="HTTP 429"):
        WebhookChannel(receiver.url, timeout=5.0).send(make_notice(), "ops")


def test_redirect_is_permanent_and_names_where_it_points(receiver: Receiver) -> None:
    """A redirect is not followed: urllib would re-send a POST as a bodiless GET."""
    receiver.script(Reply(302, headers={"Location": "http://127.0.0.1:1/elsewhere"}))

    with pytest.raises(
        PermanentFailure, match=re.escape("redirected to http://127.0.0.1:1/elsewhere")
    ):
        WebhookChannel(receiver.url, timeout=5.0).send(make_notice(), "ops")
    assert len(receiver.seen) == 1


def test_wecom_rate_limit_errcode_45009_in_a_200_is_transient(receiver: Receiver) -> None:
    """The robot says 200 but errcode 45009: the message was dropped and should be retried."""
    receiver.script(Reply(body=json.dumps({"errcode": 45009, "errmsg": "freq limit"}).encode()))

    with pytest.raises(TransientFailure, match="errcode 45009"):
        WebhookChannel(receiver.url, style="wecom", timeout=5.0).send(make_notice(), "督办群")


def test_other_robot_errcode_in_a_200_is_permanent(receiver: Receiver) -> None:
    """DingTalk 310000 (keyword or signature mismatch) needs the robot settings fixed."""
    body = json.dumps({"errcode": 310000, "errmsg": "keywords not in content"}).encode()
    receiver.script(Reply(body=body))

    with pytest.raises(PermanentFailure, match="errcode 310000: keywords not in content"):
        WebhookChannel(receiver.url, style="dingtalk", timeout=5.0).send(make_notice(), "群")


def test_robot_style_200_without_json_is_permanent(receiver: Receiver) -> None:
    """A 200 HTML page means the URL is not a robot, so nothing was delivered."""
    receiver.script(Reply(body=b"<html>portal login</html>"))

    with pytest.raises(PermanentFailure, match="is it a robot URL"):
        WebhookChannel(receiver.url, style="wecom", timeout=5.0).send(make_notice(), "群")


def test_plain_style_200_is_success_whatever_the_body(receiver: Receiver) -> None:
    """Plain receivers are judged by status alone, even if they echo an errcode-like body."""
    receiver.script(Reply(body=json.dumps({"errcode": 45009}).encode()))

    WebhookChannel(receiver.url, timeout=5.0).send(make_notice(), "ops")

    assert len(receiver.seen) == 1


def test_receiver_slower_than_the_client_timeout_is_transient(receiver: Receiver) -> None:
    """A hung receiver costs one short timeout, then a retry, and never blocks the caller."""
    receiver.script(Reply(hold=True))

    with pytest.raises(TransientFailure, match="timed out"):
        WebhookChannel(receiver.url, timeout=0.3).send(make_notice(), "ops")
    assert len(receiver.seen) == 1


def test_connection_refused_is_transient() -> None:
    """Nobody listening on the port is worth retrying later."""
    with socket.socket() as bound:
        bound.bind(("127.0.0.1", 0))  # bound, never listening: connections are refused
        url = f"http://127.0.0.1:{bound.getsockname()[1]}/hook"

        with pytest.raises(TransientFailure, match="refused"):
            WebhookChannel(url, timeout=5.0).send(make_notice(), "ops")


def test_failure_messages_do_not_leak_the_access_token_in_the_url(receiver: Receiver) -> None:
    """Robot URLs carry their token in the query; failures end up in logs and ledger facts."""
    receiver.script(Reply(500, b"oops"))

    with pytest.raises(TransientFailure) as caught:
        WebhookChannel(receiver.url, timeout=5.0).send(make_notice(), "ops")
    assert "SECRET-TOKEN" not in str(caught.value)
    assert "/hook" in str(caught.value)
