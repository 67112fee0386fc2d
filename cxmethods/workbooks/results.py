"""The workbook contract: what every orchestrator's ``run`` returns.

Each module in :mod:`cxmethods.workbooks` has one entry point of the same shape,
``run(engagement, run_dir, **options) -> Results``: it reads the engagement's inputs and the earlier steps'
artifacts (through :mod:`cxmethods.io.artifacts`), calls the methods, and returns a :class:`Results` holding
the tables by name, for each table it could not compute the reason, the notes on what it assumed, named views
and charts. ``result.write()`` writes the step's registered artifacts to the run folder.

>>> class Demo(Results):
...     STEP = "05_roadmap"
...     VIEWS = {"first": ("capacity", lambda t: t.head(1))}
>>> result = Demo("/tmp/run")
>>> result.tables["capacity"] = pd.DataFrame({"quarter": ["2026 Q2", "2026 Q3"], "free": [0.5, 1.0]})
>>> result.view("first")["quarter"].tolist()
['2026 Q2']
>>> result.skipped["kpis"] = "The engagement names no service standards."
>>> result.table("kpis")
'The engagement names no service standards.'
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import Any, ClassVar

import pandas as pd

from cxmethods.core.checks import check_one_of
from cxmethods.core.errors import CxmError
from cxmethods.core.schemas import INPUTS
from cxmethods.io.artifacts import artifact_path, artifacts_of, write_table

__all__ = ["Note", "Remarks", "Results", "missing_input"]


def missing_input(name: str, adds: str) -> str:
    """The plain note for an input the engagement does not name: what the input is and what it would add.

    >>> missing_input("stakeholders", "to check that every customer group has someone to speak for it")
    'The engagement names no stakeholders input: add inputs.stakeholders (the stakeholder map: one row per stakeholder group; layout in templates/stakeholders.csv) to check that every customer group has someone to speak for it.'
    """
    what = re.sub(r"\s*\(templates/[^)]*\)", "", INPUTS[name].description).rstrip(".")  # the layout is named once
    what = what[0].lower() + what[1:]
    return (
        f"The engagement names no {name.replace('_', ' ')} input: add inputs.{name} ({what}; layout in "
        f"templates/{name}.csv) {adds}."
    )


class Note(str):
    """Why a table or chart is not available. Shown in full in a notebook (a one-cell table would cut it)."""

    def _repr_markdown_(self) -> str:
        return f"**Not available:** {self}"


class Remarks(str):
    """What a workbook had to assume or leave out, shown in full as a bullet list in a notebook."""

    def _repr_markdown_(self) -> str:
        return self if self else "*Nothing to note.*"


class Results:
    """Tables a workbook computed, why others could not be computed, named views and charts of them.

    Subclasses set ``STEP`` (the workbook's step in :data:`cxmethods.io.artifacts.STEPS`), ``VIEWS``
    (``{view name: (table name, function of that table)}``) and ``CHARTS`` (``{chart name: (table name, plot
    function)}``), so notebooks show a trimmed table or a chart without any logic of their own, and see a
    :class:`Note` when the table is missing. ``WRITE_DECIMALS`` rounds every table as it is written.
    """

    STEP: ClassVar[str] = ""
    VIEWS: ClassVar[dict[str, tuple[str, Callable[[pd.DataFrame], Any]]]] = {}
    CHARTS: ClassVar[dict[str, tuple[str, Callable[..., Any]]]] = {}
    WRITE_DECIMALS: ClassVar[int | None] = None

    def __init__(self, run_dir: str | Path | None = None) -> None:
        self.run_dir = Path(run_dir) if run_dir is not None else None
        self.tables: dict[str, pd.DataFrame] = {}
        self.skipped: dict[str, str] = {}
        self.notes: list[str] = []

    def remarks(self) -> Remarks:
        """The notes (what was assumed, capped or left out), in full."""
        return Remarks("\n".join(f"- {n}" for n in self.notes))

    def table(self, name: str) -> pd.DataFrame | Note:
        """The table, or a :class:`Note` saying why it is not available."""
        if name in self.tables:
            return self.tables[name]
        return Note(self.skipped.get(name, f"'{name}' was not computed."))

    def view(self, name: str) -> Any:
        """A named view (see ``VIEWS``) of a table, or the note saying why the table is not available."""
        table_name, make = self.VIEWS[name]
        table = self.table(table_name)
        return table if isinstance(table, Note) else make(table)

    def chart(self, name: str, *args: Any) -> Any:
        """A named chart (see ``CHARTS``) of a table, or the note saying why the table is not available."""
        check_one_of(name, "name", f"{type(self).__name__}.chart", tuple(self.CHARTS))
        table_name, plot = self.CHARTS[name]
        table = self.table(table_name)
        return table if isinstance(table, Note) else plot(table, *args)

    def write(self, run_dir: str | Path | None = None) -> list[Path]:
        """Write the step's registered artifacts that were computed to ``<run_dir>/artifacts/<step>/``; return the paths.

        ``run_dir`` defaults to the run folder given to ``run()``. Tables go as CSV (Parquet where registered so);
        a registered chart (``png``) is drawn by :meth:`chart`.
        """
        folder = Path(run_dir) if run_dir is not None else self.run_dir
        if folder is None:
            raise CxmError(f"{type(self).__name__} has no run folder to write to: give run_dir to run() or write().")
        written = []
        for item in artifacts_of(self.STEP):
            if item.kind == "png":
                figure = self.chart(item.name) if item.name in self.CHARTS else None
                if figure is not None and not isinstance(figure, Note):
                    path = artifact_path(folder, self.STEP, item.name)
                    path.parent.mkdir(parents=True, exist_ok=True)
                    figure.savefig(path, dpi=110, bbox_inches="tight")
                    written.append(path)
            elif item.name in self.tables:
                table = self.tables[item.name]
                if self.WRITE_DECIMALS is not None:
                    table = table.round(self.WRITE_DECIMALS)
                written.append(write_table(table, folder, self.STEP, item.name))
        return written
