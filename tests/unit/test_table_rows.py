"""Gathering tasks from table rows: sections, continuation rows and validation."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from ledger.importing.table import RowProblem, TableError, read_table

HEADER = ["序号", "工作任务", "牵头单位", "配合单位", "完成时限"]


def write_csv(path: Path, rows: list[list[str]]) -> Path:
    with path.open("w", encoding="utf-8-sig", newline="") as f:
        csv.writer(f).writerows(rows)
    return path


def problems_of(path: Path) -> list[RowProblem]:
    with pytest.raises(TableError) as err:
        read_table(path)
    return err.value.problems


def test_cells_are_normalised(tmp_path: Path) -> None:
    """Traditional characters, pinyin glosses and full-width digits are normalised."""
    path = write_csv(tmp_path / "t.csv", [
        HEADER, ["１", "市財政局網(wǎng)站要按月公開", "市財政局", "", "１２月底前"],
    ])
    (row,) = read_table(path)
    assert (row.code, row.content, row.lead_units, row.deadline_text) == (
        "1", "市财政局网站要按月公开", ("市财政局",), "12月底前",
    )


def test_row_without_code_or_units_continues_the_task_above(tmp_path: Path) -> None:
    """Its text is appended to the task above, on a new line; the task keeps its row."""
    path = write_csv(tmp_path / "t.csv", [
        HEADER,
        ["1", "公开财政收支情况", "市财政局", "", "按月"],
        ["", "解读增减变化原因", "", "", ""],
        ["2", "公开审计结果", "市审计局", "", ""],
    ])
    first, second = read_table(path)
    assert (first.row, first.content, first.deadline_text) == (
        2, "公开财政收支情况\n解读增减变化原因", "按月",
    )
    assert second.code == "2"


def test_row_without_code_but_with_units_is_a_task_of_its_own(tmp_path: Path) -> None:
    """It is numbered after the last code: 7, 7-2, 7-3."""
    path = write_csv(tmp_path / "t.csv", [
        HEADER,
        ["7", "公开财政收支", "市财政局", "", ""],
        ["", "公开统计数据", "市统计局", "", ""],
        ["", "公开审计结果", "市审计局", "市财政局", ""],
        ["8", "公开预算", "市财政局", "", ""],
        ["", "公开决算", "市财政局", "", ""],
    ])
    assert [r.code for r in read_table(path)] == ["7", "7-2", "7-3", "8", "8-2"]


def test_heading_rows_set_the_section_and_are_not_tasks(tmp_path: Path) -> None:
    """"一、…" starts a section; "(一)…" below it is added to the section name."""
    path = write_csv(tmp_path / "t.csv", [
        HEADER,
        ["一、以政务公开助力稳增长", "", "", "", ""],
        ["1", "公开财政收支", "市财政局", "", ""],
        ["(二)推进减税降费信息公开", "", "", "", ""],
        ["2", "公开减税政策", "市税务局", "", ""],
        ["二、以政务公开助力促改革", "", "", "", ""],
        ["3", "公开权责清单", "市编委办", "", ""],
    ])
    assert [r.section for r in read_table(path)] == [
        "一、以政务公开助力稳增长",
        "一、以政务公开助力稳增长 / (二)推进减税降费信息公开",
        "二、以政务公开助力促改革",
    ]


def test_a_plain_heading_in_the_code_column_sets_the_section(tmp_path: Path) -> None:
    """Text alone in the 序号 column that is no number ("稳增长") is a section heading."""
    path = write_csv(tmp_path / "t.csv", [
        HEADER, ["稳增长", "", "", "", ""], ["1", "公开财政收支", "市财政局", "", ""],
    ])
    assert read_table(path)[0].section == "稳增长"


def test_section_column_is_used_when_the_table_has_one(tmp_path: Path) -> None:
    """A 项目 column gives each task its section."""
    path = write_csv(tmp_path / "t.csv", [
        ["序号", "项目", "工作任务", "牵头单位"],
        ["1", "一、稳增长", "公开财政收支", "市财政局"],
        ["2", "二、促改革", "公开权责清单", "市编委办"],
    ])
    assert [r.section for r in read_table(path)] == ["一、稳增长", "二、促改革"]


def test_blank_rows_and_trailing_rows_are_ignored(tmp_path: Path) -> None:
    """Empty rows between and after the tasks are skipped."""
    path = write_csv(tmp_path / "t.csv", [
        HEADER,
        ["1", "公开财政收支", "市财政局", "", ""],
        ["", "", "", "", ""],
        ["2", "公开审计结果", "市审计局", "", ""],
        ["", "", "", "", ""],
        ["", "", "", "", ""],
    ])
    assert [r.row for r in read_table(path)] == [2, 4]


def test_lead_and_cooperating_units_in_one_cell_are_separated(tmp_path: Path) -> None:
    """"A牵头,B配合" in the lead column gives lead A and co B, plus the co column's units."""
    path = write_csv(tmp_path / "t.csv", [
        HEADER, ["1", "公开交易信息", "市交易办牵头,市建委配合", "市财政局、市建委", ""],
    ])
    (row,) = read_table(path)
    assert (row.lead_units, row.co_units) == (("市交易办",), ("市建委", "市财政局"))


def test_row_without_content_is_reported(tmp_path: Path) -> None:
    """A task with units but no text is named by its row and the column's header."""
    path = write_csv(tmp_path / "t.csv", [HEADER, ["1", "", "市财政局", "", ""]])
    assert problems_of(path) == [RowProblem(2, "content", "row 2: 工作任务 is empty")]


def test_row_without_lead_unit_is_reported(tmp_path: Path) -> None:
    """A task whose 牵头单位 is empty, or names only cooperating units, is refused."""
    path = write_csv(tmp_path / "t.csv", [
        HEADER,
        ["1", "公开财政收支", "", "市统计局", ""],
        ["2", "公开审计结果", "市审计局配合", "", ""],
    ])
    assert [(p.row, p.field) for p in problems_of(path)] == [(2, "lead_units"), (3, "lead_units")]


def test_duplicate_code_is_reported_with_both_rows(tmp_path: Path) -> None:
    """A 序号 used twice names the row that repeats it and the row that had it first."""
    path = write_csv(tmp_path / "t.csv", [
        HEADER,
        ["1", "公开财政收支", "市财政局", "", ""],
        ["1", "公开审计结果", "市审计局", "", ""],
    ])
    assert problems_of(path) == [
        RowProblem(3, "code", "row 3: 序号 1 is used again (first at row 2)")
    ]


def test_first_task_without_code_is_reported(tmp_path: Path) -> None:
    """A first row with units but no 序号 has no task above to be numbered after."""
    path = write_csv(tmp_path / "t.csv", [HEADER, ["", "公开财政收支", "市财政局", "", ""]])
    assert [(p.row, p.field) for p in problems_of(path)] == [(2, "code")]


def test_excel_error_text_is_reported(tmp_path: Path) -> None:
    """A cell holding #N/A (as CSV exports of broken formulas do) is a problem, reported once."""
    path = write_csv(tmp_path / "t.csv", [HEADER, ["1", "公开财政收支", "#N/A", "", ""]])
    assert problems_of(path) == [
        RowProblem(2, "lead_units", "row 2: 牵头单位 holds the Excel error #N/A")
    ]


def test_every_problem_is_reported_at_once_one_per_line(tmp_path: Path) -> None:
    """Reading does not stop at the first problem; the message lists each, naming its row."""
    path = write_csv(tmp_path / "t.csv", [
        HEADER,
        ["1", "", "市财政局", "", ""],
        ["2", "公开审计结果", "", "", ""],
        ["2", "公开统计数据", "市统计局", "", "#REF!"],
    ])
    with pytest.raises(TableError) as err:
        read_table(path)
    lines = str(err.value).splitlines()
    assert [line.split(":")[0] for line in lines] == ["row 2", "row 3", "row 4", "row 4"]
    assert len(err.value.problems) == 4
