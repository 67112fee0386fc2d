"""Exceptions. Every error the package raises on purpose derives from :class:`CxmError`."""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["ConfigError", "CxmError", "InputError", "Problem"]


@dataclass(frozen=True)
class Problem:
    """One thing wrong with an engagement or one of its inputs.

    Attributes
    ----------
    where : str
        The file (and, for YAML, the key path, e.g. ``engagement.yaml: inputs.survey.path``).
    message : str
        What is wrong, in plain language.
    fix : str
        How to put it right.
    column : str or None
        The column in the user's file, where one is concerned.
    rows : tuple of int
        Row numbers as a spreadsheet shows them (the header is row 1); at most a few examples.
    severity : str
        ``"error"`` stops a run; ``"warning"`` is reported and the run goes on.
    """

    where: str
    message: str
    fix: str = ""
    column: str | None = None
    rows: tuple[int, ...] = ()
    severity: str = "error"

    def __str__(self) -> str:
        parts = [self.where]
        if self.column is not None:
            parts.append(f"column '{self.column}'")
        if self.rows:
            parts.append(_rows_text(self.rows))
        text = ", ".join(parts) + f": {self.message}"
        if self.fix:
            text += f" Fix: {self.fix}"
        return text


def _rows_text(rows: tuple[int, ...]) -> str:
    label = "row" if len(rows) == 1 else "rows"
    return f"{label} " + ", ".join(str(r) for r in rows)


class CxmError(Exception):
    """Root of every error cxmethods raises on purpose."""


class ConfigError(CxmError):
    """An engagement (or a methodology file) is invalid. ``problems`` lists every problem found."""

    def __init__(self, problems: list[Problem], *, title: str = "The engagement has problems"):
        self.problems = list(problems)
        lines = [f"{title} ({len(self.problems)}):"] + [f"  - {p}" for p in self.problems]
        super().__init__("\n".join(lines))


class InputError(ConfigError):
    """An input file cannot be read or does not match its column mapping."""
