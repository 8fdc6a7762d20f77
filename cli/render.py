"""Output in the three formats of the CLI contract: a Rich table, JSON, or CSV."""

from __future__ import annotations

import csv
import json
import sys
from collections.abc import Mapping, Sequence
from typing import Any

Columns = Sequence[tuple[str, str]]  # (field, header)

LIGHT_STYLE = {"green": "green", "yellow": "yellow", "red": "bold red"}
# Control characters a cell must not send to a terminal (ESC, CR, BEL…): tabs become
# spaces and line breaks stay, everything else goes.
_CONTROLS = dict.fromkeys([*range(9), *range(11, 32), *range(127, 160)])


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, list | tuple):
        return "、".join(str(v) for v in value)
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def printable(text: str) -> str:
    """Text as a terminal may show it: no control characters, tabs as spaces."""
    return text.replace("\r\n", "\n").replace("\r", "\n").expandtabs(4).translate(_CONTROLS)


def emit_json(document: Any) -> None:
    sys.stdout.write(json.dumps(document, ensure_ascii=False, indent=2, default=str) + "\n")


def emit_csv(rows: Sequence[Mapping[str, Any]], columns: Columns) -> None:
    writer = csv.writer(sys.stdout, lineterminator="\n")
    writer.writerow([field for field, _ in columns])
    for row in rows:
        writer.writerow([_cell(row.get(field)) for field, _ in columns])


def fit(widths: Sequence[int], room: int, floors: Sequence[int] | None = None) -> list[int]:
    """Column widths that fit ``room`` cells: the widest columns narrow first (their text
    wraps), none below its floor (default: its own width, or 4)."""
    low = list(floors) if floors is not None else [min(w, 4) for w in widths]
    fitted = list(widths)
    while sum(fitted) > room:
        narrowable = [i for i, w in enumerate(fitted) if w > low[i]]
        if not narrowable:
            break  # wider than the room even at the floors: the terminal wraps it
        widest = max(fitted[i] for i in narrowable)
        top = [i for i in narrowable if fitted[i] == widest]
        below = max([fitted[i] for i in narrowable if fitted[i] < widest] + [low[i] for i in top])
        cut = min(widest - below, -(-(sum(fitted) - room) // len(top)))
        for i in top:
            fitted[i] = max(fitted[i] - cut, low[i])
    return fitted


def comfortable(texts: Sequence[str], least: int = 8, most: int = 20) -> int:
    """How narrow a column may go before words are cut: its longest word that has no
    Chinese in it ("in_progress", a progress bar; Chinese breaks anywhere), kept
    between ``least`` and ``most`` cells."""
    from rich.cells import cell_len

    words = [w for t in texts for w in t.split() if cell_len(w) == len(w)]
    return max(least, min(max((len(w) for w in words), default=0), most))


def wrap(text: str, width: int) -> list[str]:
    """``text`` in lines of at most ``width`` cells: words kept whole where they fit,
    longer ones (and runs of Chinese, which has no spaces) cut at the width."""
    from rich.cells import cell_len, chop_cells

    lines: list[str] = []
    for paragraph in text.split("\n"):
        line = ""
        for word in paragraph.split(" "):
            joined = f"{line} {word}" if line else word
            if cell_len(joined) <= width:
                line = joined
                continue
            if line:
                lines.append(line)
            pieces = [p for p in chop_cells(word, width) if p] or [""]
            lines.extend(pieces[:-1])
            line = pieces[-1]
        lines.append(line)
    return lines


class _Segments:
    """Lines already laid out, handed to Rich as they are: no wrapping, no cropping."""

    def __init__(self) -> None:
        from rich.segment import Segment
        from rich.style import Style

        self.segments: list[Any] = []
        # Imported once here: a table of a few hundred rows adds thousands of segments.
        self._segment, self._style = Segment, Style.parse

    def add(self, text: str, style: str | None = None) -> None:
        self.segments.append(self._segment(text, self._style(style) if style else None))

    def __rich_console__(self, console: Any, options: Any) -> Any:
        return iter(self.segments)


def emit_table(
    rows: Sequence[Mapping[str, Any]], columns: Columns, *, title: str | None = None
) -> None:
    """A table in Rich's heavy-head box, its columns fitted to the terminal.

    Laid out here, and handed to Rich as segments: Rich's Table renders each cell through
    its whole pipeline (padding, measuring, wrapping, cropping), which for a unit's few
    hundred tasks took longer than the rest of the command. Cells are text, never markup.
    """
    from rich.box import HEAVY_HEAD as BOX
    from rich.cells import cell_len, set_cell_size
    from rich.console import Console

    console = Console(soft_wrap=False, highlight=False)
    headers = [header for _, header in columns]
    cells = [[printable(_cell(row.get(field))) for field, _ in columns] for row in rows]
    natural = [
        max(cell_len(line) for text in [h, *(r[i] for r in cells)] for line in text.split("\n"))
        for i, h in enumerate(headers)
    ]
    floors = [
        min(comfortable([h, *(r[i] for r in cells)]), natural[i]) for i, h in enumerate(headers)
    ]
    # Each column adds a border and a cell of padding on either side. Words are cut only
    # where the terminal is too narrow for them.
    room = console.width - 3 * len(columns) - 1
    widths = fit(fit(natural, room, floors), room)
    padded = [w + 2 for w in widths]
    out = _Segments()

    def line(texts: list[str], left: str, middle: str, right: str, style: str | None) -> None:
        wrapped = [wrap(text, width) for text, width in zip(texts, widths, strict=True)]
        for k in range(max(len(lines) for lines in wrapped)):
            out.add(left)
            for i, lines in enumerate(wrapped):
                out.add(
                    " " + set_cell_size(lines[k] if k < len(lines) else "", widths[i]) + " ", style
                )
                out.add(middle if i < len(wrapped) - 1 else right)
            out.add("\n")

    if title:
        margin = (sum(padded) + len(padded) + 1 - cell_len(title)) // 2
        out.add(" " * max(margin, 0))
        out.add(title, "italic")
        out.add("\n")
    out.add(BOX.get_top(padded) + "\n")
    line(headers, BOX.head_left, BOX.head_vertical, BOX.head_right, "bold")
    out.add(BOX.get_row(padded, level="head") + "\n")
    for row, texts in zip(rows, cells, strict=True):
        light = LIGHT_STYLE.get(str(row.get("light", "")))
        line(texts, BOX.mid_left, BOX.mid_vertical, BOX.mid_right, light)
    out.add(BOX.get_bottom(padded) + "\n")
    console.print(out, crop=False)


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
    """A human note on stderr, so stdout stays clean for scripts. Names in it come from
    tables and flags: printed as they are, never read as Rich markup. Lines are left
    whole for the terminal to wrap: a command in a note copies as one line."""
    from rich.console import Console

    Console(stderr=True, highlight=False, soft_wrap=True).print(message, markup=False)
