"""What every channel promises: deliver one digest to one recipient, or say why not.

A channel reports trouble only through :class:`DeliveryFailure`, split by what the
caller should do next: try again later (:class:`TransientFailure`) or stop and tell a
person (:class:`PermanentFailure`). Every network call is bounded by the channel's
``timeout`` (connecting, and each wait for the other side), so a dead receiver costs at
most that long, and the delivery round runs each receiver on a thread of its own.
"""

from __future__ import annotations

from typing import Protocol

from scheduler.digest import Digest


class DeliveryFailure(Exception):
    """A digest did not reach a recipient through a channel."""

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
    """Delivers a digest to a recipient; ``name`` tells channels apart in delivery records."""

    name: str

    def send(self, digest: Digest, recipient: str) -> None:
        """Return once the receiver has accepted the digest; raise DeliveryFailure if not."""
        ...
