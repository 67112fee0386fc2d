"""The executive summary: decisions derived from the run's artifacts, figures pinned against the artifacts read here
independently, and engagements without a business case or road map given notes, never zeros."""

from __future__ import annotations

import shutil

import numpy as np
import pandas as pd
import pytest

from cxmethods.outputs.headlines import headlines
from cxmethods.outputs.summary import NOT_ESTIMATED, Decision, decision_lines, executive_summary, render_text

ART = "artifacts"


@pytest.fixture(scope="module")
def run(sample_run):
    return sample_run.out


@pytest.fixture(scope="module")
def summary(run):
    return executive_summary(run, currency="GBP")


def _csv(run, step, name):
    return pd.read_csv(run / ART / step / f"{name}.csv")


def _gbp(value: float) -> str:
    """Money written independently of the presentation layer: whole pounds with separators."""
    text = f"{abs(value):,.0f}"
    return f"-£{text}" if value < 0 and text != "0" else f"£{text}"


def _names(run) -> dict[str, str]:
    appraisal = _csv(run, "04_business_case", "appraisal")
    return dict(zip(appraisal["initiative"], appraisal["name"], strict=True))


def test_three_to_five_decisions_in_the_order_asked(summary):
    assert 3 <= len(summary.decisions) <= 5
    assert all(isinstance(d, Decision) for d in summary.decisions)
    sources = [d.source for d in summary.decisions]
    assert sources[0].startswith("Business case")
    assert summary.notes == []  # the sample has every input: no decision is missing


def test_the_preferred_package_with_its_figures(run, summary):
    options = _csv(run, "04_business_case", "options").set_index("option")
    p = options.loc["preferred"]
    names = _names(run)
    package = summary.decisions[0]
    for i in p["initiatives"].split(";"):
        assert names[i].lower() in package.title.lower()
    assert package.title.startswith("Fund ") and package.title.endswith("as one package")
    assert package.cost.startswith(_gbp(p["pv_costs"]))
    cash = _csv(run, "04_business_case", "affordability")
    assert f"{_gbp(cash['cash_out'].iloc[0])} in {cash['year'].iloc[0]}" in package.cost
    assert package.cash_value.startswith(_gbp(p["cash_npv"]))
    # the cash NPV is the cash benefits less the costs: the artifact agrees with itself
    assert p["pv_cash_benefits"] - p["pv_costs"] == pytest.approx(p["cash_npv"], abs=0.5)
    positive_from = int(cash.loc[cash["cumulative"].ge(0) & cash["cumulative"][::-1].cummin()[::-1].ge(0), "year"].min())
    assert f"positive from {positive_from}" in package.cash_value
    assert package.noncash_value.startswith(_gbp(p["pv_noncash_benefits"]))
    assert _gbp(p["npv"]) in package.evidence and f"{p['bcr']:.1f}" in package.evidence
    chance = p["prob_cash_negative"]
    assert f"chance of a cash loss to the budget {round(chance * 100):.0f}%" in package.risk
    assert "under 1%" in package.risk if 0 < p["prob_negative"] < 0.005 else True
    schedule = _csv(run, "05_roadmap", "schedule")
    rows = schedule[schedule["id"].isin(p["initiatives"].split(";"))].dropna(subset=["start"])
    start = pd.Timestamp(rows["start"].min())
    assert f"Starts {start.strftime('%b')} {start.year}" in package.timing


def test_the_enablers_decision_names_both_sides(run, summary):
    decisions = _csv(run, "05_roadmap", "decisions")
    assert len(decisions)  # the sample has initiatives waiting on loss-making ones
    names = _names(run)
    d = next(x for x in summary.decisions if x.source == "Road map: decisions")
    for row in decisions.itertuples():
        assert names[row.depends_on].lower() in d.title.lower() and names[row.initiative].lower() in d.title.lower()
        assert _gbp(row.their_npv) in d.evidence and _gbp(row.together_npv) in d.evidence
    appraisal = _csv(run, "04_business_case", "appraisal").set_index("initiative")
    ids = list(dict.fromkeys([*decisions["initiative"], *decisions["depends_on"]]))
    assert d.cost.startswith(_gbp(appraisal.loc[ids, "pv_costs"].sum()))
    assert d.cash_value.startswith(_gbp(appraisal.loc[ids, "cash_npv"].sum()))


def test_the_pilot_decision_says_whether_the_design_can_detect_the_effect(run, summary):
    plan = _csv(run, "05_roadmap", "pilot_plan")
    d = next(x for x in summary.decisions if x.source == "Road map: pilot plan")
    blind = plan.dropna(subset=["areas_per_arm_needed"])
    if len(blind):
        assert d.title.startswith("Re-plan the pilot") and "cannot show" in d.title
        assert f"about {int(blind['areas_per_arm_needed'].iloc[0]):,} areas in each arm" in d.evidence
    else:
        assert d.title.startswith("Pilot ")
    assert f"{plan['weeks'].min()} to {plan['weeks'].max()} weeks" in d.timing
    assert d.cost is None and ("Cost", NOT_ESTIMATED) in decision_lines(d)  # not costed: said, never a zero


def test_the_standards_decision_counts_the_looser_targets(run, summary):
    kpis = _csv(run, "05_roadmap", "kpis")
    looser = kpis[kpis["looser_than_today"].astype(str) == "True"]
    d = next(x for x in summary.decisions if x.source == "Road map: service standards")
    assert f"Tighten {len(looser)} service standards" in d.title
    for r in looser.itertuples():
        assert r.standard.rstrip(".") in d.evidence
    assert f"{int(kpis['current'].isna().sum())} of the {len(kpis)} standards cannot be measured yet" in d.evidence


def test_the_capability_decision_is_the_component_with_the_largest_priority(run, summary):
    components = _csv(run, "01_self_assessment", "components")
    top = components.loc[components["priority"].idxmax()]
    assert (
        len(summary.decisions) == 5
        and summary.decisions[-1].title == f"Make '{top['component_name']}' the first capability to build"
    )
    assert f"level {top['current']:g} now against {top['target']:g} wanted" in summary.decisions[-1].evidence


def test_findings_reuse_the_headlines(run, summary):
    found = headlines(run)
    expected = found["01_self_assessment"][:1] + found["02_voice_of_customer"][:3] + found["03_segmentation"][:2]
    assert [f.text for f in summary.findings] == expected[:6]


def test_plain_text_rendering(summary):
    text = render_text(summary)
    assert text.startswith("Decisions\n1. ") and "\nKey findings\n- " in text
    assert all(f"{i}. " in text for i in range(1, len(summary.decisions) + 1))
    for bad in ("nan", "None", "True", "False", "_npv", "I02", "0.0"):
        assert bad not in text.replace("0.0%", "")


def test_a_limit_moves_the_rest_to_the_notes(run):
    short = executive_summary(run, limit=3)
    assert len(short.decisions) == 3 and short.notes[-1].startswith("2 more decisions for later: ")


def _copy(run, tmp_path, *steps):
    for step in steps:
        shutil.copytree(run / ART / step, tmp_path / ART / step)
    return tmp_path


def test_without_a_business_case_or_road_map_notes_not_zeros(run, tmp_path):
    folder = _copy(run, tmp_path, "01_self_assessment", "02_voice_of_customer", "03_segmentation")
    s = executive_summary(folder)
    assert [d.source for d in s.decisions] == ["Self-assessment: components and gaps"]
    assert any(n.startswith("No funding decision yet") for n in s.notes)
    assert any(n.startswith("No pilot decision yet") for n in s.notes)
    assert any(n.startswith("No service-standards decision yet") for n in s.notes)
    assert s.decisions[0].timing == "Not on a road map yet (the road map has not been made)"
    text = render_text(s)
    assert "£0" not in text and " 0%" not in text and "nan" not in text


def test_an_unscored_self_assessment_gives_a_note(run, tmp_path):
    folder = _copy(run, tmp_path, "01_self_assessment")
    path = folder / ART / "01_self_assessment" / "components.csv"
    table = pd.read_csv(path)
    table[["current", "target", "gap", "priority"]] = np.nan
    table.to_csv(path, index=False)
    s = executive_summary(folder)
    assert s.decisions == [] and any(n.startswith("No capability decision yet") for n in s.notes)
