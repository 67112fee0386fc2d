"""The headless runner: order, run folder, run.json, failure summaries that keep partial outputs."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import nbformat
import openpyxl
import pytest
from typer.testing import CliRunner

from cxmethods import CxmError, run_engagement
from cxmethods.cli import app
from cxmethods.run.runner import list_workbooks

FIXTURES = Path(__file__).parent / "fixtures" / "notebooks"
CXM = Path(sys.executable).parent / "cxm"


def test_list_workbooks_in_order_and_only_filter():
    assert [b.stem for b in list_workbooks(folder=FIXTURES)] == ["01_ok", "02_broken", "03_after"]
    assert [b.stem for b in list_workbooks("1,03_after", folder=FIXTURES)] == ["01_ok", "03_after"]
    with pytest.raises(CxmError, match=r"--only names no workbook: 07\. Workbooks: 01_ok, 02_broken, 03_after\."):
        list_workbooks("07", folder=FIXTURES)


def test_broken_workbook_names_the_cell_keeps_outputs_and_the_others_still_run(tiny, tmp_path):
    out = tmp_path / "run"
    result = run_engagement(tiny.path, out=out, workbooks=FIXTURES)
    assert [s.status for s in result.steps] == ["ok", "failed", "ok"]
    failed = result.failed
    assert (
        failed.workbook == "02_broken" and failed.cell == 5
    )  # In [5] of the executed notebook (the injected parameters cell counts)
    assert failed.error == "ZeroDivisionError: division by zero"
    assert failed.summary() == "02_broken failed at cell [5] (share = 1 / 0): ZeroDivisionError: division by zero"
    # what was produced before the failure is kept, including the failed notebook with its traceback
    assert (out / "artifacts" / "01_ok" / "hello.csv").read_text() == "organisation\nTiny Council\n"
    assert (out / "artifacts" / "02_broken" / "partial.csv").exists()
    executed = nbformat.read(out / "02_broken.ipynb", as_version=4)
    assert any(o.get("ename") == "ZeroDivisionError" for c in executed.cells for o in c.get("outputs", []))
    assert (out / "03_after.ipynb").exists()
    manifest = json.loads((out / "run.json").read_text())
    assert manifest["status"] == "failed"
    assert [w["status"] for w in manifest["workbooks"]] == ["ok", "failed", "ok"]


def test_run_json_records_parameters_versions_checksums_and_timings(tiny, tmp_path):
    events = []
    result = run_engagement(tiny.path, out=tmp_path / "run", only="01", workbooks=FIXTURES, progress=lambda *e: events.append(e))
    assert result.ok
    manifest = json.loads((tmp_path / "run" / "run.json").read_text())
    assert manifest["parameters"] == {"engagement": str(tiny.path.resolve()), "run_dir": str((tmp_path / "run").resolve())}
    assert manifest["only"] == ["01_ok"]
    assert {"python", "cxmethods", "papermill", "pandas"} <= set(manifest["versions"])
    inputs = {i["input"]: i for i in manifest["inputs"]}
    assert set(inputs) == {"contact_log", "survey", "initiatives", "self_assessment"}
    import hashlib

    assert inputs["survey"]["sha256"] == hashlib.sha256((tiny.folder / "survey.csv").read_bytes()).hexdigest()
    assert manifest["workbooks"][0]["workbook"] == "01_ok" and manifest["workbooks"][0]["seconds"] > 0
    assert events[0] == ("01_ok", 0, 4) and events[-1] == ("01_ok", 4, 4)  # 3 code cells + injected parameters


def test_invalid_engagement_runs_nothing(tiny, tmp_path):
    (tiny.folder / "survey.csv").unlink()
    with pytest.raises(CxmError, match=r"survey\.csv: file not found"):
        run_engagement(tiny.path, out=tmp_path / "run", workbooks=FIXTURES)
    assert not (tmp_path / "run").exists()


def test_kernels_started_while_the_engagement_is_checked_are_stopped_when_it_fails(tiny, tmp_path, monkeypatch):
    from cxmethods.run import runner

    started, one = [], threading.Event()

    def recording(*args, **kwargs):
        km = start_kernel(*args, **kwargs)
        started.append(km.provisioner.pid)
        one.set()
        return km

    def slow_check(eng):  # the checks end only once a kernel is up, as on a large engagement
        assert one.wait(120), "no kernel was started while the engagement was checked"
        return validate_engagement(eng)

    start_kernel, validate_engagement = runner.start_kernel, runner.validate_engagement
    monkeypatch.setattr(runner, "start_kernel", recording)
    monkeypatch.setattr(runner, "validate_engagement", slow_check)
    (tiny.folder / "survey.csv").unlink()
    with pytest.raises(CxmError, match=r"survey\.csv: file not found"):
        run_engagement(tiny.path, out=tmp_path / "run", workbooks=FIXTURES, workers=2)
    for pid in started:
        with pytest.raises(ProcessLookupError):
            os.kill(pid, 0)
    assert not (tmp_path / "run").exists()


def test_a_workbook_that_cannot_be_read_fails_alone(tiny, tmp_path):
    books = tmp_path / "books"
    books.mkdir()
    shutil.copy(FIXTURES / "01_ok.ipynb", books / "01_ok.ipynb")
    (books / "02_torn.ipynb").write_text('{"cells": [', encoding="utf-8")  # cut off while being copied
    shutil.copy(FIXTURES / "03_after.ipynb", books / "03_after.ipynb")
    result = run_engagement(tiny.path, out=tmp_path / "run", workbooks=books, outputs=False, workers=2)
    assert [(s.workbook, s.status) for s in result.steps] == [("01_ok", "ok"), ("02_torn", "failed"), ("03_after", "ok")]
    assert result.steps[1].error.startswith("the workbook could not be read: ")


@pytest.mark.parametrize(
    ("broken", "says"),
    [
        ("warm", "the kernel stopped while loading the workbook's modules: RuntimeError: the kernel died"),
        ("move_to", "the kernel stopped before the workbook began: RuntimeError: the kernel died"),
    ],
)
def test_a_kernel_that_dies_before_its_workbook_runs_fails_that_workbook_alone(tiny, tmp_path, monkeypatch, broken, says):
    from cxmethods.run import runner

    kernels, real = [], getattr(runner, broken)

    def dies(km, *args, **kwargs):
        kernels.append(km.provisioner.pid)
        if len(kernels) == 2:  # the second workbook's kernel, whichever that is
            raise RuntimeError("the kernel died")
        return real(km, *args, **kwargs)

    monkeypatch.setattr(runner, broken, dies)
    out = tmp_path / "run"
    result = run_engagement(tiny.path, out=out, workbooks=FIXTURES, outputs=False, workers=2)
    failed = [s for s in result.steps if s.error == says]
    assert len(failed) == 1 and all(s.status == "ok" for s in result.steps if s not in failed and s.workbook != "02_broken")
    manifest = json.loads((out / "run.json").read_text())
    assert manifest["status"] == "failed" and manifest["finished_at"]
    for pid in kernels:  # every kernel started is gone, the one that "died" included
        with pytest.raises(ProcessLookupError):
            os.kill(pid, 0)


def test_cli_run_failure_exits_non_zero_with_summary(tiny, tmp_path):
    result = CliRunner().invoke(app, ["run", str(tiny.path), "--out", str(tmp_path / "run"), "--workbooks", str(FIXTURES)])
    assert result.exit_code == 1
    assert "02_broken failed at cell [5] (share = 1 / 0): ZeroDivisionError: division by zero" in result.output


def test_cli_validate(tiny):
    ok = CliRunner().invoke(app, ["validate", str(tiny.path)])
    assert ok.exit_code == 0 and "OK" in ok.output
    tiny.set_file("survey.csv", tiny.files["survey.csv"].replace("R3,5,", "R3,7,"))
    bad = CliRunner().invoke(app, ["validate", str(tiny.path)])
    assert bad.exit_code == 1
    assert "1 error(s)" in bad.output and "survey.csv" in bad.output


def test_out_that_is_a_file_and_only_checked_before_inputs(tiny, tmp_path):
    afile = tmp_path / "afile"
    afile.write_text("x")
    with pytest.raises(CxmError, match=r"--out .*afile is a file; give a folder for the run\."):
        run_engagement(tiny.path, out=afile, workbooks=FIXTURES)
    (tiny.folder / "survey.csv").unlink()  # a broken input: --only is still reported first
    with pytest.raises(CxmError, match=r"--only names no workbook: 9"):
        run_engagement(tiny.path, out=tmp_path / "run", only="9", workbooks=FIXTURES)


def test_a_kernel_of_our_name_running_another_python_is_refused(tmp_path, monkeypatch):
    from cxmethods.run.runner import ensure_kernel

    spec_dir = tmp_path / "kernels" / "cxmethods"
    spec_dir.mkdir(parents=True)
    (spec_dir / "kernel.json").write_text(
        json.dumps(
            {
                "argv": ["/opt/other-env/bin/python", "-m", "ipykernel_launcher", "-f", "{connection_file}"],
                "display_name": "stale",
                "language": "python",
            }
        )
    )
    monkeypatch.setenv("JUPYTER_PATH", str(tmp_path))
    with pytest.raises(
        CxmError,
        match=r"The Jupyter kernel 'cxmethods' .* runs /opt/other-env/bin/python, not this "
        r"environment's .*Fix: remove it \(jupyter kernelspec remove cxmethods\)",
    ):
        ensure_kernel()


def test_default_run_folder(tiny, tmp_path, monkeypatch):
    from cxmethods import load_engagement, run_folder
    from cxmethods.core.paths import workbooks_dir

    eng = load_engagement(tiny.path)
    assert run_folder(tmp_path / "given", eng) == tmp_path / "given"
    monkeypatch.setenv("CXM_OUT", str(tmp_path / "env"))
    assert run_folder(None, eng) == tmp_path / "env" / "tiny"
    monkeypatch.delenv("CXM_OUT")
    monkeypatch.chdir(tmp_path)
    assert run_folder(None, eng) == tmp_path / "out" / "tiny"
    monkeypatch.chdir(workbooks_dir())  # a live workbook in the checkout: out/ beside workbooks/, not inside it
    folder = run_folder(None, eng)
    assert folder == workbooks_dir().resolve().parent / "out" / "tiny"
    folder.rmdir()


def test_cxm_run_names_the_files_it_wrote_not_the_run_folder(tiny, tmp_path):
    """--out names any folder; the Excel file and the deck are named after the engagement, and the last lines say so."""
    out = tmp_path / "client-run"
    done = CliRunner().invoke(app, ["run", str(tiny.path), "--out", str(out), "--only", "01", "--workbooks", str(FIXTURES)])
    assert done.exit_code == 0, done.output
    folder = out.resolve()
    lines = done.output.splitlines()
    results = lines.index(f"Results: {folder}")
    assert lines[results + 1 :] == [
        f"  report:     {folder / 'report' / 'index.html'}",
        f"  Excel file: {folder / 'tiny.xlsx'}",  # the deck is skipped: 01_ok writes no table a slide shows
        "  also in the run folder: the executed workbooks (*.ipynb), artifacts/ (every table) and run.json",
    ]
    assert (folder / "report" / "index.html").is_file() and (folder / "tiny.xlsx").is_file()
    assert not (folder / "client-run.xlsx").exists()


def test_cells_about_the_sample_are_left_out_of_another_engagements_workbooks(tiny, tmp_path):
    from cxmethods.run.runner import _notebook

    books = tmp_path / "books"
    books.mkdir()
    nb = nbformat.read(FIXTURES / "01_ok.ipynb", as_version=4)
    note = nbformat.v4.new_markdown_cell("**On the sample:** Riverton's answer.", metadata={"tags": ["facilitator", "sample"]})
    nb.cells.append(note)
    nbformat.write(nb, books / "01_ok.ipynb")
    out = tmp_path / "run"
    assert run_engagement(tiny.path, out=out, workbooks=books, outputs=False).ok  # tiny is not the sample
    executed = (out / "01_ok.ipynb").read_text(encoding="utf-8")
    assert "Riverton" not in executed  # nor in papermill's record of its input: that names the workbook's file
    assert nbformat.reads(executed, as_version=4).metadata.papermill.input_path == str(books / "01_ok.ipynb")
    assert any(
        "Riverton's answer" in c.source for c in _notebook(books / "01_ok.ipynb", sample=True).cells
    )  # the sample keeps its answers


@pytest.mark.parametrize("name", ["Q1 [draft]", "x[/]y"])
def test_paths_with_markup_are_printed_as_they_are_and_a_good_command_exits_0(tmp_path, name):
    """Paths go to the terminal escaped: '[draft]' is no style tag, and '[/]' no closing tag that fails the command."""
    out = tmp_path / name
    made = CliRunner().invoke(app, ["sample", "--out", str(out)])
    assert made.exit_code == 0, made.output
    assert f"Wrote 12 files to {out}: engagement.yaml" in made.output.replace("\n", "")
    checked = CliRunner().invoke(app, ["validate", str(out / "engagement.yaml")])
    assert checked.exit_code == 0, checked.output
    assert f"OK: {out / 'engagement.yaml'} (" in checked.output.replace("\n", "")


def _waiting_workbooks(folder: Path) -> Path:
    """01_ok, then a workbook that says it started (a file), waits long, and has a cell after the wait."""
    folder.mkdir()
    shutil.copy(FIXTURES / "01_ok.ipynb", folder)
    nb = nbformat.read(FIXTURES / "01_ok.ipynb", as_version=4)
    nb.cells = [
        *nb.cells[:3],
        nbformat.v4.new_code_cell('(run_dir / "waiting").write_text("yes")\nimport time\ntime.sleep(120)'),
        nbformat.v4.new_code_cell('print("after the wait")'),
    ]
    nbformat.write(nb, folder / "02_wait.ipynb")
    return folder


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM])
def test_an_interrupted_run_is_marked_interrupted_and_never_reported_complete(tiny, tmp_path, sig):
    books, out = _waiting_workbooks(tmp_path / "books"), tmp_path / "run"
    run = subprocess.Popen(
        [str(CXM), "run", str(tiny.path), "--out", str(out), "--workbooks", str(books)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    deadline = time.monotonic() + 120
    while not (out / "waiting").exists():
        assert run.poll() is None and time.monotonic() < deadline, "the run ended before the waiting workbook"
        if (out / "run.json").exists():  # while it runs, run.json says so
            assert json.loads((out / "run.json").read_text())["status"] == "running"
        time.sleep(0.2)
    run.send_signal(sig)
    _, stderr = run.communicate(timeout=120)
    assert run.returncode == 130 and "Interrupted" in stderr
    manifest = json.loads((out / "run.json").read_text())
    assert manifest["status"] == "interrupted" and manifest["finished_at"]
    assert [(w["workbook"], w["status"]) for w in manifest["workbooks"]] == [("01_ok", "ok"), ("02_wait", "interrupted")]
    nb = nbformat.read(out / "02_wait.ipynb", as_version=4)
    statuses = [c.metadata.papermill["status"] for c in nb.cells if c.cell_type == "code"]
    assert statuses[-2:] == ["interrupted", "pending"] and nb.metadata.papermill.exception
    assert nb.cells[-1].outputs == [] and nb.cells[-1].execution_count is None  # the cell after the wait never ran
    done = CliRunner().invoke(app, ["outputs", str(out), str(tiny.path)])
    assert done.exit_code == 0, done.output
    index = (out / "report" / "index.html").read_text()
    assert "completed (all" not in index
    assert "Status: interrupted (1 of 2 workbooks completed in this run, 1 interrupted)" in index


def test_out_holding_files_no_run_wrote_is_refused_and_left_alone(tiny, tmp_path):
    out = tmp_path / "run"
    out.mkdir()
    (out / "notes.txt").write_text("mine")
    with pytest.raises(CxmError, match=r"holds 1 file\(s\) that no run of 'tiny' writes \(notes\.txt\).*Fix: give a new"):
        run_engagement(tiny.path, out=out, workbooks=FIXTURES)
    assert sorted(p.name for p in out.iterdir()) == ["notes.txt"]  # nothing written, nothing removed
    (out / "notes.txt").unlink()
    assert run_engagement(tiny.path, out=out, only="01", workbooks=FIXTURES).ok  # an empty folder is fine
    private = {"report/99_private.html": "<p>mine</p>", "artifacts/99_private/salaries.csv": "name,salary\nAnn,1\n"}
    for rel, text in private.items():
        (out / rel).parent.mkdir(parents=True, exist_ok=True)
        (out / rel).write_text(text)
    with pytest.raises(CxmError, match=r"holds 2 file\(s\) .*\(artifacts/99_private/salaries\.csv, report/99_private\.html\)"):
        run_engagement(tiny.path, out=out, only="01", workbooks=FIXTURES)
    refused = CliRunner().invoke(app, ["outputs", str(out), str(tiny.path)])
    assert refused.exit_code == 1 and "no run of 'tiny' writes" in refused.output
    assert all((out / rel).read_text() == text for rel, text in private.items())  # neither deleted nor replaced
    # a folder holding another engagement's run
    other = tmp_path / "other"
    manifest = json.loads((out / "run.json").read_text())
    other.mkdir()
    (other / "run.json").write_text(json.dumps({**manifest, "engagement": {"name": "riverton"}}))
    with pytest.raises(CxmError, match=r"holds a run of engagement 'riverton', not 'tiny'"):
        run_engagement(tiny.path, out=other, workbooks=FIXTURES)


def test_files_of_the_user_are_neither_listed_nor_in_the_excel_file(tiny, tmp_path):
    from cxmethods.outputs.excel import write_excel
    from cxmethods.outputs.make_all import file_list

    out = tmp_path / "run"
    assert run_engagement(tiny.path, out=out, only="01", workbooks=FIXTURES).ok
    (out / "artifacts" / "99_private").mkdir()
    (out / "artifacts" / "99_private" / "salaries.csv").write_text("name,salary\nAnn,1\n")
    assert "artifacts/99_private/salaries.csv" not in {f["path"] for f in file_list(out, "tiny")}
    listed = {f["path"] for f in json.loads((out / "run.json").read_text())["files"]}
    assert {"01_ok.ipynb", "artifacts/01_ok/hello.csv", "tiny.xlsx", "report/index.html"} <= listed
    sheets = openpyxl.load_workbook(write_excel(out, name="tiny")).sheetnames
    assert sheets == ["Contents", "Data dictionary", "Hello"]  # the run's one table, not the user's


def test_only_into_an_earlier_run_marks_the_earlier_workbooks(tiny, tmp_path):
    out = tmp_path / "run"
    first = run_engagement(tiny.path, out=out, workbooks=FIXTURES)
    assert [s.status for s in first.steps] == ["ok", "failed", "ok"]
    started = json.loads((out / "run.json").read_text())["started_at"]
    again = run_engagement(tiny.path, out=out, only="01", workbooks=FIXTURES)
    assert again.ok and [s.workbook for s in again.steps] == ["01_ok"]
    manifest = json.loads((out / "run.json").read_text())
    assert [(w["workbook"], w["status"]) for w in manifest["workbooks"]] == [
        ("01_ok", "ok"),
        ("02_broken", "earlier run"),
        ("03_after", "earlier run"),
    ]
    assert manifest["workbooks"][1]["earlier_status"] == "failed" and manifest["workbooks"][1]["run_at"] == started
    index = (out / "report" / "index.html").read_text()
    assert "all 3 workbooks completed" not in index
    assert "Status: completed (1 of 3 workbooks completed in this run, 2 from an earlier run)" in index
    assert f"from the run of {started}, not this one; it failed there: ZeroDivisionError" in index
    contents = openpyxl.load_workbook(out / "tiny.xlsx")["Contents"]
    notes = {row[1]: row[5] for row in contents.iter_rows(values_only=True) if row[1] in ("01 Ok", "02 Broken")}
    assert notes["02 Broken"] == f"from the run of {started} (which failed), not this one" and not notes["01 Ok"]


def _no_traceback(result) -> str:
    """The CLI's output, having checked that it failed with a message, not a traceback."""
    assert result.exit_code == 1 and isinstance(result.exception, SystemExit), result.output
    assert "Traceback" not in result.output and "Errno" not in result.output, result.output
    return " ".join(result.output.split())


def test_out_inside_a_file_is_refused_before_inputs_are_read(tiny, tmp_path):
    afile = tmp_path / "report.csv"
    afile.write_text("x")
    (tiny.folder / "survey.csv").unlink()  # a broken input: the folder is said first, before the inputs are read
    said = _no_traceback(
        CliRunner().invoke(app, ["run", str(tiny.path), "--out", str(afile / "run"), "--workbooks", str(FIXTURES)])
    )
    assert (
        f"Error: --out {afile}/run cannot be made: {afile} is a file, not a folder. Fix: give a folder (--out) whose path "
        in said
    )
    assert f"has no file in it, or move {afile} away." in said and afile.read_text() == "x"


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes into a read-only folder: the message is pinned below by raising")
def test_a_read_only_out_folder_is_refused_with_the_fix(tiny, tmp_path):
    locked = tmp_path / "locked"
    locked.mkdir(mode=0o555)
    try:
        for out, said in (
            (locked, f"--out {locked} cannot be written: permission denied. "),
            (locked / "run", f"--out {locked}/run cannot be made: permission denied on {locked}. "),
        ):
            result = CliRunner().invoke(app, ["run", str(tiny.path), "--out", str(out), "--workbooks", str(FIXTURES)])
            assert said + f"Fix: give a folder you can write to (--out), or get write permission on {locked}." in _no_traceback(
                result
            )
    finally:
        locked.chmod(0o755)


def test_permission_denied_on_the_out_folder_is_a_message_for_any_user(tiny, tmp_path, monkeypatch):
    """As the read-only test, but the refusal is raised where the folder is made and written: pinned even as root."""
    import errno
    import tempfile

    made = tmp_path / "run"

    def denied_mkdir(self, *args, **kwargs):
        raise PermissionError(errno.EACCES, "Permission denied", str(self))

    with monkeypatch.context() as m:
        m.setattr(Path, "mkdir", denied_mkdir)
        said = _no_traceback(CliRunner().invoke(app, ["run", str(tiny.path), "--out", str(made), "--workbooks", str(FIXTURES)]))
    assert (
        f"Error: --out {made} cannot be made: permission denied on {tmp_path}. Fix: give a folder you can write to (--out), "
        in said
    )
    made.mkdir()

    def denied_file(*args, **kwargs):
        raise PermissionError(errno.EACCES, "Permission denied")

    monkeypatch.setattr(tempfile, "TemporaryFile", denied_file)
    said = _no_traceback(CliRunner().invoke(app, ["run", str(tiny.path), "--out", str(made), "--workbooks", str(FIXTURES)]))
    assert f"Error: --out {made} cannot be written: permission denied. Fix: give a folder you can write to (--out), " in said
    assert f"or get write permission on {made}." in said and not list(made.iterdir())
