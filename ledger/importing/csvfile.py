"""Read a CSV breakdown table: UTF-8 (with or without BOM) or GB18030 (Excel on Chinese Windows)."""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path

from ledger.importing.grid import CellValue, Grid
from ledger.importing.model import TableError

# A leading apostrophe that keeps a spreadsheet from reading a cell as a formula (as
# `plan export` writes them, and as OWASP recommends) is not part of the text.
_GUARDED = re.compile(r"^'(?=[=+\-@\t\r])")


def read_csv(path: Path) -> Grid:
    """All rows of ``path`` as text cells. Cells of any size are read; the table checks
    their size, naming the row and column, the same way for CSV and XLSX."""
    text = decode(path.read_bytes(), path)
    csv.field_size_limit(max(csv.field_size_limit(), len(text) + 1))
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        values: list[list[CellValue]] = [[_GUARDED.sub("", cell) for cell in row] for row in reader]
    except csv.Error as err:
        raise TableError.single(f"{path.name}: not a readable CSV file ({err})") from None
    return Grid(values)


def decode(data: bytes, path: Path) -> str:
    """Text of a CSV file: UTF-8 first (a GB18030 file is almost never valid UTF-8)."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("gb18030")
    except UnicodeDecodeError:
        raise TableError.single(
            f"{path.name}: not UTF-8 or GB18030 text; save the table as CSV UTF-8 or as .xlsx"
        ) from None
