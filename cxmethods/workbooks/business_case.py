"""Workbook 04: the business case in one call: appraisal, options, sensitivity, Monte Carlo, channel mix.

:func:`run` reads the baseline (workbook 02's volumes, workbook 03's channel targets), the
initiatives and their levers, builds the assumptions table and the vectorised model
(:mod:`cxmethods.methods.case_model`), and appraises each initiative and each option the Green Book way: real
cash flows over the horizon, discounted with the stepped schedule, net present social value (cash and
non-cash benefits less optimism-bias-adjusted costs), benefit-cost ratio, IRR, discounted payback and
value-for-money category, with Monte Carlo percentiles beside each.

Cash and social value are kept apart: every table shows the present value of costs, of cash benefits (savings to
the organisation's budget) and of non-cash benefits (customers' time) beside the cash NPV and the social (total)
NPV. The benefit-cost ratio follows ``settings.business_case.bcr_convention`` (default ``green_book``: PV of all
benefits / PV of costs, HM Treasury Green Book 2022; or ``dft``: PV of non-cash benefits / PV of costs net of the
cash savings, DfT Value for Money Framework and TAG A1.1; see :func:`cxmethods.methods.finance.benefit_cost_ratio`),
and the value-for-money category is read from that ratio. ``affordability`` is the preferred package's cash by
year: what the organisation pays out, what it gets back, the net and its running total.

Options: ``do_nothing`` (the baseline, NPV 0 by definition), ``do_minimum`` and ``preferred`` (defaults
below, or the engagement's own in ``settings.business_case.options``), plus any other named option.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import ClassVar

import numpy as np
import pandas as pd

from cxmethods.core.checks import check_number, check_one_of, parameter_error
from cxmethods.core.config import Engagement
from cxmethods.core.errors import CxmError, InputError, Problem
from cxmethods.core.schemas import CHANNELS
from cxmethods.io.artifacts import BUSINESS_CASE, SEGMENTATION, VOICE_OF_CUSTOMER, artifact_path, artifacts_of, read_table
from cxmethods.io.inputs import read_input
from cxmethods.methodology.benchmarks import Benchmarks, load_benchmarks
from cxmethods.methods.case_inputs import Baseline, assumptions_table, base_year, check_case_inputs, load_baseline
from cxmethods.methods.case_model import CaseModel, InitiativeCosts, Lever, frame_values, lever_names, overlaps
from cxmethods.methods.contact_costs import cost_price_year, cost_year, failure_costs, unit_costs
from cxmethods.methods.finance import benefit_cost_ratio, discount_factors, discounted_payback, irr
from cxmethods.methods.prices import PriceBase, price_base
from cxmethods.methods.risk import monte_carlo, switching_values, tornado
from cxmethods.plots.channel_mix import plot_mix
from cxmethods.plots.risk import plot_npv_distribution, plot_tornado
from cxmethods.workbooks.results import Note, Results, missing_input

__all__ = ["BusinessCase", "run", "start_years"]

#: Workbook 03's tables the business case uses: segments' channel targets, their sizes, their self-service capacity.
_SEGMENTATION_TABLES = ("segment_channels", "segments", "self_service")
_ROUND = {
    "pv_costs": 0,
    "pv_cash_benefits": 0,
    "pv_noncash_benefits": 0,
    "npv": 0,
    "cash_npv": 0,
    "bcr": 2,
    "irr": 3,
    "payback_years": 1,
    "p10": 0,
    "p50": 0,
    "p90": 0,
    "prob_negative": 2,
    "cash_p10": 0,
    "cash_p90": 0,
    "prob_cash_negative": 2,
}
_METRICS = [
    "pv_costs",
    "pv_cash_benefits",
    "pv_noncash_benefits",
    "npv",
    "cash_npv",
    "bcr",
    "bcr_convention",
    "bcr_note",
    "irr",
    "irr_note",
    "payback_years",
    "payback_note",
    "vfm_category",
]


#: The money columns every appraisal and option view shows side by side: costs, cash and non-cash benefits, both
#: NPVs, and the ratio with its value-for-money category.
_MONEY = ["pv_costs", "pv_cash_benefits", "pv_noncash_benefits", "cash_npv", "npv", "bcr", "vfm_category"]
#: The simulation's spread of cash NPV (to the organisation's budget), beside that of the whole NPV.
_CASH_RISK = ["cash_p10", "cash_p90", "prob_cash_negative"]


def _appraisal_view(t: pd.DataFrame) -> pd.DataFrame:
    """The appraisal as the workbook shows it: the headline figures, rounded."""
    return t[
        [
            "initiative",
            "name",
            *_MONEY,
            "irr",
            "irr_note",
            "payback_years",
            "payback_note",
            "p10",
            "p50",
            "p90",
            "prob_negative",
            *_CASH_RISK,
            *_price_column(t),
        ]
    ].round(_ROUND)


def _price_column(t: pd.DataFrame) -> list[str]:
    """``["price_base"]`` when the table has it (the money's currency and price year), else nothing (older runs)."""
    return ["price_base"] if "price_base" in t else []


def _net_flows(t: pd.DataFrame) -> pd.DataFrame:
    """Each initiative's net flow by year, the price base in the columns' title."""
    wide = t.pivot_table(index="year", columns="initiative", values="net").round(0)
    if "price_base" in t and len(t):
        wide.columns.name = f"initiative (net, {t['price_base'].iloc[0]})"
    return wide


class BusinessCase(Results):
    """Tables by name, the compiled model, the Monte Carlo draws, and notes on what was assumed."""

    VIEWS: ClassVar[dict] = {
        "appraisal": ("appraisal", _appraisal_view),
        # appraisals that pay off for the public but not in cash (workbook 04's exercise)
        "public_not_cash": (
            "appraisal",
            lambda t: _appraisal_view(t).query("npv > 0 and cash_npv < 0")[["initiative", "name", "npv", "cash_npv", "bcr"]],
        ),
        "net_flows": ("cashflows", _net_flows),
        "options": (
            "options",
            lambda t: t[
                [
                    "option",
                    "initiatives",
                    *_MONEY,
                    "p10",
                    "p50",
                    "p90",
                    "prob_negative",
                    *_CASH_RISK,
                    *_price_column(t),
                ]
            ].round(_ROUND),
        ),
        "affordability": ("affordability", lambda t: t.round(0)),
        "preferred_sensitivities": (
            "sensitivity",
            lambda t: (
                t[t["output"] == "preferred"]
                .sort_values("swing", ascending=False)
                .head(10)[["assumption", "low", "high", "npv_low", "npv_high", "switching_value", "note"]]
                .round({"low": 3, "high": 3, "npv_low": 0, "npv_high": 0, "switching_value": 3})
                .reset_index(drop=True)
            ),
        ),
        "assumptions": ("assumptions", lambda t: t[["name", "value", "low", "high", "unit", "source"]].round(3)),
        "baseline": (
            "baseline",
            lambda t: t.round({"contacts": 0, "failure_contacts": 0, "failure_share": 3, "failure_cost": 0}),
        ),
        "channel_mix": (
            "channel_mix_summary",
            lambda t: t.round(
                {
                    "current_cost": 0,
                    "optimal_cost": 0,
                    "saving": 0,
                    "saving_share": 3,
                    "online_share_now": 3,
                    "online_share_optimal": 3,
                    "online_capacity": 3,
                }
            ),
        ),
    }

    STEP = BUSINESS_CASE

    def __init__(self, run_dir: str | Path | None = None) -> None:
        super().__init__(run_dir)
        self.model: CaseModel | None = None
        self.monte_carlo = None
        self.mix = None
        self.benchmarks: Benchmarks | None = None
        self.price_base: PriceBase | None = None
        self.convention = "green_book"
        self.dependencies: dict[str, list[str]] = {}  # initiative -> the initiatives it depends on
        self.own_preferred = False  # the engagement names its own preferred package (settings.business_case.options)

    def npv_at(self, rate: float) -> pd.DataFrame | Note:
        """Each initiative's name, NPV and value for money beside its NPV with the yearly net flows discounted at one
        flat ``rate`` instead of the schedule (column e.g. ``npv_at_1.5%``, whole units); a Note without cash flows."""
        flows, appraisal = self.table("cashflows"), self.view("appraisal")
        if isinstance(flows, Note) or isinstance(appraisal, Note):
            return flows if isinstance(flows, Note) else appraisal
        wide = flows.pivot_table(index="initiative", columns="year", values="net")
        at_rate = (wide @ discount_factors(rate, wide.shape[1])).rename(f"npv_at_{rate:.1%}").round(0)
        return appraisal.set_index("initiative")[["name", "npv", "vfm_category"]].join(at_rate)

    def what_moved(self, changes: Mapping[str, float] | pd.DataFrame | None = None, *, rate: float | None = None):
        """What a change to the assumptions (or a flat discount rate) moves: each initiative and option before and after.

        The deterministic appraisal only (the central values, no Monte Carlo), on the model this run compiled, so it
        answers in milliseconds while the room talks; the next :func:`run` makes it official (and re-draws the
        ranges). Options keep the initiatives they were appraised with.

        Parameters
        ----------
        changes : mapping of str to float, or DataFrame
            Assumption name -> new central value, or the assumptions table after the change (columns ``name`` and
            ``value``; the rows whose value differs are the changes). None: no change (with ``rate``: only the rate).
        rate : float, optional
            Discount every year's flows at this flat real rate (0.015 for 1.5%) instead of the engagement's schedule.

        Returns
        -------
        DataFrame or Note
            One row per initiative, then per option: ``kind`` ("initiative" or "option"), ``id``, ``name``,
            ``cash_npv_before``, ``cash_npv_after``, ``npv_before``, ``npv_after``, ``bcr_before``, ``bcr_after``,
            ``vfm_before``, ``vfm_after`` (value-for-money category), ``preferred_before``, ``preferred_after`` (an
            initiative in the preferred package by the rule: a positive NPV, its dependencies in too; the engagement's
            own package when it names one), ``moved`` (the category, the sign of either NPV or the package changed) and
            ``what`` (in words, e.g. "low to poor; NPV turns negative"). Money in whole units of the price base.
            A Note when the business case was not appraised.

        Raises
        ------
        CxmError
            An unknown assumption name or a value that is not a finite number, or a rate outside (-1, 1).
        """
        if self.model is None or "assumptions" not in self.tables:
            return Note(self.skipped.get("appraisal", "The business case was not computed."))
        assumptions = self.tables["assumptions"]
        before = frame_values(assumptions)
        after = {**before, **{k: np.array([v]) for k, v in _changed(assumptions, changes).items()}}
        if rate is not None:
            check_number(rate, "rate", "BusinessCase.what_moved", low=-1, high=1, closed="neither")
        factors = self.model.factors if rate is None else discount_factors(float(rate), self.model.horizon)
        old, new = self._deterministic(before, self.model.factors), self._deterministic(after, factors)
        table = old[["kind", "id", "name"]].copy()
        for column, short in (
            ("cash_npv", "cash_npv"),
            ("npv", "npv"),
            ("bcr", "bcr"),
            ("vfm_category", "vfm"),
            ("preferred", "preferred"),
        ):
            table[f"{short}_before"], table[f"{short}_after"] = old[column].to_numpy(), new[column].to_numpy()
        table["what"] = [_what(r) for r in table.to_dict("records")]
        table["moved"] = table["what"] != ""
        money = [f"{c}_{w}" for c in ("cash_npv", "npv") for w in ("before", "after")]
        table[money] = table[money].round(0)
        table[["bcr_before", "bcr_after"]] = table[["bcr_before", "bcr_after"]].round(2)
        return table

    def _deterministic(self, values: dict[str, np.ndarray], factors: np.ndarray) -> pd.DataFrame:
        """The central appraisal of every initiative and option (the order of the appraisal, then the options)."""
        model, bench = self.model, self.benchmarks
        assert model is not None and bench is not None  # what_moved checked that the case was appraised
        names = dict(zip(self.tables["appraisal"]["initiative"], self.tables["appraisal"]["name"]))
        rows = []
        for kind, key, members in [("initiative", i, (i,)) for i in model.costs] + [
            ("option", k, m) for k, m in model.options.items() if m
        ]:
            cost, cash, noncash = (a[0] for a in model.flows(values, members))
            rows.append(
                {"kind": kind, "id": key, "name": names.get(key, key), **_metrics(cost, cash, noncash, factors, self.convention)}
            )
        table = pd.DataFrame(rows)
        _vfm(table, bench)
        npv = table[table["kind"] == "initiative"].set_index("id")["npv"]
        own = model.options.get("preferred", ()) if self.own_preferred else None
        preferred = set(own if own is not None else _closed([i for i in npv.index if npv[i] > 0], self.dependencies))
        table["preferred"] = [k == "initiative" and i in preferred for k, i in zip(table["kind"], table["id"])]
        return table

    def chart(self, name: str, output: str | None = None):
        """``"tornado"`` or ``"npv_distribution"`` for one output (default: the preferred option), or ``"channel_mix"``."""
        check_one_of(name, "name", "BusinessCase.chart", ("tornado", "npv_distribution", "channel_mix"))
        if name == "channel_mix":
            return self.mix if self.mix is None or isinstance(self.mix, Note) else plot_mix(self.mix)
        if self.model is None:
            return Note(self.skipped.get("appraisal", "The business case was not computed."))
        output = output or "preferred"
        if name == "tornado":
            return plot_tornado(self.tables["sensitivity"], output)
        return plot_npv_distribution(self.monte_carlo, output)


def run(engagement: Engagement, run_dir: str | Path, *, draws: int | None = None, seed: int | None = None) -> BusinessCase:
    """Appraise the engagement's initiatives and options from the artifacts of workbooks 02 and 03 in ``run_dir``.

    Raises
    ------
    InputError
        When the initiatives or levers have problems (all of them, with file, column and rows).
    """
    result = BusinessCase(run_dir)
    settings = engagement.settings.business_case
    bench = load_benchmarks(engagement.resolve(settings.benchmarks) if settings.benchmarks else None)
    result.benchmarks = bench
    prices = price_base(engagement)
    result.price_base = prices
    volumes = read_table(run_dir, VOICE_OF_CUSTOMER, "volumes", optional=True)
    if volumes is None and engagement.inputs.contact_log is None:
        _not_appraised(
            result,
            "The business case starts from the contact volumes that workbook 02 counts in the contact log, and the "
            "engagement names none (inputs.contact_log): add the log to appraise the initiatives.",
        )
        return result
    segmentation = {name: read_table(run_dir, SEGMENTATION, name, optional=True) for name in _SEGMENTATION_TABLES}
    baseline = load_baseline(
        engagement,
        volumes,
        segment_channels=segmentation["segment_channels"],
        segments=segmentation["segments"],
        source=str(artifact_path(run_dir, VOICE_OF_CUSTOMER, "volumes")),
    )
    result.notes += baseline.notes
    result.tables["baseline"] = _baseline_table(baseline, engagement, prices)
    if engagement.inputs.initiatives is None:
        _not_appraised(result, missing_input("initiatives", "and their levers (inputs.levers) to appraise them"))
        return result
    initiatives = read_input(engagement, "initiatives")
    levers = read_input(engagement, "levers") if engagement.inputs.levers is not None else None
    if levers is None:
        result.notes.append("The engagement names no levers (inputs.levers): initiatives have costs but no modelled benefits.")
    problems = [p for p in check_case_inputs(engagement, initiatives, levers, bench, baseline) if p.severity == "error"]
    if problems:
        raise InputError(problems, title="The business case inputs have problems")
    assumptions = assumptions_table(engagement, initiatives, levers, baseline, bench, prices)
    schedule = settings.discount_rate if settings.discount_rate is not None else bench.discount_schedules[settings.discount]
    factors = discount_factors(schedule, settings.horizon_years)
    costs = _costs(engagement, initiatives, bench, prices)
    lever_list = _levers(levers, baseline) if levers is not None else []
    model = CaseModel(baseline.channels, costs, lever_list, {}, factors)
    base = frame_values(assumptions)
    convention = settings.bcr_convention
    first = _appraisal(model, base, [(c.id,) for c in costs], [c.id for c in costs], convention)
    options = _options(engagement, initiatives, first)
    model = CaseModel(baseline.channels, costs, lever_list, {k: v for k, v in options.items() if k != "do_nothing"}, factors)
    result.model = model
    result.convention, result.dependencies = convention, _dependencies(initiatives)
    result.own_preferred = "preferred" in settings.options
    years = base_year(engagement) + np.arange(settings.horizon_years)
    result.tables["assumptions"] = assumptions
    result.tables["cashflows"] = _cashflows(model, base, years).assign(price_base=prices.label)
    mc = monte_carlo(
        assumptions,
        model,
        model.outputs,
        draws=draws or settings.draws,
        seed=engagement.seed if seed is None else seed,
        distribution=settings.distribution,
    )
    result.monte_carlo = mc
    summary = mc.summary.set_index("output")[["p10", "p50", "p90", "prob_negative"]].join(_cash_spread(model, mc))
    names = dict(zip(initiatives["initiative_id"], initiatives["name"]))
    appraisal = first.join(summary, on="output").rename(columns={"output": "initiative"})
    appraisal.insert(1, "name", appraisal["initiative"].map(names))
    result.tables["appraisal"] = appraisal.assign(price_base=prices.label)
    result.tables["options"] = _options_table(model, base, options, initiatives, summary, convention).assign(
        price_base=prices.label
    )
    result.tables["option_flows"] = _option_flows(model, base, options, years).assign(price_base=prices.label)
    result.tables["cash_drivers"] = _cash_drivers(
        model, base, {**{c.id: (c.id,) for c in costs}, **{k: v for k, v in options.items() if v}}, years
    )
    result.tables["vfm_bands"] = pd.DataFrame(
        {
            "category": [b.category for b in bench.value_for_money.bands],
            "below": [b.below for b in bench.value_for_money.bands],
            "source": bench.value_for_money.source,
        }
    )
    if options["preferred"]:
        result.tables["affordability"] = _affordability(model, base, options["preferred"], years).assign(price_base=prices.label)
    else:
        result.skipped["affordability"] = "No initiative is in the preferred package, so it has no cash to afford."
    sens = tornado(assumptions, model, model.outputs)
    switch = switching_values(assumptions, model, model.outputs)
    result.tables["sensitivity"] = sens.merge(
        switch[["output", "assumption", "switching_value", "change_pct", "within_range", "note"]],
        on=["output", "assumption"],
        how="left",
    ).assign(price_base=prices.label)
    for table in ("appraisal", "options"):
        _vfm(result.tables[table], bench)
    result.notes += [f"Option {r.option}: {r.note}" for r in result.tables["options"].itertuples() if r.note and r.initiatives]
    result.notes.append(_convention_note(convention))
    result.notes += _capped(lever_list, assumptions, baseline)
    result.notes += _duration_notes(costs, assumptions)
    result.notes.append(
        "Savings of the same kind on the same contacts combine within a package (1 - (1 - a)(1 - b), row by row of "
        "the baseline), so an option's savings are not the sum of its initiatives'."
    )
    result.notes += _price_notes(engagement, initiatives, levers, bench, prices)
    result.notes += _to_confirm(assumptions)
    _channel_mix(result, engagement, baseline, assumptions, segmentation)
    return result


# --------------------------------------------------------------------------- building the model


def _costs(
    engagement: Engagement, initiatives: pd.DataFrame, bench: Benchmarks, prices: PriceBase | None = None
) -> list[InitiativeCosts]:
    """Each initiative's costs in the price base (converted from its ``price_year``; none given: already in it)."""
    settings = engagement.settings.business_case
    first = base_year(engagement)
    types = bench.optimism_bias.project_types
    prices = prices or price_base(engagement)
    out = []
    for row, start in zip(initiatives.to_dict("records"), start_years(engagement, initiatives).values()):
        f = prices.factor(row.get("price_year"))
        kind = _text(row.get("project_type")) or settings.default_project_type
        out.append(
            InitiativeCosts(
                id=row["initiative_id"],
                capital=_num(row.get("capital_cost")) * f,
                one_off=_num(row.get("one_off_cost")) * f,
                operating=_num(row.get("annual_operating_cost")) * f,
                start=int(start) - first,
                ramp_up_years=int(_num(row.get("ramp_up_years"), 1.0)),
                ob=f"optimism_bias.{kind}",
                ob_applies_to=types[kind].applies_to,
                ob_duration=f"optimism_bias_duration.{kind}" if types[kind].duration_upper is not None else None,
            )
        )
    return out


def start_years(engagement: Engagement, initiatives: pd.DataFrame) -> dict[str, int]:
    """The year the business case starts each initiative (id -> year): its ``start_year``, else the year of its
    ``earliest_start`` (not before the base year), else the base year. Workbook 05 compares these with the road map."""
    first = base_year(engagement)
    out = {}
    for row in initiatives.to_dict("records"):
        start = row.get("start_year")
        if pd.isna(start) if start is not None else True:
            earliest = row.get("earliest_start")
            start = max(first, earliest.year) if earliest is not None and not pd.isna(earliest) else first
        out[str(row["initiative_id"])] = int(start)
    return out


def _levers(levers: pd.DataFrame, baseline: Baseline) -> list[Lever]:
    out = []
    for name, row in zip(lever_names(levers), levers.to_dict("records")):
        reason, channel = _text(row.get("reason")), _text(row.get("channel"))
        mask = baseline.scope(reason)
        if channel and row["lever"] != "channel_shift":
            mask &= baseline.volumes["channel"] == channel
        column = "failure_contacts" if row["lever"] == "failure_demand" else "contacts"
        quantity = baseline.by_channel(
            mask, column, by_handling_time=row["lever"] in ("failure_demand", "automation", "handling_time")
        )
        in_scope = np.flatnonzero(
            mask.to_numpy() & (baseline.volumes["channel"] == channel).to_numpy()
            if row["lever"] == "channel_shift"
            else mask.to_numpy()
        )
        rows = frozenset(int(i) for i in in_scope)
        by_row = _row_quantity(baseline, in_scope, column, row["lever"] in ("failure_demand", "automation", "handling_time"))
        scope = (reason, channel, _text(row.get("to_channel")), _text(row.get("segment")))
        if row["lever"] != "channel_shift":
            out.append(Lever(row["initiative_id"], row["lever"], name, quantity, scope, rows, row_quantity=by_row))
            continue
        if row["to_channel"] not in baseline.channels:  # a channel nobody uses yet: no cost per contact known
            raise InputError(
                [
                    Problem(
                        str(levers.attrs.get("path", "levers")),
                        f"{name} moves contacts to {row['to_channel']}, "
                        "which has no contacts in the log and so no cost per contact.",
                        f"Add {row['to_channel']}: <cost> under settings.voc.unit_costs, or shift to a channel in use.",
                        column="to_channel",
                    )
                ],
                title="The business case inputs have problems",
            )
        source, target = baseline.channels.index(channel), baseline.channels.index(row["to_channel"])
        weight, cap = _segment_share(baseline, channel, scope[3])
        quantity = quantity * weight
        out.append(
            Lever(row["initiative_id"], "channel_shift", name, quantity, scope, rows, source, target, cap, by_row * weight)
        )
    return out


def _row_quantity(baseline: Baseline, rows: np.ndarray, column: str, by_handling_time: bool) -> np.ndarray:
    """Each baseline row's part of a lever's quantity, by channel: (rows, channels), in the order of ``rows``
    (ascending), so that the model can combine levers row by row."""
    volumes = baseline.volumes.iloc[rows]
    values = (volumes[column] * (volumes["cost_weight"] if by_handling_time else 1.0)).to_numpy(float)
    position = volumes["channel"].map({c: i for i, c in enumerate(baseline.channels)})
    out = np.zeros((len(rows), len(baseline.channels)))
    known = position.notna().to_numpy()  # a row without a known channel saves nothing, as in Baseline.by_channel
    out[np.flatnonzero(known), position[known].astype(int).to_numpy()] = values[known]
    return out


def _to_confirm(assumptions: pd.DataFrame) -> list[str]:
    """A note naming the benchmark figures that are assumptions the room must confirm (none: no note).

    >>> _to_confirm(pd.DataFrame({"description": ["Cost of an email contact", "Cost of a phone contact"],
    ...                           "source": ["Assumption to confirm: no published figure; x", "Socitm (2012)"]}))
    ['1 figure of the business case is an assumption to confirm in the room, not a published figure (the assumptions table says what is assumed): cost of an email contact.']
    """
    flagged = assumptions[assumptions["source"].astype(str).str.startswith("Assumption to confirm")]
    if flagged.empty:
        return []
    n = len(flagged)
    names = ", ".join(d[0].lower() + d[1:] for d in flagged["description"].astype(str))
    return [
        f"{n} figure{'s' * (n > 1)} of the business case {'are assumptions' if n > 1 else 'is an assumption'} to "
        f"confirm in the room, not {'published figures' if n > 1 else 'a published figure'} (the assumptions table says "
        f"what is assumed): {names}."
    ]


def _capped(levers: list[Lever], assumptions: pd.DataFrame, baseline: Baseline) -> list[str]:
    """Channel shifts whose value is above what the segments' migration targets allow (the model counts only the cap)."""
    values = dict(zip(assumptions["name"], assumptions["value"]))
    return [
        f"{lv.name}: {values[lv.name]:.0%} of {baseline.channels[lv.source]} contacts asked to move, but workbook 03's "
        f"migration targets allow {lv.cap:.1%}; only that much is counted. Raise the targets in 03 or lower the lever."
        for lv in levers
        if lv.kind == "channel_shift" and values.get(lv.name, 0) > lv.cap + 1e-9
    ]


def _duration_notes(costs: list[InitiativeCosts], assumptions: pd.DataFrame) -> list[str]:
    """What the optimism bias on durations did: each initiative's delay, and those it could not delay."""
    values = dict(zip(assumptions["name"], assumptions["value"]))
    delayed = [
        f"{c.id} {c.ramp_up_years * values[c.ob_duration]:.2f}"
        for c in costs
        if c.ob_duration and c.ramp_up_years > 0 and values.get(c.ob_duration, 0) > 0
    ]
    notes = []
    if delayed:
        notes.append(
            "Optimism bias on durations (Green Book supplementary guidance, Mott MacDonald 2002): benefits, and the "
            "running costs that come with them, start ramp_up_years x the uplift later, pro rata within a year "
            f"(years of delay: {', '.join(delayed)})."
        )
    instant = [c.id for c in costs if c.ob_duration and c.ramp_up_years <= 0]
    if instant:
        notes.append(
            f"{', '.join(instant)}: ramp_up_years 0 (the full benefit in the start year) leaves no delivery time for "
            "the optimism bias on durations to stretch; give the years to full benefit if delivery takes time."
        )
    return notes


def _segment_share(baseline: Baseline, channel: str, segment: str) -> tuple[float, float]:
    """Share of a channel's contacts a shift applies to and the most of them it can move (the migration headroom)."""
    if baseline.segments is None:
        return 1.0, 1.0
    rows = baseline.segments[baseline.segments["channel"] == channel]
    if segment:
        rows = rows[rows["segment"] == segment]
        return float(rows["weight"].sum()), float(rows["headroom"].max()) if len(rows) else 0.0
    weight = rows["weight"].sum()
    return 1.0, float((rows["weight"] * rows["headroom"]).sum() / weight) if weight else 0.0


def _text(value) -> str:
    return "" if value is None or (not isinstance(value, str) and pd.isna(value)) else str(value)


def _num(value, default: float = 0.0) -> float:
    return default if value is None or pd.isna(value) else float(value)


# --------------------------------------------------------------------------- appraisal


def _appraisal(model: CaseModel, base: dict, packages: list[tuple[str, ...]], labels: list[str], convention: str) -> pd.DataFrame:
    rows = []
    for label, members in zip(labels, packages):
        cost, cash, noncash = (a[0] for a in model.flows(base, members))
        rows.append({"output": label, **_metrics(cost, cash, noncash, model.factors, convention)})
    return pd.DataFrame(rows, columns=["output"] + _METRICS)


def _metrics(cost: np.ndarray, cash: np.ndarray, noncash: np.ndarray, factors: np.ndarray, convention: str) -> dict:
    pv_cost, pv_cash, pv_non = cost @ factors, cash @ factors, noncash @ factors
    net = cash + noncash - cost
    rate, rate_note = irr(net)
    payback, payback_note = discounted_payback(net, factors)
    bcr, bcr_note = benefit_cost_ratio(pv_cost, pv_cash, pv_non, convention)
    if pv_cost <= 0:
        payback_note = payback_note or "no costs"
    return {
        "pv_costs": pv_cost,
        "pv_cash_benefits": pv_cash,
        "pv_noncash_benefits": pv_non,
        "npv": net @ factors,
        "cash_npv": (cash - cost) @ factors,
        "bcr": bcr,
        "bcr_convention": convention,
        "bcr_note": bcr_note,
        "irr": rate,
        "irr_note": rate_note,
        "payback_years": payback,
        "payback_note": payback_note,
        "vfm_category": "",
    }


def _vfm(table: pd.DataFrame, bench: Benchmarks) -> None:
    """Each row's value-for-money category, read from its BCR under the row's convention.

    A package whose cash savings repay its costs has no DfT ratio (no net cost to the public sector); the DfT
    framework places it in the top category when its benefits are positive, and the bottom one otherwise.
    """
    label = table["initiatives"].eq("").map({True: "baseline", False: "no costs"}) if "initiatives" in table else "no costs"
    top, bottom = bench.value_for_money.bands[-1].category, bench.value_for_money.bands[0].category
    saving = table["bcr_note"].eq("net saving to the budget")
    by_ratio = [bench.vfm_category(b) for b in table["bcr"]]
    table["vfm_category"] = np.where(
        table["pv_costs"] > 0, np.where(saving, np.where(table["npv"] > 0, top, bottom), by_ratio), label
    )


def _changed(assumptions: pd.DataFrame, changes: Mapping[str, float] | pd.DataFrame | None) -> dict[str, float]:
    """The changed central values, checked: {name: value}."""
    current = dict(zip(assumptions["name"], assumptions["value"].astype(float)))
    if changes is None:
        return {}
    if isinstance(changes, pd.DataFrame):
        if not {"name", "value"} <= set(changes.columns):
            raise parameter_error(
                "changes", "BusinessCase.what_moved", "a table with columns name and value", list(changes.columns)
            )
        changes = dict(zip(changes["name"], changes["value"]))
    out = {}
    for name, value in changes.items():
        if name not in current:
            raise CxmError(
                f"No assumption is called {name!r}. Fix: use a name from the assumptions table (e.g. {next(iter(current), '')!r})."
            )
        out[name] = check_number(value, f"changes[{name!r}]", "BusinessCase.what_moved")
    return {k: v for k, v in out.items() if v != current[k]}


def _what(row: dict) -> str:
    """What moved for one row, in words ("" when nothing that matters did)."""
    said = []
    if row["vfm_before"] != row["vfm_after"]:
        said.append(f"{row['vfm_before']} to {row['vfm_after']}")
    for column, label in (("npv", "NPV"), ("cash_npv", "cash NPV")):
        was, now = row[f"{column}_before"] >= 0, row[f"{column}_after"] >= 0
        if was != now:
            said.append(f"{label} turns {'positive' if now else 'negative'}")
    if row["preferred_before"] != row["preferred_after"]:
        said.append("joins the preferred package" if row["preferred_after"] else "leaves the preferred package")
    return "; ".join(said)


def _convention_note(convention: str) -> str:
    """What the BCR and its value-for-money category mean under ``convention``, with the source."""
    if convention == "dft":
        return (
            "Benefit-cost ratio, DfT convention (Value for Money Framework; TAG unit A1.1): benefits to customers "
            "(their time) / costs net of the organisation's cash savings; where the savings repay the costs the "
            "ratio is not defined and the value for money is the top category. The NPV does not depend on it."
        )
    return (
        "Benefit-cost ratio, Green Book convention (HM Treasury, 2022): all benefits, cash and non-cash, / costs. "
        "For the DfT convention (cash savings net off the costs) set settings.business_case.bcr_convention: dft."
    )


def _affordability(model: CaseModel, base: dict, members: tuple[str, ...], years: np.ndarray) -> pd.DataFrame:
    """A package's cash by year, undiscounted: ``year, cash_out, cash_back, net, cumulative``.

    ``cash_out`` is its costs (capital, one-off and running, with the optimism-bias uplift), ``cash_back`` its
    cash savings to the organisation's budget; customers' time is not cash and is left out. Real prices, as the
    appraisal: add inflation for a budget in cash terms.
    """
    cost, cash, _ = (a[0] for a in model.flows(base, members))
    net = cash - cost
    return pd.DataFrame({"year": years, "cash_out": cost, "cash_back": cash, "net": net, "cumulative": np.cumsum(net)})


def _options(engagement: Engagement, initiatives: pd.DataFrame, first: pd.DataFrame) -> dict[str, tuple[str, ...]]:
    """``do_nothing``, ``do_minimum``, ``preferred`` and the engagement's own options: {name: initiative ids}.

    Defaults: ``preferred`` is every initiative with a positive NPV whose dependencies are in it too (the
    method pursues only initiatives with a clear net benefit); ``do_minimum`` is the part of it in the
    cheapest third of initiatives by present cost.
    """
    own = engagement.settings.business_case.options
    npv = first.set_index("output")["npv"]
    deps = _dependencies(initiatives)
    preferred = _closed([i for i in npv.index if npv[i] > 0], deps)
    cheap = set(first.loc[first["pv_costs"] <= first["pv_costs"].quantile(1 / 3), "output"])
    minimum = _closed([i for i in preferred if i in cheap], deps)
    options = {"do_nothing": (), "do_minimum": tuple(minimum), "preferred": tuple(preferred)}
    options.update({k: tuple(v) for k, v in own.items()})
    return options


def _dependencies(initiatives: pd.DataFrame) -> dict[str, list[str]]:
    return {r["initiative_id"]: [d for d in _text(r.get("depends_on")).split(";") if d] for r in initiatives.to_dict("records")}


def _closed(ids: list[str], deps: dict[str, list[str]]) -> list[str]:
    """Drop initiatives whose dependencies are not all in the set, until none is left waiting on a missing one."""
    chosen = list(ids)
    while True:
        keep = [i for i in chosen if all(d in chosen for d in deps.get(i, []))]
        if keep == chosen:
            return chosen
        chosen = keep


def _options_table(
    model: CaseModel, base: dict, options: dict, initiatives: pd.DataFrame, summary: pd.DataFrame, convention: str
) -> pd.DataFrame:
    deps = _dependencies(initiatives)
    rows = []
    for name, members in options.items():
        if members:
            cost, cash, noncash = (a[0] for a in model.flows(base, members))
            metrics = _metrics(cost, cash, noncash, model.factors, convention)
            stats = summary.loc[name].to_dict()
        else:
            metrics = {m: 0.0 for m in _METRICS} | {
                "bcr": float("nan"),
                "irr": float("nan"),
                "payback_years": float("nan"),
                "irr_note": "not defined: no change",
                "payback_note": "no change",
                "bcr_convention": convention,
                "bcr_note": "no change",
                "vfm_category": "",
            }
            stats = dict.fromkeys(["p10", "p50", "p90", "prob_negative", *_CASH_RISK], 0.0)
        missing = sorted({f"{i} needs {d}" for i in members for d in deps.get(i, []) if d not in members})
        notes = [f"Missing dependencies: {', '.join(missing)}."] if missing else []
        if found := overlaps(model.levers, members):
            notes.append(f"Savings may overlap (levers on some of the same contacts): {', '.join(found)}.")
        if not members:
            notes.append("The baseline: today's service carries on; NPV 0 by definition.")
        rows.append({"option": name, "initiatives": ";".join(members), **metrics, **stats, "note": " ".join(notes)})
    return pd.DataFrame(rows)


def _cash_spread(model: CaseModel, mc) -> pd.DataFrame:
    """Each output's 10th and 90th percentiles of cash NPV, and the chance it loses cash, over the simulation's own
    draws (so the two spreads come from the same scenarios)."""
    cash = model.cash_npv(mc.values)
    p10, p90 = np.percentile(cash, [10, 90], axis=0)
    return pd.DataFrame(
        {"cash_p10": p10, "cash_p90": p90, "prob_cash_negative": (cash < 0).mean(axis=0)},
        index=pd.Index(model.outputs, name="output"),
    )


def _option_flows(model: CaseModel, base: dict, options: dict, years: np.ndarray) -> pd.DataFrame:
    """Each option's yearly costs, cash and non-cash benefits as a package (overlapping savings combined, so the cash
    is not the sum of its initiatives'): ``option, year, cost, cash_benefit, noncash_benefit``; the Excel business
    case recomputes the options' figures from these. ``do_nothing`` (no initiatives) has no rows."""
    parts = []
    for name, members in options.items():
        if members:
            cost, cash, noncash = (a[0] for a in model.flows(base, members))
            parts.append(
                pd.DataFrame({"option": name, "year": years, "cost": cost, "cash_benefit": cash, "noncash_benefit": noncash})
            )
    columns = ["option", "year", "cost", "cash_benefit", "noncash_benefit"]
    return pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(columns=columns)


def _cash_drivers(model: CaseModel, base: dict, packages: dict[str, tuple[str, ...]], years: np.ndarray) -> pd.DataFrame:
    """Each output's cash savings by year split by cost per contact: ``output, year, driver, quantity``.

    For a driver ``unit_cost.<channel>`` (and ``unit_cost.automated``) the quantity is the saving per unit of that
    cost: the contacts' worth saved on the channel (negative where a channel shift adds contacts); the driver
    ``other`` holds the rest (the levers' money savings), so that ``sum(quantity x cost) + other`` is the cash
    saving. The model is linear in the costs per contact but for automation, whose saving per contact
    (``cost - automated cost``) stops at zero: the quantities are the change for a small rise of each cost
    (0.001), exact while no such saving crosses zero. The Excel business case makes the costs per contact live
    with these. Drivers with no quantity in any year are left out."""
    drivers = [f"unit_cost.{c}" for c in model.channels]
    if "unit_cost.automated" in base and any(lv.kind == "automation" for lv in model.levers):
        drivers.append("unit_cost.automated")
    step, parts = 1e-3, []
    for name, members in packages.items():
        cash = model.flows(base, members)[1][0]
        rest = cash.copy()
        for driver in drivers:
            bumped = {**base, driver: np.asarray(base[driver], dtype=float) + step}
            quantity = (model.flows(bumped, members)[1][0] - cash) / step
            quantity[np.abs(quantity) < 1e-6] = 0.0
            rest -= quantity * float(np.asarray(base[driver]).ravel()[0])
            if np.any(quantity):
                parts.append(pd.DataFrame({"output": name, "year": years, "driver": driver, "quantity": quantity}))
        if np.any(np.abs(rest) > 1e-6):
            parts.append(pd.DataFrame({"output": name, "year": years, "driver": "other", "quantity": rest}))
    columns = ["output", "year", "driver", "quantity"]
    return pd.concat(parts, ignore_index=True)[columns] if parts else pd.DataFrame(columns=columns)


def _cashflows(model: CaseModel, base: dict, years: np.ndarray) -> pd.DataFrame:
    parts = []
    for iid in model.costs:
        cost, cash, noncash = (a[0] for a in model.flows(base, (iid,)))
        parts.append(
            pd.DataFrame(
                {
                    "initiative": iid,
                    "year": years,
                    "cost": cost,
                    "cash_benefit": cash,
                    "noncash_benefit": noncash,
                    "discount_factor": model.factors,
                    "net": cash + noncash - cost,
                }
            )
        )
    table = pd.concat(parts, ignore_index=True)
    table["present_value"] = table["net"] * table["discount_factor"]
    return table


def _baseline_table(baseline: Baseline, engagement: Engagement, prices: PriceBase | None = None) -> pd.DataFrame:
    v = baseline.volumes
    table = v.groupby("channel", as_index=False)[["contacts", "failure_contacts"]].sum()
    table["failure_share"] = table["failure_contacts"] / table["contacts"]
    # costed as workbook 02 costs it (its failure_cost_a_year, in the same price base), so the two workbooks
    # state one figure
    prices = prices or price_base(engagement)
    table["failure_cost"] = table["channel"].map(failure_costs(v, unit_costs(engagement, prices)))
    table["price_base"] = prices.label
    return table.sort_values("contacts", ascending=False, ignore_index=True)


def _price_notes(
    engagement: Engagement, initiatives: pd.DataFrame, levers: pd.DataFrame | None, bench: Benchmarks, prices: PriceBase
) -> list[str]:
    """What was converted to the price base, from which years, with which series (and what was assumed)."""
    converted: dict[str, int | None] = {
        ("the engagement's costs per contact" if engagement.settings.voc.unit_costs else "the benchmark costs per contact"): (
            cost_price_year(engagement, bench)
        )
    }
    if not engagement.settings.voc.unit_costs:
        for channel, cost in bench.channel_costs.costs.items():
            if cost_year(bench, cost) != bench.channel_costs.price_year:
                converted[f"the benchmark cost of a {channel.replace('_', ' ')} contact"] = cost_year(bench, cost)
    if levers is not None and "automation" in set(levers["lever"]):
        converted["the cost of an automated contact"] = cost_year(bench, bench.channel_costs.automated)
    if levers is not None and "customer_time" in set(levers["lever"]):
        converted["the value of customers' time"] = bench.value_of_time.price_year
    for label, table, mask in (
        ("initiative costs", initiatives, None),
        ("other savings", levers, None if levers is None else levers["lever"].eq("other_saving")),
    ):
        if table is None or "price_year" not in table:
            continue
        years = pd.to_numeric(table["price_year"] if mask is None else table.loc[mask, "price_year"], errors="coerce")
        for year in sorted(years.dropna().unique()):
            converted[f"{label} in {int(year)} prices"] = int(year)
    notes = prices.notes(converted)
    ini = initiatives["price_year"] if "price_year" in initiatives else pd.Series(np.nan, index=initiatives.index)
    if ini.isna().any():
        notes.append(
            f"{int(ini.isna().sum())} of {len(ini)} initiatives state no price year for their costs (price_year in "
            f"initiatives.csv): they are taken to be in {prices.year} prices."
        )
    return notes


# --------------------------------------------------------------------------- channel mix


def _not_appraised(result: BusinessCase, why: str) -> None:
    """Every table not yet computed, and the channel mix, say ``why`` instead (the workbook shows notes, not errors)."""
    for item in artifacts_of(BUSINESS_CASE):
        if item.name not in result.tables:
            result.skipped[item.name] = why
    result.mix = Note(why)


def _channel_mix(
    result: BusinessCase,
    engagement: Engagement,
    baseline: Baseline,
    assumptions: pd.DataFrame,
    segmentation: dict[str, pd.DataFrame | None],
) -> None:
    from cxmethods.methods.channel_mix import optimise_mix, segment_volumes

    mix, sizes, service = (segmentation[name] for name in _SEGMENTATION_TABLES)
    if baseline.segments is None or service is None:
        result.mix = Note("Channel-mix optimisation needs the segmentation (workbook 03) with its self-service capacity.")
        result.skipped["channel_mix"] = result.skipped["channel_mix_summary"] = str(result.mix)
        return
    settings = engagement.settings.business_case
    capacity = service.set_index("segment")["capacity"]
    known = baseline.volumes[baseline.volumes["channel"].isin(CHANNELS)]
    volumes = segment_volumes(
        known.groupby("channel")["contacts"].sum(), mix, sizes.set_index(sizes["name"].astype(str))["share"]
    )
    costs = {
        n.removeprefix("unit_cost."): v for n, v in zip(assumptions["name"], assumptions["value"]) if n.startswith("unit_cost.")
    }
    result.mix = optimise_mix(
        volumes,
        costs,
        capacity.to_dict(),
        min_assisted=settings.min_assisted_share or None,
        channel_capacity=settings.channel_capacity or None,
        benchmarks=engagement.resolve(settings.benchmarks) if settings.benchmarks else None,
    )
    label = result.price_base.label if result.price_base is not None else price_base(engagement).label
    result.tables["channel_mix"] = result.mix.mix.assign(price_base=label)
    # The artifact keeps the 6 decimals it has always had; the library's summary is not rounded (a cost below 1
    # would lose its 7th significant figure). + 0.0 turns a rounded -0.0 into 0.0.
    summary = result.mix.summary
    result.tables["channel_mix_summary"] = summary.assign(**summary.select_dtypes("number").round(6) + 0.0, price_base=label)
    result.notes.append(result.mix.benchmark_note)
