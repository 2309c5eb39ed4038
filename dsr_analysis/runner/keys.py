"""Up-to-date keys: hashes of what a page is made of, and the commit of the source that made it.

A page's key covers everything that shapes its bytes: the notebook, its parameters, the unit's
cells, the library's source and data files (:func:`library_hash`) and the versions of the
packages that compute, draw and convert it (:func:`package_versions`). It does not cover the
git commit: a commit that touches only tests or documentation must rebuild nothing. The footer
names :func:`git_commit`, the last commit of the library's source, for the reader.
"""

from __future__ import annotations

import hashlib
import json
import os
import platform
import subprocess
import sys
from collections.abc import Iterable
from pathlib import Path

from dsr_analysis import config
from dsr_analysis.runner.model import DATA_FILES

#: Packages whose version can change a page: the numbers (pandas, numpy, scipy, statsmodels),
#: which cells are hidden (highspy solves the disclosure control), the figures (matplotlib,
#: seaborn), the execution and the HTML (papermill, nbclient, ipykernel, nbformat, nbconvert
#: with its templates and Markdown renderer).
PAGE_PACKAGES = (
    "pandas",
    "numpy",
    "scipy",
    "statsmodels",
    "highspy",
    "matplotlib",
    "seaborn",
    "papermill",
    "nbclient",
    "ipykernel",
    "nbformat",
    "nbconvert",
    "jinja2",
    "mistune",
)

#: The library's source, as far as git is concerned: what the footer's commit describes.
SOURCE_PATHS = ("dsr_analysis", "notebooks", "data")


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


def package_versions(packages: Iterable[str] = PAGE_PACKAGES) -> dict[str, str]:
    """Installed version of each package that shapes a page, and Python's ("-" if absent).

    The versions are read from the names of the installed ``*.dist-info`` folders on
    ``sys.path`` (``pandas-2.2.3.dist-info``), as importing would find them: a millisecond,
    where ``importlib.metadata`` alone takes a tenth of a second to import, which a no-op
    rebuild would pay. A package installed otherwise is asked through ``importlib.metadata``.

    >>> versions = package_versions(["pandas", "no-such-package"])
    >>> sorted(versions), versions["no-such-package"]
    (['no-such-package', 'pandas', 'python'], '-')
    """
    installed = _installed_versions()
    versions = {"python": platform.python_version()}
    for name in packages:
        version = installed.get(_normalised(name))
        if version is None:
            from importlib import metadata

            try:
                version = metadata.version(name)
            except metadata.PackageNotFoundError:
                version = "-"
        versions[name] = version
    return versions


def _normalised(name: str) -> str:
    return name.lower().replace("-", "_").replace(".", "_")


def _installed_versions() -> dict[str, str]:
    found: dict[str, str] = {}
    for entry in sys.path:
        try:
            names = os.listdir(entry or ".")
        except OSError:
            continue
        for folder in names:
            if folder.endswith(".dist-info"):
                name, _, version = folder[: -len(".dist-info")].rpartition("-")
                found.setdefault(_normalised(name), version)
    return found


def source_key(library: str, versions: dict[str, str]) -> str:
    """One hash of the library's source (:func:`library_hash`) and the package versions.

    >>> source_key("abc", {"pandas": "2.2"}) == source_key("abc", {"pandas": "2.3"})
    False
    """
    return sha256_bytes(json.dumps([library, versions], sort_keys=True).encode())


def git_commit(root: Path | None = None) -> str:
    """The last commit of the library's source, "+" if it has uncommitted changes.

    The source is :data:`SOURCE_PATHS` (the package, the notebooks, the data files), so a
    commit that touches only tests or documentation leaves it unchanged. Short hash;
    "unknown" outside git or without git.
    """
    root = Path(root) if root is not None else config.PROJECT_ROOT
    try:
        commit = _git(root, "log", "-1", "--format=%h", "--abbrev=12", "--", *SOURCE_PATHS)
        dirty = _git(root, "status", "--porcelain", "--untracked-files=no", "--", *SOURCE_PATHS)
    except (OSError, subprocess.SubprocessError):
        return "unknown"
    if not commit:
        return "unknown"
    return commit + ("+" if dirty else "")


def _git(root: Path, *arguments: str) -> str:
    return subprocess.run(
        ["git", *arguments],
        cwd=root,
        capture_output=True,
        text=True,
        check=True,
        timeout=10,
    ).stdout.strip()
