"""Finding the header row of a breakdown table and what each column holds."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from ledger.importing.table import TableError, TableRow, read_table

CODE = ["序号", "编号"]
SECTION = ["项目", "类别", "板块", "工作类别", "一级任务"]
CONTENT = [
    "工作任务", "重点任务", "任务内容", "具体要求", "工作要求", "主要任务", "工作内容", "具体任务",
]
LEAD = ["牵头单位", "牵头部门", "责任单位", "责任部门", "责任科室", "责任主体"]
CO = ["配合单位", "配合部门", "协办单位"]
DEADLINE = ["完成时限", "时限要求", "完成时间", "时间节点", "进度安排"]


def write_csv(path: Path, rows: list[list[str]]) -> Path:
    with path.open("w", encoding="utf-8-sig", newline="") as f:
        csv.writer(f).writerows(rows)
    return path


def read_one(tmp_path: Path, header: list[str], row: list[str]) -> TableRow:
    (only,) = read_table(write_csv(tmp_path / "t.csv", [header, row]))
    return only


@pytest.mark.parametrize("name", CODE)
def test_every_code_header_is_recognised(tmp_path: Path, name: str) -> None:
    """序号 and 编号 both name the code column."""
    row = read_one(tmp_path, [name, "工作任务", "牵头单位"], ["二.(四).2", "公开预算", "市财政局"])
    assert row.code == "二.(四).2"


@pytest.mark.parametrize("name", SECTION)
def test_every_section_header_is_recognised(tmp_path: Path, name: str) -> None:
    """项目, 类别, 板块, 工作类别 and 一级任务 all name the section column."""
    header = [name, "序号", "工作任务", "牵头单位"]
    row = read_one(tmp_path, header, ["一、稳增长", "1", "公开预算", "市财政局"])
    assert row.section == "一、稳增长"


@pytest.mark.parametrize("name", CONTENT)
def test_every_content_header_is_recognised(tmp_path: Path, name: str) -> None:
    """Each accepted name of the task column gives the task text."""
    row = read_one(tmp_path, ["序号", name, "牵头单位"], ["1", "公开预算", "市财政局"])
    assert row.content == "公开预算"


@pytest.mark.parametrize("name", LEAD)
def test_every_lead_header_is_recognised(tmp_path: Path, name: str) -> None:
    """Each accepted name of the lead-unit column gives the lead units."""
    row = read_one(tmp_path, ["序号", "工作任务", name], ["1", "公开预算", "市财政局"])
    assert row.lead_units == ("市财政局",)


@pytest.mark.parametrize("name", CO)
def test_every_cooperating_header_is_recognised(tmp_path: Path, name: str) -> None:
    """Each accepted name of the cooperating-unit column gives the co units."""
    row = read_one(
        tmp_path, ["序号", "工作任务", "牵头单位", name], ["1", "公开预算", "市财政局", "市审计局"]
    )
    assert row.co_units == ("市审计局",)


@pytest.mark.parametrize("name", DEADLINE)
def test_every_deadline_header_is_recognised(tmp_path: Path, name: str) -> None:
    """Each accepted name of the deadline column gives the deadline text."""
    row = read_one(
        tmp_path, ["序号", "工作任务", "牵头单位", name], ["1", "公开预算", "市财政局", "8月底前"]
    )
    assert row.deadline_text == "8月底前"


def test_title_row_above_the_header_is_skipped(tmp_path: Path) -> None:
    """A title such as "…重点任务分解表" above the header is not taken for the header."""
    path = write_csv(tmp_path / "t.csv", [
        ["2017年政务公开工作要点重点任务分解表", "", ""],
        ["", "", ""],
        ["序号", "工作任务", "牵头单位"],
        ["1", "公开预算", "市财政局"],
    ])
    assert read_table(path) == [TableRow(4, "1", "", "公开预算", ("市财政局",), (), "")]


def test_headers_with_spaces_notes_and_traditional_characters_are_recognised(
    tmp_path: Path,
) -> None:
    """"序 号", "牽頭單位（部門）" and "完成時限：" are still the known headers."""
    row = read_one(
        tmp_path, ["序 号", "工作任務", "牽頭單位（部門）", "完成時限："],
        ["1", "公开预算", "市财政局", "8月底前"],
    )
    assert (row.code, row.lead_units, row.deadline_text) == ("1", ("市财政局",), "8月底前")


def test_several_content_columns_are_joined_line_by_line(tmp_path: Path) -> None:
    """工作任务 and 具体要求 together make the task text, one per line."""
    row = read_one(
        tmp_path, ["序号", "工作任务", "具体要求", "牵头单位"],
        ["1", "(一)加强预期引导", "按月公开财政收支情况", "市财政局"],
    )
    assert row.content == "(一)加强预期引导\n按月公开财政收支情况"


def test_table_without_code_column_numbers_its_tasks(tmp_path: Path) -> None:
    """Without a 序号 column the tasks are numbered 1, 2, 3 in table order."""
    path = write_csv(tmp_path / "t.csv", [
        ["工作任务", "牵头单位"], ["公开预算", "市财政局"], ["公开审计", "市审计局"],
    ])
    assert [r.code for r in read_table(path)] == ["1", "2"]


def test_unrecognised_columns_are_ignored(tmp_path: Path) -> None:
    """Columns such as 备注 or 责任领导 do not disturb the reading."""
    row = read_one(
        tmp_path, ["序号", "工作任务", "责任领导", "牵头单位", "备注"],
        ["1", "公开预算", "张三", "市财政局", "无"],
    )
    assert (row.content, row.lead_units) == ("公开预算", ("市财政局",))


def test_missing_content_column_is_reported_with_the_header_found(tmp_path: Path) -> None:
    """A header without a task column names its row and the headers it does have."""
    path = write_csv(tmp_path / "t.csv", [
        ["分解表", ""], ["序号", "牵头单位", "备注"], ["1", "市财政局", ""],
    ])
    with pytest.raises(TableError) as err:
        read_table(path)
    expected = "no 工作任务 column in header row 2 (found: 序号、牵头单位、备注;"
    assert str(err.value).startswith(expected)


def test_missing_lead_column_is_reported(tmp_path: Path) -> None:
    """A header without any lead-unit column is refused before any row is read."""
    path = write_csv(tmp_path / "t.csv", [["序号", "工作任务", "完成时限"], ["1", "公开预算", ""]])
    with pytest.raises(TableError, match="no 牵头单位 column in header row 1"):
        read_table(path)


def test_header_must_be_within_the_first_ten_rows(tmp_path: Path) -> None:
    """A header below row 10 is not searched for; the error says what was expected."""
    rows = [["说明"]] * 10 + [["序号", "工作任务", "牵头单位"], ["1", "公开预算", "市财政局"]]
    with pytest.raises(TableError, match="no header row in the first 10 rows"):
        read_table(write_csv(tmp_path / "t.csv", rows))


def test_responsibility_columns_marked_lead_and_cooperating_are_told_apart(
    tmp_path: Path,
) -> None:
    """"责任单位(牵头)" and "责任单位(配合)" are the lead and the cooperating column."""
    row = read_one(
        tmp_path, ["序号", "工作任务", "责任单位（牵头）", "责任单位（配合）"],
        ["1", "公开预算", "市财政局", "市审计局"],
    )
    assert (row.lead_units, row.co_units) == (("市财政局",), ("市审计局",))


def test_header_naming_two_alternatives_is_recognised(tmp_path: Path) -> None:
    """"牵头单位/责任单位" names the lead column."""
    header = ["序号", "工作任务", "牵头单位/责任单位"]
    row = read_one(tmp_path, header, ["1", "公开预算", "市财政局"])
    assert row.lead_units == ("市财政局",)


def test_two_level_header_with_short_sub_headers(tmp_path: Path) -> None:
    """责任单位 over 牵头 | 配合 (as a CSV export of merged headers) reads both columns."""
    path = write_csv(tmp_path / "t.csv", [
        ["序号", "工作任务", "责任单位", ""],
        ["", "", "牵头", "配合"],
        ["1", "公开预算", "市财政局", "市审计局"],
    ])
    assert read_table(path) == [TableRow(3, "1", "", "公开预算", ("市财政局",), ("市审计局",), "")]
