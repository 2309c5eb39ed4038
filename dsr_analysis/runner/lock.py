"""One build at a time per reports folder: a lock the build holds while it runs.

The lock is an advisory lock (``flock``; ``msvcrt.locking`` on Windows) on
``<reports>/.dsr-reports.lock``, held through an open file. The operating system releases it
when the holder's process ends however it ends, so a build that was killed leaves no lock
behind: its lock file, still naming the dead process, is simply taken over. The file is never
deleted (deleting a lock file lets two builds lock two different files); it holds the
holder's pid and start time for the message a second build prints.

A second build refuses at once rather than waiting: a build takes minutes, a wait would look
like a hang, and the build that holds the lock is already making the same pages.
"""

from __future__ import annotations

import json
import os
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from dsr_analysis.errors import BuildError

LOCK_NAME = ".dsr-reports.lock"

# Descriptors of the locks this process holds; forked workers close their copies (see
# close_inherited), so only the build's own process keeps a lock alive.
_HELD: set[int] = set()


class BuildLocked(BuildError):
    """Another build holds the lock of the same folder."""


def try_lock(path: Path) -> int | None:
    """Open ``path`` (creating it) and lock it without waiting: its descriptor, or None if
    another process holds the lock. Raises OSError if the file cannot be opened."""
    handle = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        if _lock(handle):
            _HELD.add(handle)
            return handle
    except BaseException:
        os.close(handle)
        raise
    os.close(handle)
    return None


def release(handle: int) -> None:
    """Give a lock from :func:`try_lock` back."""
    _HELD.discard(handle)
    os.close(handle)


def close_inherited() -> None:
    """In a forked child: close the copies of the parent's lock descriptors.

    A lock lives as long as any copy of its descriptor; closing the child's copy leaves the
    parent's lock in place, and a child that outlives its parent keeps no lock alive.
    """
    for handle in list(_HELD):
        try:
            os.close(handle)
        except OSError:
            pass
    _HELD.clear()


@contextmanager
def reports_lock(reports_dir: Path) -> Iterator[Path]:
    """Hold the lock of ``reports_dir`` (created if missing) for the duration of a build.

    Raises
    ------
    BuildLocked
        If another build holds it: one line naming the folder and the other build's pid and
        start time.
    BuildError
        If the folder cannot be created or written (read-only, no permission).
    """
    reports_dir = Path(reports_dir)
    path = reports_dir / LOCK_NAME
    try:
        reports_dir.mkdir(parents=True, exist_ok=True)
        handle = try_lock(path)
    except OSError as error:
        raise BuildError(
            f"cannot write in the reports folder {reports_dir}: {error.strerror or error}"
        ) from error
    if handle is None:
        raise BuildLocked(
            f"another dsr reports is already building {reports_dir} ({_holder(path)}); "
            "wait for it to finish, or stop it, and run again"
        )
    try:
        _write_holder(handle)
        yield path
    finally:
        release(handle)


def _write_holder(handle: int) -> None:
    record = {"pid": os.getpid(), "started": time.strftime("%Y-%m-%d %H:%M:%S %z")}
    os.ftruncate(handle, 0)
    os.lseek(handle, 0, os.SEEK_SET)
    os.write(handle, (json.dumps(record) + "\n").encode())


def _holder(path: Path) -> str:
    try:
        record = json.loads(path.read_text(encoding="utf-8"))
        return f"pid {int(record['pid'])}, started {record['started']}"
    except (OSError, ValueError, KeyError, TypeError):
        # It has locked the file but not yet written who it is.
        return "pid and start time not yet recorded"


if sys.platform == "win32":  # pragma: no cover - the suite runs on POSIX
    import msvcrt

    def _lock(handle: int) -> bool:
        try:
            msvcrt.locking(handle, msvcrt.LK_NBLCK, 1)
        except OSError:
            return False
        return True

else:
    import fcntl

    def _lock(handle: int) -> bool:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return False
        return True
