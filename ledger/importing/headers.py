"""Find the header row of a breakdown table and what each column holds.

Offices name the same column many ways (牵头单位, 责任部门, 责任主体...). A header cell is
recognised when, after normalising and removing spaces and any bracketed note
("牵头单位(部门)"), it equals one of the known names: an exact match, so a title row such
as "2017年政务公开工作要点重点任务分解表" is never mistaken for a header.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from enum import Enum

from ledger.importing.model import TableError
from ledger.textnorm import squeeze

HEADER_SEARCH_ROWS = 10


class Role(Enum):
    """What a column holds."""

    CODE = "序号"
    SECTION = "项目"
    CONTENT = "工作任务"
    LEAD = "牵头单位"
    CO = "配合单位"
    DEADLINE = "完成时限"


_NAMES: dict[Role, tuple[str, ...]] = {
    Role.CODE: ("序号", "编号", "任务编号"),
    Role.SECTION: ("项目", "类别", "板块", "工作类别", "一级任务", "领域", "分类"),
    Role.CONTENT: (
        "工作任务",
        "重点任务",
        "任务内容",
        "具体要求",
        "工作要求",
        "主要任务",
        "工作内容",
        "具体任务",
        "重点工作",
        "任务名称",
        "工作事项",
        "主要内容",
        "工作措施",
    ),
    Role.LEAD: (
        "牵头单位",
        "牵头部门",
        "责任单位",
        "责任部门",
        "责任科室",
        "责任主体",
        "牵头责任单位",
        "牵头",  # the lower row of a two-level header: 责任单位 over 牵头 | 配合
    ),
    Role.CO: (
        "配合单位",
        "配合部门",
        "协办单位",
        "协同单位",
        "参与单位",
        "配合责任单位",
        "配合",
    ),
    Role.DEADLINE: (
        "完成时限",
        "时限要求",
        "完成时间",
        "时间节点",
        "进度安排",
        "完成期限",
        "时间要求",
    ),
}
_ROLE_OF: dict[str, Role] = {name: role for role, names in _NAMES.items() for name in names}

# "牵头单位(部门)", "完成时限:" and "*工作任务" are still the same header.
_NOTE = re.compile(r"\([^)]*\)|[<《【\[][^>》】\]]*[>》】\]]|[*:：]")
_ALTERNATIVES = re.compile(r"[/、或]")  # "牵头单位/责任单位"
_CO_WORDS = ("配合", "协办", "协同", "参与")


@dataclass(frozen=True)
class Header:
    """The header: its last row, the first data row, and the columns of each role."""

    row: int
    first_data_row: int
    names: dict[int, str]  # column -> header text as written (normalised)
    columns: dict[Role, list[int]] = field(default_factory=dict)

    def first(self, role: Role) -> int | None:
        """The first column with ``role``, if any."""
        cols = self.columns.get(role)
        return cols[0] if cols else None

    def label(self, role: Role) -> str:
        """How the table itself names the role's column, for messages."""
        col = self.first(role)
        return self.names[col] if col is not None else role.value

    @property
    def first_column(self) -> int:
        """The leftmost column that has a header."""
        return min(self.names)


def role_of(cell: str) -> Role | None:
    """The role a header cell names, or None."""
    text = squeeze(cell)
    base = _NOTE.sub("", text)
    role = _ROLE_OF.get(base) or next(
        (r for part in _ALTERNATIVES.split(base) if (r := _ROLE_OF.get(part))), None
    )
    if role in (Role.LEAD, Role.CO) and any(word in text for word in _CO_WORDS):
        return Role.CO  # "责任单位(配合)" beside "责任单位(牵头)"
    return role


def find_header(rows: list[list[str]]) -> Header:
    """The header within the first rows; a second row of sub-headers is merged into it."""
    recognised = [_roles(row) for row in rows[:HEADER_SEARCH_ROWS]]
    index = _header_index(recognised)
    if index is None:
        raise TableError.single(
            f"no header row in the first {HEADER_SEARCH_ROWS} rows "
            "(expected headers such as 序号, 工作任务, 牵头单位, 配合单位, 完成时限)"
        )
    roles = dict(recognised[index])
    names = {c: " ".join(t.split()) for c, t in enumerate(rows[index], 1) if t.strip()}
    first_data = index + 1
    if first_data < len(rows) and _is_subheader(rows[first_data]):
        # Two-level header: 责任单位 over 牵头单位 | 配合单位. The lower row decides.
        for c, role in _roles(rows[first_data]).items():
            roles[c] = role
            names[c] = squeeze(rows[first_data][c - 1])
        first_data += 1
    columns: dict[Role, list[int]] = {}
    for c in sorted(roles):
        columns.setdefault(roles[c], []).append(c)
    header = Header(row=index + 1, first_data_row=first_data + 1, names=names, columns=columns)
    _check(header)
    return header


def _roles(row: list[str]) -> dict[int, Role]:
    found = {c: role_of(t) for c, t in enumerate(row, 1) if t}
    return {c: r for c, r in found.items() if r is not None}


def _header_index(recognised: list[dict[int, Role]]) -> int | None:
    # Two different roles make a header; one alone (a stray "序号") only if nothing better.
    for i, roles in enumerate(recognised):
        if len(set(roles.values())) >= 2:
            return i
    return next((i for i, roles in enumerate(recognised) if roles), None)


def _is_subheader(row: list[str]) -> bool:
    cells = [t for t in row if t.strip()]
    return bool(cells) and all(role_of(t) is not None for t in cells)


def _check(header: Header) -> None:
    found = "、".join(header.names.values()) or "nothing"
    for role in (Role.CONTENT, Role.LEAD):
        if role not in header.columns:
            accepted = "、".join(_NAMES[role])
            raise TableError.single(
                f"no {role.value} column in header row {header.row} (found: {found}; "
                f"accepted names: {accepted})",
                row=header.row,
            )
