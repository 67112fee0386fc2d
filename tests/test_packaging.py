"""Packaging and project habits: dependency lists agree, notebooks are thin and clean, the README is true."""

from __future__ import annotations

import json
import re
import tomllib
from pathlib import Path

import pytest
import yaml

from cxmethods.run.runner import KERNEL_NAME

ROOT = Path(__file__).resolve().parent.parent
WORKBOOKS = sorted((ROOT / "workbooks").glob("*.ipynb"))


def _requirement(spec: str) -> tuple[str, str]:
    name, version = re.match(r"^\s*([A-Za-z0-9_.\-]+)\s*(.*)$", spec).groups()
    return name.lower().replace("_", "-"), version.replace(" ", "")


def test_environment_yml_agrees_with_pyproject():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    declared = dict(_requirement(r) for r in project["dependencies"])
    env = yaml.safe_load((ROOT / "environment.yml").read_text())
    assert env["name"] == "cxmethods"
    conda = dict(_requirement(d) for d in env["dependencies"] if isinstance(d, str))
    conda.pop("python"), conda.pop("pip")
    assert conda == declared
    pip_section = next(d["pip"] for d in env["dependencies"] if isinstance(d, dict))
    assert pip_section == ["-e ."]


def test_environment_yml_opens_with_how_to_use_it():
    head = (ROOT / "environment.yml").read_text().splitlines()[:4]
    assert any("conda env create -f environment.yml" in line for line in head)
    assert any("conda activate cxmethods" in line for line in head)


def test_console_script_and_core_dependencies():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    assert project["scripts"]["cxm"] == "cxmethods.cli:app"
    names = {_requirement(r)[0] for r in project["dependencies"]}
    assert {"jupyterlab", "papermill", "pandas", "ipywidgets", "scikit-learn", "nbval", "pytest"} <= names


@pytest.mark.parametrize("path", WORKBOOKS, ids=lambda p: p.name)
def test_workbooks_are_committed_clean_and_thin(path):
    nb = json.loads(path.read_text())
    assert nb["metadata"]["kernelspec"]["name"] == KERNEL_NAME
    code = [c for c in nb["cells"] if c["cell_type"] == "code"]
    assert all(not c.get("outputs") and c.get("execution_count") is None for c in code), "strip outputs before committing"
    assert not any(re.search(r"^\s*(def|class)\s", "".join(c["source"]), re.M) for c in code), "logic belongs in cxmethods/"
    params = [c for c in code if "parameters" in c.get("metadata", {}).get("tags", [])]
    assert len(params) == 1, "exactly one cell tagged 'parameters'"
    for line in "".join(params[0]["source"]).splitlines():
        assert re.match(r"^\w+: [\w |]+ = .+  # .+$", line), f"parameters are typed, one per line, with a help comment: {line!r}"


def test_readme_has_the_two_commands_and_ci_runs_the_test_one():
    readme = (ROOT / "README.md").read_text()
    assert "make demo" in readme and "make test" in readme
    assert "make test" in (ROOT / ".ci" / "run").read_text()
