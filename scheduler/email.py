"""Email channel: one UTF-8 message per digest and recipient, over SMTP (stdlib smtplib).

Delivery is at least once: if the connection drops after the server took the message
but before we heard its reply, the next attempt sends it again. The ``Message-ID`` is
derived from the digest's alerts alone, so every copy of a digest carries the same one
and the receiving side can drop repeats; ``X-Taizhang-Alert`` lists the alert ids.
"""

from __future__ import annotations

import hashlib
import re
import smtplib
import ssl
from email.message import EmailMessage
from email.utils import format_datetime, parseaddr

from scheduler.channels import DeliveryFailure, PermanentFailure, TransientFailure
from scheduler.digest import Digest

# Deliberately narrow: one bare address, no lists, no spaces, no angle brackets.
_ADDRESS = re.compile(r"[^@\s<>,;\"]+@[^@\s<>,;\"]+")


def message_id(digest_id: str) -> str:
    """The Message-ID every copy of this digest carries (a hash, so any id fits)."""
    hashed = hashlib.sha256(digest_id.encode("utf-8")).hexdigest()[:32]
    return f"<digest.{hashed}@taizhang>"


def bare_address(recipient: str) -> str | None:
    """The address in ``a@b`` or ``名字 <a@b>``, or None if it is not exactly one address."""
    if any(ch in recipient for ch in ",;\r\n\0"):
        return None
    _, address = parseaddr(recipient)
    plain = recipient.strip()
    if not _ADDRESS.fullmatch(address):
        return None
    if plain != address and not plain.endswith(f"<{address}>"):
        return None
    return address


class EmailChannel:
    """Sends each digest as an email through one SMTP server."""

    def __init__(
        self,
        host: str,
        port: int,
        sender: str,
        *,
        starttls: bool = False,
        username: str | None = None,
        password: str | None = None,
        timeout: float = 5.0,
        name: str = "email",
    ) -> None:
        if bare_address(sender) is None:
            raise ValueError(f"sender {sender!r} is not a single email address")
        if timeout <= 0:
            raise ValueError(f"timeout must be positive, got {timeout}")
        self.name = name
        self.host = host
        self.port = port
        self.sender = sender
        self.starttls = starttls
        self.username = username
        self.password = password
        self.timeout = timeout

    def compose(self, digest: Digest, recipient: str) -> EmailMessage:
        """The message as it will be sent; Date is when the newest alert was raised, so
        retries match."""
        message = EmailMessage()
        message["Subject"] = digest.subject
        message["From"] = self.sender
        message["To"] = recipient
        message["Date"] = format_datetime(digest.raised_at)
        message["Message-ID"] = message_id(digest.digest_id)
        message["X-Taizhang-Alert"] = ", ".join(digest.alert_ids)
        message.set_content(digest.text() + "\n", charset="utf-8")
        return message

    def send(self, digest: Digest, recipient: str) -> None:
        address = bare_address(recipient)
        if address is None:
            raise PermanentFailure(self.name, recipient, "not a single email address")
        message = self.compose(digest, recipient)
        smtp = smtplib.SMTP(timeout=self.timeout)
        try:
            self._transmit(smtp, message, address)
        except smtplib.SMTPRecipientsRefused as e:
            code, reply = e.recipients.get(address, (-1, b"refused"))
            raise self._by_code(recipient, code, reply) from e
        except smtplib.SMTPResponseException as e:
            raise self._by_code(recipient, e.smtp_code, e.smtp_error) from e
        except smtplib.SMTPNotSupportedError as e:
            # e.g. starttls=True against a server that does not offer STARTTLS.
            raise PermanentFailure(self.name, recipient, f"server does not support: {e}") from e
        except ssl.SSLCertVerificationError as e:
            raise PermanentFailure(self.name, recipient, f"TLS certificate rejected: {e}") from e
        except OSError as e:
            # Refused, reset, timed out, disconnected: the server may be back later.
            raise TransientFailure(
                self.name, recipient, f"{self.host}:{self.port} {type(e).__name__}: {e}"
            ) from e
        # The server has the message; a failed goodbye must not turn that into a retry.
        try:
            smtp.quit()
        except (smtplib.SMTPException, OSError):
            smtp.close()

    def _transmit(self, smtp: smtplib.SMTP, message: EmailMessage, address: str) -> None:
        try:
            smtp.connect(self.host, self.port)
            if self.starttls:
                smtp.starttls(context=ssl.create_default_context())
            if self.username is not None:
                smtp.login(self.username, self.password or "")
            smtp.send_message(message, from_addr=bare_address(self.sender), to_addrs=[address])
        except BaseException:
            # No polite QUIT here: after a timeout it would wait a second timeout.
            smtp.close()
            raise

    def _by_code(self, recipient: str, code: int, reply: bytes | str) -> DeliveryFailure:
        """SMTP says 5xx for "do not try again"; anything else may pass later."""
        text = reply.decode("utf-8", "replace") if isinstance(reply, bytes) else reply
        reason = f"server replied {code} {text}".strip()
        if 500 <= code < 600:
            return PermanentFailure(self.name, recipient, reason)
        return TransientFailure(self.name, recipient, reason)
