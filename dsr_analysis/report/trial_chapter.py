"""What Copenhagen's long-term chapter displays: its prose, the formatted KBH tables, the
comparison with the published figures, a figure of the differences and the economy's
assumptions, all from the trial's published cells.

The notebook ``notebooks/kbh_long_term.ipynb`` only calls these functions. Its ``data_path``
is a published trial-cells CSV, as ``dsr trial cells --out`` writes it (tables KBH-1 to KBH-7,
already suppressed by the design, ``trial/cells.py``); ``dsr reports`` computes
it before the chapter runs and passes its path. The words come from data
(:mod:`~dsr_analysis.report.trial_text`), so ``language="en"`` gives the English edition. No
function here imports the trial design: the layout, labels and primary outcomes are read from
``data/trial/tables.yml``.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from dsr_analysis import config
from dsr_analysis.cells import read_cells
from dsr_analysis.config import DEFAULT_MIN_CELL
from dsr_analysis.errors import ConfigurationError
from dsr_analysis.report.diagram import programme_theory_svg
from dsr_analysis.report.html_tables import html_table
from dsr_analysis.report.text import escape, number_text
from dsr_analysis.report.trial_figure import effects_figure, figure_html
from dsr_analysis.report.trial_text import (
    assumptions_markdown,
    cell_text,
    chapter_theory,
    column_keys,
    data_note,
    decimals,
    load_chapter_text,
    load_trial_layout,
    scale,
    section_html,
    suppression_note,
    table_caption,
    table_title,
)
from dsr_analysis.report.units import load_units

__all__ = [
    "DEFAULT_CELLS_PATH",
    "assumptions_markdown",
    "cell_text",
    "chapter_cells",
    "comparison_html",
    "comparison_table",
    "data_note",
    "diagram_html",
    "display_table",
    "effects_figure",
    "figure_html",
    "heading_html",
    "load_chapter_text",
    "section_html",
    "suppression_note",
    "table_caption",
    "table_html",
    "table_title",
    "trial_units",
]

#: Where the notebook looks for the trial's cells when it is given none (``data_path=""``).
DEFAULT_CELLS_PATH = config.BUILD_DIR / "trial" / "cells.csv"


def trial_units(units_path: Path | str = config.MUNICIPALITIES_PATH) -> dict[str, str]:
    """Return unit id -> name of the units with a trial (``trial: true`` in the units file).

    Examples
    --------
    >>> trial_units()
    {'kobenhavn': 'København'}
    """
    return {unit.id: unit.name for unit in load_units(units_path) if unit.trial}


def chapter_cells(
    municipality: str = "kobenhavn",
    data_path: Path | str | None = None,
    min_cell: int = DEFAULT_MIN_CELL,
    language: str = "da",
) -> pd.DataFrame:
    """Return the published KBH cells for the chapter of ``municipality`` (a unit id).

    ``data_path`` is a trial-cells CSV written by ``dsr trial cells --out`` (or by
    ``dsr reports``, which passes its own); empty or ``None`` means :data:`DEFAULT_CELLS_PATH`.
    Nothing is computed here.

    Raises
    ------
    ConfigurationError
        If ``municipality`` has no trial (only Copenhagen ran one), if there is no cells file
        (saying how to write one), or if the file was released with a smaller minimum cell
        size than ``min_cell`` or labelled in another language.

    Examples
    --------
    >>> chapter_cells("odense")
    Traceback (most recent call last):
    ...
    dsr_analysis.errors.ConfigurationError: the trial exists only for kobenhavn, not 'odense'
    """
    units = trial_units()
    if municipality not in units:
        known = ", ".join(units)
        raise ConfigurationError(f"the trial exists only for {known}, not {municipality!r}")
    path = Path(data_path) if data_path else DEFAULT_CELLS_PATH
    if not path.is_file():
        raise ConfigurationError(
            f"no trial cells at {path}: write them with "
            f"`dsr trial cells --min-cell {min_cell} --lang {language} --out {path}` "
            "(add --trial-data for a register extract), or build the chapter with dsr reports"
        )
    cells = read_cells(path)
    released = cells["min_cell"].dropna().unique() if "min_cell" in cells else []
    if len(released) != 1 or int(released[0]) < min_cell:
        raise ConfigurationError(
            f"{path.name} was not released with minimum cell size {min_cell} or more; "
            f"write it again with dsr trial cells --min-cell {min_cell}"
        )
    unknown = set(cells["column"]) - set(column_keys(language))
    if unknown:
        raise ConfigurationError(
            f"{path.name} is not labelled in {language!r} (columns {sorted(unknown)}); "
            f"write it again with dsr trial cells --lang {language}"
        )
    return cells


def heading_html(level_id: str, municipality: str = "kobenhavn", language: str = "da") -> str:
    """Return the chapter's heading as the other chapters print it: level title – unit name.

    Examples
    --------
    >>> heading_html("long_term")
    "<h1 class='chapter-title' data-level='long_term'>Virkning på lang sigt – København</h1>"
    """
    title = chapter_theory().level(level_id).title.get(language)
    name = trial_units().get(municipality, municipality)
    return (
        f"<h1 class='chapter-title' data-level='{escape(level_id)}'>"
        f"{escape(title)} – {escape(name)}</h1>"
    )


def diagram_html(level_id: str, municipality: str = "kobenhavn", language: str = "da") -> str:
    """Return the programme-theory diagram with ``level_id`` highlighted and no indicator dots.

    The trial answers the level's question itself; the monitoring's indicators are not
    assessed for Copenhagen, so none are drawn.

    Examples
    --------
    >>> "data-status" in diagram_html("long_term")
    False
    """
    theory = chapter_theory()
    svg = programme_theory_svg(theory, level_id, None, language)
    name = trial_units().get(municipality, municipality)
    caption = theory.word("diagram_caption_trial", language).format(name=name)
    return f"<figure class='diagram'>{svg}<figcaption>{escape(caption)}</figcaption></figure>"


def display_table(cells: pd.DataFrame, table_id: str, language: str = "da") -> pd.DataFrame:
    """Return one KBH table as printed: rows by label, columns by header, text cells.

    ``cells`` are as :func:`chapter_cells` returns them; the rows and columns come from the
    layout, so a cell the table does not cover prints "–".

    Examples
    --------
    >>> cells = pd.DataFrame({"table": "KBH-2", "code": "support", "label": "Modtog støtte (%)",
    ...     "column": ["Forskel"], "value": [0.03], "ci_low": [float("nan")],
    ...     "ci_high": [float("nan")], "suppressed": [False]})
    >>> display_table(cells, "KBH-2").iloc[0].tolist()
    ['–', '–', '3,0']
    """
    layout = load_trial_layout()
    spec = next(t for t in layout["tables"] if t["id"] == table_id)
    keys = {layout["columns"][k][language]: k for k in spec["columns"]}
    part = cells[cells["table"].eq(table_id)].copy()
    part["column_key"] = part["column"].map(keys)
    part["text"] = [cell_text(row, language) for _, row in part.iterrows()]
    table = part.pivot(index="label", columns="column", values="text")
    rows = [layout["rows"][code][language] for code in spec["rows"]]
    # A row and column the table does not cover print "–", never a blank or "nan".
    dash = layout["text"]["not_covered"][language]
    table = table.reindex(index=rows, columns=list(keys), fill_value=dash).fillna(dash)
    table.index.name, table.columns.name = None, None
    return table


def table_html(cells: pd.DataFrame, table_id: str, language: str = "da") -> str:
    """Return one KBH table as the report's other tables look: HTML with its caption."""
    caption = load_trial_layout()["text"]["caption"][language]
    return html_table(
        display_table(cells, table_id, language),
        caption=caption.format(id=table_id, title=table_title(table_id, language)),
    )


def comparison_table(cells: pd.DataFrame, language: str = "da") -> pd.DataFrame:
    """Return every estimate the source published: estimate, interval, published figure.

    One row per published figure (KBH-6 repeats KBH-4 and is left out); the last column says
    whether the published figure lies inside the 95 % interval.
    """
    layout = load_trial_layout()
    text = {key: words[language] for key, words in layout["text"].items()}
    shown = cells["published"].notna() & cells["ci_low"].notna() & ~cells["table"].eq("KBH-6")
    estimated = cells[shown].copy()
    estimated["column_key"] = estimated["column"].map(column_keys(language))
    records = []
    for _, cell in estimated.iterrows():
        unit = layout["rows"][cell["code"]]["unit"]
        places = decimals(unit, cell["column_key"])
        inside = cell["ci_low"] <= cell["published"] <= cell["ci_high"]
        records.append(
            {
                text["figure"]: f"{cell['table']}: {cell['label']}, {cell['column']}",
                text["estimate"]: cell_text(cell, language),
                text["published"]: number_text(cell["published"] * scale(unit), places, language),
                text["inside"]: text["yes"] if inside else text["no"],
            }
        )
    return pd.DataFrame.from_records(records).set_index(text["figure"]).rename_axis(None)


def comparison_html(cells: pd.DataFrame, language: str = "da") -> str:
    """Return :func:`comparison_table` as an HTML table like the report's others."""
    figure = load_trial_layout()["text"]["figure"][language]
    return html_table(comparison_table(cells, language), first_header=figure)
