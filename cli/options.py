"""Options shared by the read commands: the two time axes."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated

import typer

from cli.context import Context

AsOfOpt = Annotated[
    str | None,
    typer.Option("--as-of", help="As the ledger knew it at this time (transaction time)."),
]
ValidAtOpt = Annotated[
    str | None,
    typer.Option("--valid-at", help="What had happened by this day, as known now (valid time)."),
]


def moments(
    context: Context, as_of: str | None, valid_at: str | None
) -> tuple[datetime | None, date | None]:
    """Parse --as-of (a bare day means its end) and --valid-at."""
    from cli.values import parse_day, parse_instant

    at = parse_instant(as_of, "--as-of", context.zone, end_of_day=True) if as_of else None
    day = parse_day(valid_at, "--valid-at") if valid_at else None
    return at, day
