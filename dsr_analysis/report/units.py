"""Report units (who gets a report set) and their chapters (which levels, which notebook).

Both are data: the units come from the municipalities file, the chapters from the programme
theory, optionally narrowed per unit by its ``report.chapters`` entry.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from dsr_analysis import config
from dsr_analysis.cells import POOLED_ID, POOLED_NAME
from dsr_analysis.errors import ConfigurationError
from dsr_analysis.programme_theory import Level, ProgrammeTheory


@dataclass(frozen=True)
class Unit:
    """One report set: a municipality of the project, the monitored ones pooled ("Alle"), or
    Copenhagen.

    ``trial`` marks a municipality outside the NIRAS project whose evidence is a randomised
    trial (Copenhagen): it is never pooled with the project's municipalities.
    """

    id: str
    name: str
    monitored: bool
    facts: dict = field(default_factory=dict, hash=False, compare=False)
    trial: bool = False

    @property
    def is_pooled(self) -> bool:
        """The pooled unit (:func:`load_units` names it ``POOLED_NAME``, as the cells do)."""
        return self.id == POOLED_ID

    def display_name(self, theory: ProgrammeTheory, lang: str) -> str:
        return theory.word("pooled_name", lang) if self.is_pooled else self.name


def load_units(path: Path | str = config.MUNICIPALITIES_PATH) -> list[Unit]:
    """The report units: the project's municipalities in file order, the pooled "Alle", then
    the municipalities with a trial (``trial: true``, i.e. Copenhagen).

    Examples
    --------
    >>> from dsr_analysis.municipalities import load_municipalities
    >>> entries = load_municipalities()
    >>> project = [e["id"] for e in entries if not e.get("trial")]
    >>> [u.id for u in load_units()] == project + ["alle"] + [e["id"] for e in entries
    ...                                                        if e.get("trial")]
    True
    """
    from dsr_analysis.municipalities import load_municipalities

    units = [
        Unit(str(e["id"]), str(e["name"]), bool(e["monitored"]), dict(e), bool(e.get("trial")))
        for e in load_municipalities(path)
    ]
    # "Alle" closes the project's municipalities; a trial is a report set of its own after it.
    project = [u for u in units if not u.trial]
    return project + [Unit(POOLED_ID, POOLED_NAME, True, {})] + [u for u in units if u.trial]


def pooled_members(units: list[Unit]) -> list[Unit]:
    """The municipalities the pooled unit ("Alle") pools: the project's monitored ones, in the
    order of the municipalities file (a trial is never pooled with them).

    Examples
    --------
    >>> units = [Unit("a", "A", True), Unit("b", "B", False), Unit("alle", "Alle", True),
    ...          Unit("k", "K", False, trial=True)]
    >>> [u.id for u in pooled_members(units)]
    ['a']
    """
    return [u for u in units if u.monitored and not u.is_pooled and not u.trial]


def colour_order(units: list[Unit]) -> tuple[str, ...]:
    """The order the figures deal out their colours in
    (:func:`~dsr_analysis.report.figure_style.unit_colours`): the pooled municipalities, in
    the order of the municipalities file.

    Examples
    --------
    >>> from dsr_analysis.municipalities import monitored_names
    >>> order = colour_order(load_units())
    >>> sorted(order) == list(monitored_names())
    True
    """
    return tuple(u.name for u in pooled_members(units))


#: The page in every unit's folder that says how to read the report (report.method_page);
#: the chapters link to it and list it in their navigation.
METHOD_PAGE = "method.html"

#: What a chapter notebook gets as ``data_path``: the unit's published monitoring cells, or the
#: trial's register extract (a folder with institutions.csv and children.csv).
CELLS_DATA = "cells"
TRIAL_DATA = "trial"


@dataclass(frozen=True)
class ReportChapter:
    """One chapter of a unit's report set.

    ``page`` is the level's page name, the same in every unit's set (``05_long_term``), so the
    index's columns and the links line up even when a unit renders a level with its own
    notebook; ``position`` is the level's place in the programme theory (0 for the effort).
    """

    position: int
    level: Level
    page: str
    notebook: str
    data: str = CELLS_DATA


def report_chapters(unit: Unit, theory: ProgrammeTheory) -> list[ReportChapter]:
    """The chapters of a unit's report set, in programme-theory order.

    By default every level, rendered by its own notebook from the unit's published cells. A
    municipality's ``report.chapters`` in the municipalities file lists the levels its set has
    instead (Copenhagen: the effort and the long-term effect), each optionally with its own
    ``notebook`` and ``data: trial``.

    Raises
    ------
    ConfigurationError
        If the list names an unknown level, a level twice, or an unknown kind of data.

    Examples
    --------
    >>> from dsr_analysis.programme_theory import load_programme_theory
    >>> theory = load_programme_theory()
    >>> units = {unit.id: unit for unit in load_units()}
    >>> [c.page for c in report_chapters(units["kobenhavn"], theory)]
    ['01_effort', '05_long_term']
    >>> [c.notebook for c in report_chapters(units["kobenhavn"], theory)]
    ['chapter.ipynb', 'kbh_long_term.ipynb']
    >>> len(report_chapters(units["kolding"], theory))
    5
    """
    levels = {level.id: (i, level) for i, level in enumerate(theory.levels)}
    listed = (unit.facts.get("report") or {}).get("chapters")
    if listed is None:
        listed = [{"level": level.id} for level in theory.levels]
    chapters = []
    for entry in listed:
        level_id = str(entry.get("level"))
        if level_id not in levels:
            raise ConfigurationError(f"{unit.id}: report chapter for unknown level {level_id!r}")
        data = entry.get("data", CELLS_DATA)
        if data not in (CELLS_DATA, TRIAL_DATA):
            raise ConfigurationError(f"{unit.id}: report chapter data must be cells or trial")
        position, level = levels[level_id]
        notebook = str(entry.get("notebook") or level.notebook)
        chapters.append(ReportChapter(position, level, level.page_name, notebook, data))
    if len({c.level.id for c in chapters}) != len(chapters):
        raise ConfigurationError(f"{unit.id}: a level is listed twice in report.chapters")
    return sorted(chapters, key=lambda c: c.position)


def trial_chapter_href(theory: ProgrammeTheory, units: list[Unit]) -> str:
    """The relative link, from any unit's folder, to the chapter built on the trial's data
    ("" if no unit's report set has one).

    Examples
    --------
    >>> from dsr_analysis.programme_theory import load_programme_theory
    >>> trial_chapter_href(load_programme_theory(), load_units())
    '../kobenhavn/05_long_term.html'
    """
    for unit in units:
        for spec in report_chapters(unit, theory):
            if spec.data == TRIAL_DATA:
                return f"../{unit.id}/{spec.page}.html"
    return ""


def unit_cells(cells: pd.DataFrame, unit: Unit, units: list[Unit]) -> pd.DataFrame:
    """The cells a unit's chapters may show: for "Alle" its members and the pool; for a monitored
    municipality its own and the pool's, which its figures draw beside its own bars.

    Examples
    --------
    >>> cells = pd.DataFrame({"municipality": ["Kolding", "Odense", "Alle"]})
    >>> units = [Unit("kolding", "Kolding", True), Unit("odense", "Odense", True),
    ...          Unit("alle", "Alle", True)]
    >>> unit_cells(cells, units[0], units)["municipality"].tolist()
    ['Kolding', 'Alle']
    >>> unit_cells(cells, units[2], units)["municipality"].tolist()
    ['Kolding', 'Odense', 'Alle']
    """
    if unit.is_pooled:
        names = [u.name for u in pooled_members(units)] + [POOLED_NAME]
    elif unit.monitored:
        names = [unit.name, POOLED_NAME]
    else:  # nothing of its own to stand beside: no figures, so no pooled cells either
        names = [unit.name]
    return cells[cells["municipality"].isin(names)].reset_index(drop=True)

