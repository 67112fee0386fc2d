"""Many engagements at once: each one's full run (workbooks and outputs) in its own process.

:func:`run_batch` starts one process per engagement, ``workers`` at a time, each running one kernel at a time, none
started ahead (so the kernels never outnumber the workers; with fewer engagements than workers, each gets its share to run
workbooks side by side, its kernels forked from a process that computes only while they wait for it to load the
modules), or, given a scheduler address, sends
them to an existing Dask distributed cluster through its ``concurrent.futures`` executor. One engagement that
fails, even before its workbooks start (a broken engagement file), never stops the others; nor does one whose
process dies (the out-of-memory killer's SIGKILL): that one is reported ``died`` with the signal, its run.json
marked failed with the cause, and the others finish. (A shared process pool would break for all on one death.) The summary
(``batch.json`` in the batch folder, and the CLI's table) lists each engagement's status, time and, for a
failure, the workbook, cell and error.

While engagements run, each worker writes where it is (workbook and cells) to a small file under
``<batch folder>/.progress/``; the caller's ``watch`` callback sees those as :class:`Running` records.
On a cluster the batch folder must therefore be on storage every worker and the caller share (it has to
be anyway: that is where the run folders go).
"""

from __future__ import annotations

import json
import multiprocessing
import os
import shutil
import signal
import time
from collections.abc import Callable
from concurrent.futures import FIRST_COMPLETED, Executor, wait
from dataclasses import asdict, dataclass
from pathlib import Path

from cxmethods.core.checks import check_int
from cxmethods.core.errors import CxmError
from cxmethods.core.files import check_folder, make_folder

__all__ = ["BatchItem", "Running", "run_batch"]

_PROGRESS = ".progress"
#: How long to try reaching a Dask scheduler before saying it cannot be reached.
CONNECT_TIMEOUT = "10s"


@dataclass(frozen=True)
class BatchItem:
    """One engagement's outcome: ``status`` is ``ok``, ``failed`` or ``died`` (its process was killed or crashed:
    ``error`` names the signal); ``error`` says where and why."""

    engagement: str
    name: str
    status: str
    seconds: float
    out_dir: str = ""
    workbook: str | None = None
    cell: int | None = None
    error: str | None = None


@dataclass(frozen=True)
class Running:
    """Where one running engagement is: its ``step``-th workbook of ``steps``, ``cells`` of ``cells_total`` done."""

    name: str
    workbook: str
    step: int
    steps: int
    cells: int
    cells_total: int
    pid: int = 0  # the engagement's process (a cluster worker's on a cluster)

    @property
    def fraction(self) -> float:
        """Share of the engagement's workbooks done, counting the current one's cells."""
        return (self.step - 1 + self.cells / max(self.cells_total, 1)) / max(self.steps, 1)


def _reporter(path: Path, name: str, steps: int) -> Callable[[str, int, int], None]:
    """A runner ``progress`` callback that records where this engagement is in ``path`` (replaced whole)."""
    seen: list[str] = []

    def progress(workbook: str, done: int, total: int) -> None:
        if workbook not in seen:
            seen.append(workbook)
        partial = path.with_suffix(".tmp")
        partial.write_text(
            json.dumps(asdict(Running(name, workbook, len(seen), steps, done, total, os.getpid()))), encoding="utf-8"
        )
        os.replace(partial, path)

    return progress


def _run_one(path: str, out_root: str, index: int = 0, workbooks: str | None = None, kernels: int = 1) -> BatchItem:
    """Run one engagement in this (worker) process, ``kernels`` workbooks at a time; every failure becomes a
    BatchItem, never an exception."""
    from cxmethods.core.config import load_engagement
    from cxmethods.run.runner import list_workbooks, run_engagement

    start = time.perf_counter()
    name = Path(path).parent.name
    try:
        eng = load_engagement(path)
        name = eng.name
        progress = _reporter(Path(out_root) / _PROGRESS / f"{index}.json", name, len(list_workbooks()))
        result = run_engagement(
            eng, out=Path(out_root) / eng.name, progress=progress, workbooks=workbooks, workers=kernels, ahead=0
        )
    except Exception as exc:
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
    return BatchItem(
        path, name, "failed", seconds, str(result.out_dir), error=f"the {broken.output} could not be made: {broken.error}"
    )


def _child(path: str, out_root: str, index: int, workbooks: str | None, kernels: int) -> None:
    """A local worker: run one engagement and leave its BatchItem in ``.progress/<index>.result.json``.

    A process of its own per engagement: when it dies (the out-of-memory killer's SIGKILL), only its engagement
    fails; the caller finds no result file and says how it died.
    """
    item = _run_one(path, out_root, index, workbooks, kernels)
    result = Path(out_root) / _PROGRESS / f"{index}.result.json"
    partial = result.with_suffix(".tmp")
    partial.write_text(json.dumps(asdict(item)), encoding="utf-8")
    os.replace(partial, result)


def _death(exitcode: int | None) -> str:
    """Why a worker process ended without a result, in words: a signal's name, and what SIGKILL usually means."""
    if exitcode is not None and exitcode < 0:
        try:
            name = signal.Signals(-exitcode).name
        except ValueError:
            name = f"signal {-exitcode}"
        likely = ", likely out of memory (the system's out-of-memory killer sends it)" if -exitcode == signal.SIGKILL else ""
        return f"the engagement's process was killed by signal {-exitcode} ({name}){likely}"
    return f"the engagement's process ended with exit code {exitcode} before reporting a result"


def _run_local(
    paths: list[str], out: Path, workers: int, workbooks: str | None, done: Callable[[int, BatchItem], None], tick: Callable
) -> None:
    """Run each engagement in its own process, ``workers`` kernels at a time; one dying fails only its own engagement.

    As many engagements as workers run at once, one kernel each; with fewer engagements than workers, each runs
    the workbooks that may run together side by side, on its share of the workers. Never more kernels than workers.
    """
    at_once = min(workers, len(paths))
    kernels = max(1, workers // at_once)
    context = multiprocessing.get_context("spawn")
    queue = list(range(len(paths)))
    running: dict[int, tuple[multiprocessing.process.BaseProcess, float]] = {}
    try:
        while queue or running:
            while queue and len(running) < at_once:
                i = queue.pop(0)
                process = context.Process(target=_child, args=(paths[i], str(out), i, workbooks, kernels), name=f"cxm-batch-{i}")
                process.start()
                running[i] = (process, time.perf_counter())
            for i, (process, started) in list(running.items()):
                process.join(timeout=0)
                if process.is_alive():
                    continue
                del running[i]
                done(i, _collected(paths[i], out, i, process.exitcode, started))
            tick(set(running))
            time.sleep(0.2)
    finally:  # on an interrupt: each running engagement gets SIGTERM, marks its run interrupted and stops
        for process, _ in running.values():
            process.terminate()
        for process, _ in running.values():
            process.join(timeout=30)
            if process.is_alive():
                process.kill()


def _collected(path: str, out: Path, index: int, exitcode: int | None, started: float) -> BatchItem:
    """The BatchItem a finished worker left, or, when it died first, a failure saying how (run.json says so too)."""
    result = out / _PROGRESS / f"{index}.result.json"
    try:
        return BatchItem(**json.loads(result.read_text(encoding="utf-8")))
    except (OSError, ValueError, TypeError):
        pass
    from cxmethods.core.config import load_engagement
    from cxmethods.core.errors import ConfigError
    from cxmethods.run.runner import mark_died

    cause = _death(exitcode)
    name, folder = Path(path).parent.name, ""
    try:
        name = load_engagement(path).name
        if (out / name / "run.json").is_file():
            folder = str(out / name)
            mark_died(out / name, cause)
    except ConfigError:
        pass
    return BatchItem(path, name, "died", round(time.perf_counter() - started, 1), folder, error=cause)


def _check_names(paths: list[str]) -> None:
    """Two engagements with one name would write one run folder: refuse before anything runs."""
    from cxmethods.core.config import load_engagement
    from cxmethods.core.errors import ConfigError

    seen: dict[str, str] = {}
    for path in paths:
        try:
            name = load_engagement(path).name
        except ConfigError:
            continue  # reported as that engagement's failure when it runs
        if name in seen:
            raise CxmError(
                f"{seen[name]} and {path} are both named '{name}', so they would write the same run folder. "
                "Give each engagement its own name."
            )
        seen[name] = path


def _dask_executor(scheduler: str):
    """A concurrent.futures executor on the Dask cluster at ``scheduler``, and the client to close after."""
    try:
        from distributed import Client
    except ImportError as exc:  # pragma: no cover - distributed is a dependency; this guards broken installs
        raise CxmError("--scheduler needs the 'distributed' package: pip install distributed") from exc
    try:
        client = Client(scheduler, timeout=CONNECT_TIMEOUT)
    except (OSError, TimeoutError, ValueError) as exc:
        raise CxmError(
            f"Could not reach the Dask scheduler at {scheduler}: {exc}. Check the address (for example "
            "tcp://10.0.0.5:8786) and that the scheduler is running (`dask scheduler`)."
        ) from exc
    # pure=False: two runs of one engagement are two tasks; each run is long, so no retries hide a failure
    return client.get_executor(pure=False), client


def _watch_files(folder: Path, running: set[int]) -> dict[int, Running]:
    states: dict[int, Running] = {}
    for i in sorted(running):
        try:
            states[i] = Running(**json.loads((folder / f"{i}.json").read_text(encoding="utf-8")))
        except (OSError, ValueError, TypeError):
            continue  # not started yet (or its first record is being replaced)
    return states


def _run_pool(
    pool: Executor, paths: list[str], out: Path, workbooks: str | None, done: Callable[[int, BatchItem], None], tick: Callable
) -> None:
    """Run the engagements on an executor (a Dask cluster, or one given): it decides where each runs, one kernel
    at a time (the executor's workers are what it runs at once)."""
    futures = {pool.submit(_run_one, p, str(out), i, workbooks): i for i, p in enumerate(paths)}
    pending = set(futures)
    try:
        while pending:
            finished, pending = wait(pending, timeout=0.5, return_when=FIRST_COMPLETED)
            for future in finished:
                i = futures[future]
                try:
                    item = future.result()
                except Exception as exc:
                    item = BatchItem(
                        paths[i], Path(paths[i]).parent.name, "died", 0.0, error=f"worker died: {type(exc).__name__}: {exc}"
                    )
                done(i, item)
            tick({futures[f] for f in pending})
    finally:
        for future in pending:
            future.cancel()


def run_batch(
    engagements: list[str | Path],
    *,
    out: str | Path,
    workers: int = 2,
    progress: Callable[[BatchItem, int, int], None] | None = None,
    watch: Callable[[dict[int, Running]], None] | None = None,
    scheduler: str | None = None,
    executor: Executor | None = None,
    workbooks: str | Path | None = None,
) -> list[BatchItem]:
    """Run every engagement (a YAML file, or a folder holding ``engagement.yaml``) and write ``out/batch.json``.

    Parameters
    ----------
    engagements : list of paths
    out : path
        The batch folder; each engagement's run folder is ``out/<engagement name>``.
    workers : int
        Kernels at a time on this machine, and so engagements at once (ignored with ``scheduler`` or ``executor``: the
        cluster decides).
    progress : callable, optional
        Called as ``progress(item, done, total)`` as each engagement finishes.
    watch : callable, optional
        Called about twice a second with ``{index: Running}`` for the engagements under way.
    scheduler : str, optional
        Address of a Dask distributed scheduler (``tcp://host:8786``) to run on instead of local processes.
        Its workers need cxmethods installed and the engagements and ``out`` on shared storage.
    executor : concurrent.futures.Executor, optional
        Any other executor to run on (the caller shuts it down).
    workbooks : path, optional
        Folder of workbooks to run instead of the installed ones (as ``cxm run --workbooks``).

    Returns
    -------
    list of BatchItem
        In the order the engagements were given.
    """
    if not engagements:
        raise CxmError("No engagements to run: give one or more engagement files (e.g. cxm batch sample-*/engagement.yaml).")
    check_int(workers, "workers", "run_batch", low=1)
    paths = [str(((Path(e) / "engagement.yaml") if Path(e).is_dir() else Path(e)).resolve()) for e in engagements]
    _check_names(paths)
    out = Path(out).resolve()
    check_folder(out)
    folder = out / _PROGRESS
    shutil.rmtree(folder, ignore_errors=True)
    make_folder(folder)
    started = time.perf_counter()
    client = None
    pool: Executor | None
    if executor is not None:
        pool, where = executor, "executor"
    elif scheduler:
        pool, client = _dask_executor(scheduler)
        where = f"Dask scheduler {scheduler} ({len(client.scheduler_info()['workers'])} workers)"
    else:
        pool, where = None, f"{min(workers, len(paths))} local processes, one per engagement"
    items: dict[int, BatchItem] = {}

    def done(i: int, item: BatchItem) -> None:
        items[i] = item
        if progress:
            progress(item, len(items), len(paths))

    def tick(running: set[int]) -> None:
        if watch:
            watch(_watch_files(folder, running))

    try:
        if pool is None:
            _run_local(paths, out, workers, workbooks and str(workbooks), done, tick)
        else:
            _run_pool(pool, paths, out, workbooks and str(workbooks), done, tick)
    finally:  # on an interrupt, engagements not started are cancelled (closing a Dask client cancels its tasks)
        if client is not None:
            client.close()
        shutil.rmtree(folder, ignore_errors=True)
    ordered = [items[i] for i in range(len(paths))]
    summary = {
        "ran_on": where,
        "seconds": round(time.perf_counter() - started, 1),
        "status": "ok" if all(it.status == "ok" for it in ordered) else "failed",
        "engagements": [asdict(it) for it in ordered],
    }
    (out / "batch.json").write_text(json.dumps(summary, indent=2) + "\n", encoding="utf-8")
    return ordered
