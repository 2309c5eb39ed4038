"""What an indicator figure draws: one row per bar, taken from the published cells only.

A municipality is drawn beside the pool ("Alle"); the pooled unit shows the municipalities it
pools beside "Alle". A suppressed cell gives a bar row marked ``hidden`` whose value
is NaN whatever the cell holds, so nothing downstream can draw it. The assessments' contrasts
(cells of ``kind`` "difference") are not bars and are left out.
"""

from __future__ import annotations

import pandas as pd

from dsr_analysis.cells import POOLED_NAME as POOLED
from dsr_analysis.cells import TOTAL_COLUMN, ordinary_cells
from dsr_analysis.programme_theory import Indicator, ProgrammeTheory
from dsr_analysis.report.assessment import series_cells
from dsr_analysis.report.text import display_label
from dsr_analysis.report.units import Unit

#: The columns of :func:`figure_bars`, one row per drawn bar or placeholder. ``number`` is the
#: cell's published number as the tables show it (a share as a fraction, a count, a mean).
BAR_COLUMNS = (
    "key",
    "municipality",
    "who",
    "category",
    "n",
    "number",
    "value",
    "low",
    "high",
    "hidden",
)


def unit_name(municipality: str, theory: ProgrammeTheory, lang: str) -> str:
    """The name a page shows for a cells ``municipality`` ("Alle" has a longer one)."""
    return theory.word("pooled_name", lang) if municipality == POOLED else municipality


def municipalities_shown(cells: pd.DataFrame, unit: Unit) -> list[str]:
    """The municipalities a figure or side-by-side table shows, the pooled "Alle" last.

    Examples
    --------
    >>> cells = pd.DataFrame({"municipality": ["Odense", "Alle", "Kolding"]})
    >>> municipalities_shown(cells, Unit("alle", "Alle", True))
    ['Kolding', 'Odense', 'Alle']
    >>> municipalities_shown(cells, Unit("kolding", "Kolding", True))
    ['Kolding', 'Alle']
    """
    if not unit.is_pooled:
        return [unit.name, POOLED]
    others = sorted(m for m in cells["municipality"].unique() if m != POOLED)
    return others + [POOLED]


def cell_keys(cells: pd.DataFrame) -> pd.Series:
    """Each cell's key ``table|municipality|column|label``, as the figure's data-cells list it."""
    return (
        cells["table"] + "|" + cells["municipality"] + "|" + cells["column"] + "|" + cells["label"]
    )


def entirely_hidden(cells: pd.DataFrame, table: str, unit: Unit) -> bool:
    """Whether the unit publishes no visible cell of ``table`` (then no chart is drawn).

    Examples
    --------
    >>> cells = pd.DataFrame({"table": ["7-8"] * 2, "municipality": ["Kolding", "Alle"],
    ...     "value": [None, 0.8], "suppressed": [True, False]})
    >>> entirely_hidden(cells, "7-8", Unit("kolding", "Kolding", True))
    True
    >>> entirely_hidden(cells, "7-8", Unit("alle", "Alle", True))
    False
    """
    rows = ordinary_cells(cells)
    rows = rows[(rows["table"] == table) & (rows["municipality"] == unit.name)]
    return bool((rows["suppressed"].astype(bool) | rows["value"].isna()).all())


def figure_bars(
    cells: pd.DataFrame, indicator: Indicator, unit: Unit, theory: ProgrammeTheory, lang: str
) -> pd.DataFrame:
    """One row per bar of the indicator's figure, in drawing order (columns BAR_COLUMNS).

    ``category`` is the bar's place on the category axis (a municipality for a threshold, a
    period or measurement for a change, a category for a development), ``who`` the unit it
    belongs to. ``value``, ``low`` and ``high`` are in the axis' units (percent for shares) and
    NaN for a suppressed cell, whatever the cell holds; ``low``/``high`` are NaN too where the
    cells carry no 95 % interval.

    Examples
    --------
    >>> from dsr_analysis.programme_theory import Criterion, Text, load_programme_theory
    >>> cells = pd.DataFrame({"table": ["7-8"] * 2, "municipality": ["Kolding", "Alle"],
    ...     "column": ["Total"] * 2, "label": ["Tema"] * 2, "code": [1, 1], "n": [66, 220],
    ...     "count": [None, 176], "value": [0.3, 0.8], "suppressed": [True, False]})
    >>> criterion = Criterion("at_least", "7-8", Text("", ""), label="Tema", threshold=0.5)
    >>> bars = figure_bars(cells, Indicator("x", Text("", ""), ("7-8",), criterion),
    ...     Unit("kolding", "Kolding", True), load_programme_theory().with_unit_count(2), "da")
    >>> bars[["who", "value", "hidden"]].to_dict("list")
    {'who': ['Kolding', 'Alle to kommuner'], 'value': [nan, 80.0], 'hidden': [True, False]}
    """
    c = indicator.criterion
    cells = ordinary_cells(cells)
    who = municipalities_shown(cells, unit)
    part = cells[(cells["table"] == c.table) & cells["municipality"].isin(who)]
    if c.kind in ("rises", "falls"):
        part = series_cells(part, c.table, c.label)
        category = part["point"].map(lambda point: theory.column_label(point, lang))
    elif c.kind == "more_positive_than_negative":
        part = part[part["column"] == c.column]
        category = display(part, "label", theory, lang)
    else:
        part = part[part["column"] == (c.column or TOTAL_COLUMN)]
        if c.label is not None:
            part = part[part["label"] == c.label]
        category = part["municipality"].map(lambda m: unit_name(m, theory, lang))
    field = value_field(indicator)
    hidden = part["suppressed"].astype(bool) | part[field].isna()
    number = pd.to_numeric(part[field], errors="coerce").where(~hidden)
    scale = 100.0 if theory.tables[c.table].kind == "share" and field == "value" else 1.0
    bars = pd.DataFrame(
        {
            "key": cell_keys(part),
            "municipality": part["municipality"],
            "who": part["municipality"].map(lambda m: unit_name(m, theory, lang)),
            "category": category,
            "n": pd.to_numeric(part["n"], errors="coerce"),
            "number": number,
            "value": number * scale,
            "low": _bound(part, "ci_low", hidden, field) * scale,
            "high": _bound(part, "ci_high", hidden, field) * scale,
            "hidden": hidden.astype(bool),
        },
        columns=list(BAR_COLUMNS),
    )
    place = {m: i for i, m in enumerate(who)}
    # Categories in the table's order; a threshold's categories are the units, in shown order.
    by_unit = c.kind in ("at_least", "at_most")
    ordered = bars.sort_values("municipality", key=lambda m: m.map(place), kind="stable")
    names = ordered["category"] if by_unit else bars["category"]
    categories = {name: i for i, name in enumerate(dict.fromkeys(names))}
    order = bars.assign(
        _category=bars["category"].map(categories), _who=bars["municipality"].map(place)
    ).sort_values(["_category", "_who"], kind="stable")
    return bars.loc[order.index].reset_index(drop=True)


def value_field(indicator: Indicator) -> str:
    """The cells column the figure draws: the criterion's field for a threshold, else value."""
    c = indicator.criterion
    return c.field if c.kind in ("at_least", "at_most") else "value"


def _bound(part: pd.DataFrame, column: str, hidden: pd.Series, field: str) -> pd.Series:
    # Intervals belong to values; a threshold on a count has none.
    if column not in part or field != "value":
        return pd.Series(float("nan"), index=part.index)
    return pd.to_numeric(part[column], errors="coerce").where(~hidden)


def display(part: pd.DataFrame, column: str, theory: ProgrammeTheory, lang: str) -> pd.Series:
    """A label or column as the tables show it: ``label_display`` (the raw text if absent),
    without the questionnaire's instructions (:func:`~dsr_analysis.report.text.display_label`).
    """
    shown = f"{column}_display"
    raw = part[shown].fillna(part[column]) if shown in part else part[column]
    return raw.map(lambda text: display_label(text, theory, lang))
