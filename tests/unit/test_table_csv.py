"""Reading CSV files: encodings, file types, and speed on a large table."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from ledger.importing.table import TableError, TableRow, read_table

ROWS = [
    ["2017年政务公开工作要点重点任务分解表", "", "", ""],
    ["序号", "工作任务", "牵头单位", "完成时限"],
    ["1", "市财政局网站要按月公开财政收支情况", "市财政局", "按月"],
]
EXPECTED = [TableRow(3, "1", "", "市财政局网站要按月公开财政收支情况", ("市财政局",), (), "按月")]


def write_csv(path: Path, rows: list[list[str]], encoding: str = "utf-8-sig") -> Path:
    with path.open("w", encoding=encoding, newline="") as f:
        csv.writer(f).writerows(rows)
    return path


@pytest.mark.parametrize("encoding", ["utf-8-sig", "utf-8", "gb18030"])
def test_csv_is_read_in_utf8_with_or_without_bom_and_in_gb18030(
    tmp_path: Path, encoding: str
) -> None:
    """The encoding is detected: UTF-8 (BOM or not) first, else GB18030."""
    path = write_csv(tmp_path / "t.csv", ROWS, encoding)
    assert read_table(path) == EXPECTED


def test_path_may_be_given_as_text(tmp_path: Path) -> None:
    """read_table accepts a str path as well as a Path."""
    assert read_table(str(write_csv(tmp_path / "t.csv", ROWS))) == EXPECTED


def test_extension_is_matched_without_regard_to_case(tmp_path: Path) -> None:
    """T.CSV is a CSV file too."""
    assert read_table(write_csv(tmp_path / "T.CSV", ROWS)) == EXPECTED


def test_csv_in_neither_encoding_is_reported(tmp_path: Path) -> None:
    """A UTF-16 file (Excel's "Unicode text") is refused with a hint, naming the file."""
    path = tmp_path / "t.csv"
    path.write_bytes("序号,工作任务,牵头单位\n".encode("utf-16"))
    with pytest.raises(TableError, match=r"t\.csv: not UTF-8 or GB18030"):
        read_table(path)


@pytest.mark.parametrize(
    ("name", "hint"), [("plan.docx", ".docx"), ("plan.xls", "save it as .xlsx")]
)
def test_unknown_file_type_is_reported_naming_the_file(
    tmp_path: Path, name: str, hint: str
) -> None:
    """Only .xlsx and .csv are read; the error names the file and what to do."""
    path = tmp_path / name
    path.write_bytes(b"x")
    with pytest.raises(TableError, match=name.replace(".", r"\.")) as err:
        read_table(path)
    assert hint in str(err.value)


def test_missing_file_is_reported(tmp_path: Path) -> None:
    """A path that does not exist is a TableError naming it."""
    with pytest.raises(TableError, match="no such file"):
        read_table(tmp_path / "missing.csv")


def test_table_with_a_header_but_no_tasks_is_reported(tmp_path: Path) -> None:
    """An empty table is refused rather than imported as nothing."""
    with pytest.raises(TableError, match="no tasks below the header row 2"):
        read_table(write_csv(tmp_path / "t.csv", ROWS[:2]))


def test_twenty_thousand_rows_are_read_whole(tmp_path: Path) -> None:
    """A city-sized CSV (20,000 tasks) is read to its last row, normalised.

    Its speed is a benchmark figure (CSV rows/s in `make bench`), not a test's."""
    units = ["市财政局", "市统计局", "市审计局", "市发展改革委", "市人社局"]
    rows = [["序号", "项目", "工作任务", "牵头单位", "配合单位", "完成时限"]] + [
        [str(i), f"{'一二三四五'[i % 5]}、稳增长",
         f"第{i}项：市財政局網(wǎng)站要按月公開財政收支情況，解讀財政收支增減變化原因",
         f"{units[i % 5]}牵头", units[(i + 1) % 5], "按月"]
        for i in range(1, 20_001)
    ]
    path = write_csv(tmp_path / "big.csv", rows)
    result = read_table(path)
    assert len(result) == 20_000
    assert result[-1].content.startswith("第20000项：市财政局网站")
