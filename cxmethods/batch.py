"""Many engagements at once: each one's full run (workbooks and outputs) in its own process.

:func:`run_batch` sends every engagement to a process pool (papermill starts a kernel per workbook, so
processes, not threads, and no change of working directory); one engagement that fails, even before its
workbooks start (a broken engagement file), never stops the others. The summary (``batch.json`` in the
batch folder, and the CLI's table) lists each engagement's status, time and, for a failure, the
workbook, cell and error.

Running on a Dask cluster (``--scheduler``) is not built yet.
"""

from __future__ import annotations

import json
import multiprocessing
import time
from concurrent.futures import Executor, ProcessPoolExecutor, as_completed
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Callable

from .errors import CxmError

__all__ = ["BatchItem", "run_batch"]


@dataclass(frozen=True)
class BatchItem:
    """One engagement's outcome: ``status`` is ``ok`` or ``failed``; ``error`` says where and why."""

    engagement: str
    name: str
    status: str
    seconds: float
    out_dir: str = ""
    workbook: str | None = None
    cell: int | None = None
    error: str | None = None


def _run_one(path: str, out_root: str) -> BatchItem:
    """Run one engagement in this (worker) process; every failure becomes a BatchItem, never an exception."""
    from .config import load_engagement
    from .runner import run_engagement

    start = time.perf_counter()
    name = Path(path).parent.name
    try:
        eng = load_engagement(path)
        name = eng.name
        result = run_engagement(eng, out=Path(out_root) / eng.name)
    except Exception as exc:  # noqa: BLE001 - a broken engagement fails alone, with its message
        first = str(exc).splitlines()
        detail = " ".join(line.strip() for line in first[:4])
        return BatchItem(path, name, "failed", round(time.perf_counter() - start, 1), error=f"{type(exc).__name__}: {detail}")
    seconds = round(time.perf_counter() - start, 1)
    if result.ok:
        return BatchItem(path, name, "ok", seconds, str(result.out_dir))
    failed = result.failed
    if failed is not None:
        return BatchItem(path, name, "failed", seconds, str(result.out_dir), failed.workbook, failed.cell, failed.error)
    broken = next(o for o in result.outputs if o.status == "failed")
    return BatchItem(path, name, "failed", seconds, str(result.out_dir), error=f"the {broken.output} could not be made: {broken.error}")


def _check_names(paths: list[str]) -> None:
    """Two engagements with one name would write one run folder: refuse before anything runs."""
    from .config import load_engagement
    from .errors import ConfigError

    seen: dict[str, str] = {}
    for path in paths:
        try:
            name = load_engagement(path).name
        except ConfigError:
            continue  # reported as that engagement's failure when it runs
        if name in seen:
            raise CxmError(f"{seen[name]} and {path} are both named '{name}', so they would write the same run folder. "
                           "Give each engagement its own name.")
        seen[name] = path


def run_batch(engagements: list[str | Path], *, out: str | Path, workers: int = 2,
              progress: Callable[[BatchItem, int, int], None] | None = None, executor: Executor | None = None) -> list[BatchItem]:
    """Run every engagement (a YAML file, or a folder holding ``engagement.yaml``) and write ``out/batch.json``.

    Parameters
    ----------
    engagements : list of paths
    out : path
        The batch folder; each engagement's run folder is ``out/<engagement name>``.
    workers : int
        Processes in the local pool (ignored when ``executor`` is given).
    progress : callable, optional
        Called as ``progress(item, done, total)`` as each engagement finishes.
    executor : concurrent.futures.Executor, optional
        Where to run (default: a local process pool started with ``spawn``).

    Returns
    -------
    list of BatchItem
        In the order the engagements were given.
    """
    if not engagements:
        raise CxmError("No engagements to run: give one or more engagement files (e.g. cxm batch sample-*/engagement.yaml).")
    if not isinstance(workers, int) or workers < 1:
        raise CxmError(f"The 'workers' parameter of run_batch must be a whole number of 1 or more. Got {workers!r} instead.")
    paths = [str((Path(e) / "engagement.yaml") if Path(e).is_dir() else Path(e)) for e in engagements]
    _check_names(paths)
    out = Path(out).resolve()
    out.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    own = executor is None
    pool = executor or ProcessPoolExecutor(max_workers=min(workers, len(paths)), mp_context=multiprocessing.get_context("spawn"))
    items: dict[int, BatchItem] = {}
    try:
        futures = {pool.submit(_run_one, p, str(out)): i for i, p in enumerate(paths)}
        for future in as_completed(futures):
            i = futures[future]
            try:
                items[i] = future.result()
            except Exception as exc:  # noqa: BLE001 - a worker that died (out of memory, killed) fails its engagement alone
                items[i] = BatchItem(paths[i], Path(paths[i]).parent.name, "failed", 0.0, error=f"worker died: {type(exc).__name__}: {exc}")
            if progress:
                progress(items[i], len(items), len(paths))
    finally:
        if own:
            pool.shutdown()
    ordered = [items[i] for i in range(len(paths))]
    summary = {"workers": workers, "seconds": round(time.perf_counter() - started, 1),
               "status": "ok" if all(it.status == "ok" for it in ordered) else "failed",
               "engagements": [asdict(it) for it in ordered]}
    (out / "batch.json").write_text(json.dumps(summary, indent=2) + "\n", encoding="utf-8")
    return ordered
