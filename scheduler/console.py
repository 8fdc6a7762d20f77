"""Console channel: one line per notice, for development and as a last-resort log."""

from __future__ import annotations

import sys
from collections.abc import Callable

from ledger.notify.message import Notice


def _to_stderr(line: str) -> None:
    print(line, file=sys.stderr)


class ConsoleChannel:
    """Always succeeds; writes ``[kind] alert_id -> recipient: text`` as one line."""

    def __init__(self, log: Callable[[str], None] | None = None, *, name: str = "console") -> None:
        self.name = name
        self._log = log or _to_stderr

    def send(self, notice: Notice, recipient: str) -> None:
        line = f"[{notice.kind}] {notice.alert_id} -> {recipient}: {notice.text}"
        self._log(" ".join(line.split()))
