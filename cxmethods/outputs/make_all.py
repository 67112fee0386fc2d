"""What a run hands to people who never open a notebook: the HTML report, the Excel tables, the slide deck,
and the list of every file the run produced with its checksum (``run.json``'s ``files``).

Each output is made from the run folder alone (executed notebooks and artifacts), so it can be made
again without re-running the workbooks: ``cxm outputs out/riverton``.
"""

from __future__ import annotations

import os
import pickle
import re
import sys
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

from cxmethods.core.config import Engagement
from cxmethods.core.files import sha256
from cxmethods.io.artifacts import STEPS

__all__ = ["OUTPUTS", "OutputResult", "file_list", "foreign_files", "write_outputs"]


@dataclass(frozen=True)
class OutputResult:
    """Outcome of one output: ``status`` is ``ok``, ``skipped`` (nothing to show; ``error`` says why) or ``failed``."""

    output: str
    status: str
    seconds: float
    files: tuple[str, ...] = ()
    error: str | None = None


def _report(run_dir: Path, eng: Engagement, links: tuple[str, ...] | None = None) -> list[Path]:
    from cxmethods.outputs.report import write_report

    return write_report(run_dir, name=eng.name, organisation=eng.organisation, currency=eng.currency, links=links)


def _excel(run_dir: Path, eng: Engagement) -> list[Path]:
    from cxmethods.outputs.excel import write_excel

    return [write_excel(run_dir, name=eng.name, currency=eng.currency)]


def _deck(run_dir: Path, eng: Engagement) -> list[Path]:
    from cxmethods.outputs.deck import write_deck

    return [write_deck(run_dir, name=eng.name, organisation=eng.organisation, currency=eng.currency)]


#: Outputs that need artifact tables (globs under artifacts/): the deck shows the method's workbooks 01-05 only.
_NEEDS = {
    "excel": ("*/*.csv",),
    "deck": tuple(f"{step}/*.csv" for step in STEPS[1:]),
}

#: Output name -> maker, in the order they are made (the report's index links to the Excel file and the deck,
#: so those come first).
OUTPUTS: dict[str, Callable[..., list[Path]]] = {"excel": _excel, "deck": _deck, "report": _report}


def write_outputs(run_dir: str | Path, engagement: Engagement, *, workers: int = 1) -> list[OutputResult]:
    """Make every output; one that fails is reported with its error and the others are still made.

    The Excel file and the deck are skipped when no workbook wrote the tables they show (e.g. a run of only
    the start-here workbook); the report is always made. With ``workers`` above 1 the Excel file, the longest to
    make, is made in a process of its own (forked; on Linux) while the deck and the report are made here (the report's index links
    it as made; if it fails, the index is made again without the link). The files are the same either way.
    """
    run_dir = Path(run_dir)
    needed = {name for name in OUTPUTS if name not in _NEEDS or _has_tables(run_dir, name)}
    if workers > 1 and "excel" in needed and sys.platform.startswith("linux"):  # forking is safe there (not macOS)
        excel = _Forked(_make, "excel", run_dir, engagement)
        deck = _make("deck", run_dir, engagement) if "deck" in needed else _skipped("deck")
        links = (f"{engagement.name}.xlsx", *([f"{engagement.name}.pptx"] if deck.status == "ok" else []))
        report = _make("report", run_dir, engagement, links)
        made = {"excel": excel.result("excel"), "deck": deck, "report": report}
        if made["excel"].status != "ok":  # the index links a file that was not made: made again, as it stands
            made["report"] = _make("report", run_dir, engagement)
        return [made[name] for name in OUTPUTS]
    return [_make(name, run_dir, engagement) if name in needed else _skipped(name) for name in OUTPUTS]


class _Forked:
    """``fn(*args)`` (an :class:`OutputResult`) in a child process forked now, its result read back by
    :meth:`result`. The child touches nothing the parent's other threads may hold (a progress display writing to the
    terminal): it writes its result to a pipe and leaves with ``os._exit``, flushing no stream."""

    def __init__(self, fn: Callable[..., OutputResult], *args: object):
        self.start = time.perf_counter()
        read, write = os.pipe()
        self.pid = os.fork()
        if self.pid == 0:  # the child
            os.close(read)
            try:
                with os.fdopen(write, "wb") as out:
                    pickle.dump(fn(*args), out)
            finally:
                os._exit(0)
        os.close(write)
        self.pipe = os.fdopen(read, "rb")

    def result(self, name: str) -> OutputResult:
        """The child's result, once it has ended; a child that died is a failed output saying so."""
        with self.pipe:
            data = self.pipe.read()
        _, status = os.waitpid(self.pid, 0)
        if data:
            return pickle.loads(data)
        code = os.waitstatus_to_exitcode(status)
        how = f"was killed by signal {-code}" if code < 0 else f"ended with status {code}"
        return OutputResult(name, "failed", round(time.perf_counter() - self.start, 2), error=f"the process making it {how}")


def _has_tables(run_dir: Path, name: str) -> bool:
    return any(next((run_dir / "artifacts").glob(pattern), None) for pattern in _NEEDS[name])


def _skipped(name: str) -> OutputResult:
    return OutputResult(name, "skipped", 0.0, error="no workbook wrote tables it could show")


def _make(name: str, run_dir: Path, engagement: Engagement, *args) -> OutputResult:
    """Make one output; its failure is a result, never an exception."""
    start = time.perf_counter()
    try:
        paths = OUTPUTS[name](run_dir, engagement, *args)
    except Exception as exc:
        return OutputResult(name, "failed", round(time.perf_counter() - start, 2), error=f"{type(exc).__name__}: {exc}")
    return OutputResult(name, "ok", round(time.perf_counter() - start, 2), tuple(str(p.relative_to(run_dir)) for p in paths))


def _workbook_steps(manifest: dict, steps: Iterable[str] = ()) -> set[str]:
    """The workbook stems whose notebook, page and ``artifacts/<step>/`` a run may write: the method's steps, those
    ``steps`` (an adapted copy's own workbooks being run) and the workbooks an earlier run recorded."""
    recorded = {str(w.get("workbook")) for w in manifest.get("workbooks", []) if isinstance(w, dict) and w.get("workbook")}
    return {*STEPS, *steps, *recorded}


_PARTIAL = re.compile(r"\..+\.partial")  # what a writer killed mid-file leaves (report pages, the Excel file)


def _owned(rel: str, name: str, steps: set[str], listed: set[str]) -> bool:
    """Whether a run of engagement ``name`` writes the file at ``rel`` (relative, with ``/``) in its run folder."""
    parts = rel.split("/")
    if rel in listed or ".ipynb_checkpoints" in parts:  # Jupyter's own copies of notebooks opened in the folder
        return True
    if len(parts) == 1:
        stem, _, suffix = rel.rpartition(".")
        return (
            rel in ("run.json", "run.json.partial", "validation.json", f"{name}.xlsx", f"{name}.pptx")
            or (suffix == "ipynb" and stem in steps)
            or bool(_PARTIAL.fullmatch(rel))
        )
    if parts[0] == "report" and len(parts) == 2:
        return parts[1] == "index.html" or parts[1].removesuffix(".html") in steps or bool(_PARTIAL.fullmatch(parts[1]))
    return parts[0] == "artifacts" and len(parts) > 2 and parts[1] in steps


def _files(run_dir: Path) -> list[Path]:
    return sorted(p for p in run_dir.rglob("*") if p.is_file() or p.is_symlink())


def foreign_files(run_dir: str | Path, name: str, *, manifest: dict | None = None, steps: Iterable[str] = ()) -> list[str]:
    """The files in ``run_dir`` that no run of engagement ``name`` writes (relative paths, sorted).

    A run owns its executed notebooks, ``artifacts/<step>/``, the report pages of its workbooks, ``<name>.xlsx`` and
    ``<name>.pptx``, ``validation.json`` and ``run.json``, and every file its ``run.json`` lists (``manifest``: the
    folder's run.json as read; listed files count only when it is a run of the same engagement). Anything else is
    the user's, and neither a run nor the outputs may delete, overwrite or ingest it.
    """
    run_dir = Path(run_dir)
    if not run_dir.is_dir():
        return []
    manifest = manifest or {}
    same = (manifest.get("engagement") or {}).get("name") == name if isinstance(manifest.get("engagement"), dict) else False
    listed = {str(f.get("path")) for f in manifest.get("files", []) if isinstance(f, dict)} if same else set()
    known = _workbook_steps(manifest if same else {}, steps)
    return [rel for rel in (p.relative_to(run_dir).as_posix() for p in _files(run_dir)) if not _owned(rel, name, known, listed)]


def file_list(run_dir: str | Path, name: str | None = None, *, steps: Iterable[str] = ()) -> list[dict]:
    """Every file in the run folder except ``run.json`` itself: ``path`` (relative), ``bytes``, ``sha256``.

    Given the engagement's ``name``, only the files a run of it writes (see :func:`foreign_files`; ``steps`` are
    the workbooks run): a file the user keeps in the folder is neither checksummed nor listed as the run's.
    """
    run_dir = Path(run_dir)
    foreign: set[str] = set()
    if name is not None:
        from cxmethods.outputs.headlines import read_manifest

        foreign = set(foreign_files(run_dir, name, manifest=read_manifest(run_dir), steps=steps))
    rows = []
    for p in _files(run_dir):
        rel = p.relative_to(run_dir).as_posix()
        if p.is_file() and p.name != "run.json" and ".ipynb_checkpoints" not in p.parts and rel not in foreign:
            rows.append({"path": rel, "bytes": p.stat().st_size, "sha256": sha256(p)})
    return rows
