"""Reading XLSX files: merged cells, Excel errors, dates, numbers and sheets."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from pathlib import Path

import pytest
from openpyxl import Workbook

from ledger.importing.table import RowProblem, TableError, TableRow, read_table

HEADER = ["序号", "工作任务", "牵头单位", "配合单位", "完成时限"]
Cell = str | int | float | date | None


def write_xlsx(
    path: Path, rows: Sequence[Sequence[Cell]], merges: Sequence[str] = ()
) -> Path:
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    for row in rows:
        ws.append(list(row))
    for ref in merges:
        ws.merge_cells(ref)
    wb.save(path)
    return path


def test_merged_lead_cell_applies_to_every_row_it_spans(tmp_path: Path) -> None:
    """A 牵头单位 cell merged over three tasks gives each of them that lead unit."""
    path = write_xlsx(tmp_path / "t.xlsx", [
        HEADER,
        [1, "公开财政收支", "市财政局", None, "按月"],
        [2, "公开预算", None, None, None],
        [3, "公开决算", None, None, None],
    ], merges=["C2:C4"])
    assert [r.lead_units for r in read_table(path)] == [("市财政局",)] * 3


def test_merged_section_cell_applies_to_every_row_it_spans(tmp_path: Path) -> None:
    """A 项目 cell merged down the table is the section of every task beside it."""
    path = write_xlsx(tmp_path / "t.xlsx", [
        ["项目", "序号", "工作任务", "牵头单位"],
        ["一、以政务公开助力稳增长", 1, "公开财政收支", "市财政局"],
        [None, 2, "公开统计数据", "市统计局"],
        [None, 3, "公开审计结果", "市审计局"],
        ["二、以政务公开助力促改革", 4, "公开权责清单", "市编委办"],
    ], merges=["A2:A4"])
    assert [r.section for r in read_table(path)] == ["一、以政务公开助力稳增长"] * 3 + [
        "二、以政务公开助力促改革"
    ]


def test_merged_code_cell_makes_one_task_of_its_rows(tmp_path: Path) -> None:
    """Rows sharing one merged 序号 cell are one task, its requirements joined."""
    path = write_xlsx(tmp_path / "t.xlsx", [
        ["序号", "工作任务", "具体要求", "牵头单位"],
        [1, "(一)加强预期引导", "按月公开财政收支", "市财政局"],
        [None, None, "解读收支增减原因", None],
        [2, "(二)推进减税降费", "公开减税政策", "市税务局"],
    ], merges=["A2:A3", "B2:B3", "D2:D3"])
    first, second = read_table(path)
    assert (first.row, first.content, first.lead_units) == (
        2, "(一)加强预期引导\n按月公开财政收支\n解读收支增减原因", ("市财政局",),
    )
    assert second.code == "2"


def test_merged_title_and_heading_rows_are_not_tasks(tmp_path: Path) -> None:
    """A title merged over the table's width is skipped; a merged "一、…" row is a section."""
    path = write_xlsx(tmp_path / "t.xlsx", [
        ["2017年政务公开工作要点重点任务分解表"],
        HEADER,
        ["一、以政务公开助力稳增长"],
        [1, "公开财政收支", "市财政局", None, None],
    ], merges=["A1:E1", "A3:E3"])
    assert read_table(path) == [
        TableRow(4, "1", "一、以政务公开助力稳增长", "公开财政收支", ("市财政局",), (), "")
    ]


def test_two_level_header_takes_the_lower_row_under_a_merged_group(tmp_path: Path) -> None:
    """责任单位 merged over 牵头单位 | 配合单位 reads as those two columns."""
    path = write_xlsx(tmp_path / "t.xlsx", [
        ["序号", "工作任务", "责任单位", None, "完成时限"],
        [None, None, "牵头单位", "配合单位", None],
        [1, "公开财政收支", "市财政局", "市统计局", "按月"],
    ], merges=["A1:A2", "B1:B2", "C1:D1", "E1:E2"])
    assert read_table(path) == [
        TableRow(3, "1", "", "公开财政收支", ("市财政局",), ("市统计局",), "按月")
    ]


def test_excel_error_cells_are_reported(tmp_path: Path) -> None:
    """#REF! and #N/A cells are problems naming their row and column."""
    path = write_xlsx(tmp_path / "t.xlsx", [
        HEADER,
        [1, "公开财政收支", "#REF!", None, None],
        [2, "#N/A", "市统计局", None, None],
    ])
    with pytest.raises(TableError) as err:
        read_table(path)
    assert err.value.problems == [
        RowProblem(2, "lead_units", "row 2: 牵头单位 holds the Excel error #REF!"),
        RowProblem(3, "content", "row 3: 工作任务 holds the Excel error #N/A"),
    ]


@pytest.mark.parametrize("value", [date(2017, 6, 30), datetime(2017, 6, 30, 0, 0)])
def test_date_in_the_deadline_column_becomes_a_deadline_phrase(
    tmp_path: Path, value: date
) -> None:
    """A real date cell reads as "2017年6月30日前"."""
    row: list[Cell] = [1, "制定实施方案", "各地区各部门", None, value]
    path = write_xlsx(tmp_path / "t.xlsx", [HEADER, row])
    assert read_table(path)[0].deadline_text == "2017年6月30日前"


def test_numeric_codes_read_as_the_user_typed_them(tmp_path: Path) -> None:
    """序号 7 (stored as a number) reads "7"; 1.2 reads "1.2"."""
    path = write_xlsx(tmp_path / "t.xlsx", [
        HEADER,
        [7, "公开财政收支", "市财政局", None, None],
        [1.2, "公开预算", "市财政局", None, None],
    ])
    assert [r.code for r in read_table(path)] == ["7", "1.2"]


def test_named_sheet_is_read_and_an_unknown_one_is_reported(tmp_path: Path) -> None:
    """sheet= picks a sheet by name; a wrong name lists the sheets there are."""
    wb = Workbook()
    first = wb.active
    assert first is not None
    first.title = "说明"
    first.append(["本表为示例"])
    tasks = wb.create_sheet("分解表")
    tasks.append(HEADER)
    tasks.append([1, "公开财政收支", "市财政局", None, None])
    wb.save(path := tmp_path / "t.xlsx")
    assert read_table(path, sheet="分解表")[0].content == "公开财政收支"
    with pytest.raises(TableError, match="no sheet named '任务' \\(sheets: 说明、分解表\\)"):
        read_table(path, sheet="任务")


def test_active_sheet_is_read_by_default(tmp_path: Path) -> None:
    """Without sheet=, the sheet the workbook opens on is read."""
    wb = Workbook()
    wb.create_sheet("分解表")
    tasks = wb["分解表"]
    tasks.append(HEADER)
    tasks.append([1, "公开财政收支", "市财政局", None, None])
    wb.active = tasks
    wb.save(path := tmp_path / "t.xlsx")
    assert read_table(path)[0].code == "1"


def test_file_that_is_not_an_xlsx_workbook_is_reported(tmp_path: Path) -> None:
    """A broken or mislabelled .xlsx is a TableError naming the file."""
    path = tmp_path / "t.xlsx"
    path.write_text("序号,工作任务\n", encoding="utf-8")
    with pytest.raises(TableError, match=r"t\.xlsx: not a readable \.xlsx file"):
        read_table(path)


def test_merged_range_reaching_past_the_data_adds_no_rows(tmp_path: Path) -> None:
    """A section cell merged far below the last task, or a title far to the right, adds nothing."""
    path = write_xlsx(tmp_path / "t.xlsx", [
        ["分解表"],
        ["项目", "序号", "工作任务", "牵头单位"],
        ["一、稳增长", 1, "公开财政收支", "市财政局"],
    ], merges=["A1:Z1", "A3:A5000"])
    assert read_table(path) == [
        TableRow(3, "1", "一、稳增长", "公开财政收支", ("市财政局",), (), "")
    ]
