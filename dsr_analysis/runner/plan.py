"""Planning a build: every (unit, chapter) task with its parameters, page context and key."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd

from dsr_analysis import __version__
from dsr_analysis.cells import cells_csv, is_synthetic, released_min_cell
from dsr_analysis.files import atomic_write_text
from dsr_analysis.programme_theory import ProgrammeTheory
from dsr_analysis.report.edition import not_for_publication
from dsr_analysis.report.units import (
    METHOD_PAGE,
    TRIAL_DATA,
    ReportChapter,
    Unit,
    report_chapters,
    unit_cells,
)
from dsr_analysis.runner.inputs import trial_input
from dsr_analysis.runner.keys import sha256_bytes
from dsr_analysis.runner.model import Settings, Task

#: Parameters that are paths: a key covers what they hold, not where it lies.
PATH_PARAMETERS = ("data_path", "theory_path", "units_path")


def chapter_name(notebook: str) -> str:
    """The page name of a chapter: its notebook's stem ("01_effort.ipynb" -> "01_effort")."""
    return Path(notebook).stem


def plan(
    theory: ProgrammeTheory,
    units: list[Unit],
    cells: pd.DataFrame,
    lang: str,
    min_cell: int,
    settings: Settings,
    source_hash: str,
    commit: str,
) -> list[Task]:
    """Every (unit, chapter) task with its key and page context, in unit then chapter order.

    ``source_hash`` stands for the library and the packages
    (:func:`~dsr_analysis.runner.keys.source_key`); ``commit`` is shown in the footer and left
    out of the key, so a commit that changes no page rebuilds nothing.

    A unit's chapters come from :func:`~dsr_analysis.report.units.report_chapters`; a chapter on
    the trial's data gets the trial's published cells as ``data_path``, computed here by the
    design (:func:`~dsr_analysis.runner.inputs.trial_input`), and its key covers the extract
    they are made of; a bad extract gives the task an ``input_error`` instead.
    """
    tasks = []
    banner = theory.word("synthetic_banner", lang) if is_synthetic(cells) else ""
    # What the cells say released them, not what was asked: a tables file made with
    # --min-cell 1 is unsuppressed whatever this build was told.
    warning = not_for_publication(theory, lang, released_min_cell(cells, min_cell))
    files = files_hash(theory, settings)
    for unit in units:
        view = sha256_bytes(json.dumps(unit_view(unit, units, theory), sort_keys=True,
                                       default=str).encode())
        chapters = report_chapters(unit, theory)
        own = unit_cells(cells, unit, units)
        text = cells_csv(own)
        data_hash = sha256_bytes(text.encode())
        cells_path = settings.build_dir / "cells" / f"{unit.id}-{data_hash[:20]}.csv"
        if not cells_path.exists():
            atomic_write_text(cells_path, text)
        for position, spec in enumerate(chapters):
            chapter = spec.page
            notebook = settings.notebooks_dir / spec.notebook
            parameters = {
                "level": spec.level.id,
                "municipality": unit.id,
                "data_path": str(cells_path),
                "lang": lang,
                "min_cell": min_cell,
                # Absolute: the kernel runs in a folder under build/.
                "theory_path": str(Path(settings.theory_path).resolve()),
                "units_path": str(Path(settings.municipalities_path).resolve()),
            }
            source = (data_hash, banner, "data_hash")
            input_error = ""
            if spec.data == TRIAL_DATA:
                trial = trial_input(
                    settings.trial_dir, settings.build_dir, min_cell, lang, source_hash,
                    settings.trial_cells_source, settings.trial_hash_source,
                )
                parameters["data_path"] = str(trial.path) if trial.path else ""
                input_error = trial.error
                trial_banner = theory.word("synthetic_banner", lang) if trial.synthetic else ""
                source = (trial.data_hash, trial_banner, "trial_data_hash")
            page = _page_context(theory, unit, chapters, position, lang, source, min_cell,
                                 commit) | {"warning": warning}
            key_parts = {
                "notebook": sha256_bytes(notebook.read_bytes()) if notebook.exists() else "",
                # The paths differ between checkouts; their files' contents are in the source
                # key (theory, units) or in "cells" (the data).
                "parameters": {k: v for k, v in parameters.items() if k not in PATH_PARAMETERS},
                "cells": source[0],
                "source": source_hash,
                "files": files,
                "unit": view,
                "version": __version__,
                "page": _without_commit(page),
            }
            key = sha256_bytes(json.dumps(key_parts, sort_keys=True).encode())
            tasks.append(
                Task(
                    unit=unit.id,
                    chapter=chapter,
                    notebook=str(notebook),
                    executed=str(settings.build_dir / "executed" / unit.id / f"{chapter}.ipynb"),
                    output=str(settings.reports_dir / unit.id / f"{chapter}.html"),
                    parameters=parameters,
                    key=key,
                    page=page,
                    input_error=input_error,
                )
            )
    return tasks


def unit_view(unit: Unit, units: list[Unit], theory: ProgrammeTheory) -> dict:
    """What a unit's chapters read of the units file, which its key covers instead of the file.

    A municipality's chapters show its own entry, in its own colour if it was monitored (dealt
    out in file order, :func:`~dsr_analysis.report.units.colour_order`), and link the trial's
    chapter; the pooled
    unit compares every municipality, so it reads the whole file. So adding, editing or
    removing one municipality's entry touches that unit's key and the pooled unit's, and the
    keys of the units whose colour it moves (an entry inserted before them).

    A municipality's pages also name the pool by its size ("alle fire kommuner"), so the
    number of pooled municipalities is in every key: adding or removing a monitored entry
    rebuilds every page that prints it (all of them, in the DSR set), while editing an entry,
    or adding one that is not pooled, touches only its own unit and the pooled one. A chapter
    that comes to read more of the other units' entries must say so here;
    tests/test_build_keys.py renders a chapter with and without another entry to catch it.

    >>> from dsr_analysis.programme_theory import load_programme_theory
    >>> from dsr_analysis.report.units import load_units
    >>> units = load_units()
    >>> sorted(unit_view(units[2], units, load_programme_theory()))
    ['colour', 'entry', 'pooled_count', 'trial_chapter']
    """
    from dsr_analysis.report.figure_style import unit_colours
    from dsr_analysis.report.units import colour_order, pooled_members, trial_chapter_href

    def entry(u: Unit) -> list:
        return [u.id, u.name, u.monitored, u.trial, u.facts]

    if unit.is_pooled:
        return {"units": [entry(u) for u in units]}
    return {
        "entry": entry(unit),
        # Only a monitored unit draws figures; the others' "next free colour" moves with
        # every municipality added, and shows nowhere.
        "colour": unit_colours([unit.name], colour_order(units))[unit.name]
        if unit.monitored else None,
        "trial_chapter": trial_chapter_href(theory, units),
        "pooled_count": len(pooled_members(units)),
    }


def files_hash(theory: ProgrammeTheory, settings: Settings) -> str:
    """One hash of the files every chapter of this set reads: its theory and the theory's
    questions (DSR's are also among the library's data files; another set's are not). The
    units file is covered per unit (:func:`unit_view`)."""
    paths = [settings.theory_path, theory.questions_path]
    return sha256_bytes(b"".join(
        sha256_bytes(Path(p).read_bytes()).encode() for p in paths if p is not None
    ))


def _without_commit(page: dict) -> dict:
    """The page context a key covers: all of it but the commit (and its footer line)."""
    commit = page["commit"]
    kept = {k: v for k, v in page.items() if k != "commit"}
    kept["footer"] = [row for row in page["footer"] if row[1] != commit]
    return kept


def _page_context(
    theory: ProgrammeTheory,
    unit: Unit,
    chapters: list[ReportChapter],
    position: int,
    lang: str,
    source: tuple[str, str, str],
    min_cell: int,
    commit: str,
) -> dict:
    # source: the data's hash, the banner it calls for and the footer's word for the hash.
    data_hash, banner, hash_word = source
    name = unit.display_name(theory, lang)
    # Chapters keep their level's number, so Copenhagen's long-term chapter is 5 as elsewhere.
    links = [
        {
            "href": f"{spec.page}.html",
            "text": f"{spec.position + 1}. {spec.level.title.get(lang)}",
            "current": i == position,
        }
        for i, spec in enumerate(chapters)
    ]
    return {
        "title": f"{chapters[position].level.title.get(lang)} – {name}",
        "lang": lang,
        "index": {"href": "../index.html", "text": theory.word("back_to_index", lang)},
        "chapters": [*links, {"href": METHOD_PAGE, "text": theory.word("method_title", lang)}],
        "previous": links[position - 1] | {"current": False} if position > 0 else None,
        "next": links[position + 1] | {"current": False} if position + 1 < len(links) else None,
        "banner": banner,
        "footer": [
            [theory.word(hash_word, lang), data_hash[:16]],
            [theory.word("min_cell", lang), str(min_cell)],
            [theory.word("version", lang), __version__],
            [theory.word("commit", lang), commit],
        ],
        "commit": commit,
    }
