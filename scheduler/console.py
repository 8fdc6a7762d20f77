"""Console channel: one line per digest, for development and as a last-resort log."""

from __future__ import annotations

import sys
from collections.abc import Callable

from scheduler.digest import Digest


def _to_stderr(line: str) -> None:
    print(line, file=sys.stderr)


class ConsoleChannel:
    """Always succeeds; writes ``[digest id] -> recipient: text`` as one line."""

    def __init__(self, log: Callable[[str], None] | None = None, *, name: str = "console") -> None:
        self.name = name
        self._log = log or _to_stderr

    def send(self, digest: Digest, recipient: str) -> None:
        line = f"[{digest.digest_id}] -> {recipient}: {digest.text()}"
        self._log(" ".join(line.split()))
