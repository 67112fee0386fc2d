"""The package's shape: layers whose imports point down only, one artifact registry, one workbook contract."""

from __future__ import annotations

import ast
import importlib
import inspect
import re
from pathlib import Path

import pytest

from cxmethods.io.artifacts import ARTIFACTS, STEPS, artifacts_of
from cxmethods.workbooks.results import Results

PACKAGE = Path(__file__).resolve().parent.parent / "cxmethods"

#: Each folder's floor. A module may import its own folder and any folder on a lower floor; folders on the
#: same floor do not import each other. The top (cli.py, __init__.py) may import anything.
LAYERS = {
    "core": 0,
    "io": 1,
    "methodology": 2,
    "sample": 2,
    "methods": 3,
    "plots": 4,
    "workshop": 5,
    "outputs": 5,
    "workbooks": 6,
    "run": 7,
}
TOP = 8
ORCHESTRATORS = ("start_here", "self_assessment", "voice_of_customer", "segmentation", "business_case", "roadmap")


def _modules() -> list[Path]:
    return sorted(p for p in PACKAGE.rglob("*.py") if "_resources" not in p.parts)


def _folder(path: Path) -> str | None:
    rel = path.relative_to(PACKAGE)
    return rel.parts[0] if len(rel.parts) > 1 else None


def _imports(path: Path) -> list[tuple[str, list[str], int]]:
    """(module imported, names taken from it, line) for every cxmethods import in the file, wherever it is."""
    found = []
    package = ".".join(("cxmethods", *path.relative_to(PACKAGE).parent.parts))
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom):
            module = node.module or ""
            if node.level:
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                module = ".".join([*base, module] if module else base)
            if module == "cxmethods" or module.startswith("cxmethods."):
                found.append((module, [a.name for a in node.names], node.lineno))
        elif isinstance(node, ast.Import):
            found += [(a.name, [], node.lineno) for a in node.names if a.name.startswith("cxmethods")]
    return found


def _target_folder(module: str, names: list[str]) -> list[str | None]:
    parts = module.split(".")
    if len(parts) >= 2 and parts[1] in LAYERS:
        return [parts[1]]
    if module == "cxmethods":  # from cxmethods import x: x is a folder or a name of the top-level API
        return [n if n in LAYERS else None for n in names]
    return [None]


def test_every_module_lives_in_a_layer_folder():
    loose = [p.name for p in PACKAGE.glob("*.py") if p.name not in ("__init__.py", "cli.py")]
    assert loose == [], "a module belongs in one of the layer folders (see README, 'What is where')"
    assert {p.name for p in PACKAGE.iterdir() if p.is_dir() and not p.name.startswith("_")} == set(LAYERS)


def test_imports_point_down_only():
    wrong = []
    for path in _modules():
        here = _folder(path)
        floor = LAYERS[here] if here else TOP
        for module, names, line in _imports(path):
            for there in _target_folder(module, names):
                if there is None:  # the top-level API (cxmethods/__init__.py) sits above every layer
                    if here is not None and module == "cxmethods" and not set(names) <= {"__version__"}:
                        wrong.append(f"{path.relative_to(PACKAGE)}:{line} imports the top-level API ({', '.join(names)})")
                    continue
                if there != here and LAYERS[there] >= floor:
                    wrong.append(f"{path.relative_to(PACKAGE)}:{line} ({here or 'top'}) imports {module} ({there})")
    assert wrong == []


def test_no_module_imports_another_modules_private_names():
    wrong = [
        f"{path.relative_to(PACKAGE)}:{line} takes {name} from {module}"
        for path in _modules()
        for module, names, line in _imports(path)
        for name in names
        if name.startswith("_") and not name.startswith("__") and module.rpartition(".")[0] != "cxmethods.sample"
    ]
    assert wrong == []


def test_only_plots_and_outputs_draw():
    drawing = [
        p.relative_to(PACKAGE).as_posix()
        for p in _modules()
        if re.search(r"^\s*(import|from) matplotlib", p.read_text(encoding="utf-8"), re.M)
    ]
    assert drawing and all(path.split("/")[0] in ("plots", "outputs") for path in drawing), drawing


def _docstrings(tree: ast.AST) -> set[int]:
    nodes = [tree, *(n for n in ast.walk(tree) if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)))]
    return {
        id(n.body[0].value)
        for n in nodes
        if n.body and isinstance(n.body[0], ast.Expr) and isinstance(n.body[0].value, ast.Constant)
    }


def test_step_names_are_typed_in_the_registry_only():
    """Code names a step through the registry's constants (docstrings may show one as an example)."""
    step = re.compile(r"0[0-5]_[a-z_]+")
    typed = []
    for path in _modules():
        if path.name == "artifacts.py":
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        skip = _docstrings(tree)
        typed += [
            f"{path.relative_to(PACKAGE)}:{node.lineno} {node.value!r}"
            for node in ast.walk(tree)
            if isinstance(node, ast.Constant)
            and isinstance(node.value, str)
            and id(node) not in skip
            and step.fullmatch(node.value)
        ]
    assert typed == []


def test_method_modules_take_no_run_folder():
    for path in (PACKAGE / "methods").glob("*.py"):
        text = path.read_text(encoding="utf-8")
        assert "run_dir" not in text and '"artifacts"' not in text, path.name


def test_registry_names_every_step_and_no_artifact_twice():
    assert {a.step for a in ARTIFACTS} == set(STEPS)
    keys = [(a.step, a.name) for a in ARTIFACTS]
    assert len(keys) == len(set(keys))
    assert all(a.kind in ("csv", "parquet", "png") for a in ARTIFACTS)
    assert all(set(a.needs) <= set(a.columns) for a in ARTIFACTS)


@pytest.mark.parametrize("name", ORCHESTRATORS)
def test_every_workbook_has_one_entry_point_of_the_same_shape(name):
    module = importlib.import_module(f"cxmethods.workbooks.{name}")
    params = list(inspect.signature(module.run).parameters.values())
    assert [p.name for p in params[:2]] == ["engagement", "run_dir"]
    assert all(p.kind is inspect.Parameter.KEYWORD_ONLY for p in params[2:])
    returned = inspect.signature(module.run).return_annotation
    results = getattr(module, returned) if isinstance(returned, str) else returned
    assert issubclass(results, Results) and results.STEP in STEPS and artifacts_of(results.STEP)


def test_each_notebook_calls_its_orchestrator():
    books = sorted((PACKAGE.parent / "workbooks").glob("[0-9][0-9]_*.ipynb"))
    assert [b.stem[3:] for b in books] == list(ORCHESTRATORS)
    for book, name in zip(books, ORCHESTRATORS, strict=True):
        text = book.read_text(encoding="utf-8")
        assert f"from cxmethods.workbooks import {name}" in text and f"{name}.run(eng, run_dir" in text, book.name
        # besides its orchestrator a notebook imports only the top-level API and the workshop forms
        imports = set(re.findall(r"from (cxmethods[\w.]*) import", text))
        assert imports <= {"cxmethods.workbooks", "cxmethods.workshop"}, (book.name, imports)
