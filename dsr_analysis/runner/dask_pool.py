"""Running chapters on a Dask distributed cluster instead of local worker processes.

``dsr reports --scheduler ADDRESS`` hands the stale chapters to the cluster at ``ADDRESS``
(``--scheduler local`` starts a :class:`distributed.LocalCluster` first, :func:`local_cluster`).
As with the process pool (:mod:`.pool`), each worker keeps one kernel and reuses it for every
chapter it runs (:mod:`.execute`); a lock makes a worker with several threads run its chapters
one at a time, since they share that kernel.

Workers need no file system in common with the build. What a chapter reads comes in two kinds:

- **sent**: the report set's own files, which may lie anywhere on the client (its programme
  theory, its units file, the theory's questions file, the chapter notebooks: one bundle,
  :class:`Inputs`, shipped once per worker), and each unit's published cells (a CSV the build
  wrote under ``build/``, shipped with the unit's chapters). Both are Dask tasks returning
  their bytes, so a worker that dies with them is no loss: the scheduler makes them again.
- **reachable**: the library itself, with its data files (the report words, the codebook, the
  practices), and the packages that draw and convert a page. They must be the client's: each
  worker checks that its source key (:func:`~.keys.source_key`) is the build's and fails the
  chapter with a clear message otherwise, so two executors can never give different bytes.

A worker writes the inputs and the executed notebook under its own local directory and sends
back the page and the executed notebook (:class:`~.model.Result`); the client stages and
publishes the pages as it does for the process pool. A chapter whose worker dies is retried
on another worker by the scheduler (``distributed.scheduler.allowed-failures``, 3 by default).
"""

from __future__ import annotations

import os
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from functools import lru_cache
from pathlib import Path

from dsr_analysis.errors import BuildError
from dsr_analysis.runner.execute import run_task, stop_worker_kernel, summarise
from dsr_analysis.runner.keys import sha256_bytes
from dsr_analysis.runner.model import Outcome, Result, Task

#: How long the client waits for the scheduler before it gives up.
CONNECT_TIMEOUT = 30
#: Workers ``--scheduler local`` starts when ``--jobs`` does not say.
LOCAL_WORKERS = 2
#: The parameters that name a file of the report set, shipped in :class:`Inputs`.
SET_FILES = ("theory_path", "units_path")


def distributed_module():
    """``distributed``, or a :class:`BuildError` saying how to install it."""
    try:
        import distributed
    except ImportError as error:  # an optional dependency: pip install 'dsr-analysis[dask]'
        raise BuildError(
            "--scheduler needs Dask's distributed package: pip install 'dsr-analysis[dask]'"
        ) from error
    return distributed


@contextmanager
def local_cluster(workers: int | None = None) -> Iterator[str]:
    """A LocalCluster on 127.0.0.1 for the block (``workers`` processes of one thread each,
    default :data:`LOCAL_WORKERS`); yields its scheduler's address."""
    distributed = distributed_module()
    cluster = distributed.LocalCluster(
        n_workers=workers or LOCAL_WORKERS,
        threads_per_worker=1,
        processes=True,
        host="127.0.0.1",
        dashboard_address=None,
    )
    try:
        yield cluster.scheduler_address
    finally:
        cluster.close()


@dataclass(frozen=True)
class Inputs:
    """The report set's files a chapter reads, by a relative name; ``digest`` names the bundle.

    The theory, the units file and the questions file keep their places relative to one
    another (the theory names its questions file by a relative path).
    """

    files: tuple[tuple[str, bytes], ...]
    digest: str


def shared_inputs(tasks: list[Task], questions_path: Path | None) -> tuple[Inputs, dict[str, str]]:
    """The bundle for ``tasks``, and each absolute path's name in it."""
    paths = {Path(t.parameters[p]) for t in tasks for p in SET_FILES if t.parameters.get(p)}
    if questions_path is not None:
        paths.add(Path(questions_path).resolve())
    base = Path(os.path.commonpath([str(p.parent) for p in paths])) if paths else Path("/")
    names = {str(p): "set/" + p.relative_to(base).as_posix() for p in sorted(paths)}
    for notebook in sorted({t.notebook for t in tasks}):
        names[notebook] = "notebooks/" + Path(notebook).name
    files = tuple(sorted((name, Path(path).read_bytes()) for path, name in names.items()))
    digest = sha256_bytes(b"".join(sha256_bytes(n.encode() + b"\0" + d).encode()
                                   for n, d in files))
    return Inputs(files, digest), names


def remote_task(task: Task, names: dict[str, str]) -> Task:
    """The task as a worker sees it: file names in the bundle instead of the client's paths."""
    parameters = dict(task.parameters)
    for parameter in SET_FILES:
        if parameters.get(parameter):
            parameters[parameter] = names[parameters[parameter]]
    parameters["data_path"] = ""  # the worker's copy of the unit's cells, see run_chapter
    return replace(task, notebook=names[task.notebook], parameters=parameters, executed="",
                   output="")


def _bytes_of(data):
    # The task that holds an input: the scheduler can run it again if its worker dies.
    return data


# One chapter at a time per worker process: its chapters share one kernel (execute.py).
_KERNEL_LOCK = threading.Lock()


@lru_cache(maxsize=1)
def worker_source_key() -> str:
    """This worker's library and packages, as :func:`~.keys.source_key` hashes them."""
    from dsr_analysis.runner.keys import library_hash, package_versions, source_key

    return source_key(library_hash(), package_versions())


def run_chapter(task: Task, inputs: Inputs, cells: bytes, source: str) -> Result:
    """On a worker: write the inputs under its local directory, execute the chapter and
    return its page and executed notebook. Never raises for a failing chapter."""
    from distributed import get_worker

    if worker_source_key() != source:
        return Result(Outcome(task.unit, task.chapter, "failed", "",
                              "this Dask worker's dsr-analysis or packages differ from the "
                              "build's (source key); install the same version on every worker"))
    root = Path(get_worker().local_directory) / "dsr"
    folder = _materialised(root / "inputs" / inputs.digest, inputs)
    parameters = dict(task.parameters)
    for parameter in SET_FILES:
        if parameters.get(parameter):
            parameters[parameter] = str(folder / parameters[parameter])
    parameters["data_path"] = str(_written(root / "cells" / f"{sha256_bytes(cells)}.csv", cells))
    executed = root / "executed" / task.unit / f"{task.chapter}.ipynb"
    executed.unlink(missing_ok=True)
    local = replace(task, notebook=str(folder / task.notebook), parameters=parameters,
                    executed=str(executed))
    with _KERNEL_LOCK:
        result = run_task(local)
    notebook = executed.read_bytes() if executed.exists() else b""
    return Result(replace(result.outcome, executed=""), result.page, notebook)


def _materialised(folder: Path, inputs: Inputs) -> Path:
    if not (folder / ".complete").exists():
        for name, data in inputs.files:
            _written(folder / name, data)
        (folder / ".complete").touch()
    return folder


def _written(path: Path, data: bytes) -> Path:
    """``data`` at ``path`` (content-addressed, so an existing file is already right)."""
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        partial = path.with_name(f".{path.name}.{os.getpid()}.{threading.get_ident()}")
        partial.write_bytes(data)
        os.replace(partial, path)
    return path


def _plugin_class():
    from distributed.diagnostics.plugin import WorkerPlugin

    class ChapterKernel(WorkerPlugin):
        """Keeps the worker's kernels' connection files in its local directory and stops its
        kernel when the worker closes."""

        name = "dsr-chapter-kernel"

        def setup(self, worker) -> None:
            from dsr_analysis.runner import execute

            runtime = Path(worker.local_directory) / "dsr" / "runtime"
            runtime.mkdir(parents=True, exist_ok=True, mode=0o700)
            execute.set_runtime(runtime)

        def teardown(self, worker) -> None:
            stop_worker_kernel()

    return ChapterKernel


def run_on_dask(
    tasks: list[Task],
    address: str,
    progress: bool,
    source: str,
    questions_path: Path | None,
) -> Iterator[tuple[Task, Result]]:
    """Each task with its result as the cluster at ``address`` finishes them (see
    :func:`~.pool.run_all`, whose contract this keeps: close the iterator to cancel).

    Raises
    ------
    BuildError
        If the scheduler cannot be reached.
    """
    if not tasks:
        return
    distributed = distributed_module()
    from tqdm import tqdm

    try:
        client = distributed.Client(address, timeout=CONNECT_TIMEOUT, set_as_default=False)
    except (OSError, TimeoutError, ValueError) as error:
        raise BuildError(f"cannot reach the Dask scheduler at {address}: {error}") from error
    futures: dict = {}
    try:
        client.register_plugin(_plugin_class()(), name="dsr-chapter-kernel")
        local = [t for t in tasks if t.input_error]  # nothing to execute: fail them here
        remote = [t for t in tasks if not t.input_error]
        inputs, names = shared_inputs(remote, questions_path)
        shared = client.submit(_bytes_of, inputs, key=f"dsr-inputs-{inputs.digest[:20]}")
        cells = {}
        for task in remote:
            path = task.parameters["data_path"]
            if path not in cells:
                data = Path(path).read_bytes()
                cells[path] = client.submit(_bytes_of, data,
                                            key=f"dsr-cells-{sha256_bytes(data)[:20]}")
        for task in remote:
            future = client.submit(
                run_chapter, remote_task(task, names), shared, cells[task.parameters["data_path"]],
                source, key=f"dsr-chapter-{task.key[:20]}-{task.unit}-{task.chapter}",
            )
            futures[future] = task
        with tqdm(total=len(tasks), desc="dsr reports", unit="chapter", disable=not progress,
                  file=sys.stderr) as bar:
            for task in local:
                bar.update()
                yield task, run_task(task)
            for future in distributed.as_completed(list(futures), loop=client.loop):
                task = futures.pop(future)
                try:
                    result = future.result()
                except Exception as error:  # noqa: BLE001 - a chapter that failed three workers
                    result = Result(Outcome(task.unit, task.chapter, "failed", task.executed,
                                            summarise(error)))
                future.release()
                bar.set_postfix_str(f"{task.unit}/{task.chapter}", refresh=False)
                bar.update()
                yield task, _kept(task, result)
    finally:
        if futures:  # stopped early: nothing queued is wanted any more
            client.cancel(list(futures), force=True)
        client.close()


def _kept(task: Task, result: Result) -> Result:
    """The worker's result with its executed notebook kept where the process pool keeps it."""
    outcome = result.outcome
    if result.notebook:
        path = Path(task.executed)
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(result.notebook)
            outcome = replace(outcome, executed=str(path))
        except OSError:
            pass  # the page is what matters; the failure message loses its notebook only
    return Result(outcome, result.page)
