"""Run an engagement's workbooks headless with papermill and write the run folder.

The run folder (``out/<engagement>/`` by default)::

    00_start_here.ipynb ...      executed notebooks (kept even when one fails)
    artifacts/<step>/...         tables each workbook writes
    report/*.html                code-free HTML reports and an index page
    <engagement>.xlsx, .pptx     the tables in Excel, the slide deck
    run.json                     parameters, package versions, input checksums, per-workbook status,
                                 outputs, and every file produced with its checksum

Every workbook gets two parameters: ``engagement`` (path of the YAML) and ``run_dir``.
Workbooks that read nothing of each other run side by side (:mod:`cxmethods.run.schedule`); with one worker, in
number order. When one fails the others still run (a workbook that needs an earlier one's artifacts says which to
run first), and the run exits non-zero.
"""

from __future__ import annotations

import contextlib
import json
import os
import platform
import re
import signal
import sys
import threading
import time
from collections.abc import Callable
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path

from cxmethods.core.checks import check_int
from cxmethods.core.config import Engagement, load_engagement
from cxmethods.core.errors import CxmError
from cxmethods.core.files import check_folder, make_folder
from cxmethods.core.parallel import available_cores
from cxmethods.core.paths import workbooks_dir
from cxmethods.io.artifacts import STEP_RUNNING, STEPS, run_folder
from cxmethods.outputs.make_all import file_list, write_outputs
from cxmethods.run.forks import ForkServer
from cxmethods.run.forks import available as forks_available
from cxmethods.run.kernels import (
    execute_notebook,
    imports_of,
    kill_kernel,
    load_engine,
    move_to,
    start_kernel,
    stop_kernel,
    warm,
)
from cxmethods.run.schedule import SideBySide, dependencies
from cxmethods.sample import is_sample
from cxmethods.workbooks.start_here import input_checksums, validate_engagement

__all__ = [
    "KERNEL_NAME",
    "RunResult",
    "StepResult",
    "check_run_folder",
    "default_workers",
    "ensure_kernel",
    "list_workbooks",
    "mark_died",
    "run_engagement",
]

#: Name of the Jupyter kernel the workbooks use; ``make`` installs it, the runner too if missing.
KERNEL_NAME = "cxmethods"

_VERSIONS = ("cxmethods", "papermill", "nbclient", "pandas", "numpy", "pydantic", "scikit-learn", "duckdb", "ipykernel")

#: ``progress(workbook, cells_done, cells_total)``
Progress = Callable[[str, int, int], None]


@dataclass(frozen=True)
class StepResult:
    """Outcome of one workbook. ``status`` is ``ok``, ``failed`` or ``interrupted`` (a KeyboardInterrupt in it)."""

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
    workers: int | None = None,
    ahead: int = 2,
) -> RunResult:
    """Validate the engagement, then execute its workbooks and write the run folder.

    Workbooks that read nothing of each other run side by side, ``workers`` at a time, each kernel started (with
    its modules imported) while the workbooks it reads finish (:mod:`cxmethods.run.schedule`), forked where the
    system allows from one process that loads those modules once (:mod:`cxmethods.run.forks`); ``workers=1`` runs
    them one after another in number order, each in a new kernel. The artifacts are the same either way.

    ``run.json`` is written before the first workbook (``status: running``, each workbook ``pending``) and again
    as each workbook starts and ends, so a reader never takes a run under way, or one that died, for a finished
    one. Ctrl-C or SIGTERM marks the run and the workbook that was running ``interrupted`` (its notebook too:
    the cells that never ran are not marked completed) and is raised again as KeyboardInterrupt.

    Parameters
    ----------
    engagement : path, Engagement or None
        The engagement YAML; None runs the bundled sample.
    out : path, optional
        The run folder; default ``out/<engagement name>`` (see :func:`cxmethods.io.artifacts.run_folder`). It must
        be new, empty or an earlier run of the same engagement holding only what that run wrote.
    only : str or list of str, optional
        Workbook numbers or names to run, e.g. ``"01,03"``. The others' notebooks and tables left by an earlier
        run stay, recorded in run.json as ``earlier run`` with that run's date, and the outputs say so.
    progress : callable, optional
        Called as ``progress(workbook, cells_done, cells_total)`` as cells finish.
    workbooks : path, optional
        Folder of workbooks to run instead of the installed ones (e.g. an organisation's adapted copies).
    outputs : bool
        Make the HTML report, the Excel file and the slide deck after the workbooks (default True).
    workers : int, optional
        Workbooks running at a time (default: :func:`default_workers`, one per core up to four). ``cxm batch`` gives
        each engagement its share of the workers it was asked for.
    ahead : int
        With more than one worker, kernels started beyond ``workers`` so that the next workbooks' modules are
        loaded before a worker frees (default 2: they wait, idle once loaded, beside the running ones).
        ``cxm batch`` gives 0, so that its kernels never outnumber its workers.

    Raises
    ------
    ConfigError
        When the engagement or its inputs have errors (nothing is run).
    CxmError
        When ``out`` holds files this engagement's runs do not write, another engagement's run, or a run
        still under way (nothing is run, nothing in it is touched).
    KeyboardInterrupt
        On Ctrl-C or SIGTERM, after run.json and the running notebook are marked interrupted.
    """
    eng = engagement if isinstance(engagement, Engagement) else load_engagement(engagement)
    workers = default_workers() if workers is None else check_int(workers, "workers", "run_engagement", low=1)
    books = list_workbooks(only, folder=workbooks)  # a wrong --only fails before inputs are read
    out_dir = run_folder(out, eng, create=False)
    check_folder(out_dir)  # a file in its path or no permission: said before the inputs are read
    earlier = check_run_folder(out_dir, eng.name, [b.stem for b in books])
    ensure_kernel(kernel_name)
    made: tuple = ()
    with _sigterm_interrupts():
        run = None
        try:
            # the first kernels start now, while the engagement is checked; they are stopped if it fails
            run = _Workbooks(books, kernel_name, workers=workers, ahead=ahead, sample=is_sample(eng), installed=workbooks is None)
            report = validate_engagement(eng)
            report.raise_for_errors()
            make_folder(out_dir)
            make_folder(out_dir / "artifacts")
            out_dir = out_dir.resolve()
            checksums = input_checksums(eng)
            report.save(out_dir / "validation.json", checksums)  # the start-here workbook reuses it while inputs are unchanged
            parameters = {"engagement": str(eng.path), "run_dir": str(out_dir)}
            entries = _workbook_entries(out_dir, earlier, books)
            manifest = {
                "engagement": {"name": eng.name, "organisation": eng.organisation, "path": str(eng.path)},
                "parameters": parameters,
                "only": [b.stem for b in books] if only else None,
                "workers": workers,
                "started_at": _now(),
                "status": "running",
                "process": {"pid": os.getpid(), "host": platform.node()},
                "versions": _versions(),
                "inputs": _input_rows(eng, checksums),
                "warnings": [str(p) for p in report.warnings],
                "workbooks": list(entries.values()),
                "files": file_list(out_dir),  # what the folder holds as this run starts: an earlier run's (checked above)
            }
            _write_manifest(out_dir, manifest)
        except BaseException:
            if run is not None:
                run.cancel()
            raise
        try:
            # a failure does not stop the others: each checks what it reads and names what to run first
            steps = run.run(out_dir, parameters, progress, manifest, entries)
            manifest["status"] = "ok" if all(s.status == "ok" for s in steps) else "failed"
            _update(out_dir, manifest, entries)  # the report's index shows the run's status: written before the outputs
            if outputs:
                made = tuple(write_outputs(out_dir, eng, workers=workers))
                manifest["outputs"] = [asdict(o) for o in made]
                if any(o.status == "failed" for o in made):
                    manifest["status"] = "failed"
        except KeyboardInterrupt:
            for stem, entry in entries.items():
                if entry["status"] == "running":
                    entries[stem] = {**entry, "status": "interrupted", "error": "the run was interrupted (Ctrl-C or SIGTERM)"}
                elif entry["status"] == "pending":
                    entries[stem] = {**entry, "status": "not run"}
            manifest["status"] = "interrupted"
            _finish(out_dir, manifest, entries)
            raise
        except Exception as exc:  # not a workbook's failure (each is caught as its own): the run's, said in run.json
            manifest["status"], manifest["error"] = "failed", f"{type(exc).__name__}: {_short(str(exc))}"
            with contextlib.suppress(Exception):  # the folder may be what failed
                _finish(out_dir, manifest, entries)
            raise
    _finish(out_dir, manifest, entries)
    return RunResult(out_dir, tuple(steps), made)


def check_run_folder(out_dir: Path, name: str, steps: list[str] | None = None) -> dict:
    """Refuse a run folder that holds anything but an earlier run of engagement ``name``; return its run.json.

    A run never deletes, overwrites or ingests a file it did not write, so a folder holding the user's own files,
    another engagement's run, or a run still under way (its process alive on this machine) is refused before
    anything is written. An empty or missing folder gives ``{}``.

    Raises
    ------
    CxmError
        Naming the folder, what is in the way (up to five files) and the fix.
    """
    from cxmethods.outputs.headlines import read_manifest
    from cxmethods.outputs.make_all import foreign_files

    if not out_dir.is_dir():
        return {}
    manifest = read_manifest(out_dir)
    if (out_dir / "run.json").is_file() and not manifest:
        raise CxmError(
            f"--out {out_dir} holds a run.json that cannot be read, so what else in the folder is a run's is unknown. "
            "Fix: give a new folder for the run (--out), or remove that folder first."
        )
    other = (manifest.get("engagement") or {}).get("name") if isinstance(manifest.get("engagement"), dict) else None
    if manifest and other != name:
        raise CxmError(
            f"--out {out_dir} holds a run of engagement '{other}', not '{name}'. "
            f"Fix: give a folder of its own for '{name}' (--out), or remove that run first."
        )
    if manifest.get("status") == "running" and _alive(manifest.get("process")):
        raise CxmError(
            f"--out {out_dir} is being written by a run still under way (process {manifest['process'].get('pid')}). "
            "Fix: wait for it to finish or stop it, or give another folder (--out)."
        )
    foreign = foreign_files(out_dir, name, manifest=manifest, steps=steps or ())
    if foreign:
        shown = ", ".join(foreign[:5]) + (f" and {len(foreign) - 5} more" if len(foreign) > 5 else "")
        raise CxmError(
            f"--out {out_dir} holds {len(foreign)} file(s) that no run of '{name}' writes ({shown}); a run there could "
            "overwrite them or take them into its outputs. Fix: give a new or empty folder (--out), or move those files out."
        )
    return manifest


def _alive(process: object) -> bool:
    """Whether the process a run.json names is still running on this machine (another machine's: assume so)."""
    if not isinstance(process, dict) or not isinstance(process.get("pid"), int):
        return False
    if process.get("host") != platform.node():
        return True
    try:
        os.kill(process["pid"], 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # someone else's process of that number
        return True
    return process["pid"] != os.getpid()


def _workbook_entries(out_dir: Path, earlier: dict, books: list[Path]) -> dict[str, dict]:
    """run.json's workbook records as a run starts: this run's ``pending``; a workbook it does not run whose notebook
    an earlier run left ``earlier run``, with that run's date and status (the outputs show both)."""
    before = {w["workbook"]: w for w in earlier.get("workbooks", []) if isinstance(w, dict) and w.get("workbook")}
    entries: dict[str, dict] = {}
    for notebook in sorted(out_dir.glob("[0-9][0-9]_*.ipynb")):
        stem = notebook.stem
        if any(b.stem == stem for b in books) or (stem not in before and stem not in STEPS):
            continue
        old = before.get(stem, {})
        if old.get("status") == "earlier run":
            entries[stem] = old
        else:
            entries[stem] = {
                "workbook": stem,
                "status": "earlier run",
                "earlier_status": old.get("status"),
                "run_at": earlier.get("started_at"),
                "error": old.get("error"),
            }
    for book in books:
        entries[book.stem] = {"workbook": book.stem, "status": "pending"}
    return dict(sorted(entries.items()))


def _update(out_dir: Path, manifest: dict, entries: dict[str, dict]) -> None:
    manifest["workbooks"] = list(entries.values())
    _write_manifest(out_dir, manifest)


def _finish(out_dir: Path, manifest: dict, entries: dict[str, dict]) -> None:
    manifest["workbooks"] = list(entries.values())
    manifest["finished_at"] = _now()
    # the folder held only a run's files as this run started (check_run_folder), so any new one is this run's
    manifest["files"] = file_list(out_dir)
    _write_manifest(out_dir, manifest)


class _Terminated(KeyboardInterrupt):
    """SIGTERM (a scheduler or a batch stopping the run) handled as Ctrl-C: the run is marked interrupted."""


@contextmanager
def _sigterm_interrupts():
    """While the run lasts, SIGTERM raises :class:`_Terminated` (only the main thread can take signals)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def stop(signum, frame):
        raise _Terminated

    previous = signal.signal(signal.SIGTERM, stop)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def _write_manifest(out_dir: Path, manifest: dict) -> None:
    """Replace run.json whole: a reader sees the previous record or the new one, never half of one."""
    partial = out_dir / "run.json.partial"
    partial.write_text(json.dumps(manifest, indent=2, default=str) + "\n", encoding="utf-8")
    os.replace(partial, out_dir / "run.json")


def mark_died(out_dir: str | Path, cause: str) -> bool:
    """Record in ``out_dir/run.json`` that the process running it died (``cause``, e.g. killed by signal 9).

    Called by whoever started the run (a batch) when the process is gone: a run killed outright cannot say so
    itself. Only a record still ``running`` is changed; returns whether it was.
    """
    from cxmethods.outputs.headlines import read_manifest

    out_dir = Path(out_dir)
    manifest = read_manifest(out_dir)
    if manifest.get("status") != "running":
        return False
    for entry in manifest.get("workbooks", []):
        if isinstance(entry, dict) and entry.get("status") == "running":
            entry.update(status="failed", error=f"the run's process died here: {cause}")
        elif isinstance(entry, dict) and entry.get("status") == "pending":
            entry["status"] = "not run"
    manifest.update(status="failed", error=f"the run's process died: {cause}", finished_at=_now())
    _write_manifest(out_dir, manifest)
    return True


def default_workers() -> int:
    """Kernels a run uses at a time by default: one per core this process may use, at most four (six workbooks,
    of which at most four can run together)."""
    return min(available_cores(), 4)


class _Workbooks:
    """The run's workbooks side by side (:class:`cxmethods.run.schedule.SideBySide`): the first kernels start, with
    their modules imported, as soon as this is made, while the runner checks the engagement; the workbooks execute
    when :meth:`run` is called, keeping run.json up to date as each starts and ends."""

    def __init__(self, books: list[Path], kernel_name: str, *, workers: int, ahead: int, sample: bool, installed: bool):
        self.books = {b.stem: b for b in books}
        self.kernel_name, self.workers, self.sample, self.installed = kernel_name, workers, sample, installed
        self.lock = threading.Lock()  # run.json, the progress display and the kernels running are shared
        self.running: dict[str, object] = {}
        self.stopping = threading.Event()
        self.results: dict[str, StepResult] = {}
        self.run_state: dict = {}  # what run() gives: the folder, parameters, progress, run.json and its entries
        # side by side, kernels are forked from one process that loads the workbooks' modules once
        self.forks = _fork_server(books) if workers > 1 and forks_available() else None
        stems = list(self.books)
        self.side = SideBySide(
            stems,
            dependencies(stems, installed=installed),
            workers,
            prepare=self._prepare,
            execute=self._execute,
            discard=_discard,
            ahead=ahead,
        )

    def cancel(self) -> None:
        """Nothing is to run (the engagement's checks failed): stop the kernels started."""
        try:
            self.side.cancel()
        finally:
            self._close()

    def _close(self) -> None:
        if self.forks is not None:
            self.forks.close()

    def run(self, out_dir: Path, parameters: dict, progress: Progress | None, manifest: dict, entries: dict) -> list[StepResult]:
        """Execute the workbooks; their results in number order."""
        self.run_state = {"out_dir": out_dir, "parameters": parameters, "manifest": manifest, "entries": entries}
        self.run_state["progress"] = progress and self._locked(progress)
        self.side.go()
        try:
            self.side.wait(interrupt=self._interrupt)
        finally:
            self._close()
        return [self.results[s] for s in self.books if s in self.results]

    def _locked(self, progress: Progress) -> Progress:
        def locked(workbook: str, done: int, total: int) -> None:
            with self.lock:
                progress(workbook, done, total)

        return locked

    def _prepare(self, stem: str) -> _Prepared:
        """Start the workbook's kernel (first: the notebook's reader takes a second to import), read the notebook,
        and with more than one worker import its modules, load what they load on first need, and load papermill;
        what fails is that workbook's failure when its turn comes."""
        try:  # in a folder of its own until run() gives the run folder, which may not exist yet
            # installed workbooks say which step runs, so that a read READS does not list fails rather than races
            km = start_kernel(self.kernel_name, env={STEP_RUNNING: stem if self.installed else ""}, forks=self.forks)
        except Exception as exc:
            return _Prepared(None, None, f"the kernel did not start: {type(exc).__name__}: {_short(str(exc))}")
        try:
            nb = _notebook(self.books[stem], sample=self.sample)
        except Exception as exc:
            stop_kernel(km)
            return _Prepared(None, None, f"the workbook could not be read: {type(exc).__name__}: {_short(str(exc))}")
        if self.workers > 1:  # imported while the workbooks it reads finish; one worker runs as it always did
            try:
                warm(km, _to_load(imports_of(nb)))  # loaded already if the kernel was forked: then it only checks
            except Exception as exc:  # the kernel died loading them, or never answered
                stop_kernel(km)
                why = f"the kernel stopped while loading the workbook's modules: {type(exc).__name__}: {_short(str(exc))}"
                return _Prepared(nb, None, why)
            with contextlib.suppress(Exception):  # if papermill cannot be loaded, running the notebook says so
                load_engine()
        return _Prepared(nb, km, None)

    def _execute(self, stem: str, prepared: _Prepared) -> None:
        state, started = self.run_state, _now()
        with self.lock:
            stopped = self.stopping.is_set()  # interrupted as its inputs were made: it never starts
            if not stopped:
                self.running[stem] = prepared.km
        if stopped:
            _discard(prepared)
            return
        try:
            with self.lock:
                state["entries"][stem] = {"workbook": stem, "status": "running", "started_at": started}
                _update(state["out_dir"], state["manifest"], state["entries"])
            step = self._step(stem, prepared)
        except BaseException:  # run.json could not be written: the run stops, and its kernel with it
            _discard(prepared)
            raise
        finally:
            with self.lock:
                self.running.pop(stem, None)
        with self.lock:
            self.results[stem] = step
            state["entries"][stem] = {**asdict(step), "started_at": started}  # when, as well as how long: runs overlap
            _update(state["out_dir"], state["manifest"], state["entries"])
        if step.status == "interrupted" and not self.stopping.is_set():  # a KeyboardInterrupt raised in the kernel
            raise KeyboardInterrupt

    def _step(self, stem: str, prepared: _Prepared) -> StepResult:
        if prepared.failed is not None:
            return StepResult(stem, "failed", 0.0, prepared.failed)
        state = self.run_state
        try:
            move_to(prepared.km, state["out_dir"])
        except Exception as exc:  # the kernel died while it waited for the workbooks it reads
            _discard(prepared)
            return StepResult(
                stem, "failed", 0.0, f"the kernel stopped before the workbook began: {type(exc).__name__}: {_short(str(exc))}"
            )
        return _execute(
            self.books[stem], prepared.nb, prepared.km, state["out_dir"], state["parameters"], state["progress"], self.stopping
        )

    def _interrupt(self) -> None:
        self.stopping.set()
        with self.lock:
            for km in self.running.values():
                if km is not None:
                    kill_kernel(km)


#: Run after the imports in a kernel started ahead of a workbook that uses cxmethods (:func:`cxmethods.workbooks.warm_up`).
_WARM_UP = "__import__('cxmethods.workbooks', fromlist=['warm_up']).warm_up()"


@dataclass(frozen=True)
class _Prepared:
    """A workbook ready to run: its notebook and started kernel, or why it cannot run."""

    nb: object
    km: object
    failed: str | None


def _fork_server(books: list[Path]) -> ForkServer:
    """A fork server loading what the workbooks import (and, if they use cxmethods, what they load on first need)."""
    statements: list[str] = []
    for book in books:
        with contextlib.suppress(Exception):  # a workbook that cannot be read says so when its turn comes
            statements += imports_of(json.loads(book.read_text(encoding="utf-8")))
    return ForkServer(_to_load(list(dict.fromkeys(statements))))


def _to_load(statements: list[str]) -> list[str]:
    """A workbook's imports, and the warm-up if it uses cxmethods."""
    return statements + [_WARM_UP] if any("'cxmethods" in s for s in statements) else statements


def _discard(prepared: _Prepared) -> None:
    if prepared.km is not None:
        stop_kernel(prepared.km)


def _notebook(book: Path, *, sample: bool):
    """The workbook to execute: cells tagged ``sample`` (the sample's own answers and figures) are left out unless
    the engagement is the sample (:func:`cxmethods.sample.is_sample`)."""
    import nbformat  # here, not with the module: its import (jsonschema) takes a second the kernels need not wait for

    nb = nbformat.read(book, as_version=4)
    if not sample:
        nb.cells = [c for c in nb.cells if "sample" not in c.get("metadata", {}).get("tags", [])]
    return nb


def _execute(
    book: Path, nb, km, out_dir: Path, parameters: dict, progress: Progress | None, stopping: threading.Event
) -> StepResult:
    """Execute one workbook (``nb``, read from ``book``) on its started kernel ``km`` into the run folder; when the
    run is being stopped (``stopping``) whatever ends it is reported as ``interrupted``."""
    from papermill.exceptions import PapermillExecutionError

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
        execute_notebook(
            nb,
            out_dir / book.name,
            parameters=parameters,
            cwd=out_dir,
            kernel_name=km.kernel_name,
            on_cell_executed=on_cell_executed,
            km=km,
        )
    except PapermillExecutionError as exc:
        _normalise(out_dir / book.name, book)
        first = next((line for line in exc.source.splitlines() if line.strip() and not line.startswith("#")), "")
        status = "interrupted" if exc.ename == "KeyboardInterrupt" else "failed"
        return StepResult(book.stem, status, _since(start), f"{exc.ename}: {_short(exc.evalue)}", exc.exec_count, first[:100])
    except Exception as exc:  # kernel died, timeout, unreadable notebook: report, keep going to run.json
        if stopping.is_set():  # killed by the run's interruption (Ctrl-C or SIGTERM) while a cell ran
            _mark_stopped(out_dir / book.name, book, done)
            return StepResult(book.stem, "interrupted", _since(start), "the run was interrupted (Ctrl-C or SIGTERM)")
        _mark_stopped(out_dir / book.name, book, done, error=f"{type(exc).__name__}: {_short(str(exc))}")
        return StepResult(book.stem, "failed", _since(start), f"{type(exc).__name__}: {_short(str(exc))}")
    _normalise(out_dir / book.name, book)
    return StepResult(book.stem, "ok", _since(start))


def _mark_stopped(path: Path, source: Path, done: int, *, error: str | None = None) -> None:
    """Mark a notebook stopped part-way as such: papermill, stopped, marks every cell completed and records no error.

    The first ``done`` code cells ran; the next one was running (it gets an error output saying so, which the report
    shows) and the rest never ran (status ``pending``, outputs cleared). The notebook's ``papermill.exception`` is set
    and ``cxmethods.status`` says ``interrupted`` (Ctrl-C, SIGTERM) or ``failed`` (``error``: the kernel died...).
    """
    import nbformat

    try:
        nb = nbformat.read(path, as_version=4)
    except Exception:  # not written yet (stopped before the first save) or half-written: nothing to mark
        return
    why = error or "KeyboardInterrupt: the run was interrupted (Ctrl-C or SIGTERM) while this cell ran"
    code = [c for c in nb.cells if c.cell_type == "code" and c.source.strip()]
    for position, cell in enumerate(code):
        if position < done:
            continue
        meta = cell.metadata.setdefault("papermill", {})
        if position == done:
            meta["status"] = "interrupted" if error is None else "failed"
            name, _, value = why.partition(": ")
            cell.outputs.append(nbformat.v4.new_output("error", ename=name, evalue=value, traceback=[why]))
        else:
            meta["status"] = "pending"
            cell.outputs, cell.execution_count = [], None
    nb.metadata.setdefault("papermill", {})["exception"] = True
    nb.metadata["cxmethods"] = {"status": "interrupted" if error is None else "failed", "cells_done": done, "cells": len(code)}
    nbformat.write(nb, path)
    _normalise(path, source)


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


#: Widgets whose saved value is text someone typed (evidence, a rationale, a note): free text, which may name people.
_TYPED = ("TextareaModel", "TextModel", "ComboboxModel")


def _drop_typed_text(nb) -> None:
    """Empty what the forms' text boxes held when the notebook ran: the saved widget state would otherwise carry
    the answers files' free text, unredacted, into the executed notebook (the files keep it; the run's tables and
    report have it redacted)."""
    state = nb.metadata.get("widgets", {}).get(_WIDGET_STATE, {}).get("state", {})
    for model in state.values():
        if model.get("model_name") in _TYPED and model.get("state", {}).get("value"):
            model["state"]["value"] = ""


def _normalise(path: Path, source: Path) -> None:
    """Make an executed notebook the same bytes for the same inputs: drop the execution clock times
    (run.json keeps each workbook's time), number widget models in order instead of at random, and give
    papermill's injected-parameters cell a fixed id. Papermill records the notebook it was given as its input,
    here the whole workbook with the cells left out: the record names the workbook's file instead."""
    import nbformat

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
    _drop_typed_text(nb)
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
