"""Staged publishing: a build's pages reach ``reports/`` together, and only once checked.

The main process writes each finished page into the build's staging folder
(:class:`~dsr_analysis.runner.workspace.Workspace`), laid out as ``reports/`` is, then the
pages it makes itself (each unit's method page, the index). Then the staged files are checked:
every page must pass the publishability allow-list (:mod:`dsr_analysis.publishable`; chapters
were checked by their worker and method pages as they were made, the index is checked here),
then the build's pre-publish check, if one was given (:data:`PrePublishCheck`). Only if
no problem is found are the staged files copied into ``reports/``: each through a temporary
file beside its target and a rename, all of them written before any is renamed, the index
renamed last (:func:`~dsr_analysis.files.atomic_write_all`). A failing check publishes nothing
and keeps the staged files in ``build/rejected/`` for inspection.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pandas as pd

from dsr_analysis.files import WriteError, atomic_write_all, atomic_write_text
from dsr_analysis.programme_theory import ProgrammeTheory
from dsr_analysis.publishable import publishing_problems
from dsr_analysis.report.index import IndexFacts, chapter_pages, index_html
from dsr_analysis.report.units import Unit
from dsr_analysis.runner.execute import summarise
from dsr_analysis.runner.model import PrePublishCheck, Task

INDEX = "index.html"
REJECTED = "rejected"


def page_name(task: Task) -> Path:
    """Where a task's page lives, relative to ``reports/`` (and to the staging folder)."""
    return Path(task.unit) / f"{task.chapter}.html"


def stage_page(staging: Path, task: Task, page: bytes) -> Path:
    """Write a finished page into the staging folder.

    Raises
    ------
    WriteError
        If it cannot be written (the build folder's disk is full, ...).
    """
    path = staging / page_name(task)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        # No fsync: a staged file that a crash cuts short is never published.
        path.write_bytes(page)
    except OSError as error:
        raise WriteError(path, error) from error
    return path


def stage_index(
    theory: ProgrammeTheory,
    units: list[Unit],
    cells: pd.DataFrame,
    facts: IndexFacts,
    reports_dir: Path,
    staging: Path,
    assessed: dict[str, pd.DataFrame] | None = None,
) -> Path:
    """Write the index into the staging folder, as it must read once the staged pages are
    published: a chapter has a page if it is staged or already in ``reports_dir``.

    Raises
    ------
    WriteError
        If it cannot be written.
    """
    pages = chapter_pages(theory, units, staging) | chapter_pages(theory, units, reports_dir)
    return atomic_write_text(staging / INDEX,
                             index_html(theory, units, cells, facts, pages, assessed))


def staged_files(staging: Path) -> list[Path]:
    """The staged files in publishing order: the chapters (sorted), then the index."""
    pages = sorted(p for p in staging.rglob("*.html") if p != staging / INDEX)
    return pages + ([staging / INDEX] if (staging / INDEX).exists() else [])


def check_staged(staging: Path, pre_publish: PrePublishCheck | None) -> list[str]:
    """The problems that must stop publishing: the index's publishability, then the
    pre-publish check's. A check that raises is a problem too: it fails closed."""
    problems = []
    index = staging / INDEX
    if index.exists():
        text = index.read_text(encoding="utf-8")
        problems += [f"{INDEX}: {problem}" for problem in publishing_problems(text)]
    if pre_publish is not None:
        try:
            problems += [str(problem) for problem in pre_publish(staging)]
        except Exception as error:  # noqa: BLE001 - any failure of the check stops publishing
            problems.append(f"the pre-publish check failed: {summarise(error)}")
    return problems


def reject(staging: Path, build_dir: Path) -> Path:
    """Keep a staging folder that failed its check as ``build/rejected/`` (the last one)."""
    target = Path(build_dir) / REJECTED
    shutil.rmtree(target, ignore_errors=True)
    os.replace(staging, target)
    return target


def publish(staging: Path, reports_dir: Path) -> list[Path]:
    """Copy every staged file into ``reports_dir``, all or none, the index last.

    Files whose bytes are already there are left alone (their time stamps too). Returns the
    files written.

    Raises
    ------
    WriteError
        If a file cannot be written (read-only folder, full disk); nothing was changed then.
    """
    changed = []
    for path in staged_files(staging):
        target = reports_dir / path.relative_to(staging)
        data = path.read_bytes()
        if not _holds(target, data):
            changed.append((target, data))
    return atomic_write_all(changed)


def _holds(path: Path, data: bytes) -> bool:
    try:
        return path.stat().st_size == len(data) and path.read_bytes() == data
    except OSError:
        return False
