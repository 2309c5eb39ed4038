"""How ``dsr reports`` fails and publishes: staging and the pre-publish check, one build per
reports folder, Ctrl-C, kernels' connection files, and write errors.

Builds run the tiny stand-in notebooks (fixtures.report_set); the signal tests run the command
in a process of its own (fixtures.reports_cli), as a user's terminal would.
"""

from __future__ import annotations

import errno
import os
import re
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest
from click.testing import CliRunner
from fixtures.disk import full_disk_under
from fixtures.report_set import CELLS, _session_library_hash, pinned_build, tiny_settings

from dsr_analysis import files
from dsr_analysis.cells import cells_csv, read_cells
from dsr_analysis.runner import build, execute, publish, signals
from dsr_analysis.runner.command import reports_command
from dsr_analysis.runner.lock import LOCK_NAME, release, reports_lock, try_lock
from dsr_analysis.runner.model import Summary
from dsr_analysis.runner.workspace import RUNS, workspace

TESTS = Path(__file__).resolve().parent
CHAPTERS = ["01_effort", "02_output", "03_immediate", "04_medium", "05_long_term"]


def changed_cells(path: Path, municipalities: tuple[str, ...], label: str | None = None) -> Path:
    """The fixture cells with the municipalities' values changed (and the word ``label`` in
    their display labels, which the stand-in notebooks read but the audit does not)."""
    cells = read_cells(CELLS)
    rows = cells["municipality"].isin(municipalities)
    cells.loc[rows, "value"] *= 0.9
    if label is not None:
        cells.loc[rows, "label_display"] = label
    path.write_text(cells_csv(cells), encoding="utf-8")
    return path


def snapshot(folder: Path) -> dict[Path, bytes]:
    """Every file's bytes but the lock's (it names the latest build)."""
    return {
        p: p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file() and p.name != LOCK_NAME
    }


def index_row(reports_dir: Path, name: str) -> str:
    """A unit's row of the index's overview table."""
    index = (reports_dir / "index.html").read_text(encoding="utf-8")
    row = rf"<tr data-unit='[^']+'><th scope='row'><a href='[^']+'>{name}</a></th>(.*?)</tr>"
    return re.search(row, index).group(1)


def use_settings(monkeypatch, settings) -> None:
    monkeypatch.setattr(build, "Settings", lambda: settings)
    monkeypatch.setattr(build, "library_hash", lambda: _session_library_hash())


# ------------------------------------------------------------------ staging and the check --


class TestStagedPublishing:
    def test_a_failing_check_publishes_nothing_and_a_passing_one_everything(self, tmp_path):
        settings = tiny_settings(tmp_path)
        seen = []

        def check(staging: Path) -> list[str]:
            seen.append(sorted(str(p.relative_to(staging)) for p in staging.rglob("*.html")))
            return []

        cold = pinned_build(
            ["odense"],
            jobs=2,
            cells_path=CELLS,
            settings=settings,
            progress=False,
            pre_publish=check,
        )
        pages = [f"odense/{chapter}.html" for chapter in CHAPTERS] + ["odense/method.html"]
        # The check saw this build's pages (chapters, the unit's method page) and the index,
        # laid out as reports/ is.
        assert seen == [["index.html", *pages]]
        assert cold.problems == [] and cold.rejected is None
        reports = settings.reports_dir
        assert cold.published == [reports / page for page in pages] + [reports / "index.html"]
        assert list((settings.build_dir / RUNS).iterdir()) == []  # the workspace is gone
        before = snapshot(reports)

        def refuse(staging: Path) -> list[str]:
            return ["odense/02_output.html: a count below the minimum cell size"]

        changed = changed_cells(tmp_path / "changed.csv", ("Odense",))
        refused = pinned_build(
            ["odense"],
            jobs=2,
            cells_path=changed,
            settings=settings,
            progress=False,
            pre_publish=refuse,
        )
        assert {o.status for o in refused.outcomes} == {"built"}
        assert refused.problems == ["odense/02_output.html: a count below the minimum cell size"]
        assert refused.published == []
        assert snapshot(reports) == before  # every page and the index byte-identical
        # What was refused is kept for inspection.
        assert refused.rejected == settings.build_dir / "rejected"
        kept = sorted(str(p.relative_to(refused.rejected)) for p in refused.rejected.rglob("*"))
        assert kept == ["index.html", "odense", *pages]

        # Nothing was published, so the pages are still stale: a build with no check
        # publishes them all, and only the changed ones are written.
        again = pinned_build(
            ["odense"], jobs=2, cells_path=changed, settings=settings, progress=False
        )
        assert {o.status for o in again.outcomes} == {"built"} and again.problems == []
        assert set(again.published) <= {reports / p for p in pages} | {reports / "index.html"}
        assert snapshot(reports) != before

    def test_a_check_that_raises_fails_closed(self, tmp_path):
        (tmp_path / "index.html").write_text("<p>fine</p>", encoding="utf-8")

        def broken(staging):
            raise RuntimeError("audit database unavailable")

        assert publish.check_staged(tmp_path, broken) == [
            "the pre-publish check failed: RuntimeError: audit database unavailable"
        ]
        assert publish.check_staged(tmp_path, None) == []

    def test_the_index_must_pass_the_allow_list_too(self, tmp_path):
        (tmp_path / "index.html").write_text("<p>from /srv/dsr/export.csv</p>", "utf-8")
        found = publish.check_staged(tmp_path, None)
        assert len(found) == 1 and found[0].startswith("index.html: contains a local path")

    def test_the_command_prints_the_problems_and_exits_1(self, monkeypatch, tmp_path):
        summary = Summary(
            problems=["kolding/01_effort.html: a cell of 3", "index.html: a local path"],
            rejected=tmp_path / "rejected",
        )
        monkeypatch.setattr(build, "build_reports", lambda *a, **k: summary)
        result = CliRunner().invoke(reports_command, [])
        assert result.exit_code == 1
        assert "the pre-publish check found 2 problem(s), so nothing was published" in result.output
        assert "  - kolding/01_effort.html: a cell of 3" in result.output
        assert f"the staged pages are in {tmp_path / 'rejected'}" in result.output


# ------------------------------------------------------------------ one build per folder --


def hold_lock_in_another_process(reports_dir: Path) -> subprocess.Popen:
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import sys, time; from pathlib import Path\n"
            "from dsr_analysis.runner.lock import reports_lock\n"
            "with reports_lock(Path(sys.argv[1])):\n"
            "    print('held', flush=True); time.sleep(120)",
            str(reports_dir),
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    assert holder.stdout.readline().strip() == "held"
    return holder


class TestOneBuildPerFolder:
    def test_a_second_build_refuses_at_once_and_a_dead_holders_lock_is_taken_over(
        self, tmp_path, monkeypatch
    ):
        settings = tiny_settings(tmp_path)
        use_settings(monkeypatch, settings)
        holder = hold_lock_in_another_process(settings.reports_dir)
        try:
            start = time.monotonic()
            result = CliRunner().invoke(reports_command, ["--cells", str(CELLS)])
            elapsed = time.monotonic() - start
        finally:
            holder.kill()
            holder.wait()
        assert result.exit_code == 1
        line = result.output.strip()
        assert "\n" not in line
        assert re.fullmatch(
            "error: another dsr reports is already building "
            rf"{re.escape(str(settings.reports_dir))} \(pid {holder.pid}, "
            r"started \d{4}-\d\d-\d\d \d\d:\d\d:\d\d [+-]\d{4}\); wait "
            r"for it to finish, or stop it, and run again",
            line,
        ), line
        assert elapsed < 5  # refused before anything ran
        assert not (settings.reports_dir / "index.html").exists()

        # The holder was killed: its lock file (still naming it) is taken over.
        lock = settings.reports_dir / LOCK_NAME
        assert f'"pid": {holder.pid}' in lock.read_text(encoding="utf-8")
        missing = tmp_path / "none.csv"
        result = CliRunner().invoke(reports_command, ["--cells", str(missing)])
        assert "cannot read the cells file" in result.output  # past the lock
        assert f'"pid": {os.getpid()}' in lock.read_text(encoding="utf-8")

    def test_the_lock_is_released_when_the_build_ends(self, tmp_path):
        with reports_lock(tmp_path):
            assert try_lock(tmp_path / LOCK_NAME) is None
        handle = try_lock(tmp_path / LOCK_NAME)
        assert handle is not None
        release(handle)


# ------------------------------------------------------------ the build's private folder --


class TestWorkspace:
    def test_stale_folders_go_and_running_ones_stay(self, tmp_path):
        runs = tmp_path / RUNS
        stale = runs / "4242-stale"
        (stale / "runtime").mkdir(parents=True)
        (stale / ".lock").write_text("", encoding="utf-8")
        (stale / "runtime" / "kernel-1-0.json").write_text('{"key": "secret"}', "utf-8")
        running = runs / "4343-running"
        running.mkdir()
        handle = try_lock(running / ".lock")
        try:
            with workspace(tmp_path) as space:
                assert not stale.exists() and running.exists()
                for folder in (space.root, space.staging, space.runtime):
                    assert folder.stat().st_mode & 0o777 == 0o700, folder
                mine = space.root
            assert not mine.exists()
        finally:
            release(handle)

    def test_a_kernels_connection_file_lives_in_the_runtime_folder_and_goes_with_it(
        self, tmp_path, monkeypatch
    ):
        runtime = tmp_path / "runtime"
        runtime.mkdir(mode=0o700)
        monkeypatch.setattr(execute, "_RUNTIME", runtime)
        monkeypatch.setattr(execute, "_KERNEL", None)
        km = execute._worker_kernel(tmp_path)
        try:
            connection = Path(km.connection_file)
            assert connection.parent == runtime
            assert '"key"' in connection.read_text(encoding="utf-8")
        finally:
            execute._stop_kernel(km)
        assert not connection.exists()
        assert list(runtime.iterdir()) == []


# -------------------------------------------------------------------------------- signals --


def kernels_of(root: Path) -> list[int]:
    """Pids of live kernels whose connection file is under ``root`` (Linux)."""
    pids = []
    for entry in Path("/proc").glob("[0-9]*"):
        try:
            cmdline = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode()
        except OSError:
            continue
        if "ipykernel" in cmdline and str(root) in cmdline:
            pids.append(int(entry.name))
    return pids


def start_slow_build(tmp_path: Path) -> tuple[subprocess.Popen, float]:
    """A cold tiny build of two units, then the command on cells that make every chapter
    sleep, in its own session; returns it once a chapter is running, and the time it began."""
    settings = tiny_settings(tmp_path)
    pinned_build(["kolding", "odense"], jobs=2, cells_path=CELLS, settings=settings, progress=False)
    slow = changed_cells(tmp_path / "slow.csv", ("Kolding", "Odense"), label="SLOW")
    began = time.time()
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "fixtures.reports_cli",
            str(tmp_path),
            "--units",
            "kolding,odense",
            "--jobs",
            "2",
            "--cells",
            str(slow),
        ],
        cwd=TESTS,
        env={**os.environ, "DSR_TEST_LIBRARY_HASH": _session_library_hash()},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,  # its own process group, as a terminal's job
    )
    executed = settings.build_dir / "executed"
    deadline = time.monotonic() + 60
    while not any(p.stat().st_mtime > began for p in executed.rglob("*.ipynb")):
        assert process.poll() is None, process.communicate()
        assert time.monotonic() < deadline, "no chapter started"
        time.sleep(0.2)
    time.sleep(1.0)  # into the slow cell
    return process, began


@pytest.mark.skipif(not Path("/proc/self").exists(), reason="needs /proc to find kernels")
@pytest.mark.parametrize(
    "number, to_group",
    [
        (signal.SIGINT, True),  # Ctrl-C: the terminal signals the whole foreground job
        pytest.param(signal.SIGTERM, False, marks=pytest.mark.slow),  # kill PID, a CI time-out
    ],
    ids=["ctrl-c", "sigterm"],
)
def test_a_signal_stops_everything_publishes_nothing_and_refreshes_the_index(
    tmp_path, number, to_group
):
    process, _ = start_slow_build(tmp_path)
    settings = tiny_settings(tmp_path)
    pages = {p: p.read_bytes() for p in settings.reports_dir.rglob("*.html")}
    pages.pop(settings.reports_dir / "index.html")
    assert kernels_of(tmp_path)

    signalled = time.time()
    (os.killpg if to_group else os.kill)(process.pid, number)
    out, err = process.communicate(timeout=60)
    elapsed = time.time() - signalled

    assert process.returncode == 128 + number, (out, err)
    assert elapsed < 20
    assert "0 built, 0 up to date, 0 failed, 10 cancelled" in out
    assert "interrupted: 10 chapter(s) cancelled" in err and "Traceback" not in err
    # No page changed, none is newer than the signal; the index was rewritten and marks every
    # cancelled chapter as out of date.
    assert {p: p.read_bytes() for p in pages} == pages
    assert all(p.stat().st_mtime <= signalled for p in pages)
    index = settings.reports_dir / "index.html"
    assert index.stat().st_mtime >= signalled
    for name in ("Kolding", "Odense"):
        assert index_row(settings.reports_dir, name).count("state-failed") == len(CHAPTERS)
    # Kernels stopped, connection files and staged pages gone.
    deadline = time.monotonic() + 10
    while kernels_of(tmp_path) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert kernels_of(tmp_path) == []
    assert list((settings.build_dir / RUNS).iterdir()) == []


class TestSignalHandling:
    def test_a_signal_raises_stop_once_and_the_handlers_come_back(self):
        before = signal.getsignal(signal.SIGTERM)
        with pytest.raises(signals.Stop) as raised, signals.stop_on_signals():
            os.kill(os.getpid(), signal.SIGTERM)
            time.sleep(1)
        assert raised.value.signal_number == signal.SIGTERM
        assert signal.getsignal(signal.SIGTERM) is before

    def test_while_publishing_a_signal_is_only_noted(self):
        with signals.stop_on_signals(), signals.deferred() as noted:
            os.kill(os.getpid(), signal.SIGINT)
            time.sleep(0.1)
        assert noted.signal_number == signal.SIGINT


@pytest.mark.slow
def test_a_killed_builds_connection_files_are_removed_by_the_next_build(tmp_path):
    process, _ = start_slow_build(tmp_path)
    settings = tiny_settings(tmp_path)
    os.killpg(process.pid, signal.SIGKILL)
    process.communicate(timeout=30)
    runs = settings.build_dir / RUNS
    left = list(runs.glob("*/runtime/kernel-*.json"))
    assert left, "a killed build leaves its kernels' connection files"
    with pytest.raises(build.BuildError, match="unknown unit"):
        pinned_build(["atlantis"], cells_path=CELLS, settings=settings, progress=False)
    assert list(runs.iterdir()) == []


# --------------------------------------------------------------------------- write errors --


def read_only_under(folder: Path, monkeypatch) -> None:
    """Creating a file under ``folder`` fails as on a read-only mount (EROFS)."""
    real = tempfile.mkstemp

    def mkstemp(*args, dir=None, **kwargs):
        if dir is not None and Path(dir).is_relative_to(folder):
            raise OSError(errno.EROFS, "Read-only file system", str(dir))
        return real(*args, dir=dir, **kwargs)

    monkeypatch.setattr(files.tempfile, "mkstemp", mkstemp)


class TestWriteErrors:
    @pytest.mark.parametrize(
        "make_it_fail, reason",
        [
            (full_disk_under, "No space left on device"),
            # The same path with another reason (a real read-only mount: tests/test_files.py).
            pytest.param(read_only_under, "Read-only file system", marks=pytest.mark.slow),
        ],
        ids=["disk full", "read-only"],
    )
    def test_publishing_fails_in_one_line_and_changes_nothing(
        self, tmp_path, monkeypatch, make_it_fail, reason
    ):
        settings = tiny_settings(tmp_path)
        pinned_build(["odense"], jobs=2, cells_path=CELLS, settings=settings, progress=False)
        before = snapshot(settings.reports_dir)
        use_settings(monkeypatch, settings)
        make_it_fail(settings.reports_dir, monkeypatch)
        changed = changed_cells(tmp_path / "changed.csv", ("Odense",))
        result = CliRunner().invoke(
            reports_command, ["--units", "odense", "--jobs", "2", "--cells", str(changed)]
        )
        assert result.exit_code == 1
        assert "Traceback" not in result.output and result.exception.__class__ is SystemExit
        assert "5 built (not published), 0 up to date, 0 failed" in result.output
        first = settings.reports_dir / "odense" / "01_effort.html"
        assert (
            f"error: nothing was published: cannot write {first}: {reason}; "
            "the previous reports were left in place"
        ) in result.output.splitlines()
        assert snapshot(settings.reports_dir) == before
        assert list(settings.reports_dir.rglob("*.tmp")) == []

    def test_a_page_that_cannot_be_staged_fails_its_chapter_only(self, tmp_path, monkeypatch):
        settings = tiny_settings(tmp_path)
        real = Path.write_bytes

        def write_bytes(path, data):
            if path.name == "03_immediate.html" and "staging" in path.parts:
                raise OSError(errno.ENOSPC, "No space left on device")
            return real(path, data)

        monkeypatch.setattr(Path, "write_bytes", write_bytes)
        summary = pinned_build(
            ["odense"], jobs=2, cells_path=CELLS, settings=settings, progress=False
        )
        [failed] = summary.failed
        assert failed.chapter == "03_immediate"
        assert re.fullmatch(
            r"cannot write \S+/staging/odense/03_immediate.html: No space left "
            r"on device",
            failed.error,
        )
        assert summary.count("built") == 4 and summary.problems == []
        assert not (settings.reports_dir / "odense" / "03_immediate.html").exists()
        assert index_row(settings.reports_dir, "Odense").count("state-failed") == 1

    def test_a_read_only_reports_folder_is_refused_before_anything_runs(
        self, tmp_path, monkeypatch
    ):
        settings = tiny_settings(tmp_path)
        use_settings(monkeypatch, settings)
        settings.reports_dir.mkdir()
        real = os.open

        def read_only(path, flags, *args, **kwargs):
            if Path(path).parent == settings.reports_dir and flags & os.O_CREAT:
                raise OSError(errno.EROFS, "Read-only file system", str(path))
            return real(path, flags, *args, **kwargs)

        monkeypatch.setattr(os, "open", read_only)
        result = CliRunner().invoke(reports_command, ["--cells", str(CELLS)])
        assert result.exit_code == 1
        assert result.output == (
            f"error: cannot write in the reports folder {settings.reports_dir}: "
            "Read-only file system\n"
        )

    @pytest.mark.skipif(os.geteuid() == 0, reason="root writes into a read-only folder anyway")
    def test_a_chmod_read_only_reports_folder(self, tmp_path, monkeypatch):
        settings = tiny_settings(tmp_path)
        use_settings(monkeypatch, settings)
        settings.reports_dir.mkdir()
        settings.reports_dir.chmod(0o555)
        try:
            result = CliRunner().invoke(reports_command, ["--cells", str(CELLS)])
        finally:
            settings.reports_dir.chmod(0o755)
        assert result.exit_code == 1
        assert "cannot write in the reports folder" in result.output
        assert "Permission denied" in result.output

    def test_dsr_tables_on_a_full_disk(self, tmp_path, monkeypatch):
        from dsr_analysis.cli import main

        out = tmp_path / "tables.csv"
        out.write_text("old", encoding="utf-8")
        full_disk_under(tmp_path, monkeypatch)
        result = CliRunner().invoke(main, ["tables", "--out", str(out)])
        assert result.exit_code == 1
        assert result.output == f"error: cannot write {out}: No space left on device\n"
        assert out.read_text(encoding="utf-8") == "old"
        assert list(tmp_path.glob("*.tmp")) == []
