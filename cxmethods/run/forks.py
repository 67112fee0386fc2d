"""Kernels forked from one process that has already loaded what the workbooks need.

A kernel started the usual way is a new Python that imports IPython, pandas, scikit-learn, matplotlib, cxmethods and
the name model: about four seconds of one core, for each of a run's six workbooks, most of a run's work on a small
machine. :class:`ForkServer` loads all that once, in a process of its own, then forks a kernel from it on request:
the kernel starts with every module loaded, in a fraction of a second, sharing that memory until it writes to it.
What a workbook computes does not depend on it (the same modules, the same code; nothing random is drawn while
loading).

The kernel is an ordinary ipykernel with the connection file Jupyter wrote, in a session and process group of its
own (so interrupting and killing it works as for a kernel started the usual way), with the environment and folder
asked for; it ends if the server ends, and the server ends with the process that started it. Linux only;
:func:`available` says whether it can be used.

The server listens on a Unix socket in a folder only its user can enter. One request per connection: a JSON line
``{"argv": [...], "cwd": ..., "env": {...}}``, answered with ``{"pid": N}`` or ``{"error": ...}``.

Run as a script (not imported with cxmethods): ``python forks.py SOCKET PARENT_PID STATEMENT...``.
"""

from __future__ import annotations

import contextlib
import json
import os
import select
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import ClassVar

__all__ = ["ForkServer", "available"]

#: Seconds the server may take to load its modules before a run gives up on it and starts kernels the usual way.
READY_TIMEOUT = 120.0


def available() -> bool:
    """Whether kernels are forked here: on Linux. (macOS has fork, but forking a process that has loaded system
    frameworks is unsafe there, which is why Python's multiprocessing does not fork by default on it.)"""
    return sys.platform.startswith("linux") and hasattr(socket, "AF_UNIX")


class ForkServer:
    """The server process, started with the modules to load (``__import__`` statements, as
    :func:`cxmethods.run.kernels.imports_of` gives them); :meth:`fork` asks it for a kernel, :meth:`close` stops it.

    The server loads its modules while the caller goes on; :meth:`fork` waits until it is ready.
    """

    def __init__(self, statements: list[str]):
        self.folder = tempfile.mkdtemp(prefix="cxm-forks-")  # mode 0700: only this user may connect
        self.path = str(Path(self.folder) / "s")
        # this file run as a script, not as a module of cxmethods: importing the package would load pandas and the
        # rest before the server can make them load as in a kernel (_as_in_a_kernel)
        boot = f"import runpy; runpy.run_path({__file__!r}, run_name='__main__')"
        command = [sys.executable, "-c", boot, self.path, str(os.getpid()), *statements]
        # unbuffered: a line read is all that is taken from the pipe, so "ready" written just after a library's own
        # line is still there for select() to see (a buffered reader would hold it, and ready() wait its timeout out)
        self.process = subprocess.Popen(
            command, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, start_new_session=True, cwd=self.folder, bufsize=0
        )
        self._ready: bool | None = None
        self._lock = threading.Lock()  # kernels are asked for from several threads

    def ready(self, timeout: float = READY_TIMEOUT) -> bool:
        """Wait until the server has loaded its modules; False if it failed or took longer than ``timeout``."""
        with self._lock:
            end = time.monotonic() + timeout
            while self._ready is None:  # lines before "ready" are what a library wrote to the terminal itself
                assert self.process.stdout is not None
                readable, _, _ = select.select([self.process.stdout], [], [], max(0.0, end - time.monotonic()))
                line = self.process.stdout.readline() if readable else b""
                if not line or line.strip() == b"ready":  # ready, or ended, or out of time
                    self._ready = line.strip() == b"ready"
            return self._ready

    @staticmethod
    def same_python(python: str) -> bool:
        """Whether a kernel command's interpreter is the one the server runs (only then may it stand in for it)."""
        with contextlib.suppress(OSError):
            return os.path.samefile(python, sys.executable)
        return False

    def fork(self, argv: list[str], *, cwd: str, env: dict[str, str]) -> int:
        """A kernel started with ``argv`` (ipykernel's arguments: ``-f CONNECTION_FILE ...``) in ``cwd`` with ``env``;
        its process id. Raises ``RuntimeError`` if the server is not ready or refuses, ``OSError`` if it has gone."""
        if not self.ready():
            raise RuntimeError("the fork server did not start")
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as conn:
            conn.settimeout(30)
            conn.connect(self.path)
            conn.sendall(json.dumps({"argv": argv, "cwd": cwd, "env": env}).encode() + b"\n")
            answer = json.loads(_read_line(conn) or b"{}")
        if "pid" not in answer:
            raise RuntimeError(f"the fork server could not start a kernel: {answer.get('error', 'no answer')}")
        return int(answer["pid"])

    def close(self) -> None:
        """Stop the server (kernels forked from it end with it) and remove its folder."""
        with contextlib.suppress(OSError):
            self.process.kill()
        with contextlib.suppress(Exception):
            self.process.wait(10)
        if self.process.stdout is not None:
            self.process.stdout.close()
        shutil.rmtree(self.folder, ignore_errors=True)


class ForkedProcess:
    """What Jupyter's provisioner expects of a kernel's ``Popen``, for a kernel forked by the server (not this
    process's child: the server reaps it, and it is gone when signal 0 can no longer reach it)."""

    stdin = stdout = stderr = None

    def __init__(self, pid: int):
        self.pid = pid
        self.returncode: int | None = None

    def poll(self) -> int | None:
        if self.returncode is None:
            try:
                os.kill(self.pid, 0)
            except ProcessLookupError:
                self.returncode = -1  # its status went to the server, which reaped it
            except PermissionError:  # the pid was taken by another user's process: ours is gone
                self.returncode = -1
        return self.returncode

    def wait(self, timeout: float | None = None) -> int:
        end = None if timeout is None else time.monotonic() + timeout
        while self.poll() is None:
            if end is not None and time.monotonic() > end:
                raise subprocess.TimeoutExpired(str(self.pid), timeout or 0)
            time.sleep(0.02)
        return self.returncode  # type: ignore[return-value]

    def send_signal(self, signum: int) -> None:
        if self.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.kill(self.pid, signum)

    def kill(self) -> None:
        self.send_signal(signal.SIGKILL)

    def terminate(self) -> None:
        self.send_signal(signal.SIGTERM)


def _read_line(conn: socket.socket) -> bytes:
    data = b""
    while not data.endswith(b"\n"):
        part = conn.recv(65536)
        if not part:
            break
        data += part
    return data


def _serve(path: str, parent: int, statements: list[str]) -> None:
    """The server: load the modules, say so on stdout, then fork a kernel for each request until the parent ends."""
    # as a kernel started by Jupyter would have it, before anything imports matplotlib
    os.environ.setdefault("MPLBACKEND", "module://matplotlib_inline.backend_inline")
    sys.path[:] = [p for p in sys.path if p not in ("", os.getcwd())]  # the kernel adds its own folder when it starts
    import ipykernel.kernelapp  # noqa: F401  (the kernel's own machinery, loaded once)

    with _as_in_a_kernel():
        for statement in statements:
            with contextlib.suppress(Exception):  # a kernel that needs it reports the failure where it happens
                exec(statement, {})  # the __import__ and warm-up statements the runner gives
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    listener.bind(path)
    listener.listen(16)
    sys.stdout.write("ready\n")
    sys.stdout.flush()
    while os.getppid() == parent:
        readable, _, _ = select.select([listener], [], [], 0.2)
        _reap()
        if readable:
            conn, _ = listener.accept()
            with conn:
                try:
                    conn.settimeout(10)  # a caller that never finishes its request does not hold up the others
                    request = json.loads(_read_line(conn))
                    pid = os.fork()
                    if pid == 0:
                        listener.close()
                        conn.close()
                        _kernel(request)  # never returns
                    conn.sendall(json.dumps({"pid": pid}).encode() + b"\n")
                except Exception as exc:
                    with contextlib.suppress(OSError):
                        conn.sendall(json.dumps({"error": f"{type(exc).__name__}: {exc}"}).encode() + b"\n")


class _KernelShell:
    """Stands for the kernel's shell while modules are loaded: what libraries look at when they ask, as they are
    imported, whether they run in a Jupyter kernel (pandas sets its display width by it: in a kernel, tables show
    up to 20 columns, in a terminal as many as fit)."""

    kernel = None  # pandas looks for it
    config: ClassVar[dict] = {"IPKernelApp": {}}  # tqdm looks for this


@contextlib.contextmanager
def _as_in_a_kernel():
    """Load modules as a kernel would: ``get_ipython()`` answers with a kernel's shell, and output goes nowhere (a
    kernel's output is its notebook's, not a terminal: what a library prints while loading is not shown there
    either, and one that asks whether it writes to a terminal is told no)."""
    import builtins
    import io

    builtins.get_ipython = _KernelShell  # type: ignore[attr-defined]
    try:
        with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
            yield
    finally:
        del builtins.get_ipython  # type: ignore[attr-defined]


def _reap() -> None:
    """Collect the kernels that ended, so that signal 0 no longer reaches them."""
    with contextlib.suppress(ChildProcessError):
        while os.waitpid(-1, os.WNOHANG)[0]:
            pass


def _kernel(request: dict) -> None:
    """In the forked child: become the kernel the request describes, then exit."""
    code = 1
    try:
        os.setsid()  # a session and process group of its own, as Jupyter starts kernels
        os.chdir(request["cwd"])
        os.environ.clear()
        os.environ.update(request["env"])
        server = str(os.getppid())
        os.environ["JPY_PARENT_PID"] = server
        null = os.open(os.devnull, os.O_RDWR)
        for fd in (0, 1):
            os.dup2(null, fd)
        signal.signal(signal.SIGINT, signal.default_int_handler)
        from ipykernel.kernelapp import IPKernelApp

        # ends if the server ends (ipykernel read JPY_PARENT_PID when the server imported it: said again here)
        argv = [*request["argv"], f"--IPKernelApp.parent_handle={server}"]
        sys.argv = ["ipykernel_launcher", *argv]
        app = IPKernelApp.instance()
        app.initialize(argv)
        app.start()
        code = 0
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else 0
    finally:
        os._exit(code)


if __name__ == "__main__":
    _serve(sys.argv[1], int(sys.argv[2]), sys.argv[3:])
