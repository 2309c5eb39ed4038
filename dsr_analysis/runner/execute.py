"""Executing one chapter in a worker: Papermill into build/, nbconvert into the page's bytes.

Each worker process keeps one kernel and reuses it for every chapter it runs; the namespace is
reset after each notebook, so no chapter sees another's variables. The worker writes nothing
into reports/: it sends the finished page back to the main process (:class:`Result`), which
stages and publishes it.

A worker leaves Ctrl-C to the main process, which stops it with SIGTERM; on SIGTERM the
worker kills its kernel, removes the kernel's connection file and exits at once.
"""

from __future__ import annotations

import atexit
import os
import shutil
import signal
import tempfile
import traceback
from itertools import count
from pathlib import Path

from dsr_analysis.runner.lock import close_inherited
from dsr_analysis.runner.model import Outcome, Result, Task

KERNEL_NAME = "python3"
CELL_EXECUTION_TIMEOUT = 600
KERNEL_START_TIMEOUT = 120
_KERNEL_STARTS = 3


def worker_init(runtime: str) -> None:
    """Set a worker process up (the pool's initializer).

    Its kernels' connection files go to ``runtime`` (the build's private folder); Ctrl-C is
    ignored (the main process decides); SIGTERM stops the kernel and the worker.
    """
    global _RUNTIME
    _RUNTIME = Path(runtime)
    close_inherited()
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, _terminate)


def run_task(task: Task) -> Result:
    """Execute one chapter and return its page; never raises, so one failure stops nothing
    else."""
    from dsr_analysis.html import Page, notebook_to_html

    if task.input_error:  # its input could not be made: nothing to execute
        return Result(Outcome(task.unit, task.chapter, "failed", "", task.input_error))
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
        page = Page.from_context(task.page, task.key)
        html = notebook_to_html(executed, page).encode("utf-8")
    except Exception as error:  # noqa: BLE001 - any failure is reported, the batch goes on
        return Result(Outcome(task.unit, task.chapter, "failed", task.executed, summarise(error)))
    return Result(Outcome(task.unit, task.chapter, "built", task.executed), html)


# One kernel per worker process, reused for every chapter the worker runs: starting a kernel
# and importing pandas, matplotlib and seaborn in it costs more than most chapters themselves.
# The namespace is reset after each notebook, so no chapter sees another's variables.
_KERNEL = None
# Where this worker's kernels keep their connection files; see worker_init.
_RUNTIME: Path | None = None
_NUMBERS = count()


def set_runtime(runtime: Path) -> None:
    """Where this process's kernels keep their connection files (a Dask worker's own folder)."""
    global _RUNTIME
    _RUNTIME = Path(runtime)


def stop_worker_kernel() -> None:
    """Stop this process's kernel, if it has one (a Dask worker closing)."""
    global _KERNEL
    if _KERNEL is not None:
        _stop_kernel(_KERNEL)
        _KERNEL = None


def _runtime() -> Path:
    global _RUNTIME
    if _RUNTIME is None:  # run outside a build's pool (a test, a notebook): a private folder
        _RUNTIME = Path(tempfile.mkdtemp(prefix="dsr-kernels-"))
        atexit.register(shutil.rmtree, _RUNTIME, ignore_errors=True)
    return _RUNTIME


def _worker_kernel(cwd: Path):
    global _KERNEL
    from jupyter_client.manager import AsyncKernelManager
    from jupyter_core.utils import run_sync

    if _KERNEL is not None and run_sync(_KERNEL.is_alive)():
        return _KERNEL
    # The kernel's own stderr (start-up notices, crashes) goes to a log beside the executed
    # notebooks instead of interleaving with the progress bar.
    log = (cwd.parent / f"kernel-{os.getpid()}.log").open("ab")
    for attempt in range(_KERNEL_STARTS):
        connection = _runtime() / f"kernel-{os.getpid()}-{next(_NUMBERS)}.json"
        km = AsyncKernelManager(kernel_name=KERNEL_NAME, connection_file=str(connection))
        run_sync(km.start_kernel)(cwd=str(cwd), stderr=log, stdout=log)
        if _ready(km):
            break
        # Workers starting kernels at once can be handed the same free TCP port, and the
        # loser dies binding it ("Address already in use"): start again on fresh ports.
        _stop_kernel(km)
        if attempt + 1 == _KERNEL_STARTS:
            raise RuntimeError(f"the kernel did not start ({_KERNEL_STARTS} tries); see {log.name}")
    _KERNEL = km
    from multiprocessing import util

    util.Finalize(km, _stop_kernel, args=(km,), exitpriority=10)
    return km


def _ready(km) -> bool:
    """Whether a just-started kernel answers (False if it died on the way)."""
    from jupyter_core.utils import run_sync

    client = km.client()
    client.start_channels()
    try:
        run_sync(client.wait_for_ready)(timeout=KERNEL_START_TIMEOUT)
        return True
    except RuntimeError:  # "Kernel died before replying to kernel_info"
        return False
    finally:
        client.stop_channels()


def _stop_kernel(km) -> None:
    from jupyter_core.utils import run_sync

    try:
        run_sync(km.shutdown_kernel)(now=True)
    except Exception:  # noqa: BLE001 - the kernel may already be gone
        _kill_kernel(km)
    _remove_connection_file(km)


def _remove_connection_file(km) -> None:
    # shutdown_kernel removes the file it wrote; make sure, since it holds the kernel's key.
    if km.connection_file:
        try:
            Path(km.connection_file).unlink(missing_ok=True)
        except OSError:
            pass


def _kill_kernel(km) -> None:
    """Kill a kernel at once, with whatever it started (it leads its own process group)."""
    provisioner = getattr(km, "provisioner", None)
    pid = getattr(provisioner, "pid", None)
    group = getattr(provisioner, "pgid", None)
    kill = getattr(signal, "SIGKILL", signal.SIGTERM)  # Windows has no SIGKILL
    try:
        if group and hasattr(os, "killpg"):
            os.killpg(group, kill)
        elif pid:
            os.kill(pid, kill)
    except OSError:
        pass  # already gone


def _terminate(signum, frame) -> None:
    # The main process stops its workers with SIGTERM (Ctrl-C, a failed pool): nothing a
    # worker does any more is wanted, so it kills its kernel and leaves without clean-up.
    if _KERNEL is not None:
        _kill_kernel(_KERNEL)
        _remove_connection_file(_KERNEL)
    os._exit(128 + signum)


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
