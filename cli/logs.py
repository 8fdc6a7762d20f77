"""structlog, configured once at the entrypoint: console on a TTY, JSON lines otherwise.

The callback only records the level; structlog itself is set up the first time a command
logs (:func:`logger`), so read commands that log nothing do not pay for importing it.
An exception is logged with its type, message and frames (in JSON as a structure), never
with the frames' local variables; fields that hold secrets are hidden first.
"""

from __future__ import annotations

import sys
from collections.abc import MutableMapping
from typing import Any, TextIO, cast

from ledger import redact

# The one place the process's logging setup lives (set by the CLI callback).
_state = {"level": "warning", "configured": False}


def configure(level: str = "warning") -> None:
    _state.update(level=level, configured=False)


class _Stderr:
    """Whatever ``sys.stderr`` is when a line is written (a test runner swaps it per
    command), not the stream that was there when logging was set up."""

    def write(self, text: str) -> int:
        return sys.stderr.write(text)

    def flush(self) -> None:
        sys.stderr.flush()


def hide_secrets(
    _logger: Any, _name: str, event: MutableMapping[str, Any]
) -> MutableMapping[str, Any]:
    """A structlog processor: secret fields become ``***``, URLs lose passwords and keys."""
    for key, value in list(event.items()):
        if not isinstance(value, str):
            continue
        if redact.is_secret(key):
            event[key] = "***"
        elif "://" in value:
            event[key] = redact.url(value, query=not value.startswith("postgresql"))
    return event


def logger() -> Any:
    """The structlog logger, set up on first use."""
    import logging

    import structlog

    if not _state["configured"]:
        if sys.stderr.isatty():
            tail: list[Any] = [
                structlog.dev.ConsoleRenderer(exception_formatter=structlog.dev.plain_traceback)
            ]
        else:
            tail = [
                structlog.processors.ExceptionRenderer(
                    structlog.tracebacks.ExceptionDictTransformer(show_locals=False)
                ),
                structlog.processors.JSONRenderer(ensure_ascii=False),
            ]
        structlog.configure(
            processors=[
                structlog.contextvars.merge_contextvars,
                structlog.processors.add_log_level,
                structlog.processors.TimeStamper(fmt="iso", utc=True),
                hide_secrets,
                *tail,
            ],
            wrapper_class=structlog.make_filtering_bound_logger(
                logging.getLevelNamesMapping().get(str(_state["level"]).upper(), logging.WARNING)
            ),
            logger_factory=lambda *_: structlog.PrintLogger(file=cast(TextIO, _Stderr())),
            cache_logger_on_first_use=False,
        )
        _state["configured"] = True
    return structlog.get_logger()
