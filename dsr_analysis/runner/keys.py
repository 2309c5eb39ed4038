"""Up-to-date keys: hashes of what a page is made of, and the commit that made it."""

from __future__ import annotations

import hashlib
import subprocess
from collections.abc import Iterable
from pathlib import Path

from dsr_analysis import config
from dsr_analysis.runner.model import DATA_FILES


def sha256_bytes(data: bytes) -> str:
    """Hex SHA-256 of ``data``.

    >>> sha256_bytes(b"")[:12]
    'e3b0c44298fc'
    """
    return hashlib.sha256(data).hexdigest()


def library_hash(extra_files: Iterable[Path] = DATA_FILES) -> str:
    """Hash of the package's source and the data files every chapter reads."""
    digest = hashlib.sha256()
    package = Path(__file__).resolve().parent.parent
    files = sorted(package.rglob("*.py")) + [Path(p) for p in extra_files]
    for path in files:
        digest.update(
            str(
                path.relative_to(config.PROJECT_ROOT)
                if path.is_relative_to(config.PROJECT_ROOT)
                else path.name
            ).encode()
        )
        digest.update(path.read_bytes() if path.exists() else b"<missing>")
    return digest.hexdigest()


def git_commit() -> str:
    """Short commit of the working tree, "+" if files differ from it; "unknown" outside git."""
    try:
        commit = subprocess.run(
            ["git", "rev-parse", "--short=12", "HEAD"],
            cwd=config.PROJECT_ROOT,
            capture_output=True,
            text=True,
            check=True,
            timeout=10,
        ).stdout.strip()
        dirty = subprocess.run(
            [
                "git",
                "status",
                "--porcelain",
                "--untracked-files=no",
                "--",
                "dsr_analysis",
                "notebooks",
                "data",
            ],
            cwd=config.PROJECT_ROOT,
            capture_output=True,
            text=True,
            check=True,
            timeout=10,
        ).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return "unknown"
    return commit + ("+" if dirty else "")

