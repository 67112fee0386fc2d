"""Benchmark: a large contact log analysed end to end (CSV and Parquet), against naive pandas.

    python benchmarks/contact_log.py --rows 10000000     (one run of each; benchmarks/run.py takes medians)

Generates a seeded synthetic log with the sample engagement's columns (with DuckDB), as CSV and as Parquet,
then runs each engine on each file in its own process and prints wall time and that process's peak
memory (RSS). Target: 10 million rows in under 60 s with under 2 GB peak on a 2-core machine.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

import duckdb

sys.path.insert(0, str(Path(__file__).parent))
from harness import PEAK, Result, child, median, peer

ENGAGEMENT = """\
name: bench
organisation: Benchmark council (synthetic)
currency: GBP
period: {{start: 2025-04-01, end: 2026-03-31}}
inputs:
  contact_log:
    path: {file}
    columns: {{contact_id: contact_ref, created_at: opened_at, closed_at: closed_at, channel: channel, reason: reason,
              service: service, area: ward, customer_id: customer_ref, resolved_first_contact: resolved_first_time,
              handling_minutes: handling_mins}}
settings:
  voc:
    repeat_window_days: 7
    failure_reasons: ["^Chasing "]
"""

OURS = """
import sys
from cxmethods import load_engagement
from cxmethods.methods.contacts import ContactLog
with ContactLog(load_engagement(sys.argv[1])) as log:
    for analysis in (log.reasons, log.channel_mix, log.time_patterns, log.volumes_over_time, log.anomalies, log.resolution_times,
                     log.repeat_contact, log.failure_demand, log.volumes, log.areas, log.contact_cube, log.data_quality):
        analysis()
"""

NAIVE = """
import sys
import pandas as pd
path = sys.argv[1]
if path.endswith(".csv"):
    log = pd.read_csv(path, parse_dates=["opened_at", "closed_at"])
else:
    log = pd.read_parquet(path)
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

REASONS = [
    "Missed bin collection",
    "Council tax payment",
    "Housing repair request",
    "Chasing housing repair",
    "Benefit claim",
    "Chasing benefit claim",
    "Parking permit",
    "Pothole report",
    "Noise complaint",
    "Fly-tipping",
    "Library services",
    "Street lighting fault",
]
CHANNELS = ["phone", "web_form", "email", "face_to_face", "mobile_app", "post"]


def generate(folder: Path, rows: int, seed: int = 7) -> tuple[Path, Path]:
    """Write a seeded synthetic log of ``rows`` contacts as ``contact_log.csv`` and ``.parquet``."""
    csv, parquet = folder / "contact_log.csv", folder / "contact_log.parquet"
    con = duckdb.connect()
    con.execute(f"SELECT setseed({seed / 100})")
    con.execute(f"""
        CREATE TABLE log AS
          SELECT 'C' || lpad(CAST(i AS VARCHAR), 9, '0') AS contact_ref, opened_at,
                 opened_at + to_seconds(CAST(random() * 5 * 86400 AS BIGINT)) AS closed_at,
                 {_pick(CHANNELS)} AS channel, {_pick(REASONS)} AS reason, 'Service' AS service,
                 'Ward ' || CAST(CAST(random() * 40 AS INT) AS VARCHAR) AS ward,
                 'P' || CAST(CAST(random() * {max(rows // 4, 1)} AS BIGINT) AS VARCHAR) AS customer_ref,
                 CAST(random() < 0.65 AS INT) AS resolved_first_time, round(1 + random() * 15, 1) AS handling_mins
          FROM (SELECT i, TIMESTAMP '2025-04-01' + to_seconds(CAST(random() * 365 * 86400 AS BIGINT)) AS opened_at
                FROM range({rows}) t(i))""")
    con.execute(
        f"COPY (SELECT * REPLACE (strftime(opened_at, '%Y-%m-%d %H:%M:%S') AS opened_at, "
        f"strftime(closed_at, '%Y-%m-%d %H:%M:%S') AS closed_at) FROM log) TO '{csv}' (HEADER, DELIMITER ',')"
    )
    con.execute(f"COPY log TO '{parquet}' (FORMAT parquet)")
    return csv, parquet


def _pick(values: list[str]) -> str:
    cases = " ".join(f"WHEN {i} THEN '{v}'" for i, v in enumerate(values))
    return f"CASE CAST(floor(random() * {len(values)}) AS INT) {cases} END"


def run(repeat: int, quick: bool, *, rows: int | None = None, naive: bool = True) -> list[Result]:
    rows = rows or (1_000_000 if quick else 10_000_000)
    results = []
    with tempfile.TemporaryDirectory(prefix="cxm-bench-") as folder:
        folder = Path(folder)
        start = time.perf_counter()
        files = generate(folder, rows)
        made = time.perf_counter() - start
        print(
            f"  generated {rows:,} contacts in {made:.0f} s: CSV {files[0].stat().st_size / 2**20:,.0f} MB, "
            f"Parquet {files[1].stat().st_size / 2**20:,.0f} MB",
            flush=True,
        )
        for path in files:
            fmt = path.suffix[1:].replace("csv", "CSV").replace("parquet", "Parquet")
            engagement = folder / f"engagement-{path.suffix[1:]}.yaml"
            engagement.write_text(ENGAGEMENT.format(file=path.name))
            ours = [child([sys.executable, "-c", OURS + PEAK, str(engagement)]) for _ in range(repeat)]
            results += [
                Result(f"VoC contact analysis, {rows:,} rows {fmt} (DuckDB)", median(ours, "seconds"), "s", repeat, 60),
                Result(f"  peak memory, {fmt}", median(ours, "peak_mb"), "MB", repeat, 2048),
            ]
            if naive:
                plain = [child([sys.executable, "-c", NAIVE + PEAK, str(path)]) for _ in range(repeat)]
                results.append(peer(f"  naive pandas, {fmt}", plain))
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=10_000_000)
    parser.add_argument("--repeat", type=int, default=1)
    parser.add_argument("--skip-pandas", action="store_true", help="skip the naive pandas comparison")
    args = parser.parse_args()
    from harness import table

    print(table(run(args.repeat, False, rows=args.rows, naive=not args.skip_pandas)))


if __name__ == "__main__":
    main()
