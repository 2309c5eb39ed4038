"""Effect estimates with cluster-robust intervals (dsr_analysis.trial.estimates).

Two kinds of test: the "done when" checks against the published figures on the bundled data,
and checks of each number against an independent pandas / numpy computation.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from dsr_analysis.errors import DsrError
from dsr_analysis.trial.cells import published_figures
from dsr_analysis.trial.estimates import (
    clustering_summary,
    design_effect,
    intraclass_correlation,
    mean_estimates,
    notification_change,
    share_estimates,
    support_gee_estimates,
    trial_estimates,
)
from dsr_analysis.trial.schema import read_trial


@pytest.fixture(scope="module")
def children() -> pd.DataFrame:
    return read_trial().children


@pytest.fixture(scope="module")
def estimates(children) -> pd.DataFrame:
    return trial_estimates(children).set_index(["outcome", "column"])


def cr1_standard_error(
    values: pd.Series, clusters: pd.Series, n_parameters: int, n_total: int, n_clusters: int
) -> float:
    """SE of a mean by the CR1 sandwich, written out: sqrt(c * sum_j (sum_i e_ij)^2) / n."""
    residuals = values - values.mean()
    cluster_sums = residuals.groupby(clusters).sum()
    correction = n_clusters / (n_clusters - 1) * (n_total - 1) / (n_total - n_parameters)
    return math.sqrt(correction * (cluster_sums**2).sum()) / len(values)


class TestPublishedFiguresRecovered:
    """The issue's "done when": the bundled data give back the published figures."""

    def test_support(self, estimates):
        assert abs(estimates.loc[("support", "intervention"), "estimate"] - 7.0) <= 0.3
        assert abs(estimates.loc[("support", "control"), "estimate"] - 5.5) <= 0.3

    def test_difference_in_differences(self, estimates):
        assert abs(estimates.loc[("notification_change", "difference"), "estimate"] - 2.9) <= 0.5

    def test_age_differences(self, estimates):
        assert abs(estimates.loc[("age_first_investigation", "difference"), "estimate"] + 4) <= 1
        assert abs(estimates.loc[("age_first_measure", "difference"), "estimate"] + 7.5) <= 1.5

    @pytest.mark.parametrize(
        "figure, outcome, column",
        [
            ("support_intervention", "support", "intervention"),
            ("support_control", "support", "control"),
            ("notification_change_intervention", "notification_change", "intervention"),
            ("notification_change_control", "notification_change", "control"),
            ("age_first_investigation_difference", "age_first_investigation", "difference"),
            ("age_first_measure_difference", "age_first_measure", "difference"),
        ],
    )
    def test_published_figure_inside_cluster_robust_interval(
        self, estimates, figure, outcome, column
    ):
        published = published_figures()[f"outcomes.{figure}"]
        row = estimates.loc[(outcome, column)]
        assert row["ci_low"] <= published <= row["ci_high"]


class TestAgainstIndependentComputation:
    def test_shares_are_the_arms_shares_of_children(self, children, estimates):
        expected = 100 * children.groupby("arm")["support_received"].mean()
        got = estimates.loc["support"]["estimate"].drop("difference")
        pd.testing.assert_series_equal(
            got.sort_index(), expected.sort_index(), check_names=False, rtol=1e-9
        )

    def test_mean_ages(self, children, estimates):
        expected = children.groupby("arm")["age_first_measure_months"].mean().astype(float)
        got = estimates.loc["age_first_measure"]["estimate"].drop("difference")
        pd.testing.assert_series_equal(
            got.sort_index(), expected.sort_index(), check_names=False, rtol=1e-9
        )

    def test_difference_in_differences_from_four_shares(self, children, estimates):
        shares = children.groupby("arm")[["notified_before", "notified_during"]].mean()
        change = 100 * (shares["notified_during"] - shares["notified_before"])
        expected = change["intervention"] - change["control"]
        got = estimates.loc[("notification_change", "difference"), "estimate"]
        assert got == pytest.approx(expected, rel=1e-9)

    def test_cluster_robust_se_of_a_share_is_the_cr1_sandwich(self, children, estimates):
        n_clusters = children["institution_id"].nunique()
        parts = {}
        for arm, part in children.groupby("arm"):
            parts[arm] = cr1_standard_error(
                100 * part["support_received"],
                part["institution_id"],
                2,
                len(children),
                n_clusters,
            )
            assert estimates.loc[("support", arm), "se"] == pytest.approx(parts[arm], rel=1e-6)
        difference = math.hypot(parts["intervention"], parts["control"])
        assert estimates.loc[("support", "difference"), "se"] == pytest.approx(difference, rel=1e-6)

    def test_cluster_robust_se_of_a_mean_difference(self, children, estimates):
        known = children[children["age_first_investigation_months"].notna()]
        values = known["age_first_investigation_months"].astype(float)
        n_clusters = known["institution_id"].nunique()
        ses = [
            cr1_standard_error(
                values[known["arm"].eq(arm)],
                known.loc[known["arm"].eq(arm), "institution_id"],
                2,
                len(known),
                n_clusters,
            )
            for arm in ("intervention", "control")
        ]
        got = estimates.loc[("age_first_investigation", "difference"), "se"]
        assert got == pytest.approx(math.hypot(*ses), rel=1e-6)

    def test_interval_uses_t_with_clusters_minus_one(self, estimates):
        row = estimates.loc[("notification_change", "difference")]
        quantile = (row["ci_high"] - row["estimate"]) / row["se"]
        assert quantile == pytest.approx(stats.t.ppf(0.975, 82 - 1), rel=1e-9)


class TestClustering:
    def test_icc_of_a_hand_worked_balanced_example(self):
        # Two clusters of three: means 2 and 5 around a grand mean 3.5.
        frame = pd.DataFrame({"institution_id": list("aaabbb"), "arm": "x"})
        values = pd.Series([1.0, 2, 3, 4, 5, 6])
        msb = 3 * ((2 - 3.5) ** 2 + (5 - 3.5) ** 2) / 1
        msw = (1 + 0 + 1 + 1 + 0 + 1) / 4
        expected = (msb - msw) / (msb + 2 * msw)
        assert intraclass_correlation(frame, values) == pytest.approx(expected)

    def test_icc_removes_the_arm_difference(self):
        frame = pd.DataFrame({"institution_id": list("aabbccdd"), "arm": list("xxxxyyyy")})
        # Within each arm the two clusters are identical, so no clustering remains.
        values = pd.Series([1.0, 2, 1, 2, 11, 12, 11, 12])
        assert intraclass_correlation(frame, values) == 0.0

    def test_design_effect_for_equal_clusters(self):
        assert design_effect(0.05, pd.Series([20] * 10)) == pytest.approx(1 + 19 * 0.05)

    def test_summary_states_icc_and_design_effect_per_outcome(self, children):
        summary = clustering_summary(children).set_index("outcome")
        assert (summary["icc"] > 0).all() and (summary["icc"] < 0.1).all()
        assert (summary["design_effect"] > 1).all()
        # The naive interval is too narrow wherever institutions matter.
        assert (summary["variance_ratio"] > 1).all()
        assert summary.loc["support", "n_institutions"] == 82


class TestNaiveAnalysis:
    def test_naive_intervals_are_narrower_for_shares(self, estimates):
        for outcome in ("support", "notification_change"):
            row = estimates.loc[(outcome, "difference")]
            assert row["naive_ci_high"] - row["naive_ci_low"] < row["ci_high"] - row["ci_low"]

    def test_naive_and_cluster_share_the_point_estimate(self, children):
        table = share_estimates(children, "support_received", "support")
        assert table["naive_ci_low"].lt(table["estimate"]).all()
        assert table["estimate"].lt(table["naive_ci_high"]).all()


def test_gee_sensitivity_is_close_to_the_glm(children, estimates):
    gee = support_gee_estimates(children).set_index("column")
    glm = estimates.loc[("support", "difference"), "estimate"]
    assert abs(gee.loc["difference", "estimate"] - glm) < 0.5
    assert gee.loc["difference", "ci_low"] < gee.loc["difference", "estimate"]


def test_inputs_are_not_changed(children):
    before = children.copy()
    trial_estimates(children, ("support", "age_first_measure"))
    pd.testing.assert_frame_equal(children, before)


def test_missing_column_is_an_error():
    frame = pd.DataFrame({"institution_id": ["a"], "arm": ["control"]})
    with pytest.raises(DsrError, match="support_received"):
        share_estimates(frame, "support_received", "support")


def test_an_arm_without_events_gives_no_interval():
    frame = pd.DataFrame(
        {
            "institution_id": list("aabb"),
            "arm": ["intervention"] * 2 + ["control"] * 2,
            "support_received": [0, 0, 1, 0],
        }
    )
    table = share_estimates(frame, "support_received", "support")
    assert table["ci_low"].isna().all()


def test_notification_change_in_points():
    frame = pd.DataFrame({"notified_before": [1, 0, 1], "notified_during": [0, 1, 1]})
    np.testing.assert_array_equal(notification_change(frame).to_numpy(), [-100.0, 100.0, 0.0])


def test_mean_estimates_ignore_children_without_the_event(children):
    values = children["age_first_investigation_months"]
    table = mean_estimates(children, values, "age_first_investigation").set_index("column")
    assert table.loc["difference", "n"] == int(values.notna().sum())
