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

    Examples
    --------
    >>> cells = pd.DataFrame({"kind": ["share", "mean"], "n": [20, 16], "count": [5, None],
    ...     "value": [0.25, 4.0], "sd": [np.nan, 1.0], "denominator": [20, 16]})
    >>> with_intervals(cells)[["ci_low", "ci_high"]].round(4).values.tolist()
    [[0.1119, 0.4687], [3.4671, 4.5329]]
    """
    out = cells.copy()
    low, high = np.full(len(out), np.nan), np.full(len(out), np.nan)
    denominator = out["denominator"] if "denominator" in out else out["n"]
    for i, row in enumerate(out.itertuples(index=False)):
        if row.kind == "share" and _same(denominator.iat[i], row.n) and pd.notna(row.count):
            _, low[i], high[i] = intervals.wilson(float(row.count), float(row.n))
        elif row.kind == "mean" and "sd" in out:
            _, low[i], high[i] = intervals.t_mean(float(row.value), float(row.sd), float(row.n))
    return out.assign(ci_low=low, ci_high=high)


def _same(a, b) -> bool:
    return pd.isna(a) or float(a) == float(b)


def period_contrasts(cells: pd.DataFrame, start: str, end: str, name: str) -> pd.DataFrame:
    """Rows ``end - start`` for every municipality and label with both columns.

    Shares: Newcombe's hybrid score interval; means: Welch's interval (needs ``sd``).
    """
    rows = []
    both = cells[cells["column"].isin([start, end])]
    for (municipality, label), group in both.groupby(["municipality", "label"], sort=False):
        by_column = group.set_index("column")
        if start not in by_column.index or end not in by_column.index:
            continue
        a, b = by_column.loc[start], by_column.loc[end]
        if a["kind"] == "share":
            d, low, high = intervals.newcombe_difference(a["count"], a["n"], b["count"], b["n"])
        else:
            d, low, high = intervals.welch_difference(
                a["value"], a["sd"], a["n"], b["value"], b["sd"], b["n"]
            )
        rows.append(_difference(municipality, name, label, a["code"], np.nan, d, low, high))
    return pd.DataFrame(rows)


def change_rows(change: pd.DataFrame, name: str) -> pd.DataFrame:
    """Rows of the mean change of the same children (``change`` from
    :func:`dsr_analysis.measures.start_latest_change`, named), with the paired t-interval."""
    rows = []
    for row in change.itertuples(index=False):
        d, low, high = intervals.paired_t(float(row.value), float(row.sd), float(row.n))
        rows.append(_difference(row.municipality, row.column, name, "change", row.n, d, low, high))
    return pd.DataFrame(rows)


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
    rows = []
    for (municipality, column), group in cells.groupby(["municipality", "column"], sort=False):
        n = float(group["n"].iloc[0])
        pos = float(group.loc[group["label"].isin(positive), "count"].sum())
        neg = float(group.loc[group["label"].isin(negative), "count"].sum())
        for label, code, count in ((positive_name, "positive", pos),
                                   (negative_name, "negative", neg)):
            share, low, high = intervals.wilson(count, n)
            rows.append({"municipality": municipality, "column": column, "label": label,
                         "code": code, "n": n, "count": count, "value": share,
                         "denominator": n, "kind": "share", "ci_low": low, "ci_high": high})
        d, low, high = intervals.newcombe_paired(0.0, pos, neg, n - pos - neg)
        rows.append(_difference(municipality, column, balance_name, "balance", n, d, low, high))
    return pd.DataFrame(rows)


def _difference(municipality, column, label, code, n, value, low, high) -> dict:
    return {"municipality": municipality, "column": column, "label": label, "code": code,
            "n": n, "count": np.nan, "value": value, "denominator": np.nan,
            "kind": "difference", "ci_low": low, "ci_high": high}
