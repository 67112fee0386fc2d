"""Benchmark: a batch of engagements on one machine, one worker against two.

    python benchmarks/run.py --only batch

Writes N distinct sample engagements (``cxm sample --variants N``) and times ``cxm batch`` over all of
them with ``--workers 1`` and ``--workers 2``. Target: with 20 engagements, two workers at least 1.7 times
as fast as one on a 2-core machine.
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from harness import BIN, Result, child, median


def run(repeat: int, quick: bool, *, engagements: int | None = None) -> list[Result]:
    n = engagements or (4 if quick else 20)
    from cxmethods.sample import write_variants

    times: dict[int, list[dict]] = {1: [], 2: []}
    with tempfile.TemporaryDirectory(prefix="cxm-bench-batch-") as folder:
        made = write_variants(Path(folder) / "in", n)
        for i in range(repeat):
            for workers in times:
                out = Path(folder) / f"out-{workers}-{i}"
                times[workers].append(
                    child([str(BIN / "cxm"), "batch", *map(str, made), "--workers", str(workers), "--out", str(out)])
                )
    one, two = median(times[1], "seconds"), median(times[2], "seconds")
    return [
        Result(f"batch of {n} engagements, 1 worker", one, "s", repeat, note=f"{one / n:.1f} s per engagement"),
        Result(f"batch of {n} engagements, 2 workers", two, "s", repeat, note=f"{two / n:.1f} s per engagement"),
        Result("  speed-up, 2 workers over 1", one / two, "x", repeat, 1.7, kind="min"),
    ]
