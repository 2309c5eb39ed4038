"""Executing one chapter in a worker: Papermill into build/, nbconvert into the page.

Each worker process keeps one kernel and reuses it for every chapter it runs; the namespace is
reset after each notebook, so no chapter sees another's variables.
"""

from __future__ import annotations

import os
import traceback
from pathlib import Path

from dsr_analysis.files import atomic_write_text
from dsr_analysis.runner.model import Outcome, Task

KERNEL_NAME = "python3"
CELL_EXECUTION_TIMEOUT = 600


def run_task(task: Task) -> Outcome:
    """Execute one chapter and publish it; never raises, so one failure stops nothing else."""
    from dsr_analysis.html import Link, Page, notebook_to_html

    try:
        import nbformat
        import papermill

        Path(task.executed).parent.mkdir(parents=True, exist_ok=True)
        km = _worker_kernel(Path(task.executed).parent)
        try:
            executed = papermill.execute_notebook(
                task.notebook,
                task.executed,
                parameters=task.parameters,
                kernel_name=KERNEL_NAME,
                progress_bar=False,
                log_output=False,
                execution_timeout=CELL_EXECUTION_TIMEOUT,
                km=km,
            )
        finally:
            _reset_namespace(km)
        executed = nbformat.from_dict(executed)
        p = task.page

        def link(d):
            return Link(d["href"], d["text"], d.get("current", False)) if d else None

        page = Page(
            title=p["title"],
            lang=p["lang"],
            index=link(p["index"]),
            chapters=tuple(link(c) for c in p["chapters"]),
            previous=link(p["previous"]),
            next=link(p["next"]),
            banner=p["banner"],
            footer=tuple((k, v) for k, v in p["footer"]),
            build_key=task.key,
        )
        atomic_write_text(Path(task.output), notebook_to_html(executed, page))
    except Exception as error:  # noqa: BLE001 - any failure is reported, the batch goes on
        return Outcome(task.unit, task.chapter, "failed", task.executed, summarise(error))
    return Outcome(task.unit, task.chapter, "built", task.executed)


# One kernel per worker process, reused for every chapter the worker runs: starting a kernel
# and importing pandas, matplotlib and seaborn in it costs more than most chapters themselves.
# The namespace is reset after each notebook, so no chapter sees another's variables.
_KERNEL = None


def _worker_kernel(cwd: Path):
    global _KERNEL
    from jupyter_client.manager import AsyncKernelManager
    from jupyter_core.utils import run_sync

    if _KERNEL is not None and run_sync(_KERNEL.is_alive)():
        return _KERNEL
    km = AsyncKernelManager(kernel_name=KERNEL_NAME)
    # The kernel's own stderr (start-up notices, crashes) goes to a log beside the executed
    # notebooks instead of interleaving with the progress bar.
    log = (cwd.parent / f"kernel-{os.getpid()}.log").open("ab")
    run_sync(km.start_kernel)(cwd=str(cwd), stderr=log, stdout=log)
    _KERNEL = km
    from multiprocessing import util

    util.Finalize(km, _stop_kernel, args=(km,), exitpriority=10)
    return km


def _stop_kernel(km) -> None:
    from jupyter_core.utils import run_sync

    try:
        run_sync(km.shutdown_kernel)(now=True)
    except Exception:  # noqa: BLE001 - the kernel may already be gone
        pass


def _reset_namespace(km) -> None:
    global _KERNEL
    from jupyter_core.utils import run_sync

    try:
        if not run_sync(km.is_alive)():
            return
        client = km.client()
        client.start_channels()
        try:
            run_sync(client.wait_for_ready)(timeout=60)
            run_sync(client.execute_interactive)("%reset -f", silent=True, timeout=60)
        finally:
            client.stop_channels()
    except Exception:  # noqa: BLE001 - a kernel that cannot reset is replaced
        _stop_kernel(km)
        _KERNEL = None


def summarise(error: Exception) -> str:
    ename = getattr(error, "ename", None)
    if ename:  # papermill's execution error carries the notebook's own exception
        return f"{ename}: {getattr(error, 'evalue', '')}".strip()
    last = traceback.format_exception_only(type(error), error)[-1].strip()
    return last

