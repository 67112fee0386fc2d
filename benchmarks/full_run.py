"""Benchmark: a full ``cxm run`` of the sample engagement, and our runner against plain papermill calls.

    python benchmarks/full_run.py --mode cli|runner|papermill --out DIR     (one run; benchmarks/run.py takes medians)

``cli`` is what a user types (validation, the six workbooks, the report, Excel file and deck); ``runner``
is :func:`cxmethods.run.runner.run_engagement` without the outputs, and ``papermill`` runs the same
notebooks with the same parameters, kernel and working folder through bare ``papermill.execute_notebook``
calls. The overhead of our runner is ``runner / papermill - 1``: validation, input checksums, progress
and run.json. Targets: the full run under 45 s on a 2-core machine; the overhead under 10%.
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from harness import BIN, Result, child, median, python


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


def run(repeat: int, quick: bool) -> list[Result]:
    runs: dict[str, list[dict]] = {"cli": [], "runner": [], "papermill": []}
    with tempfile.TemporaryDirectory(prefix="cxm-bench-run-") as folder:
        for i in range(repeat):  # interleaved, so drift in the machine's speed falls on all three alike
            for mode in runs:
                out = Path(folder) / f"{mode}-{i}"
                if mode == "cli":
                    runs[mode].append(child([str(BIN / "cxm"), "run", "--out", str(out)]))
                else:
                    runs[mode].append(python("full_run.py", "--mode", mode, "--out", out))
                shutil.rmtree(out, ignore_errors=True)
    cli, ours, plain = (median(runs[m], "seconds") for m in ("cli", "runner", "papermill"))
    overhead = [r["seconds"] / p["seconds"] - 1 for r, p in zip(runs["runner"], runs["papermill"])]
    return [
        Result("full cxm run, sample engagement (6 workbooks + report, Excel, deck)", cli, "s", repeat, 45),
        Result(
            "  runner overhead over plain papermill (workbooks only)",
            100 * sorted(overhead)[len(overhead) // 2],
            "%",
            repeat,
            10,
            note=f"runner {ours:.1f} s, papermill {plain:.1f} s",
        ),
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mode", choices=("runner", "papermill"), required=True)
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    if args.mode == "runner":
        from cxmethods.run.runner import run_engagement

        result = run_engagement(None, out=args.out, outputs=False)
        if not result.ok:
            raise SystemExit(f"the run failed: {result.failed}")
    else:
        plain_papermill(args.out.resolve())


if __name__ == "__main__":
    main()
