"""The headless runner's kernels listen on sockets of their own, not on TCP ports another process could take."""

import ast
import json
import os
import tempfile
from pathlib import Path

import nbformat
import pytest

from cxmethods.run.kernels import execute_notebook
from cxmethods.run.runner import KERNEL_NAME, ensure_kernel


@pytest.mark.skipif(os.name == "nt", reason="Windows has no Unix sockets; kernels keep TCP there")
def test_kernel_uses_its_own_unix_sockets_and_removes_them(tmp_path):
    ensure_kernel(KERNEL_NAME)
    before = set(Path(tempfile.gettempdir()).glob("cxm-kernel-*"))
    code = "from ipykernel.connect import get_connection_info; print(get_connection_info())"
    nb = nbformat.v4.new_notebook(
        cells=[nbformat.v4.new_code_cell("x = 1", metadata={"tags": ["parameters"]}), nbformat.v4.new_code_cell(code)]
    )
    nb.metadata["kernelspec"] = {"name": KERNEL_NAME, "language": "python", "display_name": "cxmethods"}
    done = execute_notebook(nb, tmp_path / "out.ipynb", parameters={"x": 2}, cwd=tmp_path, kernel_name=KERNEL_NAME)
    info = json.loads(done.cells[-1].outputs[0]["text"])
    assert info["transport"] == "ipc"
    assert Path(info["ip"]).parent.name.startswith("cxm-kernel-")
    assert not Path(info["ip"]).parent.exists()  # sockets and their folder gone with the kernel
    assert set(Path(tempfile.gettempdir()).glob("cxm-kernel-*")) == before
    assert list(tmp_path.iterdir()) == [tmp_path / "out.ipynb"]  # nothing left in the working folder


def test_a_kernel_started_without_a_folder_gets_one_of_its_own_removed_with_it(tmp_path):
    from cxmethods.run.kernels import move_to, start_kernel, stop_kernel

    ensure_kernel(KERNEL_NAME)
    km = start_kernel(KERNEL_NAME)
    folder = Path(km.own_folder)
    try:
        assert folder.is_dir() and folder.name.startswith("cxm-start-") and not any(folder.iterdir())
        move_to(km, tmp_path)  # where the notebook will run
    finally:
        stop_kernel(km)
    assert not folder.exists()


def test_a_kernel_started_ahead_has_the_name_model_loaded_and_nothing_else_to_show(tmp_path):
    from cxmethods.run.kernels import start_kernel, stop_kernel, warm
    from cxmethods.run.runner import _WARM_UP

    ensure_kernel(KERNEL_NAME)
    km = start_kernel(KERNEL_NAME)
    try:
        warm(km, ["__import__('cxmethods.workbooks', fromlist=['roadmap'])", _WARM_UP])
        client = km.blocking_client()
        client.start_channels()
        shown: list[str] = []
        try:
            client.wait_for_ready(timeout=60)
            code = (
                "import sys; from cxmethods.io import redact\n"
                "print(redact._name_model.cache_info().currsize, 'spacy' in sys.modules, "
                "[n for n in dir() if not n.startswith('_')])"
            )
            reply = client.execute_interactive(code, timeout=60, output_hook=lambda m: shown.append(m["content"].get("text", "")))
        finally:
            client.stop_channels()
    finally:
        stop_kernel(km)
    assert reply["content"]["status"] == "ok" and reply["content"]["execution_count"] == 1  # warm-up counted nothing
    # the model is loaded, and the warm-up bound no name the notebook could see (only this cell's own)
    assert "".join(shown).split(" ", 2)[:2] == ["1", "True"]
    names = set(ast.literal_eval("".join(shown).split(" ", 2)[2]))
    assert names - {"In", "Out", "exit", "get_ipython", "open", "quit"} == {"redact", "sys"}
