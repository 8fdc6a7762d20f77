"""The Directory aggregate: who is told about a unit's tasks, and how.

A unit (市财政局) has contacts: an email address, or a webhook URL of its work group's
robot. The registry is kept in the ledger, so who was reachable when is on record.
There is one directory per ledger.
"""

from __future__ import annotations

from datetime import datetime
from uuid import UUID, uuid5

from eventsourcing.domain import Aggregate

from ledger.errors import InvalidInput, RuleViolation
from ledger.ids import NAMESPACE

DIRECTORY_ID: UUID = uuid5(NAMESPACE, "directory")
CHANNELS = ("email", "webhook", "wecom", "dingtalk")


class Directory(Aggregate):
    """Units and their contacts: ``contacts[unit] == [[channel, address], ...]``."""

    class Opened(Aggregate.Created):
        pass

    def __init__(self) -> None:
        self.contacts: dict[str, list[list[str]]] = {}

    @classmethod
    def open(cls, *, now: datetime) -> Directory:
        return cls._create(cls.Opened, id=DIRECTORY_ID, timestamp=now)

    class ContactAdded(Aggregate.Event):
        unit: str
        channel: str
        address: str
        actor: str

        def apply(self, directory: Directory) -> None:
            directory.contacts.setdefault(self.unit, []).append([self.channel, self.address])

    class ContactRemoved(Aggregate.Event):
        unit: str
        channel: str
        address: str
        actor: str

        def apply(self, directory: Directory) -> None:
            directory.contacts[self.unit].remove([self.channel, self.address])

    def add(self, *, unit: str, channel: str, address: str, actor: str, now: datetime) -> None:
        if channel not in CHANNELS:
            raise InvalidInput(f"channel {channel!r}: use one of {', '.join(CHANNELS)}")
        if channel == "email" and "@" not in address:
            raise InvalidInput(f"{address!r} is not an email address")
        if channel != "email" and not address.startswith(("http://", "https://")):
            raise InvalidInput(f"{address!r} is not an http(s) URL")
        if [channel, address] in self.contacts.get(unit, []):
            raise RuleViolation(f"{unit} already has {channel} {address}")
        self.trigger_event(
            self.ContactAdded,
            timestamp=now,
            unit=unit,
            channel=channel,
            address=address,
            actor=actor,
        )

    def remove(self, *, unit: str, channel: str, address: str, actor: str, now: datetime) -> None:
        if [channel, address] not in self.contacts.get(unit, []):
            raise RuleViolation(f"{unit} has no {channel} contact {address}")
        self.trigger_event(
            self.ContactRemoved,
            timestamp=now,
            unit=unit,
            channel=channel,
            address=address,
            actor=actor,
        )

    def of(self, units: list[str]) -> list[list[str]]:
        """[[unit, channel, address], ...] for the given units, in their order."""
        return [[u, c, a] for u in units for c, a in self.contacts.get(u, [])]
