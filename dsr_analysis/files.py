"""Writing files so that a reader sees the old file or the new one, never half of either."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterable
from pathlib import Path

import yaml

from dsr_analysis.errors import ConfigurationError, DsrError


class WriteError(DsrError, OSError):
    """A file could not be written: which file, and the operating system's reason.

    It is an ``OSError`` too (with the original ``errno``), so code that handles the OS's
    errors keeps working; the message is one line a user can act on.

    >>> import errno
    >>> print(WriteError("/r/index.html", OSError(errno.ENOSPC, "No space left on device")))
    cannot write /r/index.html: No space left on device
    """

    def __init__(self, path: Path | str, error: OSError):
        reason = error.strerror or str(error)
        super().__init__(error.errno, reason, str(path))
        self.path = Path(path)
        self.reason = reason

    def __str__(self) -> str:
        return f"cannot write {self.path}: {self.reason}"


def _umask() -> int:
    # os.umask can only be read by setting it; set it straight back.
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def _temporary_beside(path: Path, data: bytes) -> Path:
    """``data`` in a new file beside ``path``: flushed to disk, mode from the umask."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(
            dir=path.parent, prefix=f".{path.name}.", suffix=".tmp"
        )
    except OSError as error:
        raise WriteError(path, error) from error
    try:
        with os.fdopen(handle, "wb") as stream:
            stream.write(data)
            stream.flush()
            os.fsync(stream.fileno())
        # mkstemp creates files readable only by their owner; give the mode open() would.
        os.chmod(temporary, 0o666 & ~_umask())
    except BaseException as error:
        Path(temporary).unlink(missing_ok=True)
        if isinstance(error, OSError):
            raise WriteError(path, error) from error
        raise
    return Path(temporary)


def _replace(temporary: Path, path: Path) -> None:
    try:
        os.replace(temporary, path)
    except OSError as error:
        temporary.unlink(missing_ok=True)
        raise WriteError(path, error) from error


def atomic_write_bytes(path: Path | str, data: bytes) -> Path:
    """Write ``data`` to ``path`` atomically, with the user's umask, flushed to disk.

    The bytes go to a temporary file beside ``path``, are fsynced, and the temporary file is
    renamed over ``path``; on any failure the temporary file is removed and ``path`` is
    untouched. ``mkstemp`` creates files readable only by their owner, so the mode is set
    from the umask, as ``open()`` would.

    Raises
    ------
    WriteError
        If the file cannot be written (full disk, read-only folder, ...); ``path`` is as before.

    Examples
    --------
    >>> import tempfile
    >>> target = Path(tempfile.mkdtemp()) / "x.txt"
    >>> atomic_write_bytes(target, b"hello").read_bytes()
    b'hello'
    """
    path = Path(path)
    _replace(_temporary_beside(path, data), path)
    return path


def atomic_write_text(path: Path | str, text: str) -> Path:
    """Write ``text`` as UTF-8 (no newline translation) atomically; see atomic_write_bytes."""
    return atomic_write_bytes(path, text.encode("utf-8"))


def atomic_write_all(files: Iterable[tuple[Path, bytes]]) -> list[Path]:
    """Write several files, all or none as far as the disk allows, in the order given.

    Every file's bytes are first written and fsynced to a temporary file beside it; only when
    all of them are on disk is each renamed over its target, in order (so a file listed last,
    such as an index, appears last). A full disk or a read-only folder therefore stops the
    batch before any target changes, and every temporary file is removed. Only the renames,
    which need no space, remain; a failing rename stops the batch there.

    Returns the targets, in order.

    Raises
    ------
    WriteError
        Naming the first file that could not be written and why.

    Examples
    --------
    >>> import tempfile
    >>> folder = Path(tempfile.mkdtemp())
    >>> [p.name for p in atomic_write_all([(folder / "a", b"1"), (folder / "b", b"2")])]
    ['a', 'b']
    """
    files = [(Path(path), data) for path, data in files]
    prepared: list[tuple[Path, Path]] = []
    try:
        for path, data in files:
            prepared.append((_temporary_beside(path, data), path))
    except BaseException:
        for temporary, _ in prepared:
            temporary.unlink(missing_ok=True)
        raise
    for number, (temporary, path) in enumerate(prepared):
        try:
            _replace(temporary, path)
        except WriteError:
            for left, _ in prepared[number + 1 :]:
                left.unlink(missing_ok=True)
            raise
    _sync_folders({path.parent for _, path in prepared})
    return [path for _, path in prepared]


def _sync_folders(folders: Iterable[Path]) -> None:
    # A rename is durable once its folder is flushed; not every system can open a folder.
    for folder in folders:
        try:
            handle = os.open(folder, os.O_RDONLY)
        except OSError:
            continue
        try:
            os.fsync(handle)
        except OSError:
            pass
        finally:
            os.close(handle)


def read_yaml(path: Path | str, what: str = "data file") -> object:
    """A YAML data file's contents, or a ConfigurationError saying which file and why.

    The C loader when present: a no-op report rebuild reads these files and must be quick.
    """
    path = Path(path)
    try:
        loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
        return yaml.load(path.read_text(encoding="utf-8"), Loader=loader)  # noqa: S506 - safe
    except FileNotFoundError as exc:
        raise ConfigurationError(f"{what} not found: {path.name}") from exc
    except OSError as exc:
        raise ConfigurationError(f"cannot read {path.name}: {exc.strerror or exc}") from exc
    except yaml.YAMLError as exc:
        raise ConfigurationError(f"{path.name} is not valid YAML: {exc}") from exc
