"""Every workbook finishes on whatever inputs a client has: the pipeline over a matrix of engagements.

Built from the sample engagement: each input alone, and each input left out, plus a survey without channel
preference. Every engagement must run all six workbooks to the end (status ok) and make the report, the Excel
file and the deck. The runs are one `cxm batch` in the background (tests/conftest.py, PipelineRuns).
"""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pandas as pd
import pytest
import yaml

from cxmethods.io.artifacts import STEPS
from cxmethods.sample import write_sample

#: The inputs a client may or may not have, as groups of engagement entries (levers only make sense with
#: initiatives; the workshop answers come together). "comments" is a comments-only file made from the
#: survey's comment column: a text column and nothing else.
GROUPS: dict[str, tuple[str, ...]] = {
    "contact_log": ("inputs.contact_log",),
    "survey": ("inputs.survey",),
    "comments": ("inputs.comments",),
    "initiatives": ("inputs.initiatives", "inputs.levers"),
    "stakeholders": ("inputs.stakeholders",),
    "workshop": ("workshop",),
}
VARIANTS = (
    [f"only-{group}" for group in GROUPS] + [f"without-{group}" for group in GROUPS] + ["survey-without-channel-preference"]
)


def _engagements(folder: Path) -> list:
    base = folder / "base"
    write_sample(base)
    survey = pd.read_csv(base / "resident_survey.csv", dtype=str, keep_default_na=False)
    survey[["comment"]].rename(columns={"comment": "What would you like to tell us?"}).to_csv(base / "comments.csv", index=False)
    survey.drop(columns=["preferred_channel"]).to_csv(base / "survey_without_channel.csv", index=False)
    doc = yaml.safe_load((base / "engagement.yaml").read_text(encoding="utf-8"))
    doc["inputs"]["comments"] = {"path": "comments.csv", "columns": {"text": "What would you like to tell us?"}}
    paths = []
    for variant in VARIANTS:
        mode, _, group = variant.partition("-")
        kept = {group} if mode == "only" else set(GROUPS) - {group}
        engagement = json.loads(json.dumps(doc, default=str))  # a deep copy
        engagement["name"] = variant
        for entry in (e for name in set(GROUPS) - kept for e in GROUPS[name]):
            section, _, key = entry.partition(".")
            if key:
                engagement[section].pop(key, None)
            else:
                engagement.pop(section, None)
        if "survey" not in kept:  # the rule tree tests the survey's fields
            engagement["settings"]["segmentation"].pop("rules", None)
        if variant == "survey-without-channel-preference":
            engagement["inputs"]["survey"]["path"] = "survey_without_channel.csv"
            engagement["inputs"]["survey"]["columns"].pop("preferred_channel")
        copy = folder / variant
        shutil.copytree(base, copy)
        (copy / "engagement.yaml").write_text(yaml.safe_dump(engagement, sort_keys=False), encoding="utf-8")
        paths.append(str(copy / "engagement.yaml"))
    return [["cxm", "batch", *paths, "--out", str(folder / "runs"), "--workers", "1"]]


pytestmark = pytest.mark.pipeline_run(prepare=_engagements)


@pytest.fixture(scope="module")
def runs(pipeline_runs) -> Path:
    return pipeline_runs.result(_engagements).folder / "runs"


@pytest.mark.parametrize("variant", VARIANTS)
def test_every_workbook_finishes_and_every_output_is_made(runs, variant):
    folder = runs / variant
    run = json.loads((folder / "run.json").read_text(encoding="utf-8"))
    statuses = {w["workbook"]: w["status"] for w in run["workbooks"]}
    assert statuses == dict.fromkeys(STEPS, "ok"), [w for w in run["workbooks"] if w["status"] != "ok"]
    assert run["status"] == "ok"
    assert (folder / "report" / "index.html").is_file()
    assert len(list(folder.glob("*.xlsx"))) == len(list(folder.glob("*.pptx"))) == 1


@pytest.mark.parametrize("variant", VARIANTS)
def test_no_page_shows_a_missing_number_as_a_finding_or_a_note_without_its_reason(runs, variant):
    for page in sorted((runs / variant / "report").glob("*.html")):
        html = re.sub(r"<(style|script)\b.*?</\1>", " ", page.read_text(encoding="utf-8"), flags=re.S)
        text = re.sub(r"<[^>]+>", " ", html)  # what a reader sees
        assert not re.search(r"\bnan\b|\bNaN\b|\bNone\b|<NA>", text), (page.name, re.findall(r".{60}\bnan\b.{20}", text))
        assert "was not computed" not in html, (page.name, "a note that does not say why")


def test_what_is_missing_is_said_with_the_input_that_would_add_it(runs):
    page = (runs / "only-contact_log" / "report" / "customers.html").read_text(encoding="utf-8")
    assert "Not shown: what drives satisfaction. It needs a resident survey" in page  # the input that adds drivers
