"""Benchmark: choosing the number of segments on a large mixed survey, with stability.

    python benchmarks/segmentation.py --rows 100000 --attributes 20     (one run; benchmarks/run.py takes medians)

Generates seeded synthetic respondents with real segment structure (six planted segments; about
40% of attributes numeric, 10% yes/no, the rest categorical with 3-8 levels; 3% of values
missing), runs ``select_k`` over k = 2..10 with bootstrap stability, and prints a table of the
settings, wall time and this process's peak memory (RSS), then the ``select_k`` table.
Target: 100,000 respondents x 20 attributes in under 60 s on a 2-core machine.
"""

from __future__ import annotations

import argparse
import resource
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

from cxmethods.methods.segmenter import select_k

sys.path.insert(0, str(Path(__file__).parent))
from harness import Result, median, own_peak_mb, python, report


def make_survey(rows: int, attributes: int, *, segments: int = 6, seed: int = 0) -> tuple[pd.DataFrame, np.ndarray]:
    """Synthetic mixed respondents and their planted segment (0-based)."""
    rng = np.random.default_rng(seed)
    truth = rng.choice(segments, rows, p=rng.dirichlet(np.full(segments, 5.0)))
    columns = {}
    for j in range(attributes):
        kind = "numeric" if j % 5 in (0, 2) else "bool" if j % 10 == 4 else "category"
        if kind == "numeric":
            centre = rng.normal(0, 1, segments)
            values = centre[truth] + rng.normal(0, 1, rows)
        elif kind == "bool":
            values = rng.random(rows) < rng.uniform(0.1, 0.9, segments)[truth]
        else:
            levels = np.array([f"level_{i}" for i in range(rng.integers(3, 9))], dtype=object)
            probs = rng.dirichlet(np.full(len(levels), 0.7), segments)
            cum = probs.cumsum(axis=1)[truth]
            values = levels[np.minimum((rng.random(rows)[:, None] > cum).sum(axis=1), len(levels) - 1)]
        series = pd.Series(values, name=f"{kind}_{j}")
        columns[series.name] = series.mask(rng.random(rows) < 0.03)
    frame = pd.DataFrame(columns)
    for name in frame:
        if name.startswith("bool"):
            frame[name] = frame[name].astype("boolean")
    return frame, truth


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--attributes", type=int, default=20)
    parser.add_argument("--k-min", type=int, default=2)
    parser.add_argument("--k-max", type=int, default=10)
    parser.add_argument("--bootstrap", type=int, default=5)
    parser.add_argument("--n-init", type=int, default=3)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)

    survey, truth = make_survey(args.rows, args.attributes, seed=args.seed)
    start = time.perf_counter()
    table = select_k(
        survey, k_min=args.k_min, k_max=args.k_max, bootstrap=args.bootstrap, n_init=args.n_init, random_state=args.seed
    )
    seconds = time.perf_counter() - start
    peak = own_peak_mb() or resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    summary = pd.DataFrame(
        [
            {
                "rows": args.rows,
                "attributes": args.attributes,
                "planted k": len(set(truth)),
                "k range": f"{args.k_min}-{args.k_max}",
                "bootstrap runs": args.bootstrap,
                "n_init": args.n_init,
                "seconds": round(seconds, 1),
                "peak RSS MB": round(peak),
            }
        ]
    )
    print(summary.to_string(index=False))
    print()
    print(table.round(3).to_string(index=False))
    report(select_k_seconds=seconds)
    return 0


def run(repeat: int, quick: bool) -> list[Result]:
    rows = 20_000 if quick else 100_000
    runs = [python("segmentation.py", "--rows", rows, "--attributes", 20) for _ in range(repeat)]
    return [
        Result(
            f"segmentation, {rows:,} x 20, k 2-10 with stability",
            median(runs, "select_k_seconds"),
            "s",
            repeat,
            60,
            note=f"peak {median(runs, 'peak_mb'):,.0f} MB",
        )
    ]


if __name__ == "__main__":
    sys.exit(main())
