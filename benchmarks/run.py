"""The benchmark suite: every case, measured several times, in one table against its target.

    python benchmarks/run.py                  (or: make bench; about 30 minutes on a 2-core machine)
    python benchmarks/run.py --quick          (smaller sizes, one run each: checks the suite works; targets not judged)
    python benchmarks/run.py --only form,monte_carlo --repeat 5
    python benchmarks/run.py --write-readme   (also puts the table, date and machine in benchmarks/README.md)
    python benchmarks/run.py --only contact_log --previous /work/main   (before and after, side by side)

Each figure is the median of ``--repeat`` runs (default 3; the batch case, itself 2 x 20 full runs, once
unless ``--batch-repeat`` says otherwise). Exit status 1 when a target is missed.
"""

from __future__ import annotations

import argparse
import re
import sys
import time
from inspect import signature
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
import batch
import contact_log
import full_run
import monte_carlo
import room
import segmentation
import survey_text
import workshop_form
from harness import Result, machine, stamp, table

CASES = {
    "full_run": full_run,
    "batch": batch,
    "contact_log": contact_log,
    "survey_text": survey_text,
    "segmentation": segmentation,
    "monte_carlo": monte_carlo,
    "form": workshop_form,
    "room": room,
}
README = Path(__file__).parent / "README.md"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", default=",".join(CASES), help=f"cases to run, comma-separated: {', '.join(CASES)}")
    parser.add_argument("--repeat", type=int, default=3, help="runs per case; the table shows the median")
    parser.add_argument("--batch-repeat", type=int, default=1, help="runs of the batch case (each is 2 x 20 engagements)")
    parser.add_argument("--quick", action="store_true", help="smaller sizes and one run each, to check the suite works")
    parser.add_argument("--write-readme", action="store_true", help="put the table in benchmarks/README.md")
    parser.add_argument(
        "--previous",
        metavar="CHECKOUT",
        help="also time an earlier version (a checkout of cxmethods) in the same run, in the cases that can",
    )
    args = parser.parse_args(argv)
    chosen = [c.strip() for c in args.only.split(",") if c.strip()]
    unknown = [c for c in chosen if c not in CASES]
    if unknown or args.repeat < 1 or args.batch_repeat < 1:
        parser.error(
            f"unknown case(s) {', '.join(unknown)}; choose from {', '.join(CASES)}"
            if unknown
            else "--repeat and --batch-repeat must be 1 or more"
        )
    if args.quick and args.write_readme:
        parser.error("--quick sizes are not the targets' sizes: run without --quick to write the README's table")
    print(f"cxmethods benchmarks, {stamp()}\nmachine: {machine()}\n", flush=True)
    results: list[Result] = []
    for name in chosen:
        repeat = 1 if args.quick else args.batch_repeat if name == "batch" else args.repeat
        start = time.perf_counter()
        print(f"{name}: {repeat} run(s) ...", flush=True)
        options = {"previous": args.previous} if args.previous and "previous" in signature(CASES[name].run).parameters else {}
        found = CASES[name].run(repeat, args.quick, **options)
        print(f"{name}: done in {time.perf_counter() - start:.0f} s", flush=True)
        results += found
    if args.quick:  # the sizes are not the targets' sizes, so no verdicts
        results = [Result(r.case, r.value, r.unit, r.runs, note=r.note) for r in results]
    print()
    print(table(results))
    if args.write_readme:
        block = f"Measured {stamp()} on {machine()}.\n\n{table(results, markdown=True)}\n"
        text = README.read_text(encoding="utf-8")
        README.write_text(
            re.sub(r"(<!-- results -->\n).*?(<!-- /results -->)", lambda m: m[1] + block + m[2], text, flags=re.S),
            encoding="utf-8",
        )
        print(f"\nwrote the table into {README}")
    return 1 if any(r.verdict == "MISSED" for r in results) else 0


if __name__ == "__main__":
    sys.exit(main())
