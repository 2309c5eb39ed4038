"""The kernel a lesson runs in: ``python3``, in a temporary folder, with stable figures.

Figures come out as SVG (the handout embeds them inline, as the reports do) with fixed ids
(matplotlib's ``svg.hashsalt``) and a fixed date (``SOURCE_DATE_EPOCH``), so an executed
lesson is the same on every run. The kernel's own start-up notices go to a log in the
temporary folder, not into the terminal of ``dsr teach``.
"""

from __future__ import annotations

import contextlib
import os
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path

KERNEL_NAME = "python3"
CELL_TIMEOUT = 600
START_TIMEOUT = 120

_MATPLOTLIBRC = "svg.hashsalt: dsr-teaching\nsvg.fonttype: path\n"
_KERNEL_ARGUMENTS = ["--InlineBackend.figure_formats=svg"]


@contextlib.contextmanager
def lesson_kernel() -> Iterator[tuple[object, Path]]:
    """A started kernel manager and its working folder (removed, with the kernel, on exit)."""
    from jupyter_client.manager import KernelManager

    with tempfile.TemporaryDirectory(prefix="dsr-teach-") as folder:
        cwd = Path(folder)
        (cwd / ".matplotlibrc").write_text(_MATPLOTLIBRC, encoding="utf-8")
        env = {
            **os.environ,
            "MATPLOTLIBRC": str(cwd / ".matplotlibrc"),
            "SOURCE_DATE_EPOCH": "0",
        }
        km = KernelManager(kernel_name=KERNEL_NAME,
                           connection_file=str(cwd / ".kernel.json"))
        with (cwd / ".kernel.log").open("ab") as log:
            km.start_kernel(cwd=str(cwd), env=env, extra_arguments=_KERNEL_ARGUMENTS,
                            stdout=log, stderr=log, stdin=subprocess.DEVNULL)
        try:
            yield km, cwd
        finally:
            with contextlib.suppress(Exception):
                km.shutdown_kernel(now=True)


def execute(notebook, parameters: dict | None = None):
    """Execute ``notebook`` with papermill (``parameters`` injected) and return the result.

    Raises papermill's execution error (it carries the cell's ``ename`` and ``evalue``) if a
    cell fails.
    """
    import nbformat
    import papermill

    with lesson_kernel() as (km, cwd):
        source = cwd / "lesson.ipynb"
        nbformat.write(notebook, str(source))
        executed = papermill.execute_notebook(
            str(source), str(cwd / "executed.ipynb"), parameters=parameters or {},
            kernel_name=KERNEL_NAME, cwd=str(cwd), progress_bar=False, log_output=False,
            execution_timeout=CELL_TIMEOUT, start_timeout=START_TIMEOUT, km=km,
        )
    return nbformat.from_dict(executed)


def execute_all(notebook):
    """Execute every cell of ``notebook`` in place, an error in one stopping none of the others
    (each cell's error stays in its outputs)."""
    from nbclient import NotebookClient

    with lesson_kernel() as (km, cwd):
        client = NotebookClient(notebook, km=km, kernel_name=KERNEL_NAME, allow_errors=True,
                                timeout=CELL_TIMEOUT, startup_timeout=START_TIMEOUT,
                                resources={"metadata": {"path": str(cwd)}})
        client.execute()
    return notebook
