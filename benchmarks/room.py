"""Benchmark: the workshop room, from a participant's save to the facilitator's view showing it.

    python benchmarks/room.py --people 8 --pace 1.0     (one process; benchmarks/run.py takes medians)

Starts ``cxm room`` on a copy of the sample (its own process, as in a workshop), then eight participants (threads,
each with its own cookies) join and score every dimension of the maturity model, one every ``pace`` seconds or so (a busy room), while
the facilitator's view long-polls as the page does. For every save: the time from the participant receiving
"saved" (the file on disk holds it) to the facilitator's view first counting it in that participant's progress.
Target: the median under 2 s, the figure the browser test holds the room to.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))
from harness import Result, median, python, report
from room_server import Session, running_room


def measure(people: int, pace: float) -> list[float]:
    """Seconds from each save's acknowledgment to the facilitator's view showing it."""
    with tempfile.TemporaryDirectory(prefix="cxm-bench-room-") as folder, running_room(Path(folder) / "riverton") as served:
        facilitator = Session(served.base)
        facilitator.get(served.facilitator_url)
        dims = [d["id"] for d in facilitator.json("/api/room")["dimensions"]]
        seen: dict[tuple[str, int], float] = {}
        acknowledged: dict[tuple[str, int], float] = {}
        done = threading.Event()

        def watch() -> None:
            version = -1
            while not done.is_set():
                _, raw = facilitator.get(f"/api/room?since={version}")
                now = time.perf_counter()
                view = json.loads(raw)
                version = view["version"]
                for p in view["participants"]:
                    for k in range(1, p["answered"] + 1):
                        seen.setdefault((p["name"], k), now)

        def participant(i: int) -> None:
            name = f"Bench {i}"
            me = Session(served.base)
            me.get(served.join_url)
            me.post("/api/join", {"name": name, "role": "Benchmark"})
            for k, d in enumerate(dims, 1):
                time.sleep(pace * (0.5 + ((i * 7 + k) % 10) / 10))  # a spread of paces, the same every run
                status, saved = me.post("/api/answer", {"dimension_id": d, "current": 1 + k % 5, "target": 5})
                if status != 200:
                    raise RuntimeError(f"{name}'s save of {d} was refused: {saved}")
                acknowledged[name, k] = time.perf_counter()

        watcher = threading.Thread(target=watch, daemon=True)
        watcher.start()
        scorers = [threading.Thread(target=participant, args=(i,)) for i in range(people)]
        for t in scorers:
            t.start()
        for t in scorers:
            t.join()
        deadline = time.perf_counter() + 30
        while not set(acknowledged) <= set(seen) and time.perf_counter() < deadline:
            time.sleep(0.05)
        done.set()
        missing = set(acknowledged) - set(seen)
        if missing:
            raise RuntimeError(f"{len(missing)} saves never reached the facilitator's view, e.g. {sorted(missing)[:3]}")
        return [seen[k] - acknowledged[k] for k in acknowledged]


def run(repeat: int, quick: bool) -> list[Result]:
    args = ["--people", 3, "--pace", 0.2] if quick else ["--people", 8, "--pace", 1.0]
    runs = [python("room.py", *args) for _ in range(repeat)]
    return [
        Result(
            "workshop room: a save -> the facilitator's view shows it",
            median(runs, "median_ms"),
            "ms",
            repeat,
            2000,
            note=f"{args[1]} participants x {runs[0]['dimensions']} saves, one each ~{args[3]} s; slowest 90th percentile "
            f"{max(r['p90_ms'] for r in runs):.0f} ms",
        )
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--people", type=int, default=8)
    parser.add_argument("--pace", type=float, default=1.0)
    args = parser.parse_args()
    latencies = sorted(1000 * s for s in measure(args.people, args.pace))
    p90 = latencies[int(0.9 * (len(latencies) - 1))]
    print(
        f"{len(latencies)} saves: median {statistics.median(latencies):.0f} ms, 90th percentile {p90:.0f} ms, slowest {latencies[-1]:.0f} ms"
    )
    report(median_ms=statistics.median(latencies), p90_ms=p90, max_ms=latencies[-1], dimensions=len(latencies) // args.people)


if __name__ == "__main__":
    main()
