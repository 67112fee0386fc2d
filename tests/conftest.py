"""Shared fixtures: a tiny engagement written to a temporary folder, one behaviour per test; and the whole
pipeline (`cxm run`) on the sample engagement, run once for the session in the background."""

from __future__ import annotations

import functools
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import textwrap
import threading
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, settings

# Property tests draw the same examples on every run, on every machine: no test passes or fails by the luck of the
# draw. derandomize seeds each test from its own source (and implies no example database); deadlines and the
# too-slow health check are left out because they time the test, which depends on how busy the machine is.
# A failing example prints the blob that reproduces it. Explore with fresh random examples on purpose:
# pytest --hypothesis-profile=default
settings.register_profile(
    "deterministic", derandomize=True, deadline=None, print_blob=True, suppress_health_check=[HealthCheck.too_slow]
)
settings.load_profile("deterministic")

# Fixture notebooks are run by the runner tests, not collected by nbval.
collect_ignore_glob = ["fixtures/*"]

# Workbooks run by nbval (parameters left at None) write their run folder here, not into the checkout.
# Kernels inherit the environment, so this reaches them. Deleted when the session ends (pytest_unconfigure).
NBVAL_OUT = os.environ["CXM_OUT"] = tempfile.mkdtemp(prefix="cxm-test-runs-")

CONTACTS = """\
Case Ref,Date Opened,Date Closed,Channel,Enquiry,Ward,Customer,FCR,Minutes
A1,2025-04-01 09:00:00,2025-04-01 10:00:00,Telephone,Missed bin,North,P1,1,5.5
A2,2025-04-02 10:30:00,,Web,Pothole,South,P2,0,2
A3,2025-04-03 11:00:00,2025-04-04 09:00:00,Telephone,Missed bin,North,P1,yes,6
A4,2025-04-05 12:00:00,2025-04-06 12:00:00,App,Fly-tipping,East,P3,no,1.5
"""

SURVEY = """\
respondent_id,overall_satisfaction,timeliness,comment,preferred_channel
R1,4,5,Quick and helpful,phone
R2,2,9,,web_form
R3,5,4,Great,email
"""

INITIATIVES = """\
initiative_id,name,capital_cost,annual_operating_cost,effort_team_months,depends_on,confidence
I01,Tracking service,50000,5000,6,,0.8
I02,Web redesign,20000,1000,3,I01,0.6
"""

ANSWERS = """\
participant,role,dimension_id,current_level,target_level,evidence
Ann,Director,understand.definition,2,4,We have a list of customer groups
Bob,Adviser,understand.definition,1,3,Not used in practice
"""

ENGAGEMENT = """\
name: tiny
organisation: Tiny Council
currency: GBP
period: {start: 2025-04-01, end: 2025-04-30}
inputs:
  contact_log:
    path: contacts.csv
    columns:
      contact_id: Case Ref
      created_at: Date Opened
      closed_at: Date Closed
      channel: Channel
      reason: Enquiry
      area: Ward
      customer_id: Customer
      resolved_first_contact: FCR
      handling_minutes: Minutes
    values:
      channel: {Telephone: phone, Web: web_form, App: mobile_app}
  survey:
    path: survey.csv
    dont_know_codes: [9]
  initiatives:
    path: initiatives.csv
workshop:
  self_assessment:
    path: answers.csv
"""


class TinyEngagement:
    """A small valid engagement in a folder; tests break one thing at a time."""

    def __init__(self, folder: Path):
        self.folder = folder
        self.files = {"contacts.csv": CONTACTS, "survey.csv": SURVEY, "initiatives.csv": INITIATIVES, "answers.csv": ANSWERS}
        self.yaml = ENGAGEMENT
        self.write()

    @property
    def path(self) -> Path:
        return self.folder / "engagement.yaml"

    def write(self) -> Path:
        for name, text in self.files.items():
            (self.folder / name).write_text(text, encoding="utf-8")
        self.path.write_text(self.yaml, encoding="utf-8")
        return self.path

    def set_yaml(self, text: str) -> Path:
        self.path.write_text(textwrap.dedent(text), encoding="utf-8")
        return self.path

    def set_file(self, name: str, content: str | bytes) -> Path:
        p = self.folder / name
        if isinstance(content, bytes):
            p.write_bytes(content)
        else:
            p.write_text(content, encoding="utf-8")
        return p


@pytest.fixture
def tiny(tmp_path: Path) -> TinyEngagement:
    return TinyEngagement(tmp_path)


@pytest.fixture
def years_of_contacts(tiny: TinyEngagement) -> Callable[..., pd.DataFrame]:
    """``years_of_contacts(start, end)``: gives the tiny engagement a log over those dates whose web share rises
    steadily from 5% to 60% while phone falls (its contacts.csv and period) and returns it, to check against."""
    return functools.partial(_years_of_contacts, tiny)


def _years_of_contacts(tiny, start: str = "2010-03-15", end: str = "2016-08-20", *, per_day: int = 8) -> pd.DataFrame:
    rng = np.random.default_rng(7)
    days = pd.date_range(start, end, freq="D")
    created = np.repeat(days, per_day) + pd.to_timedelta(rng.integers(8 * 3600, 18 * 3600, len(days) * per_day), unit="s")
    progress = (created - created.min()) / (created.max() - created.min())
    web = 0.05 + 0.55 * np.asarray(progress)
    channel = np.where(rng.random(len(created)) < web, "Web", np.where(rng.random(len(created)) < 0.85, "Telephone", "App"))
    reasons = [f"Reason {c}" for c in "ABCDEFGH"]
    reason = rng.choice(reasons, len(created), p=[0.3, 0.2, 0.15, 0.1, 0.1, 0.05, 0.05, 0.05])
    frame = pd.DataFrame(
        {
            "Case Ref": [f"C{i}" for i in range(len(created))],
            "Date Opened": created.strftime("%Y-%m-%d %H:%M:%S"),
            "Date Closed": (created + pd.to_timedelta(rng.integers(60, 72 * 3600, len(created)), unit="s")).strftime(
                "%Y-%m-%d %H:%M:%S"
            ),
            "Channel": channel,
            "Enquiry": reason,
            "Ward": "North",
            "Customer": [f"P{i}" for i in rng.integers(0, 5000, len(created))],
            "FCR": 1,
            "Minutes": 5,
        }
    )
    tiny.set_file("contacts.csv", frame.to_csv(index=False))
    tiny.set_yaml(tiny.yaml.replace("period: {start: 2025-04-01, end: 2025-04-30}", f"period: {{start: {start}, end: {end}}}"))
    return frame


# --------------------------------------------------------------------------- whole-pipeline runs, in the background

# Outputs show the run's date; a fixed one lets two runs on either side of midnight compare byte for byte.
SOURCE_DATE_EPOCH = "1795000000"
# A step is a command, run as a process (its program one of this Python environment's, like cxm or papermill),
# or a function called in the background thread: file copies only (no pandas, nothing that warns, since pytest's
# warning capture is not thread-safe).
Step = list[str] | Callable[[], object]
Prepare = Callable[[Path], list[Step]]  # writes what a run needs into its folder; returns the steps to take


@dataclass(frozen=True)
class PipelineRun:
    """A finished background run: its folder and what each command printed, in order."""

    folder: Path
    stdout: list[str]


class PipelineRuns:
    """Slow runs (`cxm run`, papermill) in a background thread, one at a time, started once tests are collected.

    A whole run takes half a minute of one core, mostly waiting on its notebook kernels. Started at the
    beginning, the runs the selected tests need use the second core while the other tests run on the first,
    and are done by the time their tests come. ``prepare`` runs in the main thread, before any test; each
    command is a separate process given the environment and folder the session started with, so a test that
    changes either (monkeypatch.setenv, chdir) cannot reach it.
    """

    def __init__(self) -> None:
        self.root = Path(tempfile.mkdtemp(prefix="cxm-test-pipeline-"))
        self._env = {**os.environ, "SOURCE_DATE_EPOCH": SOURCE_DATE_EPOCH}
        self._cwd = os.getcwd()
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="cxm-test-run")
        self._runs: dict[Prepare, Future] = {}
        self._lock = threading.Lock()  # between starting a process and stopping it
        self._process: subprocess.Popen | None = None
        self._closing = False

    def start(self, prepare: Prepare) -> None:
        """Prepare a run in a folder of its own and queue its steps (once: later calls do nothing)."""
        if prepare not in self._runs:
            folder = self.root / f"{len(self._runs):02d}-{prepare.__name__.strip('_')}"
            folder.mkdir()
            try:
                self._runs[prepare] = self._pool.submit(self._run, folder, prepare(folder))
            except Exception as exc:  # reported by the tests that need the run, not as a crash of the session
                self._runs[prepare] = failed = Future()
                failed.set_exception(exc)

    def started(self, prepare: Prepare) -> bool:
        return prepare in self._runs

    def result(self, prepare: Prepare) -> PipelineRun:
        """Wait for the run (starting it now if no selected test asked for it at collection) and return it."""
        self.start(prepare)
        return self._runs[prepare].result()

    def close(self) -> None:
        """Drop queued runs and stop a running one (the session ended early), then delete the run folders."""
        with self._lock:
            self._closing = True
            for future in self._runs.values():
                future.cancel()
            if self._process is not None and self._process.poll() is None:
                os.killpg(self._process.pid, signal.SIGKILL)  # the command and the kernels it started
        self._pool.shutdown(wait=True)
        shutil.rmtree(self.root, ignore_errors=True)

    def _run(self, folder: Path, steps: list[Step]) -> PipelineRun:
        printed = []
        for step in steps:
            if callable(step):
                step()
            else:
                printed.append(self._command(step))
        return PipelineRun(folder, printed)

    def _command(self, command: list[str]) -> str:
        program = Path(sys.executable).parent / command[0]  # the environment may not be on PATH (not activated)
        command = [str(program) if program.is_file() else command[0], *command[1:]]
        with self._lock:
            if self._closing:
                raise RuntimeError("the test session ended before this run started")
            # its own process group, so that stopping it stops the kernels it started too
            process = self._process = subprocess.Popen(
                command,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
                env=self._env,
                cwd=self._cwd,
                start_new_session=True,
            )
        try:
            stdout, stderr = process.communicate(timeout=900)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            raise
        assert process.returncode == 0, f"{' '.join(command)} failed:\n{stdout}{stderr}"
        return stdout


def _sample_once(folder: Path) -> list[Step]:
    return [["cxm", "run", "--out", str(folder / "riverton")]]


def _sample_twice(folder: Path) -> list[Step]:
    """Run the sample with workbooks side by side, copy the run folder to ``first-run``, then run the same engagement
    into the same folder one workbook after another (``--workers 1``): the files must not depend on which."""
    run = ["cxm", "run", "--out", str(folder / "riverton")]
    return [
        [*run, "--workers", "2"],
        functools.partial(shutil.copytree, folder / "riverton", folder / "first-run"),
        [*run, "--workers", "1"],
    ]


@dataclass(frozen=True)
class SampleRun:
    """The sample's run folder, what `cxm run` printed, and (run twice) the folder as the first run left it."""

    out: Path
    stdout: str
    first: Path | None


_RUNS = pytest.StashKey[PipelineRuns]()


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "pipeline_run(prepare): the test reads a background run of what prepare writes")


def pytest_collection_finish(session: pytest.Session) -> None:
    """Start the runs the selected tests need, in the order they come (see PipelineRuns)."""
    if session.config.option.collectonly:
        return
    runs = session.config.stash[_RUNS] = PipelineRuns()
    twice = any("sample_run_twice" in getattr(item, "fixturenames", ()) for item in session.items)
    for item in session.items:
        if {"sample_run", "sample_run_twice"} & set(getattr(item, "fixturenames", ())):
            runs.start(_sample_twice if twice else _sample_once)
        for mark in item.iter_markers("pipeline_run"):
            runs.start(mark.kwargs["prepare"])


def pytest_sessionfinish(session: pytest.Session) -> None:
    if _RUNS in session.config.stash:
        session.config.stash[_RUNS].close()


def pytest_unconfigure(config: pytest.Config) -> None:
    shutil.rmtree(NBVAL_OUT, ignore_errors=True)


@pytest.fixture(scope="session")
def pipeline_runs(request: pytest.FixtureRequest) -> PipelineRuns:
    """The session's background runs: ``pipeline_runs.result(prepare)`` waits for one."""
    return request.config.stash[_RUNS]


@pytest.fixture(scope="session")
def sample_run(pipeline_runs: PipelineRuns) -> SampleRun:
    """`cxm run` on the bundled sample engagement, once for the session. Read it, never change it: a test that
    changes files copies them to its own tmp_path first. When sample_run_twice is among the selected tests,
    this is the folder after the second run (the same files, or that test fails)."""
    twice = pipeline_runs.started(_sample_twice)
    run = pipeline_runs.result(_sample_twice if twice else _sample_once)
    return SampleRun(run.folder / "riverton", run.stdout[0], run.folder / "first-run" if twice else None)


@pytest.fixture(scope="session")
def sample_run_twice(sample_run: SampleRun) -> SampleRun:
    """The same run, whose folder was copied to ``first`` after the first run and then run into again."""
    assert sample_run.first is not None, "sample_run_twice was not asked for when the tests were collected"
    return sample_run
