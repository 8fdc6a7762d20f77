"""A real SMTP server on loopback for tests: aiosmtpd with an inbox that records mail."""

from __future__ import annotations

import email
import email.policy
from collections import deque
from email.message import EmailMessage
from typing import Any

from aiosmtpd.controller import Controller


class Inbox:
    """An aiosmtpd handler that records every DATA it is offered and what it accepted."""

    def __init__(self, data_replies: list[str] | None = None, refuse: frozenset[str] = frozenset()):
        self.offered: list[EmailMessage] = []
        self.accepted: list[tuple[str, list[str], EmailMessage]] = []
        self._data_replies = deque(data_replies or [])
        self._refuse = refuse

    # aiosmtpd finds its hooks by these upper-case names.
    async def handle_RCPT(
        self, server: Any, session: Any, envelope: Any, address: str, rcpt_options: Any
    ) -> str:
        if address in self._refuse:
            return f"550 5.1.1 <{address}>: mailbox unavailable"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        parsed = email.message_from_bytes(envelope.content, policy=email.policy.default)
        assert isinstance(parsed, EmailMessage)
        self.offered.append(parsed)
        reply = self._data_replies.popleft() if self._data_replies else "250 OK"
        if reply.startswith("250"):
            self.accepted.append((envelope.mail_from, list(envelope.rcpt_tos), parsed))
        return reply


class LoopbackController(Controller):
    """Listens on an OS-chosen port, so parallel test runs never collide."""

    def _trigger_server(self) -> None:
        # Started with port 0: learn the real port before aiosmtpd's readiness probe
        # connects to self.port.
        server: Any = self.server
        self.port = server.sockets[0].getsockname()[1]
        super()._trigger_server()  # type: ignore[no-untyped-call]
