"""Writing tables to XLSX and CSV files people open in a spreadsheet.

A cell whose text begins with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return
would be taken by a spreadsheet as a formula (``=HYPERLINK(…)``, ``=cmd|…``). What the
ledger holds is data, so such text is written as text: in XLSX as a string cell (never a
formula element), in CSV behind an apostrophe, as OWASP recommends (the importer drops
that apostrophe again, so an exported table imports unchanged).
"""

from __future__ import annotations

import csv
from collections.abc import Sequence
from pathlib import Path
from typing import Any

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def guarded(value: Any) -> Any:
    """A CSV cell's value: text that a spreadsheet would run gets an apostrophe first."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def write_csv(path: Path, headers: Sequence[str], records: Sequence[Sequence[Any]]) -> None:
    """UTF-8 with a byte-order mark, so Excel on Chinese Windows reads it right."""
    with path.open("w", encoding="utf-8-sig", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(headers)
        writer.writerows([[guarded(v) for v in record] for record in records])


def write_xlsx(path: Path, headers: Sequence[str], records: Sequence[Sequence[Any]]) -> None:
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(list(headers))
    for record in records:
        sheet.append(list(record))
    as_text(sheet)
    book.save(path)


def as_text(sheet: Any) -> None:
    """Every cell openpyxl took for a formula (its text began with ``=``) becomes a string."""
    for row in sheet.iter_rows():
        for cell in row:
            if cell.data_type == "f":
                cell.data_type = "s"
