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


def fit(widths: Sequence[int], room: int, floor: int = 4) -> list[int]:
    """Column widths that fit ``room`` cells: the widest columns narrow first (their
    text wraps), none below ``floor`` or its own width."""
    fitted = list(widths)
    while sum(fitted) > room:
        widest = max(fitted)
        if widest <= floor:
            break
        below = max((w for w in fitted if w < widest), default=0)
        count = fitted.count(widest)
        over = sum(fitted) - room
        cut = min(widest - max(below, floor), -(-over // count))
        fitted = [w - cut if w == widest else w for w in fitted]
    return fitted


def emit_table(
    rows: Sequence[Mapping[str, Any]], columns: Columns, *, title: str | None = None
) -> None:
    from rich.cells import cell_len
    from rich.console import Console
    from rich.table import Table
    from rich.text import Text

    console = Console(soft_wrap=False, highlight=False)
    cells = [[_cell(row.get(field)) for field, _ in columns] for row in rows]
    # Widths are measured here, once per cell, and fitted to the terminal: left to
    # itself Rich measures every cell several times over, most of the time of a long
    # list of Chinese text. Each column adds a border and two cells of padding.
    natural = [
        max(
            cell_len(line) for text in [header, *(r[i] for r in cells)] for line in text.split("\n")
        )
        for i, (_, header) in enumerate(columns)
    ]
    table = Table(title=title, show_lines=False, header_style="bold")
    for (_, header), width in zip(
        columns, fit(natural, console.width - 3 * len(columns) - 1), strict=False
    ):
        table.add_column(header, overflow="fold", width=width)
    for row, texts in zip(rows, cells, strict=True):
        style = LIGHT_STYLE.get(str(row.get("light", "")))
        # Text, not str: what a table holds is data, never Rich markup ("[2024]" stays).
        table.add_row(*(Text(t) for t in texts), style=style)
    console.print(table)


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
