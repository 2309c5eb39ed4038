"""Intervals that respect clustering: respondents of one institution are not independent.

Staff of one school or daycare share a leader, a social worker and a way of working, so their
answers are more alike than those of staff drawn at random; an interval that treats them as
independent is too narrow. The survey's tables therefore use *design effects*:

1. For each item, the intra-class correlation (ICC) of the answer is estimated from the data
   by the one-way analysis of variance with unequal cluster sizes, clusters being an
   institution in one round, within strata of municipality and round (so that differences
   between municipalities and rounds, which the tables show, do not count as clustering).
   A share's ICC is that of its 0/1 indicator, a mean's that of the score. Negative estimates
   are set to 0; with fewer than two clusters or no within-cluster spread the ICC is 0.
2. A cell's design effect is ``deff = 1 + (m - 1) * ICC`` (Kish), where ``m = sum(m_j^2) /
   sum(m_j)`` is the size-weighted mean number of answers ``m_j`` per institution in the
   cell's group (unequal cluster sizes weigh heavier).
3. The interval is the usual one with the *effective* sample size ``n / deff``: Wilson's score
   interval on ``count / deff`` of ``n / deff``, the t-interval of a mean with ``n / deff``;
   contrasts use Newcombe's and Welch's intervals on the effective sizes of each side
   (:mod:`dsr_analysis.intervals`).

The two rounds are compared as independent samples, although many staff answer in both; with
a positive correlation between a person's answers this makes the change's interval somewhat
wider than necessary (conservative). ``data/vive2023/README.md`` says the same for analysts.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from dsr_analysis import intervals


def icc_anova(values: pd.Series, clusters: pd.Series, strata: pd.Series) -> float:
    """The one-way ANOVA estimate of the intra-class correlation, within strata.

    ``values`` are numbers (a 0/1 indicator or a score); ``clusters`` and ``strata`` label
    each value's institution-round and municipality-round (a cluster lies in one stratum).

    Examples
    --------
    >>> y = pd.Series([1, 1, 1, 0, 0, 0, 1, 0])
    >>> c = pd.Series(["a", "a", "a", "b", "b", "b", "c", "c"])
    >>> round(icc_anova(y, c, pd.Series(["s"] * 8)), 4)
    0.7123
    >>> icc_anova(y, pd.Series(range(8)), pd.Series(["s"] * 8))  # one answer per cluster
    0.0
    """
    frame = pd.DataFrame({"y": values.astype(float).to_numpy(), "c": clusters.to_numpy(),
                          "s": strata.to_numpy()})
    total = len(frame)
    cluster = frame.groupby(["s", "c"], sort=False)["y"].agg(["size", "mean"])
    k, strata_count = len(cluster), frame["s"].nunique()
    if k - strata_count < 1 or total - k < 1:
        return 0.0
    stratum_mean = frame.groupby("s")["y"].mean()
    stratum_size = frame.groupby("s").size()
    centre = stratum_mean.reindex(cluster.index.get_level_values("s")).to_numpy()
    between = float((cluster["size"] * (cluster["mean"].to_numpy() - centre) ** 2).sum())
    within = float(((frame["y"] - frame.groupby(["s", "c"])["y"].transform("mean")) ** 2).sum())
    msb, msw = between / (k - strata_count), within / (total - k)
    # The average cluster size of the unequal-size ANOVA, summed within strata.
    squares = (cluster["size"] ** 2).groupby(level="s").sum() / stratum_size
    m0 = (total - float(squares.sum())) / (k - strata_count)
    denominator = msb + (m0 - 1) * msw
    if denominator <= 0:
        return 0.0
    return float(min(1.0, max(0.0, (msb - msw) / denominator)))


def design_effect(cluster_sizes: pd.Series | np.ndarray, icc: float) -> float:
    """Kish's design effect ``1 + (m - 1) * ICC`` with the size-weighted mean cluster size.

    >>> design_effect(np.array([10, 10]), 0.1), design_effect(np.array([1, 1, 1]), 0.5)
    (1.9, 1.0)
    """
    sizes = np.asarray(cluster_sizes, dtype=float)
    if sizes.sum() <= 0:
        return 1.0
    weighted = float((sizes**2).sum() / sizes.sum())
    return 1.0 + (weighted - 1.0) * icc


def share_interval(count: float, n: float, deff: float) -> tuple[float, float]:
    """Wilson's interval of ``count / n`` on the effective sample size ``n / deff``.

    >>> [round(x, 4) for x in share_interval(5, 20, 1.0)]
    [0.1119, 0.4687]
    """
    _, low, high = intervals.wilson(count / deff, n / deff)
    return low, high


def mean_interval(mean: float, sd: float, n: float, deff: float) -> tuple[float, float]:
    """The t-interval of a mean on the effective sample size ``n / deff``.

    >>> [round(x, 4) for x in mean_interval(4.0, 1.0, 16, 1.0)]
    [3.4671, 4.5329]
    """
    _, low, high = intervals.t_mean(mean, sd, n / deff)
    return low, high


def share_difference(a: dict, b: dict) -> tuple[float, float, float]:
    """``b - a`` of two shares (``count``, ``n``, ``deff``), Newcombe on effective sizes."""
    return intervals.newcombe_difference(a["count"] / a["deff"], a["n"] / a["deff"],
                                         b["count"] / b["deff"], b["n"] / b["deff"])


def mean_difference(a: dict, b: dict) -> tuple[float, float, float]:
    """``b - a`` of two means (``value``, ``sd``, ``n``, ``deff``), Welch on effective sizes."""
    if a["n"] < 1 or b["n"] < 1:
        return math.nan, math.nan, math.nan
    return intervals.welch_difference(a["value"], a["sd"], a["n"] / a["deff"],
                                      b["value"], b["sd"], b["n"] / b["deff"])
