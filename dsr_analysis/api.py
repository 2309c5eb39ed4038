"""The researcher's API: ``import dsr_analysis as dsr`` in a notebook.

Six functions, from an export to what a page shows::

    data = dsr.load()                        # the bundled (or a given) export, validated, tidy
    dsr.table("7-5", data)                   # a NIRAS table's published cells (a DataFrame)
    dsr.measure("start_shares", data, "initiative")   # any measure of measures.py
    dsr.figure("7-18", data, "kolding")      # a table's figure (a matplotlib Figure)
    dsr.indicator("staff_take_initiative", "kolding", data)  # one indicator, rendered
    dsr.chapter("immediate", "kolding", data)            # a whole chapter, rendered

What they show by default are published cells: disclosure-controlled as ``dsr tables`` does it
(``min_cell=5``; ``min_cell=1`` turns suppression off for analysts entitled to see every cell).
:func:`measure` hides counts and groups below ``min_cell`` but knows no complementary cells:
its numbers are for the analyst, :func:`table`'s are a release. The bundled data are loaded
once per session, and each data set computes its cells once per ``min_cell`` and language.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import pandas as pd

from dsr_analysis import cells as cells_contract
from dsr_analysis import config, measures, tidy
from dsr_analysis.cells import POOLED_ID, POOLED_NAME
from dsr_analysis.codebook import Codebook, default_codebook
from dsr_analysis.programme_theory import load_programme_theory
from dsr_analysis.report.chapter import Chapter
from dsr_analysis.report.html_tables import table_frame
from dsr_analysis.report.outline import Fragment
from dsr_analysis.tables import report_cells
from dsr_analysis.tables_spec import load_tables_spec

__all__ = ["Data", "chapter", "figure", "indicator", "load", "measure", "table"]


@dataclass(eq=False)
class Data:
    """One validated export as tidy frames (see :mod:`dsr_analysis.tidy`), without "Alle".

    ``export`` is the typed export; ``registrations``, ``children``, ``answers`` and ``scores``
    its tidy tables, one observation per row. They are child-level: look, never publish.
    """

    export: pd.DataFrame
    registrations: pd.DataFrame
    children: pd.DataFrame
    answers: pd.DataFrame
    scores: pd.DataFrame
    synthetic: bool
    codebook: Codebook
    _cells: dict = field(default_factory=dict, repr=False)

    def cells(self, min_cell: int = config.DEFAULT_MIN_CELL, lang: str = "da") -> pd.DataFrame:
        """Every published cell of every table (Danish labels; ``label_display`` and
        ``column_display`` in ``lang``), computed once per ``min_cell`` and language."""
        key = (min_cell, lang)
        if key not in self._cells:
            self._cells[key] = report_cells(self.export, min_cell, lang, self.codebook)
        return self._cells[key]

    def __repr__(self) -> str:
        # Never the frames themselves: they are child-level.
        kind = "synthetic" if self.synthetic else "real"
        places = ", ".join(sorted(self.children["municipality"].unique()))
        return (f"<dsr Data: {len(self.export)} registrations of {len(self.children)} children "
                f"({kind}; {places})>")


def load(path: Path | str | None = None) -> Data:
    """Read and validate an export (CSV or .xlsx) and tidy it.

    ``path`` defaults to the bundled synthetic export, which is loaded once per session (the
    same :class:`Data` each time: copy a frame before changing it).

    Raises
    ------
    dsr_analysis.errors.InputValidationError
        If the export breaks a rule of ``data/README.md``; every problem is listed.

    Examples
    --------
    >>> data = load()
    >>> data
    <dsr Data: 509 registrations of 226 children (synthetic; Faaborg-Midtfyn, ...)>
    >>> list(data.children.columns)[:3]
    ['child_id', 'municipality', 'start_date']
    """
    if path is None:
        return _bundled()
    return _data(Path(path))


@lru_cache(maxsize=1)
def _bundled() -> Data:
    return _data(config.SYNTHETIC_EXPORT_PATH)


def _data(path: Path) -> Data:
    from dsr_analysis.export import load_export

    codebook = default_codebook()
    export = load_export(path, codebook)
    return Data(
        export=export,
        registrations=tidy.registrations(export, codebook),
        children=tidy.children(export, codebook),
        answers=tidy.answers(export, codebook),
        scores=tidy.scale_scores(export, codebook),
        synthetic=bool(export["synthetic"].any()),
        codebook=codebook,
    )


def _unit_names(unit: str) -> tuple[str, str]:
    """A unit's id and its name in the cells ("kolding", "Kolding") from either."""
    from dsr_analysis.report.units import load_units

    for candidate in load_units():
        if unit.casefold() in (candidate.id.casefold(), candidate.name.casefold()):
            return candidate.id, candidate.name
    if unit.casefold() == POOLED_ID:
        return POOLED_ID, POOLED_NAME
    return unit, unit  # unknown: Chapter says which units there are


def table(table_id: str, data: Data | None = None, municipality: str | None = None, *,
          min_cell: int = config.DEFAULT_MIN_CELL, lang: str = "da",
          wide: bool = False) -> pd.DataFrame:
    """A NIRAS table (an id of ``data/tables.yml``) as its published cells.

    One row per cell, with the columns of ``dsr tables`` (``value`` is NaN where
    ``suppressed``); ``municipality`` (a name or unit id) keeps one unit's rows. ``wide=True``
    gives the table as a chapter shows it: rows x columns, formatted, hidden cells marked (for
    ``municipality``, by default the four pooled).

    Examples
    --------
    >>> cells = table("7-5")
    >>> cells.loc[cells["municipality"] == "Alle", ["label", "count", "n"]].head(2)
      label  count    n
    0    Ja     20  220
    1   Nej    178  220
    >>> table("7-5", municipality="kolding", wide=True).shape[1]
    1
    """
    cells = (data or _bundled()).cells(min_cell, lang)
    known = list(dict.fromkeys(cells["table"]))
    if table_id not in known:
        raise ValueError(f"no table {table_id!r}; known: {', '.join(known)}")
    name = _unit_names(municipality)[1] if municipality else None
    if wide:
        theory = load_programme_theory()
        return table_frame(cells, table_id, name or POOLED_NAME, theory, lang)
    part = cells[(cells["table"] == table_id)
                 & ((cells["municipality"] == name) if name else True)]
    if lang != "da":
        part = part.assign(label=part["label_display"], column=part["column_display"])
    return part[list(cells_contract.COLUMNS)].reset_index(drop=True)


#: Each measure of :mod:`dsr_analysis.measures` and the tidy table it reads.
MEASURES = {
    "children_count": "children", "age_group_shares": "children", "mean_age": "children",
    "start_shares": "answers", "ever_shares": "answers", "first_answer_shares": "answers",
    "ever_yes_shares": "answers", "quarter_shares": "answers",
    "wave_means": "scores", "start_latest_means": "scores", "start_latest_change": "scores",
    "development_shares": "scores",
}


def measure(name: str, data: Data | None = None, question: str | None = None,
            by: tuple[str, ...] = ("municipality",), *,
            min_cell: int = config.DEFAULT_MIN_CELL, pooled: bool = True) -> pd.DataFrame:
    """Any measure of :mod:`dsr_analysis.measures` on the data, as a DataFrame.

    ``question`` is a codebook question id (all but ``children_count``, ``age_group_shares``
    and ``mean_age`` need one); ``by`` the columns to group by (``"period"`` too for the
    by-period tables); ``pooled`` adds the four municipalities pooled as "Alle". Counts of
    1 to ``min_cell - 1`` and groups smaller than ``min_cell`` are hidden (``value``,
    ``count`` and intervals NaN, ``suppressed`` True; standard deviations are dropped), but
    no complementary cells are: for a release, use :func:`table`.

    Examples
    --------
    >>> shares = measure("start_shares", question="initiative")
    >>> shares.loc[shares["municipality"] == "Alle", ["code", "n", "count"]].head(2)
       code    n  count
    0     1  220    144
    1     2  220     27
    """
    if name not in MEASURES:
        raise ValueError(f"no measure {name!r}; known: {', '.join(MEASURES)}")
    data = data or _bundled()
    frame = getattr(data, MEASURES[name])
    if pooled:
        frame = measures.with_total(frame, "municipality", POOLED_NAME)
    function = getattr(measures, name)
    codebook = data.codebook
    if name == "age_group_shares":
        result = function(frame, codebook.question(question or "age").codes, list(by))
    elif MEASURES[name] == "children":
        result = function(frame, list(by))
    elif question is None:
        raise ValueError(f"measure {name!r} needs a question (a codebook question id)")
    elif name == "development_shares":
        q = codebook.question(question)
        steps = load_tables_spec().development_small_max_steps[q.type]
        result = function(frame, q, steps, list(by))
    else:
        result = function(frame, codebook.question(question), list(by))
    return _hidden_below(result, min_cell)


def _hidden_below(result: pd.DataFrame, min_cell: int) -> pd.DataFrame:
    """The measure's rows with small counts and small groups hidden (primary suppression)."""
    if min_cell <= 1:
        return result.assign(suppressed=False)
    small = pd.Series(False, index=result.index)
    for column in ("count", "n"):
        if column in result:
            values = pd.to_numeric(result[column], errors="coerce")
            small |= (values > 0) & (values < min_cell)
    numbers = [c for c in result.columns if c in ("count", "value", "ci_low", "ci_high", "mean")]
    hidden = result.drop(columns=[c for c in result.columns if c == "sd"])
    for column in numbers:
        values = hidden[column]
        if pd.api.types.is_integer_dtype(values):
            values = values.astype("Int64")  # whole numbers stay whole, with <NA> where hidden
        hidden[column] = values.mask(small)
    return hidden.assign(suppressed=small.to_numpy())


def _chapter_of(level: str, unit: str, data: Data | None, min_cell: int, lang: str) -> Chapter:
    cells = (data or _bundled()).cells(min_cell, lang)
    return Chapter(level, _unit_names(unit)[0], lang=lang, min_cell=min_cell, cells=cells)


def _level_of(indicator_id: str) -> str:
    theory = load_programme_theory()
    for level in theory.levels:
        if any(i.id == indicator_id for i in level.indicators):
            return level.id
    known = ", ".join(i.id for level in theory.levels for i in level.indicators)
    raise ValueError(f"no indicator {indicator_id!r}; known: {known}")


def _indicator_of_table(name: str) -> str:
    """The indicator whose figure draws table ``name`` (or ``name``, an indicator id)."""
    theory = load_programme_theory()
    indicators = [i for level in theory.levels for i in level.indicators]
    if any(i.id == name for i in indicators):
        return name
    drawing = [i.id for i in indicators if i.criterion.table == name]
    if len(drawing) == 1:
        return drawing[0]
    if drawing:
        raise ValueError(f"table {name!r} has a figure per indicator: pass one of "
                         f"{', '.join(drawing)}")
    tables = ", ".join(dict.fromkeys(i.criterion.table for i in indicators))
    raise ValueError(f"no figure draws {name!r}; the tables with a figure: {tables}")


def figure(name: str, data: Data | None = None, unit: str = POOLED_ID, *,
           min_cell: int = config.DEFAULT_MIN_CELL, lang: str = "da"):
    """A table's figure (or an indicator's: ``name`` is a table or an indicator id) for a
    unit, as the chapter draws it, as a matplotlib Figure (None when the page draws none).

    Examples
    --------
    >>> fig = figure("7-18", unit="kolding")
    >>> type(fig).__name__
    'Figure'
    """
    indicator_id = _indicator_of_table(name)
    return _chapter_of(_level_of(indicator_id), unit, data, min_cell, lang).figure(indicator_id)


def indicator(indicator_id: str, unit: str = POOLED_ID, data: Data | None = None, *,
              min_cell: int = config.DEFAULT_MIN_CELL, lang: str = "da") -> Fragment:
    """One indicator of the programme theory for a unit, rendered as its chapter shows it
    (question, criterion, assessment, table and figure); a notebook cell shows it as HTML.

    Examples
    --------
    >>> shown = indicator("staff_take_initiative", "kolding")
    >>> shown._repr_html_().startswith("<section class='indicator'")
    True
    """
    chapter_ = _chapter_of(_level_of(indicator_id), unit, data, min_cell, lang)
    return Fragment(chapter_.render_indicator(indicator_id))


def chapter(level: str, unit: str = POOLED_ID, data: Data | None = None, *,
            min_cell: int = config.DEFAULT_MIN_CELL, lang: str = "da") -> Chapter:
    """A chapter (a level of the programme theory) for a unit, on the data's published cells.

    A notebook cell showing it renders the whole chapter; ``.outline()`` gives the level's
    narrative and the calls behind each indicator, ``.table()``, ``.figure()`` and
    ``.indicator()`` its parts.

    Examples
    --------
    >>> immediate = chapter("immediate", "kolding")
    >>> immediate.name, [i.id for i in immediate.level.indicators][:1]
    ('Kolding', ['staff_take_initiative'])
    >>> "<h1 class='chapter-title'" in immediate._repr_html_()
    True
    """
    return _chapter_of(level, unit, data, min_cell, lang)
