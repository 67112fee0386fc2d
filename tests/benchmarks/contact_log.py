"""Benchmark: a large contact log analysed end to end, DuckDB against naive pandas.

    python tests/benchmarks/contact_log.py --rows 10000000        (or: make bench)

Generates a synthetic log with the sample engagement's columns (seeded, with DuckDB), then runs each
engine in its own process and prints a table of wall time and that process's peak memory (RSS).
Target (issue 4): 10 million rows in under 60 s with under 2 GB peak on a 2-core machine.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import duckdb

ROOT = Path(__file__).resolve().parents[2]

ENGAGEMENT = """\
name: bench
organisation: Benchmark council (synthetic)
currency: GBP
period: {start: 2025-04-01, end: 2026-03-31}
inputs:
  contact_log:
    path: contact_log.csv
    columns: {contact_id: contact_ref, created_at: opened_at, closed_at: closed_at, channel: channel, reason: reason,
              service: service, area: ward, customer_id: customer_ref, resolved_first_contact: resolved_first_time,
              handling_minutes: handling_mins}
settings:
  voc:
    repeat_window_days: 7
    failure_reasons: ["^Chasing "]
"""

DUCKDB_RUN = """
import sys
from cxmethods import load_engagement
from cxmethods.contacts import ContactLog
with ContactLog(load_engagement(sys.argv[1])) as log:
    for analysis in (log.reasons, log.channel_mix, log.time_patterns, log.anomalies, log.resolution_times,
                     log.repeat_contact, log.failure_demand, log.volumes, log.data_quality):
        analysis()
"""

PANDAS_RUN = """
import sys
import pandas as pd
log = pd.read_csv(sys.argv[1], parse_dates=["opened_at", "closed_at"])
log.groupby("reason").size().sort_values(ascending=False).cumsum()
log.groupby(["reason", "channel"], dropna=False).size()
log.groupby([log["opened_at"].dt.day_of_week, log["opened_at"].dt.hour]).size()
log.groupby(log["opened_at"].dt.to_period("M")).size()
pairs = log.groupby(["ward", "reason"]).size()
((log["closed_at"] - log["opened_at"]).dt.total_seconds() / 3600).groupby(log["reason"]).median()
log = log.sort_values(["customer_ref", "reason", "opened_at"])
gap = log.groupby(["customer_ref", "reason"])["opened_at"].diff()
(gap <= pd.Timedelta(days=7)).groupby(log["reason"]).mean()
"""


def generate(path: Path, rows: int, seed: int = 7) -> float:
    """Write a seeded synthetic log of ``rows`` contacts; return the seconds it took."""
    start = time.perf_counter()
    con = duckdb.connect()
    con.execute(f"SELECT setseed({seed / 100})")
    reasons = ["Missed bin collection", "Council tax payment", "Housing repair request", "Chasing housing repair",
               "Benefit claim", "Chasing benefit claim", "Parking permit", "Pothole report", "Noise complaint",
               "Fly-tipping", "Library services", "Street lighting fault"]
    channels = ["phone", "web_form", "email", "face_to_face", "mobile_app", "post"]
    con.execute(f"""
        COPY (
          SELECT 'C' || lpad(CAST(i AS VARCHAR), 9, '0') AS contact_ref,
                 TIMESTAMP '2025-04-01' + to_seconds(CAST(random() * 365 * 86400 AS BIGINT)) AS opened_at,
                 NULL AS closed_at,
                 {_pick(channels)} AS channel, {_pick(reasons)} AS reason, 'Service' AS service,
                 'Ward ' || CAST(CAST(random() * 40 AS INT) AS VARCHAR) AS ward,
                 'P' || CAST(CAST(random() * {max(rows // 4, 1)} AS BIGINT) AS VARCHAR) AS customer_ref,
                 CAST(random() < 0.65 AS INT) AS resolved_first_time, round(1 + random() * 15, 1) AS handling_mins
          FROM range({rows}) t(i)
        ) TO '{path}' (HEADER, DELIMITER ',')""")
    con.execute(f"""
        COPY (SELECT * REPLACE (strftime(opened_at, '%Y-%m-%d %H:%M:%S') AS opened_at,
                                strftime(opened_at + to_seconds(CAST(random() * 5 * 86400 AS BIGINT)), '%Y-%m-%d %H:%M:%S') AS closed_at)
              FROM read_csv('{path}', header = true, all_varchar = false))
        TO '{path}.tmp' (HEADER, DELIMITER ',')""")
    os.replace(f"{path}.tmp", path)
    return time.perf_counter() - start


def _pick(values: list[str]) -> str:
    cases = " ".join(f"WHEN {i} THEN '{v}'" for i, v in enumerate(values))
    return f"CASE CAST(floor(random() * {len(values)}) AS INT) {cases} END"


def measure(code: str, argument: Path) -> tuple[float, float, int]:
    """Run ``code`` in a fresh Python process; return (seconds, peak RSS in MB, exit status)."""
    start = time.perf_counter()
    process = subprocess.Popen([sys.executable, "-c", code, str(argument)], cwd=ROOT)
    _, status, usage = os.wait4(process.pid, 0)
    return time.perf_counter() - start, usage.ru_maxrss / 1024, status


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=10_000_000)
    parser.add_argument("--skip-pandas", action="store_true", help="skip the naive pandas comparison")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="cxm-bench-") as folder:
        folder = Path(folder)
        (folder / "engagement.yaml").write_text(ENGAGEMENT)
        made = generate(folder / "contact_log.csv", args.rows)
        size = (folder / "contact_log.csv").stat().st_size / 2**20
        print(f"generated {args.rows:,} contacts ({size:,.0f} MB CSV) in {made:.1f} s; {os.cpu_count()} cores")
        results = [("duckdb (cxmethods.contacts)", *measure(DUCKDB_RUN, folder / "engagement.yaml"))]
        if not args.skip_pandas:
            results.append(("naive pandas (read_csv + groupby)", *measure(PANDAS_RUN, folder / "contact_log.csv")))
    print(f"\n{'engine':<36}{'rows':>12}{'seconds':>10}{'peak MB':>10}  status")
    for name, seconds, peak, status in results:
        print(f"{name:<36}{args.rows:>12,}{seconds:>10.1f}{peak:>10.0f}  {'ok' if status == 0 else f'failed ({status})'}")


if __name__ == "__main__":
    main()
