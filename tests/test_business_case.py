"""The business case on a small engagement whose answers can be worked out by hand, and its bad inputs."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import numpy as np
import numpy_financial as npf
import pandas as pd
import pytest

from cxmethods import CxmError, InputError, load_engagement
from cxmethods.core.errors import ConfigError
from cxmethods.methodology.benchmarks import load_benchmarks
from cxmethods.methods.case_model import CaseModel, InitiativeCosts, frame_values
from cxmethods.methods.risk import switching_values
from cxmethods.workbooks import business_case
from cxmethods.workbooks.business_case import BusinessCase

PER_YEAR = 1.0  # the period below is a calendar year: its volumes are a year, not 365.25/365 of one
DF = 1.035 ** -np.arange(5)

VOLUMES = """\
channel,reason,service,contacts,failure_contacts,mean_handling_minutes
phone,Chasing repair,Housing,1000,1000,6
phone,Repair request,Housing,2000,100,6
web_form,Repair request,Housing,1000,0,2
face_to_face,Repair request,Housing,500,50,10
"""

INITIATIVES = """\
initiative_id,name,capital_cost,annual_operating_cost,effort_team_months,depends_on,confidence,project_type,start_year,ramp_up_years
I1,Notifications,1000,100,3,,0.8,equipment_development,2026,0
I2,Online repairs,500,0,2,I1,0.7,equipment_development,2026,1
I3,Expensive idea,90000,0,2,,0.7,equipment_development,2026,0
"""

LEVERS = """\
initiative_id,lever,value,low,high,reason,channel,to_channel,source
I1,failure_demand,0.5,0.3,0.6,Chasing repair,,,pilot elsewhere
I2,failure_demand,0.5,0.3,0.6,Chasing repair,,,pilot elsewhere
I2,channel_shift,0.1,0.05,0.2,Repair request,phone,web_form,housing team
I3,customer_time,2,1,3,,,,guess
"""

ENGAGEMENT = """\
name: small
organisation: Small Council
currency: GBP
period: {start: 2025-01-01, end: 2025-12-31}
seed: 7
inputs:
  initiatives: {path: initiatives.csv}
  levers: {path: levers.csv}
workshop:
  assumptions: {path: workshop/assumptions.csv}
settings:
  voc:
    unit_costs: {phone: 3, web_form: 0.5, face_to_face: 10}
  business_case:
    horizon_years: 5
    base_year: 2026
    draws: 500
    options: {both: [I1, I2]}
    assumptions:
      optimism_bias.equipment_development: {value: 0, low: 0, high: 0.5, source: fixed-price contract}
      optimism_bias_duration.equipment_development: {value: 0, low: 0, high: 0.54, source: delivered already elsewhere}
"""


@pytest.fixture
def case(tmp_path: Path):
    files = {
        "engagement.yaml": ENGAGEMENT,
        "initiatives.csv": INITIATIVES,
        "levers.csv": LEVERS,
        "run/artifacts/02_voice_of_customer/volumes.csv": VOLUMES,
    }
    for name, text in files.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(text, encoding="utf-8")
    return tmp_path


def run(folder: Path, **kw):
    return business_case.run(load_engagement(folder / "engagement.yaml"), folder / "run", **kw)


def edit(folder: Path, name: str, old: str, new: str) -> None:
    path = folder / name
    text = path.read_text(encoding="utf-8")
    assert old in text, f"{old!r} not in {name}"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def test_one_initiative_by_hand(case):
    result = run(case)
    row = result.tables["appraisal"].set_index("initiative").loc["I1"]
    saving = 0.5 * 1000 * PER_YEAR * 3  # half the chasing calls, at 3 a call, from year 0 (no ramp-up)
    assert row["pv_cash_benefits"] == pytest.approx(saving * DF.sum())
    assert row["pv_costs"] == pytest.approx(1000 + 100 * DF.sum())
    assert row["npv"] == pytest.approx(saving * DF.sum() - 1000 - 100 * DF.sum())
    assert row["bcr"] == pytest.approx(saving * DF.sum() / (1000 + 100 * DF.sum()))
    assert (row["vfm_category"] == "very high" and row["irr_note"] == "not defined: benefits without any net cost") or row[
        "irr"
    ] > 0
    flows = result.tables["cashflows"].query("initiative == 'I1'")
    assert flows["year"].tolist() == [2026, 2027, 2028, 2029, 2030]
    assert flows["discount_factor"].to_numpy() == pytest.approx(DF)


def test_npv_at_a_flat_rate_discounts_each_years_net_flow(case):
    result = run(case)
    flows = result.tables["cashflows"]
    years = flows["year"] - flows["year"].min()
    by_hand = (flows["net"] / 1.015**years).groupby(flows["initiative"]).sum().round(0)
    found = result.npv_at(0.015)
    assert list(found.columns) == ["name", "npv", "vfm_category", "npv_at_1.5%"]
    assert found["npv_at_1.5%"].to_dict() == pytest.approx(by_hand.to_dict())
    at_zero = result.npv_at(0.0)["npv_at_0.0%"].to_dict()
    assert at_zero == pytest.approx(flows.groupby("initiative")["net"].sum().round(0).to_dict())


def test_ramp_up_channel_shift_and_non_cash_benefit(case):
    table = run(case).tables["cashflows"].set_index(["initiative", "year"])
    shift = 0.1 * 2000 * PER_YEAR * (3 - 0.5)
    chasing = 0.5 * 1000 * PER_YEAR * 3
    assert table.loc[("I2", 2026), "cash_benefit"] == 0  # ramp-up of one year: nothing in the start year
    assert table.loc[("I2", 2027), "cash_benefit"] == pytest.approx(shift + chasing)
    # National Living Wage, 2025 prices, in the 2026 price base: the UK series ends in 2024, so 2025 to 2026 is the
    # stated extension of 2% a year
    assert table.loc[("I3", 2026), "noncash_benefit"] == pytest.approx(2 / 60 * 4500 * PER_YEAR * 12.21 * 1.02)
    assert table.loc[("I3", 2026), "cash_benefit"] == 0


def test_savings_follow_handling_time(case):
    # chasing calls take 3 minutes against the phone's average of 5 (1000 x 3 + 2000 x 6 = 15,000 minutes for 3,000 calls)
    edit(
        case,
        "run/artifacts/02_voice_of_customer/volumes.csv",
        "Chasing repair,Housing,1000,1000,6",
        "Chasing repair,Housing,1000,1000,3",
    )
    row = run(case).tables["appraisal"].set_index("initiative").loc["I1"]
    assert row["pv_cash_benefits"] == pytest.approx(0.5 * 1000 * PER_YEAR * 3 * (3 / 5) * DF.sum())


def test_shares_on_the_same_contacts_combine_rather_than_add(case):
    result = run(case)
    both = result.tables["options"].set_index("option").loc["both"]
    chasing = 1000 * PER_YEAR * 3
    ramp2 = np.array([0, 1, 1, 1, 1])
    share = 1 - (1 - 0.5) * (1 - 0.5 * ramp2)  # 0.5 in year 0, then 0.75, not 1.0
    shift = 0.1 * 2000 * PER_YEAR * 2.5 * ramp2
    assert both["pv_cash_benefits"] == pytest.approx(((chasing * share) + shift) @ DF)
    assert "Savings may overlap" not in both["note"]  # same scope: combined, not flagged


def test_shares_on_nested_scopes_combine_row_by_row(case):
    """I2 removes 20% of all failure demand, I1 half the chasing calls: on chasing 1 - 0.5 x 0.8 = 0.6 (not 0.7)."""
    edit(case, "levers.csv", "I2,failure_demand,0.5,0.3,0.6,Chasing repair", "I2,failure_demand,0.2,0.1,0.3,")
    result = run(case)
    both = result.tables["options"].set_index("option").loc["both"]
    ramp2 = np.array([0, 1, 1, 1, 1])
    chasing = 1000 * PER_YEAR * 3 * (1 - (1 - 0.5) * (1 - 0.2 * ramp2))
    # the other failure contacts: 100 repair calls (6 minutes, the phone's mean) and 50 visits at 10
    rest = 0.2 * ramp2 * PER_YEAR * (100 * 3 + 50 * 10)
    shift = 0.1 * 2000 * PER_YEAR * 2.5 * ramp2
    assert both["pv_cash_benefits"] == pytest.approx((chasing + rest + shift) @ DF)
    assert "Savings may overlap" not in both["note"]


def test_optimism_bias_on_durations_delays_benefits_by_ramp_times_uplift(case):
    """I2 ramps over a year; an uplift of 0.5 starts the ramp half a year late: 2027 gets half its benefit."""
    edit(
        case,
        "engagement.yaml",
        "{value: 0, low: 0, high: 0.54, source: delivered",
        "{value: 0.5, low: 0, high: 0.54, source: delivered",
    )
    result = run(case)
    flows = result.tables["cashflows"].set_index(["initiative", "year"])
    full = 0.1 * 2000 * PER_YEAR * 2.5 + 0.5 * 1000 * PER_YEAR * 3
    assert flows.loc[("I2", 2027), "cash_benefit"] == pytest.approx(full / 2)
    assert flows.loc[("I2", 2028), "cash_benefit"] == pytest.approx(full)
    assert flows.loc[("I1", 2026), "cash_benefit"] > 0  # ramp_up_years 0: nothing to delay
    assert any("years of delay: I2 0.50" in n for n in result.notes)
    assert any(n.startswith("I1, I3: ramp_up_years 0") for n in result.notes)
    assert "optimism_bias_duration.equipment_development" in set(result.tables["sensitivity"]["assumption"])


def test_options_do_nothing_preferred_and_missing_dependencies(case):
    edit(case, "engagement.yaml", "options: {both: [I1, I2]}", "options: {just_two: [I2]}")
    options = run(case).tables["options"].set_index("option")
    assert options.loc["do_nothing", "npv"] == 0 and options.loc["do_nothing", "initiatives"] == ""
    assert options.loc["preferred", "initiatives"] == "I1;I2"  # I3 has a negative NPV
    assert "Missing dependencies: I2 needs I1" in options.loc["just_two", "note"]


def test_preferred_drops_an_initiative_whose_dependency_loses_money(case):
    edit(case, "initiatives.csv", "I2,Online repairs,500,0,2,I1", "I2,Online repairs,500,0,2,I3")
    options = run(case).tables["options"].set_index("option")
    assert "I2" not in options.loc["preferred", "initiatives"].split(";")


def test_switching_value_really_zeroes_npv(case):
    result = run(case)
    table = switching_values(result.tables["assumptions"], result.model, result.model.outputs)
    row = table[(table["output"] == "I1") & (table["assumption"] == "I1.failure_demand")].iloc[0]
    values = frame_values(result.tables["assumptions"])
    values["I1.failure_demand"] = np.array([row["switching_value"]])
    npv = result.model(values)[0, result.model.outputs.index("I1")]
    assert abs(npv) < 1e-6 * 1000
    expected = (1000 + 100 * DF.sum()) / (1000 * PER_YEAR * 3 * DF.sum())  # benefit x annuity = costs
    assert row["switching_value"] == pytest.approx(expected)


def test_monte_carlo_is_seeded_and_brackets_the_base_case(case):
    a, b, c = run(case), run(case), run(case, seed=8)
    pa = a.tables["appraisal"][["p10", "p50", "p90"]]
    pd.testing.assert_frame_equal(pa, b.tables["appraisal"][["p10", "p50", "p90"]])
    assert not pa.equals(c.tables["appraisal"][["p10", "p50", "p90"]])
    row = a.tables["appraisal"].set_index("initiative").loc["I1"]
    assert row["p10"] <= row["p50"] <= row["p90"] and row["prob_negative"] == 0


def test_cash_npv_spread_comes_from_the_same_draws_as_the_npv_spread(case):
    result = run(case)
    mc, model = result.monte_carlo, result.model
    k = model.outputs.index("I1")
    # independently: each draw's cash flows (cash benefits less costs, customers' time left out) through numpy-financial
    cash = []
    for i in range(mc.draws):
        draw = {name: v[i : i + 1] for name, v in mc.values.items()}
        cost, benefit, _ = (a[0] for a in model.flows(draw, ["I1"]))
        cash.append(npf.npv(0.035, benefit - cost))
    row = result.tables["appraisal"].set_index("initiative").loc["I1"]
    assert row["cash_p10"] == pytest.approx(np.percentile(cash, 10))
    assert row["cash_p90"] == pytest.approx(np.percentile(cash, 90))
    assert row["prob_cash_negative"] == pytest.approx(np.mean(np.array(cash) < 0))
    assert row["cash_p10"] < row["cash_p90"]  # the draws do move the cash NPV
    # the whole NPV of the same draws is the simulation's own
    assert mc.npv[:, k] == pytest.approx(model(mc.values)[:, k])


def test_assumptions_carry_sources_and_engagement_overrides(case):
    table = run(case).tables["assumptions"].set_index("name")
    assert table.loc["optimism_bias.equipment_development", "source"] == "fixed-price contract"
    assert table.loc["unit_cost.phone", "source"].startswith("the engagement (settings.voc.unit_costs)")
    assert "default, no range given" in table.loc["unit_cost.phone", "source"]
    assert table.loc["I1.failure_demand", ["low", "value", "high"]].tolist() == [0.3, 0.5, 0.6]
    assert table["source"].str.len().gt(0).all()


def test_workshop_answers_override_the_engagement(case):
    (case / "workshop").mkdir()
    (case / "workshop" / "assumptions.csv").write_text("name,value,low,high,note\nI1.failure_demand,0.25,,,the room doubts it\n")
    table = run(case).tables["assumptions"].set_index("name")
    assert table.loc["I1.failure_demand", "value"] == 0.25
    assert table.loc["I1.failure_demand", ["low", "high"]].tolist() == pytest.approx([0.15, 0.3])  # same relative range
    assert table.loc["I1.failure_demand", "source"] == "workshop: the room doubts it"


def test_unknown_assumption_in_the_workshop_file(case):
    (case / "workshop").mkdir()
    (case / "workshop" / "assumptions.csv").write_text("name,value,low,high,note\nI1.failure_demnd,0.25,,,\n")
    with pytest.raises(
        ConfigError,
        match=r"assumptions.csv, column 'name', row 2: unknown assumption 'I1.failure_demnd'\. "
        r"Did you mean 'I1.failure_demand'\?",
    ):
        run(case)


# --- bad input -----------------------------------------------------------------------------------------


def test_missing_baseline_names_the_workbook_to_run(case):
    (case / "run/artifacts/02_voice_of_customer/volumes.csv").unlink()
    edit(case, "engagement.yaml", "inputs:\n", "inputs:\n  contact_log: {path: contacts.csv}\n")
    with pytest.raises(InputError, match=r"Run workbook 02 first"):
        run(case)


def test_without_a_contact_log_every_table_is_a_note_saying_so(case):
    (case / "run/artifacts/02_voice_of_customer/volumes.csv").unlink()
    result = run(case)
    assert result.tables == {} and result.model is None
    says = "the engagement names none (inputs.contact_log): add the log to appraise the initiatives"
    assert set(result.skipped) == {
        "baseline",
        "assumptions",
        "cashflows",
        "appraisal",
        "options",
        "option_flows",
        "cash_drivers",
        "vfm_bands",
        "affordability",
        "sensitivity",
        "channel_mix",
        "channel_mix_summary",
    }
    assert all(says in why for why in result.skipped.values())
    assert says in result.view("appraisal") and says in result.chart("tornado") and says in result.chart("channel_mix")
    assert says in result.npv_at(0.015) and result.write() == []


def test_without_initiatives_the_baseline_is_kept_and_the_rest_says_why(case):
    edit(case, "engagement.yaml", "  initiatives: {path: initiatives.csv}\n  levers: {path: levers.csv}\n", "  {}\n")
    result = run(case)
    assert list(result.tables) == ["baseline"]
    assert "names no initiatives input" in result.view("net_flows") and "inputs.levers" in result.view("public_not_cash")
    assert [p.name for p in result.write()] == ["baseline.csv"]


def test_negative_volumes(case):
    edit(
        case,
        "run/artifacts/02_voice_of_customer/volumes.csv",
        "phone,Repair request,Housing,2000",
        "phone,Repair request,Housing,-2000",
    )
    with pytest.raises(InputError, match=r"volumes.csv, column 'contacts', row 3: volumes must be counts of zero or more"):
        run(case)


@pytest.mark.parametrize(
    "file, old, new, message",
    [
        (
            "levers.csv",
            "I1,failure_demand,0.5,0.3,0.6",
            "I1,failure_demand,1.2,0.3,1.4",
            r"levers.csv, column 'value', row 2: a share above 100%",
        ),
        (
            "levers.csv",
            "I3,customer_time,2,1,3,,,,guess",
            "I3,customer_time,2,1,3,,,,guess\nI1,failure_demand,0.6,,,Chasing repair,,,again",
            r"levers.csv, column 'value', rows 2, 6: an initiative's shares for the same lever and scope add up to more than 100%",
        ),
        (
            "levers.csv",
            "phone,web_form,housing",
            "phone,,housing",
            r"levers.csv, column 'to_channel', row 4: a channel shift needs both",
        ),
        (
            "levers.csv",
            "0.5,0.3,0.6,Chasing repair",
            "0.5,0.6,0.6,Chasing repair",
            r"column 'low', row 2: low is on the wrong side",
        ),
        ("levers.csv", "I3,customer_time", "I9,customer_time", r"column 'initiative_id', row 5: levers of unknown initiatives"),
        (
            "levers.csv",
            "Chasing repair,,,pilot elsewhere\nI2",
            "Chasing repairs,,,pilot elsewhere\nI2",
            r"column 'reason', row 2: 'Chasing repairs' is neither a contact reason nor a service.*Did you mean 'Chasing repair'\?",
        ),
        (
            "initiatives.csv",
            "I2,Online repairs,500,0,2,I1,0.7,equipment_development,2026",
            "I2,Online repairs,500,0,2,I1,0.7,equipment_development,2032",
            r"initiatives.csv, column 'start_year', row 3: start year outside the appraisal's 2026-2030",
        ),
        (
            "initiatives.csv",
            "0.8,equipment_development",
            "0.8,equipment_developement",
            r"column 'project_type', row 2: unknown optimism-bias category 'equipment_developement'\. Did you mean 'equipment_development'\?",
        ),
    ],
)
def test_bad_initiatives_and_levers(case, file, old, new, message):
    edit(case, file, old, new)
    with pytest.raises(InputError, match=message):
        run(case)


def test_every_problem_is_reported_at_once(case):
    edit(case, "levers.csv", "I1,failure_demand,0.5,0.3,0.6", "I1,failure_demand,1.2,0.3,1.4")
    edit(case, "initiatives.csv", "0.8,equipment_development", "0.8,bespoke")
    with pytest.raises(InputError) as info:
        run(case)
    assert len(info.value.problems) >= 2


def test_cxm_validate_reports_business_case_problems(case):
    from cxmethods.workbooks.start_here import validate_engagement

    edit(case, "initiatives.csv", "0.8,equipment_development", "0.8,bespoke")
    report = validate_engagement(load_engagement(case / "engagement.yaml"))
    assert any("unknown optimism-bias category 'bespoke'" in p.message for p in report.problems)


def test_assumptions_form_saves_each_change(case):
    from cxmethods.workshop.plan_forms import assumptions_form

    eng = load_engagement(case / "engagement.yaml")
    form = assumptions_form(eng, run(case).tables["assumptions"])
    form.controls["value"]["I1.failure_demand"].value = 0.4
    form.controls["note"]["I1.failure_demand"].value = "pilot showed less"
    saved = pd.read_csv(case / "workshop" / "assumptions.csv")
    assert saved.to_dict("records") == [
        {"name": "I1.failure_demand", "value": 0.4, "low": 0.3, "high": 0.6, "note": "pilot showed less"}
    ]
    assert run(case).tables["assumptions"].set_index("name").loc["I1.failure_demand", "value"] == 0.4


def test_engagement_in_another_currency_needs_its_own_costs(case):
    edit(case, "engagement.yaml", "currency: GBP", "currency: EUR")
    edit(case, "engagement.yaml", "  voc:\n    unit_costs: {phone: 3, web_form: 0.5, face_to_face: 10}\n", "")
    with pytest.raises(ConfigError, match=r"benchmark channel costs are in GBP, the engagement in EUR"):
        run(case)
    from cxmethods import validate_engagement  # said before a run, which then runs nothing

    errors = validate_engagement(case / "engagement.yaml").errors
    assert [p.fix for p in errors if "benchmark channel costs are in GBP, the engagement in EUR" in p.message] == [
        "Give your own costs per contact in EUR under settings.voc.unit_costs (e.g. unit_costs: {phone: 4.0, "
        "web_form: 0.5}), or benchmarks in EUR under settings.business_case.benchmarks."
    ]


def test_template_engagement_documents_the_business_case():
    from cxmethods.core.paths import templates_dir

    text = (templates_dir() / "engagement.yaml").read_text(encoding="utf-8")
    assert "business_case:" in text and "levers:" in text


def test_monte_carlo_benchmark_runs_small():
    import runpy
    import sys

    argv = sys.argv
    sys.argv = ["monte_carlo.py", "--draws", "200", "--years", "5", "--initiatives", "3"]
    try:
        with pytest.raises(SystemExit) as done:
            runpy.run_path(str(Path(__file__).parent.parent / "benchmarks" / "monte_carlo.py"), run_name="__main__")
    finally:
        sys.argv = argv
    assert done.value.code == 0


def test_customer_minutes_on_the_same_contacts_are_flagged_in_a_package(case):
    edit(
        case, "levers.csv", "I3,customer_time,2,1,3,,,,guess", "I3,customer_time,2,1,3,,,,guess\nI1,customer_time,1,0,2,,,,guess"
    )
    edit(case, "engagement.yaml", "options: {both: [I1, I2]}", "options: {both: [I1, I3]}")
    result = run(case)
    assert any(n.startswith("Option both:") and "I3.customer_time & I1.customer_time" in n for n in result.notes) or any(
        n.startswith("Option both:") and "I1.customer_time & I3.customer_time" in n for n in result.notes
    )


def test_unknown_discount_schedule_and_a_lever_typo(case):
    edit(case, "engagement.yaml", "    horizon_years: 5", "    horizon_years: 5\n    discount: greenbook")
    with pytest.raises(
        InputError, match=r"settings.business_case.discount 'greenbook' is not a discount schedule\. Did you mean 'green_book'\?"
    ):
        run(case)
    edit(case, "engagement.yaml", "    discount: greenbook\n", "")
    edit(case, "levers.csv", "Repair request,phone,web_form", "Repair request,fone,web_form")
    with pytest.raises(InputError, match=r"levers.csv, column 'channel', row 4"):  # strict: never a silently wider scope
        run(case)


def test_chart_names_are_checked():
    with pytest.raises(
        CxmError,
        match=r"The 'name' parameter of BusinessCase\.chart must be one of 'tornado', 'npv_distribution', 'channel_mix'\. "
        r"Got 'pie' instead\.",
    ):
        BusinessCase().chart("pie")


def test_the_model_checks_its_parameters():
    cost = InitiativeCosts("I01", capital=100.0, one_off=0.0, operating=10.0, start=0, ramp_up_years=0, ob=None)
    factors = np.ones(3)
    with pytest.raises(
        CxmError,
        match=r"The 'options' parameter of CaseModel must be packages of the initiatives in 'costs'\. "
        r"Got unknown initiative\(s\) I09 instead\. Fix: use ids from initiatives\.csv\.",
    ):
        CaseModel(["phone"], [cost], [], {"preferred": ["I01", "I09"]}, factors)
    with pytest.raises(
        CxmError,
        match=r"The 'costs' parameter of CaseModel must be initiatives that start within the 3-year horizon "
        r"\(year index 0 to 2\)\. Got I02 starting in year index 3 instead\.",
    ):
        CaseModel(["phone"], [cost, replace(cost, id="I02", start=3)], [], {}, factors)
    model = CaseModel(["phone"], [cost], [], {}, factors)
    with pytest.raises(
        CxmError,
        match=r"The 'values' parameter of CaseModel must be the same number of scenario values for every assumption\. "
        r"Got sizes \[1, 2\] instead\.",
    ):
        model({"unit_cost.phone": np.array([2.0]), "value_of_time": np.array([1.0, 2.0])})


@pytest.mark.parametrize("blank", ["column", "values"])
def test_initiatives_without_an_optimism_bias_category_take_the_default(case, blank):
    """project_type is optional: a file without it (or with it left empty) is appraised as default_project_type
    (equipment_development, as the file gives it), not stopped by a missing assumption."""
    stated = run(case).tables["appraisal"].set_index("initiative")["npv"]
    lines = (case / "initiatives.csv").read_text(encoding="utf-8").splitlines()
    if blank == "column":
        rows = [",".join(line.split(",")[:7] + line.split(",")[8:]) for line in lines]
    else:
        rows = [lines[0], *(line.replace(",equipment_development,", ",,") for line in lines[1:])]
    (case / "initiatives.csv").write_text("\n".join(rows) + "\n", encoding="utf-8")
    result = run(case)
    assert "optimism_bias.equipment_development" in set(result.tables["assumptions"]["name"])
    pd.testing.assert_series_equal(result.tables["appraisal"].set_index("initiative")["npv"], stated)


def _pv(flows: pd.Series) -> float:
    return float(npf.npv(0.035, flows.to_numpy()))  # numpy-financial: the first flow is year 0, undiscounted


def test_cash_and_social_value_apart_and_the_bcr_under_each_convention(case):
    # I4 saves some cash (failure demand on repair requests) and much customers' time: its two ratios differ
    (case / "initiatives.csv").write_text(
        INITIATIVES + "I4,Clear letters,6000,0,1,,0.7,equipment_development,2026,0\n", encoding="utf-8"
    )
    (case / "levers.csv").write_text(
        LEVERS + "I4,failure_demand,0.5,0.3,0.6,Repair request,,,pilot\nI4,customer_time,2,1,3,,,,survey\n", encoding="utf-8"
    )
    bench = load_benchmarks()
    found = {}
    for convention in ("green_book", "dft"):
        if convention == "dft":
            edit(case, "engagement.yaml", "    draws: 500\n", "    draws: 500\n    bcr_convention: dft\n")
        result = run(case, draws=200)
        table = result.tables["appraisal"].set_index("initiative")
        flows = result.tables["cashflows"].query("initiative == 'I4'")
        pvc, cash, time = _pv(flows["cost"]), _pv(flows["cash_benefit"]), _pv(flows["noncash_benefit"])
        row = table.loc["I4"]
        assert (row["pv_costs"], row["pv_cash_benefits"], row["pv_noncash_benefits"]) == pytest.approx((pvc, cash, time))
        assert row["cash_npv"] == pytest.approx(cash - pvc) and row["npv"] == pytest.approx(cash + time - pvc)
        expected = (cash + time) / pvc if convention == "green_book" else time / (pvc - cash)
        assert row["bcr"] == pytest.approx(expected) and row["bcr_convention"] == convention
        assert row["vfm_category"] == bench.vfm_category(expected)
        found[convention] = row
        # I1's savings repay its costs: no DfT ratio, and the framework's top category
        i1 = table.loc["I1"]
        if convention == "dft":
            assert np.isnan(i1["bcr"]) and i1["bcr_note"] == "net saving to the budget" and i1["vfm_category"] == "very high"
        else:
            assert i1["bcr"] > 1
        options = result.tables["options"].set_index("option")
        assert (options["npv"] - options["cash_npv"] - options["pv_noncash_benefits"]).abs().max() < 1e-6
    # the NPV does not depend on the convention; here the category does (medium by the Green Book, high by DfT)
    assert found["green_book"]["npv"] == pytest.approx(found["dft"]["npv"])
    assert (found["green_book"]["vfm_category"], found["dft"]["vfm_category"]) == ("medium", "high")


def test_affordability_is_the_preferred_packages_cash_by_year(case):
    result = run(case, draws=200)
    options = result.tables["options"].set_index("option")
    assert options.loc["preferred", "initiatives"] == "I1;I2"
    cash = result.tables["affordability"]
    assert list(cash.columns) == ["year", "cash_out", "cash_back", "net", "cumulative", "price_base"]
    assert set(cash["price_base"]) == {"GBP, 2026 prices"}
    assert cash["year"].tolist() == [2026, 2027, 2028, 2029, 2030]
    # costs add: I1's 1000 + 100 a year and I2's 500, all in 2026 (no running cost for I2)
    assert cash["cash_out"].tolist() == pytest.approx([1600, 100, 100, 100, 100])
    # by hand: I1 halves the chasing calls from 2026; from 2027 I2 halves what is left (0.75 in all) and moves
    # 10% of phone repair requests to the web form
    full = 0.75 * 1000 * PER_YEAR * 3 + 0.1 * 2000 * PER_YEAR * (3 - 0.5)
    assert cash["cash_back"].tolist() == pytest.approx([0.5 * 1000 * PER_YEAR * 3] + [full] * 4)
    assert cash["net"].to_numpy() == pytest.approx((cash["cash_back"] - cash["cash_out"]).to_numpy())
    assert cash["cumulative"].to_numpy() == pytest.approx(np.cumsum(cash["net"].to_numpy()))
    # discounted, the table is the preferred option's cash
    assert _pv(cash["cash_out"]) == pytest.approx(options.loc["preferred", "pv_costs"])
    assert _pv(cash["net"]) == pytest.approx(options.loc["preferred", "cash_npv"])


def test_option_flows_are_each_packages_flows_and_give_its_figures(case):
    result = run(case, draws=200)
    options = result.tables["options"].set_index("option")
    flows = result.tables["option_flows"]
    assert list(flows.columns) == ["option", "year", "cost", "cash_benefit", "noncash_benefit", "price_base"]
    assert "do_nothing" not in set(flows["option"])  # no initiatives, no flows
    bands = result.tables["vfm_bands"]
    assert bands["category"].tolist() == [b.category for b in load_benchmarks().value_for_money.bands]
    cash = result.tables["affordability"]
    preferred = flows[flows["option"] == "preferred"]
    assert preferred["cost"].to_numpy() == pytest.approx(cash["cash_out"].to_numpy())
    assert preferred["cash_benefit"].to_numpy() == pytest.approx(cash["cash_back"].to_numpy())
    for name, rows in flows.groupby("option"):
        net = rows["cash_benefit"] + rows["noncash_benefit"] - rows["cost"]
        assert _pv(net) == pytest.approx(options.loc[name, "npv"])
        assert _pv(rows["cash_benefit"] - rows["cost"]) == pytest.approx(options.loc[name, "cash_npv"])


def _rebuilt(drivers: pd.DataFrame, cost: dict) -> pd.Series:
    """Cash savings by year from the drivers: quantity x cost per contact, plus the other savings."""
    money = [float(q) * cost.get(str(d), 1.0) for q, d in zip(drivers["quantity"], drivers["driver"])]
    return pd.Series(money, index=drivers["year"].to_numpy()).groupby(level=0).sum()


def test_cash_drivers_rebuild_the_cash_savings_and_follow_a_changed_cost_per_contact(case):
    result = run(case, draws=200)
    drivers, flows = result.tables["cash_drivers"], result.tables["cashflows"]
    assert list(drivers.columns) == ["output", "year", "driver", "quantity"]
    base = frame_values(result.tables["assumptions"])
    cost = {d: float(base[d][0]) for d in drivers["driver"].unique() if d != "other"}
    for iid, rows in flows.groupby("initiative"):
        mine = drivers[drivers["output"] == iid]
        rebuilt = _rebuilt(mine, cost)
        assert rebuilt.reindex(rows["year"], fill_value=0.0).to_numpy() == pytest.approx(rows["cash_benefit"].to_numpy())
    # a fifth dearer phone contact: the model run again against the drivers with the new cost
    changed = {**base, "unit_cost.phone": base["unit_cost.phone"] * 1.2}
    for output, members in [("preferred", result.tables["options"].set_index("option").at["preferred", "initiatives"])]:
        cash = result.model.flows(changed, tuple(members.split(";")))[1][0]
        mine = drivers[drivers["output"] == output]
        prices = {**cost, "unit_cost.phone": cost["unit_cost.phone"] * 1.2}
        rebuilt = _rebuilt(mine, prices)
        assert "unit_cost.phone" in set(mine["driver"]) and rebuilt.to_numpy() == pytest.approx(cash)


def test_no_preferred_package_no_affordability(case):
    edit(case, "engagement.yaml", "options: {both: [I1, I2]}", "options: {both: [I1, I2], preferred: []}")
    result = run(case, draws=200)
    assert result.tables["options"].set_index("option").loc["preferred", "initiatives"] == ""
    assert "affordability" not in result.tables and "preferred package" in result.skipped["affordability"]


# --------------------------------------------------------------------------- one price base


def _uk_index() -> dict[int, float]:
    """The shipped UK series read by hand (comment lines dropped), extended at its stated 2% a year after 2024."""
    from cxmethods.core.paths import templates_dir

    path = templates_dir().parent / "cxmethods" / "methodology" / "deflators" / "uk_hmt_gdp_deflator.csv"
    rows = [line.split(",") for line in path.read_text(encoding="utf-8").splitlines() if line[:1].isdigit()]
    index = {int(y): float(v) for y, v in rows}
    for year in range(2025, 2031):
        index[year] = index[year - 1] * 1.02
    return index


def test_every_figure_is_rebased_before_discounting_npv_by_hand(case):
    """Benchmark costs (2012 prices), an initiative's costs in 2020 prices and an other saving in 2024 prices, all
    brought to 2026 prices: the NPV is numpy-financial's on the flows rebased by hand."""
    edit(case, "engagement.yaml", "  voc:\n    unit_costs: {phone: 3, web_form: 0.5, face_to_face: 10}\n", "")
    (case / "initiatives.csv").write_text(
        INITIATIVES.replace("ramp_up_years\n", "ramp_up_years,price_year\n", 1)
        .replace("2026,0\nI2", "2026,0,2020\nI2", 1)
        .replace("2026,1\n", "2026,1,\n")
        .replace(
            "Expensive idea,90000,0,2,,0.7,equipment_development,2026,0\n",
            "Expensive idea,90000,0,2,,0.7,equipment_development,2026,0,\n",
        ),
        encoding="utf-8",
    )
    (case / "levers.csv").write_text(
        LEVERS.replace("source\n", "source,price_year\n", 1) + "I1,other_saving,200,,,,,,own estimate,2024\n", encoding="utf-8"
    )
    result = run(case, draws=200)
    idx = _uk_index()
    to_2026 = {year: idx[2026] / idx[year] for year in (2012, 2020, 2024)}
    phone = 2.83 * to_2026[2012]  # Socitm (2012) cost of a phone call, in 2026 prices
    units = result.tables["assumptions"].set_index("name")
    assert units.loc["unit_cost.phone", "value"] == pytest.approx(phone)
    assert units.loc["unit_cost.phone", "unit"] == "GBP per contact (2026 prices)"
    assert "2012 prices converted to 2026 prices" in units.loc["unit_cost.phone", "source"]
    assert units.loc["I1.other_saving", "value"] == pytest.approx(200 * to_2026[2024])
    # I1 by hand: half the chasing calls at the rebased phone cost, the other saving, and its costs from 2020 prices
    saving = 0.5 * 1000 * PER_YEAR * phone + 200 * to_2026[2024]
    capital, running = 1000 * to_2026[2020], 100 * to_2026[2020]
    flows = np.full(5, saving - running)
    flows[0] -= capital
    row = result.tables["appraisal"].set_index("initiative").loc["I1"]
    assert row["npv"] == pytest.approx(npf.npv(0.035, flows))
    assert row["pv_costs"] == pytest.approx(npf.npv(0.035, np.r_[capital + running, [running] * 4]))
    # I2 states no price year: its costs are taken as 2026 prices, unchanged
    assert result.tables["cashflows"].query("initiative == 'I2' and year == 2026")["cost"].item() == pytest.approx(500)
    # before this, the same inputs were discounted as stated: the rebasing is what moved the NPV
    unrebased = np.full(5, 0.5 * 1000 * 2.83 + 200 - 100.0)
    unrebased[0] -= 1000
    assert abs(row["npv"] - npf.npv(0.035, unrebased)) > 1000
    notes = " ".join(result.notes)
    assert "GBP, 2026 prices" in notes and "the benchmark costs per contact from 2012 prices" in notes
    assert "initiative costs in 2020 prices" in notes and "2 of 3 initiatives state no price year" in notes


def test_every_money_table_carries_the_price_base(case):
    result = run(case, draws=200)
    for name in ("cashflows", "appraisal", "options", "affordability", "baseline"):
        assert set(result.tables[name]["price_base"]) == {"GBP, 2026 prices"}, name
    result.write(case / "run")
    written = pd.read_csv(case / "run" / "artifacts" / "04_business_case" / "cashflows.csv")
    assert written.columns[-1] == "price_base" and set(written["price_base"]) == {"GBP, 2026 prices"}


def test_price_base_year_and_an_engagement_series(case):
    (case / "deflator.csv").write_text("year,index\n2020,80\n2021,84\n2022,88\n2023,92\n2024,96\n2025,100\n", encoding="utf-8")
    edit(
        case,
        "engagement.yaml",
        "    base_year: 2026\n",
        "    base_year: 2026\n    price_base_year: 2025\n    deflator: deflator.csv\n",
    )
    edit(case, "engagement.yaml", "    unit_costs: {phone: 3,", "    unit_costs_price_year: 2020\n    unit_costs: {phone: 3,")
    result = run(case, draws=200)
    units = result.tables["assumptions"].set_index("name")
    assert units.loc["unit_cost.phone", "value"] == pytest.approx(3 * 100 / 80)
    assert set(result.tables["cashflows"]["price_base"]) == {"GBP, 2025 prices"}
    # the value of time is already in 2025 prices: unchanged
    assert units.loc["value_of_time", "value"] == pytest.approx(12.21)
    assert any("deflator.csv" in note for note in result.notes)


def test_a_bad_engagement_series_is_named_by_validate_and_by_a_run(case):
    from cxmethods import validate_engagement

    (case / "deflator.csv").write_text("year,index\n2020,80\n2021,eighty-four\n2023,92\n", encoding="utf-8")
    edit(case, "engagement.yaml", "    base_year: 2026\n", "    base_year: 2026\n    deflator: deflator.csv\n")
    errors = validate_engagement(case / "engagement.yaml").errors
    bad = [p for p in errors if p.where.endswith("deflator.csv")]
    assert {(p.column, p.rows) for p in bad} == {("index", (3,)), ("year", ())}
    assert any("2021, 2022 missing" in p.message for p in bad)
    with pytest.raises(InputError, match=r"deflator\.csv"):
        run(case)


def test_a_currency_without_a_deflator_runs_and_says_so(case):
    edit(case, "engagement.yaml", "currency: GBP", "currency: EUR")
    edit(case, "engagement.yaml", "    unit_costs: {phone: 3,", "    unit_costs_price_year: 2020\n    unit_costs: {phone: 3,")
    result = run(case, draws=200)
    assert result.tables["assumptions"].set_index("name").loc["unit_cost.phone", "value"] == 3
    notes = " ".join(result.notes)
    assert "No GDP deflator series ships for EUR" in notes and "costs per contact (2020 prices)" in notes
    assert set(result.tables["appraisal"]["price_base"]) == {"EUR, 2026 prices"}


def test_a_price_year_before_the_series_is_named_with_its_row(case):
    (case / "initiatives.csv").write_text(
        INITIATIVES.replace("ramp_up_years\n", "ramp_up_years,price_year\n", 1)
        .replace("2026,0\nI2", "2026,0,2020\nI2", 1)
        .replace("2026,1\n", "2026,1,1985\n"),
        encoding="utf-8",
    )
    with pytest.raises(InputError) as caught:
        run(case)
    found = [p for p in caught.value.problems if p.column == "price_year"]
    assert len(found) == 1 and found[0].rows == (3,) and "before 1990" in found[0].message
    assert found[0].where.endswith("initiatives.csv")


# --------------------------------------------------------------------------- what moved (a live room's question)


def test_what_moved_before_is_the_appraisal_and_after_is_a_rerun_with_the_change(case, monkeypatch):
    result = run(case)
    moved = result.what_moved({"I1.failure_demand": 0.05}).set_index("id")
    appraisal, options = result.tables["appraisal"].set_index("initiative"), result.tables["options"].set_index("option")
    for column, ours in (("npv", "npv_before"), ("cash_npv", "cash_npv_before"), ("bcr", "bcr_before")):
        assert np.allclose(moved.loc[appraisal.index, ours], appraisal[column], atol=0.5 if column != "bcr" else 0.005)
    assert (moved.loc[appraisal.index, "vfm_before"] == appraisal["vfm_category"]).all()
    assert np.allclose(moved.loc[["preferred", "both"], "npv_before"], options.loc[["preferred", "both"], "npv"], atol=0.5)
    # the same change made for real: the room's answers file and a full run (Monte Carlo and all)
    (case / "workshop").mkdir()
    (case / "workshop" / "assumptions.csv").write_text("name,value,low,high,note\nI1.failure_demand,0.05,0.05,0.6,\n")
    again = run(case)
    real = again.tables["appraisal"].set_index("initiative")
    assert np.allclose(moved.loc[real.index, "npv_after"], real["npv"], atol=0.5)
    assert (moved.loc[real.index, "vfm_after"] == real["vfm_category"]).all()
    assert (
        moved.at["I1", "what"] == "very high to poor; NPV turns negative; cash NPV turns negative; leaves the preferred package"
    )
    assert moved.at["I2", "what"] == "leaves the preferred package"  # it depends on I1
    assert moved.at["preferred", "what"] == "very high to high"
    assert moved["moved"].to_dict() == {"I1": True, "I2": True, "I3": False, "preferred": True, "both": True}
    assert again.what_moved()["moved"].sum() == 0  # nothing changed: nothing moved


def test_what_moved_is_deterministic_and_cheap_no_monte_carlo(case, monkeypatch):
    import time

    result = run(case)

    def refuse(*args, **kwargs):
        raise AssertionError("what_moved must not simulate")

    monkeypatch.setattr(business_case, "monte_carlo", refuse)
    monkeypatch.setattr(business_case, "tornado", refuse)
    started = time.perf_counter()
    first = result.what_moved({"value_of_time": 20})
    assert time.perf_counter() - started < 2  # milliseconds in practice (about 50 ms on the sample's 12 initiatives)
    pd.testing.assert_frame_equal(first, result.what_moved({"value_of_time": 20}))
    table = result.tables["assumptions"].assign(value=lambda t: t["value"].where(t["name"] != "value_of_time", 20))
    pd.testing.assert_frame_equal(first, result.what_moved(table))  # the whole table after the change: the same


def test_what_moved_at_a_flat_rate_is_the_exercise(case):
    result = run(case)
    at_zero = result.what_moved(rate=0.0).set_index("id")
    flows = result.tables["cashflows"].groupby("initiative")["net"].sum()  # undiscounted: the sum of the yearly flows
    assert np.allclose(at_zero.loc[flows.index, "npv_after"], flows.round(0), atol=0.5)
    npv_at = result.npv_at(0.015)
    assert np.allclose(result.what_moved(rate=0.015).set_index("id").loc[npv_at.index, "npv_after"], npv_at["npv_at_1.5%"])


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"value_of_tme": 10}, r"No assumption is called 'value_of_tme'\. Fix: use a name from the assumptions table"),
        ({"value_of_time": "lots"}, r"changes\['value_of_time'\].*must be a number"),
        ({"value_of_time": float("inf")}, r"changes\['value_of_time'\].*must be a number"),
    ],
)
def test_what_moved_refuses_unknown_names_and_non_numbers(case, changes, message):
    with pytest.raises(CxmError, match=message):
        run(case).what_moved(changes)


def test_assumptions_form_shows_what_moved_and_the_discount_control(case):
    from cxmethods.workshop.plan_forms import assumptions_form, discount_form

    result = run(case)
    form = assumptions_form(load_engagement(case / "engagement.yaml"), result.tables["assumptions"], what_moved=result.what_moved)
    assert form.controls["moved"].value == ""
    form.controls["value"]["I1.failure_demand"].value = 0.05
    shown = form.controls["moved"].value
    assert "What moved" in shown and "very high → poor" in shown and "leaves the preferred package" in shown
    assert "5,542 → -766" in shown and "Expensive idea" not in shown  # only rows whose figures change
    form.controls["value"]["I1.failure_demand"].value = 0.5  # back as it was: nothing moves
    assert "no initiative" in form.controls["moved"].value
    control = discount_form(result.what_moved)
    assert control.controls["rate"].value == 1.5
    control.controls["rate"].value = 0
    assert "5,542 → 6,000" in control.controls["moved"].value and "Expensive idea" in control.controls["moved"].value
