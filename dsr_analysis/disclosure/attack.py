"""The attacker: what a reader can deduce about every hidden number of a release.

The reader knows every published number and every relation of the model (equalities,
inequalities, nothing negative). For each hidden node the attacker finds the smallest and the
largest value any table consistent with all of that allows, first by linear programming and
then, for counts whose range is narrow, by integer programming (counts are whole numbers,
which can narrow a range further). The verdicts:

- with the truth at hand (a build, before publishing): every primary must keep its protection
  interval (±1 for a count or a group size, half a unit of the mean for a mean);
- with only the release (``dsr audit`` on a folder): a hidden count that could be small (its
  range reaches below the minimum cell size) must have a range at least two wide, a hidden
  mean's sum at least n wide, and no published group size or count may lie between 1 and
  k - 1.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
from scipy import sparse

from dsr_analysis.disclosure.model import Model
from dsr_analysis.disclosure.protect import (
    COUNT_PROTECTION,
    MEAN_PROTECTION,
    linked_components,
)
from dsr_analysis.disclosure.relations import touching_rows
from dsr_analysis.disclosure.solver import INFINITY, Program

_SLACK = 1e-6
# Integer programs are run where the linear range, rounded, is at most this wide: wider
# ranges of these tables cannot shrink below the protection interval through integrality.
_INTEGER_CHECK_WIDTH = 4


def feasible_ranges(model: Model, known: np.ndarray, integer: bool = True,
                    enough: np.ndarray | None = None) -> pd.DataFrame:
    """The smallest and largest value of every unknown node given the known ones.

    Parameters
    ----------
    model
        The release's model; ``model.values`` holds the published value of known nodes.
    known
        Which nodes the reader knows (published, or zero by construction).
    integer
        Also run integer programs on narrow ranges of whole-number nodes.
    enough
        Per node, a width of range that settles every question asked of it (default: none
        does). Every program solved finds a table consistent with the release; once two such
        tables (whole-numbered ones, for a whole-number node when ``integer``) put a node at
        least ``enough`` apart, its range is at least that wide and its exact ends are not
        sought: ``low`` and ``high`` are then those tables' values and ``exact`` is False.
        On a large release this skips most of the programs.

    Returns
    -------
    pandas.DataFrame
        One row per unknown node: ``node``, ``key``, ``type``, ``low``, ``high``, ``exact``.

    Examples
    --------
    >>> from dsr_analysis.disclosure.model import TableSpec, build_model
    >>> cells = pd.DataFrame({"table": "T", "municipality": ["A", "B", "Alle"],
    ...     "column": "Total", "label": "yes", "n": [10, 10, 20], "count": [3, 6, 9],
    ...     "value": [0.3, 0.6, 0.45], "kind": "share"})
    >>> model = build_model(cells, {"T": TableSpec(population="p", exclusive=False)})
    >>> known = model.nodes["key"] != ("c", "T", "A", "Total", "yes")   # A's count hidden alone
    >>> feasible_ranges(model, known.to_numpy())[["low", "high"]].values.tolist()
    [[3.0, 3.0]]
    """
    values = np.where(known, model.values, np.nan)
    unknown = ~known
    relations = sparse.vstack([model.equalities, model.inequalities]).tocsr()
    n_eq = model.equalities.shape[0]
    labels = linked_components(model, relations, unknown)
    need = np.full(len(values), INFINITY) if enough is None else np.asarray(enough, float)
    rows = []
    keys, types = model.nodes["key"], model.nodes["type"]
    # The components in label order, each's members in node order.
    by_label = np.flatnonzero(unknown)[np.argsort(labels[unknown], kind="stable")]
    starts = np.flatnonzero(np.r_[True, np.diff(labels[by_label]) != 0])
    for members in np.split(by_label, starts[1:]):
        low, high, exact = _component_ranges(model, relations, n_eq, members, values, integer,
                                             need[members])
        for node, a, b, sure in zip(members, low, high, exact, strict=True):
            rows.append((int(node), keys.iat[node], types.iat[node], a, b, bool(sure)))
    return pd.DataFrame(rows, columns=["node", "key", "type", "low", "high", "exact"])


class _Seen:
    """The smallest and largest value of each member over the tables found so far."""

    def __init__(self, whole: np.ndarray, integer: bool):
        self.whole = whole if integer else np.zeros(len(whole), bool)
        self.low = np.full(len(whole), INFINITY)
        self.high = np.full(len(whole), -INFINITY)

    def add(self, x: np.ndarray) -> None:
        rounded = np.round(x)
        integral = bool(np.all(np.abs(x - rounded)[self.whole] <= _SLACK))
        # A fractional table says nothing about what whole numbers allow.
        use = ~self.whole | integral
        x = np.where(self.whole, rounded, x)
        self.low[use] = np.minimum(self.low[use], x[use])
        self.high[use] = np.maximum(self.high[use], x[use])

    def wide(self, i: int, need: float) -> bool:
        return bool(self.high[i] - self.low[i] >= need)


def _component_ranges(model, relations, n_eq, members, values, integer, need):
    touching = touching_rows(relations, members)
    known_part = relations[touching] @ np.nan_to_num(values, nan=0.0)
    # Only the unknown members stay variables; the known ones move to the right-hand side.
    a = relations[touching][:, members]
    equality = touching < n_eq
    lo = np.where(equality, -known_part, -INFINITY)
    hi = -known_part
    if a.shape[0] == 0:
        a, lo, hi = sparse.csr_matrix((1, len(members))), np.zeros(1), np.zeros(1)
    size = len(members)
    program = Program(a, lo, hi, np.zeros(size), np.full(size, INFINITY))
    low, high = np.zeros(size), np.zeros(size)
    whole = model.nodes["integer"].to_numpy()[members]
    seen, exact = _Seen(whole, integer), np.ones(size, bool)
    for i in range(size):
        solved = 0
        for sense, out in ((1.0, low), (-1.0, high)):
            if seen.wide(i, need[i]):
                exact[i] = False
                break
            cost = np.zeros(size)
            cost[i] = sense
            status, objective = program.optimise(cost)
            out[i] = sense * objective if status == 0 else (INFINITY if sense < 0 else 0.0)
            solved += 1
            if status == 0:
                seen.add(program.values())
        if not exact[i]:
            # What was not solved for is what the tables found show (an exact low stays).
            low[i] = low[i] if solved else seen.low[i]
            high[i] = seen.high[i]
    if integer:
        ends = np.ceil(low - _SLACK), np.floor(high + _SLACK)
        narrow = whole & exact & (ends[1] - ends[0] <= _INTEGER_CHECK_WIDTH)
        attained = _attained(seen, ends)
        low[narrow & attained] = ends[0][narrow & attained]
        high[narrow & attained] = ends[1][narrow & attained]
        narrow &= ~attained
        if narrow.any():
            whole_numbers = Program(a, lo, hi, np.zeros(size), np.full(size, INFINITY),
                                    integer=whole)
            for i in np.flatnonzero(narrow):
                for sense, out in ((1.0, low), (-1.0, high)):
                    cost = np.zeros(size)
                    cost[i] = sense
                    status, objective = whole_numbers.optimise(cost)
                    if status == 0:
                        out[i] = sense * objective
    return low, high, exact


def _attained(seen: _Seen, ends: tuple[np.ndarray, np.ndarray]) -> np.ndarray:
    """Members whose whole-numbered tables found so far reach both rounded ends of their
    linear range: no integer program can narrow it further, so none is run for them."""
    return (seen.low <= ends[0] + _SLACK) & (seen.high >= ends[1] - _SLACK)


def truth_findings(model: Model, hidden: np.ndarray, primary: np.ndarray,
                   levels: tuple[np.ndarray, np.ndarray], integer: bool = True) -> pd.DataFrame:
    """Primaries whose protection interval a reader can break, given the truth.

    ``levels`` are the (up, down) protections of
    :func:`~dsr_analysis.disclosure.protect.protection_levels`. Returns one row per finding:
    ``key``, ``true``, ``low``, ``high``, ``up`` and ``down`` (what was needed).
    """
    up, down = levels
    known = ~hidden | (model.values <= _SLACK)
    ranges = feasible_ranges(model, known, integer).set_index("node")
    rows = []
    for node in np.flatnonzero(primary):
        true = float(model.values[node])
        low, high = ranges.at[node, "low"], ranges.at[node, "high"]
        if low > true - down[node] + _SLACK or high < true + up[node] - _SLACK:
            rows.append((model.nodes.at[node, "key"], true, low, high, up[node], down[node]))
    return pd.DataFrame(rows, columns=["key", "true", "low", "high", "up", "down"])


def release_findings(model: Model, min_cell: int, integer: bool = True) -> pd.DataFrame:
    """What a release alone gives away: small published numbers, narrow hidden ones.

    ``model`` is built from the published cells with ``complete=False``: its unknown nodes
    are NaN. Returns one row per finding: ``key``, ``problem`` (a sentence), ``low``,
    ``high``.
    """
    values = model.values
    types = model.nodes["type"].to_numpy()
    known = ~np.isnan(values)
    rows = []
    small = known & (values >= 1 - _SLACK) & (values <= min_cell - 1 + _SLACK) & (types != "s")
    for node in np.flatnonzero(small):
        what = "group size" if types[node] == "n" else "count"
        rows.append((model.nodes.at[node, "key"],
                     f"a published {what} of {values[node]:g} (below {min_cell})",
                     values[node], values[node]))
    if (~known).any():
        ranges = feasible_ranges(model, known, integer, _settling_widths(model, min_cell))
        group = model.sum_group
        by_node = {node: (low, high) for node, low, high in
                   zip(ranges["node"], ranges["low"], ranges["high"], strict=True)}
        for node, key, kind, low, high, _ in ranges.itertuples(index=False, name=None):
            problem = _narrow(kind, low, high, min_cell, group, node, values, by_node)
            if problem:
                rows.append((key, problem, low, high))
    return pd.DataFrame(rows, columns=["key", "problem", "low", "high"])


def _settling_widths(model: Model, min_cell: int) -> np.ndarray:
    """Per node, a range this wide is never narrow (see :func:`_narrow`): two for a count, a
    group size or a denominator; for a sum, its mean's protection over the largest group that
    could be small. The group of a mean is always solved exactly: the mean's verdict reads its
    ends."""
    types = model.nodes["type"].to_numpy()
    widths = np.where(types == "s", 2 * MEAN_PROTECTION * max(min_cell - 1, 1.0),
                      2 * COUNT_PROTECTION)
    groups = model.sum_group[model.sum_group >= 0]
    widths[groups] = INFINITY
    return widths


def _narrow(kind, low, high, min_cell, group, node, values, by_node) -> str:
    if kind == "s":
        # Only a mean over a group that could be small needs protection; judge it by the
        # largest such group the reader cannot rule out.
        n_at = group[node]
        n_low = n_high = values[n_at] if n_at >= 0 else np.nan
        if n_at >= 0 and np.isnan(n_low):
            n_low, n_high = by_node.get(n_at, (np.nan, np.nan))
        if math.isnan(n_low) or n_low > min_cell - 1 + _SLACK:
            return ""
        n = min(n_high, min_cell - 1)
        if high - low < 2 * MEAN_PROTECTION * max(n, 1.0) - _SLACK:
            return f"a hidden mean is known to within {(high - low) / max(n, 1.0):.2f}"
        return ""
    could_be_small = low <= min_cell - 1 + _SLACK and high >= 1 - _SLACK
    if could_be_small and high - low < 2 * COUNT_PROTECTION - _SLACK:
        return f"a hidden number is known to lie between {low:g} and {high:g}"
    return ""
