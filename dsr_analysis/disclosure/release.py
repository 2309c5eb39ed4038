"""Applying disclosure control to a set of cells: the numbers a release may show.

:func:`suppress` is what the designs call: it builds the model of their full cells, chooses
the hidden nodes (:mod:`dsr_analysis.disclosure.protect`) and blanks every published number
that depends on a hidden node. :func:`primary_suppression` is the simple rule alone, for tables
whose relations the model does not describe (Copenhagen's trial, which hides the estimates
derived from a hidden cell itself).
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

from dsr_analysis.disclosure.model import Model, TableSpec, build_model
from dsr_analysis.disclosure.protect import Protection, protect
from dsr_analysis.errors import DsrError

#: Numbers blanked with a hidden value: the value itself and its interval.
VALUE_COLUMNS = ("value", "ci_low", "ci_high")


def check_min_cell(min_cell) -> None:
    """Refuse a minimum cell size that is not a whole number of at least 1."""
    if isinstance(min_cell, bool) or not isinstance(min_cell, (int, np.integer)) or min_cell < 1:
        raise DsrError(f"min_cell must be a whole number of at least 1, got {min_cell!r}")


def suppress(cells: pd.DataFrame, specs: Mapping[str, TableSpec], min_cell: int) -> pd.DataFrame:
    """The cells as they may be published: hidden numbers blank, in the input's row order.

    Adds ``suppressed`` (the value is hidden) and ``suppression`` ("primary" when the value
    rests on a small number itself, "secondary" when it is hidden to protect another, "");
    ``suppression`` is for analysts only: publishing it would say which hidden cells are small.

    Examples
    --------
    >>> cells = pd.DataFrame({"table": "T", "municipality": ["A", "B", "C", "Alle"],
    ...     "column": "Total", "label": "yes", "n": [20, 20, 20, 60], "count": [3, 10, 12, 25],
    ...     "value": [0.15, 0.5, 0.6, 25 / 60], "kind": "share"})
    >>> out = suppress(cells, {"T": TableSpec(population="p")}, 5)
    >>> out[["municipality", "count", "suppression"]].values.tolist()
    [['A', nan, 'primary'], ['B', nan, 'secondary'], ['C', 12.0, ''], ['Alle', 25.0, '']]
    """
    check_min_cell(min_cell)
    model = build_model(cells, specs)
    return blanked(model, protect(model, min_cell))


def blanked(model: Model, protection: Protection) -> pd.DataFrame:
    """The model's cells with every number that depends on a hidden node blanked."""
    hidden, primary = protection.hidden, protection.primary
    value_hidden = np.array([hidden[list(nodes)].any() for nodes in model.value_nodes], bool)
    interval_hidden = np.array(
        [hidden[list(nodes)].any() for nodes in model.interval_nodes], bool
    )
    value_primary = np.array([primary[list(nodes)].any() for nodes in model.value_nodes], bool)
    out = model.cells.copy()
    for column, gone in (("value", value_hidden), ("ci_low", interval_hidden),
                         ("ci_high", interval_hidden)):
        if column in out:
            out[column] = out[column].astype(float).where(~gone)
    for column, nodes in (
        ("n", model.n_node),
        ("count", model.count_node),
        ("denominator", model.denominator_node),
    ):
        if column in out:
            gone = (nodes >= 0) & hidden[np.maximum(nodes, 0)]
            out[column] = out[column].astype(float).where(~gone)
    out["suppressed"] = value_hidden
    out["suppression"] = np.where(value_primary, "primary", np.where(value_hidden, "secondary", ""))
    return out


def primary_suppression(cells: pd.DataFrame, min_cell: int) -> pd.DataFrame:
    """Hide shares whose count is 1 to k-1 and any share or mean over fewer than k.

    Examples
    --------
    >>> cells = pd.DataFrame({"kind": ["share", "share", "mean"], "n": [100, 3, 40],
    ...     "count": [4, 1, np.nan], "value": [0.04, 0.33, 2.5]})
    >>> primary_suppression(cells, 5)["suppressed"].tolist()
    [True, True, False]
    """
    check_min_cell(min_cell)
    n = pd.to_numeric(cells["n"], errors="coerce")
    count = pd.to_numeric(cells["count"], errors="coerce")
    small = (count >= 1) & (count <= min_cell - 1) & cells["kind"].eq("share")
    hidden = ((n < min_cell) | small) & (min_cell > 1)
    out = cells.copy()
    for column in ("count", *VALUE_COLUMNS):
        if column in out:
            out[column] = out[column].astype(float).where(~hidden)
    out["suppressed"] = hidden.to_numpy()
    out["suppression"] = np.where(hidden, "primary", "")
    return out
