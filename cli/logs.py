"""structlog, configured once at the entrypoint: console on a TTY, JSON lines otherwise.

The callback only records the level; structlog itself is set up the first time a command
logs (:func:`logger`), so read commands that log nothing do not pay for importing it.
"""

from __future__ import annotations

import logging
import sys
from typing import Any

# The one place the process's logging setup lives (set by the CLI callback).
_state = {"level": "warning", "configured": False}


def configure(level: str = "warning") -> None:
    _state.update(level=level, configured=False)


def logger() -> Any:
    """The structlog logger, set up on first use."""
    import structlog

    if not _state["configured"]:
        renderer: Any = (
            structlog.dev.ConsoleRenderer()
            if sys.stderr.isatty()
            else structlog.processors.JSONRenderer(ensure_ascii=False)
        )
        structlog.configure(
            processors=[
                structlog.contextvars.merge_contextvars,
                structlog.processors.add_log_level,
                structlog.processors.TimeStamper(fmt="iso", utc=True),
                renderer,
            ],
            wrapper_class=structlog.make_filtering_bound_logger(
                logging.getLevelNamesMapping().get(str(_state["level"]).upper(), logging.WARNING)
            ),
            logger_factory=structlog.PrintLoggerFactory(file=sys.stderr),
            cache_logger_on_first_use=False,
        )
        _state["configured"] = True
    return structlog.get_logger()
