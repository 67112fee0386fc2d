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
