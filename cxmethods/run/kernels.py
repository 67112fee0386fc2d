"""Execute one notebook headless with papermill, its kernel talking over local sockets rather than TCP ports.

Jupyter's default transport picks free TCP ports, closes them and hands their numbers to the kernel, which binds
them a second or two later, once it has started. Any process on the machine may take one of those ports in
between (every outgoing connection borrows one), and the kernel then runs with a socket it could not bind: a
run that hangs instead of failing. Many kernels at once (a batch, the tests) make it likely. A Unix socket in a
folder of the kernel's own cannot be taken by anyone else. Windows has no such sockets and keeps TCP.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Callable
from pathlib import Path

from jupyter_client.manager import AsyncKernelManager
from traitlets import default

__all__ = ["LocalKernelManager", "execute_notebook"]


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

    def cleanup_ipc_files(self) -> None:
        """Remove the sockets, then their folder."""
        super().cleanup_ipc_files()
        if self.transport == "ipc":
            with contextlib.suppress(OSError):
                Path(self.ip).parent.rmdir()


def execute_notebook(
    notebook: str | Path | object,
    output: str | Path,
    *,
    parameters: dict,
    cwd: str | Path,
    kernel_name: str,
    on_cell_executed: Callable[..., None] | None = None,
):
    """Run ``notebook`` (a path or a notebook) with ``parameters`` in ``cwd`` and write it to ``output``.

    Raises what papermill raises (``PapermillExecutionError`` for an error in a cell)."""
    import papermill as pm

    return pm.execute_notebook(
        notebook if not isinstance(notebook, Path) else str(notebook),
        str(output),
        parameters=parameters,
        kernel_name=kernel_name,
        progress_bar=False,
        cwd=str(cwd),
        on_cell_executed=on_cell_executed,
        kernel_manager_class=LocalKernelManager,
        # the kernel's own log (shutdown notices, transport warnings) is noise in a headless run;
        # cell errors still arrive as messages and are reported
        extra_arguments=["--IPKernelApp.log_level=CRITICAL"],
    )
