"""Benchmark: a workshop form's answer to a click: the score saved to disk and the radar redrawn.

    python benchmarks/workshop_form.py --changes 20     (one process; benchmarks/run.py takes medians)

Builds the self-assessment form on a copy of the sample engagement, as JupyterLab would, and times
setting a level: the widget's observer writes the answers file (atomically, with fsync) and redraws the
level list and the radar before it returns, so the time of the assignment is the time the room waits.
Each change is checked (the file holds the level, the radar's bytes changed). Target: under 200 ms.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from harness import Result, median, python, report


def measure(changes: int) -> list[float]:
    """Milliseconds per change, for ``changes`` alternating scores on one dimension."""
    import pandas as pd

    from cxmethods import load_engagement
    from cxmethods.sample import write_sample
    from cxmethods.workshop.forms import self_assessment_form

    with tempfile.TemporaryDirectory(prefix="cxm-bench-form-") as folder:
        write_sample(folder)
        eng = load_engagement(Path(folder) / "engagement.yaml")
        form = self_assessment_form(eng, "Benchmark Facilitator", role="Facilitator")
        current, chart = form.controls["current"], form.controls["chart"]
        answers = Path(form.store.path)
        times = []
        for i in range(changes + 1):
            level = "2" if i % 2 else "4"
            before = bytes(chart.value)
            start = time.perf_counter()
            current.value = level
            elapsed = time.perf_counter() - start
            saved = pd.read_csv(answers, dtype=str, keep_default_na=False)
            mine = saved[saved["participant"] == "Benchmark Facilitator"]
            if mine["current_level"].tolist() != [level] or bytes(chart.value) == before:
                raise RuntimeError(f"change {i} was not saved and redrawn: {mine.to_dict('records')}")
            if i:  # the first change is a warm-up (first save of this participant, font cache)
                times.append(elapsed * 1000)
    return times


def run(repeat: int, quick: bool) -> list[Result]:
    runs = [python("workshop_form.py", "--changes", 5 if quick else 20) for _ in range(repeat)]
    return [
        Result(
            "workshop form: change a score -> saved and radar redrawn",
            median(runs, "median_ms"),
            "ms",
            repeat,
            200,
            note=f"median of {5 if quick else 20} changes per run; slowest {max(r['max_ms'] for r in runs):.0f} ms",
        )
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--changes", type=int, default=20)
    args = parser.parse_args()
    times = measure(args.changes)
    print(f"{args.changes} changes: median {statistics.median(times):.1f} ms, slowest {max(times):.1f} ms")
    report(median_ms=statistics.median(times), max_ms=max(times))


if __name__ == "__main__":
    main()
