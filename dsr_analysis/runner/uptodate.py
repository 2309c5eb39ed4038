"""The no-op build: a stamp that says a whole report set is up to date, checked in milliseconds.

Planning a build needs the published cells and every unit's key (:mod:`.plan`), which takes
seconds with 98 units (pandas alone takes a third of a second to import). A build with nothing
to do must not pay that, so after each build that published everything it was asked for, the
runner writes ``build/<set>/uptodate.json``: a hash of every input the build read (the
*stamp*, :func:`stamp`) and the size and modification time of every file it left in the
set's folder. The next build computes the stamp again from the files alone (no pandas, no
YAML), and if it is the same and no file was touched, it is the same build: nothing is
planned, executed or staged, and the command says so.

The stamp is deliberately broad (every file under ``data/``, all notebooks, the library's
source, the packages' versions, the footer's commit, the request): a change it covers but no
page depends on costs one full planning, never a stale page. Anything else (a failed
chapter, ``--force``) goes through the full build.
"""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import asdict, dataclass
from pathlib import Path

from dsr_analysis import config
from dsr_analysis.runner.keys import git_commit, library_hash, package_versions
from dsr_analysis.runner.model import Settings

STAMP_FILE = "uptodate.json"


@dataclass(frozen=True)
class Request:
    """What a build was asked for, as far as its pages depend on it."""

    units: tuple[str, ...]
    lang: str
    min_cell: int
    data_path: str
    cells_path: str
    trial_dir: str


def stamp(request: Request, settings: Settings) -> str:
    """One hash of everything a build of ``request`` with ``settings`` reads."""
    digest = hashlib.sha256()
    digest.update(json.dumps([asdict(request), _settings_dict(settings)], sort_keys=True,
                             default=str).encode())
    files = [settings.theory_path, settings.municipalities_path, settings.data_path,
             settings.method_text_path, settings.report_sets_path]
    files += [Path(p) for p in (request.data_path, request.cells_path) if p]
    folders = [config.DATA_DIR, Path(settings.notebooks_dir), Path(settings.trial_dir)]
    folders += [Path(request.trial_dir)] if request.trial_dir else []
    for path in [*files, *(f for folder in folders for f in _files_in(folder))]:
        if path is None:
            continue
        digest.update(str(path).encode() + b"\0")
        digest.update(_file_hash(Path(path)).encode())
    digest.update(library_hash().encode())
    digest.update(json.dumps(package_versions(), sort_keys=True).encode())
    # The index's footer names the commit, so a new commit makes a new index.
    digest.update(git_commit().encode())
    return digest.hexdigest()


def _settings_dict(settings: Settings) -> dict:
    return {k: str(v) for k, v in asdict(settings).items()}


def _files_in(folder: Path) -> list[Path]:
    if not folder.is_dir():
        return []
    return sorted(p for p in folder.rglob("*") if p.is_file() and "__pycache__" not in p.parts)


def _file_hash(path: Path) -> str:
    try:
        return hashlib.sha256(path.read_bytes()).hexdigest()
    except OSError:
        return "<missing>"


def file_states(paths: list[Path]) -> dict[str, list[int] | None]:
    """Each file's size and modification time (None if absent)."""
    states: dict[str, list[int] | None] = {}
    for path in paths:
        try:
            info = os.stat(path)
        except OSError:
            states[str(path)] = None
            continue
        states[str(path)] = [info.st_size, info.st_mtime_ns]
    return states


@dataclass(frozen=True)
class Record:
    """The stamp of the last complete build and what it left: the chapters it covered (each
    unit's) and the states of the files in the set's folder."""

    stamp: str
    chapters: list[list[str]]
    files: dict[str, list[int] | None]


def record_path(settings: Settings) -> Path:
    return Path(settings.build_dir) / STAMP_FILE


def check(request: Request, settings: Settings) -> tuple[str, Record | None]:
    """This build's stamp, and the last build's record if this build would do nothing."""
    current = stamp(request, settings)
    try:
        raw = json.loads(record_path(settings).read_text(encoding="utf-8"))
        record = Record(raw["stamp"], raw["chapters"], raw["files"])
    except (OSError, ValueError, KeyError, TypeError):
        return current, None
    if record.stamp != current or file_states([Path(p) for p in record.files]) != record.files:
        return current, None
    return current, record


def write_record(current: str, settings: Settings, chapters: list[tuple[str, str, str]],
                 files: list[Path]) -> None:
    """Record a complete build (every chapter built or up to date, everything published)
    under the stamp taken when it started (``current``): each chapter as (unit, chapter,
    executed notebook), and the files whose states make it valid."""
    from dsr_analysis.files import atomic_write_text

    record = {"stamp": current, "chapters": [list(c) for c in chapters],
              "files": file_states(sorted(set(files)))}
    atomic_write_text(record_path(settings), json.dumps(record, indent=0, sort_keys=True))


def forget(settings: Settings) -> None:
    """Remove the record: the next build plans in full."""
    try:
        record_path(settings).unlink()
    except OSError:
        pass
