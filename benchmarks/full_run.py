"""Benchmark: a full ``cxm run`` of the sample engagement against bare sequential papermill on the same notebooks.

    python benchmarks/full_run.py [--repeat 3] [--previous CHECKOUT]     (the comparison, as benchmarks/run.py runs it)

``cxm run`` is what a user types (validation, the six workbooks side by side where one does not read another,
the report, Excel file and deck); ``cxm run --workers 1`` runs the workbooks one after another, as before.
``papermill`` runs the same notebooks with the same parameters, kernel and working folder through bare
``papermill.execute_notebook`` calls, one after another: the peer. ``runner`` is
:func:`cxmethods.run.runner.run_engagement` with one worker and without the outputs; ``runner / papermill - 1`` is
our runner's own overhead (validation, input checksums, progress, run.json). Targets on a 2-core machine: the full
run under 45 s and in at most 60% of bare papermill's time; the overhead under 10%. With ``--previous PATH`` (a
checkout of an earlier version), that version's ``cxm run`` is timed in the same run, for a before and after.
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from harness import Result, child, median, python, table


def plain_papermill(out: Path) -> None:
    import papermill as pm

    from cxmethods.core.paths import sample_engagement, workbooks_dir

    parameters = {"engagement": str(sample_engagement()), "run_dir": str(out)}
    for book in sorted(workbooks_dir().glob("[0-9][0-9]_*.ipynb")):
        pm.execute_notebook(
            str(book),
            str(out / book.name),
            parameters=parameters,
            kernel_name="cxmethods",
            cwd=str(out),
            progress_bar=False,
            extra_arguments=["--IPKernelApp.log_level=CRITICAL"],
        )


def run(repeat: int, quick: bool, previous: Path | None = None) -> list[Result]:
    from cxmethods.run.runner import default_workers

    cxm = [sys.executable, "-m", "cxmethods.cli", "run"]
    modes = {
        "cli": lambda out: child([*cxm, "--out", str(out)]),
        "cli-1": lambda out: child([*cxm, "--out", str(out), "--workers", "1"]),
        "runner": lambda out: python("full_run.py", "--mode", "runner", "--out", out),
        "papermill": lambda out: python("full_run.py", "--mode", "papermill", "--out", out),
    }
    if previous:  # the earlier version's package first on the path, for this process and its kernels
        modes["previous"] = lambda out: child([*cxm, "--out", str(out)], cwd=previous, env={"PYTHONPATH": str(previous)})
    runs: dict[str, list[dict]] = {mode: [] for mode in modes}
    with tempfile.TemporaryDirectory(prefix="cxm-bench-run-") as folder:
        for i in range(repeat):  # interleaved, so drift in the machine's speed falls on all alike
            for mode, command in modes.items():
                out = Path(folder) / f"{mode}-{i}"
                runs[mode].append(command(out))
                shutil.rmtree(out, ignore_errors=True)
    seconds = {mode: median(runs[mode], "seconds") for mode in runs}
    ratios = [c["seconds"] / p["seconds"] for c, p in zip(runs["cli"], runs["papermill"], strict=True)]
    overhead = [r["seconds"] / p["seconds"] - 1 for r, p in zip(runs["runner"], runs["papermill"], strict=True)]
    results = [
        Result(
            "full cxm run, sample engagement (6 workbooks + report, Excel, deck)",
            seconds["cli"],
            "s",
            repeat,
            45,
            note=f"{default_workers()} workbooks at a time",
        ),
        Result("  the same, cxm run --workers 1 (one workbook at a time)", seconds["cli-1"], "s", repeat),
        Result("  bare sequential papermill, the same notebooks (workbooks only)", seconds["papermill"], "s", repeat),
        Result("  full cxm run / bare papermill", 100 * statistics.median(ratios), "%", repeat, 60),
        Result(
            "  runner overhead over bare papermill (workbooks only, --workers 1)",
            100 * statistics.median(overhead),
            "%",
            repeat,
            10,
            note=f"runner {seconds['runner']:.1f} s",
        ),
    ]
    if previous:
        results.append(
            Result(f"  previous version's cxm run ({previous})", seconds["previous"], "s", repeat, note="before, same run")
        )
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mode", choices=("runner", "papermill"), help="one run of one mode (without: the comparison)")
    parser.add_argument("--out", type=Path, help="the run folder, with --mode")
    parser.add_argument("--repeat", type=int, default=1, help="runs of each mode in the comparison (the median)")
    parser.add_argument("--previous", type=Path, metavar="CHECKOUT", help="also time cxm run of this checkout")
    args = parser.parse_args()
    if args.mode is None:
        print(table(run(args.repeat, False, previous=args.previous)))
        return
    if args.out is None:
        parser.error("--mode needs --out")
    args.out.mkdir(parents=True, exist_ok=True)
    if args.mode == "runner":
        from cxmethods.run.runner import run_engagement

        result = run_engagement(None, out=args.out, outputs=False, workers=1)
        if not result.ok:
            raise SystemExit(f"the run failed: {result.failed}")
    else:
        plain_papermill(args.out.resolve())


if __name__ == "__main__":
    main()
