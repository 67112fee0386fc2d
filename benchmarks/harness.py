"""What every benchmark case shares: timing a child process, medians, the result table.

Each case module (``full_run.py``, ``batch.py`` ...) has ``run(repeat, quick) -> list[Result]``. Work that
needs its own memory figure runs in a fresh Python process (:func:`child`): its wall time is measured
around it, and what it prints as a last ``RESULT {json}`` line is added: its own peak resident memory
(``VmHWM``) and any timing taken inside, after imports and data generation.
"""

from __future__ import annotations

import json
import os
import platform
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent


@dataclass(frozen=True)
class Result:
    """One row of the table: ``value`` in ``unit`` against ``target`` (``limit`` with ``kind`` max/min; None: no target)."""

    case: str
    value: float
    unit: str
    runs: int
    limit: float | None = None
    kind: str = "max"  # "max": at most the limit; "min": at least the limit
    note: str = ""

    @property
    def verdict(self) -> str:
        if self.limit is None:
            return "-"
        met = self.value <= self.limit if self.kind == "max" else self.value >= self.limit
        return "met" if met else "MISSED"

    @property
    def target(self) -> str:
        if self.limit is None:
            return "-"
        return f"{'<' if self.kind == 'max' else '>='} {_number(self.limit)} {self.unit}"

    @property
    def measured(self) -> str:
        return f"{_number(self.value)} {self.unit}"


def _number(x: float) -> str:
    if abs(x) >= 100:
        return f"{x:,.0f}"
    return f"{x:.1f}" if abs(x) >= 10 else f"{x:.2f}" if abs(x) >= 1 else f"{x:.3g}"


#: Python a child can end with to report its own peak memory (``VmHWM``). ``wait4``'s figure cannot be used: a child
#: started by vfork inherits the parent's high-water mark, so every child would show at least the parent's peak.
PEAK = (
    "\nimport json\nprint('RESULT ' + json.dumps({'peak_mb': int(next(line.split()[1] for line in "
    "open('/proc/self/status') if line.startswith('VmHWM:'))) / 1024}))\n"
)


def own_peak_mb() -> float | None:
    """This process's peak resident memory in MB (Linux ``VmHWM``), None elsewhere."""
    try:
        line = next(line for line in Path("/proc/self/status").read_text().splitlines() if line.startswith("VmHWM:"))
    except (OSError, StopIteration):
        return None
    return int(line.split()[1]) / 1024


def child(args: list[str], *, cwd: Path | None = None, env: dict | None = None) -> dict:
    """Run ``args`` (a command) to the end; return seconds, and the fields of its last ``RESULT`` line (``peak_mb``
    among them when the child reports it: :func:`report` does, and code ending with :data:`PEAK`)."""
    start = time.perf_counter()
    process = subprocess.Popen(
        args, cwd=cwd or ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env={**os.environ, **(env or {})}
    )
    output = process.stdout.read()
    _, status = os.waitpid(process.pid, 0)
    process.returncode = os.waitstatus_to_exitcode(status)
    seconds = time.perf_counter() - start
    if process.returncode != 0:
        raise RuntimeError(f"{' '.join(map(str, args))} exited with {process.returncode}:\n{output[-2000:]}")
    found = {"seconds": seconds}
    for line in output.splitlines()[::-1]:
        if line.startswith("RESULT "):
            found.update(json.loads(line[len("RESULT ") :]))
            break
    return found


def python(script: str, *args: object, **kwargs) -> dict:
    """:func:`child` for ``python benchmarks/<script> args``."""
    return child([sys.executable, str(Path(__file__).parent / script), *map(str, args)], **kwargs)


def report(**fields: float) -> None:
    """What a child prints last for :func:`child` to pick up, with its own peak memory."""
    print("RESULT " + json.dumps({"peak_mb": own_peak_mb(), **fields}), flush=True)


def peer(label: str, runs: list[dict]) -> Result:
    """The row of a peer measured for comparison (no target): its median time, with its peak memory in the note."""
    return Result(label, median(runs, "seconds"), "s", len(runs), note=f"for comparison; peak {median(runs, 'peak_mb'):,.0f} MB")


def median(runs: list[dict], key: str) -> float:
    return statistics.median(r[key] for r in runs)


def machine() -> str:
    """The machine in one line: CPU model, cores, memory, OS and Python."""
    model = platform.processor() or platform.machine()
    try:
        lines = Path("/proc/cpuinfo").read_text().splitlines()
        model = next(line.split(":", 1)[1].strip() for line in lines if line.startswith("model name"))
    except (OSError, StopIteration):
        pass
    try:
        memory = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
        memory_text = f", {memory:.0f} GiB"
    except (ValueError, OSError, AttributeError):
        memory_text = ""
    return (
        f"{os.cpu_count()} cores ({model}){memory_text}, {platform.system()} {platform.release()}, "
        f"Python {platform.python_version()}"
    )


def table(results: list[Result], *, markdown: bool = False) -> str:
    """The results as a text table (or Markdown for benchmarks/README.md)."""
    head = ("case", "measured", "target", "result", "runs", "note")
    rows = [(r.case, r.measured, r.target, r.verdict, str(r.runs), r.note) for r in results]
    if markdown:
        lines = ["| " + " | ".join(head) + " |", "|" + "|".join(" --- " for _ in head) + "|"]
        lines += ["| " + " | ".join(cell.replace("|", "/") for cell in row) + " |" for row in rows]
        return "\n".join(lines)
    widths = [max(len(h), *(len(row[i]) for row in rows)) for i, h in enumerate(head[:-1])]
    fmt = "  ".join(f"{{:<{w}}}" for w in widths) + "  {}"
    return "\n".join([fmt.format(*head), fmt.format(*("-" * w for w in widths), "----"), *(fmt.format(*row) for row in rows)])


def stamp() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
