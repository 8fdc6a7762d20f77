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


# Named cell styles of the sheets a leader reads: one style registered per workbook and
# named on each cell (BENCHMARKS.md: styling cell by cell took most of a 20,000-task 台账).
BODY, HEADER, DAY = "台账正文", "台账表头", "台账日期"
FILLS = {"red": "FFC7CE", "yellow": "FFEB9C", "green": "C6EFCE"}


def styles(book: Any) -> None:
    """Register the named styles once in ``book``: body, header, day, and the body on
    each light's colour (``台账正文-red`` …)."""
    from openpyxl.styles import Alignment, Border, Font, NamedStyle, PatternFill, Side

    if BODY in book.named_styles:
        return
    thin = Side(style="thin", color="999999")
    edge = Border(left=thin, right=thin, top=thin, bottom=thin)
    wrap = Alignment(vertical="top", wrap_text=True)
    book.add_named_style(NamedStyle(name=BODY, alignment=wrap, border=edge))
    book.add_named_style(
        NamedStyle(name=DAY, alignment=wrap, border=edge, number_format="yyyy-mm-dd")
    )
    for light, colour in FILLS.items():
        fill = PatternFill("solid", fgColor=colour)
        book.add_named_style(
            NamedStyle(name=f"{BODY}-{light}", alignment=wrap, border=edge, fill=fill)
        )
    centred = Alignment(horizontal="center", vertical="center", wrap_text=True)
    header = PatternFill("solid", fgColor="D9E1F2")
    book.add_named_style(
        NamedStyle(name=HEADER, font=Font(bold=True), fill=header, alignment=centred, border=edge)
    )


def titled_sheet(
    sheet: Any,
    title: str,
    columns: Sequence[tuple[str, float]],
    records: Sequence[Sequence[Any]],
) -> None:
    """A sheet a leader reads: a title row across the columns, a bold header kept in
    view (frozen), set column widths, wrapped text, and text never taken for a formula.
    ``columns``: (header, width in characters)."""
    from openpyxl.styles import Alignment, Font
    from openpyxl.utils import get_column_letter

    styles(sheet.parent)
    width = len(columns)
    sheet.append([title])
    sheet.merge_cells(start_row=1, start_column=1, end_row=1, end_column=width)
    sheet["A1"].font = Font(bold=True, size=16)
    sheet["A1"].alignment = Alignment(horizontal="center", vertical="center")
    sheet.row_dimensions[1].height = 30
    sheet.append([h for h, _ in columns])
    for record in records:
        sheet.append(list(record))
    for row in sheet.iter_rows(min_row=2):
        for cell in row:
            cell.style = BODY if cell.row > 2 else HEADER
            if cell.data_type == "f":  # as_text, in the same pass
                cell.data_type = "s"
    for i, (_, chars) in enumerate(columns, start=1):
        sheet.column_dimensions[get_column_letter(i)].width = chars
    sheet.freeze_panes = "A3"
