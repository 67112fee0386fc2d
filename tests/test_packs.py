"""Training packs: what each kind keeps and drops, where its workbooks point, and that both run headless."""

from __future__ import annotations

import ast
import hashlib
from pathlib import Path

import nbformat
import pandas as pd
import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook
from papermill.inspection import inspect_notebook
from typer.testing import CliRunner

from cxmethods.cli import app
from cxmethods.core.errors import CxmError
from cxmethods.core.paths import sample_dir, workbooks_dir
from cxmethods.methods.finance import discount_factors
from cxmethods.run.packs import PACK_ENGAGEMENT, PACK_KINDS, make_pack, pack_notebook

SOURCE_BOOKS = sorted(workbooks_dir().glob("[0-9][0-9]_*.ipynb"))


def _tags(cell) -> list[str]:
    return cell.get("metadata", {}).get("tags", [])


def _cells(path: Path) -> list:
    return nbformat.read(path, as_version=4).cells


def _digest(folder: Path) -> dict[str, str]:
    return {
        str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.rglob("*")) if p.is_file()
    }


@pytest.fixture(scope="module")
def packs(tmp_path_factory) -> dict[str, Path]:
    root = tmp_path_factory.mktemp("packs")
    for kind in PACK_KINDS:
        make_pack(kind, root / kind)
    return {kind: root / kind for kind in PACK_KINDS}


def test_make_pack_lists_what_it_wrote(tmp_path):
    paths = make_pack("facilitator", tmp_path / "pack")
    rel = [p.relative_to(tmp_path / "pack").as_posix() for p in paths]
    assert rel[:6] == [f"workbooks/{b.name}" for b in SOURCE_BOOKS]
    assert rel[6] == "riverton/engagement.yaml" and rel[-1] == "trainers_guide.md" and len(rel) == 6 + 12 + 1
    assert all(p.is_file() for p in paths)
    assert sorted(rel) == sorted(_digest(tmp_path / "pack"))  # nothing written that is not listed


def test_participant_pack_drops_notes_and_solutions(packs):
    folder = packs["participant"]
    assert not (folder / "trainers_guide.md").exists()
    for book in SOURCE_BOOKS:
        source, packed = _cells(book), _cells(folder / "workbooks" / book.name)
        solutions = [c for c in source if "solution" in _tags(c)]
        answers = [c for c in packed if "answer" in _tags(c)]
        assert not any({"facilitator", "solution"} & set(_tags(c)) for c in packed), book.name
        assert not any("**Facilitator:**" in c.source or "Solution:" in c.source for c in packed), book.name
        # every solution became an empty answer cell of the same type, in the same place after its exercise
        assert [c.cell_type for c in answers] == [c.cell_type for c in solutions]
        assert {c.source for c in answers} <= {"Your answer here.", "# Your answer here"}
        assert all(c.source == ("# Your answer here" if c.cell_type == "code" else "Your answer here.") for c in answers)
        for i, cell in enumerate(packed):
            if "answer" in _tags(cell):
                assert "exercise" in _tags(packed[i - 1])
        dropped = sum("facilitator" in _tags(c) for c in source)
        assert len(packed) == len(source) - dropped
        assert sum("exercise" in _tags(c) for c in packed) == sum("exercise" in _tags(c) for c in source)


def test_participant_pack_still_teaches_something(packs):
    counts = [sum("exercise" in _tags(c) for c in _cells(packs["participant"] / "workbooks" / b.name)) for b in SOURCE_BOOKS]
    assert counts[0] == 0 and all(n >= 1 for n in counts[1:])


def test_facilitator_pack_keeps_everything_and_the_guide(packs):
    folder = packs["facilitator"]
    assert (folder / "trainers_guide.md").read_bytes() == (workbooks_dir() / "trainers_guide.md").read_bytes()
    for book in SOURCE_BOOKS:
        source, packed = _cells(book), _cells(folder / "workbooks" / book.name)
        assert [(c.id, c.cell_type) for c in packed] == [(c.id, c.cell_type) for c in source]
        changed = [c.id for c, s in zip(packed, source) if c.source != s.source]
        params = next(c.id for c in source if "parameters" in _tags(c))
        assert changed == [params], f"{book.name}: only the parameters cell may change"
        assert sum("solution" in _tags(c) for c in packed) == sum("solution" in _tags(c) for c in source)


@pytest.mark.parametrize("kind", PACK_KINDS)
def test_engagement_parameter_points_at_the_packs_sample_copy(packs, kind):
    folder = packs[kind]
    for book in SOURCE_BOOKS:
        params = inspect_notebook(folder / "workbooks" / book.name)
        value = ast.literal_eval(params["engagement"]["default"])
        assert value == PACK_ENGAGEMENT == "../riverton/engagement.yaml"
        assert (folder / "workbooks" / value).resolve() == (folder / "riverton" / "engagement.yaml").resolve()
        assert params["run_dir"]["default"] == "None"
        assert params["engagement"]["inferred_type_name"] == "str" and params["engagement"]["help"]  # help kept
    # the copy is the sample, byte for byte
    bundled = _digest(sample_dir())
    copy = _digest(folder / "riverton")
    assert copy == {name: bundled[name] for name in copy} and len(copy) == 12


def test_packs_are_byte_identical_from_run_to_run(packs, tmp_path):
    make_pack("participant", tmp_path / "again")
    assert _digest(tmp_path / "again") == _digest(packs["participant"])


def test_refuses_a_folder_that_is_not_empty(tmp_path):
    (tmp_path / "notes.txt").write_text("mine")
    with pytest.raises(
        CxmError, match=r"is not empty \(it holds notes.txt\); nothing was written\. .*cxm pack participant .*--force"
    ):
        make_pack("participant", tmp_path)
    assert [p.name for p in tmp_path.iterdir()] == ["notes.txt"]
    make_pack("participant", tmp_path, overwrite=True)
    assert (tmp_path / "notes.txt").read_text() == "mine" and (tmp_path / "workbooks" / "05_roadmap.ipynb").is_file()


def test_refuses_a_file(tmp_path):
    target = tmp_path / "pack"
    target.write_text("")
    with pytest.raises(CxmError, match="is a file; give a folder to write the facilitator pack into"):
        make_pack("facilitator", target)


@pytest.mark.parametrize("kind", ["trainer", "", "Participant"])
def test_unknown_kind(kind, tmp_path):
    with pytest.raises(
        CxmError, match=rf"The 'kind' parameter of make_pack must be 'participant' or 'facilitator'\. Got '{kind}' instead\."
    ):
        make_pack(kind, tmp_path / "pack")
    assert not (tmp_path / "pack").exists()


def test_force_resets_a_pack_for_the_next_group(tmp_path):
    make_pack("facilitator", tmp_path)
    answers = tmp_path / "riverton" / "workshop" / "consensus.csv"
    original = answers.read_bytes()
    answers.write_text("typed by the last group\n")
    checkpoints = tmp_path / "workbooks" / ".ipynb_checkpoints"
    checkpoints.mkdir()
    (checkpoints / "01_self_assessment-checkpoint.ipynb").write_text("{}")
    make_pack("participant", tmp_path, overwrite=True)
    assert answers.read_bytes() == original
    assert not checkpoints.exists()  # old copies would bring the solutions back
    assert not (tmp_path / "trainers_guide.md").exists()  # the facilitator's guide is not left for the room


def _notebook(*cells):
    return new_notebook(cells=list(cells), metadata={"kernelspec": {"name": "cxmethods", "display_name": "Python (cxmethods)"}})


def test_pack_notebook_replaces_code_solutions_and_leaves_its_input_alone():
    nb = _notebook(
        new_code_cell("engagement: str = None  # path\nrun_dir: str = '/tmp/x'  # folder", metadata={"tags": ["parameters"]}),
        new_markdown_cell("**Exercise:** the top reason?", metadata={"tags": ["exercise"]}),
        new_code_cell(
            "result.table('x')",
            metadata={"tags": ["solution"]},
            execution_count=3,
            outputs=[nbformat.v4.new_output("stream", text="42")],
        ),
    )
    before = nbformat.writes(nb)
    packed = pack_notebook(nb, "participant")
    assert nbformat.writes(nb) == before
    assert packed.cells[0].source == 'engagement: str = "../riverton/engagement.yaml"  # path\nrun_dir: str = None  # folder'
    answer = packed.cells[2]
    assert (answer.cell_type, answer.source, answer.outputs, _tags(answer)) == ("code", "# Your answer here", [], ["answer"])
    kept = pack_notebook(nb, "facilitator").cells[2]
    assert kept.source == "result.table('x')" and kept.outputs == [] and kept.execution_count is None


@pytest.mark.parametrize("value", ['C:\\courses\\riverton "copy"\\engagement.yaml', "../riverton/engagement.yaml"])
def test_pack_notebook_writes_any_path_as_a_literal(value):
    nb = _notebook(new_code_cell("engagement = None  # where", metadata={"tags": ["parameters"]}))
    line = pack_notebook(nb, "facilitator", engagement=value).cells[0].source
    assert line.endswith("  # where") and ast.literal_eval(line.split(" = ", 1)[1].split("  #")[0]) == value


def test_pack_notebook_names_itself_in_a_kind_error():
    nb = _notebook(new_code_cell("engagement = None  # where", metadata={"tags": ["parameters"]}))
    with pytest.raises(CxmError, match=r"The 'kind' parameter of pack_notebook must be .* Got 'room' instead\."):
        pack_notebook(nb, "room")


@pytest.mark.parametrize(
    "cells, message",
    [
        ([new_markdown_cell("# no parameters")], "no cell tagged 'parameters'"),
        ([new_code_cell("run_dir = None  # folder", metadata={"tags": ["parameters"]})], "does not set 'engagement'"),
    ],
)
def test_pack_notebook_needs_an_engagement_parameter(cells, message):
    with pytest.raises(CxmError, match=message):
        pack_notebook(_notebook(*cells), "participant")


def test_cli_pack(tmp_path):
    runner = CliRunner()
    done = runner.invoke(app, ["pack", "participant", "--out", str(tmp_path / "room")])
    assert done.exit_code == 0, done.output
    assert "wrote workbooks/00_start_here.ipynb" in done.output and "Participant pack: 18 files" in done.output
    again = runner.invoke(app, ["pack", "participant", "--out", str(tmp_path / "room")])
    assert again.exit_code == 1 and "is not empty" in again.output
    forced = runner.invoke(app, ["pack", "facilitator", "--out", str(tmp_path / "room"), "--force"])
    assert forced.exit_code == 0 and "wrote trainers_guide.md" in forced.output
    wrong = runner.invoke(app, ["pack", "trainer", "--out", str(tmp_path / "other")])
    assert wrong.exit_code == 1 and "Got 'trainer' instead" in wrong.output


_BUNDLED: dict[str, dict[str, str]] = {}  # the installed sample's digest before each pack ran


# papermill, run from the pack's workbooks folder as a trainer's Jupyter would, with the runner's kernel manager
_EXECUTE = (
    "import sys; from cxmethods.run.kernels import execute_notebook; book, out, run, cwd, kernel = sys.argv[1:]; "
    "execute_notebook(book, out, parameters={'run_dir': run}, cwd=cwd, kernel_name=kernel)"
)


def _executed_pack(kind: str):
    """A pack of ``kind``, and commands that execute its workbooks headless on its sample copy, as a trainer
    would; tests/conftest.py runs them in the background as soon as the tests are collected."""

    def prepare(folder: Path) -> list[list[str]]:
        from cxmethods.run.runner import KERNEL_NAME, ensure_kernel

        pack, run, executed = folder / "pack", folder / "run", folder / "executed"
        make_pack(kind, pack)
        # mark the pack's copy, so the run shows it read this copy and not the installed sample
        yaml = pack / "riverton" / "engagement.yaml"
        yaml.write_text(yaml.read_text().replace("Riverton Borough Council (fictional)", "Riverton training copy"))
        _BUNDLED[kind] = _digest(sample_dir())
        ensure_kernel(KERNEL_NAME)
        executed.mkdir()
        books = sorted((pack / "workbooks").glob("*.ipynb"))  # in number order: 04 and 05 read what 02 and 03 wrote
        return [
            ["python", "-c", _EXECUTE, str(book), str(executed / book.name), str(run), str(pack / "workbooks"), KERNEL_NAME]
            for book in books
        ]

    prepare.__name__ = f"{kind}_pack"
    return prepare


EXECUTED_PACK = {kind: _executed_pack(kind) for kind in PACK_KINDS}


@pytest.mark.parametrize("kind", [pytest.param(k, marks=pytest.mark.pipeline_run(prepare=EXECUTED_PACK[k])) for k in PACK_KINDS])
def test_pack_executes_headless_on_its_sample_copy(kind, pipeline_runs):
    folder = pipeline_runs.result(EXECUTED_PACK[kind]).folder  # it failed unless every workbook ran to the end
    pack, run, executed = folder / "pack", folder / "run", folder / "executed"
    yaml = pack / "riverton" / "engagement.yaml"
    books = sorted((pack / "workbooks").glob("*.ipynb"))
    outputs = {b.stem: nbformat.read(executed / b.name, as_version=4) for b in books}
    for name, nb in outputs.items():
        errors = [o for c in nb.cells for o in c.get("outputs", []) if o.get("output_type") == "error"]
        assert not errors, f"{name}: {errors}"
    printed = "".join(o.get("text", "") for c in outputs["00_start_here"].cells for o in c.get("outputs", []))
    assert "Riverton training copy" in printed and str(yaml.resolve()) in printed
    assert _digest(sample_dir()) == _BUNDLED[kind]  # the installed sample is untouched
    assert not (pack / "workbooks" / "out").exists()  # run_dir was given: nothing written beside the workbooks
    for step in ("01_self_assessment", "02_voice_of_customer", "03_segmentation", "04_business_case", "05_roadmap"):
        assert any((run / "artifacts" / step).glob("*.csv")), step
    solutions = [c for nb in outputs.values() for c in nb.cells if "solution" in _tags(c) and c.cell_type == "code"]
    answers = [c for nb in outputs.values() for c in nb.cells if "answer" in _tags(c) and c.cell_type == "code"]
    if kind == "facilitator":
        assert len(solutions) >= 5 and not answers
        assert all(c.outputs for c in solutions), "every code solution shows its answer"
        shown = "".join(o.get("data", {}).get("text/plain", "") for c in solutions for o in c.outputs)
        assert "npv_at_1.5%" in shown
        # the discount-rate solution's method (net flows times flat factors) gives back the appraisal's NPVs at 3.5%
        step = run / "artifacts" / "04_business_case"
        flows = pd.read_csv(step / "cashflows.csv").pivot_table(index="initiative", columns="year", values="net")
        appraisal = pd.read_csv(step / "appraisal.csv").set_index("initiative")["npv"]
        assert (flows @ discount_factors(0.035, flows.shape[1])).to_numpy() == pytest.approx(appraisal[flows.index].to_numpy())
    else:
        assert not solutions and len(answers) >= 5 and all(not c.outputs for c in answers)
