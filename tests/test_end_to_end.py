"""`cxm run` on the bundled sample engagement, as a user runs it."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import nbformat
import pandas as pd
import pytest

from cxmethods.io.artifacts import ARTIFACTS


def test_same_engagement_twice_gives_the_same_files(sample_run_twice):
    # tests/conftest.py runs the sample (workbooks side by side), copies the run folder to `first`, and runs it again
    # into the same folder with one workbook at a time: the same bytes either way
    before, out = sample_run_twice.first, sample_run_twice.out

    def digests(folder: Path) -> dict[str, str]:
        return {
            p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*"))
            if p.is_file() and p.name != "run.json"
        }

    a, b = digests(before), digests(out)
    assert sorted(a) == sorted(b) and len(a) > 60
    assert [name for name in a if a[name] != b[name]] == []  # artifacts, notebooks, report, Excel file, deck
    # run.json records when the run started and how long each step took; every file it lists has the same checksum
    assert json.loads((before / "run.json").read_text())["files"] == json.loads((out / "run.json").read_text())["files"]


def test_cxm_run_on_the_sample_engagement(sample_run):
    out, stdout = sample_run.out, sample_run.stdout
    assert f"Results: {out}" in stdout
    manifest = json.loads((out / "run.json").read_text())
    assert manifest["status"] == "ok"
    books = sorted(p.stem for p in (Path(__file__).parent.parent / "workbooks").glob("[0-9][0-9]_*.ipynb"))
    assert [w["workbook"] for w in manifest["workbooks"]] == books
    for book in books:
        executed = nbformat.read(out / f"{book}.ipynb", as_version=4)
        errors = [o for c in executed.cells for o in c.get("outputs", []) if o.get("output_type") == "error"]
        assert not errors, f"{book}: {errors}"
        # the sample keeps its own answers to the exercises (cells tagged sample; another engagement's run drops them)
        source = nbformat.read(Path(__file__).parent.parent / "workbooks" / f"{book}.ipynb", as_version=4)
        kept = [c.id for c in executed.cells if "sample" in c.get("metadata", {}).get("tags", [])]
        assert kept == [c.id for c in source.cells if "sample" in c.get("metadata", {}).get("tags", [])]
    inputs = pd.read_csv(out / "artifacts" / "00_start_here" / "inputs.csv").set_index("input")
    assert inputs.loc["contact_log", "rows"] > 45_000 and inputs.loc["survey", "rows"] >= 2_900
    assert inputs["errors"].sum() == 0
    # workbook 01: its artifacts carry the planted structure, and its charts are images
    from cxmethods.sample import DISAGREEMENT_DIMENSIONS, LARGEST_GAP_DIMENSIONS

    step = out / "artifacts" / "01_self_assessment"
    scores = pd.read_csv(step / "scores.csv")
    assert len(scores) == 30 and set(scores.loc[scores["disagreement"], "dimension_id"]) == set(DISAGREEMENT_DIMENSIONS)
    assert set(pd.read_csv(step / "gaps.csv")["dimension_id"].head(3)) == set(LARGEST_GAP_DIMENSIONS)
    assert scores["consensus_current"].notna().all() and scores["consensus_areas"].notna().all()  # every dimension agreed
    assert {"q2", "q3", "q8"} <= set(pd.read_csv(step / "findings.csv")["item_id"])
    executed = nbformat.read(out / "01_self_assessment.ipynb", as_version=4)
    images = [o for c in executed.cells for o in c.get("outputs", []) if "image/png" in o.get("data", {})]
    assert len(images) == 3
    # workbook 02: every artifact the issue names, and no planted personal data anywhere in the run folder
    from cxmethods.sample import make_sample

    step = out / "artifacts" / "02_voice_of_customer"
    for name in (
        "contact_reasons",
        "channel_mix",
        "patterns_time",
        "anomalies",
        "repeat_contact",
        "failure_demand",
        "drivers",
        "themes",
        "data_quality",
    ):
        assert not pd.read_csv(step / f"{name}.csv").empty, name
    planted = [p["value"] for p in make_sample().truth["planted_personal_data"]]
    leaks = [(f.name, v) for f in out.rglob("*") if f.is_file() for v in planted if v in f.read_text(errors="replace")]
    assert leaks == []
    # workbook 03: five segments, every respondent assigned, channel targets for each segment
    step = out / "artifacts" / "03_segmentation"
    segments = pd.read_csv(step / "segments.csv")
    assert len(segments) == 5 and set(segments.columns) >= {"segment", "name", "size", "share", "pen_portrait", "objective"}
    assert len(pd.read_parquet(step / "assignments.parquet")) == 3000
    assert pd.read_csv(step / "segment_channels.csv")["segment"].nunique() == 5
    # workbook 04: every initiative appraised with its risk; options include doing nothing; the CRM does not pay
    step = out / "artifacts" / "04_business_case"
    appraisal = pd.read_csv(step / "appraisal.csv").set_index("initiative")
    assert len(appraisal) == 12 and appraisal[["npv", "bcr", "p10", "p50", "p90", "prob_negative"]].notna().all().all()
    assert appraisal.loc["I10", "npv"] < 0 and appraisal.loc["I07", "npv"] > 0
    options = pd.read_csv(step / "options.csv").set_index("option")
    assert {"do_nothing", "do_minimum", "preferred"} <= set(options.index) and options.loc["preferred", "npv"] > 0
    assert pd.read_csv(step / "assumptions.csv")["source"].notna().all()
    assert not pd.read_csv(step / "sensitivity.csv").empty and not pd.read_csv(step / "channel_mix.csv").empty
    executed = nbformat.read(out / "04_business_case.ipynb", as_version=4)
    shown = "".join(o.get("data", {}).get("text/markdown", "") for c in executed.cells for o in c.get("outputs", []))
    assert "migration targets allow" in shown and "Prices:" in shown  # the remarks are shown in full
    # workbook 05: a schedule for every backlog item, pilots in distinct areas, KPIs, the timeline
    step = out / "artifacts" / "05_roadmap"
    backlog, schedule = pd.read_csv(step / "backlog.csv"), pd.read_csv(step / "schedule.csv")
    assert set(schedule["id"]) == set(backlog["id"]) and set(schedule["horizon"]) <= {"now", "next year", "wait and see"}
    assert schedule.loc[schedule["id"] == "I10", "horizon"].item() == "wait and see"
    pilots = pd.read_csv(step / "pilot_plan.csv")
    assert len(pilots) >= 1 and (pilots["n_per_cell"] > 0).all()
    assert not pd.read_csv(step / "kpis.csv").empty and (step / "timeline.png").stat().st_size > 10_000
    # outputs: the report, the Excel file and the deck, and every file listed in run.json with its checksum
    import hashlib

    index = (out / "report" / "index.html").read_text(encoding="utf-8")
    assert "Riverton" in index and "Preferred package" in index and 'href="business-case.html"' in index
    page = (out / "report" / "self-assessment.html").read_text(encoding="utf-8")
    assert "Set participant" not in page and "load_engagement" not in page  # no live-only output, no code
    assert "Strengths and areas for improvement" in page
    from openpyxl import load_workbook

    book = load_workbook(out / "riverton.xlsx", read_only=True)
    assert book.sheetnames[:3] == ["Contents", "Data dictionary", "Business case"]
    from pptx import Presentation

    deck = Presentation(out / "riverton.pptx")
    assert deck.slides[-1].shapes.title.text == "Next steps" and sum(s.has_chart for sl in deck.slides for s in sl.shapes) >= 4
    manifest = json.loads((out / "run.json").read_text())
    assert [o["status"] for o in manifest["outputs"]] == ["ok", "ok", "ok"]
    files = {f["path"]: f for f in manifest["files"]}
    assert {"riverton.xlsx", "riverton.pptx", "report/index.html", "artifacts/04_business_case/appraisal.csv"} <= set(files)
    assert files["riverton.pptx"]["sha256"] == hashlib.sha256((out / "riverton.pptx").read_bytes()).hexdigest()


def test_the_sample_run_writes_every_registered_artifact_and_nothing_else(sample_run):
    written = {(p.parent.name, p.stem) for p in (sample_run.out / "artifacts").glob("*/*.*")}
    assert written == {(a.step, a.name) for a in ARTIFACTS}


@pytest.mark.parametrize("item", [a for a in ARTIFACTS if a.kind == "csv"], ids=lambda a: f"{a.step}/{a.name}")
def test_each_table_has_the_registered_columns(sample_run, item):
    header = list(pd.read_csv(sample_run.out / "artifacts" / item.step / item.filename, nrows=0).columns)
    if item.more_columns:  # e.g. one column per channel, after the registered ones
        assert header[: len(item.columns)] == list(item.columns)
    else:
        assert header == list(item.columns)


def test_parquet_artifacts_have_the_registered_columns(sample_run):
    for item in (a for a in ARTIFACTS if a.kind == "parquet"):
        table = pd.read_parquet(sample_run.out / "artifacts" / item.step / item.filename)
        assert set(item.needs) <= set(table.columns) and len(table) > 0
