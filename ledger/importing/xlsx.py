"""Read an XLSX breakdown table with openpyxl, filling merged ranges.

openpyxl's read-only mode streams the sheet but does not expose merged ranges; the full
mode does, at nearly twice the time on a large sheet (BENCHMARKS.md). So values come
from read-only mode and the ``<mergeCell ref="B3:B12"/>`` entries are picked out of the
sheet's XML with one regular expression.
"""

from __future__ import annotations

import re
import zipfile
from pathlib import Path
from typing import Any

from ledger.importing.grid import CellValue, Grid, Pos
from ledger.importing.model import TableError

_MERGE_REF = re.compile(rb"""<(?:\w+:)?mergeCell\b[^>]*?\bref=["']([A-Z]+[0-9]+):([A-Z]+[0-9]+)""")
_CELL_REF = re.compile(r"([A-Z]+)([0-9]+)")


def read_xlsx(path: Path, sheet: str | None = None) -> Grid:
    """The values of one sheet (the named one, else the active one), merged ranges filled."""
    import openpyxl
    from openpyxl.utils.exceptions import InvalidFileException

    try:
        # data_only: a formula cell gives the value Excel last calculated, as the user saw it
        wb = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except (zipfile.BadZipFile, InvalidFileException, KeyError, OSError, ValueError) as err:
        raise TableError.single(f"{path.name}: not a readable .xlsx file ({err})") from None
    try:
        ws = _pick_sheet(wb, sheet, path)
        ws.reset_dimensions()  # some writers record a wrong size; read every row instead
        values: list[list[CellValue]] = [
            list(row) for row in ws.iter_rows(min_row=1, min_col=1, values_only=True)
        ]
        xml_path: str = ws._worksheet_path  # openpyxl keeps it; there is no public accessor
    finally:
        wb.close()
    grid = Grid(values)
    # Rows and columns past the data would only repeat a merged value (a section merged
    # down to row 1000, a title across 26 columns): clip, so they cost nothing.
    height, width = len(values), max(map(len, values), default=0)
    for (r0, c0), (r1, c1) in _merged_ranges(path, xml_path):
        _fill(grid, (r0, c0), (min(r1, height), min(c1, width)))
    return grid


def _pick_sheet(wb: Any, sheet: str | None, path: Path) -> Any:
    if sheet is None:
        return wb.active if wb.active is not None else wb.worksheets[0]
    if sheet not in wb.sheetnames:
        names = "、".join(wb.sheetnames)
        raise TableError.single(f"{path.name}: no sheet named {sheet!r} (sheets: {names})")
    return wb[sheet]


def _merged_ranges(path: Path, xml_path: str) -> list[tuple[Pos, Pos]]:
    with zipfile.ZipFile(path) as archive:
        xml = archive.read(xml_path.lstrip("/"))
    return [(_pos(a.decode()), _pos(b.decode())) for a, b in _MERGE_REF.findall(xml)]


def _pos(ref: str) -> Pos:
    match = _CELL_REF.fullmatch(ref)
    if match is None:  # the pattern above only lets letter+digit refs through
        raise ValueError(ref)
    letters, digits = match.groups()
    column = 0
    for ch in letters:
        column = column * 26 + ord(ch) - ord("A") + 1
    return int(digits), column


def _fill(grid: Grid, first: Pos, last: Pos) -> None:
    """Copy a merged range's top-left value into every cell of the range."""
    (r0, c0), (r1, c1) = first, last
    value = _get(grid, r0, c0)
    for r in range(r0, r1 + 1):
        row = grid.values[r - 1]
        if len(row) < c1:
            row.extend([None] * (c1 - len(row)))
        for c in range(c0, c1 + 1):
            if (r, c) != first:
                row[c - 1] = value
                grid.origin[(r, c)] = first


def _get(grid: Grid, row: int, column: int) -> CellValue:
    if row > len(grid.values) or column > len(grid.values[row - 1]):
        return None
    return grid.values[row - 1][column - 1]
