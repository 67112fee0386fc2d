"""Kernels forked from a process that loaded the workbooks' modules once: they behave as kernels started the usual
way, end with the server, and the usual way is taken when the server cannot serve."""

from __future__ import annotations

import os
import subprocess
import sys
import time

import pytest

from cxmethods.run.forks import ForkServer, available
from cxmethods.run.kernels import kill_kernel, start_kernel, stop_kernel
from cxmethods.run.runner import KERNEL_NAME, ensure_kernel

pytestmark = pytest.mark.skipif(not available(), reason="kernels are forked only on Linux")


def _ask(km, code: str) -> str:
    client = km.blocking_client()
    client.start_channels()
    shown: list[str] = []
    try:
        client.wait_for_ready(timeout=60)
        reply = client.execute_interactive(code, timeout=60, output_hook=lambda m: shown.append(m["content"].get("text", "")))
    finally:
        client.stop_channels()
    assert reply["content"]["status"] == "ok", reply["content"]
    return "".join(shown).strip()


def _gone(pid: int, seconds: float = 20) -> bool:
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return True
        time.sleep(0.1)
    return False


@pytest.fixture
def server():
    ensure_kernel(KERNEL_NAME)
    forks = ForkServer(["__import__('json')", "__import__('cxmethods.io.artifacts')"])
    yield forks
    forks.close()


def test_a_forked_kernel_has_the_modules_loaded_and_the_folder_environment_and_group_asked_for(server, tmp_path):
    km = start_kernel(KERNEL_NAME, cwd=tmp_path, env={"CXM_STEP": "03_segmentation"}, forks=server)
    try:
        assert type(km.provisioner.process).__name__ == "ForkedProcess"
        pid = km.provisioner.pid
        shown = _ask(
            km,
            "import os, sys\nprint('cxmethods.io.artifacts' in sys.modules, os.getcwd(), os.environ['CXM_STEP'], "
            "os.getpgid(0) == os.getpid(), os.getpid(), '' in sys.path, 'pandas' in sys.modules)\n"
            "import pandas as pd\nprint(pd.get_option('display.max_columns'))",
        )
        assert shown.split() == ["True", str(tmp_path), "03_segmentation", "True", str(pid), "True", "True", "20"]
        # pandas, loaded by the server, took the display width of a kernel (20 columns), not of a terminal (0: as
        # many as fit): the notebooks show what a kernel started the usual way shows
    finally:
        stop_kernel(km)
    assert _gone(pid)
    assert list(tmp_path.iterdir()) == []


def test_killing_a_forked_kernel_ends_it_and_what_it_started(server):
    km = start_kernel(KERNEL_NAME, forks=server)
    try:
        child = int(
            _ask(
                km,
                "import subprocess, sys\np = subprocess.Popen([sys.executable, '-c', 'import time; time.sleep(600)'])\nprint(p.pid)",
            )
        )
        kill_kernel(km)  # as an interrupted run does
        assert _gone(km.provisioner.pid) and _gone(child)
    finally:
        stop_kernel(km)


def test_kernels_end_with_their_server(server):
    km = start_kernel(KERNEL_NAME, forks=server)
    pid = km.provisioner.pid
    try:
        assert _ask(km, "print(1)") == "1"
        server.process.kill()
        assert _gone(pid)  # ipykernel's parent poller: its parent, the server, is gone
    finally:
        stop_kernel(km)


def test_the_server_ends_with_the_process_that_started_it():
    code = "from cxmethods.run.forks import ForkServer\nf = ForkServer([])\nassert f.ready()\nprint(f.process.pid)"
    pid = int(subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=120).stdout)
    assert _gone(pid)


def test_a_server_that_cannot_serve_leaves_kernels_to_start_the_usual_way():
    ensure_kernel(KERNEL_NAME)
    broken = ForkServer(["__import__('os')._exit(3)"])  # dies while loading
    try:
        assert not broken.ready()
        km = start_kernel(KERNEL_NAME, forks=broken)
        try:
            assert type(km.provisioner.process).__name__ == "Popen"
            assert _ask(km, "print(2)") == "2"
        finally:
            stop_kernel(km)
    finally:
        broken.close()
    assert not os.path.exists(broken.folder)


def test_a_library_writing_to_the_terminal_while_loading_does_not_stop_the_server():
    noisy = ForkServer(["__import__('os').write(1, b'a C library says hello\\n')"])  # past Python's own stdout
    try:
        assert noisy.ready()
    finally:
        noisy.close()


def test_ready_is_seen_when_it_arrives_together_with_a_librarys_line():
    """Both lines in the pipe before the runner reads: the first read must not take 'ready' with it and then wait."""
    noisy = ForkServer(["__import__('os').write(1, b'a C library says hello\\n')"])
    try:
        time.sleep(8)  # long enough for the server to have loaded and written both lines
        started = time.monotonic()
        assert noisy.ready(timeout=20) and time.monotonic() - started < 5
    finally:
        noisy.close()
