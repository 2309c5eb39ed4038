"""Running tasks in worker processes, and stopping them all at once when the build stops."""

from __future__ import annotations

import sys
import time
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor, as_completed
from multiprocessing import get_context
from pathlib import Path

from dsr_analysis.runner.execute import run_task, summarise, worker_init
from dsr_analysis.runner.model import Outcome, Result, Task

#: How long stopped workers get to kill their kernels and exit before they are killed.
STOP_TIMEOUT = 5.0


def _context():
    # fork starts workers at once with the library already imported; the pool forks all of
    # them before it starts its own thread, so no lock is copied held. Elsewhere: spawn.
    import threading

    if sys.platform.startswith("linux") and threading.active_count() == 1:
        return get_context("fork")
    return get_context("spawn")


def run_all(
    tasks: list[Task], jobs: int, progress: bool, runtime: Path
) -> Iterator[tuple[Task, Result]]:
    """Each task with its result, as the workers finish them, under one progress bar.

    Use it in ``contextlib.closing``: if the caller stops early (an interrupt), closing the
    iterator cancels the queued tasks and stops the workers and their kernels at once,
    instead of waiting for the running chapters to finish.
    """
    if not tasks:
        return
    from tqdm import tqdm

    # tqdm's monitor thread outlives the bar; it would make the next build in this process
    # (tests, notebooks) start its workers with the much slower spawn (see _context).
    tqdm.monitor_interval = 0
    workers = max(1, min(jobs, len(tasks)))
    pool = ProcessPoolExecutor(
        max_workers=workers,
        mp_context=_context(),
        initializer=worker_init,
        initargs=(str(runtime),),
    )
    finished = False
    try:
        futures = {pool.submit(run_task, task): task for task in tasks}
        with tqdm(
            total=len(tasks),
            desc="dsr reports",
            unit="chapter",
            disable=not progress,
            file=sys.stderr,
        ) as bar:
            for future in as_completed(futures):
                task = futures[future]
                try:
                    result = future.result()
                except Exception as error:  # noqa: BLE001 - a dead worker fails its task only
                    outcome = Outcome(
                        task.unit, task.chapter, "failed", task.executed, summarise(error)
                    )
                    result = Result(outcome)
                bar.set_postfix_str(f"{task.unit}/{task.chapter}", refresh=False)
                bar.update()
                yield task, result
        finished = True
    finally:
        if finished:
            pool.shutdown(wait=True)
        else:
            stop(pool)


def stop(pool: ProcessPoolExecutor) -> None:
    """Cancel what is queued, stop every worker (SIGTERM: each kills its kernel), and kill
    those still alive after :data:`STOP_TIMEOUT` seconds."""
    # The executor keeps its processes privately; shutdown() forgets them, so take them first.
    processes = list((getattr(pool, "_processes", None) or {}).values())
    pool.shutdown(wait=False, cancel_futures=True)
    for process in processes:
        if process.is_alive():
            process.terminate()
    deadline = time.monotonic() + STOP_TIMEOUT
    for process in processes:
        process.join(max(0.0, deadline - time.monotonic()))
    for process in processes:
        if process.is_alive():
            process.kill()
            process.join(1.0)
