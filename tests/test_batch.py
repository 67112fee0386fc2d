"""Many engagements at once: each in its own process, a broken one failing alone."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
from pathlib import Path

import distributed
import nbformat
import pytest

from cxmethods import CxmError
from cxmethods.run.batch import run_batch
from cxmethods.sample import write_variants

CXM = Path(sys.executable).parent / "cxm"


def test_variants_differ_and_are_named(tmp_path):
    made = write_variants(tmp_path, 2)
    assert [p.parent.name for p in made] == ["riverton-01", "riverton-02"]
    assert "name: riverton-02" in made[1].read_text()
    assert (made[0].parent / "contact_log.csv.gz").read_bytes() != (made[1].parent / "contact_log.csv.gz").read_bytes()
    with pytest.raises(CxmError, match=r"The 'n' parameter of write_variants must be an int in \[1, 999\]\. Got 0 instead\."):
        write_variants(tmp_path, 0)


def test_a_broken_engagement_fails_alone(tmp_path):
    good, broken = write_variants(tmp_path / "in", 2)
    levers = broken.parent / "levers.csv"
    levers.write_text(levers.read_text().replace("I02,failure_demand,0.2,", "I02,failure_demand,1.2,"))  # a share above 100%
    seen = []
    items = run_batch(
        [good.parent, broken], out=tmp_path / "out", workers=2, progress=lambda item, done, total: seen.append(done)
    )
    assert [i.status for i in items] == ["ok", "failed"] and sorted(seen) == [1, 2]
    assert "share above 100%" in items[1].error and items[1].name == "riverton-02"
    assert (tmp_path / "out" / "riverton-01" / "report" / "index.html").is_file()
    summary = json.loads((tmp_path / "out" / "batch.json").read_text())
    assert summary["status"] == "failed" and [e["status"] for e in summary["engagements"]] == ["ok", "failed"]


def test_batch_refuses_two_engagements_with_one_name_and_bad_workers(tmp_path):
    (one,) = write_variants(tmp_path / "a", 1)
    (same,) = write_variants(tmp_path / "b", 1)
    with pytest.raises(CxmError, match=r"are both named 'riverton-01'"):
        run_batch([one, same], out=tmp_path / "out")
    with pytest.raises(CxmError, match=r"The 'workers' parameter of run_batch must be an int >= 1\. Got 0 instead\."):
        run_batch([one], out=tmp_path / "out", workers=0)


def test_cli_exit_code_and_summary(tmp_path):
    (eng,) = write_variants(tmp_path / "in", 1)
    eng.write_text(eng.read_text().replace("currency: GBP", "curency: GBP"))  # the engagement file itself is wrong
    done = subprocess.run(
        [str(CXM), "batch", str(eng), "--out", str(tmp_path / "out"), "--workers", "1"],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 1
    assert "0 of 1 engagements ok" in done.stdout and "curency" in done.stderr
    assert "Batch summary" in done.stdout and "before the workbooks" in done.stdout


def test_batch_on_a_dask_cluster(tmp_path):
    """The same runs on a real Dask LocalCluster (two worker processes), through --scheduler's code path."""
    good, broken = write_variants(tmp_path / "in", 2)
    broken.write_text(broken.read_text().replace("currency: GBP", "curency: GBP"))
    states = []
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None) as cluster:
        items = run_batch(
            [good, broken],
            out=tmp_path / "out",
            scheduler=cluster.scheduler_address,
            watch=lambda running: states.extend(running.values()),
        )
    assert [i.status for i in items] == ["ok", "failed"] and "curency" in items[1].error
    assert (tmp_path / "out" / "riverton-01" / "riverton-01.xlsx").is_file()
    summary = json.loads((tmp_path / "out" / "batch.json").read_text())
    assert summary["ran_on"] == f"Dask scheduler {cluster.scheduler_address} (2 workers)"
    seen = {(s.name, s.workbook) for s in states}  # per-engagement progress came back from the cluster's workers
    assert ("riverton-01", "02_voice_of_customer") in seen and all(0 <= s.fraction <= 1 for s in states)
    assert not (tmp_path / "out" / ".progress").exists()


def test_unreachable_scheduler_is_a_clear_error(tmp_path, monkeypatch):
    monkeypatch.setattr("cxmethods.run.batch.CONNECT_TIMEOUT", "2s")
    (eng,) = write_variants(tmp_path / "in", 1)
    with pytest.raises(CxmError, match=r"Could not reach the Dask scheduler at tcp://127\.0\.0\.1:9.*`dask scheduler`"):
        run_batch([eng], out=tmp_path / "out", scheduler="tcp://127.0.0.1:9")


FIXTURES = Path(__file__).parent / "fixtures" / "notebooks"


def _engagements(tiny, root: Path, names: list[str]) -> list[Path]:
    """Copies of the tiny engagement, one folder and name each."""
    made = []
    for name in names:
        folder = root / name
        shutil.copytree(tiny.folder, folder, ignore=shutil.ignore_patterns("run*", "in", "out", "books"))
        path = folder / "engagement.yaml"
        path.write_text(path.read_text().replace("name: tiny", f"name: {name}"))
        made.append(path)
    return made


def _slow_workbooks(folder: Path, seconds: float) -> Path:
    """The fixture's 01_ok and a workbook that waits ``seconds``: time for a test to kill an engagement mid-run."""
    folder.mkdir()
    shutil.copy(FIXTURES / "01_ok.ipynb", folder)
    nb = nbformat.read(FIXTURES / "01_ok.ipynb", as_version=4)
    nb.cells = [*nb.cells[:2], nbformat.v4.new_code_cell(f"import time\ntime.sleep({seconds})")]
    nbformat.write(nb, folder / "02_wait.ipynb")
    return folder


@pytest.mark.parametrize(("engagements", "workers", "each"), [(3, 2, 1), (1, 2, 2), (2, 4, 2)])
def test_kernels_never_outnumber_the_workers(tiny, tmp_path, engagements, workers, each):
    """As many engagements as workers run at once, one kernel each; fewer engagements share the workers out."""
    paths = _engagements(tiny, tmp_path / "in", [f"e{i}" for i in range(engagements)])
    items = run_batch(paths, out=tmp_path / "out", workers=workers, workbooks=FIXTURES)
    assert [i.status for i in items] == ["failed"] * engagements  # the fixtures' 02_broken fails on purpose
    for i in range(engagements):
        assert json.loads((tmp_path / "out" / f"e{i}" / "run.json").read_text())["workers"] == each


def test_a_worker_killed_mid_batch_fails_alone_and_says_why(tiny, tmp_path):
    """SIGKILL of one engagement's process (the out-of-memory killer's signal): the others finish ok, batch.json and
    the dead one's run.json say it was killed and why."""
    paths = _engagements(tiny, tmp_path / "in", ["alpha", "victim", "gamma"])
    books = _slow_workbooks(tmp_path / "books", 6)
    killed: list[int] = []

    def watch(running):
        state = running.get(1)
        if state is not None and state.workbook == "02_wait" and not killed:
            os.kill(state.pid, signal.SIGKILL)
            killed.append(state.pid)

    items = run_batch(paths, out=tmp_path / "out", workers=3, watch=watch, workbooks=books)
    assert killed, "the victim was never seen running"
    assert [i.status for i in items] == ["ok", "died", "ok"]
    assert items[1].error == (
        "the engagement's process was killed by signal 9 (SIGKILL), likely out of memory "
        "(the system's out-of-memory killer sends it)"
    )
    summary = json.loads((tmp_path / "out" / "batch.json").read_text())
    assert summary["status"] == "failed"
    assert [(e["name"], e["status"]) for e in summary["engagements"]] == [("alpha", "ok"), ("victim", "died"), ("gamma", "ok")]
    assert "signal 9 (SIGKILL)" in summary["engagements"][1]["error"]
    for name in ("alpha", "gamma"):
        manifest = json.loads((tmp_path / "out" / name / "run.json").read_text())
        assert manifest["status"] == "ok" and (tmp_path / "out" / name / "report" / "index.html").is_file()
    dead = json.loads((tmp_path / "out" / "victim" / "run.json").read_text())  # written at the start, then marked
    assert dead["status"] == "failed" and "killed by signal 9" in dead["error"]
    assert {w["workbook"]: w["status"] for w in dead["workbooks"]} == {"01_ok": "ok", "02_wait": "failed"}
    assert "died here: the engagement's process was killed by signal 9" in dead["workbooks"][1]["error"]
