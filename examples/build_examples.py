"""Build each example's .xlsx from its curated .csv, so the two never drift apart.

    .venv/bin/python examples/build_examples.py

The CSV (UTF-8 with BOM, so Excel opens it) is the source of truth and is edited by hand.
The XLSX shows the same table the way offices send it: a merged title row above the
header, and 项目 / 工作任务 cells merged over the rows they cover. The output is
byte-for-byte reproducible, so rebuilding an unchanged CSV leaves git clean.

Sources
-------
dalian-2017.csv: 《大连市2017年政务公开工作要点》, issued 2017-05-26 by 大连市人民政府办公厅
as 大政办发〔2017〕70号 (seed 002: traditional characters with pinyin glosses, here
simplified, glosses removed, the scraped page's ASCII commas restored to ，). One row per
requirement that carries its own units: each paragraph ending in "(…牵头落实)" and the
like, with 项目 = the numbered part (一、…) and 工作任务 = the numbered item ((一)…).
Choices made by hand, where the plan itself is silent or damaged:
- 完成时限 holds the plan's own time words (按月, 11月底前；12月底前, 年内不少于5次…);
  several are joined with ；. A recurring or standing duty with no time words is
  "持续推进"; a one-off task with none (序号 33, 35, 45) is left empty, not dated.
- Units that only "落实" beside a 牵头 unit are listed under 配合单位; so is 市政府办公厅
  in 七(二), the office the departments must "对接" with.
- Part 七 has no unit parentheticals: the units are the subjects its sentences name
  (各单位, 行政机关, 各级政府及部门…); 七(二) and the closing paragraph are split where
  a sentence names other units or another deadline. 七(六) names no one; its lead
  "各地区各部门" comes from the closing paragraph, which charges 各地区各部门 with the plan.
- The page garbled "收购期间" (row 15) into "收購?fù)…緯r"; restored from context.
"""

from __future__ import annotations

import csv
import io
import re
import zipfile
from pathlib import Path

from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

EXAMPLES = Path(__file__).resolve().parent
TITLE_ROWS = 1  # each CSV starts with its title row, then the header row
MERGED = ("项目", "工作任务")  # outer to inner: a 工作任务 run never crosses a 项目 boundary
WIDTHS = {"序号": 6, "项目": 18, "工作任务": 22, "具体要求": 64, "牵头单位": 30,
          "配合单位": 30, "完成时限": 14}
FIXED_TIME = (2017, 5, 26, 0, 0, 0)  # the Dalian plan's issue date; any constant would do

_THIN = Side(style="thin", color="999999")
_BOX = Border(left=_THIN, right=_THIN, top=_THIN, bottom=_THIN)


def main() -> None:
    for source in sorted(EXAMPLES.glob("*.csv")):
        target = source.with_suffix(".xlsx")
        target.write_bytes(build(source))
        print(f"{source.name} -> {target.name}")


def build(source: Path) -> bytes:
    """The XLSX file for one CSV example."""
    with source.open(encoding="utf-8-sig", newline="") as f:
        rows = list(csv.reader(f))
    title, header, body = rows[0][0], rows[TITLE_ROWS], rows[TITLE_ROWS + 1 :]
    wb = Workbook()
    ws = wb.active
    assert isinstance(ws, Worksheet)
    ws.title = "重点任务分解表"
    _write_title(ws, title, len(header))
    _write_header(ws, header)
    _write_body(ws, header, body)
    _merge_runs(ws, header, body)
    buffer = io.BytesIO()
    wb.save(buffer)
    return _reproducible(buffer.getvalue())


def _write_title(ws: Worksheet, title: str, width: int) -> None:
    ws.append([title])
    ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=width)
    ws["A1"].font = Font(bold=True, size=14)
    ws["A1"].alignment = Alignment(horizontal="center")


def _write_header(ws: Worksheet, header: list[str]) -> None:
    ws.append(header)
    row = TITLE_ROWS + 1
    for col, name in enumerate(header, 1):
        cell = ws.cell(row=row, column=col)
        cell.font = Font(bold=True)
        cell.fill = PatternFill("solid", fgColor="DDDDDD")
        cell.alignment = Alignment(horizontal="center", vertical="center")
        cell.border = _BOX
        ws.column_dimensions[get_column_letter(col)].width = WIDTHS.get(name, 16)
    ws.freeze_panes = f"A{row + 1}"  # a coordinate, not ws.cell(), which would add a row


def _write_body(ws: Worksheet, header: list[str], body: list[list[str]]) -> None:
    code_col = header.index("序号") if "序号" in header else None
    for values in body:
        out: list[str | int | None] = [v or None for v in values]
        if code_col is not None and values[code_col].isdigit():
            out[code_col] = int(values[code_col])  # a number, as offices type it
        ws.append(out)
    wrap = Alignment(wrap_text=True, vertical="top")
    for row in ws.iter_rows(min_row=TITLE_ROWS + 2, max_col=len(header)):
        for cell in row:
            cell.alignment = wrap
            cell.border = _BOX


def _merge_runs(ws: Worksheet, header: list[str], body: list[list[str]]) -> None:
    """Merge each column of MERGED over runs of equal, non-empty values."""
    keys: list[tuple[str, ...]] = [() for _ in body]
    for name in MERGED:
        if name not in header:
            continue
        col = header.index(name)
        keys = [(*key, row[col]) for key, row in zip(keys, body, strict=True)]
        start = 0
        for i in range(1, len(body) + 1):
            if i < len(body) and keys[i] == keys[start]:
                continue
            if i - start > 1 and body[start][col]:
                first = TITLE_ROWS + 2 + start
                ws.merge_cells(start_row=first, end_row=first + i - start - 1,
                               start_column=col + 1, end_column=col + 1)
            start = i


def _reproducible(data: bytes) -> bytes:
    """The same zip with fixed timestamps, in the archive and in docProps/core.xml."""
    stamp = "2017-05-26T00:00:00Z"
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, \
            zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            content = src.read(info.filename)
            if info.filename == "docProps/core.xml":
                content = re.sub(rb"(<dcterms:(?:created|modified)[^>]*>)[^<]*",
                                 rb"\g<1>" + stamp.encode(), content)
            dst.writestr(zipfile.ZipInfo(info.filename, date_time=FIXED_TIME), content,
                         compress_type=zipfile.ZIP_DEFLATED)
    return out.getvalue()


if __name__ == "__main__":
    main()
