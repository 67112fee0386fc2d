"""The HTML report, read back as text: no code or workshop-only cells, tables and charts kept, nothing fetched from
the network, an index with each workbook's link, status and headlines, and the same bytes from the same run."""

from __future__ import annotations

import base64
import html
import json
import re

import nbformat
import pandas as pd
import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook, new_output

from cxmethods import CxmError
from cxmethods.outputs.report import write_report
from cxmethods.plots.charts import Chart

ORG = "Riverton & District Council"
NAME = "riverton"


def _png() -> bytes:
    fig = Chart(figsize=(2, 1.5))
    fig.add_subplot().bar(["a", "b"], [3, 5])
    return fig._repr_png_()


PNG = _png()
TABLE = pd.DataFrame({"service": ["Waste", "Parking"], "contacts": [6863, 2216], "share": [0.1344, None]})
WIDGET = {"model_id": "abc", "version_major": 2, "version_minor": 0}
NAMED = pd.DataFrame({"cost": [1.5, 2.25]}, index=pd.Index(["phone", "web"], name="channel"))


def _result(data: dict, kind: str = "execute_result") -> nbformat.NotebookNode:
    return new_output(kind, data=data, execution_count=1) if kind == "execute_result" else new_output(kind, data=data)


def _workbook(run_dir) -> nbformat.NotebookNode:
    """One cell per behaviour: what a client reads, and everything a report must leave out."""
    saved = f"[PosixPath('{run_dir}/artifacts/00_start_here/inputs.csv'),\n PosixPath('{run_dir}/artifacts/gone.csv')]"
    cells = [
        new_markdown_cell("# 00 · Start here\n\nNARRATIVE_FOR_CLIENT about the inputs."),
        new_markdown_cell("## Parameters\n\nPARAMETERS_HELP: headless runs fill these in."),
        new_code_cell("engagement: str = None  # SECRET_PARAMETER", metadata={"tags": ["parameters"]}),
        new_code_cell('# Parameters\nengagement = "INJECTED_PATH"', metadata={"tags": ["injected-parameters"]}),
        new_code_cell("CODE_SOURCE_TABLE = table()", outputs=[_result({"text/html": TABLE.to_html(), "text/plain": "t"})]),
        new_code_cell("named_table()", outputs=[_result({"text/html": NAMED.to_html(), "text/plain": "n"})]),
        new_code_cell(
            "chart()", outputs=[_result({"image/png": base64.b64encode(PNG).decode(), "text/plain": "<Chart>"}, "display_data")]
        ),
        new_code_cell(
            "form()",
            outputs=[
                _result(
                    {
                        "application/vnd.jupyter.widget-view+json": WIDGET,
                        "text/plain": "WorkshopForm(children=(HTML(value='<h3>Score</h3>'),))",
                    }
                )
            ],
        ),
        new_code_cell("box()", outputs=[_result({"text/plain": "HBox(children=(Button(description='Save'),))"})]),
        new_markdown_cell("FACILITATOR_NOTE: allow 20 minutes.", metadata={"tags": ["facilitator"]}),
        new_markdown_cell("EXERCISE_TEXT: which reason first?", metadata={"tags": ["exercise"]}),
        new_code_cell(
            "solution()", metadata={"tags": ["solution"]}, outputs=[new_output("stream", name="stdout", text="SOLUTION_OUTPUT\n")]
        ),
        new_code_cell(
            "noisy()",
            outputs=[
                new_output("stream", name="stderr", text="UserWarning: STDERR_WARNING\n"),
                new_output("stream", name="stdout", text="STDOUT_KEPT\n"),
            ],
        ),
        new_code_cell("hidden()", metadata={"tags": ["remove-output"]}, outputs=[_result({"text/plain": "'REMOVED_OUTPUT'"})]),
        new_code_cell("result.write(run_dir)", outputs=[_result({"text/plain": saved})]),
    ]
    for i, cell in enumerate(c for c in cells if c.cell_type == "code"):
        cell.execution_count = i + 1
    nb = new_notebook(cells=cells)
    nb.metadata["widgets"] = {"application/vnd.jupyter.widget-state+json": {"state": {}, "version_major": 2, "version_minor": 0}}
    return nb


def _failed_workbook() -> nbformat.NotebookNode:
    error = new_output(
        "error",
        ename="FileNotFoundError",
        evalue="artifacts/03_segmentation/segments.csv is missing",
        traceback=["FileNotFoundError: artifacts/03_segmentation/segments.csv is missing"],
    )
    cell = new_code_cell("FAILING_CODE = load()", outputs=[error], execution_count=1)
    return new_notebook(cells=[new_markdown_cell("# 01 · Self-assessment"), cell])


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    """A run folder: workbook 00 (every kind of cell), workbook 01 (failed), artifacts for their headlines, run.json."""
    folder = tmp_path_factory.mktemp("run")
    nbformat.write(_workbook(folder), folder / "00_start_here.ipynb")
    nbformat.write(_failed_workbook(), folder / "01_self_assessment.ipynb")
    (folder / "artifacts" / "00_start_here").mkdir(parents=True)
    pd.DataFrame(
        {"input": ["contact_log", "survey", "backlog"], "rows": [120, 30, 0], "errors": [0, 0, 0], "warnings": [2, 1, 0]}
    ).to_csv(folder / "artifacts" / "00_start_here" / "inputs.csv", index=False)
    (folder / f"{NAME}.xlsx").write_bytes(b"not really a workbook")
    manifest = {
        "engagement": {"name": NAME, "organisation": ORG},
        "started_at": "2026-01-05T09:30:00+00:00",
        "status": "failed",
        "workbooks": [
            {"workbook": "00_start_here", "status": "ok", "error": None},
            {
                "workbook": "01_self_assessment",
                "status": "failed",
                "cell": 1,
                "error": "FileNotFoundError: artifacts/03_segmentation/segments.csv is missing",
            },
        ],
    }
    (folder / "run.json").write_text(json.dumps(manifest))
    paths = write_report(folder, name=NAME, organisation=ORG)
    pages = {p.stem: p.read_text(encoding="utf-8") for p in paths}
    bodies = {name: page[page.index("<body") :] for name, page in pages.items()}  # without the CSS and its comments
    return {"dir": folder, "paths": paths, "pages": pages, "bodies": bodies}


def test_writes_the_index_then_a_page_per_executed_workbook(run):
    report = run["dir"] / "report"
    assert run["paths"] == [report / "index.html", report / "00_start_here.html", report / "01_self_assessment.html"]


@pytest.mark.parametrize(
    "hidden",
    [
        "CODE_SOURCE_TABLE",
        "FAILING_CODE",
        "SECRET_PARAMETER",
        "INJECTED_PATH",
        "PARAMETERS_HELP",  # code, parameters
        "FACILITATOR_NOTE",
        "EXERCISE_TEXT",
        "SOLUTION_OUTPUT",
        "REMOVED_OUTPUT",  # workshop-only cells and tagged outputs
        "WorkshopForm",
        "HBox(",
        "widget-view+json",
        "widget-state+json",
        "STDERR_WARNING",  # widgets, warnings
        "In&nbsp;[",
        "Out[",
        "jp-InputArea-editor",
        "highlight hl-ipython3",  # prompts and code input areas
    ],
)
def test_pages_leave_out_code_and_what_only_the_room_needs(run, hidden):
    for name in ("00_start_here", "01_self_assessment"):
        assert hidden not in run["bodies"][name], f"{hidden} appears in {name}.html"


def test_pages_keep_the_narrative_tables_charts_and_text(run):
    page = run["pages"]["00_start_here"]
    assert "NARRATIVE_FOR_CLIENT" in page and "STDOUT_KEPT" in page
    assert f'src="data:image/png;base64,{base64.b64encode(PNG).decode()}"' in page  # the chart itself, embedded
    assert "<td>Waste</td>" in page and '<td class="num">6863</td>' in page and '<td class="num">0.1344</td>' in page
    assert '<td class="num">\u2013</td>' in page and "NaN" not in page  # a dash where a value is missing
    assert '<th class="num">contacts</th>' in page and "<th>service</th>" in page
    assert not re.search(r"<th>\s*[01]\s*</th>", page)  # pandas' 0, 1 row numbers are gone ...
    assert "<th>channel</th>" in page and "<th>phone</th>" in page  # ... a named index stays
    assert f"{ORG.replace('&', '&amp;')}</span>" in page and "Start here: the engagement" in page  # header
    assert 'href="index.html"' in page


def test_saved_files_become_links_into_the_run_folder(run):
    page = run["pages"]["00_start_here"]
    assert '<a href="../artifacts/00_start_here/inputs.csv">artifacts/00_start_here/inputs.csv</a>' in page
    assert "<li>artifacts/gone.csv</li>" in page  # not in the folder: named, not linked
    assert "PosixPath" not in page and str(run["dir"]) not in page  # the machine's own paths never show


@pytest.mark.parametrize("name", ["index", "00_start_here", "01_self_assessment"])
def test_pages_are_self_contained(run, name):
    page = run["pages"][name]
    assert not re.search(r"<script[^>]*\bsrc=", page)
    assert not re.search(r"<link[^>]*\bhref=[\"']?https?:", page)
    assert not re.search(r"import\(\s*[\"']https?:", page)  # no module fetched by a script either
    assert "@media print" in page and "max-width: 1000px" in page


def test_a_failed_workbook_shows_its_failure(run):
    page = run["pages"]["01_self_assessment"]
    assert "This workbook did not finish: FileNotFoundError: artifacts/03_segmentation/segments.csv is missing" in page
    assert page.count("segments.csv is missing") >= 2  # the banner and the error in place
    index = run["pages"]["index"]
    assert '01_self_assessment.html">Self-assessment: where we are</a> <span class="cxm-status cxm-failed">' in index
    assert "Status: failed (1 of 2 workbooks failed)" in index


def test_index_lists_each_workbook_with_its_link_status_and_headlines(run):
    index = run["pages"]["index"]
    assert 'href="00_start_here.html">Start here: the engagement&#x27;s inputs</a> <span class="cxm-status cxm-ok">' in index
    # the headlines, worked out from inputs.csv by hand
    assert "<li>Inputs read: contact log (120 rows), survey (30 rows).</li>" in index
    assert "<li>0 errors and 3 data-quality warnings;" in index
    assert index.index("00_start_here.html") < index.index("01_self_assessment.html")
    assert html.escape(ORG) in index and f"engagement {NAME}" in index and "Run of 5 January 2026" in index
    assert f'href="../{NAME}.xlsx"' in index and ".pptx" not in index  # a link only to what exists


def test_the_same_run_gives_the_same_bytes_and_old_pages_go(run, tmp_path):
    folder = tmp_path / "again"
    folder.mkdir()
    for item in ("00_start_here.ipynb", "01_self_assessment.ipynb", "run.json"):
        (folder / item).write_bytes((run["dir"] / item).read_bytes())
    first = {p.name: p.read_bytes() for p in write_report(folder, name=NAME, organisation=ORG)}
    second = {p.name: p.read_bytes() for p in write_report(folder, name=NAME, organisation=ORG)}
    assert first == second and len(first) == 3
    (folder / "01_self_assessment.ipynb").unlink()
    assert [p.name for p in write_report(folder, name=NAME, organisation=ORG)] == ["index.html", "00_start_here.html"]
    assert not (folder / "report" / "01_self_assessment.html").exists()


def test_a_workbook_run_earlier_says_so(tmp_path):
    nbformat.write(_workbook(tmp_path), tmp_path / "00_start_here.ipynb")  # no run.json: not from this run
    index = write_report(tmp_path, name=NAME, organisation=ORG)[0].read_text(encoding="utf-8")
    assert "from an earlier run" in index and "Status: unknown (no run.json)" in index


@pytest.mark.parametrize("notebook", [None, new_notebook(cells=[new_code_cell("x = 1")])], ids=["empty", "not executed"])
def test_a_folder_without_executed_workbooks_is_an_error(tmp_path, notebook):
    if notebook is not None:
        nbformat.write(notebook, tmp_path / "00_start_here.ipynb")
    with pytest.raises(CxmError, match=rf"{re.escape(str(tmp_path))} has no executed workbooks .*run the workbooks first"):
        write_report(tmp_path, name=NAME, organisation=ORG)


def test_an_unreadable_notebook_is_named(tmp_path):
    (tmp_path / "02_voice_of_customer.ipynb").write_text("{ half a notebook")
    with pytest.raises(CxmError, match=r"02_voice_of_customer.ipynb cannot be read as a notebook .*cxm run --only 02"):
        write_report(tmp_path, name=NAME, organisation=ORG)


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"name": "out/riverton", "organisation": ORG}, r"The 'name' parameter of write_report must be a non-empty file name"),
        ({"name": " ", "organisation": ORG}, r"The 'name' parameter of write_report .* Got ' ' instead\."),
        ({"name": NAME, "organisation": ""}, r"The 'organisation' parameter of write_report must be a non-empty string\. Got ''"),
    ],
)
def test_parameter_checks(tmp_path, options, message):
    with pytest.raises(CxmError, match=message):
        write_report(tmp_path, **options)
