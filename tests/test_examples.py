"""The real public examples under templates/examples/, each run end to end as a user would (`cxm run`), checked
against what a client would check, computed here independently from the raw files.

The runs go in the background (tests/conftest.py, PipelineRuns) while other tests use the first core. Each test
skips, saying why, where the real data is not beside the checkout.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from cxmethods import load_engagement
from cxmethods.io.artifacts import STEPS

EXAMPLES = Path(__file__).resolve().parent.parent / "templates" / "examples"
REALDATA = Path(__file__).resolve().parent.parent.parent / "shared" / "realdata"
NYC = REALDATA / "nyc311_service_requests_2023-02-28_sample.csv"
SANDIEGO = REALDATA / "sandiego_resident_survey_2015_weighted.csv"
CFPB = REALDATA / "cfpb_complaints_sample_2015_2020.csv"


def _run(name: str):
    def prepare(folder: Path) -> list:
        return [["cxm", "run", str(EXAMPLES / f"{name}.yaml"), "--out", str(folder / name)]]

    prepare.__name__ = f"example_{name}"
    return prepare


RUN_NYC, RUN_SANDIEGO, RUN_CFPB = _run("nyc311"), _run("sandiego_survey"), _run("cfpb_complaints")


def _finished(folder: Path) -> dict:
    """run.json of a run in which every workbook and every client output finished."""
    run = json.loads((folder / "run.json").read_text(encoding="utf-8"))
    assert run["status"] == "ok", run
    assert {w["workbook"]: w["status"] for w in run["workbooks"]} == dict.fromkeys(STEPS, "ok")
    assert (folder / "report" / "index.html").is_file()
    assert len(list(folder.glob("*.xlsx"))) == len(list(folder.glob("*.pptx"))) == 1
    return run


def _artifact(folder: Path, step: str, name: str) -> pd.DataFrame:
    return pd.read_csv(folder / "artifacts" / step / f"{name}.csv")


NYC_CHANNELS = {"PHONE": "phone", "ONLINE": "web_form", "MOBILE": "mobile_app"}
CFPB_CHANNELS = {"Web": "web_form", "Phone": "phone", "Email": "email", "Postal mail": "post"}


def _top_reasons_and_channels_match(folder: Path, raw: pd.DataFrame, reason: str, channel: str, ours: dict) -> None:
    """The top five reasons with their counts, and every channel's share of all contacts (labels the mapping
    does not recode to a channel of ours are "unknown"), as pandas counts them in the raw export."""
    reasons = _artifact(folder, "02_voice_of_customer", "contact_reasons")
    expected = raw[reason].value_counts()
    assert reasons["reason"].head(5).tolist() == expected.index[:5].tolist()
    assert reasons["contacts"].head(5).tolist() == expected.iloc[:5].tolist()
    mix = _artifact(folder, "02_voice_of_customer", "channel_mix")
    overall = mix[mix["reason"] == "(all)"].set_index("channel")["share"]
    expected_mix = raw[channel].map(ours).fillna("unknown").value_counts(normalize=True)
    assert overall.to_dict() == pytest.approx(expected_mix.to_dict(), abs=5e-4)


@pytest.mark.skipif(not NYC.is_file(), reason=f"real data not found beside the checkout: {NYC}")
@pytest.mark.pipeline_run(prepare=RUN_NYC)
def test_the_nyc_311_log_alone_gives_its_top_reasons_and_channel_shares(pipeline_runs):
    folder = pipeline_runs.result(RUN_NYC).folder / "nyc311"
    _finished(folder)
    raw = pd.read_csv(NYC, dtype=str, keep_default_na=False)
    # the mapping recodes UNKNOWN and OTHER to "not known": shown as such, as a share of every contact
    _top_reasons_and_channels_match(folder, raw, "Complaint Type", "Open Data Channel Type", NYC_CHANNELS)
    # what a log alone cannot give is a note, never a zero: no customer id, so no repeat contact
    notebook = (folder / "02_voice_of_customer.ipynb").read_text(encoding="utf-8")
    assert "customer_id" in notebook and "0% of contacts are failure demand" not in notebook


def _relative_weights_by_svd(X: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Johnson's relative weights from the SVD of the standardised data (the library uses the correlation
    matrix's eigen-decomposition): an independent route to the same figures."""
    n = len(y)
    Xn = (X - X.mean(axis=0)) / X.std(axis=0, ddof=1) / np.sqrt(n - 1)
    yn = (y - y.mean()) / y.std(ddof=1) / np.sqrt(n - 1)
    P, delta, Qt = np.linalg.svd(Xn, full_matrices=False)
    Z = P @ Qt  # the orthonormal columns closest to Xn
    Lambda = Qt.T @ np.diag(delta) @ Qt  # Xn = Z Lambda
    beta = Z.T @ yn
    return (Lambda**2) @ beta**2


@pytest.mark.skipif(not SANDIEGO.is_file(), reason=f"real data not found beside the checkout: {SANDIEGO}")
@pytest.mark.pipeline_run(prepare=RUN_SANDIEGO)
def test_the_san_diego_survey_alone_ranks_its_own_questions(pipeline_runs):
    folder = pipeline_runs.result(RUN_SANDIEGO).folder / "sandiego_survey"
    _finished(folder)
    spec = load_engagement(EXAMPLES / "sandiego_survey.yaml").inputs.survey
    labels = {item.column: item.label for item in spec.items}
    outcome = next(item.column for item in spec.items if item.role == "outcome")
    columns = [item.column for item in spec.items if item.role == "driver"]
    raw = pd.read_csv(SANDIEGO)
    complete = raw[[outcome, *columns]]
    complete = complete[complete.isin(range(1, 6)).all(axis=1)].astype(float)  # 9 = don't know, listwise
    weights = _relative_weights_by_svd(complete[columns].to_numpy(), complete[outcome].to_numpy())
    expected = [labels[c] for c in np.array(columns)[np.argsort(-weights, kind="stable")]]

    drivers = _artifact(folder, "02_voice_of_customer", "drivers")
    assert len(drivers) == len(columns) == 15  # every service item, none lost to a fixed slot
    assert drivers["question"].tolist() == expected
    assert drivers["share"].to_numpy() == pytest.approx(np.sort(weights)[::-1] / weights.sum(), abs=1e-6)
    assert drivers["outcome"].unique().tolist() == [labels[outcome]]
    items = _artifact(folder, "02_voice_of_customer", "survey_items").set_index("question")
    rated = raw[outcome][raw[outcome].isin(range(1, 6))]
    assert items.loc[labels[outcome], "n"] == len(rated)
    assert items.loc[labels[outcome], "mean"] == pytest.approx(rated.mean(), abs=1e-6)
    yes_no = raw["Q17"][raw["Q17"].isin((1, 2))]  # 1 yes, 2 no, 9 don't know
    assert items.loc["Satisfied with the process of reporting problems", "score"] == pytest.approx(
        100 * (yes_no == 1).mean(), abs=1e-4
    )
    # the findings name the questions as asked
    index = (folder / "report" / "index.html").read_text(encoding="utf-8")
    assert expected[0] in index and "q3_" not in index


@pytest.mark.skipif(not CFPB.is_file(), reason=f"real data not found beside the checkout: {CFPB}")
@pytest.mark.pipeline_run(prepare=RUN_CFPB)
def test_the_cfpb_complaints_give_channels_issues_and_themes_that_follow_the_product_labels(pipeline_runs):
    from sklearn.metrics import adjusted_mutual_info_score

    folder = pipeline_runs.result(RUN_CFPB).folder / "cfpb_complaints"
    _finished(folder)
    raw = pd.read_csv(CFPB, dtype=str, keep_default_na=False)
    _top_reasons_and_channels_match(folder, raw, "Issue", "Submitted via", CFPB_CHANNELS)
    # one row per narrative, by its row in the file (the header is row 1), never its words
    per_comment = _artifact(folder, "02_voice_of_customer", "comment_themes")
    narratives = raw["Consumer complaint narrative"].str.strip()
    assert len(per_comment) == (narratives != "").sum() == 1532
    rows = per_comment["row"].to_numpy() - 2
    assert (narratives.iloc[rows] != "").all()
    assert per_comment["category"].tolist() == raw["Product"].iloc[rows].tolist()
    text = (folder / "artifacts" / "02_voice_of_customer" / "comment_themes.csv").read_text(encoding="utf-8")
    assert not any(n[:40] in text for n in narratives[narratives != ""].head(200))
    # the themes follow the products some way (AMI 0 is chance, 1 the same grouping): recomputed from the table
    themes = _artifact(folder, "02_voice_of_customer", "themes")
    themed = per_comment["theme"].notna()  # a comment of no words the model knows has no theme
    assert themed.mean() > 0.99
    ami = adjusted_mutual_info_score(raw["Product"].iloc[rows[themed]], per_comment["theme"][themed])
    assert themes["category_ami"].iloc[0] == pytest.approx(ami, abs=1e-3)
    assert 0.1 < ami < 0.9
