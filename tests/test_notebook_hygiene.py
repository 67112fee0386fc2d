"""The workbooks as files: typed, documented parameters; no outputs; no logic; teaching cells where they belong."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import nbformat
import pytest
from papermill.inspection import inspect_notebook

ROOT = Path(__file__).resolve().parent.parent
WORKBOOKS = sorted((ROOT / "workbooks").glob("[0-9][0-9]_*.ipynb"))
TEACHING = {"facilitator", "exercise", "solution"}
# (fewest, most) cells of each teaching tag: the workshop workbooks 01-05, and 00 which only introduces the day
# (a facilitator note per timed step: 01 has six, from the facts-first step to the quick test)
SESSION_RANGES = {"facilitator": (2, 6), "exercise": (1, 2)}
START_RANGES = {"facilitator": (1, 2), "exercise": (0, 0)}


def _read(path: Path) -> nbformat.NotebookNode:
    return nbformat.read(path, as_version=4)


def _tags(cell) -> list[str]:
    return cell.get("metadata", {}).get("tags", [])


def _parameters_cell(nb):
    cells = [c for c in nb.cells if "parameters" in _tags(c)]
    assert len(cells) == 1, "exactly one cell tagged 'parameters'"
    return cells[0]


def test_the_six_workbooks_are_found():
    assert [p.stem[:2] for p in WORKBOOKS] == ["00", "01", "02", "03", "04", "05"]


@pytest.mark.parametrize("path", WORKBOOKS, ids=lambda p: p.stem)
def test_papermill_sees_every_parameter_with_a_type_and_help(path):
    params = inspect_notebook(path)
    lines = [
        line for line in _parameters_cell(_read(path)).source.splitlines() if line.strip() and not line.strip().startswith("#")
    ]
    # papermill silently skips a line it cannot parse (e.g. a second '=' in the help): every line must come through
    assert len(params) == len(lines), f"papermill inferred {sorted(params)} from {lines}"
    assert {"engagement", "run_dir"} <= set(params)
    for name, p in params.items():
        assert p["inferred_type_name"] not in ("", "None"), f"{name}: write 'name: type = value  # help'"
        assert p["help"], f"{name}: add a '# help' comment for papermill --help-notebook"
        assert not p["help"].startswith("help:"), f"{name}: the help text is shown as is; drop the 'help:' prefix"
        ast.literal_eval(p["default"])  # literals only: papermill replaces values, it does not recompute them
    assert params["engagement"]["default"] == "None" and params["run_dir"]["default"] == "None"


@pytest.mark.parametrize("path", WORKBOOKS, ids=lambda p: p.stem)
def test_committed_without_outputs(path):
    for cell in _read(path).cells:
        if cell.cell_type == "code":
            assert cell.outputs == [] and cell.execution_count is None, f"strip outputs before committing: cell {cell.id}"


@pytest.mark.parametrize("path", WORKBOOKS, ids=lambda p: p.stem)
def test_no_def_or_class_in_code_cells(path):
    for cell in _read(path).cells:
        if cell.cell_type != "code":
            continue
        tree = ast.parse(cell.source)
        defined = [n for n in ast.walk(tree) if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef))]
        assert not defined, f"cell {cell.id} defines {[n.name for n in defined]}: logic belongs in cxmethods/"


@pytest.mark.parametrize("path", WORKBOOKS, ids=lambda p: p.stem)
def test_each_exercise_is_followed_by_its_solution(path):
    cells = _read(path).cells
    for i, cell in enumerate(cells):
        tags = set(_tags(cell))
        assert len(tags & TEACHING) <= 1, f"cell {cell.id} has more than one of {sorted(TEACHING)}"
        if "solution" in tags:
            assert i > 0 and "exercise" in _tags(cells[i - 1]), f"solution {cell.id} does not follow an exercise cell"
        if "exercise" in tags:
            assert cell.cell_type == "markdown", f"exercise {cell.id} is a markdown cell"
            assert i + 1 < len(cells) and "solution" in _tags(cells[i + 1]), f"exercise {cell.id} has no solution after it"
        if "facilitator" in tags:
            assert cell.cell_type == "markdown", f"facilitator note {cell.id} is a markdown cell"


@pytest.mark.parametrize("path", WORKBOOKS, ids=lambda p: p.stem)
def test_teaching_cells_per_workbook(path):
    cells = _read(path).cells
    ranges = START_RANGES if path.stem.startswith("00") else SESSION_RANGES
    for tag, (fewest, most) in ranges.items():  # the sample's answers (tagged sample) are not counted as notes
        count = sum(tag in _tags(c) and "sample" not in _tags(c) for c in cells)
        assert fewest <= count <= most, f"{count} cells tagged {tag!r}; want {fewest}-{most}"


@pytest.mark.parametrize("path", WORKBOOKS, ids=lambda p: p.stem)
def test_facilitator_notes_are_only_in_tagged_cells(path):
    # a participant pack drops tagged cells; a note left inside an untagged cell would reach the room
    for cell in _read(path).cells:
        if cell.cell_type == "markdown" and "facilitator" not in _tags(cell):
            assert "facilitator:" not in cell.source.lower(), (
                f"cell {cell.id}: move the facilitator note into its own tagged cell"
            )


@pytest.mark.parametrize("path", WORKBOOKS, ids=lambda p: p.stem)
def test_what_holds_only_for_the_sample_is_in_cells_tagged_sample(path):
    """`cxm run` leaves cells tagged sample out of any other engagement's notebooks; text about the sample anywhere
    else would reach them. A sample cell is the sample's answer: a facilitator note (so a participant pack drops
    it and the report never shows it) saying so in its first words."""
    cells = _read(path).cells
    for i, cell in enumerate(cells):
        if "sample" in _tags(cell):
            assert cell.cell_type == "markdown" and "facilitator" in _tags(cell), f"cell {cell.id}"
            assert cell.source.startswith("**On the sample:**"), f"cell {cell.id}"
            assert i > 0 and set(_tags(cells[i - 1])) & TEACHING, f"cell {cell.id} follows the cell it completes"
        else:
            found = re.search(r"on the (riverton )?sample\b|riverton|castlefield", cell.source, re.IGNORECASE)
            assert found is None, f"cell {cell.id} speaks of the sample ({found.group()!r}): move that into a sample cell"


@pytest.mark.parametrize("path", WORKBOOKS, ids=lambda p: p.stem)
def test_title_parameters_and_load_cells_stay_in_place(path):
    cells = _read(path).cells
    assert cells[0].cell_type == "markdown" and cells[0].source.startswith(f"# {path.stem[:2]} ")
    params = next(i for i, c in enumerate(cells) if "parameters" in _tags(c))
    load = next(i for i in range(params + 1, len(cells)) if cells[i].cell_type == "code")  # the first code cell after it
    assert "load_engagement(engagement)" in cells[load].source
    assert not any(set(_tags(c)) & TEACHING for c in cells[: load + 1]), "teaching cells come after the load cell"
