"""What a run hands to people who never open a notebook: the HTML report, the Excel tables, the slide deck,
and the list of every file the run produced with its checksum (``run.json``'s ``files``).

Each output is made from the run folder alone (executed notebooks and artifacts), so it can be made
again without re-running the workbooks: ``cxm outputs out/riverton``.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from cxmethods.core.config import Engagement
from cxmethods.core.files import sha256
from cxmethods.io.artifacts import STEPS

__all__ = ["OUTPUTS", "OutputResult", "file_list", "write_outputs"]


@dataclass(frozen=True)
class OutputResult:
    """Outcome of one output: ``status`` is ``ok``, ``skipped`` (nothing to show; ``error`` says why) or ``failed``."""

    output: str
    status: str
    seconds: float
    files: tuple[str, ...] = ()
    error: str | None = None


def _report(run_dir: Path, eng: Engagement) -> list[Path]:
    from cxmethods.outputs.report import write_report

    return write_report(run_dir, name=eng.name, organisation=eng.organisation, currency=eng.currency)


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
OUTPUTS: dict[str, Callable[[Path, Engagement], list[Path]]] = {"excel": _excel, "deck": _deck, "report": _report}


def write_outputs(run_dir: str | Path, engagement: Engagement) -> list[OutputResult]:
    """Make every output; one that fails is reported with its error and the others are still made.

    The Excel file and the deck are skipped when no workbook wrote the tables they show (e.g. a run of only
    the start-here workbook); the report is always made.
    """
    run_dir = Path(run_dir)
    results = []
    for name, make in OUTPUTS.items():
        start = time.perf_counter()
        if name in _NEEDS and not any(next((run_dir / "artifacts").glob(pattern), None) for pattern in _NEEDS[name]):
            results.append(OutputResult(name, "skipped", 0.0, error="no workbook wrote tables it could show"))
            continue
        try:
            paths = make(run_dir, engagement)
        except Exception as exc:
            results.append(
                OutputResult(name, "failed", round(time.perf_counter() - start, 2), error=f"{type(exc).__name__}: {exc}")
            )
            continue
        results.append(
            OutputResult(name, "ok", round(time.perf_counter() - start, 2), tuple(str(p.relative_to(run_dir)) for p in paths))
        )
    return results


def file_list(run_dir: str | Path) -> list[dict]:
    """Every file in the run folder except ``run.json`` itself: ``path`` (relative), ``bytes``, ``sha256``."""
    run_dir = Path(run_dir)
    return [
        {"path": p.relative_to(run_dir).as_posix(), "bytes": p.stat().st_size, "sha256": sha256(p)}
        for p in sorted(run_dir.rglob("*"))
        if p.is_file() and p.name != "run.json" and ".ipynb_checkpoints" not in p.parts
    ]
