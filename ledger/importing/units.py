"""Unit cells -> lead (牵头) and cooperating (配合) units.

A cell may list units ("市财政局、市统计局"), or say who does what in the plan's own words:
"市编委办、市工商局牵头，各区市县政府、市政府相关部门落实". Role phrases are cut off the
names; units that only "落实" (implement) count as lead when the cell names no 牵头 unit,
and as cooperating units when it does, because then they work under that lead.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import lru_cache
from typing import Literal

from ledger.textnorm import squeeze

UnitRole = Literal["lead", "co", "do"]

_CLAUSE_SEPS = "，,；;"
_UNIT_SEPS = "、/"
_OPEN, _CLOSE = "(《〔[【", ")》〕]】"

_ROLE_SUFFIX = re.compile(
    r"(?:按职责(?:分工)?)?(?:分别)?(?:"
    r"(?P<lead>牵头(?:落实|负责|办理)?|负责(?:落实)?|主责|主办)"
    r"|(?P<co>配合(?:落实)?|协办|协助|协同|参与)"
    r"|(?P<do>(?:组织|具体)?(?:落实|实施))"
    r")$"
)
_ROLE_PREFIX = re.compile(
    r"^(?:(?P<lead>牵头(?:单位|部门)?|责任(?:单位|部门))|(?P<co>配合(?:单位|部门)?|协办单位))[:：]"
)
_LEFTOVER = re.compile(r"(?:按职责(?:分工)?|分别)+$")
_ETC = re.compile(r"等(?:其他|有关|相关)?(?:部门|单位|机构)?$")


@lru_cache(maxsize=8192)  # the same unit cells recur down a table
def parse_units(text: str, *, co_column: bool = False) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """The (lead, co) units one cell names; a 配合单位 column's units are all co."""
    clauses = [_clause(c) for c in split_outside_brackets(_clean(text), _CLAUSE_SEPS)]
    clauses = [(role, units) for role, units in clauses if units]
    has_lead = any(role == "lead" for role, _ in clauses)
    lead: list[str] = []
    co: list[str] = []
    pending: list[str] = []  # units of clauses with no role word: they take the next role
    for role, units in clauses:
        pending.extend(units)
        if role is None:
            continue
        is_lead = role == "lead" or (role == "do" and not has_lead)
        (co if co_column or not is_lead else lead).extend(pending)
        pending = []
    (co if co_column else lead).extend(pending)
    return tuple(dedupe(lead)), tuple(dedupe(co))


def combine(
    lead_cells: Iterable[str], co_cells: Iterable[str]
) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """All units of a row's unit cells; a unit that leads is not also listed as co."""
    lead: list[str] = []
    co: list[str] = []
    for cell in lead_cells:
        more_lead, more_co = parse_units(cell)
        lead += more_lead
        co += more_co
    for cell in co_cells:
        co += parse_units(cell, co_column=True)[1]
    leads = dedupe(lead)
    return tuple(leads), tuple(u for u in dedupe(co) if u not in leads)


def dedupe(items: Iterable[str]) -> list[str]:
    """Items without repeats, first occurrence kept."""
    return list(dict.fromkeys(items))


def split_outside_brackets(text: str, seps: str) -> list[str]:
    """Split at any of ``seps`` that is not inside brackets ("市服务业委(市粮食局)")."""
    parts: list[str] = []
    depth = 0
    start = 0
    for i, ch in enumerate(text):
        if ch in _OPEN:
            depth += 1
        elif ch in _CLOSE:
            depth = max(depth - 1, 0)
        elif ch in seps and depth == 0:
            parts.append(text[start:i])
            start = i + 1
    parts.append(text[start:])
    return parts


def _clean(text: str) -> str:
    # A line break between names separates them; other white space is noise inside names.
    text = squeeze(re.sub(r"\s*\n\s*", "，", text.strip()))
    while text[:1] == "(" and text[-1:] == ")" and _closes_at_end(text):
        text = text[1:-1]
    return text.rstrip("。.，,；;")


def _closes_at_end(text: str) -> bool:
    """True when the bracket opened at position 0 is the one closed at the end."""
    depth = 0
    for i, ch in enumerate(text):
        depth += ch in _OPEN
        depth -= ch in _CLOSE
        if depth == 0:
            return i == len(text) - 1
    return False


def _clause(clause: str) -> tuple[UnitRole | None, list[str]]:
    role: UnitRole | None = None
    prefix = _ROLE_PREFIX.match(clause)
    if prefix:
        role = "lead" if prefix.group("lead") else "co"
        clause = clause[prefix.end() :]
    suffix = _ROLE_SUFFIX.search(clause)
    if suffix and suffix.start() > 0:
        role = "lead" if suffix.group("lead") else "co" if suffix.group("co") else "do"
        clause = clause[: suffix.start()]
    clause = _LEFTOVER.sub("", clause).removeprefix("由")
    units = (_unit(u) for u in split_outside_brackets(clause, _UNIT_SEPS))
    return role, [u for u in units if u]


def _unit(name: str) -> str:
    return _ETC.sub("", name.strip())
