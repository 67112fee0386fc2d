"""Workbook 05: the road map and pilot plan in one call.

:func:`run` assembles the backlog (:mod:`cxmethods.methods.backlog`), ranks it and schedules it
(:mod:`cxmethods.methods.prioritisation`), plans a pilot for the best-ranked initiatives that start now
(:mod:`cxmethods.methods.pilot`: sites chosen from the contact log's areas, sample size for the effect the
initiative's own levers promise, duration), and lays out the service standards as a KPI table with
today's values where the evidence has them (:mod:`cxmethods.methodology.service_standards`).
"""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import ClassVar

import numpy as np
import pandas as pd

from cxmethods.core.checks import check_one_of
from cxmethods.core.config import Engagement, RoadmapSettings
from cxmethods.core.errors import CxmError
from cxmethods.io.artifacts import BUSINESS_CASE, ROADMAP, SEGMENTATION, SELF_ASSESSMENT, VOICE_OF_CUSTOMER, read_table
from cxmethods.io.inputs import read_input
from cxmethods.methods.backlog import Evidence, build_backlog
from cxmethods.methods.case_timing import reappraise_at_starts
from cxmethods.methods.pilot import (
    areas_needed,
    choose_sites,
    design_effect,
    evaluate_did,
    minimum_detectable_effect_did,
    pilot_duration,
    sample_size_did,
    simulate_pilot,
)
from cxmethods.methods.prices import price_base
from cxmethods.methods.prioritisation import capacity_use, check_dependencies, prioritise, schedule
from cxmethods.outputs.headlines import money
from cxmethods.plots.pilot import plot_did
from cxmethods.plots.roadmap import plot_priorities, plot_timeline
from cxmethods.workbooks.business_case import start_years
from cxmethods.workbooks.results import Note, Results

__all__ = ["RoadMap", "current_metrics", "evidence", "run"]

_FCR_EFFECT = 0.05  # first-contact resolution: the smallest rise worth a pilot when no lever says more
_PILOT_PASSES = 4  # schedule and pilot plan: passes to let a pilot's weeks settle the schedule
_MAX_WEEKS = 26  # a pilot that needs longer than half a year in one area is better pooled across areas
_SITE_METRICS = ("fcr_rate", "failure_share", "online_share")
_MEASURES = {
    "failure_share": "share of all contacts that are failure demand about {scope}",
    "online_share": "share of contacts about {scope} made online (web or app)",
    "fcr_rate": "share of contacts resolved at the first contact",
}


class RoadMap(Results):
    """Tables by name and the charts of the road map."""

    STEP = ROADMAP
    CHARTS: ClassVar[dict] = {"timeline": ("schedule", plot_timeline)}

    VIEWS: ClassVar[dict] = {
        "backlog": (
            "backlog",
            lambda t: t[["id", "title", "source", "provenance", "value", "effort", "confidence", "scored_by"]],
        ),
        "kpis_to_measure": ("kpis", lambda t: t[t["current"].isna()][["principle", "standard", "data_source"]]),
        "ranked": (
            "priorities",
            lambda t: t[["rank", "id", "title", "source", "value", "effort", "score", "tied_with", "missing"]].round(
                {"score": 2}
            ),
        ),
        "horizons": (
            "schedule",
            lambda t: t[["id", "title", "appraised", "horizon", "start_quarter", "end_quarter", "quarters", "reason"]],
        ),
        "reappraisal": (
            "reappraisal",
            lambda t: t.round({"npv_as_appraised": 0, "npv_as_scheduled": 0, "change": 0}),
        ),
        "pilots": (
            "pilot_plan",
            lambda t: t[
                [
                    "initiative",
                    "measure",
                    "baseline",
                    "target",
                    "n_per_cell",
                    "areas_per_arm_needed",
                    "pilot_site",
                    "comparison_site",
                    "weeks",
                    "success_criterion",
                ]
            ],
        ),
    }

    def __init__(self, run_dir: str | Path | None = None) -> None:
        super().__init__(run_dir)
        self.method = "value_effort"
        self.standards = None
        self.rehearsal = None

    def chart(self, name: str):
        """``"priorities"`` (the 2x2 matrix or ranked scores) or ``"timeline"`` (the Gantt-style road map)."""
        check_one_of(name, "name", "RoadMap.chart", ("priorities", "timeline", "rehearsal"))
        if name == "priorities":
            found = self.table("priorities")
            return found if isinstance(found, Note) else plot_priorities(found, method=self.method)
        if name == "timeline":
            return super().chart(name)
        return self.rehearsal if self.rehearsal is None or isinstance(self.rehearsal, Note) else plot_did(self.rehearsal)


def evidence(run_dir: str | Path) -> Evidence:
    """The earlier workbooks' tables in ``run_dir`` that the backlog draws on (None for a workbook not run)."""
    return Evidence(
        gaps=read_table(run_dir, SELF_ASSESSMENT, "gaps", optional=True),
        findings=read_table(run_dir, SELF_ASSESSMENT, "findings", optional=True),
        volumes=read_table(run_dir, VOICE_OF_CUSTOMER, "volumes", optional=True),
        drivers=read_table(run_dir, VOICE_OF_CUSTOMER, "drivers", optional=True),
        segment_channels=read_table(run_dir, SEGMENTATION, "segment_channels", optional=True),
        appraisal=read_table(run_dir, BUSINESS_CASE, "appraisal", optional=True),
    )


def run(engagement: Engagement, run_dir: str | Path, *, appraisal: pd.DataFrame | None = None) -> RoadMap:
    """Backlog, priorities, schedule, pilot plan and KPIs from the engagement and the earlier workbooks' artifacts.

    ``appraisal`` replaces the business case's appraisal in ``run_dir`` (columns ``initiative``, ``npv``, ``bcr``,
    ``vfm_category``, optionally ``prob_negative``): a workshop room's "what if" on an assumption, before it is run.
    """
    settings = engagement.settings.roadmap
    result = RoadMap(run_dir)
    result.method = settings.method
    found = evidence(run_dir)
    backlog = build_backlog(engagement, found if appraisal is None else dataclasses.replace(found, appraisal=appraisal))
    result.notes += backlog.attrs.pop("notes", [])
    result.tables["backlog"] = backlog
    check_dependencies(backlog)
    ranked = prioritise(backlog, method=settings.method, weights=settings.weights or None)
    result.tables["priorities"] = ranked
    start = pd.Timestamp(settings.start or engagement.period.end + pd.Timedelta(days=1))
    capacity = settings.capacity
    _schedule_with_pilots(result, engagement, run_dir, ranked, start)
    result.tables["schedule"]["owner"] = _owners(engagement, result.tables["schedule"])
    result.tables["capacity"] = capacity_use(
        result.tables["schedule"], start=start, capacity=capacity, quarters=settings.quarters
    )
    _decisions(result, ranked, engagement)
    _reappraise(result, engagement, run_dir)
    _kpis(result, engagement, run_dir)
    return result


def _owners(engagement: Engagement, sched: pd.DataFrame) -> pd.Series:
    """Each scheduled item's owner as ``initiatives.csv`` names it (empty for the workshop's and evidence's items)."""
    owners: dict[str, str] = {}
    if engagement.inputs.initiatives is not None:
        initiatives = read_input(engagement, "initiatives")
        if "owner" in initiatives:
            owners = {
                str(i): str(o)
                for i, o in zip(initiatives["initiative_id"], initiatives["owner"])
                if pd.notna(o) and str(o).strip()
            }
    return sched["id"].astype(str).map(lambda i: owners.get(i, ""))


def _schedule_with_pilots(
    result: RoadMap, engagement: Engagement, run_dir: str | Path, ranked: pd.DataFrame, start: pd.Timestamp
) -> None:
    """Schedule, plan the pilots, and schedule again with each piloted initiative lasting at least its pilot's weeks.

    The pilots are planned for initiatives that start now, and a pilot's weeks can lengthen an initiative and so move
    others: repeat until the pilots' weeks no longer change (at most ``_PILOT_PASSES`` times, then say so).
    """
    settings = engagement.settings.roadmap
    limit = 13 * settings.quarters  # a pilot longer than the plan cannot run its course in it: the plan's length at most
    weeks: dict[str, float] = {}
    for _ in range(_PILOT_PASSES):
        result.tables["schedule"] = schedule(
            ranked.assign(min_weeks=ranked["id"].astype(str).map({i: min(w, limit) for i, w in weeks.items()})),
            start=start,
            capacity=settings.capacity,
            quarters=settings.quarters,
            max_team_months_per_quarter=settings.max_team_months_per_quarter,
            min_confidence=settings.min_confidence,
        )
        for name in ("pilot_plan", "pilot_sites", "rehearsal"):
            result.tables.pop(name, None)
            result.skipped.pop(name, None)
        result.rehearsal = None
        _pilots(result, engagement, run_dir)
        plans = result.tables.get("pilot_plan")
        found = {} if plans is None else {str(i): float(w) for i, w in zip(plans["initiative"], plans["weeks"])}
        if found == weeks:
            too_long = {i: w for i, w in weeks.items() if w > limit}
            if too_long:
                sched = result.tables["schedule"]
                for i, w in too_long.items():  # the reason names the pilot's real length, not the plan's
                    at = sched["id"].astype(str) == i
                    sched.loc[at, "reason"] = sched.loc[at, "reason"].str.replace(
                        f"for its {limit:g}-week pilot", f"for its pilot (it needs {w:,.0f} weeks, longer than the plan)"
                    )
                result.notes.append(
                    "A pilot longer than the plan cannot run its course within it: "
                    + ", ".join(f"{i}'s needs {w:,.0f} weeks" for i, w in too_long.items())
                    + f". The road map gives {'it' if len(too_long) == 1 else 'each'} the whole plan ({settings.quarters} "
                    "quarters); redesign the pilot (more areas, a larger change) or plan without one (the pilot plan's "
                    "notes)."
                )
            return
        weeks = found
    result.notes.append(
        f"The pilots and the schedule did not settle in {_PILOT_PASSES} passes (a pilot's length moves which initiatives "
        "start now): the schedule gives the piloted initiatives the pilot lengths of the pass before the last; check each "
        "lasts at least its pilot's weeks."
    )


def _decisions(result: RoadMap, ranked: pd.DataFrame, engagement: Engagement) -> None:
    """The board's decisions, one row each, short enough to read in a table (the full sentence is in the schedule's
    ``decision`` column), and a note saying how many initiatives wait for one."""
    sched = result.tables["schedule"]
    npv = pd.to_numeric(ranked.set_index(ranked["id"].astype(str))["npv"], errors="coerce")
    rows = []
    for r in sched[sched["decision"].fillna("") != ""].itertuples(index=False):
        losing = [d for d in str(r.dependencies).split("; ") if npv.get(d, np.nan) < 0]
        own, theirs = float(npv.get(str(r.id), np.nan)), float(npv[losing].sum())
        rows.append(
            {
                "initiative": r.id,
                "title": r.title,
                "depends_on": ", ".join(losing),
                "their_npv": round(theirs),
                "own_npv": round(own) if pd.notna(own) else np.nan,
                "together_npv": round(own + theirs) if pd.notna(own) else np.nan,
                "choice": f"fund {', '.join(losing)} as an enabler, or drop the dependency",
            }
        )
    if not rows:
        result.skipped["decisions"] = "No initiative depends on one that loses money: no decision is waiting."
        return
    result.tables["decisions"] = pd.DataFrame(rows).assign(price_base=price_base(engagement).label)
    waiting = [r["initiative"] for r in rows]
    result.notes.append(
        f"{len(waiting)} initiative{'s' * (len(waiting) > 1)} ({', '.join(map(str, waiting))}) wait for a decision, not "
        "for capacity: each depends on one that loses money. Fund the enabler although it loses money, or drop the "
        "dependency (the decisions table, and the schedule's decision column in full)."
    )


def _reappraise(result: RoadMap, engagement: Engagement, run_dir: str | Path) -> None:
    """The business case re-appraised on the schedule's start years, and a note on how the two reconcile."""
    flows = read_table(run_dir, BUSINESS_CASE, "cashflows", optional=True)
    if flows is None or engagement.inputs.initiatives is None:
        result.skipped["reappraisal"] = "The business case (workbook 04) has not run: nothing to re-appraise."
        return
    sched = result.tables["schedule"]
    dated = sched[sched["start"].notna()]
    planned = {str(i): int(pd.Timestamp(s).year) for i, s in zip(dated["id"], dated["start"])}
    table = reappraise_at_starts(flows, start_years(engagement, read_input(engagement, "initiatives")), planned)
    table.insert(1, "title", table["initiative"].map(dict(zip(sched["id"].astype(str), sched["title"]))))
    result.tables["reappraisal"] = table.assign(price_base=price_base(engagement).label)
    scheduled = table[table["scheduled_start_year"].notna()]
    moved = scheduled[scheduled["years_later"] != 0]
    if scheduled.empty:
        return
    rule = (
        "The business case starts each initiative in its start year (else its earliest start's year, else the base "
        "year) and counts whole years, so a start in any quarter of that year is that year"
    )
    if moved.empty:
        text = (
            f"{rule}. The road map starts each of the {len(scheduled)} appraised initiatives it schedules "
            f"({', '.join(scheduled['initiative'])}) in the year the business case starts it, so their appraisal stands "
            "(the reappraisal table)."
        )
    else:
        said = ", ".join(f"{r.initiative} {r.case_start_year} to {r.scheduled_start_year}" for r in moved.itertuples(index=False))
        text = (
            f"{rule}. The road map starts {len(moved)} of the {len(scheduled)} appraised initiatives it schedules in "
            f"another year ({said}). Re-appraised on the road map's years (each initiative's yearly flows from workbook "
            "04 moved by the difference and discounted on the same schedule over the same horizon, so what falls past "
            "the horizon is not counted), their stand-alone NPVs add up to "
            f"{money(scheduled['npv_as_scheduled'].sum(), engagement.currency)} against "
            f"{money(scheduled['npv_as_appraised'].sum(), engagement.currency)} as appraised ({price_base(engagement).label}; "
            "each initiative on its own, before the savings that overlap within a package are combined; the reappraisal "
            "table). The ranking and the holds use the business case's NPVs."
        )
    flipped = scheduled[(scheduled["npv_as_appraised"] >= 0) & (scheduled["npv_as_scheduled"] < 0)]
    if len(flipped):
        text += (
            f" Started when the road map starts {'it' if len(flipped) == 1 else 'them'}, "
            f"{', '.join(flipped['initiative'])} would lose money: bring {'it' if len(flipped) == 1 else 'them'} "
            "forward or reconsider."
        )
    result.notes.append(text)


# --------------------------------------------------------------------------- pilots


def _pilots(result: RoadMap, engagement: Engagement, run_dir: str | Path) -> None:
    settings = engagement.settings.roadmap
    areas = read_table(run_dir, VOICE_OF_CUSTOMER, "areas", optional=True)
    volumes = read_table(run_dir, VOICE_OF_CUSTOMER, "volumes", optional=True)
    if areas is None or volumes is None:
        result.skipped["pilot_plan"] = result.skipped["pilot_sites"] = result.skipped["rehearsal"] = (
            "Pilot sites are chosen from the contact log's areas: run workbook 02 with an area field mapped."
        )
        return
    fcr = _fcr(read_table(run_dir, VOICE_OF_CUSTOMER, "repeat_contact", optional=True))
    levers = (
        read_input(engagement, "levers")
        if engagement.inputs.levers is not None
        else pd.DataFrame(columns=["initiative_id", "lever"])
    )
    sched = result.tables["schedule"]
    chosen = (
        sched[(sched["horizon"] == "now") & sched["id"].isin(levers["initiative_id"])].sort_values("rank").head(settings.pilots)
    )
    if chosen.empty:
        result.skipped["pilot_plan"] = result.skipped["pilot_sites"] = result.skipped["rehearsal"] = (
            "No initiative with modelled levers starts now: nothing to pilot yet."
        )
        return
    metrics = [m for m in _SITE_METRICS if m in areas and areas[m].notna().any()]
    plans, sites, used = [], [], set()
    for item in chosen.itertuples(index=False):
        free = areas[~areas["area"].isin(used)]  # one pilot per area: two in one place would confound each other
        if len(free) < 2:
            break
        lever = levers[levers["initiative_id"] == item.id].iloc[0]
        metric, p0, effect, scope_share = _measure(lever, volumes, fcr)
        measure = _MEASURES[metric].format(
            scope=f"'{lever['reason']}'" if isinstance(lever.get("reason"), str) else "all reasons"
        )
        n = _cell_size(p0, effect, settings.pilot_alpha, settings.pilot_power)
        needed = n / _MAX_WEEKS / scope_share  # weekly contacts an area needs to reach n within half a year
        note = ""
        try:
            picked = choose_sites(free, unit="area", volume="weekly_contacts", metrics=metrics, min_volume=needed)
        except CxmError:
            picked = choose_sites(free, unit="area", volume="weekly_contacts", metrics=metrics, min_volume=0)
            note = (
                f"No single area has {needed:,.0f} contacts a week: pool several similar areas for the pilot, "
                "or accept a longer pilot."
            )
        pilot = picked[picked["role"] == "pilot"].iloc[0]
        comparison = picked[picked["role"] == "comparison"].iloc[0]
        used |= {pilot["unit"], comparison["unit"]}
        reachable = min(pilot["volume"], comparison["volume"]) * scope_share * _MAX_WEEKS
        # what the chosen areas could detect in half a year, for the room to weigh against the promised effect: first
        # with contacts independent, then with one area an arm and the assumed ICC; a fall from p0 is detectable
        # exactly as a rise from 1 - p0 (the variance is symmetric)
        mde, mde_clustered = (
            _did_mde(1 - p0 if effect < 0 else p0, reachable, icc, settings, -1 if effect < 0 else 1)
            for icc in (0.0, settings.pilot_icc)
        )
        typical = float(areas["weekly_contacts"].median()) * scope_share * _MAX_WEEKS
        k = areas_needed(p0, effect, typical, icc=settings.pilot_icc, alpha=settings.pilot_alpha, power=settings.pilot_power)
        clusters = _cluster_note(
            effect, mde_clustered, k, typical, len(areas), settings.pilot_icc, design_effect(reachable, settings.pilot_icc)
        )
        weeks = pilot_duration(n, pilot["volume"] * scope_share, comparison["volume"] * scope_share)
        direction = "fall" if effect < 0 else "rise"
        plans.append(
            {
                "initiative": item.id,
                "title": item.title,
                "lever": lever["lever"],
                "metric": metric,
                "measure": measure,
                "baseline": round(p0, 4),
                "target": round(p0 + effect, 4),
                "effect": round(effect, 4),
                "alpha": settings.pilot_alpha,
                "power": settings.pilot_power,
                "n_per_cell": n,
                f"mde_in_{_MAX_WEEKS}_weeks": round(mde, 4),
                "icc": settings.pilot_icc,
                "design_effect": round(design_effect(reachable, settings.pilot_icc), 2),
                f"mde_in_{_MAX_WEEKS}_weeks_clustered": round(mde_clustered, 4),
                "areas_per_arm_needed": k,
                "pilot_site": pilot["unit"],
                "comparison_site": comparison["unit"],
                "weekly_in_scope": round(pilot["volume"] * scope_share, 1),
                "weeks": weeks.weeks,
                "design": "difference in differences: pilot area against a matched comparison area, the pilot weeks against "
                "as many weeks before it; judged over areas by randomisation inference",
                "success_criterion": f"the {measure} should {direction} from {p0:.1%} to {p0 + effect:.1%}, "
                f"with a randomisation-inference p-value over areas below {settings.pilot_alpha:g}",
                "cluster_note": clusters,
                "note": " ".join(x for x in (weeks.note, note) if x),
            }
        )
        sites.append(picked.assign(initiative=item.id))
    result.tables["pilot_plan"] = pd.DataFrame(plans)
    result.tables["pilot_sites"] = pd.concat(sites, ignore_index=True)
    _rehearse(result, plans[0], engagement.seed)


def _rehearse(result: RoadMap, first: dict, seed: int) -> None:
    """What the first pilot's evaluation will look like: simulated data of the planned size with the promised effect
    planted, evaluated by difference in differences (for training; real pilot data replace it)."""
    data = simulate_pilot(
        n_per_cell=int(first["n_per_cell"]),
        baseline=first["baseline"],
        effect=first["effect"],
        trend=0.0,
        group_gap=0.0,
        seed=seed,
    )
    result.rehearsal = evaluate_did(data, outcome="outcome")
    verdict = result.rehearsal.verdict(first["effect"], label=first["measure"])
    result.tables["rehearsal"] = pd.DataFrame(
        [
            {
                "initiative": first["initiative"],
                "planted_effect": first["effect"],
                "estimate": result.rehearsal.effect,
                "ci_low": result.rehearsal.ci_low,
                "ci_high": result.rehearsal.ci_high,
                "verdict": f"Simulated: {verdict}",
            }
        ]
    )


def _cell_size(p0: float, effect: float, alpha: float, power: float) -> int:
    """Contacts per cell for a difference in differences: four cells (pilot and comparison, before and after, the
    before weeks as many as the pilot's), three at the baseline and one at the target (:func:`sample_size_did`)."""
    return sample_size_did(p0, effect, alpha=alpha, power=power)


def _did_mde(p0: float, n: float, icc: float, settings: RoadmapSettings, sign: int) -> float:
    """The exact four-cell MDE for one area an arm, signed like the effect (missing when nothing is detectable)."""
    try:
        return sign * minimum_detectable_effect_did(p0, n, icc=icc, alpha=settings.pilot_alpha, power=settings.pilot_power)
    except CxmError:
        return np.nan


def _cluster_note(effect: float, mde: float, needed: int, contacts: float, available: int, icc: float, deff: float) -> str:
    """The plain statement: what one area against one area can and cannot show, and the areas the effect needs."""

    def pts(x: float) -> str:
        return f"{abs(x) * 100:.1f} points"

    could = (
        f"the smallest change it could detect in {_MAX_WEEKS} weeks is {pts(mde)}"
        if pd.notna(mde)
        else f"in {_MAX_WEEKS} weeks it could not detect even the largest change the baseline allows"
    )
    text = (
        "One area against one area cannot estimate how much areas vary by themselves, so no evaluation of it can "
        f"show the effect honestly, however many contacts it has. At an intra-cluster correlation of {icc:g} (an "
        f"assumption the engagement can change) the design effect is {deff:.1f}; {could} ("
        f"{pts(effect)} are sought). Detecting {pts(effect)} needs about {needed} areas an arm ({2 * needed} in all) of "
        f"some {contacts:,.0f} contacts each in {_MAX_WEEKS} weeks, assigned to pilot or comparison at random."
    )
    if 2 * needed > available:
        text += (
            f" The contact log has {available} areas: this design cannot detect the effect. Pilot a larger change, "
            "run it longer across every area, or treat the pilot as a test of the process, not of the effect."
        )
    return text


def _measure(lever: pd.Series, volumes: pd.DataFrame, fcr: float) -> tuple[str, float, float, float]:
    """The pilot's main metric for a lever: (metric, baseline proportion, expected change, share of contacts in scope)."""
    reason = lever.get("reason")
    scope = volumes if pd.isna(reason) or not reason else volumes[(volumes["reason"] == reason) | (volumes["service"] == reason)]
    share = scope["contacts"].sum() / volumes["contacts"].sum()
    if lever["lever"] == "failure_demand":  # share of all contacts that are this failure demand (a whole reason can be failure)
        p0 = scope["failure_contacts"].sum() / volumes["contacts"].sum()
        return "failure_share", p0, -float(lever["value"]) * p0, 1.0
    if lever["lever"] == "channel_shift":
        online = scope[scope["channel"].isin(("web_form", "mobile_app"))]["contacts"].sum() / scope["contacts"].sum()
        leaving = scope[scope["channel"] == lever["channel"]]["contacts"].sum() / scope["contacts"].sum()
        return "online_share", online, float(lever["value"]) * leaving, share
    return "fcr_rate", fcr, _FCR_EFFECT, 1.0


def _fcr(table: pd.DataFrame | None) -> float:
    if table is not None:
        value = table.loc[table["reason"] == "(all)", "resolved_first_contact"]
        if len(value) and pd.notna(value.iloc[0]):
            return float(value.iloc[0])
    return 0.7  # not measured: a typical contact-centre level, so the pilot can still be sized


# --------------------------------------------------------------------------- KPIs


def _kpis(result: RoadMap, engagement: Engagement, run_dir: str | Path) -> None:
    from cxmethods.methodology.service_standards import kpi_table, load_service_standards

    own = engagement.settings.roadmap.service_standards
    standards = load_service_standards(engagement.resolve(own) if own else None)
    result.standards = standards
    closing, why = closing_counts(engagement, standards.closing_limits, run_dir)
    kpis = kpi_table(
        standards,
        current_metrics(run_dir),
        closing=closing,
        closing_note=why,
        period=_period_words(engagement),
        stretch=engagement.settings.roadmap.stretch,
    )
    result.tables["kpis"] = kpis
    loose = kpis[kpis["looser_than_today"].fillna(False)]
    if len(loose):
        # a target the service already beats steers nothing: say so where the road map is read
        result.notes.append(
            f"{len(loose)} of {int(kpis['current'].notna().sum())} measured service standards have a target looser than "
            f"today's performance ({', '.join(loose['standard_id'])}): stretching targets are proposed in the KPI table "
            f"(proposed_target, {engagement.settings.roadmap.stretch:.0%} of the way from today's figure to the best "
            "possible; settings.roadmap.stretch)."
        )
    if standards.publishing is not None:
        result.notes.append(
            f"The commitment to publish performance against the service standards: {standards.publishing.sentence}"
        )
    else:
        result.notes.append(
            "The service standards make no commitment to publish performance against them: add publishing: (how often, "
            "where, what) to the standards file, as in templates/service_standards.yaml."
        )


def closing_counts(
    engagement: Engagement, limits: tuple[int, ...], run_dir: str | Path | None
) -> tuple[pd.DataFrame | None, str]:
    """Cases closed within each limit of working days, per reason, for the service-level standards: counted from the
    working days workbook 02 found each case took (its ``closing_days`` table), so the log is not read again.

    Returns the counts (:data:`~cxmethods.methodology.service_standards.CLOSING_COLUMNS`) and ``""``, or None and why
    they cannot be counted, in words for the KPI table's notes. No limits: nothing is read.
    """
    if not limits:
        return None, ""
    if engagement.inputs.contact_log is None:
        return None, "there is no contact log with the dates cases were opened and closed"
    from cxmethods.methodology.service_standards import closing_counts as counted

    took = read_table(run_dir, VOICE_OF_CUSTOMER, "closing_days", optional=True) if run_dir is not None else None
    if took is None:
        return None, (
            "the voice-of-the-customer workbook (02) has not counted how long cases took to close (the log gives no "
            "closing dates, or 02 has not run)"
        )
    return counted(took, limits), ""


def _period_words(engagement: Engagement) -> str:
    """The period the engagement's data covers, e.g. "1 April 2025 to 31 March 2026" ("" when it has none)."""
    period = getattr(engagement, "period", None)
    if period is None:
        return ""
    return " to ".join(f"{d.day} {d:%B %Y}" for d in (period.start, period.end))


def current_metrics(run_dir: str | Path) -> dict[str, float]:
    """Today's values of the service-standard metrics the earlier workbooks measured (missing ones are left out)."""
    found: dict[str, float] = {}

    def overall(name: str, column: str, key: str = "reason") -> float | None:
        table = read_table(run_dir, VOICE_OF_CUSTOMER, name, optional=True)
        if table is None or key not in table or column not in table:
            return None
        value = table.loc[table[key] == "(all)", column]
        return float(value.iloc[0]) if len(value) and pd.notna(value.iloc[0]) else None

    for metric, args in {
        "first_contact_resolution": ("repeat_contact", "resolved_first_contact"),
        "repeat_rate": ("repeat_contact", "repeat_rate"),
        "failure_demand_share": ("failure_demand", "failure_share", "channel"),
    }.items():
        if (value := overall(*args)) is not None:
            found[metric] = value
    if (hours := overall("resolution_times", "median_hours")) is not None:
        found["median_resolution_days"] = hours / 24
    table = read_table(run_dir, VOICE_OF_CUSTOMER, "channel_mix", optional=True)
    if table is not None:
        found["online_share"] = float(
            table[(table["reason"] == "(all)") & table["channel"].isin(("web_form", "mobile_app"))]["share"].sum()
        )
    items = read_table(run_dir, VOICE_OF_CUSTOMER, "survey_items", optional=True)
    if items is not None:
        # satisfaction: the questionnaire's outcome (the standard 'overall_satisfaction' when it declares none)
        outcome = items.loc[items["role"] == "outcome", "item"]
        table = items.set_index("item")
        for metric, item in (("satisfaction", outcome.iloc[0] if len(outcome) else None), ("trust", "trust"), ("ease", "ease")):
            if item in table.index and pd.notna(table.at[item, "top2_share"]):
                found[metric] = float(table.at[item, "top2_share"])
    return {k: float(np.round(v, 4)) for k, v in found.items()}
