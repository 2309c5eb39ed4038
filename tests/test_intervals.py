"""The interval formulas (dsr_analysis.intervals) against hand computations and other code.

The worked example of docs/method.md ("Intervals") is computed here step by step from the
formulas, independently of the module; the others are checked against statsmodels and scipy,
which implement the same methods separately, and by properties every interval must have.
"""

from __future__ import annotations

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st
from scipy import stats
from statsmodels.stats.proportion import confint_proportions_2indep, proportion_confint

from dsr_analysis import intervals

Z = 1.959963984540054  # the 97.5 % point of the standard normal distribution


def hand_wilson(count, n):
    p = count / n
    centre = (p + Z**2 / (2 * n)) / (1 + Z**2 / n)
    half = Z / (1 + Z**2 / n) * math.sqrt(p * (1 - p) / n + Z**2 / (4 * n**2))
    return centre - half, centre + half


class TestWorkedExample:
    """docs/method.md: staff started 38 of 73 dialogues in period 1 and 57 of 74 in period 3."""

    def test_wilson_of_each_period(self):
        # p1 = 38/73 = 0.5205; centre = (0.5205 + 3.8415/146) / (1 + 3.8415/73) = 0.5195
        low, high = hand_wilson(38, 73)
        assert (round(low, 4), round(high, 4)) == (0.4078, 0.6312)
        assert intervals.wilson(38, 73)[1:] == pytest.approx((low, high), abs=1e-12)

    def test_newcombe_difference(self):
        l1, u1 = hand_wilson(38, 73)
        l3, u3 = hand_wilson(57, 74)
        p1, p3 = 38 / 73, 57 / 74
        d = p3 - p1
        low = d - math.sqrt((p3 - l3) ** 2 + (u1 - p1) ** 2)
        high = d + math.sqrt((u3 - p3) ** 2 + (p1 - l1) ** 2)
        assert (round(d, 4), round(low, 4), round(high, 4)) == (0.2497, 0.0953, 0.3886)
        assert intervals.newcombe_difference(38, 73, 57, 74) == pytest.approx((d, low, high))


def test_wilson_matches_statsmodels():
    for count, n in ((0, 10), (1, 1), (3, 20), (20, 20), (57, 74)):
        expected = proportion_confint(count, n, method="wilson")
        assert intervals.wilson(count, n)[1:] == pytest.approx(expected, abs=1e-12)


def test_newcombe_difference_matches_statsmodels():
    for c1, n1, c2, n2 in ((10, 20, 15, 20), (1, 30, 4, 25), (0, 12, 12, 12)):
        low, high = confint_proportions_2indep(c2, n2, c1, n1, method="newcomb", compare="diff")
        assert intervals.newcombe_difference(c1, n1, c2, n2)[1:] == pytest.approx((low, high))


def test_newcombe_paired_by_hand():
    # 18 children: 9 improved, 3 worsened, 6 unchanged (no child can be both).
    l1, u1 = hand_wilson(9, 18)
    l2, u2 = hand_wilson(3, 18)
    p1, p2 = 9 / 18, 3 / 18
    phi = (0 * 6 - 9 * 3) / math.sqrt(9 * 9 * 3 * 15)
    low = (p1 - p2) - math.sqrt((p1 - l1) ** 2 - 2 * phi * (p1 - l1) * (u2 - p2) + (u2 - p2) ** 2)
    high = (p1 - p2) + math.sqrt((u1 - p1) ** 2 - 2 * phi * (u1 - p1) * (p2 - l2) + (p2 - l2) ** 2)
    assert intervals.newcombe_paired(0, 9, 3, 6) == pytest.approx((p1 - p2, low, high))


def test_t_intervals_match_scipy():
    d, low, high = intervals.t_mean(4.0, 1.0, 16)
    half = stats.t.ppf(0.975, 15) * 1.0 / 4
    assert (low, high) == pytest.approx((4.0 - half, 4.0 + half))
    d, low, high = intervals.welch_difference(4.0, 1.0, 20, 3.5, 1.2, 25)
    test = stats.ttest_ind_from_stats(3.5, 1.2, 25, 4.0, 1.0, 20, equal_var=False)
    se = d / test.statistic
    v1, v2 = 1.0 / 20, 1.44 / 25
    df = (v1 + v2) ** 2 / (v1**2 / 19 + v2**2 / 24)
    assert (low, high) == pytest.approx((d - stats.t.ppf(0.975, df) * se,
                                         d + stats.t.ppf(0.975, df) * se))


def test_no_interval_without_data():
    assert all(math.isnan(x) for x in intervals.wilson(0, 0))
    assert math.isnan(intervals.t_mean(3.0, math.nan, 1)[1])
    assert all(math.isnan(x) for x in intervals.welch_difference(1, 1, 1, 2, 1, 5))


@given(st.integers(1, 400).flatmap(lambda n: st.tuples(st.integers(0, n), st.just(n))))
def test_wilson_contains_its_share_and_stays_in_zero_one(pair):
    count, n = pair
    p, low, high = intervals.wilson(count, n)
    assert 0.0 <= low <= p + 1e-12 and p - 1e-12 <= high <= 1.0


@given(st.integers(1, 200), st.integers(1, 200), st.data())
def test_newcombe_contains_its_difference(n1, n2, data):
    c1, c2 = data.draw(st.integers(0, n1)), data.draw(st.integers(0, n2))
    d, low, high = intervals.newcombe_difference(c1, n1, c2, n2)
    assert -1.0 - 1e-12 <= low <= d + 1e-12 and d - 1e-12 <= high <= 1.0 + 1e-12


@given(st.integers(0, 50), st.integers(0, 50), st.integers(0, 50))
def test_paired_interval_contains_its_difference(improved, worsened, unchanged):
    if improved + worsened + unchanged == 0:
        return
    d, low, high = intervals.newcombe_paired(0, improved, worsened, unchanged)
    assert low <= d + 1e-12 and d - 1e-12 <= high


def test_the_bundled_release_carries_the_worked_example():
    """The pipeline's own contrast cell for the pooled 7-18 is the hand computation above."""
    from dsr_analysis import config, tables

    cells = tables.published_cells(config.SYNTHETIC_EXPORT_PATH)
    row = cells[(cells["table"] == "7-18") & (cells["municipality"] == "Alle")
                & (cells["kind"] == "difference") & (cells["label"] == "Det pædagogiske personale")]
    assert len(row) == 1
    assert (row["value"].iloc[0], row["ci_low"].iloc[0], row["ci_high"].iloc[0]) == pytest.approx(
        (57 / 74 - 38 / 73, 0.0953, 0.3886), abs=5e-5)
