"""EmailChannel against a real aiosmtpd server on loopback."""

from __future__ import annotations

import socket
from collections.abc import Callable, Iterator
from datetime import datetime, timedelta
from typing import Any

import pytest
from aiosmtpd.smtp import AuthResult, LoginPassword
from smtp_support import Inbox, LoopbackController

from scheduler.channels import PermanentFailure, TransientFailure
from scheduler.digest import Digest, Item
from scheduler.email import EmailChannel, message_id

SENDER = "taizhang@czj.dl.gov.cn"
TO = "duban@czj.dl.gov.cn"
RAISED = datetime.fromisoformat("2017-08-30T09:00:00+08:00")


def make_notice(alert_id: str = "dalian-2017/7:due_soon:2017-08-30") -> Digest:
    return Digest.of(
        [
            Item(
                alert_id=alert_id,
                kind="due_soon",
                task_ref="dalian-2017/7",
                title="完善财政预算公开制度",
                lead_units=("市财政局",),
                due=datetime.fromisoformat("2017-08-31T23:59:59+08:00"),
                raised_at=RAISED,
            )
        ]
    )


Serve = Callable[..., LoopbackController]


@pytest.fixture
def serve() -> Iterator[Serve]:
    """Starts SMTP servers for a test and stops them all afterwards."""
    started: list[LoopbackController] = []

    def start(handler: Inbox, **smtp_options: Any) -> LoopbackController:
        controller = LoopbackController(
            handler, hostname="127.0.0.1", port=0, server_hostname="localhost", **smtp_options
        )
        controller.start()
        started.append(controller)
        return controller

    yield start
    for controller in started:
        controller.stop()


@pytest.fixture
def dead_port() -> Iterator[int]:
    """A port that is bound but not listening: connecting to it is refused at once."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        yield sock.getsockname()[1]


def channel_for(controller: LoopbackController, **options: Any) -> EmailChannel:
    return EmailChannel("127.0.0.1", controller.port, SENDER, timeout=5.0, **options)


def test_notice_arrives_with_subject_utf8_body_message_id_and_alert_header(serve: Serve) -> None:
    """The server receives one UTF-8 message whose headers identify the digest's alerts."""
    inbox = Inbox()
    digest = make_notice()
    channel_for(serve(inbox)).send(digest, TO)

    [(mail_from, rcpt_tos, message)] = inbox.accepted
    assert (mail_from, rcpt_tos) == (SENDER, [TO])
    assert message["Subject"] == "【台账】1项提醒：即将到期1项"
    assert message.get_content_charset() == "utf-8"
    assert message.get_content() == (
        "【台账】1项提醒：即将到期1项\n"
        "1. 任务 dalian-2017/7「完善财政预算公开制度」将于 2017-08-31 23:59 到期"
        "（还有1天），牵头单位：市财政局\n"
    )
    assert message["X-Taizhang-Alert"] == "dalian-2017/7:due_soon:2017-08-30"
    assert message["Message-ID"] == message_id(digest.digest_id)
    assert message["Message-ID"] != message_id(make_notice("another").digest_id)


def test_a_digest_lists_every_alert_in_one_message(serve: Serve) -> None:
    """Three alerts for one recipient: one message, the most pressing first."""
    inbox = Inbox()
    due = datetime.fromisoformat("2017-08-31T23:59:59+08:00")
    items = [
        Item(
            f"a{i}",
            kind,
            f"dalian-2017/{i}",
            "公开",
            ("市财政局",),
            due,
            RAISED + timedelta(days=5),
        )
        for i, kind in enumerate(["overdue", "escalation", "overdue"], 1)
    ]
    channel_for(serve(inbox)).send(Digest.of(items), TO)
    [(_, _, message)] = inbox.accepted
    lines = message.get_content().splitlines()
    assert lines[0] == "【台账】3项提醒：逾期升级督办1项、已逾期2项"
    assert lines[1].startswith("1. 任务 dalian-2017/2") and "升级督办" in lines[1]
    assert len(lines) == 4
    assert message["X-Taizhang-Alert"] == "a2, a1, a3"


def test_451_then_250_is_retried_after_backoff_and_delivered_once(serve: Serve) -> None:
    """A 451 is worth a retry; the retry is accepted and carries the same Message-ID."""
    inbox = Inbox(data_replies=["451 4.3.0 mailbox busy, try later"])
    channel = channel_for(serve(inbox))
    notice = make_notice()

    with pytest.raises(TransientFailure, match="451"):
        channel.send(notice, TO)
    channel.send(notice, TO)

    assert len(inbox.accepted) == 1
    assert len({m["Message-ID"] for m in inbox.offered}) == 1
    assert len(inbox.offered) == 2


def test_refused_recipient_550_is_a_permanent_failure_naming_channel_and_recipient(
    serve: Serve,
) -> None:
    """A 550 at RCPT means the address is wrong: no retry, and the message says which."""
    nobody = "nobody@czj.dl.gov.cn"
    inbox = Inbox(refuse=frozenset({nobody}))

    with pytest.raises(PermanentFailure, match="550") as caught:
        channel_for(serve(inbox)).send(make_notice(), nobody)

    assert caught.value.channel == "email"
    assert caught.value.recipient == nobody
    assert nobody in str(caught.value)
    assert inbox.offered == []


def test_connection_refused_is_a_transient_failure(dead_port: int) -> None:
    """Nobody listening on the port is worth retrying later."""
    channel = EmailChannel("127.0.0.1", dead_port, SENDER, timeout=5.0)

    with pytest.raises(TransientFailure, match="ConnectionRefused"):
        channel.send(make_notice(), TO)


def test_server_that_never_greets_times_out_as_transient() -> None:
    """A server that accepts the connection but stays silent costs one timeout, then a retry."""
    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen(1)  # the kernel completes the handshake; nobody ever answers
        channel = EmailChannel("127.0.0.1", silent.getsockname()[1], SENDER, timeout=0.3)

        with pytest.raises(TransientFailure, match=r"timed out"):
            channel.send(make_notice(), TO)


@pytest.mark.parametrize("recipient", ["not an address", "a@b.cn, c@d.cn", "x@y.cn\r\nBcc: z@w.cn"])
def test_malformed_recipient_is_permanent_without_connecting(
    dead_port: int, recipient: str
) -> None:
    """A bad address fails before any connection: a connection attempt would be transient."""
    channel = EmailChannel("127.0.0.1", dead_port, SENDER, timeout=5.0)

    with pytest.raises(PermanentFailure, match="not a single email address"):
        channel.send(make_notice(), recipient)


def test_starttls_against_a_server_without_it_is_permanent(serve: Serve) -> None:
    """Asking for STARTTLS from a server that does not offer it is a configuration error."""
    inbox = Inbox()
    channel = channel_for(serve(inbox), starttls=True)

    with pytest.raises(PermanentFailure, match="STARTTLS"):
        channel.send(make_notice(), TO)
    assert inbox.offered == []


class Gatekeeper:
    """An aiosmtpd authenticator that accepts one login/password and records who got in."""

    def __init__(self, login: str, password: str) -> None:
        self._expected = (login.encode(), password.encode())
        self.admitted: list[bytes] = []

    def __call__(
        self, server: Any, session: Any, envelope: Any, mechanism: str, auth_data: Any
    ) -> AuthResult:
        given = (
            (auth_data.login, auth_data.password) if isinstance(auth_data, LoginPassword) else None
        )
        ok = given == self._expected
        if ok:
            self.admitted.append(auth_data.login)
        # handled=False: let aiosmtpd answer a refusal with its own 535.
        return AuthResult(success=ok, handled=False)


def serve_with_auth(serve: Serve, inbox: Inbox, gate: Gatekeeper) -> LoopbackController:
    # AUTH without TLS is acceptable here only because the server is on loopback.
    return serve(inbox, authenticator=gate, auth_require_tls=False)


def test_login_with_accepted_credentials_authenticates_then_delivers(serve: Serve) -> None:
    """With a username the channel logs in before sending."""
    inbox, gate = Inbox(), Gatekeeper("taizhang", "s3cret")
    controller = serve_with_auth(serve, inbox, gate)

    channel_for(controller, username="taizhang", password="s3cret").send(make_notice(), TO)

    assert gate.admitted == [b"taizhang"]
    assert len(inbox.accepted) == 1


def test_login_with_wrong_password_is_permanent(serve: Serve) -> None:
    """A 535 authentication refusal will not fix itself: someone must correct the password."""
    inbox, gate = Inbox(), Gatekeeper("taizhang", "s3cret")
    controller = serve_with_auth(serve, inbox, gate)

    with pytest.raises(PermanentFailure, match="535"):
        channel_for(controller, username="taizhang", password="wrong").send(make_notice(), TO)
    assert gate.admitted == []
    assert inbox.offered == []
