"""Workbooks side by side: the graph from what each reads, the order, the bound on kernels, and the guard on reads."""

from __future__ import annotations

import ast
import threading
import time
from pathlib import Path

import pytest

import cxmethods.io.artifacts as artifacts
from cxmethods import CxmError
from cxmethods.io.artifacts import READS, SELF_ASSESSMENT, STEP_RUNNING, STEPS, VOICE_OF_CUSTOMER, read_table
from cxmethods.run.schedule import Plan, SideBySide, dependencies

WORKBOOKS = Path(__file__).parent.parent / "cxmethods" / "workbooks"


#: A fixed graph of the six steps for the scheduling tests (the installed graph may change as workbooks read more):
#: 04 reads 02 and 03, 05 reads everything before it, the rest read nothing.
GRAPH = {
    STEPS[0]: (),
    STEPS[1]: (),
    STEPS[2]: (),
    STEPS[3]: (),
    STEPS[4]: (STEPS[2], STEPS[3]),
    STEPS[5]: STEPS[1:5],
}


def _run(stems, deps, workers, ahead=0, **steps):
    side = SideBySide(stems, deps, workers, ahead=ahead, **steps)
    side.go()
    side.wait()


def _trace(workers: int, stems=STEPS, deps=None, seconds: dict | None = None, ahead: int = 0, starting: dict | None = None):
    """Run the plan with workbooks that sleep; what started and ended when, and the most kernels alive and workbooks
    running at once."""
    deps = deps or GRAPH
    events, lock, alive, most, running, most_running = [], threading.Lock(), [0], [0], [0], [0]

    def prepare(stem):
        with lock:
            alive[0] += 1
            most[0] = max(most[0], alive[0])
            events.append(("kernel", stem))
        time.sleep((starting or {}).get(stem, 0))
        return stem

    def execute(stem, prepared):
        with lock:
            events.append(("start", stem))
            running[0] += 1
            most_running[0] = max(most_running[0], running[0])
        time.sleep((seconds or {}).get(stem, 0.05))
        with lock:
            events.append(("end", stem))
            alive[0] -= 1
            running[0] -= 1

    _run(list(stems), deps, workers, ahead, prepare=prepare, execute=execute, discard=lambda p: None)
    return events, most[0], most_running[0]


def test_the_graph_follows_what_each_workbook_reads():
    deps = dependencies(list(STEPS))
    assert deps["02_voice_of_customer"] == deps["03_segmentation"] == ()
    assert deps["01_self_assessment"] == ("02_voice_of_customer",)  # facts before opinions: 01 shows 02's headlines
    assert deps["04_business_case"] == ("02_voice_of_customer", "03_segmentation")
    assert set(deps["05_roadmap"]) == {"01_self_assessment", "02_voice_of_customer", "03_segmentation", "04_business_case"}
    # --only: a step not run is not waited for (its tables, if an earlier run left them, are there already)
    assert dependencies(["04_business_case", "05_roadmap"])["05_roadmap"] == ("04_business_case",)
    # an organisation's own workbooks say nothing of what they read: each waits for all before it
    assert dependencies(["01_a", "02_b", "03_c"], installed=False) == {"01_a": (), "02_b": ("01_a",), "03_c": ("01_a", "02_b")}


@pytest.mark.parametrize("ahead", [0, 1])
def test_one_worker_runs_in_number_order_each_kernel_after_the_last_ended(ahead):
    events, most, most_running = _trace(1, ahead=ahead)  # nothing is started ahead of a sequential run
    assert [s for e, s in events if e == "start"] == list(STEPS) and most == most_running == 1
    assert events[:3] == [("kernel", STEPS[0]), ("start", STEPS[0]), ("end", STEPS[0])]


def test_one_worker_runs_a_workbook_after_those_it_reads_even_when_numbered_before():
    events, _, _ = _trace(1, deps=dependencies(list(STEPS)))
    assert [s for e, s in events if e == "start"] == [STEPS[0], STEPS[2], STEPS[1], *STEPS[3:]]


@pytest.mark.parametrize("workers", [2, 3, 4])
def test_side_by_side_never_more_kernels_than_workers_and_never_before_the_inputs(workers):
    events, most, _ = _trace(workers)
    assert most == workers
    position = {(e, s): i for i, (e, s) in enumerate(events)}
    for stem in STEPS:
        for before in GRAPH[stem]:
            assert position[("end", before)] < position[("start", stem)], (before, stem)
    assert sorted(s for e, s in events if e == "start") == sorted(STEPS)


@pytest.mark.parametrize("workers", [2, 3])
def test_kernels_started_ahead_wait_for_a_free_worker(workers):
    seconds = {s: 0.15 for s in STEPS}
    events, most, most_running = _trace(workers, seconds=seconds, ahead=1)
    assert most == workers + 1 and most_running == workers
    position = {(e, s): i for i, (e, s) in enumerate(events)}
    for stem in STEPS:
        for before in GRAPH[stem]:
            assert position[("end", before)] < position[("start", stem)], (before, stem)


def test_the_kernel_started_ahead_runs_as_soon_as_a_worker_frees():
    # 02 and 03 run; 01's kernel is started ahead and waits; when 03 ends, 01 (ready) runs next, before 04 (not ready)
    events, _, _ = _trace(2, seconds={"02_voice_of_customer": 0.5, "03_segmentation": 0.1}, ahead=1)
    kernels = [s for e, s in events if e == "kernel"]
    assert kernels[:3] == ["02_voice_of_customer", "03_segmentation", "01_self_assessment"]
    assert events.index(("kernel", "01_self_assessment")) < events.index(("end", "03_segmentation"))
    assert events.index(("end", "03_segmentation")) < events.index(("start", "01_self_assessment"))
    assert events.index(("start", "01_self_assessment")) < events.index(("end", "02_voice_of_customer"))


def test_a_workbook_on_the_critical_path_keeps_its_turn_while_its_kernel_starts():
    # 03's kernel is slow to start; 01 (a shorter chain) is ready first but must not take 03's worker
    events, _, _ = _trace(2, seconds={"02_voice_of_customer": 0.6}, ahead=1, starting={"03_segmentation": 0.3})
    assert events.index(("start", "03_segmentation")) < events.index(("start", "01_self_assessment"))


def test_the_longest_chains_are_taken_first():
    plan = Plan(list(STEPS), GRAPH, 2)
    taken = [plan.take() for _ in range(6)]  # each once all it reads is taken: nothing needs to finish for these
    # 02 and 03 feed 04, which feeds 05; on chains of equal length the lower number first
    assert taken == [
        "02_voice_of_customer",
        "03_segmentation",
        "01_self_assessment",
        "04_business_case",
        "00_start_here",
        "05_roadmap",
    ]


def test_a_kernel_starts_ahead_while_its_inputs_are_being_made():
    events, _, _ = _trace(2, seconds={"02_voice_of_customer": 0.6, "03_segmentation": 0.1, "01_self_assessment": 0.1})
    # 04 reads 02 and 03: its kernel is started while 02 still runs (03 and 01 done), its notebook once 02 ended
    ends = [events.index(("end", s)) for s in ("02_voice_of_customer", "03_segmentation")]
    assert events.index(("kernel", "04_business_case")) < max(ends) < events.index(("start", "04_business_case"))


def test_a_failure_raised_by_a_worker_stops_the_plan_and_is_raised_again():
    ran = []

    def execute(stem, prepared):
        ran.append(stem)
        if stem == "02_voice_of_customer":
            raise KeyboardInterrupt  # a kernel interrupted from outside

    discarded = []
    with pytest.raises(KeyboardInterrupt):
        _run(list(STEPS), GRAPH, 2, prepare=str, execute=execute, discard=discarded.append)
    assert "05_roadmap" not in ran and "04_business_case" not in ran


def test_a_stopped_plan_lets_waiting_workers_go():
    plan = Plan(list(STEPS), GRAPH, 2)
    first, second = plan.take(), plan.take()
    assert {first, second} == {"02_voice_of_customer", "03_segmentation"}
    plan.finished("03_segmentation")
    assert plan.take() == "01_self_assessment"  # chains of equal length: the lower number first
    assert plan.take() == "04_business_case"  # taken ahead: 02 is under way
    waited = []
    waiter = threading.Thread(target=lambda: waited.append(plan.wait_turn("04_business_case")))
    waiter.start()
    time.sleep(0.1)
    assert waiter.is_alive()  # 02 has not finished
    plan.stop()
    waiter.join(5)
    assert waited == [False] and plan.take() is None


def test_a_read_the_graph_does_not_list_is_refused_in_a_workbook_the_runner_started(tmp_path, monkeypatch):
    monkeypatch.setenv(STEP_RUNNING, "04_business_case")
    with pytest.raises(CxmError, match=r"workbook 04_business_case reads 01_self_assessment's table 'gaps'.*READS"):
        read_table(tmp_path, SELF_ASSESSMENT, "gaps", optional=True)
    assert read_table(tmp_path, VOICE_OF_CUSTOMER, "volumes", optional=True) is None  # listed: read (here, missing)
    monkeypatch.delenv(STEP_RUNNING)
    assert read_table(tmp_path, SELF_ASSESSMENT, "gaps", optional=True) is None  # outside a run: anything may be read


def _steps_read(module: Path) -> tuple[str | None, set[str]]:
    """The step a workbook module's results belong to (its ``STEP = ...``) and the steps it reads tables of."""
    tree = ast.parse(module.read_text())
    names = {"START_HERE", "SELF_ASSESSMENT", "VOICE_OF_CUSTOMER", "SEGMENTATION", "BUSINESS_CASE", "ROADMAP"}
    value = {n: getattr(artifacts, n) for n in names}
    own = next(
        (
            value[node.value.id]
            for node in ast.walk(tree)
            if isinstance(node, ast.Assign)
            and any(isinstance(t, ast.Name) and t.id == "STEP" for t in node.targets)
            and isinstance(node.value, ast.Name)
        ),
        None,
    )
    read = {
        value[call.args[1].id]
        for call in ast.walk(tree)
        if isinstance(call, ast.Call)
        and getattr(call.func, "id", getattr(call.func, "attr", None)) in {"read_table", "artifact_path"}
        and len(call.args) > 1
        and isinstance(call.args[1], ast.Name)
        and call.args[1].id in names
    }
    return own, read


@pytest.mark.parametrize("module", sorted(WORKBOOKS.glob("*.py")), ids=lambda p: p.stem)
def test_reads_lists_every_step_a_workbook_module_reads(module):
    own, read = _steps_read(module)
    if own is None:
        assert not read, f"{module.name} reads {read} but has no STEP"
        return
    assert read - {own} <= set(READS[own]), f"{module.name} reads {read - {own} - set(READS[own])}: add to READS[{own!r}]"


def test_the_check_of_reads_finds_a_read(tmp_path):
    module = tmp_path / "mine.py"
    module.write_text(
        "class R:\n    STEP = BUSINESS_CASE\n\ndef f(run_dir):\n    return read_table(run_dir, SELF_ASSESSMENT, 'gaps')\n"
    )
    assert _steps_read(module) == ("04_business_case", {"01_self_assessment"})


def test_the_installed_graph_runs_02_before_01_and_keeps_the_bound(workers=2):
    deps = dependencies(list(STEPS))
    events, most, most_running = _trace(workers, deps=deps, ahead=1)
    position = {(e, s): i for i, (e, s) in enumerate(events)}
    assert position[("end", "02_voice_of_customer")] < position[("start", "01_self_assessment")]
    assert most <= workers + 1 and most_running <= workers
    assert Plan(list(STEPS), deps, 2).take() == "02_voice_of_customer"  # the longest chain: 02 feeds 01, 04 and 05
