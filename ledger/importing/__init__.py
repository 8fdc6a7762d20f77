"""Importers: breakdown tables (XLSX/CSV) -> validated rows for the ledger."""

from ledger.importing.table import RowProblem, TableError, TableRow, read_table

__all__ = ["RowProblem", "TableError", "TableRow", "read_table"]
