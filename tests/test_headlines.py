"""Headline findings: computed from artifacts, none invented when they are missing."""

from __future__ import annotations

import pandas as pd

from cxmethods.outputs.headlines import WORKBOOKS, headlines, money


def test_money():
    assert money(1_234_567) == "£1.2m" and money(-4100.4, "EUR") == "-€4,100" and money(812, "NOK") == "NOK 812"


def test_nothing_is_said_without_artifacts(tmp_path):
    assert headlines(tmp_path) == {step: [] for step in WORKBOOKS}


def test_findings_come_from_the_tables(tmp_path):
    step = tmp_path / "artifacts" / "02_voice_of_customer"
    step.mkdir(parents=True)
    pd.DataFrame({"reason": ["Bins", "Tax", "Repairs", "Other"], "share": [0.3, 0.2, 0.1, 0.4]}).to_csv(
        step / "contact_reasons.csv", index=False
    )
    pd.DataFrame({"channel": ["phone", "(all)"], "failure_share": [0.2, 0.15], "failure_cost": [900.0, 1500.0]}).to_csv(
        step / "failure_demand.csv", index=False
    )
    pd.DataFrame({"reason": ["(all)", "(all)"], "channel": ["phone", "web_form"], "share": [0.7, 0.3]}).to_csv(
        step / "channel_mix.csv", index=False
    )
    found = headlines(tmp_path)["02_voice_of_customer"]
    assert found[0] == "The top three reasons for contact (Bins, Tax, Repairs) make up 60% of all contacts."
    assert found[1] == "15% of contacts are failure demand (chasing, repeats, unclear letters), costing about £1,500 a year."
    assert found[2] == "Phone carries 70% of contacts." and len(found) == 3  # no drivers or anomalies tables: nothing said


def _self_assessment_step(folder, scores: pd.DataFrame, findings: pd.DataFrame) -> None:
    step = folder / "artifacts" / "01_self_assessment"
    step.mkdir(parents=True)
    scores.to_csv(step / "scores.csv", index=False)
    scores.assign(rank=range(1, len(scores) + 1)).to_csv(step / "gaps.csv", index=False)
    findings.to_csv(step / "findings.csv", index=False)


def test_self_assessment_counts_each_answer_for_what_it_is(tmp_path):
    scores = pd.DataFrame(
        {"dimension_id": ["u.i", "o.c"], "dimension": ["Insight", "Channels"], "current": [1, 3], "target": [4, 4]}
    ).assign(gap=lambda t: t["target"] - t["current"], disagreement=False)
    findings = pd.DataFrame(
        {
            "statement": ["Segments in use?", "Outcomes per group?", "Feedback acted on?"],
            "answer": ["partly", "no", "not answered"],
        }
    )
    _self_assessment_step(tmp_path, scores, findings)
    found = headlines(tmp_path)["01_self_assessment"]
    assert found == [
        "Largest gaps: Insight (level 1 now, 4 wanted); Channels (level 3 now, 4 wanted).",
        "The typical dimension is at level 2 of 5 today, against a target of 4.",
        "The quick test and role checklist drew 1 'no' and 1 'partly' answers, e.g. \"Segments in use?\"",
        "1 quick-test or role-checklist items are not answered yet.",
    ]


def test_an_unscored_self_assessment_claims_no_level(tmp_path):
    scores = pd.DataFrame(
        {
            "dimension_id": ["u.i"],
            "dimension": ["Insight"],
            "current": [None],
            "target": [None],
            "gap": [None],
            "disagreement": [False],
        }
    )
    _self_assessment_step(tmp_path, scores, pd.DataFrame({"statement": ["Segments in use?"], "answer": ["not answered"]}))
    found = headlines(tmp_path)["01_self_assessment"]
    assert found == [
        "Nobody has scored the maturity model yet: the gaps appear once the room has.",
        "1 quick-test or role-checklist items are not answered yet.",
    ]
    assert not any("nan" in line for line in found)


def test_a_survey_without_a_contact_log_still_gets_its_drivers_and_no_invented_share(tmp_path):
    step = tmp_path / "artifacts" / "02_voice_of_customer"
    step.mkdir(parents=True)
    pd.DataFrame(
        {
            "driver": ["q15_4", "q15_2"],
            "question": ["Staff were responsive", "Staff were knowledgeable"],
            "share": [0.5, 0.3],
            "performance": [40.0, 60.0],
            "quadrant": ["Fix first: important, low performance", "Keep it up: important, high performance"],
            "outcome": "Quality of City services",
        }
    ).to_csv(step / "drivers.csv", index=False)
    assert headlines(tmp_path)["02_voice_of_customer"] == [
        "What drives 'Quality of City services' most: 'Staff were responsive', then 'Staff were knowledgeable'."
    ]  # the questions as asked, never the field names
    pd.DataFrame({"channel": ["(all)"], "failure_share": [None]}).to_csv(step / "failure_demand.csv", index=False)
    pd.DataFrame(
        {"level": ["reason"], "area": [None], "reason": ["Bins"], "weekday": [None], "contacts": [9], "expected": [3]}
    ).to_csv(step / "anomalies.csv", index=False)
    found = headlines(tmp_path)["02_voice_of_customer"]
    assert found == [  # no "0% failure demand", no "on nans"
        "What drives 'Quality of City services' most: 'Staff were responsive', then 'Staff were knowledgeable'."
    ]


def _trend(tmp_path, web: list[int], phone: list[int], *, start: str = "2011-01-01", unknown: int = 0, complete=None):
    """Writes a volumes_over_time.csv of monthly web and phone contacts, every month complete unless said."""
    step = tmp_path / "artifacts" / "02_voice_of_customer"
    step.mkdir(parents=True, exist_ok=True)
    months = pd.date_range(start, periods=len(web), freq="MS")
    rows = [
        {
            "granularity": "month",
            "period": f"{m:%Y-%m}",
            "period_start": f"{m:%Y-%m-%d}",
            "breakdown": "channel",
            "category": channel,
            "contacts": n,
            "complete": True if complete is None else complete[i],
        }
        for channel, counts in (("web_form", web), ("phone", phone), ("unknown", [unknown] * len(web)))
        for i, (m, n) in enumerate(zip(months, counts))
    ]
    pd.DataFrame(rows).to_csv(step / "volumes_over_time.csv", index=False)
    pd.DataFrame({"reason": ["(all)", "(all)"], "channel": ["phone", "web_form"], "share": [0.6, 0.4]}).to_csv(
        step / "channel_mix.csv", index=False
    )


def test_a_channel_shift_over_full_years_is_the_channel_headline(tmp_path):
    _trend(tmp_path, [5] * 12 + [30] * 12 + [60] * 12, [95] * 12 + [70] * 12 + [40] * 12)
    assert headlines(tmp_path)["02_voice_of_customer"] == [
        "Web form rose from 5% to 60% of contacts between 2011 and 2013, while phone fell from 95% to 40%."
    ]


def test_partial_months_at_either_end_are_not_compared(tmp_path):
    # the log starts and ends mid-month: those months hold few contacts and must not read as the ends of a shift
    web, phone = [900] + [400] * 10 + [20], [100] + [600] * 10 + [10]
    _trend(tmp_path, web, phone, start="2024-03-01", complete=[False] + [True] * 10 + [False])
    assert headlines(tmp_path)["02_voice_of_customer"] == ["Phone carries 60% of contacts."]
    web[-2], phone[-2] = 600, 400  # the last complete month moves: April 2024 against January 2025
    _trend(tmp_path, web, phone, start="2024-03-01", complete=[False] + [True] * 10 + [False])
    assert headlines(tmp_path)["02_voice_of_customer"] == [
        "Web form rose from 40% to 60% of contacts between April 2024 and January 2025, while phone fell from 60% to 40%."
    ]


def test_a_small_or_chance_move_is_no_shift(tmp_path):
    _trend(tmp_path, [40] * 11 + [43], [60] * 11 + [57])  # three points: below five
    assert headlines(tmp_path)["02_voice_of_customer"] == ["Phone carries 60% of contacts."]
    _trend(tmp_path, [4] + [5] * 10 + [6], [6] + [5] * 10 + [4])  # 40% to 60% of ten contacts: chance
    assert headlines(tmp_path)["02_voice_of_customer"] == ["Phone carries 60% of contacts."]


def test_a_channel_that_starts_being_recorded_is_no_shift(tmp_path):
    # early years record no channel for most contacts: shares are of those recorded, and the sentence says so
    _trend(tmp_path, [5] * 12 + [60] * 12, [15] * 12 + [40] * 12, unknown=80)
    assert headlines(tmp_path)["02_voice_of_customer"] == [
        "Web form rose from 25% to 60% of contacts with a recorded channel between 2011 and 2012, while phone fell from 75% to 40%."
    ]


def _write(tmp_path, step: str, name: str, table: dict) -> None:
    folder = tmp_path / "artifacts" / step
    folder.mkdir(parents=True, exist_ok=True)
    pd.DataFrame(table).to_csv(folder / f"{name}.csv", index=False)


def test_self_service_is_said_for_what_it_measures(tmp_path):
    # a survey with a preferred channel but no digital confidence: capacity is the preference for the web or an app
    _write(tmp_path, "03_segmentation", "segments", {"segment": [1, 2], "name": ["Owners", "Renters"], "share": [0.6, 0.4]})
    _write(
        tmp_path,
        "03_segmentation",
        "self_service",
        {
            "segment": ["Owners", "Renters"],
            "respondents": [60, 40],
            "prefers_self_service": [0.7, 0.5],
            "confident_online": [None, None],
            "capacity": [0.7, 0.5],
        },
    )
    said = headlines(tmp_path)["03_segmentation"]
    assert "Only 50% of 'Renters' prefer the web or an app: keep assisted channels open for them." in said
    assert "confident online" not in " ".join(said)


def test_a_road_map_with_nothing_to_plan_or_measure_says_so_instead_of_zeros(tmp_path):
    _write(tmp_path, "05_roadmap", "schedule", {"id": [], "title": [], "horizon": []})
    _write(tmp_path, "05_roadmap", "kpis", {"standard_id": ["a", "b"], "current": [None, None], "met": [None, None]})
    said = headlines(tmp_path)["05_roadmap"]
    assert said[0].startswith("No initiatives to plan yet") and said[1].startswith(
        "No service standard can be measured from these inputs yet (2 in all)"
    )
    assert not any(s.startswith("0 ") or " 0 " in s for s in said)


def test_candidates_that_wait_for_the_rooms_estimates_are_named_not_counted_as_zeros(tmp_path):
    _write(
        tmp_path,
        "05_roadmap",
        "schedule",
        {
            "id": ["D:a", "D:b"],
            "title": ["Improve 'Parks'", "Improve 'Streets'"],
            "horizon": ["wait and see"] * 2,
            "reason": ["no effort estimate"] * 2,
        },
    )
    _write(tmp_path, "05_roadmap", "kpis", {"standard_id": ["a"], "current": [0.5], "met": [True]})
    said = headlines(tmp_path)["05_roadmap"]
    assert said[0] == (
        "2 candidate initiatives wait for the room's estimates of value, effort and confidence: "
        "Improve 'Parks', Improve 'Streets'."
    )


def test_the_road_map_says_how_many_targets_are_looser_than_today(tmp_path):
    _write(tmp_path, "05_roadmap", "schedule", {"id": [], "title": [], "horizon": []})
    _write(
        tmp_path,
        "05_roadmap",
        "kpis",
        {
            "standard_id": ["a", "b", "c", "d"],
            "current": [0.122, 0.039, 0.62, None],
            "met": [True, True, False, None],
            "looser_than_today": [True, True, False, None],
        },
    )
    said = headlines(tmp_path)["05_roadmap"]
    assert "4 service standards: 3 measured today, 2 already met; the rest need data collected." in said
    assert (
        "2 of the 3 measured targets are looser than today's performance: the KPI table proposes stretching ones "
        "from today's figures." in said
    )
    _write(tmp_path, "05_roadmap", "kpis", {"standard_id": ["a"], "current": [0.1], "met": [True], "looser_than_today": [True]})
    assert "The one measured target is looser than today's performance" in " ".join(headlines(tmp_path)["05_roadmap"])


def test_the_road_map_names_the_decisions_a_loss_making_dependency_leaves(tmp_path):
    _write(
        tmp_path,
        "05_roadmap",
        "schedule",
        {
            "id": ["I1", "I2", "I3"],
            "title": ["Standards", "New CRM", "Texts"],
            "horizon": ["wait and see", "wait and see", "now"],
        },
    )
    _write(tmp_path, "05_roadmap", "kpis", {"standard_id": ["a"], "current": [None], "met": [None]})
    _write(
        tmp_path,
        "05_roadmap",
        "decisions",
        {"initiative": ["I1"], "title": ["Standards"], "depends_on": ["I2"], "their_npv": [-79645.0], "own_npv": [27612.0]},
    )
    said = headlines(tmp_path)["05_roadmap"]
    assert (
        "1 initiative waits for a decision, each depending on one that loses money: e.g. Standards (NPV £27,612) needs "
        "New CRM (NPV -£79,645); fund it as an enabler or drop the dependency." in said
    )
    assert "1 initiative starts now (Texts), 0 next year, 2 wait and see." in said


def _case_step(folder, options: pd.DataFrame, cash: pd.DataFrame | None = None) -> None:
    step = folder / "artifacts" / "04_business_case"
    step.mkdir(parents=True)
    options.to_csv(step / "options.csv", index=False)
    pd.DataFrame({"initiative": ["I1"], "name": ["Texts"], "npv": [100.0]}).to_csv(step / "appraisal.csv", index=False)
    if cash is not None:
        cash.to_csv(step / "affordability.csv", index=False)


def test_the_business_case_headline_puts_cash_and_customers_time_apart(tmp_path):
    preferred = {"option": "preferred", "initiatives": "I1;I2", "npv": 53970.0, "cash_npv": 6035.0}
    preferred |= {"pv_noncash_benefits": 47935.0, "bcr": 2.31, "bcr_convention": "green_book", "bcr_note": ""}
    preferred |= {"vfm_category": "high", "p10": 1.0, "p50": 2.0, "p90": 3.0, "prob_negative": 0.1}
    cash = pd.DataFrame({"year": [2026, 2027, 2028], "cash_out": [5000.0, 500.0, 500.0], "cash_back": [0.0, 3000.0, 3000.0]})
    cash["net"] = cash["cash_back"] - cash["cash_out"]
    cash["cumulative"] = cash["net"].cumsum()  # -5000, -2500, 0
    _case_step(tmp_path, pd.DataFrame([preferred]), cash)
    found = headlines(tmp_path)["04_business_case"]
    assert found[0] == (
        "Preferred package (I1, I2): net present value £53,970 (£6,035 cash to the organisation, £47,935 customers' "
        "time), benefit-cost ratio 2.3 (Green Book): high value for money."
    )
    assert found[1] == (
        "In cash (real prices, undiscounted) it costs the organisation £6,000 and saves £6,000 over 2026-2028; "
        "the running total is positive from 2028."
    )


def test_the_headline_says_why_a_dft_ratio_is_missing(tmp_path):
    preferred = {"option": "preferred", "initiatives": "I1", "npv": 900.0, "cash_npv": 700.0}
    preferred |= {"pv_noncash_benefits": 200.0, "bcr": float("nan"), "bcr_convention": "dft"}
    preferred |= {"bcr_note": "net saving to the budget", "vfm_category": "very high"}
    preferred |= {"p10": 1.0, "p50": 2.0, "p90": 3.0, "prob_negative": 0.0}
    cash = pd.DataFrame({"year": [2026, 2027], "cash_out": [1000.0, 0.0], "cash_back": [0.0, 500.0]})
    cash["net"] = cash["cash_back"] - cash["cash_out"]
    cash["cumulative"] = cash["net"].cumsum()
    _case_step(tmp_path, pd.DataFrame([preferred]), cash)
    found = headlines(tmp_path)["04_business_case"]
    assert "no DfT benefit-cost ratio (its cash savings repay its costs): very high value for money." in found[0]
    assert found[1].endswith("the running total is still -£500 in 2027.")


def test_the_headlines_state_the_price_base(tmp_path):
    preferred = {"option": "preferred", "initiatives": "I1", "npv": 900.0, "cash_npv": 700.0}
    preferred |= {"pv_noncash_benefits": 200.0, "bcr": 1.5, "bcr_convention": "green_book", "bcr_note": ""}
    preferred |= {"vfm_category": "low", "p10": 1.0, "p50": 2.0, "p90": 3.0, "prob_negative": 0.0}
    preferred |= {"price_base": "GBP, 2026 prices"}
    cash = pd.DataFrame({"year": [2026, 2027], "cash_out": [1000.0, 0.0], "cash_back": [0.0, 500.0]})
    cash["net"] = cash["cash_back"] - cash["cash_out"]
    cash["cumulative"] = cash["net"].cumsum()
    cash["price_base"] = "GBP, 2026 prices"
    _case_step(tmp_path, pd.DataFrame([preferred]), cash)
    found = headlines(tmp_path)["04_business_case"]
    assert found[0].startswith("Preferred package (I1), in 2026 prices: net present value £900 (£700 cash")
    assert found[1].startswith("In cash (2026 prices, undiscounted) it costs the organisation £1,000")
    step = tmp_path / "artifacts" / "02_voice_of_customer"
    step.mkdir(parents=True)
    pd.DataFrame(
        {"channel": ["(all)"], "failure_share": [0.15], "failure_cost_a_year": [1500.0], "price_base": ["GBP, 2026 prices"]}
    ).to_csv(step / "failure_demand.csv", index=False)
    said = headlines(tmp_path)["02_voice_of_customer"]
    assert "costing about £1,500 a year (2026 prices)." in said[0]
