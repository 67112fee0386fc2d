"""The benchmark suite's own machinery: verdicts, the table, and one quick run of the command."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

BENCH = Path(__file__).resolve().parent.parent / "benchmarks"
sys.path.insert(0, str(BENCH))
from harness import PEAK, Result, child, table  # noqa: E402


@pytest.mark.parametrize(
    "value, limit, kind, verdict",
    [
        (1.9, 2, "max", "met"),
        (2.1, 2, "max", "MISSED"),
        (1.8, 1.7, "min", "met"),
        (1.6, 1.7, "min", "MISSED"),
        (5.0, None, "max", "-"),
    ],
)
def test_verdicts(value, limit, kind, verdict):
    assert Result("case", value, "s", 3, limit, kind).verdict == verdict


def test_table_in_text_and_markdown():
    rows = [Result("full run", 22.14, "s", 3, 45), Result("speed-up", 1.62, "x", 1, 1.7, kind="min", note="a | b")]
    text = table(rows)
    assert "22.1 s" in text and "< 45.0 s" in text and ">= 1.70 x" in text and "MISSED" in text
    markdown = table(rows, markdown=True).splitlines()
    assert markdown[0] == "| case | measured | target | result | runs | note |"
    assert markdown[3] == "| speed-up | 1.62 x | >= 1.70 x | MISSED | 1 | a / b |"


def test_child_reports_time_peak_memory_and_its_result_line():
    code = "import numpy as np; a = np.ones(50_000_000); print('RESULT {\"inner\": 1.5}')"  # 400 MB
    found = child([sys.executable, "-c", code])
    assert found["inner"] == 1.5 and found["seconds"] > 0 and "peak_mb" not in found
    small = child([sys.executable, "-c", "import numpy as np; a = np.ones(1000)" + PEAK])
    large = child([sys.executable, "-c", "import numpy as np; a = np.ones(50_000_000)" + PEAK])
    assert small["peak_mb"] < 200 < 380 < large["peak_mb"] < 700  # each its own peak, not the parent's
    with pytest.raises(RuntimeError, match="exited with 3"):
        child([sys.executable, "-c", "raise SystemExit(3)"])


def test_the_command_runs_quick_cases_and_prints_the_table():
    done = subprocess.run(
        [sys.executable, str(BENCH / "run.py"), "--quick", "--only", "form,monte_carlo"],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "cores" in done.stdout and "workshop form: change a score" in done.stdout and "Monte Carlo, 2,000 draws" in done.stdout
    wrong = subprocess.run([sys.executable, str(BENCH / "run.py"), "--only", "nope"], capture_output=True, text=True, timeout=60)
    assert wrong.returncode == 2 and "unknown case(s) nope" in wrong.stderr
