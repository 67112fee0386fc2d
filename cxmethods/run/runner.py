"""Run an engagement's workbooks headless with papermill and write the run folder.

The run folder (``out/<engagement>/`` by default)::

    00_start_here.ipynb ...      executed notebooks (kept even when one fails)
    artifacts/<step>/...         tables each workbook writes
    report/*.html                code-free HTML reports and an index page
    <engagement>.xlsx, .pptx     the tables in Excel, the slide deck
    run.json                     parameters, package versions, input checksums, per-workbook status,
                                 outputs, and every file produced with its checksum

Every workbook gets two parameters: ``engagement`` (path of the YAML) and ``run_dir``.
Workbooks run in number order. When one fails the others still run (a workbook that needs an earlier
one's artifacts says which to run first), and the run exits non-zero.
"""

from __future__ import annotations

import json
import os
import platform
import re
import sys
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path

import nbformat

from cxmethods.core.config import Engagement, load_engagement
from cxmethods.core.errors import CxmError
from cxmethods.core.paths import workbooks_dir
from cxmethods.io.artifacts import run_folder
from cxmethods.outputs.make_all import file_list, write_outputs
from cxmethods.sample import is_sample
from cxmethods.workbooks.start_here import input_checksums, validate_engagement

__all__ = ["KERNEL_NAME", "RunResult", "StepResult", "ensure_kernel", "list_workbooks", "run_engagement"]

#: Name of the Jupyter kernel the workbooks use; ``make`` installs it, the runner too if missing.
KERNEL_NAME = "cxmethods"

_VERSIONS = ("cxmethods", "papermill", "nbclient", "pandas", "numpy", "pydantic", "scikit-learn", "duckdb", "ipykernel")

#: ``progress(workbook, cells_done, cells_total)``
Progress = Callable[[str, int, int], None]


@dataclass(frozen=True)
class StepResult:
    """Outcome of one workbook. ``status`` is ``ok`` or ``failed``."""

    workbook: str
    status: str
    seconds: float = 0.0
    error: str | None = None
    cell: int | None = None
    cell_source: str | None = None

    def summary(self) -> str:
        if self.status != "failed":
            return f"{self.workbook}: {self.status}"
        where = f" at cell [{self.cell}]" if self.cell is not None else ""
        code = f" ({self.cell_source})" if self.cell_source else ""
        return f"{self.workbook} failed{where}{code}: {self.error}"


@dataclass(frozen=True)
class RunResult:
    out_dir: Path
    steps: tuple[StepResult, ...]
    outputs: tuple = ()  # OutputResult per output (report, Excel, deck); empty when outputs were not made

    @property
    def ok(self) -> bool:
        return all(s.status == "ok" for s in self.steps) and all(o.status != "failed" for o in self.outputs)

    @property
    def failed(self) -> StepResult | None:
        return next((s for s in self.steps if s.status == "failed"), None)

    @property
    def files(self) -> dict[str, Path]:
        """The main file of each output made, as written: ``report`` (its index page), ``excel``, ``deck``.

        Outputs skipped or failed are left out. The Excel file and the deck are named after the engagement, not the
        run folder (``--out`` may name any folder).
        """
        found = {}
        for made in self.outputs:
            if made.status == "ok" and made.files:
                # the report's index first; the Excel file and the deck are one file each
                found[made.output] = self.out_dir / next((f for f in made.files if Path(f).name == "index.html"), made.files[0])
        return found


def list_workbooks(only: str | list[str] | None = None, *, folder: str | Path | None = None) -> list[Path]:
    """The numbered workbooks (``NN_name.ipynb``) in run order, optionally only those whose number is in ``only``.

    ``only`` is a list or a comma-separated string of numbers (``"01,03"``) or names; ``folder`` defaults
    to the workbooks installed with the package.
    """
    books = sorted(Path(folder or workbooks_dir()).glob("[0-9][0-9]_*.ipynb"))
    if not only:
        return books
    wanted = [w.strip() for w in (only.split(",") if isinstance(only, str) else only) if w.strip()]
    chosen = [b for b in books if any(b.stem == w or b.stem[:2] == w.zfill(2) for w in wanted)]
    unknown = [w for w in wanted if not any(b.stem == w or b.stem[:2] == w.zfill(2) for b in books)]
    if unknown:
        raise CxmError(f"--only names no workbook: {', '.join(unknown)}. Workbooks: {', '.join(b.stem for b in books)}.")
    return chosen


def run_engagement(
    engagement: str | Path | Engagement | None = None,
    *,
    out: str | Path | None = None,
    only: str | list[str] | None = None,
    progress: Progress | None = None,
    workbooks: str | Path | None = None,
    kernel_name: str = KERNEL_NAME,
    outputs: bool = True,
) -> RunResult:
    """Validate the engagement, then execute its workbooks in order and write the run folder.

    Parameters
    ----------
    engagement : path, Engagement or None
        The engagement YAML; None runs the bundled sample.
    out : path, optional
        The run folder; default ``out/<engagement name>`` (see :func:`cxmethods.io.artifacts.run_folder`).
    only : str or list of str, optional
        Workbook numbers or names to run, e.g. ``"01,03"``.
    progress : callable, optional
        Called as ``progress(workbook, cells_done, cells_total)`` as cells finish.
    workbooks : path, optional
        Folder of workbooks to run instead of the installed ones (e.g. an organisation's adapted copies).
    outputs : bool
        Make the HTML report, the Excel file and the slide deck after the workbooks (default True).

    Raises
    ------
    ConfigError
        When the engagement or its inputs have errors (nothing is run).
    """
    eng = engagement if isinstance(engagement, Engagement) else load_engagement(engagement)
    books = list_workbooks(only, folder=workbooks)  # a wrong --only fails before inputs are read
    out_dir = run_folder(out, eng, create=False)
    report = validate_engagement(eng)
    report.raise_for_errors()
    ensure_kernel(kernel_name)
    (out_dir / "artifacts").mkdir(parents=True, exist_ok=True)
    out_dir = out_dir.resolve()
    checksums = input_checksums(eng)
    report.save(out_dir / "validation.json", checksums)  # the start-here workbook reuses it while inputs are unchanged
    parameters = {"engagement": str(eng.path), "run_dir": str(out_dir)}
    manifest = {
        "engagement": {"name": eng.name, "organisation": eng.organisation, "path": str(eng.path)},
        "parameters": parameters,
        "only": [b.stem for b in books] if only else None,
        "started_at": _now(),
        "versions": _versions(),
        "inputs": _input_rows(eng, checksums),
        "warnings": [str(p) for p in report.warnings],
    }
    steps: list[StepResult] = []
    sample = is_sample(eng)
    for book in books:  # a failure does not stop the others: each checks what it reads and names what to run first
        steps.append(_execute(book, out_dir, parameters, kernel_name, progress, sample=sample))
    manifest["status"] = "ok" if all(s.status == "ok" for s in steps) else "failed"
    manifest["workbooks"] = [asdict(s) for s in steps]
    made = ()
    if outputs:  # the report's index shows the run's status, so run.json is written before and after
        _write_manifest(out_dir, manifest)
        made = tuple(write_outputs(out_dir, eng))
        manifest["outputs"] = [asdict(o) for o in made]
        if any(o.status == "failed" for o in made):
            manifest["status"] = "failed"
    manifest["finished_at"] = _now()
    manifest["files"] = file_list(out_dir)
    _write_manifest(out_dir, manifest)
    return RunResult(out_dir, tuple(steps), made)


def _write_manifest(out_dir: Path, manifest: dict) -> None:
    (out_dir / "run.json").write_text(json.dumps(manifest, indent=2, default=str) + "\n", encoding="utf-8")


def _execute(
    book: Path, out_dir: Path, parameters: dict, kernel_name: str, progress: Progress | None, *, sample: bool = True
) -> StepResult:
    """Execute one workbook into the run folder; cells tagged ``sample`` (the sample's own answers and figures) are
    left out unless the engagement is the sample (:func:`cxmethods.sample.is_sample`)."""
    import papermill as pm
    from papermill.exceptions import PapermillExecutionError

    nb = nbformat.read(book, as_version=4)
    if not sample:
        nb.cells = [c for c in nb.cells if "sample" not in c.get("metadata", {}).get("tags", [])]
    total = 1 + sum(c.cell_type == "code" for c in nb.cells)  # +1: injected parameters
    done = 0

    def on_cell_executed(**_):
        nonlocal done
        done += 1
        if progress:
            progress(book.stem, done, total)

    if progress:
        progress(book.stem, 0, total)
    start = time.perf_counter()
    try:
        pm.execute_notebook(
            nb,
            str(out_dir / book.name),
            parameters=parameters,
            kernel_name=kernel_name,
            progress_bar=False,
            cwd=str(out_dir),
            on_cell_executed=on_cell_executed,
            # the kernel's own log (shutdown notices, transport warnings) is noise in a headless run;
            # cell errors still arrive as messages and are reported
            extra_arguments=["--IPKernelApp.log_level=CRITICAL"],
        )
    except PapermillExecutionError as exc:
        _normalise(out_dir / book.name, book)
        first = next((line for line in exc.source.splitlines() if line.strip() and not line.startswith("#")), "")
        return StepResult(book.stem, "failed", _since(start), f"{exc.ename}: {_short(exc.evalue)}", exc.exec_count, first[:100])
    except Exception as exc:  # kernel died, timeout, unreadable notebook: report, keep going to run.json
        return StepResult(book.stem, "failed", _since(start), f"{type(exc).__name__}: {_short(str(exc))}")
    _normalise(out_dir / book.name, book)
    return StepResult(book.stem, "ok", _since(start))


_WIDGET_STATE = "application/vnd.jupyter.widget-state+json"
_WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"


def _widget_ids(nb) -> dict[str, str]:
    """Random widget model id -> a number, in a fixed order: the widgets cells show, each followed by the
    models it refers to (depth first), then any others by content."""
    state = nb.metadata.get("widgets", {}).get(_WIDGET_STATE, {}).get("state", {})
    order: list[str] = []

    def visit(model: str) -> None:
        if model in order:
            return
        order.append(model)
        for ref in re.findall(r"IPY_MODEL_([0-9a-f]{32})", json.dumps(state.get(model, {}))):
            visit(ref)

    for cell in nb.cells:
        for output in cell.get("outputs", []):
            model = output.get("data", {}).get(_WIDGET_VIEW, {}).get("model_id")
            if model:
                visit(model)
    rest = sorted(set(state) - set(order), key=lambda m: re.sub(r"IPY_MODEL_\w+", "", json.dumps(state[m], sort_keys=True)))
    return {model: f"{i:032x}" for i, model in enumerate(order + rest, 1)}


def _normalise(path: Path, source: Path) -> None:
    """Make an executed notebook the same bytes for the same inputs: drop the execution clock times
    (run.json keeps each workbook's time), number widget models in order instead of at random, and give
    papermill's injected-parameters cell a fixed id. Papermill records the notebook it was given as its input,
    here the whole workbook with the cells left out: the record names the workbook's file instead."""
    nb = nbformat.read(path, as_version=4)
    if "papermill" in nb.metadata:
        nb.metadata.papermill["input_path"] = str(source)
    for meta in (nb.metadata, *(cell.metadata for cell in nb.cells)):
        meta.pop("execution", None)
        for key in ("start_time", "end_time", "duration"):
            meta.get("papermill", {}).pop(key, None)
    for cell in nb.cells:
        if "injected-parameters" in cell.metadata.get("tags", []):
            cell.id = "injected-parameters"
    ids = _widget_ids(nb)
    text = nbformat.writes(nb)
    if ids:
        text = re.sub(r"[0-9a-f]{32}", lambda m: ids.get(m.group(), m.group()), text)
        nb = nbformat.reads(text, as_version=4)
        widgets = nb.metadata.get("widgets", {}).get(_WIDGET_STATE)
        if widgets and "state" in widgets:  # a view's model may have no saved state
            widgets["state"] = dict(sorted(widgets["state"].items()))
        text = nbformat.writes(nb)
    path.write_text(text + "\n", encoding="utf-8")


def _since(start: float) -> float:
    return round(time.perf_counter() - start, 2)


def ensure_kernel(name: str = KERNEL_NAME) -> None:
    """Make sure kernel ``name`` runs this Python: install it into this environment if missing.

    Raises
    ------
    CxmError
        When a kernel of that name exists but runs another Python (e.g. one installed for another
        checkout earlier on Jupyter's path): the workbooks would run without this cxmethods.
    """
    from jupyter_client.kernelspec import KernelSpecManager, NoSuchKernel

    try:
        spec = KernelSpecManager().get_kernel_spec(name)
    except NoSuchKernel:
        from ipykernel.kernelspec import install

        install(kernel_name=name, display_name="Python (cxmethods)", prefix=sys.prefix)
        return
    python = spec.argv[0] if spec.argv else ""
    if os.path.isabs(python) and not _same_python(python):
        raise CxmError(
            f"The Jupyter kernel '{name}' ({spec.resource_dir}) runs {python}, not this environment's {sys.executable}. "
            f"Fix: remove it (jupyter kernelspec remove {name}) or reinstall it from this environment: "
            f"{sys.executable} -m ipykernel install --sys-prefix --name {name}"
        )


def _same_python(python: str) -> bool:
    try:
        return os.path.samefile(python, sys.executable) or Path(python).resolve().parent == Path(sys.executable).resolve().parent
    except OSError:
        return False


def _short(text: str, limit: int = 300) -> str:
    text = " ".join(str(text).split())
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def _versions() -> dict[str, str]:
    found = {"python": platform.python_version()}
    for name in _VERSIONS:
        try:
            found[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            pass
    return found


def _input_rows(eng: Engagement, checksums: dict[str, str]) -> list[dict]:
    rows = []
    for name, (_, spec) in eng.tables().items():
        path = eng.resolve(spec.path)
        if name in checksums:
            rows.append({"input": name, "path": str(path), "bytes": path.stat().st_size, "sha256": checksums[name]})
    return rows
