"""The run folder's ``artifacts/<step>/`` tables: written by one workbook, read by the next.

Tables are tidy CSV written deterministically (same data, same bytes), so runs can be compared.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import ClassVar

import pandas as pd

from cxmethods.core.config import Engagement
from cxmethods.core.paths import workbooks_dir

__all__ = ["Note", "Results", "read_table", "run_folder", "write_table"]


def run_folder(run_dir: str | Path | None, engagement: Engagement) -> Path:
    """The run folder: ``run_dir`` when given (headless runs), else ``<base>/<engagement name>``.

    The base is ``$CXM_OUT`` when set; else ``out`` in the current folder, except that a workbook
    opened live from the package's own ``workbooks/`` folder writes to ``out/`` beside it (the same
    run folder ``make demo`` fills), so nothing is written inside the workbooks folder.
    """
    if run_dir:
        folder = Path(run_dir)
    else:
        base: str | Path | None = os.environ.get("CXM_OUT")
        if base is None:
            here = Path.cwd().resolve()
            base = here.parent / "out" if here == workbooks_dir().resolve() else here / "out"
        folder = Path(base) / engagement.name
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def write_table(table: pd.DataFrame, run_dir: str | Path, step: str, name: str) -> Path:
    """Write ``table`` to ``run_dir/artifacts/<step>/<name>.csv`` and return the path."""
    folder = Path(run_dir) / "artifacts" / step
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{name}.csv"
    table.to_csv(path, index=False, lineterminator="\n", encoding="utf-8")
    return path


def read_table(run_dir: str | Path, step: str, name: str) -> pd.DataFrame:
    """Read a table an earlier workbook wrote; a clear error names the workbook to run first."""
    from cxmethods.core.errors import CxmError

    path = Path(run_dir) / "artifacts" / step / f"{name}.csv"
    if not path.is_file():
        raise CxmError(f"{path} is missing: run workbook {step} first (cxm run --only {step[:2]}).")
    return pd.read_csv(path)


class Note(str):
    """Why a table or chart is not available. Shown in full in a notebook (a one-cell table would cut it)."""

    def _repr_markdown_(self) -> str:
        return f"**Not available:** {self}"


class Remarks(str):
    """What a workbook had to assume or leave out, shown in full as a bullet list in a notebook."""

    def _repr_markdown_(self) -> str:
        return self if self else "*Nothing to note.*"


class Results:
    """Tables a workbook computed, why others could not be computed, and named views of them.

    Subclasses set ``VIEWS``: ``{view name: (table name, function of that table)}``, so notebooks show
    a trimmed or pivoted table without any logic of their own, and see a :class:`Note` when the table
    is missing.
    """

    VIEWS: ClassVar[dict[str, tuple[str, Callable[[pd.DataFrame], pd.DataFrame]]]] = {}

    def __init__(self) -> None:
        self.tables: dict[str, pd.DataFrame] = {}
        self.skipped: dict[str, str] = {}
        self.notes: list[str] = []

    def remarks(self) -> Remarks:
        """The notes (what was assumed, capped or left out), in full."""
        return Remarks("\n".join(f"- {n}" for n in self.notes))

    def table(self, name: str):
        """The table, or a :class:`Note` saying why it is not available."""
        if name in self.tables:
            return self.tables[name]
        return Note(self.skipped.get(name, f"'{name}' was not computed."))

    def view(self, name: str):
        """A named view (see ``VIEWS``) of a table, or the note saying why the table is not available."""
        table_name, make = self.VIEWS[name]
        table = self.table(table_name)
        return table if isinstance(table, Note) else make(table)
