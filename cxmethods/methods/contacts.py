"""Workbook 02: the contact log, analysed out of core with DuckDB.

A national agency's log has tens of millions of rows, so it is never loaded into pandas: it is read
once through the engagement's column mapping into a DuckDB table (in memory up to a limit, beyond it in a
temporary folder; :mod:`cxmethods.methods.contact_load`), and every analysis is a query returning a small
DataFrame.

Value semantics follow :mod:`cxmethods.io.values` (the same channel labels, booleans, dates and
numbers are accepted); values that cannot be read become NULL and are counted in
:meth:`ContactLog.data_quality`, never dropped silently.

>>> from cxmethods import load_engagement
>>> with ContactLog(load_engagement()) as log:
...     top = log.reasons().iloc[0]
>>> top["reason"], bool(top["pareto"])
('Missed bin collection', True)
"""

from __future__ import annotations

import tempfile
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd

from cxmethods.core.config import Engagement
from cxmethods.core.errors import CxmError
from cxmethods.core.files import file_format, wrong_kind
from cxmethods.core.schemas import CHANNELS
from cxmethods.io.values import NOTES
from cxmethods.methodology.benchmarks import load_benchmarks
from cxmethods.methodology.service_standards import closing_counts
from cxmethods.methods.contact_costs import failure_costs, per_year, unit_costs
from cxmethods.methods.contact_load import id_salt, load
from cxmethods.methods.contact_load import sql_literal as _literal
from cxmethods.methods.prices import price_base

__all__ = [
    "CHANNEL_LABELS",
    "CUBE_AREAS",
    "CUBE_REASONS",
    "LONGEST_CASE_YEARS",
    "OTHER_AREAS",
    "OTHER_REASONS",
    "WEEKDAYS",
    "ChannelShift",
    "ContactLog",
    "channel_label",
    "channel_shift",
    "default_unit_costs",
]

WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
_UNKNOWN = "unknown"
#: How a channel is named for a client (charts, headlines); ``unknown`` is a contact whose channel the log lacks.
CHANNEL_LABELS = {
    "phone": "Phone",
    "web_form": "Web form",
    "email": "Email",
    "face_to_face": "Face to face",
    "mobile_app": "Mobile app",
    "post": "Post",
    _UNKNOWN: "Channel not recorded",
}
#: The reasons beyond the top few, in :meth:`ContactLog.volumes_over_time` and :meth:`ContactLog.contact_cube`.
OTHER_REASONS = "All other reasons"
#: The areas beyond the largest few, in :meth:`ContactLog.contact_cube`.
OTHER_AREAS = "All other areas"
#: The cube's bounds (:meth:`ContactLog.contact_cube`): areas and reasons named, the rest grouped.
CUBE_AREAS, CUBE_REASONS = 20, 10
#: A case closed later than this many years after it was opened is taken for a mistyped date (see data_quality).
LONGEST_CASE_YEARS = 5
#: A log shorter than this has no trend to show; weekly volumes from it, monthly from :data:`_MONTHLY_FROM_DAYS`.
_WEEKLY_FROM_DAYS, _MONTHLY_FROM_DAYS = 14, 90
NOTES_CLEANED = next(iter(NOTES))
_SERVICES_LISTED = 3  # a reason's services named in a table cell; the rest are counted


def channel_label(channel: str) -> str:
    """A channel as a client reads it: ``web_form`` -> ``Web form``.

    >>> channel_label("face_to_face"), channel_label("unknown"), channel_label("kiosk")
    ('Face to face', 'Channel not recorded', 'Kiosk')
    """
    return CHANNEL_LABELS.get(channel, str(channel).replace("_", " ").capitalize())


def default_unit_costs() -> dict:
    """Benchmark cost per contact by channel (``templates/benchmarks.yaml``) as published, in their own prices:
    ``{"currency", "price_year", "costs", "sources"}`` (:func:`~cxmethods.methods.contact_costs.unit_costs` gives them
    in an engagement's price base)."""
    bench = load_benchmarks().channel_costs
    return {
        "currency": bench.currency,
        "price_year": bench.price_year,
        "costs": {k: v.cost for k, v in bench.costs.items()},
        "sources": {k: v.source for k, v in bench.costs.items()},
    }


class ContactLog:
    """An engagement's contact log loaded into DuckDB, with the voice-of-the-customer analyses.

    Parameters
    ----------
    engagement : Engagement
        Names the log (``inputs.contact_log``) and the settings (``settings.voc``).
    memory_limit : str
        DuckDB's memory limit; beyond it DuckDB spills to its temporary folder.
    threads : int, optional
        Threads DuckDB may use (default: all cores).

    Use as a context manager, or call :meth:`close`, to remove the temporary database.
    """

    def __init__(self, engagement: Engagement, *, memory_limit: str = "1GB", threads: int | None = None):
        spec = engagement.inputs.contact_log
        if spec is None:
            raise CxmError(
                "The engagement names no contact log. Add inputs: contact_log: {path: ...} (see templates/engagement.yaml)."
            )
        self.engagement, self.spec = engagement, spec
        self.settings = engagement.settings.voc
        self._results: dict[str, pd.DataFrame] = {}
        self._tmp = tempfile.TemporaryDirectory(prefix="cxm-contacts-")
        self._memory_limit, self._threads = memory_limit, threads
        self.con = self._connect()
        path = engagement.resolve(spec.path)
        if not path.is_file() or path.stat().st_size == 0:
            self.close()
            raise CxmError(
                f"{path}: the contact log is {'empty' if path.is_file() else 'missing'}. "
                "Fix: export the data again, or correct inputs.contact_log.path."
            )
        wrong = wrong_kind(path, file_format(path), "inputs.contact_log")
        if wrong is not None:
            self.close()
            raise CxmError(f"{path}: {wrong[0]} Fix: {wrong[1]}")
        try:
            try:
                self.fields = self._load(path)
            except duckdb.Error as exc:
                if "parallel=false" not in str(exc):
                    raise
                # line breaks inside quoted values (free-text columns): the parallel reader cannot split such a
                # file, so it is read again by one thread, from a clean start
                self.con.close()
                self.con = self._connect()
                self.fields = self._load(path, parallel=False)
        except (duckdb.Error, OSError, ValueError) as exc:
            self.close()
            raise CxmError(
                f"{path}: the contact log cannot be read ({str(exc).splitlines()[0]}). "
                "Fix: run `cxm validate` on the engagement: it names the row, column and setting to change."
            ) from None

    def _connect(self) -> duckdb.DuckDBPyConnection:
        # in memory, spilling to the temporary folder beyond the memory limit: a table written to a database file
        # is compressed as it is written, which took three times as long as reading the file
        con = duckdb.connect(":memory:")
        con.execute(f"SET memory_limit = '{self._memory_limit}'")
        con.execute(f"SET temp_directory = '{Path(self._tmp.name) / 'spill'}'")
        con.execute("SET preserve_insertion_order = false")  # lets large group-bys and sorts stream
        con.execute("SET enable_progress_bar = false")
        if self._threads:
            con.execute(f"SET threads = {int(self._threads)}")
        return con

    def _load(self, path: Path, *, parallel: bool = True) -> list[str]:
        engagement = self.engagement
        salt = id_salt(engagement.name, path)
        window = int(self.settings.repeat_window_days)
        return load(self.con, path, self.spec, salt, engagement.timezone, window_days=window, parallel=parallel)

    # -- lifecycle ---------------------------------------------------------

    def close(self) -> None:
        self.con.close()
        self._tmp.cleanup()

    def __enter__(self) -> ContactLog:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def query(self, sql: str, params: list | None = None) -> pd.DataFrame:
        return self.con.execute(sql, params or []).df()

    def _once(self, name: str, sql: str) -> pd.DataFrame:
        """A query's result, run once: the log does not change once loaded, and failure demand and data quality
        read the baseline (volumes) and the reasons across services that are also tables of their own."""
        if name not in self._results:
            self._results[name] = self.query(sql)
        return self._results[name].copy()

    def _need(self, *fields: str) -> None:
        missing = [f for f in fields if f not in self.fields]
        if missing:
            raise CxmError(
                f"This analysis needs the contact log field(s) {', '.join(missing)}: map them under "
                "inputs.contact_log.columns in the engagement."
            )

    # -- analyses ----------------------------------------------------------

    def reasons(self, *, pareto_share: float = 0.8) -> pd.DataFrame:
        """Contacts per reason, most first: ``reason``, ``service``, ``contacts``, ``share``, ``cumulative_share``,
        ``pareto`` (True for the few reasons that together make ``pareto_share`` of contacts).

        ``service`` names the services the reason is recorded under, most contacts first and separated by ``"; "``
        (a 311 log files graffiti under sanitation and under the police): one would hide the others. Beyond
        three, the rest are counted (``"A; B; C and 4 more"``)."""
        service = "service" if "service" in self.fields else "NULL"
        table = self.query(f"""
            WITH rs AS (SELECT coalesce(reason, '{_UNKNOWN}') AS reason, {service} AS service, count(*) AS n
                        FROM contacts GROUP BY ALL)
            SELECT reason, {_listed_services("rs")} AS service, CAST(sum(n) AS BIGINT) AS contacts
            FROM ({_ranked_services("rs")}) GROUP BY reason ORDER BY contacts DESC, reason""")
        total = table["contacts"].sum()
        table["share"] = table["contacts"] / total
        table["cumulative_share"] = table["share"].cumsum()
        before = table["cumulative_share"] - table["share"]
        table["pareto"] = before < pareto_share
        return table

    def channel_mix(self) -> pd.DataFrame:
        """Contacts by channel overall and per reason: ``reason`` (``"(all)"`` for the total), ``channel``,
        ``contacts``, ``share`` (of the reason's contacts)."""
        table = self.query(f"""
            SELECT coalesce(reason, '{_UNKNOWN}') AS reason, coalesce(channel, '{_UNKNOWN}') AS channel, count(*) AS contacts
            FROM contacts GROUP BY GROUPING SETS ((1, 2), (2))""")
        table["reason"] = table["reason"].fillna("(all)")
        table["share"] = table["contacts"] / table.groupby("reason")["contacts"].transform("sum")
        order = {c: i for i, c in enumerate((*CHANNELS, _UNKNOWN))}
        table["_c"] = table["channel"].map(order)
        table["_r"] = table["reason"] != "(all)"
        return table.sort_values(["_r", "reason", "_c"]).drop(columns=["_c", "_r"]).reset_index(drop=True)

    def time_patterns(self) -> pd.DataFrame:
        """Contacts by weekday x hour and by month, in one long table: ``pattern`` (``weekday_hour`` or ``month``),
        ``weekday``, ``hour``, ``month``, ``channel`` (``"(all)"`` or a channel), ``contacts``."""
        week = self.query(f"""
            SELECT 'weekday_hour' AS pattern, isodow(created_at) - 1 AS weekday_index, hour(created_at) AS hour,
                   NULL AS month, coalesce(channel, '{_UNKNOWN}') AS channel, count(*) AS contacts
            FROM contacts WHERE created_at IS NOT NULL GROUP BY GROUPING SETS ((2, 3, 5), (2, 3))""")
        month = self.query(f"""
            SELECT 'month' AS pattern, NULL AS weekday_index, NULL AS hour, strftime(created_at, '%Y-%m') AS month,
                   coalesce(channel, '{_UNKNOWN}') AS channel, count(*) AS contacts
            FROM contacts WHERE created_at IS NOT NULL GROUP BY GROUPING SETS ((4, 5), (4))""")
        table = pd.concat([week, month], ignore_index=True)
        table["channel"] = table["channel"].fillna("(all)")
        table["weekday"] = table["weekday_index"].map(dict(enumerate(WEEKDAYS)))
        table = table.sort_values(["pattern", "channel", "weekday_index", "hour", "month"], na_position="first")
        return table[["pattern", "weekday", "hour", "month", "channel", "contacts"]].reset_index(drop=True)

    def volumes_over_time(self, *, top_reasons: int = 5) -> pd.DataFrame:
        """Contacts per month (per week in a log of under about three months) by channel and by top reason.

        A log of under two weeks, or without two complete weeks, has no trend to show: a CxmError says so
        (daily counts would only repeat the weekly cycle that :meth:`time_patterns` shows). Every period from
        the first contact's to the last's is listed, with 0 where a channel or reason had none.

        Columns: ``granularity`` (``month`` or ``week``), ``period`` (``2025-04``, or a week's Monday
        ``2025-04-07``), ``period_start``, ``complete`` (False for a first or last period the log covers only in
        part, whose lower count is no fall in demand), ``breakdown`` (``channel`` or ``reason``), ``category``
        (a channel, ``unknown``, one of the ``top_reasons`` reasons with most contacts overall, or
        :data:`OTHER_REASONS`), ``contacts``, ``share`` (of the period's contacts). Contacts without a readable
        ``created_at`` are left out (counted in data_quality).
        """
        self._need("created_at")
        span = self.query("SELECT CAST(min(created_at) AS DATE) AS first, CAST(max(created_at) AS DATE) AS last FROM contacts")
        if span["first"].isna().all():
            raise CxmError("No contact has a readable created_at, so there are no volumes over time: see data_quality.")
        first, last = pd.Timestamp(span["first"].iloc[0]), pd.Timestamp(span["last"].iloc[0])
        days = (last - first).days + 1
        covered = f"{days} day{'s' if days > 1 else ''} ({first:%Y-%m-%d} to {last:%Y-%m-%d})"
        if days < _WEEKLY_FROM_DAYS:
            raise CxmError(
                f"The contact log covers {covered}: too short for volumes over time, which need at least two full weeks "
                f"(weekly) or about three months (monthly). Day by day, the counts would show the weekly cycle rather than "
                "a trend: see when customers contact us by weekday and hour instead."
            )
        unit = "month" if days >= _MONTHLY_FROM_DAYS else "week"
        freq = "MS" if unit == "month" else "W-MON"
        begin = first.to_period("M").start_time if unit == "month" else first - pd.Timedelta(days=first.weekday())
        starts = pd.date_range(begin, last, freq=freq)
        ends = starts.shift(1, freq=freq) - pd.Timedelta(days=1)  # each period's last day
        complete = (starts >= first) & (ends <= last)
        if complete.sum() < 2:
            raise CxmError(
                f"The contact log covers {covered}, which holds fewer than two full {unit}s: too short for volumes over "
                "time. See when customers contact us by weekday and hour instead."
            )
        counts = self.query(f"""
            SELECT date_trunc('{unit}', created_at) AS period_start, coalesce(channel, '{_UNKNOWN}') AS channel,
                   coalesce(reason, '{_UNKNOWN}') AS reason, count(*) AS contacts
            FROM contacts WHERE created_at IS NOT NULL GROUP BY GROUPING SETS ((1, 2), (1, 3))""")
        counts["period_start"] = pd.to_datetime(counts["period_start"])
        by_channel = counts[counts["reason"].isna()]
        by_reason = counts[counts["channel"].isna()]
        totals = by_reason.groupby("reason")["contacts"].sum().reset_index()
        top = totals.sort_values(["contacts", "reason"], ascending=[False, True])["reason"].head(top_reasons).tolist()
        reason = by_reason["reason"].where(by_reason["reason"].isin(top), OTHER_REASONS)
        order = {c: i for i, c in enumerate((*CHANNELS, _UNKNOWN))}
        parts = []
        for breakdown, frame, column, categories in (
            ("channel", by_channel, by_channel["channel"], sorted(set(by_channel["channel"]), key=lambda c: order.get(c, 99))),
            ("reason", by_reason, reason, top + ([OTHER_REASONS] if len(totals) > len(top) else [])),
        ):
            grid = (
                frame["contacts"]
                .groupby([column.rename("category"), frame["period_start"]])
                .sum()
                .reindex(pd.MultiIndex.from_product([categories, starts], names=["category", "period_start"]), fill_value=0)
                .reset_index()
            )
            grid.insert(0, "breakdown", breakdown)
            parts.append(grid)
        table = pd.concat(parts, ignore_index=True)
        table["contacts"] = table["contacts"].astype("int64")
        period_total = table.groupby(["breakdown", "period_start"])["contacts"].transform("sum")
        table["share"] = (table["contacts"] / period_total.where(period_total > 0)).round(4)  # no contacts: no share
        table["granularity"] = unit
        table["period"] = table["period_start"].dt.strftime("%Y-%m" if unit == "month" else "%Y-%m-%d")
        table["complete"] = table["period_start"].map(dict(zip(starts, complete)))
        table["period_start"] = table["period_start"].dt.date
        columns = ["granularity", "period", "period_start", "complete", "breakdown", "category", "contacts", "share"]
        return table[columns]

    def anomalies(self, *, min_contacts: int = 10, min_ratio: float = 2.0, top: int = 25) -> pd.DataFrame:
        """Place x reason spikes against what the place's and the reason's totals predict.

        Two levels: ``area_reason`` (expected = area total x reason total / all contacts) and
        ``area_reason_time`` (expected = the area-reason count x the reason's share in that weekday and
        3-hour slot everywhere): the second finds a spike at one time of the week in one place, such as
        Sunday-morning parking complaints near a place of worship. Columns: ``level``, ``area``,
        ``reason``, ``weekday``, ``hours``, ``contacts``, ``expected``, ``ratio``, ``z`` (Poisson
        standardised excess), most surprising first.
        """
        self._need("area")
        pairs = self.query("""
            WITH c AS (SELECT area, reason, count(*) AS n FROM contacts WHERE area IS NOT NULL AND reason IS NOT NULL GROUP BY 1, 2),
                 a AS (SELECT area, sum(n) AS na FROM c GROUP BY 1), r AS (SELECT reason, sum(n) AS nr FROM c GROUP BY 1),
                 t AS (SELECT sum(n) AS nt FROM c)
            SELECT 'area_reason' AS level, c.area, c.reason, NULL AS weekday_index, NULL AS slot, c.n AS contacts,
                   a.na * r.nr / t.nt AS expected
            FROM c JOIN a USING (area) JOIN r USING (reason), t""")
        slots = self.query("""
            WITH base AS (SELECT area, reason, isodow(created_at) - 1 AS d, hour(created_at) // 3 AS s FROM contacts
                          WHERE area IS NOT NULL AND reason IS NOT NULL AND created_at IS NOT NULL),
                 c AS (SELECT area, reason, d, s, count(*) AS n FROM base GROUP BY ALL),
                 ar AS (SELECT area, reason, sum(n) AS nar FROM c GROUP BY ALL),
                 rs AS (SELECT reason, d, s, sum(n) AS nrs FROM c GROUP BY ALL),
                 r AS (SELECT reason, sum(n) AS nr FROM c GROUP BY ALL)
            SELECT 'area_reason_time' AS level, c.area, c.reason, c.d AS weekday_index, c.s AS slot, c.n AS contacts,
                   ar.nar * rs.nrs / r.nr AS expected
            FROM c JOIN ar USING (area, reason) JOIN rs USING (reason, d, s) JOIN r USING (reason)""")
        table = pd.concat([pairs, slots], ignore_index=True)
        table["ratio"] = table["contacts"] / table["expected"]
        table["z"] = (table["contacts"] - table["expected"]) / np.sqrt(table["expected"])
        table = table[(table["contacts"] >= min_contacts) & (table["ratio"] >= min_ratio)]
        table = table.sort_values(["z", "contacts"], ascending=False).head(top)
        table["weekday"] = table["weekday_index"].map(dict(enumerate(WEEKDAYS)))
        table["hours"] = table["slot"].map(lambda s: f"{int(s) * 3:02d}:00-{int(s) * 3 + 3:02d}:00" if pd.notna(s) else None)
        table["expected"] = table["expected"].round(2)
        table[["ratio", "z"]] = table[["ratio", "z"]].round(2)
        return table[["level", "area", "reason", "weekday", "hours", "contacts", "expected", "ratio", "z"]].reset_index(drop=True)

    def resolution_times(self) -> pd.DataFrame:
        """Hours from contact to closure per reason and overall (``"(all)"``).

        Columns: ``closed`` (cases whose time is measured), ``auto_closed`` (closed within a second of being opened:
        a system closing a referral or a duplicate, or a record typed in after the event; their zero hours would
        pull the median to nothing, so they are counted here and left out of the times), ``open``,
        ``median_hours``, ``p90_hours``, ``same_day_share``. Cases closed before they were opened, or more than
        :data:`LONGEST_CASE_YEARS` years after, are left out too (counted in :meth:`data_quality`). A reason
        whose every case was auto-closed has no times.
        """
        self._need("closed_at")
        table = self.query(f"""
            WITH {self._timed_cases()}
            SELECT reason, count(*) FILTER (WHERE measured) AS closed, count(*) FILTER (WHERE auto_closed) AS auto_closed,
                   count(*) FILTER (WHERE still_open) AS open,
                   quantile_cont(hours, [0.5, 0.9]) FILTER (WHERE measured) AS q,
                   avg(CAST(same_day AS DOUBLE)) FILTER (WHERE measured) AS same_day_share
            FROM m GROUP BY GROUPING SETS ((reason), ()) ORDER BY reason NULLS FIRST""")
        # both quantiles from one sort of each group's hours (the median is the 0.5 quantile)
        quantiles = [q if isinstance(q, (list, np.ndarray)) and len(q) else [np.nan, np.nan] for q in table.pop("q")]
        table.insert(4, "median_hours", [float(q[0]) for q in quantiles])
        table.insert(5, "p90_hours", [float(q[1]) for q in quantiles])
        table["reason"] = table["reason"].fillna("(all)")
        return table.round(3)

    def closing_days(self) -> pd.DataFrame:
        """How many working days each reason's cases took to close: what service-level standards are checked on.

        The cases are those :meth:`resolution_times` times (closed, not auto-closed, not closed before they were
        opened). A case's working days are the weekdays after the day it was opened up to and including the day it
        was closed, in the engagement's time zone: closed the same day is 0, opened on Friday and closed on Monday is
        1. Bank holidays count as working days (the log says nothing of a country's calendar), so a share within a
        limit is a little generous in a week with one.

        Returns
        -------
        DataFrame
            ``reason``, ``working_days``, ``cases``: a row per reason and number of working days that has cases,
            in that order. :func:`~cxmethods.methodology.service_standards.closing_counts` turns it into the share
            within any limit, so workbook 05 reads this table and not the log again.
        """
        self._need("closed_at")
        epoch = "DATE '1900-01-01'"  # a Monday: weekday k of the week counts while k < 5

        def weekdays_to(column: str) -> str:
            d = f"date_diff('day', {epoch}, CAST({column} AS DATE))"
            return f"(5 * floor({d} / 7) + least({d} - 7 * floor({d} / 7) + 1, 5))"

        table = self.query(f"""
            WITH {self._timed_cases()}
            SELECT reason, CAST({weekdays_to("closed_at")} - {weekdays_to("created_at")} AS BIGINT) AS working_days,
                   count(*) AS cases
            FROM m WHERE measured GROUP BY ALL ORDER BY reason, working_days""")
        return table.astype({"working_days": "int64", "cases": "int64"})[["reason", "working_days", "cases"]]

    def closed_within(self, days: Iterable[int]) -> pd.DataFrame:
        """Cases closed within each limit of working days, per reason (:meth:`closing_days`, counted up to each limit).

        Parameters
        ----------
        days : iterable of int
            The limits, in whole working days (at least 1).

        Returns
        -------
        DataFrame
            ``reason``, ``within_days`` (the limit), ``closed`` (cases timed), ``within`` (closed within the limit),
            a row per reason and limit (:data:`~cxmethods.methodology.service_standards.CLOSING_COLUMNS`).
        """
        return closing_counts(self.closing_days(), days)

    def _timed_cases(self) -> str:
        """SQL common tables: ``m``, one row per contact with ``reason``, ``still_open``, ``auto_closed``, ``measured``
        (closed, plausibly, and not auto-closed), ``hours`` and ``same_day``."""
        return f"""d AS (SELECT coalesce(reason, '{_UNKNOWN}') AS reason, created_at, closed_at, closed_at IS NULL AS still_open,
                              {self._auto_closed()} AS auto_closed,
                              closed_at >= created_at AND closed_at <= created_at + INTERVAL {LONGEST_CASE_YEARS} YEAR AS plausible,
                              date_diff('second', created_at, closed_at) / 3600.0 AS hours,
                              CAST(created_at AS DATE) = CAST(closed_at AS DATE) AS same_day
                       FROM contacts WHERE created_at IS NOT NULL),
                 m AS (SELECT *, coalesce(plausible AND NOT auto_closed, false) AS measured FROM d)"""

    def _auto_closed(self) -> str:
        """SQL true for a case closed within a second of being opened. A log of dates without times of day (both at
        midnight) says nothing about seconds, so a case opened and closed on the same date there is not counted."""
        return (
            "(closed_at >= created_at AND closed_at <= created_at + INTERVAL 1 SECOND "
            "AND NOT (CAST(created_at AS TIME) = TIME '00:00:00' AND CAST(closed_at AS TIME) = TIME '00:00:00'))"
        )

    def repeat_contact(self) -> pd.DataFrame:
        """Repeat contact and first-contact resolution per reason and overall (``"(all)"``).

        ``repeats``: contacts by a customer who contacted about the **same reason** within
        ``settings.voc.repeat_window_days`` before; ``follow_ups``: contacts by a customer who made **any**
        contact within the window before (chasing a repair follows the repair request, under another reason);
        ``resolved_first_contact``: share resolved at first contact by the log's flag, where the log has one (the
        adviser's judgement at the time); ``fcr_by_repeat``: 1 - ``repeat_rate``, first-contact resolution by what
        customers did next (no contact about the same reason within the window). The two rarely agree: show both.
        """
        self._need("customer_id")
        fcr = "avg(CAST(resolved_first_contact AS DOUBLE))" if "resolved_first_contact" in self.fields else "NULL"
        table = self.query(f"""
            SELECT coalesce(reason, '{_UNKNOWN}') AS reason, count(*) AS contacts,
                   count(*) FILTER (WHERE is_repeat) AS repeats, count(*) FILTER (WHERE is_follow_up) AS follow_ups,
                   {fcr} AS resolved_first_contact
            FROM flags GROUP BY GROUPING SETS ((1), ()) ORDER BY repeats DESC, reason NULLS FIRST""")
        table["reason"] = table["reason"].fillna("(all)")
        table["repeat_rate"] = table["repeats"] / table["contacts"]
        table["follow_up_rate"] = table["follow_ups"] / table["contacts"]
        table["fcr_by_repeat"] = 1 - table["repeat_rate"]
        table.insert(1, "window_days", self.settings.repeat_window_days)
        return table.round(4)

    def failure_demand(self) -> pd.DataFrame:
        """Failure demand by channel, with what it costs.

        A contact is failure demand when its reason matches ``settings.voc.failure_reasons`` (e.g.
        chasing progress) or it repeats the same customer's contact about the same reason within the
        window (repeats need ``customer_id``; without it only the reasons count). Columns: ``channel``
        (and ``"(all)"``), ``contacts``, ``failure_contacts``, ``by_reason``
        (failure-classed reasons), ``by_repeat``, ``failure_share``, ``unit_cost``, ``failure_cost``,
        ``total_cost``, ``failure_cost_a_year`` (the period's failure cost scaled to a year, as the business case
        does: :func:`~cxmethods.methods.contact_costs.per_year`). A failure contact costs its channel's cost per
        contact weighted by its reason's handling time (:func:`~cxmethods.methods.contact_costs.failure_costs`), so
        a long benefits call costs more than a short bin report; without handling times, the channel's cost. Costs come from ``settings.voc.unit_costs`` or, for GBP engagements, the
        benchmarks in ``templates/benchmarks.yaml``; otherwise they are left empty. They are in the engagement's price
        base (``price_base``, e.g. "GBP, 2026 prices"), converted from their price year as the business case's are
        (:func:`~cxmethods.methods.contact_costs.unit_costs`). With neither failure reasons
        nor a customer id nothing could be counted: a CxmError says so (the workbook shows it as a note, not 0%).
        """
        if not self.settings.failure_reasons and "customer_id" not in self.fields:
            raise CxmError(
                "Failure demand needs the reasons that are failure (settings.voc.failure_reasons, e.g. chasing progress) "
                "or a customer id (inputs.contact_log.columns.customer_id) to find repeat contacts; the engagement has "
                "neither, so no share is given rather than 0%."
            )
        table = self.query(f"""
            WITH f AS (SELECT coalesce(channel, '{_UNKNOWN}') AS channel, {self._failure_match()} AS by_reason, is_repeat
                       FROM flags)
            SELECT channel, count(*) AS contacts, count(*) FILTER (WHERE by_reason OR is_repeat) AS failure_contacts,
                   count(*) FILTER (WHERE by_reason) AS by_reason, count(*) FILTER (WHERE is_repeat AND NOT by_reason) AS by_repeat
            FROM f GROUP BY GROUPING SETS ((channel), ()) ORDER BY channel NULLS LAST""")
        table["channel"] = table["channel"].fillna("(all)")
        table["failure_share"] = table["failure_contacts"] / table["contacts"]
        costs = self.unit_costs()
        table["unit_cost"] = table["channel"].map(costs)
        # from the volumes, as the business case costs them: one definition, so the two workbooks state one figure
        table["failure_cost"] = table["channel"].map(failure_costs(self.volumes(), costs))
        table["total_cost"] = table["contacts"] * table["unit_cost"]
        channels = table["channel"] != "(all)"
        for col in ("failure_cost", "total_cost"):
            known = table.loc[channels, col]
            table.loc[~channels, col] = known.sum() if known.notna().any() else np.nan
        period = self.engagement.period
        table["failure_cost_a_year"] = table["failure_cost"] * per_year(period.start, period.end)
        table["price_base"] = price_base(self.engagement).label  # the costs' prices, as the business case's
        return table.round(4)

    def failure_reasons(self) -> pd.DataFrame:
        """Which reasons the failure classification matched, with their contacts (to check the patterns)."""
        return self.query(f"""
            SELECT reason, count(*) AS contacts FROM contacts WHERE {self._failure_match()}
            GROUP BY 1 ORDER BY 2 DESC, 1""")

    def _failure_match(self) -> str:
        """SQL true for a reason matching ``settings.voc.failure_reasons`` (RE2 syntax, case-insensitive)."""
        if not self.settings.failure_reasons:
            return "false"
        pattern = "|".join(f"(?:{p})" for p in self.settings.failure_reasons)
        return f"coalesce(regexp_matches(reason, {_literal(pattern)}, 'i'), false)"

    def unit_costs(self) -> dict[str, float]:
        """Cost per contact by channel: the engagement's own, else the GBP benchmarks for a GBP engagement."""
        return unit_costs(self.engagement)

    def volumes(self) -> pd.DataFrame:
        """Contacts by channel and reason: the baseline the business case starts from.

        Columns: ``channel``, ``reason``, ``service`` (empty without a service field; a reason recorded under
        several services has a row for each), ``contacts``, ``failure_contacts`` (as in :meth:`failure_demand`),
        ``mean_handling_minutes``.
        """
        # summed as exact decimals: a float sum depends on the order DuckDB's threads add in, and the artifacts must not
        minutes = "avg(CAST(handling_minutes AS DECIMAL(18, 6)))" if "handling_minutes" in self.fields else "NULL"
        # one row per service a reason is recorded under: an initiative aimed at a service finds all of its contacts
        return self._once(
            "volumes",
            f"""
            SELECT coalesce(channel, '{_UNKNOWN}') AS channel, coalesce(reason, '{_UNKNOWN}') AS reason,
                   service, count(*) AS contacts,
                   count(*) FILTER (WHERE {self._failure_match()} OR is_repeat) AS failure_contacts,
                   {minutes} AS mean_handling_minutes
            FROM flags GROUP BY 1, 2, 3 ORDER BY 1, 4 DESC, 2, 3 NULLS LAST""",
        ).round(3)

    def areas(self) -> pd.DataFrame:
        """Contacts and outcomes by area, for choosing pilot sites.

        Columns: ``area``, ``contacts``, ``weekly_contacts`` (over the engagement's period),
        ``fcr_rate`` (share resolved at first contact; empty without that field), ``failure_share`` (empty when
        failure demand is not measured: no failure reasons set and no customer id), ``online_share`` (web and app). Contacts without an area are left out.
        """
        if "area" not in self.fields:
            raise CxmError("Pilot sites are chosen by area: map the contact log's area field (inputs.contact_log.columns.area).")
        weeks = ((self.engagement.period.end - self.engagement.period.start).days + 1) / 7
        fcr = "avg(CAST(resolved_first_contact AS DOUBLE))" if "resolved_first_contact" in self.fields else "NULL"
        # failure demand is measured only with reasons marked as failure or customer ids to find repeats: else empty
        measured = bool(self.settings.failure_reasons) or "customer_id" in self.fields
        failure = f"avg(CAST({self._failure_match()} OR is_repeat AS DOUBLE))" if measured else "NULL"
        return self.query(f"""
            SELECT area, count(*) AS contacts, count(*) / {weeks} AS weekly_contacts, {fcr} AS fcr_rate,
                   {failure} AS failure_share,
                   avg(CAST(channel IN ('web_form', 'mobile_app') AS DOUBLE)) AS online_share
            FROM flags WHERE area IS NOT NULL GROUP BY area ORDER BY contacts DESC, area""").round(4)

    def contact_cube(self, *, top_areas: int = CUBE_AREAS, top_reasons: int = CUBE_REASONS) -> pd.DataFrame:
        """Contacts and failure contacts by month, channel, area and reason: what the report's charts filter.

        Bounded for a national log, so that a report page carries it: the ``top_areas`` areas and ``top_reasons``
        reasons with most contacts are named, the rest summed as :data:`OTHER_AREAS` and :data:`OTHER_REASONS`
        (so every contact is counted once, and the cube's total is the log's). One pass over the log: the full
        month x channel x area x reason counts are taken once and the largest areas and reasons found in them.

        Columns: ``month`` (``2025-04``, from the contact's time; empty without a readable time or a mapped
        ``created_at``), ``channel`` (``unknown`` when not recorded), ``area`` (empty throughout without an area
        field; ``unknown`` for a contact without one), ``reason``, ``contacts``, ``failure_contacts`` (as in
        :meth:`failure_demand`; empty when neither failure reasons nor a customer id say what failure is).
        """
        if top_areas < 1 or top_reasons < 1:
            raise CxmError(f"contact_cube: top_areas and top_reasons must be 1 or more, not {top_areas} and {top_reasons}.")
        counted = bool(self.settings.failure_reasons) or "customer_id" in self.fields
        failure = f"count(*) FILTER (WHERE {self._failure_match()} OR is_repeat)" if counted else "NULL"
        month = "strftime(created_at, '%Y-%m')" if "created_at" in self.fields else "CAST(NULL AS VARCHAR)"
        area = f"coalesce(CAST(area AS VARCHAR), '{_UNKNOWN}')" if "area" in self.fields else "CAST(NULL AS VARCHAR)"
        table = self.query(f"""
            WITH full_cube AS MATERIALIZED (
                SELECT {month} AS month, coalesce(channel, '{_UNKNOWN}') AS channel, {area} AS area,
                       coalesce(reason, '{_UNKNOWN}') AS reason, count(*) AS contacts, {failure} AS failure_contacts
                FROM flags GROUP BY ALL),
            ta AS (SELECT area FROM full_cube WHERE area IS NOT NULL AND area <> '{_UNKNOWN}'
                   GROUP BY area ORDER BY sum(contacts) DESC, area LIMIT {int(top_areas)}),
            tr AS (SELECT reason FROM full_cube WHERE reason <> '{_UNKNOWN}'
                   GROUP BY reason ORDER BY sum(contacts) DESC, reason LIMIT {int(top_reasons)})
            SELECT month, channel,
                   CASE WHEN area IS NULL OR area = '{_UNKNOWN}' OR area IN (SELECT area FROM ta) THEN area
                        ELSE {_literal(OTHER_AREAS)} END AS area,
                   CASE WHEN reason = '{_UNKNOWN}' OR reason IN (SELECT reason FROM tr) THEN reason
                        ELSE {_literal(OTHER_REASONS)} END AS reason,
                   CAST(sum(contacts) AS BIGINT) AS contacts, CAST(sum(failure_contacts) AS BIGINT) AS failure_contacts
            FROM full_cube GROUP BY ALL
            ORDER BY month NULLS LAST, channel, area NULLS LAST, reason""")
        if not counted:
            table["failure_contacts"] = pd.array([pd.NA] * len(table), dtype="Int64")
        return table[["month", "channel", "area", "reason", "contacts", "failure_contacts"]]

    def data_quality(self) -> pd.DataFrame:
        """Counts of rows a real export gets wrong: ``check``, ``rows``, ``share``, ``treatment``. Nothing is dropped."""
        checks = [("rows in the log", "true", "all rows are analysed")]
        if "created_at" in self.fields:
            checks.append(("time of contact missing or unreadable", "created_at IS NULL", "left out of time patterns"))
            start, end = self.engagement.period.start, self.engagement.period.end
            checks.append(
                (
                    f"created outside the period {start} to {end}",
                    f"created_at < DATE '{start}' OR created_at >= DATE '{end}' + INTERVAL 1 DAY",
                    "kept",
                )
            )
        if "closed_at" in self.fields:
            checks.append(("closed before it was opened", "closed_at < created_at", "left out of resolution times"))
            checks.append(
                (
                    "closed within a second of opening (auto-closed?)",
                    self._auto_closed(),
                    "left out of resolution times (counted as auto-closed)",
                )
            )
            checks.append(
                (
                    f"closed over {LONGEST_CASE_YEARS} years after opening (typo?)",
                    f"closed_at > created_at + INTERVAL {LONGEST_CASE_YEARS} YEAR",
                    "left out of resolution times",
                )
            )
            checks.append(("still open (no closing time)", "closed_at IS NULL", "counted as open"))
        checks.append(("channel missing or not recognised", "channel IS NULL", f"counted as '{_UNKNOWN}'"))
        checks.append(("reason missing", "reason IS NULL", f"counted as '{_UNKNOWN}'"))
        if "service" in self.fields:
            checks.append(("reason with no service (unknown code?)", "reason IS NOT NULL AND service IS NULL", "kept"))
        if "customer_id" in self.fields:
            checks.append(("customer id missing", "_customer IS NULL", "left out of repeat contact"))
        if "handling_minutes" in self.fields:
            checks.append(("handling minutes missing or unreadable", "handling_minutes IS NULL", "left out of handling time"))
            checks.append(("handling time over 8 hours (one contact?)", "handling_minutes > 480", "kept"))
        counts = self.query(
            "SELECT "
            + ", ".join(f"count(*) FILTER (WHERE {cond}) AS c{i}" for i, (_, cond, _) in enumerate(checks))
            + " FROM contacts"
        ).iloc[0]
        total = int(counts["c0"])
        rows = [
            {
                "check": name,
                "rows": int(counts[f"c{i}"]),
                "share": round(int(counts[f"c{i}"]) / total, 4) if total else 0.0,
                "treatment": treat,
            }
            for i, (name, _, treat) in enumerate(checks)
        ]
        dup = self.query("SELECT count(*) - count(DISTINCT contact_id) AS d FROM contacts").iloc[0]["d"]
        rows.append(
            {
                "check": "duplicated contact ids",
                "rows": int(dup),
                "share": round(int(dup) / total, 4) if total else 0.0,
                "treatment": "kept",
            }
        )
        if "service" in self.fields:
            rows.append(self._reasons_across_services(total))
        for check, n in self.con.execute("SELECT check_name, rows FROM notes WHERE rows > 0").fetchall():
            field, what = check.split(": ", 1)
            if what == NOTES_CLEANED:
                treatment = "cleaned: counted with the label they look like"
            elif self.engagement.timezone:
                treatment = f"converted to {self.engagement.timezone} time"
            else:
                treatment = "clock time written kept, offset ignored (set timezone in the engagement to convert)"
            rows.append(
                {
                    "check": f"{field} {what.split(':')[0].split(' (')[0]}",
                    "rows": int(n),
                    "share": round(int(n) / total, 4) if total else 0.0,
                    "treatment": treatment,
                }
            )
        return pd.DataFrame(rows)

    def reasons_across_services(self) -> pd.DataFrame:
        """Reasons recorded under more than one service, most contacts first: ``reason``, ``contacts``, ``services``
        (each service with its contacts, most first, beyond three counted: ``"DSNY 123, NYPD 2"``). Empty without a
        service field."""
        if "service" not in self.fields:
            return pd.DataFrame({"reason": [], "contacts": [], "services": []})
        return self._once(
            "reasons_across_services",
            f"""
            WITH rs AS (SELECT reason, service, count(*) AS n FROM contacts
                        WHERE reason IS NOT NULL AND service IS NOT NULL GROUP BY ALL)
            SELECT reason, CAST(sum(n) AS BIGINT) AS contacts, {_listed_services("rs", counts=True)} AS services
            FROM ({_ranked_services("rs")}) GROUP BY reason HAVING max(m) > 1 ORDER BY contacts DESC, reason""",
        )

    def _reasons_across_services(self, total: int, *, named: int = 3) -> dict:
        """The data-quality row for reasons recorded under more than one service, naming the largest few."""
        spread = self.reasons_across_services()
        rows = int(spread["contacts"].sum())
        treatment = "kept"
        if not spread.empty:
            shown = "; ".join(f"{r.reason} ({r.services})" for r in spread.head(named).itertuples())
            more = f"; and {len(spread) - named} more" if len(spread) > named else ""
            count = f"{len(spread)} reason{'' if len(spread) == 1 else 's'}"
            treatment = f"kept under each service ({count}; the contact reasons table names their services): {shown}{more}"
        return {
            "check": "reason recorded under several services",
            "rows": rows,
            "share": round(rows / total, 4) if total else 0.0,
            "treatment": treatment,
        }


# --------------------------------------------------------------------------- the channel shift


@dataclass(frozen=True)
class ChannelShift:
    """The largest move in a channel's share of contacts between the first and last complete windows of a log.

    Attributes
    ----------
    channel : str
        The channel that moved most (``web_form``...).
    before, after : float
        Its share of contacts in the first and in the last window.
    first, last : pandas.Timestamp
        Where the two windows start.
    unit : str
        Each window's length: ``year`` (a calendar year of complete months), ``month`` or ``week``.
    recorded_only : bool
        True when the shares are of contacts with a recorded channel only, because those without one were 5% or
        more of a window (a channel starting to be recorded is no channel shift).
    counter : tuple of (str, float, float) or None
        The largest move the other way, ``(channel, before, after)``, when it is large enough to report too.
    """

    channel: str
    before: float
    after: float
    first: pd.Timestamp
    last: pd.Timestamp
    unit: str
    recorded_only: bool
    counter: tuple[str, float, float] | None = None


def channel_shift(trend: pd.DataFrame, *, min_change: float = 0.05, min_z: float = 3.0) -> ChannelShift | None:
    """The channel whose share of contacts moved most over the log, or None when none moved enough to say so.

    Compares the first and last calendar years the log covers in full when it covers two or more, else its first
    and last complete periods (month or week); first or last periods the log covers only in part are never used.
    A move counts when it is at least ``min_change`` (5 percentage points) and beyond chance: the two-proportion
    z statistic is at least ``min_z``. Shares are of contacts with a recorded channel.

    Parameters
    ----------
    trend : DataFrame
        :meth:`ContactLog.volumes_over_time` (as computed or as read back from its CSV).

    >>> months = pd.period_range("2024-01", "2025-12", freq="M").to_timestamp()
    >>> web = [100 + 20 * i for i in range(24)]
    >>> trend = pd.concat([pd.DataFrame({"granularity": "month", "period_start": months, "complete": True,
    ...     "breakdown": "channel", "category": c, "contacts": n}) for c, n in (("web_form", web), ("phone", 600))],
    ...     ignore_index=True)
    >>> shift = channel_shift(trend)
    >>> shift.channel, round(shift.before, 2), round(shift.after, 2), shift.unit, shift.first.year, shift.last.year
    ('web_form', 0.26, 0.43, 'year', 2024, 2025)
    >>> shift.counter[0], round(shift.counter[1], 2), round(shift.counter[2], 2)
    ('phone', 0.74, 0.57)
    """
    rows = trend[(trend["breakdown"] == "channel") & (trend["complete"].astype(str) == "True")].reset_index(drop=True)
    if rows.empty:
        return None
    window = pd.to_datetime(rows["period_start"])
    unit = str(rows["granularity"].iloc[0])
    if unit == "month":
        months_per_year = window.drop_duplicates().dt.year.value_counts()
        full_years = months_per_year[months_per_year == 12].index
        if len(full_years) >= 2:  # whole years: a year's seasons do not pass for a shift
            keep = window.dt.year.isin(full_years)
            rows, window = rows[keep], window[keep].dt.to_period("Y").dt.start_time
            unit = "year"
    counts = rows["contacts"].astype(float).groupby([window.rename("window"), rows["category"]]).sum().unstack(fill_value=0)
    first, last = counts.index.min(), counts.index.max()
    if first == last:
        return None
    ends = counts.loc[[first, last]]
    unknown = ends[_UNKNOWN] if _UNKNOWN in ends else pd.Series(0.0, index=ends.index)
    known = ends.drop(columns=[_UNKNOWN], errors="ignore")
    n = known.sum(axis=1)
    if (n <= 0).any() or known.empty:
        return None
    share = known.div(n, axis=0)
    before, after = share.loc[first], share.loc[last]
    pooled = known.sum() / n.sum()
    se = np.sqrt(pooled * (1 - pooled) * (1 / n[first] + 1 / n[last]))
    change = after - before
    z = (change / se.where(se > 0)).abs()
    meaningful = change[(change.abs() >= min_change) & (z >= min_z)]
    if meaningful.empty:
        return None
    # largest move first; of two equal moves, the rise (the shift is *to* a channel), then by name, so ties read the same
    ranked = sorted(meaningful.index, key=lambda c: (-round(abs(meaningful[c]), 9), -meaningful[c], str(c)))
    main = ranked[0]
    against = [c for c in ranked if np.sign(meaningful[c]) != np.sign(meaningful[main])]
    counter = (str(against[0]), float(before[against[0]]), float(after[against[0]])) if against else None
    return ChannelShift(
        channel=str(main),
        before=float(before[main]),
        after=float(after[main]),
        first=pd.Timestamp(first),
        last=pd.Timestamp(last),
        unit=unit,
        recorded_only=bool((unknown / ends.sum(axis=1) >= 0.05).any()),
        counter=counter,
    )


# --------------------------------------------------------------------------- SQL helpers


def _ranked_services(table: str) -> str:
    """SQL ranking each reason's services in ``table`` (reason, service, n) by contacts: adds ``k`` (1 = most; a
    missing service last) and ``m`` (how many services the reason has)."""
    return f"""SELECT *, row_number() OVER (PARTITION BY reason ORDER BY service IS NULL, n DESC, service) AS k,
                      count(service) OVER (PARTITION BY reason) AS m FROM {table}"""


def _listed_services(table: str, *, counts: bool = False) -> str:
    """SQL aggregate over :func:`_ranked_services` rows: the first :data:`_SERVICES_LISTED` services, then how many
    more (``"DSNY; NYPD"``, ``"A 9, B 5, C 2 and 3 more"`` with ``counts``)."""
    item, sep = ("service || ' ' || n", ", ") if counts else ("service", "; ")
    listed = _SERVICES_LISTED
    return (
        f"string_agg({item}, '{sep}' ORDER BY k) FILTER (WHERE k <= {listed} AND service IS NOT NULL) "
        f"|| CASE WHEN max(m) > {listed} THEN ' and ' || (max(m) - {listed}) || ' more' ELSE '' END"
    )
