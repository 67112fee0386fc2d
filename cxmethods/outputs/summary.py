"""The executive summary: the decisions the organisation is asked to take, then the key findings.

The report and the deck open with it. It reads only the run folder's artifacts, so it can be made again without
re-running a workbook, and it says nothing the artifacts do not support: each decision is derived from one
analysis, and a decision whose analysis is missing is left out with a plain note of the input that would add it
(never a zero or an empty row).

Decisions, in the order they are asked (each only when its artifacts support it):

1. **Fund the preferred package** (business case, ``options``): the package of initiatives the appraisal
   prefers, with its costs (present value, and the cash paid out in its first years from ``affordability``), its
   net value to the organisation's budget (cash NPV) and to customers (the value of their time, non-cash),
   when it runs (the road map's ``schedule``), the evidence (NPV, benefit-cost ratio, value for money) and the
   risk (the simulation's chance of a loss and of a cash loss).
2. **Fund a loss-making enabler, or plan without it** (road map, ``decisions``): initiatives that wait because
   what they depend on loses money; the board either funds the enabler or drops the dependency.
3. **Re-plan or run the pilot** (road map, ``pilot_plan``): when one area against one cannot show the effect
   (``areas_per_arm_needed``), the decision is how to pilot; otherwise, to run the pilot as designed.
4. **Tighten the service standards** (road map, ``kpis``): targets looser than today's performance.
5. **The first capability to build** (self-assessment, ``components`` and ``gaps``): the component with the
   largest priority gap.

Every number and name goes through :mod:`cxmethods.outputs.present` (money in the engagement's currency, ids
as names).

>>> s = executive_summary("/nonexistent/run")
>>> s.decisions, s.findings
([], [])
>>> s.notes[0]  # doctest: +ELLIPSIS
'No funding decision yet: ...'
"""

from __future__ import annotations

import textwrap
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from cxmethods.core.errors import CxmError
from cxmethods.io.artifacts import BUSINESS_CASE, ROADMAP, SEGMENTATION, SELF_ASSESSMENT, VOICE_OF_CUSTOMER, read_table
from cxmethods.outputs.headlines import WORKBOOKS, headlines
from cxmethods.outputs.present import MISSING, Field, format_value, id_names

__all__ = [
    "NOT_ESTIMATED",
    "Decision",
    "Finding",
    "Summary",
    "chance",
    "decision_lines",
    "executive_summary",
    "render_text",
    "standard_value",
]

#: What a decision's cost or value says when no analysis estimated it (never a zero).
NOT_ESTIMATED = "Not estimated in this engagement"
_MONEY = Field("Amount", "money")
_SHARE = Field("Share", "share")
_MONTH = Field("Month", "month")
#: How many findings the summary keeps, and from which workbooks (the business case and road map feed decisions).
_FINDINGS = 6


@dataclass(frozen=True)
class Decision:
    """One decision the organisation is asked to take, every field client-ready text.

    Attributes
    ----------
    title : str
        The decision in plain words ("Fund first-contact resolution training ... as one package").
    cost : str or None
        What it costs (present value, and cash in the first years where known); None when not estimated.
    cash_value : str or None
        Its value to the organisation's budget (cash); None when not estimated.
    noncash_value : str or None
        Its value to customers that is not cash (their time); None when not estimated.
    timing : str
        When it starts and ends, from the road map's schedule (or what it waits for).
    evidence : str
        One or two sentences with the figures that support it, naming the source analysis.
    risk : str or None
        The chance of a loss or a cash loss, where the simulation gives it.
    source : str
        The analysis it comes from ("Business case: options"), for speaker notes and the report's link.
    """

    title: str
    cost: str | None
    cash_value: str | None
    noncash_value: str | None
    timing: str
    evidence: str
    risk: str | None = None
    source: str = ""


@dataclass(frozen=True)
class Finding:
    """One key finding and the workbook it comes from."""

    text: str
    source: str


@dataclass(frozen=True)
class Summary:
    """The executive summary: decisions (three to five where the artifacts allow), key findings, and notes
    saying which input would add a decision that is missing."""

    decisions: list[Decision] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def executive_summary(run_dir: str | Path, *, currency: str = "GBP", limit: int = 5) -> Summary:
    """The executive summary of a run folder (see the module for what each decision is drawn from).

    Parameters
    ----------
    run_dir : path
        The run folder ``cxm run`` wrote.
    currency : str
        ISO code for money.
    limit : int
        The most decisions to ask (default five); those beyond it are named in the notes.

    Returns
    -------
    Summary
        Decisions in the order asked, key findings, and notes on what is missing.
    """
    run_dir = Path(run_dir)
    names = id_names(run_dir)
    ctx = _Context(run_dir, currency, names)
    decisions: list[Decision] = []
    notes: list[str] = []
    for make in (_package, _enablers, _pilot, _standards, _capability):
        made, note = make(ctx)
        decisions += made
        if note:
            notes.append(note)
    if len(decisions) > limit:
        left = decisions[limit:]
        notes.append(
            f"{len(left)} more decision{'s' if len(left) > 1 else ''} for later: " + "; ".join(d.title for d in left) + "."
        )
        decisions = decisions[:limit]
    return Summary(decisions=decisions, findings=_findings(run_dir, currency), notes=notes)


def decision_lines(decision: Decision) -> list[tuple[str, str]]:
    """``(label, text)`` pairs of a decision in the order a reader wants them; missing estimates say so."""
    lines = [
        ("Cost", decision.cost or NOT_ESTIMATED),
        ("Cash value to the organisation", decision.cash_value or NOT_ESTIMATED),
        ("Value to customers (not cash)", decision.noncash_value or NOT_ESTIMATED),
        ("Timing", decision.timing),
        ("Evidence", decision.evidence),
    ]
    if decision.risk:
        lines.append(("Risk", decision.risk))
    return lines


def render_text(summary: Summary, *, width: int = 100) -> str:
    """The summary as plain text: numbered decisions with their details, then the findings, then the notes."""
    out = ["Decisions"]
    if not summary.decisions:
        out.append("  None yet: see the notes below.")
    for i, decision in enumerate(summary.decisions, 1):
        out.append(f"{i}. {decision.title}")
        for label, text in decision_lines(decision):
            out += textwrap.wrap(f"{label}: {text}", width, initial_indent="   ", subsequent_indent="     ")
    out += ["", "Key findings"]
    out += [line for f in summary.findings for line in textwrap.wrap(f.text, width, initial_indent="- ", subsequent_indent="  ")]
    if not summary.findings:
        out.append("  None: no workbook's findings are in the run folder.")
    if summary.notes:
        out += ["", "Notes"]
        out += [line for n in summary.notes for line in textwrap.wrap(n, width, initial_indent="- ", subsequent_indent="  ")]
    return "\n".join(out) + "\n"


# Reading ----------------------------------------------------------------------------------------------------------


@dataclass
class _Context:
    run_dir: Path
    currency: str
    names: Mapping[str, str]

    def table(self, step: str, name: str) -> pd.DataFrame | None:
        """An artifact, or None when it is missing or of another shape (that decision is then left out)."""
        try:
            return read_table(self.run_dir, step, name, optional=True)
        except CxmError:
            return None

    def money(self, value: object) -> str:
        return format_value(value, _MONEY, currency=self.currency)

    def name(self, key: object) -> str:
        return self.names.get(str(key), str(key))


def chance(p: object) -> str:
    """A probability as a client reads it: 'under 1%' rather than a misleading '0%' for a small non-zero one.

    >>> chance(0.0001), chance(0.4113), chance(0.0), chance(1.0)
    ('under 1%', '41%', '0%', '100%')
    """
    if pd.isna(p):
        return MISSING
    p = float(p)  # type: ignore[arg-type]
    if 0 < p < 0.005:
        return "under 1%"
    if 0.995 < p < 1:
        return "over 99%"
    return format_value(p, _SHARE)


def _lower(name: str) -> str:
    """A name inside a sentence: 'First-contact resolution training' -> 'first-contact ...', 'CRM replacement' kept."""
    return name[:1].lower() + name[1:] if name[1:2].islower() else name


def _and(items: list[str]) -> str:
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


def _timing(ctx: _Context, ids: list[str]) -> str:
    """When initiatives start and end on the road map, from its schedule; what waits is said too."""
    schedule = ctx.table(ROADMAP, "schedule")
    if schedule is None or not {"id", "start", "end"} <= set(schedule.columns):
        return "Not on a road map yet (the road map has not been made)"
    rows = schedule[schedule["id"].astype(str).isin(ids)]
    planned = rows.dropna(subset=["start", "end"])
    waiting = [ctx.name(i) for i in rows.loc[rows["start"].isna(), "id"]]
    said = []
    if len(planned):
        start, end = pd.to_datetime(planned["start"]).min(), pd.to_datetime(planned["end"]).max()
        said.append(f"Starts {format_value(start, _MONTH)}, the last part ends {format_value(end, _MONTH)} (road map)")
    if waiting:
        said.append(f"{_and(waiting)} {'are' if len(waiting) > 1 else 'is'} not scheduled yet")
    return "; ".join(said) if said else "Not scheduled yet"


# Decisions --------------------------------------------------------------------------------------------------------


def _package(ctx: _Context) -> tuple[list[Decision], str | None]:
    options = ctx.table(BUSINESS_CASE, "options")
    missing = (
        "No funding decision yet: add candidate initiatives with their costs and benefits to the engagement, and the "
        "business case will appraise them and propose a package."
    )
    if options is None or "preferred" not in set(options["option"].astype(str)):
        return [], missing
    p = options.set_index("option").loc["preferred"]
    if pd.isna(p["initiatives"]) or not str(p["initiatives"]).strip():
        return [], missing
    ids = [i.strip() for i in str(p["initiatives"]).split(";") if i.strip()]
    named = [ctx.name(i) for i in ids]
    title = f"Fund {_and([_lower(n) for n in named])}" + (" as one package" if len(named) > 1 else "")
    cost = f"{ctx.money(p['pv_costs'])} over the appraisal period (present value)"
    cash_line = ""
    cash = ctx.table(BUSINESS_CASE, "affordability")
    if cash is not None and len(cash):
        first = cash.head(2)
        paid = "; ".join(f"{ctx.money(r.cash_out)} in {int(r.year)}" for r in first.itertuples())
        cost += f"; cash paid out {paid}"
        before = cash["cumulative"][::-1].lt(0).cummax()[::-1]
        turn = cash.loc[~before, "year"]
        cash_line = (
            f"; the running cash total is positive from {int(turn.iloc[0])}"
            if len(turn)
            else f"; the running cash total is still {ctx.money(cash['cumulative'].iloc[-1])} in {int(cash['year'].iloc[-1])}"
        )
    cash_value = (
        f"{ctx.money(p['cash_npv'])} net to the budget (savings of {ctx.money(p['pv_cash_benefits'])} against the costs, "
        f"present values){cash_line}"
    )
    noncash = f"{ctx.money(p['pv_noncash_benefits'])} of customers' time saved (present value)"
    ratio = f", benefit-cost ratio {float(p['bcr']):.1f}" if pd.notna(p.get("bcr")) else ""
    vfm = f", {p['vfm_category']} value for money" if pd.notna(p.get("vfm_category")) else ""
    evidence = f"Business case (options): the preferred package's net present value is {ctx.money(p['npv'])}{ratio}{vfm}."
    appraisal = ctx.table(BUSINESS_CASE, "appraisal")
    if appraisal is not None and len(appraisal):
        inside = appraisal[appraisal["initiative"].astype(str).isin(ids)].sort_values("npv", ascending=False)
        if len(inside) > 1:
            best = inside.iloc[0]
            evidence += f" Its strongest part is {ctx.name(best['initiative'])} (NPV {ctx.money(best['npv'])})."
    risk = f"Chance of a loss {chance(p['prob_negative'])}"
    if "prob_cash_negative" in p and pd.notna(p["prob_cash_negative"]):
        risk += (
            f"; chance of a cash loss to the budget {chance(p['prob_cash_negative'])} (in eight of ten simulations the "
            f"cash NPV lies between {ctx.money(p['cash_p10'])} and {ctx.money(p['cash_p90'])})"
        )
    decision = Decision(
        title=title,
        cost=cost,
        cash_value=cash_value,
        noncash_value=noncash,
        timing=_timing(ctx, ids),
        evidence=evidence,
        risk=risk + ".",
        source="Business case: options and affordability",
    )
    return [decision], None


def _enablers(ctx: _Context) -> tuple[list[Decision], str | None]:
    """Initiatives waiting on a loss-making one: one decision, naming each enabler and what waits for it."""
    decisions = ctx.table(ROADMAP, "decisions")
    if decisions is None:
        return [], None  # no road map, or one from before it listed its decisions: the other notes say what to add
    if decisions.empty:
        return [], None
    appraisal = ctx.table(BUSINESS_CASE, "appraisal")
    values = appraisal.set_index(appraisal["initiative"].astype(str)) if appraisal is not None else None
    enablers: list[str] = []
    waiting: list[str] = []
    pairs = []
    ids: list[str] = []
    for row in decisions.itertuples():
        deps = [d.strip() for d in str(row.depends_on).split(",") if d.strip()]
        for d in deps:
            if ctx.name(d) not in enablers:
                enablers.append(ctx.name(d))
        waiting.append(ctx.name(row.initiative))
        ids += [str(row.initiative), *deps]
        own = ctx.money(row.own_npv) if pd.notna(row.own_npv) else "not appraised"
        pairs.append(
            f"{ctx.name(row.initiative)} (NPV {own}) depends on {_and([ctx.name(d) for d in deps])} "
            f"(NPV {ctx.money(row.their_npv)}); together {ctx.money(row.together_npv)}"
        )
    ids = list(dict.fromkeys(ids))
    several = len(enablers) > 1
    title = (
        f"Decide whether to fund {_and([_lower(e) for e in enablers])}, which lose{'' if several else 's'} money, or plan "
        f"{_and([_lower(w) for w in waiting])} without {'them' if several else 'it'}"
    )
    cost = cash = noncash = risk = None
    if values is not None and set(ids) <= set(values.index):
        parts = values.loc[ids]
        cost = f"{ctx.money(parts['pv_costs'].sum())} over the appraisal period for all of them (present value)"
        cash = f"{ctx.money(parts['cash_npv'].sum())} net to the budget if all are funded (present value)"
        noncash = f"{ctx.money(parts['pv_noncash_benefits'].sum())} of customers' time saved (present value)"
        chances = [
            f"{ctx.name(d)} {chance(values.loc[d, 'prob_negative'])}"
            for d in dict.fromkeys(d.strip() for r in decisions["depends_on"].astype(str) for d in r.split(",") if d.strip())
            if d in values.index
        ]
        if chances:
            risk = f"Chance of a loss: {', '.join(chances)}."
    evidence = "Road map (decisions): " + "; ".join(pairs) + "."
    return [
        Decision(
            title=title,
            cost=cost,
            cash_value=cash,
            noncash_value=noncash,
            timing=f"{_and(waiting)} wait{'' if len(waiting) > 1 else 's'} on the road map until this is decided",
            evidence=evidence,
            risk=risk,
            source="Road map: decisions",
        )
    ], None


def _pilot(ctx: _Context) -> tuple[list[Decision], str | None]:
    plan = ctx.table(ROADMAP, "pilot_plan")
    if plan is None or plan.empty:
        return [], (
            "No pilot decision yet: the road map plans a pilot for each appraised initiative that starts now and "
            "changes a measure the contact log records."
        )
    titles = [ctx.name(i) if str(i) in ctx.names else str(t) for i, t in zip(plan["initiative"], plan["title"], strict=True)]
    weeks = plan["weeks"].dropna().astype(int)
    span = f"{weeks.min():,} weeks" if len(weeks) and weeks.min() == weeks.max() else f"{weeks.min():,} to {weeks.max():,} weeks"
    needed = plan["areas_per_arm_needed"] if "areas_per_arm_needed" in plan else pd.Series(dtype=float)
    blind = plan[needed.notna()] if len(needed) else plan.iloc[:0]
    first = plan.iloc[0]
    change = abs(float(first["effect"])) * 100 if pd.notna(first.get("effect")) else None
    if len(blind):
        b = blind.iloc[0]
        sought = abs(float(b["effect"])) * 100
        title = (
            f"Re-plan the pilot{'s' if len(plan) > 1 else ''} of {_and([_lower(t) for t in titles])}: as designed, one "
            f"area against one cannot show whether {'they work' if len(plan) > 1 else 'it works'}"
        )
        evidence = (
            f"Road map (pilot plan): detecting the {sought:.1f}-point change sought for {ctx.name(b['initiative'])} "
            f"needs about {int(b['areas_per_arm_needed']):,} areas in each arm, assigned at random; as designed it "
            f"compares {b['pilot_site']} with {b['comparison_site']}. Pilot a larger change, run it across every area, "
            "or treat it as a test of the process, not of the effect."
        )
    else:
        title = f"Pilot {_and([_lower(t) for t in titles])} before rolling out"
        what = f" a {change:.1f}-point change" if change is not None else " the change sought"
        evidence = (
            f"Road map (pilot plan): {first['pilot_site']} against {first['comparison_site']} with "
            f"{int(first['n_per_cell']):,} contacts in each group before and after can detect{what} in "
            f"{first['measure']!s}."
        )
    return [
        Decision(
            title=title,
            cost=None,
            cash_value=None,
            noncash_value=None,
            timing=f"{span} as designed, from the start of {'each initiative' if len(plan) > 1 else 'the initiative'}",
            evidence=evidence,
            source="Road map: pilot plan",
        )
    ], None


def standard_value(value: float, unit: str) -> str:
    """A service standard's figure in its unit: a share as a percentage (one decimal unless whole), else the number
    and the unit ('0.7 days').

    >>> standard_value(0.039, "share"), standard_value(0.1, "share"), standard_value(0.6997, "days")
    ('3.9%', '10%', '0.7 days')
    """
    if unit == "share":
        whole = abs(value * 100 - round(value * 100)) < 1e-9
        return format_value(value, Field("Value", "share", decimals=0 if whole else 1))
    return f"{format_value(value, Field('Value', 'number'))} {unit}".strip()


def _standards(ctx: _Context) -> tuple[list[Decision], str | None]:
    kpis = ctx.table(ROADMAP, "kpis")
    if kpis is None:
        return [], "No service-standards decision yet: the road map sets the standards once it runs."
    if "looser_than_today" not in kpis:
        return [], None
    looser = kpis[kpis["looser_than_today"].astype(str).str.lower().isin(["true", "1", "yes"])]
    if looser.empty:
        return [], None
    said = []
    for r in looser.itertuples():
        proposed = f", proposed {standard_value(r.proposed_target, str(r.unit))}" if pd.notna(r.proposed_target) else ""
        direction = "at most" if r.direction == "at_most" else "at least"
        said.append(
            f"'{str(r.standard).rstrip('.')}': {standard_value(r.current, str(r.unit))} today against a target of {direction} "
            f"{standard_value(r.target, str(r.unit))}{proposed}"
        )
    n = len(looser)
    unmeasured = int(kpis["current"].isna().sum())
    more = (
        f" {unmeasured} of the {len(kpis)} standards cannot be measured yet: the road map lists the data each needs."
        if unmeasured
        else ""
    )
    frequencies = sorted(set(looser["frequency"].dropna().astype(str)))
    return [
        Decision(
            title=(
                f"Tighten {'the service standard' if n == 1 else f'{n} service standards'} that today's performance already beats"
            ),
            cost=None,
            cash_value=None,
            noncash_value=None,
            timing="Agree with the road map" + (f"; measured {' or '.join(frequencies)}" if frequencies else ""),
            evidence="Road map (service standards): " + "; ".join(said) + "." + more,
            source="Road map: service standards",
        )
    ], None


def _capability(ctx: _Context) -> tuple[list[Decision], str | None]:
    components = ctx.table(SELF_ASSESSMENT, "components")
    note = "No capability decision yet: the self-assessment needs the room's scores of where the organisation is and wants to be."
    if components is None or components.empty or "priority" not in components:
        return [], note
    scored = components.dropna(subset=["current", "target", "priority"])
    if scored.empty:
        return [], note
    top = scored.sort_values("priority", ascending=False, kind="stable").iloc[0]
    gaps = ctx.table(SELF_ASSESSMENT, "gaps")
    dims: list[str] = []
    ids: list[str] = []
    if gaps is not None and {"component", "dimension", "dimension_id", "current", "target", "gap"} <= set(gaps.columns):
        inside = gaps[(gaps["component"] == top["component"])].dropna(subset=["gap"]).head(2)
        dims = [f"{g.dimension} (level {g.current:g} now, {g.target:g} wanted)" for g in inside.itertuples()]
        ids = [f"S:{d}" for d in inside["dimension_id"].astype(str)]
    evidence = (
        f"Self-assessment (components): '{top['component_name']}' has the largest priority gap; its typical "
        f"dimension is at level {float(top['current']):g} now against {float(top['target']):g} wanted."
    )
    if dims:
        evidence += f" Its largest gaps: {'; '.join(dims)}."
    timing = _timing(ctx, ids) if ids else "Not on a road map yet"
    return [
        Decision(
            title=f"Make '{top['component_name']}' the first capability to build",
            cost=None,
            cash_value=None,
            noncash_value=None,
            timing=timing,
            evidence=evidence,
            source="Self-assessment: components and gaps",
        )
    ], None


# Findings ---------------------------------------------------------------------------------------------------------

#: The workbooks whose headlines become key findings, and how many of each (the business case and the road map
#: speak through the decisions).
_FROM = ((SELF_ASSESSMENT, 1), (VOICE_OF_CUSTOMER, 3), (SEGMENTATION, 2))


def _findings(run_dir: Path, currency: str) -> list[Finding]:
    found = headlines(run_dir, currency=currency)
    out = [Finding(text, WORKBOOKS[step]) for step, n in _FROM for text in found.get(step, [])[:n]]
    if not out:  # only a business case or a road map: their headlines are the findings
        out = [Finding(text, WORKBOOKS[step]) for step in (BUSINESS_CASE, ROADMAP) for text in found.get(step, [])[:2]]
    return out[:_FINDINGS]
