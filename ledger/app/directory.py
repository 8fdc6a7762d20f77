"""Use cases of the directory: who is told about a unit's tasks, and how."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from eventsourcing.domain import Aggregate

from ledger.app.base import LedgerBase
from ledger.directory import DIRECTORY_ID, Directory
from ledger.errors import NotFound


class DirectoryUseCases(LedgerBase):
    def directory(self) -> Directory:
        """The directory as it stands (an empty one before the first contact)."""
        try:
            return self.load(Directory, DIRECTORY_ID)
        except NotFound:
            return Directory.open(now=self.now())

    def add_contact(self, unit: str, *, channel: str, address: str, actor: str) -> None:
        """Tell ``unit`` about its tasks through ``channel`` at ``address`` too."""
        self._edit(Directory.add, unit=unit, channel=channel, address=address, actor=actor)

    def remove_contact(self, unit: str, *, channel: str, address: str, actor: str) -> None:
        """Stop telling ``unit`` through ``channel`` at ``address``."""
        self._edit(Directory.remove, unit=unit, channel=channel, address=address, actor=actor)

    def _edit(self, change: Callable[..., None], **fields: Any) -> None:
        def command(now: datetime) -> list[Aggregate]:
            directory = self.directory()
            change(directory, now=now, **fields)
            return [directory]

        self._write(command, what="the directory")
