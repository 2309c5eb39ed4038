"""Intervals and contrasts of the monitoring tables: what an assessment of an indicator reads.

The measures give each cell its number; this module adds what a judgement needs, computed
from the children's data before anything is suppressed (the disclosure control then treats
every interval bound and contrast as a function of the cells it comes from):

- a 95 % interval on every share of children (Wilson) and every mean (t), in ``ci_low`` and
  ``ci_high``; shares of registrations get none, because a child's registrations are not
  independent of each other;
- *contrast rows* (``kind == "difference"``): the change of a share or a mean from one period
  to another (Newcombe's hybrid score interval; Welch), the mean change of the same children
  from the start to the latest measurement (paired t), and positive minus negative
  development (Newcombe's interval for paired data), with the rows of positive and of
  negative development in all that it compares.

:mod:`dsr_analysis.intervals` holds the formulas.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from dsr_analysis import intervals

_KEEP = ["municipality", "column", "label", "code"]


def with_intervals(cells: pd.DataFrame) -> pd.DataFrame:
    """``cells`` with ``ci_low``/``ci_high`` on shares of children and on means.

    Computed over whole columns (:func:`wilson_bounds`, :func:`t_bounds`), with the same
    arithmetic as :func:`dsr_analysis.intervals.wilson` and :func:`~dsr_analysis.intervals.t_mean`
    so every bound has the same bits.

    Examples
    --------
    >>> cells = pd.DataFrame({"kind": ["share", "mean"], "n": [20, 16], "count": [5, None],
    ...     "value": [0.25, 4.0], "sd": [np.nan, 1.0], "denominator": [20, 16]})
    >>> with_intervals(cells)[["ci_low", "ci_high"]].round(4).values.tolist()
    [[0.1119, 0.4687], [3.4671, 4.5329]]
    """
    low, high = np.full(len(cells), np.nan), np.full(len(cells), np.nan)
    kind = cells["kind"].to_numpy(dtype=object)
    n = _numbers(cells["n"])
    count = _numbers(cells["count"]) if "count" in cells else np.full(len(cells), np.nan)
    denominator = _numbers(cells["denominator"]) if "denominator" in cells else n
    share = (kind == "share") & (np.isnan(denominator) | (denominator == n)) & ~np.isnan(count)
    low[share], high[share] = wilson_bounds(count[share], n[share])
    if "sd" in cells:
        mean = kind == "mean"
        values, sd = _numbers(cells["value"]), _numbers(cells["sd"])
        low[mean], high[mean] = t_bounds(values[mean], sd[mean], n[mean])
    return cells.assign(ci_low=low, ci_high=high)


def _numbers(column: pd.Series) -> np.ndarray:
    """A column as float64, NaN where missing (pd.NA or None included)."""
    return pd.to_numeric(column, errors="coerce").to_numpy(dtype=np.float64, na_value=np.nan)


def wilson_bounds(count: np.ndarray, n: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The bounds of :func:`dsr_analysis.intervals.wilson`, element by element.

    The operations are the scalar function's, in its order (``max``/``min`` as Python's:
    NaN gives the bound), so each bound is the same float.

    >>> low, high = wilson_bounds(np.array([5.0, 0.0]), np.array([20.0, 10.0]))
    >>> [intervals.wilson(5, 20)[1:], intervals.wilson(0, 10)[1:]] == list(zip(low, high))
    True
    """
    z = intervals._z(intervals.LEVEL)
    with np.errstate(divide="ignore", invalid="ignore"):
        p = count / n
        centre = (p + z * z / (2 * n)) / (1 + z * z / n)
        half = z / (1 + z * z / n) * np.sqrt(p * (1 - p) / n + z * z / (4 * n * n))
        low, high = centre - half, centre + half
        low = np.where(low > 0.0, low, 0.0)
        high = np.where(high < 1.0, high, 1.0)
    none = (n == 0) | (n <= 0)
    return np.where(none, np.nan, low), np.where(none, np.nan, high)


def t_bounds(mean: np.ndarray, sd: np.ndarray, n: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The bounds of :func:`dsr_analysis.intervals.t_mean`, element by element.

    >>> low, high = t_bounds(np.array([4.0, 3.0]), np.array([1.0, np.nan]), np.array([16.0, 1]))
    >>> (low[0], high[0]) == intervals.t_mean(4.0, 1.0, 16)[1:], bool(np.isnan(low[1]))
    (True, True)
    """
    low, high = np.full(len(mean), np.nan), np.full(len(mean), np.nan)
    some = (n >= 2) & ~np.isnan(sd)
    quantile = np.array([intervals._t(intervals.LEVEL, df) for df in (n[some] - 1).tolist()])
    half = quantile * sd[some] / np.sqrt(n[some])
    low[some], high[some] = mean[some] - half, mean[some] + half
    return low, high


def period_contrasts(cells: pd.DataFrame, start: str, end: str, name: str) -> pd.DataFrame:
    """Rows ``end - start`` for every municipality and label with both columns.

    Shares: Newcombe's hybrid score interval; means: Welch's interval (needs ``sd``). The rows
    come in the order the (municipality, label) pairs first appear in the two columns.
    """
    both = cells[cells["column"].isin([start, end])]
    both = both.assign(_pair=both.groupby(["municipality", "label"], sort=False).ngroup())
    fields = ["_pair", "municipality", "label", "code", "kind", "n", "count", "value"]
    fields += ["sd"] if "sd" in both else []
    a = both.loc[both["column"] == start, fields]
    b = both.loc[both["column"] == end, [f for f in fields if f not in ("municipality", "label")]]
    pairs = a.merge(b, on="_pair", suffixes=("", "_end")).sort_values("_pair", kind="stable")
    rows = []
    for pair in pairs.to_dict("records"):
        if pair["kind"] == "share":
            d, low, high = intervals.newcombe_difference(
                pair["count"], pair["n"], pair["count_end"], pair["n_end"]
            )
        else:
            d, low, high = intervals.welch_difference(
                pair["value"], pair["sd"], pair["n"], pair["value_end"], pair["sd_end"],
                pair["n_end"],
            )
        rows.append((pair["municipality"], name, pair["label"], pair["code"], np.nan, d, low,
                     high))
    return _differences(rows)


def change_rows(change: pd.DataFrame, name: str) -> pd.DataFrame:
    """Rows of the mean change of the same children (``change`` from
    :func:`dsr_analysis.measures.start_latest_change`, named), with the paired t-interval."""
    rows = []
    for row in change.itertuples(index=False):
        d, low, high = intervals.paired_t(float(row.value), float(row.sd), float(row.n))
        rows.append((row.municipality, row.column, name, "change", row.n, d, low, high))
    return _differences(rows)


def balance_rows(
    cells: pd.DataFrame,
    positive: list[str],
    negative: list[str],
    names: tuple[str, str, str],
) -> pd.DataFrame:
    """Per municipality and column: all positive, all negative, and positive minus negative.

    ``names`` are the labels of the three rows. The first two are ordinary shares (with
    Wilson intervals) so a reader sees what the third compares; the third has Newcombe's
    interval for paired data, since the same children fall in one category or another.
    """
    positive_name, negative_name, balance_name = names
    keys = ["municipality", "column"]
    label = cells["label"]
    sums = cells.assign(
        _n=cells["n"],
        _pos=cells["count"].where(label.isin(positive), 0),
        _neg=cells["count"].where(label.isin(negative), 0),
    ).groupby(keys, sort=False).agg(_n=("_n", "first"), _pos=("_pos", "sum"), _neg=("_neg", "sum"))
    rows = []
    for (municipality, column), n, pos, neg in zip(
        sums.index, sums["_n"].tolist(), sums["_pos"].tolist(), sums["_neg"].tolist(),
        strict=True,
    ):
        n, pos, neg = float(n), float(pos), float(neg)
        for label_, code, count in ((positive_name, "positive", pos),
                                    (negative_name, "negative", neg)):
            share, low, high = intervals.wilson(count, n)
            rows.append({"municipality": municipality, "column": column, "label": label_,
                         "code": code, "n": n, "count": count, "value": share,
                         "denominator": n, "kind": "share", "ci_low": low, "ci_high": high})
        d, low, high = intervals.newcombe_paired(0.0, pos, neg, n - pos - neg)
        rows.append(_difference(municipality, column, balance_name, "balance", n, d, low, high))
    return pd.DataFrame(rows)


def _differences(rows: list[tuple]) -> pd.DataFrame:
    """Contrast rows from (municipality, column, label, code, n, value, low, high) tuples."""
    return pd.DataFrame([_difference(*row) for row in rows])


def _difference(municipality, column, label, code, n, value, low, high) -> dict:
    return {"municipality": municipality, "column": column, "label": label, "code": code,
            "n": n, "count": np.nan, "value": value, "denominator": np.nan,
            "kind": "difference", "ci_low": low, "ci_high": high}
