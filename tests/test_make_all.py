"""Making the outputs: the Excel file alongside the deck and report gives the same files; a failure is reported."""

from __future__ import annotations

import os
import shutil
import signal

import pytest

from cxmethods.core.config import load_engagement
from cxmethods.outputs import make_all


@pytest.fixture
def run_folder(sample_run, tmp_path):
    """The sample's run folder without its outputs, in a folder of this test's own."""
    out = tmp_path / "riverton"
    shutil.copytree(sample_run.out, out, ignore=shutil.ignore_patterns("report", "*.xlsx", "*.pptx"))
    return out


def test_side_by_side_makes_the_same_files_as_one_after_another(run_folder, tmp_path):
    eng = load_engagement(None)
    made = make_all.write_outputs(run_folder, eng, workers=2)
    assert [(m.output, m.status) for m in made] == [("excel", "ok"), ("deck", "ok"), ("report", "ok")]
    again = tmp_path / "again" / "riverton"
    shutil.copytree(run_folder, again, ignore=shutil.ignore_patterns("report", "*.xlsx", "*.pptx"))
    make_all.write_outputs(again, eng, workers=1)
    for name in ("riverton.xlsx", "riverton.pptx", *(f"report/{p.name}" for p in (run_folder / "report").glob("*.html"))):
        assert (run_folder / name).read_bytes() == (again / name).read_bytes(), name
    assert "riverton.xlsx" in (run_folder / "report" / "index.html").read_text()


def test_an_excel_file_that_fails_alongside_is_reported_and_not_linked(run_folder, monkeypatch):
    def broken(run_dir, eng):
        raise ValueError("a sheet could not be written")

    monkeypatch.setitem(make_all.OUTPUTS, "excel", broken)  # the forked process has it too
    made = {m.output: m for m in make_all.write_outputs(run_folder, load_engagement(None), workers=2)}
    assert made["excel"].status == "failed" and made["excel"].error == "ValueError: a sheet could not be written"
    assert made["deck"].status == made["report"].status == "ok"
    index = (run_folder / "report" / "index.html").read_text()
    assert "riverton.xlsx" not in index and "riverton.pptx" in index


def test_an_excel_process_killed_is_a_failed_output_and_the_others_are_made(run_folder, monkeypatch):
    def killed(run_dir, eng):  # what the out-of-memory killer does to the process making it
        os.kill(os.getpid(), signal.SIGKILL)

    monkeypatch.setitem(make_all.OUTPUTS, "excel", killed)
    made = {m.output: m for m in make_all.write_outputs(run_folder, load_engagement(None), workers=2)}
    assert made["excel"].status == "failed" and made["excel"].error == "the process making it was killed by signal 9"
    assert made["deck"].status == made["report"].status == "ok"
    assert "riverton.xlsx" not in (run_folder / "report" / "index.html").read_text()
