"""What the business case starts from: the baseline year of contacts, the assumptions, and checks of
the initiatives and their levers.

The baseline comes from workbook 02's ``volumes.csv`` (contacts and failure contacts by channel and
reason), scaled to a year, and, when workbook 03 has run, from its segment channel mixes and migration
targets (``segments.csv``, ``segment_channels.csv``). Every figure the model uses becomes a row of the
assumptions table with its source; the engagement (``settings.business_case.assumptions``) and then
the workshop's answers file (``workshop.assumptions``) override the defaults.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import cast

import numpy as np
import pandas as pd

from cxmethods.core.config import Engagement
from cxmethods.core.errors import ConfigError, InputError, Problem
from cxmethods.core.schemas import CHANNELS, LEVERS
from cxmethods.core.yamlfile import did_you_mean
from cxmethods.io.answers import load_answers
from cxmethods.methodology.benchmarks import Benchmarks
from cxmethods.methods.case_model import SHARE_LEVERS, lever_names
from cxmethods.methods.contact_costs import cost_price_year, cost_weights, cost_year, per_year
from cxmethods.methods.prices import PriceBase, appraisal_year, price_base

__all__ = ["ASSUMPTION_COLUMNS", "Baseline", "assumptions_table", "base_year", "check_case_inputs", "load_baseline"]

ASSUMPTION_COLUMNS = ["name", "value", "low", "high", "min", "max", "distribution", "unit", "group", "description", "source"]


@dataclass(frozen=True)
class Baseline:
    """A year of contacts. ``volumes``: ``channel, reason, service, contacts, failure_contacts`` (a year).

    ``segments``: ``segment, channel, weight, headroom``: each segment's share of the channel's contacts and
    the largest share of them a channel shift may move (from workbook 03's migration targets); None
    without a segmentation. ``notes`` say what was assumed.
    """

    volumes: pd.DataFrame
    segments: pd.DataFrame | None
    per_year: float
    notes: tuple[str, ...] = ()

    def scope(self, reason: str | None) -> pd.Series:
        """Rows of ``volumes`` in a lever's scope: a reason, a service, or everything (None or empty)."""
        if not reason:
            return pd.Series(True, index=self.volumes.index)
        return (self.volumes["reason"] == reason) | (self.volumes["service"] == reason)

    @property
    def channels(self) -> list[str]:
        """The known channels with contacts, in :data:`CHANNELS` order (the model's channel order)."""
        return [c for c in CHANNELS if c in set(self.volumes["channel"])]

    def by_channel(self, mask: pd.Series, column: str = "contacts", *, by_handling_time: bool = False) -> np.ndarray:
        """A column summed by channel (in :attr:`channels` order) over the rows in ``mask``.

        ``by_handling_time`` weights each reason by its handling time relative to its channel's average, so that
        saving a 20-minute benefits call counts for more than saving a 3-minute bin report at the same channel cost.
        """
        rows = self.volumes[mask]
        values = rows[column] * (rows["cost_weight"] if by_handling_time else 1.0)
        return values.groupby(rows["channel"]).sum().reindex(self.channels, fill_value=0.0).to_numpy(float)


def load_baseline(
    engagement: Engagement,
    volumes: pd.DataFrame | None,
    *,
    segment_channels: pd.DataFrame | None = None,
    segments: pd.DataFrame | None = None,
    source: str = "volumes.csv",
) -> Baseline:
    """The business case's baseline from workbook 02's volumes (required) and workbook 03's channel targets.

    Parameters
    ----------
    engagement : Engagement
        Gives the period the volumes cover (they are scaled to a year).
    volumes : DataFrame or None
        Workbook 02's ``volumes`` table; None when workbook 02 has not run (an error saying so).
    segment_channels, segments : DataFrame, optional
        Workbook 03's ``segment_channels`` and ``segments`` tables; without them channel shifts are not capped
        by segment.
    source : str
        Where the volumes came from, for messages.
    """
    if volumes is None:
        raise InputError(
            [
                Problem(
                    source,
                    "the contact volumes are missing.",
                    "Run workbook 02 first (cxm run --only 02): the business case starts from its volumes.",
                )
            ],
            title="The business case has no baseline",
        )
    _check_volumes(volumes, source)
    days = (engagement.period.end - engagement.period.start).days + 1
    # the same factor as workbook 02's failure_cost_a_year: a year's log (1 April to 31 March) is not rescaled
    factor = per_year(engagement.period.start, engagement.period.end)
    volumes = volumes.assign(contacts=volumes["contacts"] * factor, failure_contacts=volumes["failure_contacts"] * factor)
    volumes["service"] = volumes["service"].fillna("")
    volumes["cost_weight"] = cost_weights(volumes)
    notes = [f"The contact log covers {days} days; volumes are scaled to a year (x{factor:.3f})."] if factor != 1 else []
    if "mean_handling_minutes" in volumes and volumes["mean_handling_minutes"].notna().any():
        notes.append(
            "A reason's contacts cost in proportion to their handling time (the channel's cost per contact x the "
            "reason's minutes / the channel's average) when failure demand is removed, contacts are automated or "
            "handling time is cut; channel shifts use the channels' average costs."
        )
    unknown = volumes.loc[~volumes["channel"].isin(CHANNELS), "contacts"].sum()
    if unknown:
        notes.append(f"{unknown:,.0f} contacts a year have no known channel: no saving is counted on them.")
    return Baseline(volumes, _segments(segment_channels, segments, volumes, notes), factor, tuple(notes))


def _check_volumes(volumes: pd.DataFrame, source: str) -> None:
    needed = ["channel", "reason", "service", "contacts", "failure_contacts"]
    missing = [c for c in needed if c not in volumes]
    if missing:
        raise InputError(
            [
                Problem(
                    source,
                    f"columns {', '.join(missing)} are missing.",
                    "Run workbook 02 again with this version of cxmethods.",
                )
            ],
            title="The baseline cannot be used",
        )
    problems = []
    for column in ("contacts", "failure_contacts"):
        number = pd.to_numeric(volumes[column], errors="coerce")
        bad = number.isna() | (number < 0)
        if bad.any():
            problems.append(
                Problem(
                    source,
                    "volumes must be counts of zero or more.",
                    "Run workbook 02 again, or correct the file.",
                    column=column,
                    rows=tuple(int(i) + 2 for i in np.flatnonzero(bad)[:5]),
                )
            )
    over = pd.to_numeric(volumes["failure_contacts"], errors="coerce") > pd.to_numeric(volumes["contacts"], errors="coerce")
    if over.any():
        problems.append(
            Problem(
                source,
                "failure contacts exceed contacts.",
                "Run workbook 02 again, or correct the file.",
                column="failure_contacts",
                rows=tuple(int(i) + 2 for i in np.flatnonzero(over)[:5]),
            )
        )
    if problems:
        raise InputError(problems, title="The baseline cannot be used")


def _segments(
    mix: pd.DataFrame | None, sizes: pd.DataFrame | None, volumes: pd.DataFrame, notes: list[str]
) -> pd.DataFrame | None:
    from cxmethods.methods.channel_mix import segment_volumes

    if mix is None or sizes is None:
        notes.append("No segmentation (workbook 03): channel shifts are not capped by segment migration targets.")
        return None
    notes.append(
        "The contact log has no segment: each segment's share of a channel's contacts is estimated from its size "
        "and the channels its members say they prefer (survey), and channel shifts are capped by workbook 03's targets."
    )
    shares = sizes.set_index(sizes["name"].astype(str))["share"]
    split = segment_volumes(volumes.groupby("channel")["contacts"].sum(), mix, shares)
    split["weight"] = split["contacts"] / split.groupby("channel")["contacts"].transform("sum")
    mix = mix.assign(
        headroom=np.where(mix["current_share"] > 0, (1 - mix["target_share"] / mix["current_share"]).clip(lower=0), 0.0)
    )
    out = split.merge(mix[["segment", "channel", "headroom"]], on=["segment", "channel"], how="left")
    return out[["segment", "channel", "weight", "headroom"]].fillna({"weight": 0.0, "headroom": 0.0})


def base_year(engagement: Engagement) -> int:
    """Year 0 of the appraisal: ``settings.business_case.base_year``, else the year the period ends."""
    return appraisal_year(engagement)


# --------------------------------------------------------------------------- checks


def check_case_inputs(
    engagement: Engagement,
    initiatives: pd.DataFrame,
    levers: pd.DataFrame | None,
    bench: Benchmarks,
    baseline: Baseline | None = None,
) -> list[Problem]:
    """Every problem with the initiatives' costs and timing and with the levers, each with file, column and rows.

    Reasons and segments are checked against the baseline when it is given (``cxm validate`` runs
    before workbook 02 has, so it checks the rest).
    """
    settings = engagement.settings.business_case
    problems: list[Problem] = []
    # the callers pass initiatives (and levers) only when the engagement names their files
    ini_where = str(engagement.resolve(engagement.inputs.initiatives.path))  # type: ignore[union-attr]
    rows = _rows(initiatives)
    types = bench.optimism_bias.project_types
    first, last = base_year(engagement), base_year(engagement) + settings.horizon_years - 1
    schedules = bench.discount_schedules
    if settings.discount_rate is None and settings.discount not in schedules:
        problems.append(
            Problem(
                str(engagement.path),
                f"settings.business_case.discount '{settings.discount}' is not a discount schedule."
                f"{did_you_mean(settings.discount, schedules)}",
                f"Use one of {', '.join(schedules)}, or give discount_rate.",
            )
        )
    if (problem := _currency_problem(engagement, bench)) is not None:
        problems.append(problem)
    if settings.default_project_type not in types:
        problems.append(
            Problem(
                str(engagement.path),
                f"settings.business_case.default_project_type '{settings.default_project_type}' "
                f"is not an optimism-bias category.{did_you_mean(settings.default_project_type, types)}",
                f"Use one of {', '.join(types)}.",
            )
        )
    if "project_type" in initiatives:
        for value, group in initiatives.groupby("project_type").groups.items():
            if value not in types:
                problems.append(
                    Problem(
                        ini_where,
                        f"unknown optimism-bias category '{value}'.{did_you_mean(str(value), types)}",
                        f"Use one of {', '.join(types)} (templates/benchmarks.yaml).",
                        column="project_type",
                        rows=tuple(rows[i] for i in list(group)[:5]),
                    )
                )
    if "start_year" in initiatives:
        outside = initiatives["start_year"].notna() & ~initiatives["start_year"].between(first, last)
        if outside.any():
            problems.append(
                Problem(
                    ini_where,
                    f"start year outside the appraisal's {first}-{last}.",
                    "Use a year within the horizon, or change settings.business_case.base_year / horizon_years.",
                    column="start_year",
                    rows=tuple(rows[i] for i in np.flatnonzero(outside)[:5]),
                )
            )
    if "earliest_start" in initiatives and "start_year" not in initiatives:
        late = initiatives["earliest_start"].notna() & (initiatives["earliest_start"].dt.year > last)
        if late.any():
            problems.append(
                Problem(
                    ini_where,
                    f"earliest start after the appraisal's last year ({last}).",
                    "Lengthen settings.business_case.horizon_years, or give a start_year within it.",
                    column="earliest_start",
                    rows=tuple(rows[i] for i in np.flatnonzero(late)[:5]),
                )
            )
    elif "earliest_start" in initiatives:
        late = (
            initiatives["start_year"].isna()
            & initiatives["earliest_start"].notna()
            & (initiatives["earliest_start"].dt.year > last)
        )
        if late.any():
            problems.append(
                Problem(
                    ini_where,
                    f"earliest start after the appraisal's last year ({last}) and no start_year.",
                    "Lengthen settings.business_case.horizon_years, or give a start_year within it.",
                    column="earliest_start",
                    rows=tuple(rows[i] for i in np.flatnonzero(late)[:5]),
                )
            )
    ids = set(initiatives["initiative_id"])
    for name, members in settings.options.items():
        unknown = [i for i in members if i not in ids]
        if unknown:
            problems.append(
                Problem(
                    str(engagement.path),
                    f"settings.business_case.options.{name} names unknown initiative(s) {', '.join(unknown)}.",
                    "Use ids from initiatives.csv.",
                )
            )
    problems += _price_year_problems(engagement, ini_where, initiatives, "the initiative's costs")
    if levers is not None:
        lever_where = str(engagement.resolve(engagement.inputs.levers.path))  # type: ignore[union-attr]
        money = levers["lever"].eq("other_saving").to_numpy()
        problems += _price_year_problems(engagement, lever_where, levers, "an other_saving lever's value", money)
        problems += _lever_problems(engagement, levers, ids, baseline)
    return problems


def _price_year_problems(
    engagement: Engagement, where: str, table: pd.DataFrame, what: str, considered: np.ndarray | None = None
) -> list[Problem]:
    """A ``price_year`` column's years (on the ``considered`` rows): before the deflator series starts (an error:
    they cannot be converted), or other than the price base with no series to convert with (a warning: the amounts
    are used as given)."""
    if "price_year" not in table or not table["price_year"].notna().any():
        return []
    try:
        base = price_base(engagement)
    except ConfigError as exc:  # the engagement's own series cannot be read: say why, once
        return list(exc.problems)
    rows = _rows(table)
    years = pd.to_numeric(table["price_year"], errors="coerce")
    considered = np.ones(len(table), dtype=bool) if considered is None else considered
    out = []
    if base.series is not None:
        early = (years.notna() & (years < base.series.first)).to_numpy() & considered
        if early.any():
            out.append(
                Problem(
                    where,
                    f"price year before {base.series.first}, where the deflator series ({base.series.name}) starts, so "
                    f"{what} cannot be converted to {base.year} prices.",
                    "Give the amount in a later year's prices, or a deflator series reaching back that far "
                    "(settings.business_case.deflator).",
                    column="price_year",
                    rows=tuple(rows[i] for i in np.flatnonzero(early)[:5]),
                )
            )
    else:
        other = (years.notna() & (years != base.year)).to_numpy() & considered
        if other.any():
            out.append(
                Problem(
                    where,
                    f"price year other than {base.year} and no deflator series for {base.currency}: {what} is used as "
                    "given, not converted.",
                    f"Give a deflator series (settings.business_case.deflator: a CSV with columns year,index), or the "
                    f"amounts in {base.year} prices.",
                    column="price_year",
                    rows=tuple(rows[i] for i in np.flatnonzero(other)[:5]),
                    severity="warning",
                )
            )
    return out


def _lever_problems(engagement: Engagement, levers: pd.DataFrame, ids: set, baseline: Baseline | None) -> list[Problem]:
    where = str(engagement.resolve(engagement.inputs.levers.path))  # type: ignore[union-attr]  # named: see check_case_inputs
    rows = _rows(levers)
    problems = []

    def report(mask, message: str, fix: str, column: str) -> None:
        if np.any(mask):
            problems.append(Problem(where, message, fix, column=column, rows=tuple(rows[i] for i in np.flatnonzero(mask)[:5])))

    lever = levers["lever"]
    report(~levers["initiative_id"].isin(ids), "levers of unknown initiatives.", "Use ids from initiatives.csv.", "initiative_id")
    shares = lever.isin(SHARE_LEVERS)
    for column in ("value", "low", "high"):
        if column in levers:
            report(
                shares & (levers[column] > 1),
                f"a share above 100% ({column}).",
                "Write shares as proportions between 0 and 1 (0.2 for 20%).",
                column,
            )
    for column, compare in (
        ("low", levers.get("low", pd.Series(np.nan, index=levers.index)) > levers["value"]),
        ("high", levers.get("high", pd.Series(np.nan, index=levers.index)) < levers["value"]),
    ):
        report(compare, f"{column} is on the wrong side of value.", "Give low <= value <= high.", column)
    channel = levers.get("channel", pd.Series(np.nan, index=levers.index, dtype=object))
    to_channel = levers.get("to_channel", pd.Series(np.nan, index=levers.index, dtype=object))
    shift = lever == "channel_shift"
    report(
        shift & (channel.isna() | to_channel.isna()),
        "a channel shift needs both channel and to_channel.",
        "Give the channel contacts leave and the one they join.",
        "to_channel",
    )
    report(shift & (channel == to_channel), "a channel shift to the same channel.", "Give two different channels.", "to_channel")
    report(~shift & to_channel.notna(), "to_channel is only used by channel_shift levers.", "Leave it empty.", "to_channel")
    segment = levers.get("segment", pd.Series(np.nan, index=levers.index, dtype=object))
    report(~shift & segment.notna(), "segment is only used by channel_shift levers.", "Leave it empty.", "segment")
    # one initiative cannot remove more than all of the same thing
    key = [c for c in ("initiative_id", "lever", "reason", "channel", "to_channel", "segment") if c in levers]
    totals = levers[shares].fillna({c: "" for c in key[2:]}).groupby(key)["value"].transform("sum")
    over = pd.Series(False, index=levers.index)
    over[totals.index] = totals > 1 + 1e-9
    report(
        over,
        "an initiative's shares for the same lever and scope add up to more than 100%.",
        "Check these rows: together they cannot remove or move more than all the contacts in scope.",
        "value",
    )
    if baseline is not None:
        known = set(baseline.volumes["reason"]) | set(baseline.volumes["service"]) - {""}
        if "reason" in levers:
            for value, group in levers[levers["reason"].notna()].groupby("reason").groups.items():
                if value not in known:
                    problems.append(
                        Problem(
                            where,
                            f"'{value}' is neither a contact reason nor a service in the contact log."
                            f"{did_you_mean(str(value), known)}",
                            "Use a reason or service as the contact log writes it (see volumes.csv), or leave it empty for all.",
                            column="reason",
                            rows=tuple(rows[i] for i in list(group)[:5]),
                        )
                    )
        if segment.notna().any():
            names = set(baseline.segments["segment"]) if baseline.segments is not None else set()
            for value, group in levers[segment.notna()].groupby("segment").groups.items():
                if value not in names:
                    hint = did_you_mean(str(value), names) if names else " There is no segmentation (workbook 03) to match it."
                    problems.append(
                        Problem(
                            where,
                            f"unknown segment '{value}'.{hint}",
                            "Use a segment name from workbook 03 (segments.csv), or leave it empty for everyone.",
                            column="segment",
                            rows=tuple(rows[i] for i in list(group)[:5]),
                        )
                    )
    return problems


def _currency_problem(engagement: Engagement, bench: Benchmarks) -> Problem | None:
    """Costs per contact must be in the engagement's currency: its own (settings.voc.unit_costs) or the benchmarks'."""
    costs, currency = bench.channel_costs, getattr(engagement, "currency", None)  # None: the YAML's own was wrong
    if engagement.settings.voc.unit_costs or currency in (None, costs.currency):
        return None
    return Problem(
        str(engagement.path),
        f"the benchmark channel costs are in {costs.currency}, the engagement in {engagement.currency}, so the "
        "initiatives' savings per contact cannot be costed.",
        f"Give your own costs per contact in {engagement.currency} under settings.voc.unit_costs (e.g. "
        f"unit_costs: {{phone: 4.0, web_form: 0.5}}), or benchmarks in {engagement.currency} under "
        "settings.business_case.benchmarks.",
    )


def _rows(table: pd.DataFrame) -> list[int]:
    """Spreadsheet row of each table row (recorded by read_input; else assume a header in row 1)."""
    rows = table.attrs.get("rows")
    return list(rows) if rows is not None and len(rows) == len(table) else list(range(2, len(table) + 2))


# --------------------------------------------------------------------------- assumptions


def assumptions_table(
    engagement: Engagement,
    initiatives: pd.DataFrame,
    levers: pd.DataFrame | None,
    baseline: Baseline,
    bench: Benchmarks,
    base: PriceBase | None = None,
) -> pd.DataFrame:
    """Every number the model uses, with its range and source, after the engagement's and the workshop's overrides.

    Columns: :data:`ASSUMPTION_COLUMNS`. ``min``/``max`` bound what a value can be (shares 0-1, costs 0 or
    more); ``low``/``high`` are the range the tornado and the Monte Carlo use.

    Money is in the price base (``base``, default :func:`~cxmethods.methods.prices.price_base`): costs per contact,
    the cost of an automated contact, the value of time and other savings are converted from their price years
    (the benchmarks' ``price_year``, ``settings.voc.unit_costs_price_year``, the levers' ``price_year``; none given:
    the price base year), and each unit names the price year. Overrides (the engagement's, the workshop's) are taken
    to be in the price base.
    """
    settings = engagement.settings.business_case
    d = bench.default_uncertainty
    currency = engagement.currency
    base = base or price_base(engagement)
    prices = f"({base.year} prices)"
    rows: list[dict] = []

    def add(name, value, low, high, unit, group, description, source, lo_bound=0.0, hi_bound=np.nan, fixed=False):
        if fixed:  # known exactly (a benchmark marked fixed): the tornado and the Monte Carlo leave it alone
            low = high = value
        elif low is None or high is None or (pd.isna(low) and pd.isna(high)):
            low, high = value * (1 - d), value * (1 + d)
            if not np.isnan(hi_bound):
                high = min(high, hi_bound)
            source = f"{source}; range ±{d:.0%} (default, no range given)"
        rows.append(
            {
                "name": name,
                "value": float(value),
                "low": float(low),
                "high": float(high),
                "min": lo_bound,
                "max": hi_bound,
                "distribution": "fixed" if fixed else "",
                "unit": unit,
                "group": group,
                "description": description,
                "source": source,
            }
        )

    used_channels = baseline.channels
    own = engagement.settings.voc.unit_costs
    costs = bench.channel_costs
    if (problem := _currency_problem(engagement, bench)) is not None:  # check_case_inputs says so first
        raise ConfigError([problem])
    own_year = cost_price_year(engagement, bench)
    f = base.factor(own_year)
    for channel in used_channels:
        if channel in own:
            add(
                f"unit_cost.{channel}",
                own[channel] * f,
                None,
                None,
                f"{currency} per contact {prices}",
                "unit costs",
                _cost_of(channel),
                f"the engagement (settings.voc.unit_costs), {base.describe(own_year)}",
            )
        elif not own and channel in costs.costs:
            c = costs.costs[channel]
            fc = base.factor(cost_year(bench, c))
            add(
                f"unit_cost.{channel}",
                c.cost * fc,
                None if c.low is None else c.low * fc,
                None if c.high is None else c.high * fc,
                f"{currency} per contact {prices}",
                "unit costs",
                _cost_of(channel),
                f"{c.described()}; {base.describe(cost_year(bench, c))}",
                fixed=c.fixed,
            )
        else:
            raise ConfigError(
                [
                    Problem(
                        str(engagement.path),
                        f"no cost per contact for channel '{channel}'.",
                        f"Add {channel}: <cost> under settings.voc.unit_costs.",
                    )
                ]
            )
    kinds = set(levers["lever"]) if levers is not None else set()
    if "automation" in kinds:
        a = costs.automated
        fa = base.factor(cost_year(bench, a))
        add(
            "unit_cost.automated",
            a.cost * fa,
            None if a.low is None else a.low * fa,
            None if a.high is None else a.high * fa,
            f"{currency} per contact {prices}",
            "unit costs",
            "Cost of a contact resolved by automation",
            f"{a.described()}; {base.describe(cost_year(bench, a))}",
            fixed=a.fixed,
        )
    if "customer_time" in kinds:
        v = bench.value_of_time
        fv = base.factor(v.price_year)
        add(
            "value_of_time",
            v.value * fv,
            None if v.low is None else v.low * fv,
            None if v.high is None else v.high * fv,
            f"{currency} per hour {prices}",
            "customers",
            "Value of an hour of a customer's time",
            f"{v.described()}; {base.describe(v.price_year)}",
            fixed=v.fixed,
        )
    types = bench.optimism_bias.project_types
    # an initiative without a category (or a file without the column) takes the default, as its costs do
    categories = initiatives["project_type"] if "project_type" in initiatives else pd.Series(None, index=initiatives.index)
    used = set(categories.astype(object).where(categories.notna(), settings.default_project_type))
    for name in sorted(used & set(types)):
        t = types[name]
        value = max(t.lower, t.upper * (1 - settings.optimism_bias_mitigation))
        add(
            f"optimism_bias.{name}",
            value,
            t.lower,
            t.upper,
            f"uplift on {t.applies_to} costs",
            "optimism bias",
            f"Optimism-bias uplift for {name.replace('_', ' ')} projects (mitigation {settings.optimism_bias_mitigation:.0%})",
            bench.optimism_bias.source,
            hi_bound=np.nan,
        )
        if t.duration_upper is not None:
            lower = t.duration_lower or 0.0
            add(
                f"optimism_bias_duration.{name}",
                max(lower, t.duration_upper * (1 - settings.optimism_bias_mitigation)),
                lower,
                t.duration_upper,
                "uplift on the years to full benefit",
                "optimism bias",
                f"Optimism-bias uplift on durations for {name.replace('_', ' ')} projects: benefits start "
                f"this share of their ramp-up years later (mitigation {settings.optimism_bias_mitigation:.0%})",
                bench.optimism_bias.duration_source or bench.optimism_bias.source,
                hi_bound=np.nan,
            )
    if levers is not None:
        names = dict(zip(initiatives["initiative_id"], initiatives["name"]))
        for name, row in zip(lever_names(levers), levers.itertuples(index=False)):
            share = row.lever in SHARE_LEVERS
            unit = (
                "share" if share else ("minutes per contact" if row.lever == "customer_time" else f"{currency} a year {prices}")
            )
            year = _get(row, "price_year") if row.lever == "other_saving" else None
            fy = base.factor(year)
            low, high = _get(row, "low"), _get(row, "high")
            add(
                name,
                float(cast(float, row.value)) * fy,
                None if low is None else float(low) * fy,
                None if high is None else float(high) * fy,
                unit,
                f"{row.initiative_id} {names.get(row.initiative_id, '')}",
                _describe(row),
                (_get(row, "source") or "not given") + (f"; {base.describe(year)}" if row.lever == "other_saving" else ""),
                hi_bound=1.0 if share else np.nan,
            )
    table = pd.DataFrame(rows, columns=ASSUMPTION_COLUMNS)
    return _override(engagement, table)


def _get(row, field: str):
    value = getattr(row, field, None)
    return None if value is None or (isinstance(value, float) and np.isnan(value)) or value is pd.NA else value


def _describe(row) -> str:
    scope = _get(row, "reason") or "all contacts"
    what = LEVERS[row.lever].split(" (")[0]
    if row.lever == "channel_shift":
        seg = f", segment {_get(row, 'segment')}" if _get(row, "segment") else ""
        return f"Share of {row.channel} contacts moved to {row.to_channel} ({scope}{seg})"
    channel = f", {_get(row, 'channel')}" if _get(row, "channel") else ""
    return f"{what[0].upper()}{what[1:]} ({scope}{channel})"


def _override(engagement: Engagement, table: pd.DataFrame) -> pd.DataFrame:
    """Apply the engagement's overrides, then the workshop's answers (the room has the last word)."""
    table = table.set_index("name")
    problems = []
    for name, o in engagement.settings.business_case.assumptions.items():
        if name not in table.index:
            problems.append(
                Problem(
                    str(engagement.path),
                    f"settings.business_case.assumptions names unknown assumption '{name}'.{did_you_mean(name, table.index)}",
                    "Use a name from assumptions.csv.",
                )
            )
            continue
        _set(table, name, o.value, o.low, o.high, o.source)
    spec = engagement.workshop.assumptions
    answers = load_answers(engagement, "assumptions") if spec is not None else None
    if spec is not None and answers is not None and len(answers):
        where = str(engagement.resolve(spec.path))
        rows = _rows(answers)
        for i, row in enumerate(answers.to_dict("records")):
            name = row["name"]
            if name not in table.index:
                problems.append(
                    Problem(
                        where,
                        f"unknown assumption '{name}'.{did_you_mean(str(name), table.index)}",
                        "Use a name from assumptions.csv, or delete the row.",
                        column="name",
                        rows=(rows[i],),
                    )
                )
                continue
            _set(
                table,
                name,
                row["value"],
                row.get("low"),
                row.get("high"),
                f"workshop: {row.get('note') or 'changed in the room'}",
            )
    if problems:
        raise ConfigError(problems)
    for label, r in table.iterrows():
        if (
            not (r["low"] <= r["value"] <= r["high"])
            or r["value"] < r["min"]
            or (not np.isnan(r["max"]) and r["value"] > r["max"])
        ):
            problems.append(
                Problem(
                    "assumptions",
                    f"assumption '{label}': value {r['value']:g} with range {r['low']:g}-{r['high']:g} "
                    f"(allowed {r['min']:g}-{r['max']:g}).",
                    "Give low <= value <= high within the allowed range.",
                )
            )
    if problems:
        raise ConfigError(problems)
    return table.reset_index()[ASSUMPTION_COLUMNS]


def _set(table: pd.DataFrame, name: str, value, low, high, source: str) -> None:
    value = float(value)
    keep_range = low is None or pd.isna(low) or high is None or pd.isna(high)
    if keep_range:  # a new value alone keeps the range's relative width around it
        old = table.at[name, "value"]
        low = value * table.at[name, "low"] / old if old else value
        high = value * table.at[name, "high"] / old if old else value
        if not np.isnan(cast(float, table.at[name, "max"])):
            high = min(high, table.at[name, "max"])
    table.loc[name, ["value", "low", "high", "source"]] = [value, float(low), float(high), source]
    if not keep_range and float(low) < float(high) and table.at[name, "distribution"] == "fixed":
        table.at[name, "distribution"] = ""  # a range given to a figure the benchmarks call exact: it is drawn again


def _cost_of(channel: str) -> str:
    words = channel.replace("_", " ")
    return f"Cost of {'an' if words[0] in 'aeiou' else 'a'} {words} contact"
