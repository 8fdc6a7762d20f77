"""The example breakdown tables in examples/ read cleanly and agree with each other."""

from __future__ import annotations

import importlib.util
from pathlib import Path
from types import ModuleType

import pytest

from ledger.importing.table import TableRow, read_table
from ledger.textnorm import normalize

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
DALIAN_CSV = EXAMPLES / "dalian-2017.csv"
DALIAN_XLSX = EXAMPLES / "dalian-2017.xlsx"
DALIAN_TASKS = 45


@pytest.fixture(scope="module")
def dalian() -> list[TableRow]:
    return read_table(DALIAN_CSV)


def by_code(rows: list[TableRow], code: str) -> TableRow:
    return next(r for r in rows if r.code == code)


def builder() -> ModuleType:
    spec = importlib.util.spec_from_file_location("build_examples", EXAMPLES / "build_examples.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_dalian_csv_and_xlsx_give_identical_rows(dalian: list[TableRow]) -> None:
    """The XLSX (title row, merged cells) reads exactly like the CSV it was built from."""
    assert read_table(DALIAN_XLSX) == dalian


def test_dalian_xlsx_is_what_the_builder_makes_from_the_csv() -> None:
    """The committed XLSX is byte for byte the builder's output, so it has not drifted."""
    assert builder().build(DALIAN_CSV) == DALIAN_XLSX.read_bytes()


def test_dalian_csv_starts_with_a_bom_for_excel() -> None:
    """Excel on Chinese Windows needs the BOM to open UTF-8 CSV correctly."""
    assert DALIAN_CSV.read_bytes().startswith(b"\xef\xbb\xbf")


def test_dalian_has_every_task_numbered_in_order(dalian: list[TableRow]) -> None:
    """45 tasks, coded 1..45, starting below the title and header rows."""
    assert len(dalian) == DALIAN_TASKS
    assert [r.code for r in dalian] == [str(i) for i in range(1, DALIAN_TASKS + 1)]
    assert dalian[0].row == 3


def test_dalian_monthly_finance_row(dalian: list[TableRow]) -> None:
    """市财政局 publishes revenue and spending monthly (按月) under 一、(一)."""
    row = by_code(dalian, "2")
    assert row.section == "一、以政务公开助力稳增长"
    assert row.content.startswith("(一)加强预期引导\n市财政局网站要按月公开财政收支情况")
    assert (row.lead_units, row.co_units, row.deadline_text) == (("市财政局",), (), "按月")


def test_dalian_five_live_broadcasts_row(dalian: list[TableRow]) -> None:
    """Government meetings are broadcast at least five times in the year."""
    row = by_code(dalian, "28")
    assert row.deadline_text == "年内不少于5次"
    assert row.lead_units == ("市政府办公厅", "各区市县政府", "各先导区管委会", "市政府各部门")


def test_dalian_service_catalogue_row_has_its_two_dates(dalian: list[TableRow]) -> None:
    """The catalogue is compiled by the end of November and published by the end of December."""
    row = by_code(dalian, "34")
    assert row.deadline_text == "11月底前；12月底前"
    assert row.lead_units == ("市政府审改办", "市公共行政服务中心")
    assert row.co_units == ("各区市县政府", "各先导区管委会", "市政府各部门")


def test_dalian_lead_and_cooperating_units_follow_the_plan(dalian: list[TableRow]) -> None:
    """"市地税局、市国税局、市物价局分别牵头落实，市财政局配合" is kept as the plan says."""
    row = by_code(dalian, "5")
    assert (row.lead_units, row.co_units) == (("市地税局", "市国税局", "市物价局"), ("市财政局",))


def test_dalian_text_is_simplified_without_pinyin(dalian: list[TableRow]) -> None:
    """The seed's traditional characters and pinyin glosses are gone from every field."""
    for row in dalian:
        for text in (row.section, row.content, row.deadline_text, *row.lead_units, *row.co_units):
            assert normalize(text) == text
            assert "?" not in text
