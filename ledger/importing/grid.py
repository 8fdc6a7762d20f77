"""A table as the readers hand it over: raw cell values by row, plus merged-cell origins.

Both readers (XLSX and CSV) produce a :class:`Grid`; everything after that is format-free.
:func:`text_grid` turns the raw values into normalised text in one batch, because
normalising (OpenCC above all) costs far less per character on one long string than on
a hundred thousand short ones, and repeated values (units, sections) are done once.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time

from ledger.limits import text_problem
from ledger.textnorm import normalize

CellValue = str | int | float | bool | date | datetime | time | None
Pos = tuple[int, int]
"""(row, column), both 1-based, as a spreadsheet user counts them."""

EXCEL_ERRORS = frozenset(
    {
        "#NULL!",
        "#DIV/0!",
        "#VALUE!",
        "#REF!",
        "#NAME?",
        "#NUM!",
        "#N/A",
        "#GETTING_DATA",
        "#SPILL!",
        "#CALC!",
    }
)

# Joins cells for one batched normalize() call; a control character that no cell carries
# (cells are cleaned of it first) and that neither OpenCC nor the pinyin rule touches.
_SEP = "\x1f"


@dataclass
class Grid:
    """Raw cell values; ``values[i]`` is spreadsheet row ``i + 1`` (rows may be ragged).

    ``origin`` maps a cell that a merged range filled to the range's top-left cell, so
    later steps can tell "the same merged cell as the row above" from "equal text".
    """

    values: list[list[CellValue]]
    origin: dict[Pos, Pos] = field(default_factory=dict)

    def anchor(self, pos: Pos) -> Pos:
        """The cell whose value ``pos`` shows: its merged range's top-left, or itself."""
        return self.origin.get(pos, pos)


def column_letter(column: int) -> str:
    """A column as a spreadsheet names it: 1 -> A, 27 -> AA."""
    letters = ""
    while column:
        column, rest = divmod(column - 1, 26)
        letters = chr(ord("A") + rest) + letters
    return letters


def unsafe_cells(grid: Grid) -> dict[Pos, str]:
    """Cells no ledger may keep (control characters, longer than a cell holds), each with
    why; they are blanked in ``grid`` so the header can still be found around them."""
    found: dict[Pos, str] = {}
    for r, row in enumerate(grid.values, 1):
        for c, value in enumerate(row, 1):
            if isinstance(value, str):
                problem = text_problem(value.replace("\r\n", "\n").replace("\r", "\n"))
                if problem:
                    found[(r, c)] = problem
                    row[c - 1] = None
    return found


def is_excel_error(value: CellValue) -> bool:
    """True for a cell holding an Excel error value such as #REF! or #N/A."""
    return isinstance(value, str) and value.strip() in EXCEL_ERRORS


def is_date(value: CellValue) -> bool:
    """True for a real date or date-time cell (not date-like text)."""
    return isinstance(value, date)


def raw_text(value: CellValue) -> str:
    """A cell value as text before normalisation; dates as 2017年6月30日."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value.replace("\r\n", "\n").replace("\r", "\n").replace(_SEP, " ")
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, date):  # datetime is a date too; the time of day is dropped
        return f"{value.year}年{value.month}月{value.day}日"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))  # Excel stores 序号 7 as 7.0
    return str(value)


def text_grid(grid: Grid) -> list[list[str]]:
    """Every cell as normalised text (no pinyin glosses, simplified, half-width)."""
    raw = [[raw_text(v) for v in row] for row in grid.values]
    mapping = normalize_all({t for row in raw for t in row if t})
    return [[mapping.get(t, "") for t in row] for row in raw]


def normalize_all(texts: set[str]) -> dict[str, str]:
    """normalize() each distinct text, in one call where the separator survives."""
    ordered = sorted(texts)
    if not ordered:
        return {}
    out = normalize(_SEP.join(ordered)).split(_SEP)
    if len(out) != len(ordered):  # never seen; stay correct rather than fast
        out = [normalize(t) for t in ordered]
    return dict(zip(ordered, out, strict=True))
