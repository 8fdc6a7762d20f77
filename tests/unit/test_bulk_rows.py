"""Read-model rows as the driver takes them: column order and JSON text."""

from __future__ import annotations

import json
from typing import Any

from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import JSON, Column, Integer, MetaData, String, Table

from projections.bulk import row_values

_meta = MetaData()
_one = Table(
    "t_one",
    _meta,
    Column("k", String, primary_key=True),
    Column("units", JSON),
    Column("n", Integer),
)
_two = Table("t_two", _meta, Column("log", JSON), Column("k", String, primary_key=True))

_json = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=5),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=3), inner, max_size=3)
    ),
    max_leaves=8,
)


@given(st.lists(st.tuples(st.text(max_size=4), _json, st.integers()), max_size=6))
def test_rows_come_in_column_order_with_json_as_text(found: list[tuple[str, Any, int]]) -> None:
    rows = [{"n": n, "units": value, "k": k} for k, value, n in found]
    values = row_values(_one, rows)
    assert [(k, json.loads(text), n) for k, text, n in values] == [(k, v, n) for k, v, n in found]


def test_one_memory_across_tables_never_mixes_up_values() -> None:
    shared = ["财政局", "教育局"]
    first = [{"k": "a", "units": shared, "n": 1}, {"k": "b", "units": [], "n": 2}]
    second = [{"k": "a", "log": shared}, {"k": "b", "log": {}}, {"k": "c", "log": [["x", 1]]}]
    encoded: dict[int, str] = {}
    assert row_values(_one, first, encoded) == [
        ("a", '["财政局","教育局"]', 1),
        ("b", "[]", 2),
    ]
    assert row_values(_two, second, encoded) == [
        ('["财政局","教育局"]', "a"),
        ("{}", "b"),
        ('[["x",1]]', "c"),
    ]
    assert encoded[id(shared)] == '["财政局","教育局"]'
