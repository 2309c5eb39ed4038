"""Atomic writes (dsr_analysis.files): the old file or the new one, the umask's mode, and a
one-line error naming the file and the system's reason when the disk says no.

A full disk is real here: writes go to ``/dev/full``, which fails every write with ENOSPC, or,
where the system allows private mounts, to a tiny tmpfs that fills up; a read-only folder is a
read-only mount (running as root, chmod would not stop a write).
"""

from __future__ import annotations

import errno
import os
import shlex
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from fixtures.disk import full_disk_under

from dsr_analysis import files
from dsr_analysis.errors import DsrError


def leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.rglob("*.tmp"))


class TestAtomicWrite:
    @pytest.mark.parametrize("umask, mode", [(0o022, 0o644), (0o027, 0o640), (0o002, 0o664)])
    def test_mode_follows_the_umask(self, tmp_path, umask, mode):
        previous = os.umask(umask)
        try:
            written = files.atomic_write_bytes(tmp_path / "page.html", b"x")
            many = files.atomic_write_all([(tmp_path / "a" / "index.html", b"y")])
        finally:
            os.umask(previous)
        assert written.stat().st_mode & 0o777 == mode
        assert many[0].stat().st_mode & 0o777 == mode

    def test_a_full_disk_keeps_the_old_file_and_says_which_and_why(self, tmp_path, monkeypatch):
        target = tmp_path / "index.html"
        target.write_bytes(b"old")
        full_disk_under(tmp_path, monkeypatch)
        with pytest.raises(files.WriteError) as raised:
            files.atomic_write_text(target, "new")
        assert str(raised.value) == f"cannot write {target}: No space left on device"
        assert raised.value.errno == errno.ENOSPC
        assert isinstance(raised.value, DsrError) and isinstance(raised.value, OSError)
        assert target.read_bytes() == b"old" and leftovers(tmp_path) == []

    def test_a_failed_rename_keeps_the_old_file(self, tmp_path, monkeypatch):
        target = tmp_path / "page.html"
        target.write_text("old", encoding="utf-8")

        def refuse(*_):
            raise OSError(errno.EROFS, "Read-only file system")

        monkeypatch.setattr(files.os, "replace", refuse)
        with pytest.raises(files.WriteError, match="page.html: Read-only file system"):
            files.atomic_write_text(target, "new")
        assert target.read_text(encoding="utf-8") == "old"
        assert [p.name for p in tmp_path.iterdir()] == ["page.html"]


class TestWriteAll:
    def test_writes_in_order(self, tmp_path):
        written = files.atomic_write_all([(tmp_path / "b", b"2"), (tmp_path / "a", b"1")])
        assert [p.name for p in written] == ["b", "a"]
        assert (tmp_path / "a").read_bytes() == b"1" and (tmp_path / "b").read_bytes() == b"2"

    def test_one_file_that_cannot_be_written_changes_none(self, tmp_path, monkeypatch):
        # The first page's folder is fine, the index's disk is full: the page stays old too.
        (tmp_path / "kolding").mkdir()
        page, index = tmp_path / "kolding" / "01_effort.html", tmp_path / "full" / "index.html"
        index.parent.mkdir()
        page.write_bytes(b"old page")
        index.write_bytes(b"old index")
        full_disk_under(tmp_path / "full", monkeypatch)
        with pytest.raises(files.WriteError, match="index.html: No space left on device"):
            files.atomic_write_all([(page, b"new page"), (index, b"new index")])
        assert page.read_bytes() == b"old page" and index.read_bytes() == b"old index"
        assert leftovers(tmp_path) == []


def _private_mounts() -> bool:
    if not sys.platform.startswith("linux") or shutil.which("unshare") is None:
        return False
    probe = subprocess.run(
        ["unshare", "-rm", "sh", "-c", "mount -t tmpfs -o size=64k tmpfs /mnt"],
        capture_output=True,
        check=False,
    )
    return probe.returncode == 0


@pytest.mark.skipif(not _private_mounts(), reason="no private mount namespace (unshare -rm)")
def test_a_real_full_disk_and_a_real_read_only_folder(tmp_path):
    # In a mount namespace of its own (nobody else sees the mounts, and they vanish with the
    # process): a 64 KiB tmpfs filled up, then the same tmpfs remounted read-only.
    disk = tmp_path / "disk"
    disk.mkdir()
    full = tmp_path / "full.py"
    full.write_text(
        textwrap.dedent(
            """
            import errno, pathlib, sys
            from dsr_analysis import files
            page = pathlib.Path(sys.argv[1]) / "page.html"
            page.write_bytes(b"old")
            try:
                files.atomic_write_bytes(page, b"x" * 200_000)
            except files.WriteError as error:
                assert error.errno == errno.ENOSPC, error
                print(error)
            assert page.read_bytes() == b"old"
            assert [p.name for p in page.parent.iterdir()] == ["page.html"]
            """
        ),
        encoding="utf-8",
    )
    readonly = tmp_path / "readonly.py"
    readonly.write_text(
        textwrap.dedent(
            """
            import errno, pathlib, sys
            from dsr_analysis import files
            page = pathlib.Path(sys.argv[1]) / "page.html"
            try:
                files.atomic_write_bytes(page, b"new")
            except files.WriteError as error:
                assert error.errno == errno.EROFS, error
                print(error)
            assert page.read_bytes() == b"old"
            """
        ),
        encoding="utf-8",
    )
    python, full, readonly, disk_ = (
        shlex.quote(str(p)) for p in (sys.executable, full, readonly, disk)
    )
    shell = (
        f"mount -t tmpfs -o size=64k tmpfs {disk_} && {python} {full} {disk_} && "
        f"mount -o remount,ro {disk_} && {python} {readonly} {disk_}"
    )
    result = subprocess.run(
        ["unshare", "-rm", "sh", "-c", shell], capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == [
        f"cannot write {disk / 'page.html'}: No space left on device",
        f"cannot write {disk / 'page.html'}: Read-only file system",
    ]
