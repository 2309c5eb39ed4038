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

from dsr_analysis.disclosure.cache import default_cache
from dsr_analysis.disclosure.model import KEY, Model, TableSpec, build_model
from dsr_analysis.disclosure.protect import Protection, protect
from dsr_analysis.errors import DsrError

#: Numbers blanked with a hidden value: the value itself and its interval.
VALUE_COLUMNS = ("value", "ci_low", "ci_high")


def check_min_cell(min_cell) -> None:
    """Refuse a minimum cell size that is not a whole number of at least 1."""
    if isinstance(min_cell, bool) or not isinstance(min_cell, (int, np.integer)) or min_cell < 1:
        raise DsrError(f"min_cell must be a whole number of at least 1, got {min_cell!r}")


def suppress(
    cells: pd.DataFrame,
    specs: Mapping[str, TableSpec],
    min_cell: int,
    previous: pd.DataFrame | None = None,
    closed: set[tuple[str, str]] = frozenset(),
) -> pd.DataFrame:
    """The cells as they may be published: hidden numbers blank, in the input's row order.

    ``previous`` is an earlier release of the same tables (published cells) and ``closed``
    the (table, column) pairs whose groups cannot have changed since its cut-off: their counts
    and group sizes keep that release's pattern (see :func:`~.protect.protect`), so putting
    the two releases side by side reveals nothing either does not.

    Adds ``suppressed`` (the value is hidden) and ``suppression`` ("primary" when the value
    rests on a small number itself, "secondary" when it is hidden to protect another, "");
    ``suppression`` is for analysts only: publishing it would say which hidden cells are small.
    Families solved before are read back from the cache (:mod:`~dsr_analysis.disclosure.cache`,
    ``build/suppression-cache/``).

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
    keep_hidden, keep_published = _earlier_pattern(model, previous, closed)
    protection = protect(model, min_cell, keep_hidden, keep_published, cache=default_cache())
    return blanked(model, protection)


def _earlier_pattern(model: Model, previous: pd.DataFrame | None, closed) -> tuple:
    """Nodes an earlier release hid, and nodes it published, among the closed groups."""
    size = len(model.nodes)
    keep_hidden, keep_published = np.zeros(size, bool), np.zeros(size, bool)
    if previous is None or not closed:
        return keep_hidden, keep_published
    earlier = previous.set_index(KEY)
    for r, key in enumerate(model.cells[KEY].itertuples(index=False, name=None)):
        if (key[0], key[2]) not in closed or key not in earlier.index:
            continue
        row = earlier.loc[key]
        for column, nodes in (("count", model.count_node), ("n", model.n_node)):
            node = nodes[r]
            if node < 0:
                continue
            if pd.isna(row[column]):
                keep_hidden[node] = True
            else:
                keep_published[node] = True
    return keep_hidden, keep_published & ~keep_hidden


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
        ("denominator", _denominator_nodes(model)),
    ):
        if column in out:
            gone = (nodes >= 0) & hidden[np.maximum(nodes, 0)]
            if column == "denominator":
                # A denominator the model cannot place is not published: it would be a
                # number no protection looked at.
                gone |= nodes < 0
            out[column] = out[column].astype(float).where(~gone)
    out["suppressed"] = value_hidden
    out["suppression"] = np.where(value_primary, "primary", np.where(value_hidden, "secondary", ""))
    return out


def _denominator_nodes(model: Model) -> np.ndarray:
    """The node each row's ``denominator`` column stands for: its own denominator of
    registrations where the table has one, else its group size n (the monitoring writes n
    there), so a hidden n is never published as a denominator."""
    return np.where(model.denominator_node >= 0, model.denominator_node, model.n_node)


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
    # A missing kind (pandas' NA in a string column) is no share: NA must not reach the mask.
    share = cells["kind"].eq("share").fillna(False).astype(bool)
    small = (count >= 1) & (count <= min_cell - 1) & share
    hidden = ((n < min_cell) | small) & (min_cell > 1)
    out = cells.copy()
    for column in ("count", *VALUE_COLUMNS):
        if column in out:
            out[column] = out[column].astype(float).where(~hidden)
    out["suppressed"] = hidden.to_numpy()
    out["suppression"] = np.where(hidden, "primary", "")
    return out
