"""Delivering alerts: notices, the channels that carry them, and when to retry.

Channels use the standard library only (smtplib, urllib, json). Each reports failure as
:class:`TransientFailure` (retry later) or :class:`PermanentFailure` (a person must fix
something); :mod:`ledger.notify.retry` turns those into a deterministic schedule.
"""

from ledger.notify.channel import Channel, DeliveryFailure, PermanentFailure, TransientFailure
from ledger.notify.console import ConsoleChannel
from ledger.notify.mail import EmailChannel, message_id
from ledger.notify.message import KIND_LABELS, Notice, render_text
from ledger.notify.retry import Backoff, DeliveryState, attempt, due_deliveries
from ledger.notify.webhook import WebhookChannel

__all__ = [
    "KIND_LABELS",
    "Backoff",
    "Channel",
    "ConsoleChannel",
    "DeliveryFailure",
    "DeliveryState",
    "EmailChannel",
    "Notice",
    "PermanentFailure",
    "TransientFailure",
    "WebhookChannel",
    "attempt",
    "due_deliveries",
    "message_id",
    "render_text",
]
