"""A build's private folder under ``build/runs/``: its staged pages and its kernels' secrets.

Each build makes ``build/runs/<pid>-<random>/`` (mode 0700), holding

- ``staging/``: the pages the workers sent back, and the index, laid out as ``reports/`` is;
  they reach ``reports/`` only after the pre-publish check (see :mod:`.publish`);
- ``runtime/``: the kernels' connection files, which hold each kernel's HMAC key. Jupyter's
  default, a runtime folder shared by every kernel of the user, would outlive a killed build;
  here they are removed when their kernel stops and, whatever happened, with the folder.

The build holds a lock on the folder's ``.lock`` file while it runs. A folder whose lock
nobody holds belongs to a build that ended without cleaning up (killed, or the machine went
down) and is removed by the next build, connection files and all.
"""

from __future__ import annotations

import os
import shutil
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from dsr_analysis.errors import BuildError
from dsr_analysis.runner.lock import release, try_lock

RUNS = "runs"
LOCK = ".lock"
# A folder still under its making name this long after it was made was left by a build killed
# in the instant between making and locking it (it holds no secrets yet).
ABANDONED_AFTER = 3600


@dataclass(frozen=True)
class Workspace:
    """The folders of one build."""

    root: Path

    @property
    def staging(self) -> Path:
        return self.root / "staging"

    @property
    def runtime(self) -> Path:
        return self.root / "runtime"


@contextmanager
def workspace(build_dir: Path) -> Iterator[Workspace]:
    """A new private folder for this build, removed when the build ends.

    Stale folders of earlier builds are removed first.

    Raises
    ------
    BuildError
        If the build folder cannot be written.
    """
    runs = Path(build_dir) / RUNS
    try:
        remove_stale(runs)
        handle, root = _create(runs)
    except OSError as error:
        raise BuildError(
            f"cannot write in the build folder {runs}: {error.strerror or error}"
        ) from error
    try:
        yield Workspace(root)
    finally:
        shutil.rmtree(root, ignore_errors=True)
        release(handle)


def _create(runs: Path) -> tuple[int, Path]:
    runs.mkdir(parents=True, exist_ok=True)
    # Made under a dot-name and renamed once locked, so that a build cleaning stale folders
    # never sees this one unlocked.
    making = Path(tempfile.mkdtemp(prefix=f".{os.getpid()}-", dir=runs))
    handle = try_lock(making / LOCK)
    if handle is None:  # pragma: no cover - nobody else knows the folder yet
        raise OSError(f"cannot lock {making / LOCK}")
    try:
        for part in ("staging", "runtime"):
            (making / part).mkdir(mode=0o700)
            os.chmod(making / part, 0o700)  # mkdir's mode is reduced by the umask only
        root = runs / making.name[1:]
        os.rename(making, root)
    except BaseException:
        shutil.rmtree(making, ignore_errors=True)
        release(handle)
        raise
    return handle, root


def remove_stale(runs: Path) -> list[Path]:
    """Remove the folders of builds that are no longer running; return them."""
    removed = []
    try:
        folders = sorted(runs.iterdir())
    except FileNotFoundError:
        return removed
    for folder in folders:
        try:
            if folder.name.startswith("."):
                if time.time() - folder.stat().st_mtime > ABANDONED_AFTER:
                    shutil.rmtree(folder, ignore_errors=True)
                    removed.append(folder)
                continue
            if not (folder / LOCK).is_file():
                continue  # not a build's folder
            handle = try_lock(folder / LOCK)
        except FileNotFoundError:
            continue  # another build removed it meanwhile
        if handle is None:
            continue  # its build is running
        try:
            shutil.rmtree(folder, ignore_errors=True)
        finally:
            release(handle)
        removed.append(folder)
    return removed
