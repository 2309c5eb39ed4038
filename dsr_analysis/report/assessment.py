"""Assessing an indicator: where its 95 % interval lies against its success criterion.

An assessment reads only published cells. The figure a criterion judges carries its interval
(``ci_low``, ``ci_high``), computed by the design from the children's data and released through
the same disclosure control as every other number:

- a change (``rises`` / ``falls``): the table's contrast row for the criterion's series,
- positive against negative development: the table's balance row for the criterion's item,
- a share against a threshold (``at_least`` / ``at_most``): the share's own interval,
- a count of registered children against a threshold: the count itself (a census, no
  sampling interval).

Outcomes: *met* when the interval lies on the expected side of the criterion, *not met* when
it lies on the other side, *no clear change* when it straddles the criterion, *too little data*
when a figure is hidden or missing, or a compared group has fewer children than the criterion's
``min_n``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import pandas as pd

from dsr_analysis import cells as cells_contract
from dsr_analysis.programme_theory import (
    MET,
    NO_CLEAR_CHANGE,
    NOT_MET,
    TOO_LITTLE_DATA,
    Indicator,
    ProgrammeTheory,
)


@dataclass(frozen=True)
class Assessment:
    """The result of judging one indicator on the published cells of one unit.

    ``n`` holds the children behind each compared figure (None where the group size is
    hidden); ``values`` the compared figures
    (start and end of a change, positive and negative shares, or the one share);
    ``estimate``, ``low`` and ``high`` the figure the criterion judges with its 95 % interval
    (``low == high == estimate`` for an exact count); ``reason`` says why there were too few
    data ("missing", "suppressed", "small_n" or "no_interval").
    """

    indicator: str
    status: str
    n: tuple[int, ...] = ()
    values: tuple[float, ...] = ()
    estimate: float = math.nan
    low: float = math.nan
    high: float = math.nan
    reason: str = ""

    @property
    def exact(self) -> bool:
        """Whether the judged figure is a count, with no sampling uncertainty."""
        return not math.isnan(self.estimate) and self.low == self.high == self.estimate


def check_cells(cells: pd.DataFrame) -> None:
    """Raise ConfigurationError unless ``cells`` has the published-cells columns."""
    cells_contract.check_columns(cells)


def series_cells(cells: pd.DataFrame, table: str, series: str | None) -> pd.DataFrame:
    """The cells of one series of a table, with its points (periods, measurements) in ``point``.

    A series is a row whose points are columns ("Det pædagogiske personale" across
    "Periode 1..3"), or a column whose points are rows (the start/latest tables publish the
    scale item as the column and "Startmåling"/"Nyeste måling" as rows); both read the same.
    ``series=None`` means the table's only row. "Total" and contrast rows are not points.

    Examples
    --------
    >>> cells = pd.DataFrame({"table": ["7-24"] * 2, "municipality": ["Alle"] * 2,
    ...     "column": ["Item"] * 2, "label": ["Startmåling", "Nyeste måling"], "code": [1, 2],
    ...     "n": [90, 90], "count": [None, None], "value": [5.5, 6.3], "suppressed": [False] * 2})
    >>> series_cells(cells, "7-24", "Item")["point"].tolist()
    ['Startmåling', 'Nyeste måling']
    """
    part = cells_contract.ordinary_cells(cells[cells["table"] == table])
    if series is None:
        rows = part.assign(point=part["column"])
    else:
        rows = part[part["label"] == series].assign(point=lambda f: f["column"])
        if rows.empty:
            rows = part[part["column"] == series].assign(point=lambda f: f["label"])
    return rows[rows["point"] != cells_contract.TOTAL_COLUMN]


def contrast_row(cells: pd.DataFrame, table: str, series: str | None) -> pd.Series | None:
    """The contrast row a change criterion reads: the table's difference row of the series."""
    if "kind" not in cells:
        return None
    part = cells[(cells["table"] == table) & (cells["kind"] == cells_contract.DIFFERENCE)]
    if series is not None:
        by_label = part[part["label"] == series]
        part = by_label if not by_label.empty else part[part["column"] == series]
    return part.iloc[0] if len(part) == 1 else None


def assess(indicator: Indicator, cells: pd.DataFrame, municipality: str) -> Assessment:
    """Judge ``indicator`` on the published cells of ``municipality`` (a name, or "Alle").

    Examples
    --------
    >>> from dsr_analysis.programme_theory import Criterion, Text
    >>> cells = pd.DataFrame({
    ...     "table": "7-18", "municipality": "Alle",
    ...     "column": ["Periode 1", "Periode 3", "Ændring"],
    ...     "label": "Staff", "code": "1", "n": [73, 74, None], "count": [38, 57, None],
    ...     "value": [0.52, 0.77, 0.25], "ci_low": [0.41, 0.66, 0.095],
    ...     "ci_high": [0.63, 0.85, 0.389], "kind": ["share", "share", "difference"],
    ...     "suppressed": False})
    >>> criterion = Criterion("rises", "7-18", Text("", ""), label="Staff",
    ...                       start="Periode 1", end="Periode 3")
    >>> result = assess(Indicator("x", Text("", ""), ("7-18",), criterion), cells, "Alle")
    >>> result.status, result.n, round(result.low, 3)
    ('met', (73, 74), 0.095)
    """
    check_cells(cells)
    own = cells[cells["municipality"] == municipality]
    kind = indicator.criterion.kind
    if kind in ("rises", "falls"):
        return _assess_change(indicator, own)
    if kind == "more_positive_than_negative":
        return _assess_balance(indicator, own)
    return _assess_threshold(indicator, own)


def _number(value) -> float:
    try:
        return math.nan if value is None or pd.isna(value) else float(value)
    except (TypeError, ValueError):
        return math.nan


def _n(cell) -> int | None:
    """The n of a cell: 0 when there is no cell, None when the group size is hidden."""
    if cell is None:
        return 0
    n = _number(cell["n"])
    return None if math.isnan(n) else int(n)


def _too_few(n: tuple, min_n: int) -> bool:
    # A hidden group size is a small one as far as the reader knows.
    return any(value is None or value < min_n for value in n)


def _hidden(cell) -> bool:
    return bool(cell["suppressed"]) or math.isnan(_number(cell["value"]))


def _too_little(indicator, reason, n=(), values=()) -> Assessment:
    return Assessment(indicator.id, TOO_LITTLE_DATA, tuple(n), tuple(values), reason=reason)


def _judged(indicator, estimate, low, high, n, values, better_if_above: bool,
            line: float = 0.0) -> Assessment:
    """The outcome of an interval against a line: above it, below it, or across."""
    if math.isnan(low) or math.isnan(high):
        return _too_little(indicator, "no_interval", n, values)
    if (low > line) if better_if_above else (high < line):
        status = MET
    elif (high < line) if better_if_above else (low > line):
        status = NOT_MET
    else:
        status = NO_CLEAR_CHANGE
    return Assessment(indicator.id, status, tuple(n), tuple(values), estimate, low, high)


def _point(rows, point):
    found = rows[rows["point"] == point]
    return found.iloc[0] if len(found) == 1 else None


def _assess_change(indicator, own) -> Assessment:
    c = indicator.criterion
    rows = series_cells(own, c.table, c.label)
    before, after = _point(rows, c.start), _point(rows, c.end)
    n = (_n(before), _n(after))
    if before is None or after is None:
        return _too_little(indicator, "missing", n)
    if _hidden(before) or _hidden(after):
        return _too_little(indicator, "suppressed", n)
    values = (float(before["value"]), float(after["value"]))
    if _too_few(n, c.min_n):
        return _too_little(indicator, "small_n", n, values)
    contrast = contrast_row(own, c.table, c.label)
    if contrast is None:
        return _too_little(indicator, "no_interval", n, values)
    if _hidden(contrast):
        return _too_little(indicator, "suppressed", n, values)
    return _judged(indicator, float(contrast["value"]), _number(contrast["ci_low"]),
                   _number(contrast["ci_high"]), n, values, c.kind == "rises")


def _assess_balance(indicator, own) -> Assessment:
    """Positive against negative development of one item: the balance row and its interval."""
    c = indicator.criterion
    series = own[(own["table"] == c.table) & (own["column"] == c.column)]
    balance = contrast_row(series, c.table, None)
    ordinary = cells_contract.ordinary_cells(series)
    n = (int(ordinary["n"].max()),) if ordinary["n"].notna().any() else (0,)
    if balance is None:
        return _too_little(indicator, "missing", n)
    if _hidden(balance):
        return _too_little(indicator, "suppressed", n)
    if _too_few(n, c.min_n):
        return _too_little(indicator, "small_n", n)
    shares = []
    for labels in (c.positive_labels, c.negative_labels):
        part = ordinary[ordinary["label"].isin(labels)]
        shown = part if not part["suppressed"].astype(bool).any() else None
        shares.append(math.nan if shown is None else float(shown["value"].sum()))
    return _judged(indicator, float(balance["value"]), _number(balance["ci_low"]),
                   _number(balance["ci_high"]), n, shares, True)


def _assess_threshold(indicator, own) -> Assessment:
    c = indicator.criterion
    found = own[own["table"] == c.table]
    found = found[found["column"] == (c.column or cells_contract.TOTAL_COLUMN)]
    if c.label is not None:
        found = found[found["label"] == c.label]
    found = cells_contract.ordinary_cells(found)
    cell = found.iloc[0] if len(found) == 1 else None
    n = (_n(cell),)
    if cell is None:
        return _too_little(indicator, "missing", n)
    value = _number(cell[c.field])
    if bool(cell["suppressed"]) or math.isnan(value):
        return _too_little(indicator, "suppressed", n)
    if _too_few(n, c.min_n):
        return _too_little(indicator, "small_n", n, (value,))
    above = c.kind == "at_least"
    if c.field == "count":
        # A count of registered children is a census, not an estimate: it is what it is.
        ok = value >= c.threshold if above else value <= c.threshold
        status = MET if ok else NOT_MET
        return Assessment(indicator.id, status, n, (value,), value, value, value)
    low, high = _number(cell.get("ci_low")), _number(cell.get("ci_high"))
    if above:
        return _judged(indicator, value, low, high, n, (value,), True, c.threshold)
    # At most: met when even the upper bound stays at or below the threshold.
    return _judged(indicator, value, low, high, n, (value,), False, c.threshold)


def assess_all(theory: ProgrammeTheory, cells: pd.DataFrame, municipality: str) -> pd.DataFrame:
    """Assess every indicator of every level for one unit, in programme-theory order.

    Returns
    -------
    pandas.DataFrame
        Columns ``level``, ``indicator``, ``status``, ``n`` (tuple), ``reason`` and the
        ``assessment`` object.

    Examples
    --------
    >>> from dsr_analysis.programme_theory import load_programme_theory
    >>> empty = pd.DataFrame(columns=list(cells_contract.REQUIRED) + ["kind"])
    >>> assess_all(load_programme_theory(), empty, "Kolding")["status"].unique().tolist()
    ['too_little_data']
    """
    rows = []
    for level in theory.levels:
        for indicator in level.indicators:
            result = assess(indicator, cells, municipality)
            rows.append({"level": level.id, "indicator": indicator.id, "status": result.status,
                         "n": result.n, "reason": result.reason, "assessment": result})
    columns = ["level", "indicator", "status", "n", "reason", "assessment"]
    return pd.DataFrame(rows, columns=columns)


def unmatched_references(theory: ProgrammeTheory, cells: pd.DataFrame) -> list[str]:
    """List criterion references (table, label, column) that no pooled cell matches.

    Run against a full build's cells, an empty list means every criterion names rows and
    columns the tables really publish, so no assessment is "too little data" by a typo.
    """
    check_cells(cells)
    pooled = cells[cells["municipality"] == cells_contract.POOLED_NAME]
    problems = []
    for level in theory.levels:
        for indicator in level.indicators:
            c = indicator.criterion
            if c.kind in ("rises", "falls"):
                rows = series_cells(pooled, c.table, c.label)
                wanted = [(c.label, c.start), (c.label, c.end)]
                found = [_point(rows, point) is not None for _, point in wanted]
            elif c.kind == "more_positive_than_negative":
                wanted = [(label, c.column) for label in c.positive_labels + c.negative_labels]
                found = [_exists(pooled, c.table, label, column) for label, column in wanted]
            else:
                wanted = [(c.label, c.column or cells_contract.TOTAL_COLUMN)]
                found = [_exists(pooled, c.table, label, column) for label, column in wanted]
            for (label, column), ok in zip(wanted, found, strict=True):
                if not ok:
                    problems.append(
                        f"{indicator.id}: table {c.table}, label {label!r}, column {column!r}"
                    )
    return problems


def _exists(cells, table, label, column) -> bool:
    part = cells[(cells["table"] == table) & (cells["column"] == column)]
    if label is not None:
        part = part[part["label"] == label]
    return len(part) == 1
