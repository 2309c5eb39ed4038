"""The mean measures of the published tables and the development set, group by group.

Each function computes what its namesake in :mod:`dsr_analysis.measures` computes on the tidy
tables stacked with their pooled copies, from the wide export and a
:class:`~dsr_analysis.panel.Panel`. A mean and its standard deviation are not sums of whole
numbers: pandas adds up a group's values one at a time (compensated sums; Welford's updates
for the variance), so their last bits depend on the order of the values. So the pooled groups
are not summed from the municipal ones here: each group, pooled or not, is one grouped
reduction over its rows in the order the stacked tables held them (the children by
municipality and child id, the scores by child id), which gives the same bits. Only the
development categories, counts, are pooled by sums (:mod:`dsr_analysis.group_shares`).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from dsr_analysis.cells import POOLED_NAME, TOTAL_COLUMN
from dsr_analysis.codebook import Question
from dsr_analysis.group_shares import share_frame, start_ages
from dsr_analysis.measures import DEVELOPMENT_CODES
from dsr_analysis.panel import Panel


def grouped_mean_sd(values: np.ndarray, key: np.ndarray) -> pd.DataFrame:
    """Per distinct ``key`` (sorted): ``n``, ``value`` (mean) and ``sd`` of its ``values``.

    The values are taken in the order given, as :func:`dsr_analysis.measures._mean_sd` takes
    a group's rows, and added up by pandas' compensated group kernels, as they were there.
    (For float64 values whose key is sorted, pandas would take ``np.add.reduceat`` instead,
    a plain sum that rounds differently; a nullable ``Float64`` column always takes the
    kernels. The stacked tables were never sorted by group.)

    >>> values = np.array([3.23, 4.4, 5.04, 3.27, 3.54, 4.44, 6.86, 5.36, 4.78, 3.64, 2.0])
    >>> grouped_mean_sd(values, np.array([0] * 10 + [1])).values.tolist()
    [[10.0, 4.456, 1.1284423876398042], [1.0, 2.0, nan]]
    """
    # Keys as the codes of a categorical: grouping needs no hashing of them.
    size = int(key.max(initial=-1)) + 1
    codes = pd.Categorical.from_codes(key, categories=pd.RangeIndex(size))
    grouped = pd.Series(values, dtype="Float64").groupby(codes, sort=True, observed=True)
    return pd.DataFrame({
        "n": grouped.count().to_numpy(dtype=np.int64),
        "value": grouped.mean().to_numpy(dtype=np.float64, na_value=np.nan),
        "sd": grouped.std().to_numpy(dtype=np.float64, na_value=np.nan),
    }, index=grouped.count().index)


def place_means(
    panel: Panel, parts: list[tuple[np.ndarray, np.ndarray, np.ndarray]], width: int = 1
) -> tuple[list[str], np.ndarray, pd.DataFrame]:
    """Means of groups by place (a municipality's code, or ``len(municipalities)`` for
    "Alle") and a sub-key below ``width``, in one grouped reduction.

    Each part is (values, places, sub-keys): a value may belong to several groups (its
    municipality's and the pooled one), so it is listed in several parts, each part's values
    in the order the group should take them. Returns each group's municipality name, its
    sub-key and :func:`grouped_mean_sd`.
    """
    values = np.concatenate([part[0] for part in parts])
    keys = np.concatenate([place * width + sub for _, place, sub in parts])
    result = grouped_mean_sd(values, keys)
    place, sub = np.divmod(result.index.to_numpy(), width)
    names = [*panel.municipalities, POOLED_NAME]
    return [names[p] for p in place], sub, result.reset_index(drop=True)


def _by_place(panel: Panel, values: np.ndarray, place: np.ndarray) -> pd.DataFrame:
    """Means per municipality and of all ``values`` ("Alle"), in the order given."""
    zero = np.zeros(len(values), dtype=np.int64)
    pooled = np.full(len(values), len(panel.municipalities), dtype=np.int64)
    names, _, result = place_means(panel, [(values, place, zero), (values, pooled, zero)])
    return result.assign(municipality=names)[["municipality", "n", "value", "sd"]]


def mean_age(panel: Panel, question: Question, by_period: bool) -> pd.DataFrame:
    """Mean age at the start registration, children with a known age (Table 7-14)."""
    ages = start_ages(panel, question)
    known = np.flatnonzero(~np.isnan(ages))
    children = known[np.lexsort((known, panel.child_municipality[known]))]
    values = ages[children]
    place = panel.child_municipality[children]
    if not by_period:
        return _by_place(panel, values, place)
    period = panel.child_period[children]
    total = len(panel.periods)  # the sub-key of "Total" (and of no period, left out)
    dated = period < total
    pooled = np.full(len(values), len(panel.municipalities), dtype=np.int64)
    every = np.full(len(values), total, dtype=np.int64)
    names, sub, result = place_means(panel, [
        (values[dated], place[dated], period[dated]),
        (values, place, every),
        (values[dated], pooled[dated], period[dated]),
        (values, pooled, every),
    ], width=total + 1)
    periods = np.array([*panel.periods, TOTAL_COLUMN], dtype=object)
    return result.assign(municipality=names, period=periods[sub])[
        ["municipality", "period", "n", "value", "sd"]]


def valid_rows(panel: Panel, scores: np.ndarray, dont_know: int) -> np.ndarray:
    """Rows with a valid score (answered, not "ved ikke"), ordered by child and wave."""
    valid = (scores >= 0) & (scores != dont_know)
    return panel.by_child[valid[panel.by_child]]


def wave_means(panel: Panel, question: Question, dont_know: int) -> pd.DataFrame:
    """Mean valid score per municipality, item and wave (Tables 7-20, 7-23, 7-26)."""
    parts = []
    width = int(panel.wave.max(initial=0)) + 1
    pooled_place = len(panel.municipalities)
    for item in question.items:
        scores = panel.codes(item.column)
        rows = valid_rows(panel, scores, dont_know)
        values = scores[rows].astype(np.float64)
        wave = panel.wave[rows]
        place = panel.child_municipality[panel.child[rows]]
        pooled = np.full(len(rows), pooled_place, dtype=np.int64)
        names, waves, result = place_means(panel, [(values, place, wave),
                                                   (values, pooled, wave)], width)
        parts.append(result.assign(municipality=names, item=item.column, wave=waves))
    return pd.concat(parts, ignore_index=True)[["municipality", "item", "wave", "n", "value",
                                                "sd"]]


def paired_scores(panel: Panel, column: str,
                  dont_know: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The development set of one item: children (in the order of their ids) with a valid
    start score and a valid later one, their start score and their latest valid score.

    As :func:`dsr_analysis.measures.development_set`: the latest is the valid score of the
    highest later wave.
    """
    return panel.memoised(("paired", column, dont_know),
                          lambda: _paired_scores(panel, column, dont_know))


def _paired_scores(panel: Panel, column: str,
                   dont_know: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    scores = panel.codes(column)
    rows = valid_rows(panel, scores, dont_know)
    start = np.full(panel.children, -1, dtype=np.int64)
    first = rows[panel.wave[rows] == 1]
    start[panel.child[first]] = scores[first]
    later = rows[panel.wave[rows] > 1]
    children = panel.child[later]
    last = np.ones(len(later), dtype=bool)
    last[:-1] = children[1:] != children[:-1]
    latest = np.full(panel.children, -1, dtype=np.int64)
    latest[children[last]] = scores[later[last]]
    paired = np.flatnonzero((start >= 0) & (latest >= 0))
    return paired, start[paired], latest[paired]


def start_latest_means(panel: Panel, question: Question,
                       dont_know: int) -> pd.DataFrame:
    """Mean score at start and at the latest valid follow-up, development set (7-21, 7-24)."""
    parts = []
    for item in question.items:
        children, start, latest = paired_scores(panel, item.column, dont_know)
        place = panel.child_municipality[children]
        for code, values in (("start", start), ("latest", latest)):
            parts.append(_by_place(panel, values, place).assign(item=item.column, code=code))
    return pd.concat(parts, ignore_index=True)[["municipality", "item", "code", "n", "value",
                                                "sd"]]


def start_latest_change(panel: Panel, question: Question,
                        dont_know: int) -> pd.DataFrame:
    """Mean change from start to latest valid score of the same children (latest - start)."""
    parts = []
    for item in question.items:
        children, start, latest = paired_scores(panel, item.column, dont_know)
        place = panel.child_municipality[children]
        parts.append(_by_place(panel, latest - start, place).assign(item=item.column))
    return pd.concat(parts, ignore_index=True)[["municipality", "item", "n", "value", "sd"]]


def development_positions(change: np.ndarray, small_max_steps: int) -> np.ndarray:
    """Each change's category as its position in ``DEVELOPMENT_CODES``.

    As :func:`dsr_analysis.measures.development_category`, on integers instead of names.

    >>> development_positions(np.array([-4, -1, 0, 3, 4]), small_max_steps=3).tolist()
    [0, 1, 2, 3, 4]
    """
    large = np.abs(change) > small_max_steps
    positive = np.where(large, 4, 3)
    negative = np.where(large, 0, 1)
    return np.where(change == 0, 2, np.where(change > 0, positive, negative))


def development_shares(panel: Panel, question: Question,
                       dont_know: int, small_max_steps: int) -> pd.DataFrame:
    """Share of children per development category, start vs latest (7-22, 7-25, 7-28)."""
    sign = -1 if question.better == "lower" else 1
    parts = []
    for item in question.items:
        children, start, latest = paired_scores(panel, item.column, dont_know)
        category = development_positions(sign * (latest - start), small_max_steps)
        paired = np.zeros(panel.children, dtype=bool)
        paired[children] = True
        counts = []
        for position in range(len(DEVELOPMENT_CODES)):
            chosen = np.zeros(panel.children, dtype=bool)
            chosen[children[category == position]] = True
            counts.append(panel.group_counts(chosen))
        frame = share_frame(panel, panel.group_counts(paired), counts, DEVELOPMENT_CODES, False)
        parts.append(frame.assign(item=item.column))
    return pd.concat(parts, ignore_index=True)[["municipality", "item", "code", "n", "count",
                                                "value"]]
