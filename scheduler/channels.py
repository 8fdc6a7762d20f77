"""What every channel promises: deliver one notice to one recipient, or say why not.

A channel reports trouble only through :class:`DeliveryFailure`, split by what the
caller should do next: try again later (:class:`TransientFailure`) or stop and tell a
person (:class:`PermanentFailure`). Every channel bounds its network calls with a
timeout, so one dead channel costs its caller at most that long and never blocks the
others.
"""

from __future__ import annotations

from typing import Protocol

from ledger.notify.message import Notice


class DeliveryFailure(Exception):
    """A notice did not reach a recipient through a channel."""

    def __init__(self, channel: str, recipient: str, reason: str) -> None:
        self.channel = channel
        self.recipient = recipient
        self.reason = reason
        target = f" to {recipient}" if recipient else ""
        super().__init__(f"{channel} could not deliver{target}: {reason}")


class TransientFailure(DeliveryFailure):
    """Worth retrying: the receiver was down, slow, busy or rate-limiting."""


class PermanentFailure(DeliveryFailure):
    """Retrying will not help: the address, URL or credentials must be fixed first."""


class Channel(Protocol):
    """Delivers a notice to a recipient; ``name`` tells channels apart in delivery records."""

    name: str

    def send(self, notice: Notice, recipient: str) -> None:
        """Return once the receiver has accepted the notice; raise DeliveryFailure if not."""
        ...
