"""Segment x channel: preferences, self-service capacity, and targets that never push a segment that cannot self-serve."""

from __future__ import annotations

import pandas as pd
import pytest

from cxmethods import CxmError, load_engagement, read_input
from cxmethods.methods.channels import (
    SELF_SERVICE,
    channel_preferences,
    migration_targets,
    read_suitability,
    self_service,
    suitability_matrix,
)
from cxmethods.sample import make_sample

SURVEY = read_input(load_engagement(), "survey")
PLANTED = SURVEY["respondent_id"].map(make_sample().truth["survey_segment"])


def test_preferences_share_sum_to_one_per_segment():
    prefs = channel_preferences(SURVEY, PLANTED)
    assert prefs.groupby("segment")["share"].sum().round(9).eq(1).all()
    assert prefs["respondents"].sum() == SURVEY["preferred_channel"].notna().sum()


def test_capacity_reflects_the_planted_segments():
    cap = self_service(SURVEY, PLANTED).set_index("segment")["capacity"]
    assert cap["Digital self-servers"] > 0.8
    assert cap["Newcomers with language needs"] < 0.2 and cap["Older residents who prefer phone or face to face"] < 0.2


def test_targets_never_push_a_segment_that_cannot_self_serve():
    targets = migration_targets(channel_preferences(SURVEY, PLANTED), self_service(SURVEY, PLANTED), uptake=0.8)
    online = targets[targets["channel"].isin(SELF_SERVICE)].groupby("segment")[["current_share", "target_share"]].sum()
    cap = self_service(SURVEY, PLANTED).set_index("segment")["capacity"]
    for segment, row in online.iterrows():
        if cap[segment] < 0.2:
            assert row["target_share"] == pytest.approx(row["current_share"])
        else:
            assert row["current_share"] <= row["target_share"] <= max(cap[segment], row["current_share"]) + 1e-9
    assert (targets.groupby("segment")["target_share"].sum() - 1).abs().max() < 1e-3  # shares rounded to 4 places


def test_known_case_and_parameter_checks():
    prefs = pd.DataFrame({"segment": [1, 1], "channel": ["phone", "web_form"], "respondents": [3, 1], "share": [0.75, 0.25]})
    cap = pd.DataFrame({"segment": [1], "capacity": [0.65]})
    target = migration_targets(prefs, cap, uptake=0.5).set_index("channel")["target_share"]
    assert target["web_form"] == pytest.approx(0.45) and target["phone"] == pytest.approx(0.55)  # 25% -> 25 + (65-25)/2
    with pytest.raises(
        CxmError, match=r"The 'uptake' parameter of migration_targets must be a number in \[0, 1\]\. Got 1\.5 instead\."
    ):
        migration_targets(prefs, cap, uptake=1.5)


def test_suitability_by_complexity():
    matrix = suitability_matrix(["Waste", "Benefits"], {"Benefits": "complex"}).set_index("service")
    assert (
        matrix.loc["Waste", "complexity"] == "medium" and matrix.loc["Benefits", "mobile_app"] < matrix.loc["Waste", "mobile_app"]
    )
    with pytest.raises(
        CxmError,
        match=r"The 'complexity\['Waste'\]' parameter of suitability_matrix must be one of 'simple', 'medium', 'complex'\. Got 'hard' instead\.",
    ):
        suitability_matrix(["Waste"], {"Waste": "hard"})


def test_an_engagements_own_suitability_matrix(tmp_path):
    path = tmp_path / "suitability.csv"
    path.write_text("service,phone,web_form\nWaste,1,1\nBenefits,1,0.3\n")
    table = read_suitability(path).set_index("service")
    assert table.loc["Benefits", "web_form"] == 0.3 and table.loc["Waste", "post"] == 0.0
    path.write_text("service,phone,web_form\nWaste,1,high\n")
    with pytest.raises(CxmError, match=r"suitability\.csv, column 'web_form', row 2: suitability must be a number from 0 to 1"):
        read_suitability(path)
    path.write_text("service,fax\nWaste,1\n")
    with pytest.raises(CxmError, match=r"columns must be service and channels .* Got service, fax instead"):
        read_suitability(path)
