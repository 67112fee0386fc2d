"""The run folder's ``artifacts/<step>/`` tables: written by one workbook, read by the next.

Tables are tidy CSV written deterministically (same data, same bytes), so runs can be compared.
"""

from __future__ import annotations

import os
from pathlib import Path

import pandas as pd

from .config import Engagement
from .paths import workbooks_dir

__all__ = ["run_folder", "write_table", "read_table"]


def run_folder(run_dir: str | Path | None, engagement: Engagement) -> Path:
    """The run folder: ``run_dir`` when given (headless runs), else ``<base>/<engagement name>``.

    The base is ``$CXM_OUT`` when set; else ``out`` in the current folder, except that a workbook
    opened live from the package's own ``workbooks/`` folder writes to ``out/`` beside it (the same
    run folder ``make demo`` fills), so nothing is written inside the workbooks folder.
    """
    if run_dir:
        folder = Path(run_dir)
    else:
        base = os.environ.get("CXM_OUT")
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
    from .errors import CxmError

    path = Path(run_dir) / "artifacts" / step / f"{name}.csv"
    if not path.is_file():
        raise CxmError(f"{path} is missing: run workbook {step} first (cxm run --only {step[:2]}).")
    return pd.read_csv(path)
