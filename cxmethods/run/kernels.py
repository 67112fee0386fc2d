"""Execute one notebook headless with papermill, its kernel talking over local sockets rather than TCP ports.

Jupyter's default transport picks free TCP ports, closes them and hands their numbers to the kernel, which binds
them a second or two later, once it has started. Any process on the machine may take one of those ports in
between (every outgoing connection borrows one), and the kernel then runs with a socket it could not bind: a
run that hangs instead of failing. Many kernels at once (a batch, the tests) make it likely. A Unix socket in a
folder of the kernel's own cannot be taken by anyone else. Windows has no such sockets and keeps TCP.
"""

from __future__ import annotations

import ast
import asyncio
import contextlib
import functools
import os
import shutil
import signal
import tempfile
import time
import uuid
from collections.abc import Callable
from pathlib import Path

from jupyter_client.manager import AsyncKernelManager
from jupyter_client.provisioning import LocalProvisioner
from jupyter_core.utils import run_sync
from traitlets import default

from cxmethods.run.forks import ForkedProcess, ForkServer

__all__ = [
    "LocalKernelManager",
    "execute_notebook",
    "imports_of",
    "kill_kernel",
    "load_engine",
    "move_to",
    "start_kernel",
    "stop_kernel",
    "warm",
]

# the kernel's own log (shutdown notices, transport warnings) is noise in a headless run;
# cell errors still arrive as messages and are reported
_QUIET = ["--IPKernelApp.log_level=CRITICAL"]


class LocalKernelManager(AsyncKernelManager):
    """A kernel manager whose kernel listens on Unix sockets in a temporary folder of its own."""

    @default("transport")
    def _default_transport(self) -> str:
        return "tcp" if os.name == "nt" else "ipc"

    @default("ip")
    def _default_ip(self) -> str:
        if self.transport != "ipc":
            return "127.0.0.1"
        return str(Path(tempfile.mkdtemp(prefix="cxm-kernel-")) / "k")  # short: socket paths are limited to ~100 bytes

    #: A folder made for the kernel to start in (:func:`start_kernel` without ``cwd``), removed with the kernel.
    own_folder: str | None = None

    def cleanup_ipc_files(self) -> None:
        """Remove the sockets, then their folder (and the folder the kernel started in, if made for it)."""
        super().cleanup_ipc_files()
        if self.transport == "ipc":
            with contextlib.suppress(OSError):
                Path(self.ip).parent.rmdir()
        if self.own_folder:
            shutil.rmtree(self.own_folder, ignore_errors=True)


class _ForkedProvisioner(LocalProvisioner):
    """Jupyter's local provisioner, the kernel forked by a :class:`~cxmethods.run.forks.ForkServer` instead of started
    as a new Python (the usual way if the server is not there or the kernel is not ipykernel)."""

    forks: ForkServer | None = None

    async def launch_kernel(self, cmd: list[str], **kwargs):
        launcher = next((i for i in range(1, len(cmd)) if cmd[i - 1 : i + 1] == ["-m", "ipykernel_launcher"]), None)
        if self.forks is None or launcher is None or not self.forks.same_python(cmd[0]):
            return await super().launch_kernel(cmd, **kwargs)
        cwd = str(kwargs.get("cwd") or Path.cwd())
        try:
            pid = self.forks.fork(cmd[launcher + 1 :], cwd=cwd, env=dict(kwargs.get("env") or os.environ))
        except (OSError, RuntimeError, ValueError):  # the server failed: start it the usual way
            return await super().launch_kernel(cmd, **kwargs)
        self.process = ForkedProcess(pid)  # type: ignore[assignment]
        self.pid = self.pgid = pid  # the forked kernel leads a session of its own
        self.cwd = cwd
        return self.connection_info


def start_kernel(
    kernel_name: str, *, cwd: str | Path | None = None, env: dict[str, str] | None = None, forks: ForkServer | None = None
) -> LocalKernelManager:
    """Start a kernel in ``cwd`` (its environment: ours plus ``env``), ahead of the notebook it will run; forked by
    ``forks`` (with its modules loaded) when given.

    Without ``cwd`` it starts in an empty folder of its own, removed with it (not the shared temporary folder: the
    kernel imports from its working folder first, and matplotlib reads a ``matplotlibrc`` there); :func:`move_to`
    then gives it its real one. Call this, :func:`warm` and :func:`execute_notebook` from one thread: the manager
    belongs to that thread's loop."""
    km = LocalKernelManager(kernel_name=kernel_name)
    if forks is not None:
        km.kernel_id = str(uuid.uuid4())
        km.provisioner = _ForkedProvisioner(kernel_id=km.kernel_id, kernel_spec=km.kernel_spec, parent=km)
        km.provisioner.forks = forks
    if cwd is None:
        km.own_folder = cwd = tempfile.mkdtemp(prefix="cxm-start-")
    try:
        run_sync(km.start_kernel)(cwd=str(cwd), env={**os.environ, **(env or {})}, extra_arguments=_QUIET)
    except BaseException:
        km.cleanup_ipc_files()
        raise
    return km


def stop_kernel(km: LocalKernelManager) -> None:
    """Stop a kernel that :func:`execute_notebook` did not get to run (a run stopped while it waited)."""
    with contextlib.suppress(Exception):  # already gone: nothing to stop
        run_sync(km.shutdown_kernel)(now=True)


def kill_kernel(km: LocalKernelManager) -> None:
    """Kill a kernel at once, from any thread (a run interrupted): the notebook running on it stops where it is, and
    so does anything it started (the kernel leads a process group of its own)."""
    pgid, pid = getattr(km.provisioner, "pgid", None), getattr(km.provisioner, "pid", None)
    with contextlib.suppress(OSError):
        if pgid and hasattr(os, "killpg"):
            os.killpg(pgid, signal.SIGKILL)
        elif pid:
            os.kill(pid, signal.SIGTERM)


def imports_of(notebook) -> list[str]:
    """The modules a notebook's code cells import at their top level, as ``__import__`` statements, in order.
    ``notebook`` is read by nbformat, or its JSON as read by ``json.load``.

    >>> import nbformat
    >>> nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("import pandas as pd\\nfrom cxmethods.workbooks import roadmap\\n%matplotlib inline")])
    >>> imports_of(nb)
    ["__import__('pandas')", "__import__('cxmethods.workbooks', fromlist=['roadmap'])"]
    """
    found: list[str] = []
    for cell in notebook["cells"]:  # a notebook read by nbformat, or its JSON as read by json.load
        if cell["cell_type"] != "code":
            continue
        text = cell["source"] if isinstance(cell["source"], str) else "".join(cell["source"])
        source = "\n".join(line for line in text.splitlines() if not line.lstrip().startswith(("%", "!")))
        try:
            body = ast.parse(source).body
        except SyntaxError:  # the notebook reports it when it runs
            continue
        for node in body:
            if isinstance(node, ast.Import):
                found += [f"__import__({alias.name!r})" for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
                found.append(f"__import__({node.module!r}, fromlist={[a.name for a in node.names if a.name != '*']!r})")
    return list(dict.fromkeys(found))


def move_to(km: LocalKernelManager, folder: str | Path, *, timeout: float = 60) -> None:
    """Make ``folder`` the kernel's working folder, silently (a kernel started before the folder existed)."""
    run_sync(_silently)(km, f"__import__('os').chdir({str(folder)!r})", timeout)


def warm(km: LocalKernelManager, statements: list[str], *, timeout: float = 300) -> None:
    """Run ``statements`` (imports, from :func:`imports_of`) in the kernel silently, so the notebook finds its
    modules loaded: no execution count, no history, no name bound, no output. A failure is left for the notebook
    to report where it happens."""
    if statements:
        run_sync(_silently)(km, "\n".join(f"try: {s}\nexcept Exception: pass" for s in statements), timeout)


async def _silently(km: LocalKernelManager, code: str, timeout: float) -> None:
    """Run ``code`` silently; raise if the kernel dies meanwhile (checked every second) or ``timeout`` passes."""
    client = km.client()
    client.start_channels()
    try:
        await client.wait_for_ready(timeout=timeout)
        task = asyncio.ensure_future(
            client.execute_interactive(code, silent=True, store_history=False, timeout=timeout, output_hook=lambda msg: None)
        )
        while not task.done():
            await asyncio.wait({task}, timeout=1)
            if not task.done() and not await km.is_alive():
                task.cancel()
                raise RuntimeError("the kernel died")
        task.result()
    finally:
        client.stop_channels()


#: Seconds between two saves of a running notebook. Papermill saves it at every cell's start and end: for a
#: workbook of small cells, re-encoding the whole notebook some forty times (a quarter of the runner's own work).
SAVE_EVERY = 5.0


def load_engine() -> None:
    """Import papermill and register the engine :func:`execute_notebook` uses now (about a second), while a kernel
    started ahead waits for its turn, rather than when the notebook is to run."""
    _started_kernel_engine()


@functools.cache
def _started_kernel_engine() -> str:
    """Register (once) papermill's engine for a kernel started beforehand; its name. Papermill is imported here, not
    with this module: importing it (nbformat, jsonschema) takes a second that the first kernels need not wait for."""
    from papermill.clientwrap import PapermillNotebookClient
    from papermill.engines import NBClientEngine, papermill_engines

    class StartedKernelEngine(NBClientEngine):
        """Papermill's engine, running the notebook on a kernel started beforehand (``km``), which it then stops, and
        saving the notebook as it runs at most every :data:`SAVE_EVERY` seconds (papermill writes it when it ends,
        with the error if a cell failed; this engine writes it where it stopped if anything else stops it)."""

        @classmethod
        def execute_managed_notebook(cls, nb_man, kernel_name, start_timeout=60, execution_timeout=None, **kwargs):
            kwargs.pop("input_path", None)
            save, last = nb_man.save, [-SAVE_EVERY]

            def now_and_then(**kw) -> None:
                if time.monotonic() - last[0] >= SAVE_EVERY:
                    save(**kw)
                    last[0] = time.monotonic()

            nb_man.save = now_and_then
            client = PapermillNotebookClient(
                nb_man, kernel_name=kernel_name, startup_timeout=start_timeout, timeout=execution_timeout, **kwargs
            )
            try:
                return client.execute(cleanup_kc=True)  # stops the client's channels and the kernel, as for its own
            except BaseException:  # the kernel died or was killed: the notebook as it stands, for the runner to mark
                save()
                raise

    papermill_engines.register("cxmethods-started", StartedKernelEngine)
    return "cxmethods-started"


def execute_notebook(
    notebook: str | Path | object,
    output: str | Path,
    *,
    parameters: dict,
    cwd: str | Path,
    kernel_name: str,
    on_cell_executed: Callable[..., None] | None = None,
    km: LocalKernelManager | None = None,
):
    """Run ``notebook`` (a path or a notebook) with ``parameters`` in ``cwd`` and write it to ``output``.

    With ``km`` (from :func:`start_kernel`, whose ``cwd`` it already has), the notebook runs on that kernel and stops
    it; otherwise on a kernel of its own. Raises what papermill raises (``PapermillExecutionError`` for an error in
    a cell)."""
    import papermill as pm

    started = {"engine_name": _started_kernel_engine(), "km": km} if km is not None else {"cwd": str(cwd)}
    return pm.execute_notebook(
        notebook if not isinstance(notebook, Path) else str(notebook),
        str(output),
        parameters=parameters,
        kernel_name=kernel_name,
        progress_bar=False,
        on_cell_executed=on_cell_executed,
        kernel_manager_class=LocalKernelManager,
        extra_arguments=_QUIET,
        **started,  # papermill's cwd changes the whole process's folder: not for kernels run side by side
    )
