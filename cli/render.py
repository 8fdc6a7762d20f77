"""Output in the three formats of the CLI contract: a Rich table, JSON, or CSV."""

from __future__ import annotations

import csv
import json
import sys
from collections.abc import Mapping, Sequence
from typing import Any

Columns = Sequence[tuple[str, str]]  # (field, header)

LIGHT_STYLE = {"green": "green", "yellow": "yellow", "red": "bold red"}


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, list | tuple):
        return "、".join(str(v) for v in value)
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def emit_json(document: Any) -> None:
    sys.stdout.write(json.dumps(document, ensure_ascii=False, indent=2, default=str) + "\n")


def emit_csv(rows: Sequence[Mapping[str, Any]], columns: Columns) -> None:
    writer = csv.writer(sys.stdout, lineterminator="\n")
    writer.writerow([field for field, _ in columns])
    for row in rows:
        writer.writerow([_cell(row.get(field)) for field, _ in columns])


def emit_table(
    rows: Sequence[Mapping[str, Any]], columns: Columns, *, title: str | None = None
) -> None:
    from rich.console import Console
    from rich.table import Table

    table = Table(title=title, show_lines=False, header_style="bold")
    for _, header in columns:
        table.add_column(header, overflow="fold")
    for row in rows:
        style = LIGHT_STYLE.get(str(row.get("light", "")))
        table.add_row(*(_cell(row.get(field)) for field, _ in columns), style=style)
    Console(soft_wrap=False).print(table)


def emit(
    fmt: str,
    rows: Sequence[Mapping[str, Any]],
    columns: Columns,
    *,
    title: str | None = None,
    document: Any = None,
) -> None:
    """Print ``rows``; JSON prints ``document`` when given (the contract's shape), else rows."""
    if fmt == "json":
        emit_json(rows if document is None else document)
    elif fmt == "csv":
        emit_csv(rows, columns)
    else:
        emit_table(rows, columns, title=title)


def say(message: str) -> None:
    """A human note on stderr, so stdout stays clean for scripts."""
    from rich.console import Console

    Console(stderr=True).print(message)
