"""Unit cells of a breakdown table -> lead and cooperating units."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ledger.importing.units import combine, parse_units


@pytest.mark.parametrize(
    "cell",
    ["市财政局、市统计局", "市财政局，市统计局", "市财政局,市统计局", "市财政局；市统计局",
     "市财政局;市统计局", "市财政局/市统计局", "市财政局\n市统计局"],
)
def test_units_are_split_on_every_separator(cell: str) -> None:
    """Any of 、，,；;/ or a line break separates two units."""
    assert parse_units(cell) == (("市财政局", "市统计局"), ())


def test_spaces_inside_and_around_names_are_ignored() -> None:
    """Stray spaces (common in typed tables) do not change a unit's name."""
    assert parse_units(" 市 财政局 、 市统计局 ") == (("市财政局", "市统计局"), ())


@pytest.mark.parametrize(
    ("cell", "lead"),
    [
        ("市发展改革委、市金融局等相关单位", ("市发展改革委", "市金融局")),
        ("市人社局、市工商局等部门", ("市人社局", "市工商局")),
        ("市科技局、市人社局等有关部门", ("市科技局", "市人社局")),
        ("市财政局等", ("市财政局",)),
    ],
)
def test_trailing_etc_phrases_are_dropped(cell: str, lead: tuple[str, ...]) -> None:
    """"等", "等部门", "等相关单位" after the last unit are not part of its name."""
    assert parse_units(cell)[0] == lead


@pytest.mark.parametrize(
    ("cell", "lead", "co"),
    [
        ("市自贸办牵头，市金融局配合", ("市自贸办",), ("市金融局",)),
        ("市自贸办牵头,市金融局配合", ("市自贸办",), ("市金融局",)),
        ("市编委办、市工商局牵头，市财政局、市建委配合",
         ("市编委办", "市工商局"), ("市财政局", "市建委")),
        ("市地税局、市国税局分别牵头落实，市财政局配合", ("市地税局", "市国税局"), ("市财政局",)),
    ],
)
def test_lead_and_cooperating_units_in_one_cell(
    cell: str, lead: tuple[str, ...], co: tuple[str, ...]
) -> None:
    """"A牵头，B配合" and "A、B牵头，C、D配合" split into lead and co units."""
    assert parse_units(cell) == (lead, co)


@pytest.mark.parametrize(
    ("cell", "lead"),
    [
        ("市财政局牵头落实", ("市财政局",)),
        ("市财政局负责", ("市财政局",)),
        ("市财政局落实", ("市财政局",)),
        ("市国税局、市财政局按职责分工分别牵头落实", ("市国税局", "市财政局")),
        ("市发展改革委、市建委按职责分工分别落实", ("市发展改革委", "市建委")),
        ("市教育局按职责分别牵头落实", ("市教育局",)),
        ("(市财政局牵头落实)", ("市财政局",)),
        ("由市财政局牵头", ("市财政局",)),
    ],
)
def test_role_phrases_are_removed_from_names(cell: str, lead: tuple[str, ...]) -> None:
    """牵头落实, 按职责分工分别落实, 负责 and the like are roles, not parts of names."""
    assert parse_units(cell) == (lead, ())


def test_implementing_units_cooperate_when_the_cell_names_a_lead() -> None:
    """Units that "落实" under a named 牵头 unit are cooperating units."""
    cell = "市公共资源交易管理办公室牵头，市建委配合，各区市县政府、市政府相关部门落实"
    assert parse_units(cell) == (
        ("市公共资源交易管理办公室",),
        ("市建委", "各区市县政府", "市政府相关部门"),
    )


def test_units_without_a_role_take_the_role_named_after_them() -> None:
    """In "A，B牵头，C配合" the role word at the end of a list covers the whole list."""
    assert parse_units("市财政局，市统计局牵头，市审计局配合") == (
        ("市财政局", "市统计局"),
        ("市审计局",),
    )


def test_role_prefixes_name_lead_and_cooperating_units() -> None:
    """"牵头单位：A；配合单位：B" is read like "A牵头，B配合"."""
    assert parse_units("牵头单位：市财政局；配合单位：市统计局") == (("市财政局",), ("市统计局",))


def test_brackets_inside_a_name_are_kept() -> None:
    """A separator inside brackets does not split a name such as 市服务业委(市粮食局)."""
    assert parse_units("市服务业委(市粮食局、市商务局)、市农委") == (
        ("市服务业委(市粮食局、市商务局)", "市农委"),
        (),
    )


def test_units_in_a_cooperating_column_are_cooperating() -> None:
    """Every unit of a 配合单位 cell is a cooperating unit, role words or not."""
    assert parse_units("市财政局、市统计局配合", co_column=True) == ((), ("市财政局", "市统计局"))


def test_a_unit_that_leads_is_not_also_listed_as_cooperating() -> None:
    """A unit in both the lead and the co cells stays only among the lead units."""
    assert combine(["市财政局、市统计局"], ["市统计局、市审计局"]) == (
        ("市财政局", "市统计局"),
        ("市审计局",),
    )


def test_repeated_units_are_listed_once_in_first_order() -> None:
    """Duplicates are dropped and the first occurrence keeps its place."""
    assert combine(["市财政局、市统计局、市财政局", "市统计局"], ["市审计局、市审计局"]) == (
        ("市财政局", "市统计局"),
        ("市审计局",),
    )


# Characters that never form a role word (牵头, 配合, 落实...) or a trailing 等.
_NAME = st.text(alphabet="市区县财政统计审人社发展改革委局办中心公共服务", min_size=2, max_size=8)


@given(
    names=st.lists(_NAME, min_size=1, max_size=8),
    seps=st.lists(st.sampled_from(["、", "，", ",", "；", ";", "/", " 、 ", "\n"]), min_size=1),
)
def test_any_plain_list_of_names_reads_back_in_order(names: list[str], seps: list[str]) -> None:
    """A plain list of unit names, whatever the separators, reads back deduplicated in order."""
    cell = names[0] + "".join(seps[i % len(seps)] + n for i, n in enumerate(names[1:]))
    assert parse_units(cell) == (tuple(dict.fromkeys(names)), ())
