"""Tables on a terminal: widths fitted to the screen, cells printed as data."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from cli.render import comfortable, emit_table, fit, wrap


def test_a_table_that_fits_keeps_its_widths() -> None:
    assert fit([24, 40, 10], 80) == [24, 40, 10]


def test_the_widest_columns_narrow_first() -> None:
    assert fit([24, 40, 50, 10], 100) == [24, 33, 33, 10]


@given(st.lists(st.integers(1, 200), min_size=1, max_size=12), st.integers(0, 300))
def test_fitted_widths_fit_and_never_widen_or_fall_below_the_floor(
    widths: list[int], room: int
) -> None:
    fitted = fit(widths, room)
    assert all(f <= w for f, w in zip(fitted, widths, strict=True))
    assert all(f >= min(w, 4) for f, w in zip(fitted, widths, strict=True))
    assert sum(fitted) <= room or all(f == min(w, 4) for f, w in zip(fitted, widths, strict=True))


def test_floors_keep_words_whole_while_other_columns_can_narrow() -> None:
    bar = "█" * 16 + "░" * 4
    assert comfortable(["progress", bar]) == 20
    assert comfortable(["title", "深化政府信息主动公开，形成常态化工作机制"]) == 8
    assert fit([20, 20, 6], 45, [8, 20, 6]) == [19, 20, 6]


@given(st.text(alphabet="ab 深化政府公开，", max_size=60), st.integers(2, 30))
def test_wrapped_lines_fit_and_keep_every_character(text: str, width: int) -> None:
    from rich.cells import cell_len

    lines = wrap(text, width)
    assert all(cell_len(line) <= width for line in lines)
    assert "".join(lines).replace(" ", "") == text.replace(" ", "")


@pytest.mark.parametrize("columns", ["40", "80", "200"])
def test_a_table_is_a_rectangle_no_wider_than_the_terminal(
    columns: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from rich.cells import cell_len

    monkeypatch.setenv("COLUMNS", columns)
    rows = [
        {"ref": "dalian-2017/1", "content": "市财政局网站要按月公开财政收支情况。", "light": "red"},
        {"ref": "dalian-2017/2", "content": "定期召开全市经济运行情况新闻发布会", "light": "green"},
    ]
    emit_table(rows, [("ref", "task"), ("content", "content")], title="tasks")
    lines = capsys.readouterr().out.splitlines()[1:]  # the title line is centred, not boxed
    widths = {cell_len(line) for line in lines}
    assert len(widths) == 1
    assert widths.pop() <= int(columns)
    content = "".join(line.split("│")[2].strip() for line in lines if line.startswith("│"))
    assert content == "市财政局网站要按月公开财政收支情况。定期召开全市经济运行情况新闻发布会"


def test_a_wide_character_in_a_one_cell_column_makes_no_empty_line() -> None:
    assert wrap("深化", 1) == ["深", "化"]


def test_control_characters_never_reach_the_terminal(capsys: pytest.CaptureFixture[str]) -> None:
    emit_table([{"a": "x\ty", "b": "line1\r\nline2\x1b[2J\x07"}], [("a", "A"), ("b", "B")])
    out = capsys.readouterr().out
    assert "x   y" in out
    assert "line1" in out and "line2[2J" in out
    assert not any(c in out for c in "\t\r\x1b\x07")


def test_cells_are_printed_as_data_not_markup(capsys: pytest.CaptureFixture[str]) -> None:
    emit_table([{"a": "[bold]依据[2024]12号文[/bold]"}], [("a", "文件")], title="t")
    assert "[bold]依据[2024]12号文[/bold]" in capsys.readouterr().out
