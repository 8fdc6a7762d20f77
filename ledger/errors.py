"""The one small hierarchy of errors the ledger raises.

Every message is written for the person at the terminal: it names the plan, task, row or
field in the words of the domain, and says what to do next. ``field`` says which value a
refusal is about ("reason", "approver", …), so the command line can say which option
gives it. The CLI prints the message and exits 1.
"""

from __future__ import annotations


class LedgerError(Exception):
    """Base class: a command was refused and nothing was written."""

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field


class NotFound(LedgerError):
    """A plan, task or record that the command names does not exist."""


class InvalidInput(LedgerError):
    """A value given to a command is malformed or impossible."""


class RuleViolation(LedgerError):
    """The command breaks a rule of the task's life cycle."""


class Conflict(LedgerError):
    """Someone else changed the same thing at the same moment."""
