"""Fixtures for the browser tests: JupyterLab on a free local port, headless Chromium driven by Playwright,
and workbooks copied next to a copy of the sample engagement.

Nothing here downloads anything: Chromium is Debian's (``/usr/bin/chromium``), JupyterLab runs offline with
its own settings folders, so neither the user's settings nor the network can change what the tests see.
"""

from __future__ import annotations

import json
import os
import re
import secrets
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path

import nbformat
import pytest

REPO = Path(__file__).resolve().parents[2]
CHROMIUM = os.environ.get("CXM_CHROMIUM", "/usr/bin/chromium")
# Without the background-networking switches Chromium keeps trying to reach its update and sync services,
# which on a closed network means retries that hammer the machine; CI containers have no GPU or sandbox.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
VIEWPORT = {"width": 1366, "height": 768}  # the commonest laptop screen

# Bounded waits, generous for a 2-core CI machine.
SERVER_START = 60.0
RUN_ALL = 120.0

_STATE_JS = """() => {
  const panel = document.querySelector('.jp-NotebookPanel:not(.lm-mod-hidden)');
  if (!panel) return null;
  const cells = [...panel.querySelectorAll('.jp-Notebook .jp-CodeCell')];
  const dialog = document.querySelector('.jp-Dialog');
  return {
    prompts: cells.map(c => (c.querySelector('.jp-InputPrompt') || {}).textContent?.trim() ?? ''),
    outputs: cells.map(c => (c.querySelector('.jp-OutputArea') || {}).innerText ?? ''),
    stale: panel.querySelectorAll('[data-cxm-stale]').length,
    status: panel.querySelector('.jp-Notebook-ExecutionIndicator')?.dataset.status ?? '',
    dialog: dialog ? dialog.innerText : null,
  };
}"""


# -- JupyterLab ---------------------------------------------------------------------------------


class JupyterLab:
    """A running JupyterLab server: its address and token, its root folder, and its REST API."""

    def __init__(self, url: str, token: str, root: Path, process: subprocess.Popen, log: Path):
        self.url, self.token, self.root, self.process, self.log = url, token, root, process, log

    def api(self, path: str, method: str = "GET") -> object:
        request = urllib.request.Request(f"{self.url}{path}", method=method, headers={"Authorization": f"token {self.token}"})
        with urllib.request.urlopen(request, timeout=10) as response:
            body = response.read()
        return json.loads(body) if body else None

    def log_tail(self, lines: int = 30) -> str:
        return "\n".join(self.log.read_text(encoding="utf-8", errors="replace").splitlines()[-lines:])

    def kernel_id(self, notebook: str) -> str:
        sessions = [s for s in self.api("/api/sessions") if s["path"] == notebook]
        assert sessions, f"No kernel session for {notebook}; sessions: {self.api('/api/sessions')}"
        return sessions[0]["kernel"]["id"]

    def kernel_pid(self, notebook: str) -> int:
        """The ipykernel process of ``notebook``: the one whose command line holds its connection file."""
        connection = f"kernel-{self.kernel_id(notebook)}.json"
        for proc in Path("/proc").glob("[0-9]*"):
            try:
                argv = (proc / "cmdline").read_bytes().split(b"\0")
            except OSError:  # the process ended while we looked
                continue
            if any(arg.decode(errors="replace").endswith(connection) for arg in argv):
                return int(proc.name)
        raise AssertionError(f"No process has {connection} on its command line: is the kernel running?")

    def shut_down_kernels(self) -> None:
        """End every session so that the next test starts on an idle machine (CI has two cores)."""
        for session in self.api("/api/sessions"):
            self.api(f"/api/sessions/{session['id']}", method="DELETE")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _quiet_settings(folder: Path) -> None:
    """User settings for the test's JupyterLab: no news or update toasts, and every cell rendered.

    JupyterLab 4 only renders the cells near the viewport by default; the tests look for outputs anywhere
    in the notebook, so windowing is off.
    """
    settings = {
        "@jupyterlab/apputils-extension/notification": {"fetchNews": "false", "checkForUpdates": False},
        "@jupyterlab/notebook-extension/tracker": {"windowingMode": "none"},
    }
    for name, values in settings.items():
        path = folder / f"{name}.jupyterlab-settings"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(values), encoding="utf-8")


@pytest.fixture(scope="session")
def lab(tmp_path_factory: pytest.TempPathFactory) -> Iterator[JupyterLab]:
    """JupyterLab on a free port with a token, serving a temporary root folder; shut down afterwards."""
    from cxmethods.core.errors import CxmError
    from cxmethods.run.runner import KERNEL_NAME, ensure_kernel

    try:
        ensure_kernel()
    except CxmError as exc:
        pytest.fail(f"The workbooks' Jupyter kernel '{KERNEL_NAME}' is not usable: {exc}", pytrace=False)
    jupyter = Path(sys.executable).with_name("jupyter")  # this environment's, whether .venv or conda
    if not jupyter.exists():
        pytest.fail(f"{jupyter} is missing: run `make setup` (it installs JupyterLab into .venv).", pytrace=False)

    base = tmp_path_factory.mktemp("jupyterlab")
    root = base / "root"
    root.mkdir()
    env = dict(os.environ)
    for variable in ("JUPYTER_CONFIG_DIR", "JUPYTERLAB_SETTINGS_DIR", "JUPYTERLAB_WORKSPACES_DIR", "JUPYTER_RUNTIME_DIR"):
        folder = base / variable.lower()
        folder.mkdir()
        env[variable] = str(folder)
    _quiet_settings(Path(env["JUPYTERLAB_SETTINGS_DIR"]))

    port, token = _free_port(), secrets.token_hex(16)
    command = [
        str(jupyter),
        "lab",
        "--no-browser",
        "--ip=127.0.0.1",
        f"--port={port}",
        f"--IdentityProvider.token={token}",
        f"--ServerApp.root_dir={root}",
        "--ServerApp.open_browser=False",
        "--ServerApp.port_retries=0",
        "--LabApp.news_url=None",
        "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate",
        "--LabApp.extension_manager=readonly",
    ]
    if os.geteuid() == 0:  # Jupyter refuses root unless told; CI containers run as root
        command.append("--allow-root")
    log = base / "jupyterlab.log"
    with log.open("w", encoding="utf-8") as out:
        process = subprocess.Popen(command, env=env, stdout=out, stderr=subprocess.STDOUT, cwd=root)
    server = JupyterLab(f"http://127.0.0.1:{port}", token, root, process, log)
    try:
        deadline = time.monotonic() + SERVER_START
        while True:
            if process.poll() is not None:
                pytest.fail(
                    f"JupyterLab exited with code {process.returncode} before answering:\n{server.log_tail()}", pytrace=False
                )
            try:
                server.api("/api/status")
                break
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                if time.monotonic() > deadline:
                    pytest.fail(
                        f"JupyterLab did not answer /api/status within {SERVER_START:.0f} s:\n{server.log_tail()}", pytrace=False
                    )
                time.sleep(0.2)
        yield server
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=15)


# -- Chromium -----------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def browser() -> Iterator[object]:
    """Debian's headless Chromium under Playwright (never a downloaded browser)."""
    if not Path(CHROMIUM).exists():
        pytest.fail(
            f"The browser tests need Chromium at {CHROMIUM}: sudo apt-get install chromium (Debian/Ubuntu), "
            "or set CXM_CHROMIUM to a Chromium binary. Do not run `playwright install`.",
            pytrace=False,
        )
    from playwright.sync_api import Error, expect, sync_playwright

    expect.set_options(timeout=15_000)  # Playwright's 5 s is short for a 2-core CI machine running a kernel
    with sync_playwright() as playwright:
        try:
            chromium = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        except Error as exc:
            pytest.fail(
                f"Chromium ({CHROMIUM}) would not start under Playwright: {str(exc).splitlines()[0]}. "
                "Reinstall it with sudo apt-get install --reinstall chromium.",
                pytrace=False,
            )
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser, lab: JupyterLab) -> Iterator[object]:
    """A fresh browser tab; the test's kernels are shut down afterwards."""
    context = browser.new_context(viewport=VIEWPORT)
    context.set_default_timeout(30_000)
    tab = context.new_page()
    try:
        yield tab
    finally:
        context.close()
        lab.shut_down_kernels()


# -- screenshots --------------------------------------------------------------------------------


def _screenshot_folder() -> Path:
    return Path(os.environ.get("CXM_SCREENSHOTS") or REPO / "out" / "browser-screenshots")


_shots_taken = False  # `make test` loads this file too (and deselects the tests): say nothing then


@pytest.fixture(scope="session")
def screenshots() -> Path:
    """Where each step's screenshot goes: ``$CXM_SCREENSHOTS``, else ``out/browser-screenshots/``."""
    global _shots_taken
    _shots_taken = True
    folder = _screenshot_folder()
    folder.mkdir(parents=True, exist_ok=True)
    for old in folder.glob("failed-*.png"):  # a failure's shots from an earlier run would mislead
        old.unlink()
    return folder


def pytest_terminal_summary(terminalreporter, exitstatus, config) -> None:
    if _shots_taken:
        terminalreporter.write_line(f"Browser test screenshots: {_screenshot_folder()}")


# -- the sample engagement and workbooks --------------------------------------------------------


def set_parameters(notebook: nbformat.NotebookNode, values: dict[str, object]) -> None:
    """Give the parameters cell's ``name: type = value  # help`` lines new values, keeping types and help."""
    cell = next((c for c in notebook.cells if "parameters" in c.metadata.get("tags", [])), None)
    assert cell is not None, "The workbook has no cell tagged 'parameters'."
    lines, missing = cell.source.splitlines(), set(values)
    for i, line in enumerate(lines):
        match = re.match(r"^(\w+)(\s*:[^=]*)?=\s*(.*?)(\s+#.*)?$", line)
        if match and match[1] in values:
            lines[i] = f"{match[1]}{match[2] or ' '}= {values[match[1]]!r}{match[4] or ''}"
            missing.discard(match[1])
    assert not missing, f"The parameters cell has no line for {sorted(missing)}:\n{cell.source}"
    cell.source = "\n".join(lines)


@pytest.fixture
def add_workbook(lab: JupyterLab) -> Callable[..., str]:
    """Copy ``workbooks/<name>.ipynb`` into JupyterLab's root with its parameters set; returns its path there."""

    def add(name: str, **parameters: object) -> str:
        notebook = nbformat.read(REPO / "workbooks" / f"{name}.ipynb", as_version=4)
        set_parameters(notebook, parameters)
        nbformat.write(notebook, lab.root / f"{name}.ipynb")
        return f"{name}.ipynb"

    return add


@pytest.fixture
def engagement(tmp_path: Path) -> Path:
    """A fresh copy of the sample engagement; returns its engagement.yaml."""
    from cxmethods.sample import write_sample

    write_sample(tmp_path / "riverton")
    return tmp_path / "riverton" / "engagement.yaml"


@pytest.fixture(scope="module")
def planned(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """A copy of the sample with workbooks 02 and 03 run on it (04 reads their artifacts): (engagement.yaml, run folder)."""
    from cxmethods.run.runner import run_engagement
    from cxmethods.sample import write_sample

    folder = tmp_path_factory.mktemp("planned")
    write_sample(folder / "riverton")
    result = run_engagement(folder / "riverton" / "engagement.yaml", out=folder / "run", only="02,03", outputs=False)
    assert result.ok, f"Workbooks 02 and 03 failed on the sample: {[s.summary() for s in result.steps]}"
    return folder / "riverton" / "engagement.yaml", result.out_dir


# -- a workbook open in the browser -------------------------------------------------------------


class Workbook:
    """One workbook open in a JupyterLab tab, driven through the page as a person would: menus, clicks, typing."""

    def __init__(self, page, lab: JupyterLab, path: str, screenshots: Path):
        self.page, self.lab, self.path, self.screenshots = page, lab, path, screenshots

    def open(self) -> Workbook:
        from playwright.sync_api import expect

        # ?reset: start from JupyterLab's default layout, not the tabs an earlier test left open
        self.page.goto(f"{self.lab.url}/lab/tree/{self.path}?reset&token={self.lab.token}")
        expect(self.page.locator(".jp-NotebookPanel .jp-Notebook .jp-CodeCell").first).to_be_visible(timeout=60_000)
        self.wait_for_kernel()
        return self

    def wait_for_kernel(self) -> None:
        """Until the status bar says the workbook's kernel is idle, as a person would wait: cells run before the
        kernel is connected are silently skipped. (The toolbar's execution indicator says idle before there is a
        kernel at all, so it cannot tell.)"""
        from playwright.sync_api import expect

        expect(self.page.locator("#jp-main-statusbar")).to_contain_text(
            re.compile(r"Python \(cxmethods\) \| Idle"), timeout=60_000
        )

    def menu(self, menu: str, item: str) -> None:
        """Click ``menu`` in the menu bar, then the item whose label starts with ``item``."""
        self.page.get_by_role("menuitem", name=menu, exact=True).click()
        self.page.get_by_role("menuitem", name=re.compile("^" + re.escape(item))).click()

    def run_all(self) -> None:
        self.wait_for_kernel()
        self._mark_outputs_stale()
        self.menu("Run", "Run All Cells")
        self.wait_until_run()

    def restart_and_run_all(self) -> None:
        self._mark_outputs_stale()
        self.menu("Kernel", "Restart Kernel and Run All Cells")
        dialog = self.page.locator(".jp-Dialog")
        dialog.get_by_role("button", name="Confirm Kernel Restart", exact=True).click()
        self.wait_until_run()

    def _mark_outputs_stale(self) -> None:
        """Mark today's outputs, so a wait cannot mistake the last run's outputs (same execution counts after a
        restart) for the new run's: a cell's outputs are new elements once it has run again."""
        self.page.evaluate(
            "() => document.querySelectorAll('.jp-OutputArea-child').forEach(e => e.setAttribute('data-cxm-stale', ''))"
        )

    def wait_until_run(self, timeout: float = RUN_ALL) -> None:
        """Until every code cell shows an execution count, no output of the previous run is left and the kernel
        is idle; fails at once on a dialog, and on a cell error (the cells after it are left unrun)."""
        deadline, stopped_since = time.monotonic() + timeout, None
        while True:
            state = self.page.evaluate(_STATE_JS) or {"prompts": [], "outputs": [], "stale": 0, "status": "", "dialog": None}
            prompts = state["prompts"]
            if state["dialog"]:
                self.shoot("failed-dialog.png")
                pytest.fail(f"{self.path}: a dialog appeared while the cells ran: {state['dialog']!r}", pytrace=False)
            numbered = [bool(re.fullmatch(r"\[\d+\]:", p)) for p in prompts]
            if prompts and all(numbered) and not state["stale"] and state["status"] == "idle":
                return
            if prompts and "[*]:" not in prompts and not all(numbered) and state["status"] == "idle":
                stopped_since = stopped_since or time.monotonic()
                if time.monotonic() - stopped_since > 2:  # stayed stopped: a cell failed and the rest were skipped
                    self.shoot("failed-run.png")
                    first_unrun = numbered.index(False)
                    if first_unrun == 0:
                        pytest.fail(f"{self.path}: no cell ran (prompts {prompts}); is the kernel connected?", pytrace=False)
                    pytest.fail(
                        f"{self.path}: code cell {first_unrun} failed, the cells after it did not run. "
                        f"Its output:\n{state['outputs'][first_unrun - 1][-2000:]}",
                        pytrace=False,
                    )
            else:
                stopped_since = None
            if time.monotonic() > deadline:
                self.shoot("failed-timeout.png")
                pytest.fail(
                    f"{self.path}: the cells had not all run after {timeout:.0f} s (prompts {prompts}, kernel "
                    f"{state['status']!r}, {state['stale']} outputs of the previous run left).\n"
                    f"JupyterLab's log:\n{self.lab.log_tail()}",
                    pytrace=False,
                )
            time.sleep(0.25)

    def form(self, text: str):
        """The cell output holding the widget whose text contains ``text``; exactly one must match."""
        from playwright.sync_api import expect

        found = self.page.locator(".jp-OutputArea-output").filter(has=self.page.locator(".jupyter-widgets", has_text=text))
        expect(found).to_have_count(1)
        return found

    def collapse_sidebar(self) -> None:
        self.page.locator(".jp-SideBar.jp-mod-left .lm-TabBar-tab.lm-mod-current").click()

    def shoot(self, name: str, target=None) -> Path:
        """Save a screenshot: the window as it is, or the whole of ``target`` (the window is made tall enough for
        it, since the notebook scrolls inside the page and a shot of a taller element would be cut off)."""
        path = self.screenshots / name
        if target is None:
            self.page.screenshot(path=path)
            return path
        size = self.page.viewport_size
        box = target.bounding_box()
        self.page.set_viewport_size({"width": size["width"], "height": max(size["height"], int(box["height"]) + 260)})
        try:
            target.scroll_into_view_if_needed()
            target.screenshot(path=path)
        finally:
            self.page.set_viewport_size(size)
        return path


@pytest.fixture
def open_workbook(lab: JupyterLab, screenshots: Path) -> Callable[..., Workbook]:
    """Open a workbook (a path under JupyterLab's root) in a browser tab."""

    def open_(page, path: str) -> Workbook:
        return Workbook(page, lab, path, screenshots).open()

    return open_
