"""Chapters on a Dask cluster (runner/dask_pool.py): the same bytes as the process pool, and a
worker killed mid-build loses nothing.

Every process runs on 127.0.0.1 on ports the system picks; each wait is bounded and every
process (the scheduler, the workers and the kernels they started) is killed at the end.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from fixtures.report_set import CELLS, pinned_build, real_build

from dsr_analysis.runner.build import Settings

distributed = pytest.importorskip("distributed")
psutil = pytest.importorskip("psutil")

DASK = Path(sys.executable).with_name("dask")
#: Longest wait for any one step (a process to start, a chapter to begin, the build to end).
STEP_TIMEOUT = 180


def pages(reports: Path) -> dict[str, bytes]:
    """Every chapter page under ``reports`` (not the index, which lists what each build has)."""
    return {str(p.relative_to(reports)): p.read_bytes() for p in sorted(reports.rglob("*.html"))
            if p.name != "index.html"}


def reference_pages(units: tuple[str, ...]) -> dict[str, bytes]:
    """The process pool's pages of ``units`` (the session's shared build)."""
    settings, summary = real_build()
    assert not summary.failed
    return {name: data for name, data in pages(settings.reports_dir).items()
            if name.split("/")[0] in units}


def settings_in(root: Path) -> Settings:
    return Settings(reports_dir=root / "reports", build_dir=root / "build")


def until(condition, what: str, timeout: float = STEP_TIMEOUT):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = condition()
        if found:
            return found
        time.sleep(0.05)
    raise AssertionError(f"timed out waiting for {what}")


def test_a_local_cluster_builds_the_same_bytes(tmp_path):
    units = ("kobenhavn",)  # the monitoring's effort chapter and the trial's
    summary = pinned_build(units, jobs=2, cells_path=CELLS, settings=settings_in(tmp_path),
                           progress=False, scheduler="local")
    assert {o.status for o in summary.outcomes} == {"built"}
    # The executed notebooks came back to the build folder, as the process pool leaves them.
    assert all(Path(o.executed).is_file() for o in summary.outcomes)
    assert pages(tmp_path / "reports") == reference_pages(units)


def test_an_unreachable_scheduler_is_one_clear_error(tmp_path):
    from dsr_analysis.errors import BuildError
    from dsr_analysis.runner import dask_pool

    with pytest.raises(BuildError, match="cannot reach the Dask scheduler"):
        list(dask_pool.run_on_dask(
            [_any_task(tmp_path)], "tcp://127.0.0.1:9", False, "source", None
        ))


def _any_task(tmp_path):
    from dsr_analysis.runner.model import Task

    return Task("kolding", "01_effort", str(tmp_path / "n.ipynb"), "", "", {}, "key", {})


class Cluster:
    """``dask scheduler`` and ``dask worker`` processes, each in its own session."""

    def __init__(self, root: Path):
        self.root = root
        self.processes: list[subprocess.Popen] = []
        self.env = os.environ | {"PYTHONPATH": os.pathsep.join(sys.path)}
        self.address = ""

    def start(self, *arguments: str, name: str) -> subprocess.Popen:
        log = (self.root / f"{name}.log").open("wb")
        process = subprocess.Popen([str(DASK), *arguments], stdout=log, stderr=log,
                                   env=self.env, cwd=self.root, start_new_session=True)
        self.processes.append(process)
        return process

    def start_scheduler(self) -> str:
        file = self.root / "scheduler.json"
        self.start("scheduler", "--host", "127.0.0.1", "--port", "0", "--no-dashboard",
                   "--scheduler-file", str(file), name="scheduler")
        until(lambda: file.exists() and file.stat().st_size, "the scheduler")
        self.address = until(lambda: _address(file), "the scheduler's address")
        return self.address

    def start_worker(self, name: str) -> subprocess.Popen:
        return self.start("worker", self.address, "--name", name, "--nthreads", "1",
                          "--no-nanny", "--host", "127.0.0.1", "--no-dashboard",
                          "--local-directory", str(self.root / name), name=name)

    def kill(self, process: subprocess.Popen) -> None:
        """Kill a process, its group and whatever it started (its kernels lead their own)."""
        try:
            family = psutil.Process(process.pid).children(recursive=True)
        except psutil.NoSuchProcess:
            family = []
        try:
            os.killpg(process.pid, signal.SIGKILL)
        except OSError:
            pass
        for child in family:
            try:
                child.kill()
            except psutil.NoSuchProcess:
                pass
        process.wait(10)

    def close(self) -> None:
        for process in reversed(self.processes):
            self.kill(process)


def _address(file: Path) -> str | None:
    try:
        return json.loads(file.read_text())["address"]
    except (OSError, ValueError, KeyError):
        return None


def kernel_of(worker: subprocess.Popen):
    """The worker's kernel process, once it has started one."""
    for child in psutil.Process(worker.pid).children(recursive=True):
        try:
            if any("ipykernel" in part for part in child.cmdline()):
                return child
        except psutil.NoSuchProcess:
            continue
    return None


@pytest.mark.slow
def test_a_cluster_of_processes_survives_a_killed_worker(tmp_path):
    units = ("kolding", "kobenhavn")
    cluster = Cluster(tmp_path)
    try:
        address = cluster.start_scheduler()
        doomed, other = cluster.start_worker("doomed"), cluster.start_worker("other")
        with distributed.Client(address, timeout=60, set_as_default=False) as client:
            client.wait_for_workers(2, timeout=STEP_TIMEOUT)
            names = {info["name"]: worker
                     for worker, info in client.scheduler_info()["workers"].items()}
            done: dict = {}

            def build():
                try:
                    done["summary"] = pinned_build(
                        units, cells_path=CELLS, settings=settings_in(tmp_path / "out"),
                        progress=False, scheduler=address)
                except BaseException as error:  # noqa: BLE001 - reported by the main thread
                    done["error"] = error

            thread = threading.Thread(target=build, daemon=True)
            thread.start()
            # Deterministically mid-chapter: freeze the doomed worker's kernel as soon as it
            # exists, so the chapter it was given can neither finish nor fail; then kill the
            # worker (and the frozen kernel) while the scheduler says it holds that chapter.
            kernel = until(lambda: kernel_of(doomed), "the doomed worker's kernel")
            kernel.send_signal(signal.SIGSTOP)
            running = until(lambda: client.processing().get(names["doomed"]),
                            "the doomed worker to hold a chapter")
            chapter = next(k for k in running if str(k).startswith("dsr-chapter-"))
            cluster.kill(doomed)
            thread.join(STEP_TIMEOUT * 2)
            assert not thread.is_alive(), "the build did not finish"
            assert "error" not in done, done.get("error")
            story = client.story(chapter)
        summary = done["summary"]
        assert {o.status for o in summary.outcomes} == {"built"}
        # The chapter the killed worker held was run again, by the other worker.
        assert any(names["other"] in str(event) for event in story), story
        assert pages(tmp_path / "out" / "reports") == reference_pages(units)
        assert other.poll() is None
    finally:
        cluster.close()
