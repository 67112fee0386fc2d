"""Benchmark: a large contact log analysed end to end (CSV and Parquet), against naive pandas and plain DuckDB.

    python benchmarks/contact_log.py --rows 10000000                        (one run of each)
    python benchmarks/contact_log.py --rows 10000000 --previous /work/main  (and that checkout's version, same files)

Generates a seeded synthetic log with the sample engagement's columns (with DuckDB), as CSV and as Parquet, then
runs each on each file in its own process and prints wall time and that process's peak memory (RSS):

- ours: ``ContactLog`` (load, cleaning, recoding, pseudonyms, repeat flags) and every analysis workbook 02 runs;
- naive pandas: ``read_csv``/``read_parquet``, then the floor's aggregations written the plain pandas way
  (``groupby`` per table, repeat flags from two sorts and ``diff``; no cleaning);
- the plain-DuckDB floor: the file loaded as DuckDB types it (``CREATE TABLE ... AS SELECT * FROM
  read_csv_auto/read_parquet``), then the same aggregations as bare queries, repeats from one window query;
- with ``--previous CHECKOUT``: ours as that checkout has it (run from its folder), on the same files.

Targets (issue 22, 10 million rows on a 2-core machine): ours in at most a third of naive pandas' time and
within twice the floor's, with under 2 GB peak memory; ``benchmarks/run.py`` takes medians of ``--repeat`` runs.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

import duckdb

sys.path.insert(0, str(Path(__file__).parent))
from harness import Result, child, median

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
import sys, time
from cxmethods import load_engagement
from cxmethods.methods.contacts import ContactLog
START = time.perf_counter()
with ContactLog(load_engagement(sys.argv[1])) as log:
    for analysis in (log.reasons, log.channel_mix, log.time_patterns, log.volumes_over_time, log.anomalies, log.resolution_times,
                     log.repeat_contact, log.failure_demand, log.volumes, log.areas, log.contact_cube, log.data_quality):
        analysis()
"""

#: Naive pandas: the file read as pandas reads it, then the same aggregations as the floor below, each written the
#: plain way (a ``groupby`` per table, repeats from two sorts and ``diff``); no cleaning, recoding or pseudonyms.
NAIVE = """
import sys, time
import pandas as pd
START = time.perf_counter()
path = sys.argv[1]
if path.endswith(".csv"):
    log = pd.read_csv(path, parse_dates=["opened_at", "closed_at"])
else:
    log = pd.read_parquet(path)
opened = log["opened_at"]
dow, hour, month = opened.dt.dayofweek, opened.dt.hour, opened.dt.to_period("M")
log.groupby(["reason", "service"], dropna=False).size()
log.groupby(["reason", "channel"], dropna=False).size(), log.groupby("channel", dropna=False).size()
log.groupby([dow, hour, log["channel"]], dropna=False).size(), log.groupby([dow, hour]).size()
log.groupby([month, log["channel"]], dropna=False).size(), log.groupby(month).size()
log.groupby([month, log["reason"]], dropna=False).size()
log.groupby(["ward", "reason"], dropna=False).size()
log.groupby([log["ward"], log["reason"], dow, hour // 3], dropna=False).size()
hours = (log["closed_at"] - opened).dt.total_seconds() / 3600
hours.groupby(log["reason"]).agg(["median", lambda h: h.quantile(0.9)]), hours.median(), hours.quantile(0.9)
log["closed_at"].isna().groupby(log["reason"]).sum()
week = pd.Timedelta(days=7)
log = log.sort_values(["customer_ref", "reason", "opened_at", "contact_ref"])
log["is_repeat"] = log.groupby(["customer_ref", "reason"])["opened_at"].diff() <= week
log = log.sort_values(["customer_ref", "opened_at", "contact_ref"])
log["is_follow_up"] = log.groupby("customer_ref")["opened_at"].diff() <= week
log["failure"] = log["reason"].str.startswith("Chasing ") | log["is_repeat"]
log.groupby("reason").agg(repeats=("is_repeat", "sum"), follow_ups=("is_follow_up", "sum"), rft=("resolved_first_time", "mean"))
log[["is_repeat", "is_follow_up", "resolved_first_time"]].agg(["sum", "mean"])
log.groupby("channel", dropna=False).agg(contacts=("failure", "size"), failure=("failure", "sum")), log["failure"].sum()
log.groupby(["channel", "reason", "service"], dropna=False).agg(
    contacts=("failure", "size"), failure=("failure", "sum"), minutes=("handling_mins", "mean")
)
log["digital"] = log["channel"].isin(["web_form", "mobile_app"])
log.groupby("ward", dropna=False).agg(
    contacts=("failure", "size"), rft=("resolved_first_time", "mean"), failure=("failure", "mean"), digital=("digital", "mean")
)
log.groupby([log["opened_at"].dt.to_period("M"), "channel", "ward", "reason"], dropna=False).agg(
    contacts=("failure", "size"), failure=("failure", "sum")
)
(len(log), log["opened_at"].isna().sum(), (log["closed_at"] < log["opened_at"]).sum(), log["channel"].isna().sum(),
 log["customer_ref"].isna().sum(), log["contact_ref"].nunique())
"""

#: The plain-DuckDB floor: no cleaning, recoding or pseudonyms; the file as DuckDB types it, then bare queries
#: comparable to each analysis (the flags of repeat contact from one window query, as a table the others read).
FLOOR = """
import sys, time
import duckdb
START = time.perf_counter()
path = sys.argv[1]
con = duckdb.connect()
reader = f"read_csv_auto('{path}')" if path.endswith(".csv") else f"read_parquet('{path}')"
con.execute(f"CREATE TABLE log AS SELECT * FROM {reader}")
failure = "(reason LIKE 'Chasing %' OR is_repeat)"
for sql in [
    "SELECT reason, service, count(*) FROM log GROUP BY ALL",
    "SELECT reason, channel, count(*) FROM log GROUP BY GROUPING SETS ((reason, channel), (channel))",
    "SELECT isodow(opened_at), hour(opened_at), channel, count(*) FROM log GROUP BY GROUPING SETS ((1, 2, 3), (1, 2))",
    "SELECT strftime(opened_at, '%Y-%m'), channel, count(*) FROM log GROUP BY GROUPING SETS ((1, 2), (1))",
    "SELECT date_trunc('month', opened_at), channel, reason, count(*) FROM log GROUP BY GROUPING SETS ((1, 2), (1, 3))",
    "SELECT ward, reason, count(*) FROM log GROUP BY ALL",
    "SELECT ward, reason, isodow(opened_at), hour(opened_at) // 3, count(*) FROM log GROUP BY ALL",
    "SELECT reason, median(h), quantile_cont(h, 0.9), count(*) FILTER (WHERE closed_at IS NULL) FROM "
    "(SELECT reason, closed_at, date_diff('second', opened_at, closed_at) / 3600.0 AS h FROM log) GROUP BY GROUPING SETS ((reason), ())",
    "CREATE TABLE flagged AS SELECT *, "
    "opened_at - lag(opened_at) OVER (PARTITION BY customer_ref, reason ORDER BY opened_at, contact_ref) <= INTERVAL 7 DAY AS is_repeat, "
    "opened_at - lag(opened_at) OVER (PARTITION BY customer_ref ORDER BY opened_at, contact_ref) <= INTERVAL 7 DAY AS is_follow_up FROM log",
    "SELECT reason, count(*) FILTER (WHERE is_repeat), count(*) FILTER (WHERE is_follow_up), avg(resolved_first_time) "
    "FROM flagged GROUP BY GROUPING SETS ((reason), ())",
    f"SELECT channel, count(*), count(*) FILTER (WHERE {failure}) FROM flagged GROUP BY GROUPING SETS ((channel), ())",
    f"SELECT channel, reason, service, count(*), count(*) FILTER (WHERE {failure}), avg(handling_mins) FROM flagged GROUP BY ALL",
    f"SELECT ward, count(*), avg(resolved_first_time), avg(CAST({failure} AS DOUBLE)), "
    "avg(CAST(channel IN ('web_form', 'mobile_app') AS DOUBLE)) FROM flagged GROUP BY ward",
    f"SELECT strftime(opened_at, '%Y-%m'), channel, ward, reason, count(*), count(*) FILTER (WHERE {failure}) FROM flagged GROUP BY ALL",
    "SELECT count(*), count(*) FILTER (WHERE opened_at IS NULL), count(*) FILTER (WHERE closed_at < opened_at), "
    "count(*) FILTER (WHERE channel IS NULL), count(*) FILTER (WHERE customer_ref IS NULL), count(DISTINCT contact_ref) FROM log",
]:
    con.execute(sql).fetchall()
"""

#: What each script ends with: its peak memory and the seconds from after its imports (``START``) to the end, the
#: time the targets are about (importing cxmethods takes a few seconds of its own, whatever the log's size).
TAIL = (
    "\nimport json\nprint('RESULT ' + json.dumps({'compute': time.perf_counter() - START, 'peak_mb': int(next(line.split()[1] "
    "for line in open('/proc/self/status') if line.startswith('VmHWM:'))) / 1024}))\n"
)

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


def run(repeat: int, quick: bool, *, rows: int | None = None, naive: bool = True, previous: str | None = None) -> list[Result]:
    """Each engine on each file, ``repeat`` times, interleaved (ours, pandas, the floor, the previous version, then
    again) so drift in the machine's speed falls on all alike; the medians and the ratios the targets are about."""
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
        before = Path(previous).resolve() if previous else None
        for path in files:
            fmt = path.suffix[1:].replace("csv", "CSV").replace("parquet", "Parquet")
            engagement = folder / f"engagement-{path.suffix[1:]}.yaml"
            engagement.write_text(ENGAGEMENT.format(file=path.name))
            runs: dict[str, list[dict]] = {"ours": [], "pandas": [], "floor": [], "previous": []}
            for _ in range(repeat):
                runs["ours"].append(child([sys.executable, "-c", OURS + TAIL, str(engagement)]))
                if naive:
                    runs["pandas"].append(child([sys.executable, "-c", NAIVE + TAIL, str(path)]))
                runs["floor"].append(child([sys.executable, "-c", FLOOR + TAIL, str(path)]))
                if before:  # run from that checkout (a script given with -c imports from its working folder first)
                    command = [sys.executable, "-c", OURS + TAIL, str(engagement)]
                    runs["previous"].append(child(command, cwd=before, env={"PYTHONPATH": str(before)}))
                print(f"  {fmt}: " + ", ".join(f"{k} {v[-1]['compute']:.1f} s" for k, v in runs.items() if v), flush=True)
            ours = median(runs["ours"], "compute")
            process = f"process {median(runs['ours'], 'seconds'):.1f} s with imports"
            results += [
                Result(f"VoC contact analysis, {rows:,} rows {fmt} (DuckDB)", ours, "s", repeat, 60, note=process),
                Result(f"  peak memory, {fmt}", median(runs["ours"], "peak_mb"), "MB", repeat, 2048),
            ]
            if naive:
                pandas = median(runs["pandas"], "compute")
                results += [
                    _peer(f"  naive pandas, {fmt}", runs["pandas"]),
                    Result(f"  ours / naive pandas, {fmt}", ours / pandas, "x", repeat, 1 / 3),
                ]
            floor = median(runs["floor"], "compute")
            results += [
                _peer(f"  plain-DuckDB floor, {fmt}", runs["floor"]),
                Result(f"  ours / plain-DuckDB floor, {fmt}", ours / floor, "x", repeat, 2),
            ]
            if before:
                was = median(runs["previous"], "compute")
                note = f"peak {median(runs['previous'], 'peak_mb'):,.0f} MB; ours takes {ours / was:.2f}x its time"
                results.append(Result(f"  previous version ({before.name}), {fmt}", was, "s", repeat, note=note))
    return results


def _peer(label: str, runs: list[dict]) -> Result:
    """A peer's row (no target): its median time after imports, with its peak memory and process time."""
    note = f"for comparison; peak {median(runs, 'peak_mb'):,.0f} MB; process {median(runs, 'seconds'):.1f} s"
    return Result(label, median(runs, "compute"), "s", len(runs), note=note)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=10_000_000)
    parser.add_argument("--repeat", type=int, default=1)
    parser.add_argument("--skip-pandas", action="store_true", help="skip the naive pandas comparison")
    parser.add_argument("--previous", metavar="CHECKOUT", help="also time the contact analysis of this checkout (e.g. main)")
    args = parser.parse_args()
    from harness import table

    print(table(run(args.repeat, False, rows=args.rows, naive=not args.skip_pandas, previous=args.previous)))


if __name__ == "__main__":
    main()
