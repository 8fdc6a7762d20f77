"""Read a plan's breakdown table (重点任务分解表, XLSX or CSV) into validated rows.

    rows = read_table("dalian-2017.xlsx")   # list[TableRow], or TableError listing every problem

Steps: read the raw cells (:mod:`.xlsx` fills merged ranges, :mod:`.csvfile` detects the
encoding), normalise every cell (:mod:`ledger.textnorm`), find the header row
(:mod:`.headers`), then gather tasks row by row and validate them (:mod:`.rows`).
"""

from __future__ import annotations

from pathlib import Path

from ledger.importing.csvfile import read_csv
from ledger.importing.grid import Grid, Pos, column_letter, text_grid, unsafe_cells
from ledger.importing.headers import Header, find_header
from ledger.importing.model import RowProblem, TableError, TableRow
from ledger.importing.rows import assemble
from ledger.importing.xlsx import read_xlsx

__all__ = ["RowProblem", "TableError", "TableRow", "read_table"]

_XLSX = {".xlsx", ".xlsm"}
_CSV = {".csv"}
MAX_FILE = 200 * 1024 * 1024  # bytes: far more than a province's table, far less than memory


def read_table(path: Path | str, *, sheet: str | None = None) -> list[TableRow]:
    """The tasks of a breakdown table; ``sheet`` picks an XLSX sheet (default: the active one).

    Raises :class:`TableError` listing every problem found, one per line, each naming its
    row, when the file cannot be read or any row is invalid.
    """
    path = Path(path)
    grid = _read(path, sheet)
    unsafe = unsafe_cells(grid)  # blanked in the grid, reported below by row and column
    texts = text_grid(grid)
    try:
        header = find_header(texts)
    except TableError:
        if unsafe:
            raise TableError(_cell_problems(unsafe, None)) from None
        raise
    if unsafe:
        raise TableError(_cell_problems(unsafe, header))
    rows, problems = assemble(grid, texts, header)
    if problems:
        raise TableError(problems)
    if not rows:
        raise TableError.single(f"{path.name}: no tasks below the header row {header.row}")
    return rows


def _cell_problems(unsafe: dict[Pos, str], header: Header | None) -> list[RowProblem]:
    problems = []
    for (r, c), problem in sorted(unsafe.items()):
        name = header.names.get(c) if header else None
        where = f"column {column_letter(c)}" + (f" ({name})" if name else "")
        problems.append(RowProblem(row=r, field=name, message=f"row {r}, {where}: {problem}"))
    return problems


def _read(path: Path, sheet: str | None) -> Grid:
    suffix = path.suffix.lower()
    if suffix not in _XLSX | _CSV:
        hint = " (save it as .xlsx)" if suffix in {".xls", ".et", ".wps"} else ""
        raise TableError.single(
            f"{path.name}: unsupported file type {suffix or '(none)'}{hint}; "
            "a breakdown table must be .xlsx or .csv"
        )
    if not path.is_file():
        raise TableError.single(f"{path}: no such file")
    if path.stat().st_size > MAX_FILE:
        raise TableError.single(f"{path.name}: larger than {MAX_FILE // 2**20} MB")
    return read_xlsx(path, sheet) if suffix in _XLSX else read_csv(path)
