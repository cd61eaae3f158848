"""The error hierarchy of SeqRec Studio.

Every error a user can cause is a ``SeqRecError``; pages catch it and show its
message, anything else is a bug and surfaces. Messages say what went wrong, where
(file, line, column) and what to do about it.
"""

from __future__ import annotations


class SeqRecError(Exception):
    """Base class of every expected, user-facing error."""


class InputError(SeqRecError):
    """Bad input data: names the file, line and column where known, and the fix.

    Args:
        message: what is wrong, in plain words.
        file: the file's display name (never a server path the user did not give).
        line: 1-based physical line number in the file, when known.
        column: the column's name (or letter for spreadsheets), when known.
        hint: what the user can do to fix it.
    """

    def __init__(
        self,
        message: str,
        *,
        file: str | None = None,
        line: int | None = None,
        column: str | None = None,
        hint: str | None = None,
    ) -> None:
        self.message = message
        self.file = file
        self.line = line
        self.column = column
        self.hint = hint
        super().__init__(self._render())

    def _render(self) -> str:
        where = []
        if self.file:
            where.append(self.file)
        if self.line is not None:
            where.append(f"line {self.line}")
        if self.column:
            where.append(f"column {self.column!r}")
        text = f"{', '.join(where)}: {self.message}" if where else self.message
        if self.hint:
            text += f" — {self.hint}"
        return text


class ConfigError(SeqRecError):
    """An invalid setting: names the field, the value and the allowed range."""


class WorkspaceError(SeqRecError):
    """A workspace operation that cannot proceed (unknown dataset, name taken, locked)."""


class RunError(SeqRecError):
    """A training or evaluation run failed or is in a state that forbids the request."""
