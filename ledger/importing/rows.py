"""Table rows -> tasks: section headings, continuation rows, merged cells, validation.

One task may take several rows: a row with no 序号 and no units continues the task above,
and so does a row whose 序号 cell is the same merged cell as the row above. A row with no
序号 but its own units is a task of its own, numbered after the one above ("7-2").
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from ledger.importing.grid import CellValue, Grid, Pos, is_date, is_excel_error
from ledger.importing.headers import Header, Role
from ledger.importing.model import RowProblem, TableRow
from ledger.importing.units import combine, dedupe
from ledger.textnorm import squeeze

_NUM = "一二三四五六七八九十百零〇"
_TOP_HEADING = re.compile(rf"^(?:[{_NUM}]+[、.．]|第[{_NUM}\d]+(?:部分|章|节|篇))")
_SUB_HEADING = re.compile(rf"^\([{_NUM}]+\)")
_CODE_LIKE = re.compile(rf"^[\dA-Za-z{_NUM}()\[\].．\-、]+$")
_MAX_HEADING = 60
_FIELD = {
    Role.CODE: "code",
    Role.SECTION: "section",
    Role.CONTENT: "content",
    Role.LEAD: "lead_units",
    Role.CO: "co_units",
    Role.DEADLINE: "deadline_text",
}


@dataclass
class _Draft:
    """A task being gathered from one or more rows."""

    row: int
    code: str
    section: str
    last_row: int = 0
    parts: list[str] = field(default_factory=list)
    lead_cells: list[str] = field(default_factory=list)
    co_cells: list[str] = field(default_factory=list)
    deadlines: list[str] = field(default_factory=list)
    broken: set[Role] = field(default_factory=set)  # fields with an Excel error


class _Assembler:
    def __init__(self, grid: Grid, texts: list[list[str]], header: Header) -> None:
        self.grid = grid
        self.texts = texts
        self.header = header
        self.code_col = header.first(Role.CODE)
        self.drafts: list[_Draft] = []
        self.problems: list[RowProblem] = []
        self.heading = ("", "")  # (一、..., (一)...) the latest headings above
        self.base = ""  # the last 序号 written in the table, for "7-2", "7-3"
        self.suffix = 1
        self.errors: dict[int, set[Role]] = {}  # row -> fields holding an Excel error

    # -- cells ---------------------------------------------------------------------
    def text(self, r: int, c: int | None) -> str:
        if c is None:
            return ""
        row = self.texts[r - 1]
        return row[c - 1] if c <= len(row) else ""

    def cells(self, r: int, role: Role) -> list[tuple[int, str]]:
        cols = self.header.columns.get(role, [])
        return [(c, t) for c in cols if (t := self.text(r, c).strip())]

    def same_merge_as(self, r: int, prev: int, c: int) -> bool:
        """True when (r, c) shows the same merged cell as (prev, c)."""
        anchor: Pos = self.grid.anchor((r, c))
        return anchor[0] < r and anchor == self.grid.anchor((prev, c))

    # -- rows ------------------------------------------------------------------------
    def run(self) -> None:
        for r in range(self.header.first_data_row, len(self.texts) + 1):
            self.check_errors(r)
            if not any(t.strip() for t in self.texts[r - 1]):
                continue
            if self.take_heading(r):
                continue
            self.take_row(r)

    def check_errors(self, r: int) -> None:
        """Report Excel errors (#REF!, #N/A) and blank them so they are not taken as text."""
        for role, cols in self.header.columns.items():
            for c in cols:
                value = self.raw(r, c)
                if is_excel_error(value):
                    label = self.header.names.get(c, role.value)
                    self.problem(r, role, f"row {r}: {label} holds the Excel error {value}")
                    self.texts[r - 1][c - 1] = ""
                    self.errors.setdefault(r, set()).add(role)

    def take_heading(self, r: int) -> bool:
        """A row holding only a heading ("一、...", "(一)...") sets the section."""
        filled = [(c, t.strip()) for c, t in enumerate(self.texts[r - 1], 1) if t.strip()]
        if len({t for _, t in filled}) != 1 or len(filled[0][1]) > _MAX_HEADING:
            return False
        column, text = filled[0]
        top = bool(_TOP_HEADING.match(text))
        if column == self.header.first_column:
            sub = bool(_SUB_HEADING.match(text))
            stray = column == self.code_col and not _CODE_LIKE.match(text)
            if not (top or sub or stray):
                return False
        elif not top:
            return False
        text = " ".join(text.split())
        self.heading = (text, "") if top or not self.heading[0] else (self.heading[0], text)
        return True

    def take_row(self, r: int) -> None:
        code = squeeze(self.text(r, self.code_col)).rstrip("、.．")
        has_units = bool(self.cells(r, Role.LEAD) or self.cells(r, Role.CO))
        has_task = code or has_units or self.cells(r, Role.CONTENT) or self.cells(r, Role.DEADLINE)
        if not has_task:
            return  # only a section or a note column filled: nothing to record
        prev = self.drafts[-1] if self.drafts else None
        if self.code_col is None:
            self.start(r, str(len(self.drafts) + 1))
        elif prev and self.continues(r, prev, code, has_units):
            self.extend(prev, r)
        elif prev and not code:
            self.suffix += 1
            self.start(r, f"{self.base}-{self.suffix}")
        elif not code:
            label = self.header.label(Role.CODE)
            self.problem(r, Role.CODE, f"row {r}: {label} is empty and there is no task above")
            self.start(r, f"(row {r})")
        else:
            self.base, self.suffix = code, 1
            self.start(r, code)

    def continues(self, r: int, prev: _Draft, code: str, has_units: bool) -> bool:
        """Row r adds to the task above: same merged 序号 cell, or no 序号 and no units."""
        if code:
            return self.code_col is not None and self.same_merge_as(r, prev.last_row, self.code_col)
        return not has_units

    def start(self, r: int, code: str) -> None:
        section_cell = self.text(r, self.header.first(Role.SECTION))
        section = " ".join(section_cell.split()) or " / ".join(h for h in self.heading if h)
        draft = _Draft(row=r, code=code, section=section, last_row=r)
        self.add_cells(draft, r, fresh=True)
        self.drafts.append(draft)

    def extend(self, draft: _Draft, r: int) -> None:
        self.add_cells(draft, r, fresh=False)
        draft.last_row = r

    def add_cells(self, draft: _Draft, r: int, *, fresh: bool) -> None:
        """Take the row's cells into the task, skipping merged cells it already has."""

        def new(role: Role) -> list[str]:
            return [
                t
                for c, t in self.cells(r, role)
                if fresh or not self.same_merge_as(r, draft.last_row, c)
            ]

        for part in new(Role.CONTENT):
            lines = [line.strip() for line in part.split("\n")]
            draft.parts.append("\n".join(line for line in lines if line))
        draft.lead_cells += new(Role.LEAD)
        draft.co_cells += new(Role.CO)
        deadline_col = self.header.first(Role.DEADLINE)
        for text in new(Role.DEADLINE)[:1]:
            suffix = "前" if deadline_col and is_date(self.raw(r, deadline_col)) else ""
            draft.deadlines.append(" ".join(text.split()) + suffix)
        draft.broken |= self.errors.get(r, set())

    def raw(self, r: int, c: int) -> CellValue:
        row = self.grid.values[r - 1]
        return row[c - 1] if c <= len(row) else None

    def problem(self, r: int | None, role: Role, message: str) -> None:
        self.problems.append(RowProblem(row=r, field=_FIELD[role], message=message))

    # -- results ---------------------------------------------------------------------
    def finish(self) -> list[TableRow]:
        rows = [self.row_of(d) for d in self.drafts]
        self.check_codes(rows)
        self.problems.sort(key=lambda p: p.row or 0)
        return rows

    def row_of(self, draft: _Draft) -> TableRow:
        lead, co = combine(draft.lead_cells, draft.co_cells)
        row = TableRow(
            row=draft.row,
            code=draft.code,
            section=draft.section,
            content="\n".join(dedupe(draft.parts)),
            lead_units=lead,
            co_units=co,
            deadline_text="；".join(dedupe(draft.deadlines)),
        )
        self.check_row(row, draft)
        return row

    def check_row(self, row: TableRow, draft: _Draft) -> None:
        r = row.row
        if not row.content and Role.CONTENT not in draft.broken:
            labels = "/".join(self.header.names[c] for c in self.header.columns[Role.CONTENT])
            self.problem(r, Role.CONTENT, f"row {r}: {labels} is empty")
        if not row.lead_units and Role.LEAD not in draft.broken:
            label = self.header.label(Role.LEAD)
            if draft.lead_cells:
                said = "；".join(draft.lead_cells)
                self.problem(r, Role.LEAD, f"row {r}: {label} names no lead unit ({said})")
            else:
                self.problem(r, Role.LEAD, f"row {r}: {label} is empty (no lead unit)")

    def check_codes(self, rows: list[TableRow]) -> None:
        first: dict[str, int] = {}
        label = self.header.label(Role.CODE)
        for row in rows:
            if row.code in first:
                self.problem(
                    row.row,
                    Role.CODE,
                    f"row {row.row}: {label} {row.code} is used again (first at row "
                    f"{first[row.code]})",
                )
            first.setdefault(row.code, row.row)


def assemble(
    grid: Grid, texts: list[list[str]], header: Header
) -> tuple[list[TableRow], list[RowProblem]]:
    """The table's tasks, and every problem found in them."""
    assembler = _Assembler(grid, texts, header)
    assembler.run()
    return assembler.finish(), assembler.problems
