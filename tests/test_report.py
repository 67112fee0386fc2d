"""The client report, read back as text: pages in the method's shape built from the artifacts, nothing a client
should not see (checked by the scan every output gets), notes instead of crashes for what a run lacks, nothing
fetched from the network, and the same bytes from the same run."""

from __future__ import annotations

import json
import re
import shutil

import pandas as pd
import pytest

from cxmethods import CxmError
from cxmethods.core.paths import sample_dir
from cxmethods.io.artifacts import read_table
from cxmethods.outputs.pages import SLUGS
from cxmethods.outputs.present import id_names
from cxmethods.outputs.report import write_report
from cxmethods.outputs.scan import client_text_problems, html_text

ORG = "Riverton & District Council"
NAME = "riverton"
PAGES = ["index", "self-assessment", "customers", "segments", "business-case", "road-map", "appendix"]


def _copy(run, to):
    shutil.copytree(run, to, ignore=shutil.ignore_patterns("report", "*.ipynb"))
    return to


@pytest.fixture(scope="module")
def report(sample_run, tmp_path_factory):
    """The sample run's report, written into a copy of its folder."""
    folder = _copy(sample_run.out, tmp_path_factory.mktemp("report") / "riverton")
    paths = write_report(folder, name=NAME, organisation=ORG)
    return {"dir": folder, "paths": paths, "pages": {p.stem: p.read_text(encoding="utf-8") for p in paths}}


def test_writes_the_summary_then_a_page_per_part_of_the_method(report):
    assert [p.stem for p in report["paths"]] == PAGES == ["index", *SLUGS]
    index = report["pages"]["index"]
    for page in PAGES[1:]:
        assert f'href="{page}.html"' in index  # linked from the summary
        assert all(f'href="{page}.html"' in text for text in report["pages"].values())  # and from every page's menu
    assert f'href="../{NAME}.xlsx"' in index or not (report["dir"] / f"{NAME}.xlsx").exists()


@pytest.mark.parametrize("page", PAGES[:-1])
def test_no_page_shows_what_a_client_should_not_see(report, page):
    ids = set(id_names(report["dir"]))
    problems = client_text_problems(html_text(report["pages"][page]), ids=ids)
    assert not problems, "\n".join(f"{p.kind}: {p.found!r} in …{p.context}…" for p in problems[:15])


def test_self_assessment_names_no_respondent_and_gives_the_rooms_reasons(report):
    page = html_text(report["pages"]["self-assessment"])
    answers = pd.read_csv(sample_dir() / "workshop" / "self_assessment.csv")
    people = {str(p) for p in answers["participant"].dropna()}
    assert people and not [p for p in people if re.search(rf"\b{re.escape(p)}\b", page)]
    scores = read_table(report["dir"], "01_self_assessment", "scores")
    disputed = scores[scores["disagreement"].astype(str) == "True"]  # the reasons the room gave where it disagreed
    reasons = [r.strip() for r in disputed["consensus_rationale"].dropna().astype(str) if r.strip()]
    assert reasons and all(r[:60] in page for r in reasons)
    recorded = [t.strip() for t in scores["consensus_areas"].dropna().astype(str) if t.strip().startswith("Next:")]
    assert recorded and sum(t[:60] in page for t in recorded) >= 5  # the areas for improvement the room recorded
    components = read_table(report["dir"], "01_self_assessment", "components")
    for name in components["component_name"]:
        assert f"<h3>{name}</h3>" in report["pages"]["self-assessment"]
    assert page.count("Areas for improvement") == len(components) and "Improvement plan" in page


def test_business_case_follows_the_five_case_model(report):
    text = html_text(report["pages"]["business-case"])
    heads = [
        text.index(f"{n}. {case} case")
        for n, case in enumerate(["Strategic", "Economic", "Commercial", "Financial", "Management"], 1)
    ]
    assert heads == sorted(heads)
    options = read_table(report["dir"], "04_business_case", "options")
    preferred = options.set_index("option").loc["preferred"]
    for column in ("npv", "cash_npv", "pv_noncash_benefits"):  # cash and non-cash side by side, as money
        assert f"£{abs(preferred[column]):,.0f}" in text
    afford = read_table(report["dir"], "04_business_case", "affordability")
    assert all(f"£{v:,.0f}" in text for v in afford["cash_out"] if v > 0)


def test_road_map_is_a_timeline_with_owners_milestones_and_dependency_arrows(report):
    page = report["pages"]["road-map"]
    sched = read_table(report["dir"], "05_roadmap", "schedule")
    planned = sched.dropna(subset=["start_quarter"])
    titles = set(planned["title"].astype(str))
    for title in titles:
        assert title.replace("'", "&#x27;") in page
    owners = {str(o) for o in planned["owner"].dropna() if str(o).strip()}
    assert owners and all(o in page for o in owners)
    ids = set(planned["id"].astype(str))
    links = sum(1 for deps in planned["dependencies"].dropna().astype(str) for d in deps.split(";") if d.strip() in ids)
    assert page.count('marker-end="url(#cxm-arrow)"') == links
    pilots = read_table(report["dir"], "05_roadmap", "pilot_plan")
    assert page.count("<title>pilot results due</title>") == len(set(pilots["initiative"]) & ids)


def test_pages_are_self_contained(report):
    for text in report["pages"].values():
        assert not re.search(r"""(?:src|href)=["']?(?:https?:)?//""", text)
        assert set(re.findall(r'<script src="([^"]+)"', text)) <= {"assets/cxm.js"} and "@import" not in text
    assert {p.name for p in (report["dir"] / "report" / "assets").iterdir()} == {"cxm.js", "cxm.css"}


def test_the_same_run_gives_the_same_bytes_and_old_pages_go(report, tmp_path):
    folder = _copy(report["dir"], tmp_path / "again")
    (folder / "report").mkdir()
    (folder / "report" / "00_start_here.html").write_text("an old notebook printout")
    (folder / "report" / "mine.html").write_text("the user's own")
    paths = write_report(folder, name=NAME, organisation=ORG)
    assert {p.name: p.read_bytes() for p in paths} == {p.name: p.read_bytes() for p in report["paths"]}
    assert not (folder / "report" / "00_start_here.html").exists() and (folder / "report" / "mine.html").exists()


def test_a_run_without_a_business_case_or_road_map_leaves_their_pages_out(report, tmp_path):
    folder = _copy(report["dir"], tmp_path / "partial")
    for step in ("04_business_case", "05_roadmap"):
        shutil.rmtree(folder / "artifacts" / step)
    pages = [p.stem for p in write_report(folder, name=NAME, organisation=ORG)]
    assert pages == ["index", "self-assessment", "customers", "segments", "appendix"]
    text = html_text((folder / "report" / "index.html").read_text())
    assert "business case" not in text.lower().split("in this report")[-1]
    assert not client_text_problems(text, ids=set(id_names(folder)))


def test_a_failed_workbook_is_said_on_its_page(report, tmp_path):
    folder = _copy(report["dir"], tmp_path / "failed")
    manifest = json.loads((folder / "run.json").read_text())
    for step in manifest["workbooks"]:
        if step["workbook"] == "02_voice_of_customer":
            step.update(status="failed", error="ValueError: boom")
    (folder / "run.json").write_text(json.dumps(manifest))
    write_report(folder, name=NAME, organisation=ORG)
    page = (folder / "report" / "customers.html").read_text()
    assert '<p class="cxm-failure">Voice of the customer did not finish in this run' in page
    assert "1 of 6 workbooks failed" in (folder / "report" / "index.html").read_text()


def test_a_folder_without_results_is_an_error(tmp_path):
    with pytest.raises(CxmError, match="has no results to report"):
        write_report(tmp_path, name=NAME, organisation=ORG)


@pytest.mark.parametrize(
    ("options", "message"),
    [({"name": "a/b", "organisation": ORG}, "name"), ({"name": NAME, "organisation": " "}, "organisation")],
)
def test_parameter_checks(tmp_path, options, message):
    with pytest.raises(CxmError, match=message):
        write_report(tmp_path, **options)
