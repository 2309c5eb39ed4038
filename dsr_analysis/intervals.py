"""95 % confidence intervals for the figures an assessment judges.

Each function takes the numbers it needs (counts, sizes, means and standard deviations) and
returns ``(estimate, low, high)``; ``(nan, nan, nan)`` when the data cannot give one. The
methods are the usual choices for small samples:

- a share: Wilson's score interval (Wilson 1927), which stays inside [0, 1] and keeps its
  coverage for small n where the textbook (Wald) interval does not;
- the difference of two shares from different children (two periods): Newcombe's hybrid
  score interval (Newcombe 1998, method 10), built from the two Wilson intervals;
- the difference of two shares of the same children (positive minus negative development):
  Newcombe's interval for paired data (Newcombe 1998b, method 10), with the correlation of the
  two indicators;
- a mean: the t-interval; the difference of two means from different children: Welch's
  interval; the mean change of the same children: the paired t-interval.

docs/method.md gives the formulas and a worked example that tests/test_intervals.py checks.
"""

from __future__ import annotations

import math
from functools import lru_cache

from scipy import stats

LEVEL = 0.95
_NAN = (math.nan, math.nan, math.nan)


@lru_cache(maxsize=8)
def _z(level: float = LEVEL) -> float:
    return float(stats.norm.ppf(0.5 + level / 2))


@lru_cache(maxsize=4096)
def _t(level: float, df: float) -> float:
    return float(stats.t.ppf(0.5 + level / 2, df))


def wilson(count: float, n: float, level: float = LEVEL) -> tuple[float, float, float]:
    """Share ``count / n`` with Wilson's score interval.

    Examples
    --------
    >>> [round(x, 4) for x in wilson(5, 20)]
    [0.25, 0.1119, 0.4687]
    >>> [round(x, 4) for x in wilson(0, 10)]
    [0.0, 0.0, 0.2775]
    """
    if not n or n <= 0:
        return _NAN
    z = _z(level)
    p = count / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z / (1 + z * z / n) * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n))
    return p, max(0.0, centre - half), min(1.0, centre + half)


def newcombe_difference(
    count_1: float, n_1: float, count_2: float, n_2: float, level: float = LEVEL
) -> tuple[float, float, float]:
    """Difference ``p2 - p1`` of two independent shares, Newcombe's hybrid score interval.

    Examples
    --------
    >>> [round(x, 4) for x in newcombe_difference(10, 20, 15, 20)]
    [0.25, -0.0468, 0.4936]
    """
    p1, l1, u1 = wilson(count_1, n_1, level)
    p2, l2, u2 = wilson(count_2, n_2, level)
    if math.isnan(p1) or math.isnan(p2):
        return _NAN
    d = p2 - p1
    return (
        d,
        d - math.sqrt((p2 - l2) ** 2 + (u1 - p1) ** 2),
        d + math.sqrt((u2 - p2) ** 2 + (p1 - l1) ** 2),
    )


def newcombe_paired(
    both: float, first_only: float, second_only: float, neither: float, level: float = LEVEL
) -> tuple[float, float, float]:
    """Difference of two shares of the same units, Newcombe's method 10 for paired data.

    The 2 x 2 table of the units: ``both`` have both characteristics, ``first_only`` the first,
    ``second_only`` the second, ``neither`` none. The estimate is
    ``(first_only - second_only) / n``: for development categories, positive minus negative
    (``both = 0``: a change cannot be both).

    Examples
    --------
    >>> [round(x, 4) for x in newcombe_paired(0, 9, 3, 6)]
    [0.3333, -0.037, 0.609]
    """
    n = both + first_only + second_only + neither
    if n <= 0:
        return _NAN
    p1, l1, u1 = wilson(both + first_only, n, level)
    p2, l2, u2 = wilson(both + second_only, n, level)
    first, second = both + first_only, both + second_only
    product = first * (second_only + neither) * second * (first_only + neither)
    phi = 0.0 if product == 0 else (both * neither - first_only * second_only) / math.sqrt(product)
    d = p1 - p2
    below = (p1 - l1) ** 2 - 2 * phi * (p1 - l1) * (u2 - p2) + (u2 - p2) ** 2
    above = (u1 - p1) ** 2 - 2 * phi * (u1 - p1) * (p2 - l2) + (p2 - l2) ** 2
    return d, max(-1.0, d - math.sqrt(max(below, 0.0))), min(1.0, d + math.sqrt(max(above, 0.0)))


def t_mean(mean: float, sd: float, n: float, level: float = LEVEL) -> tuple[float, float, float]:
    """Mean with its t-interval (needs at least two values).

    Examples
    --------
    >>> [round(x, 4) for x in t_mean(4.0, 1.0, 16)]
    [4.0, 3.4671, 4.5329]
    """
    if n < 2 or math.isnan(sd):
        return (mean, math.nan, math.nan) if n >= 1 else _NAN
    half = _t(level, n - 1) * sd / math.sqrt(n)
    return mean, mean - half, mean + half


def welch_difference(
    mean_1: float, sd_1: float, n_1: float, mean_2: float, sd_2: float, n_2: float,
    level: float = LEVEL,
) -> tuple[float, float, float]:
    """Difference ``mean_2 - mean_1`` of two independent means, Welch's interval.

    Examples
    --------
    >>> [round(x, 4) for x in welch_difference(4.0, 1.0, 20, 3.5, 1.2, 25)]
    [-0.5, -1.1616, 0.1616]
    """
    if n_1 < 2 or n_2 < 2:
        return _NAN
    v1, v2 = sd_1**2 / n_1, sd_2**2 / n_2
    se = math.sqrt(v1 + v2)
    d = mean_2 - mean_1
    if se == 0:
        return d, d, d
    df = (v1 + v2) ** 2 / (v1**2 / (n_1 - 1) + v2**2 / (n_2 - 1))
    half = _t(level, df) * se
    return d, d - half, d + half


def paired_t(mean_change: float, sd_change: float, n: float,
             level: float = LEVEL) -> tuple[float, float, float]:
    """Mean change of the same units with the paired t-interval (a t-interval of changes).

    Examples
    --------
    >>> [round(x, 4) for x in paired_t(0.6, 1.5, 22)]
    [0.6, -0.0651, 1.2651]
    """
    return t_mean(mean_change, sd_change, n, level)
