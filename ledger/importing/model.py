"""What reading a breakdown table yields: validated rows, or every problem found."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass


@dataclass(frozen=True)
class TableRow:
    """One task as its breakdown table states it, normalised.

    ``row`` is the 1-based row in the file where the task starts (as a spreadsheet user
    sees it); ``code`` is the task's number in the table (序号), or the running number
    when the table has none.
    """

    row: int
    code: str
    section: str
    content: str
    lead_units: tuple[str, ...]
    co_units: tuple[str, ...]
    deadline_text: str


@dataclass(frozen=True)
class RowProblem:
    """Something wrong with the table; ``row`` is None for a problem with the whole file."""

    row: int | None
    field: str | None
    message: str

    def __str__(self) -> str:
        return self.message


class TableError(ValueError):
    """The table cannot be imported; ``problems`` lists everything wrong, not just the first."""

    def __init__(self, problems: Iterable[RowProblem]) -> None:
        self.problems = list(problems)
        super().__init__("\n".join(p.message for p in self.problems))

    @classmethod
    def single(cls, message: str, *, row: int | None = None) -> TableError:
        """A table error with one problem."""
        return cls([RowProblem(row=row, field=None, message=message)])
