"""Coverage of the intervals over many synthetic trials with a known effect (trial.coverage)."""

from __future__ import annotations

import pandas as pd
import pytest

from dsr_analysis.trial.coverage import coverage_summary, replicate_coverage
from dsr_analysis.trial.estimates import PRIMARY_OUTCOMES
from dsr_analysis.trial.synthetic import true_effects


def test_replicates_record_coverage_against_the_truth():
    rows = replicate_coverage(2, scale=0.2)
    assert rows.groupby("outcome").size().to_dict() == dict.fromkeys(PRIMARY_OUTCOMES, 2)
    truth = rows.drop_duplicates("outcome").set_index("outcome")["truth"].to_dict()
    assert truth == pytest.approx(true_effects())
    covered = rows["estimate"].sub(rows["truth"]).abs() <= 1.96 * rows["se"]
    # A t(81) interval is a little wider than +-1.96 SE, so it covers whenever that does.
    assert (rows["covered"] | ~covered).all()


def test_summary_is_the_share_of_trials_covered():
    rows = pd.DataFrame(
        {
            "outcome": ["a"] * 4,
            "truth": 0.0,
            "estimate": [1.0, 2.0, 3.0, 4.0],
            "covered": [True, True, True, False],
            "naive_covered": [True, False, False, False],
        }
    )
    summary = coverage_summary(rows).iloc[0]
    assert (summary["trials"], summary["coverage"], summary["naive_coverage"]) == (4, 0.75, 0.25)
    assert summary["mean_estimate"] == 2.5


@pytest.mark.slow
def test_cluster_aware_intervals_cover_and_naive_ones_do_not():
    """200 full-size trials (82 institutions, 9,827 children); about 35 s on two cores."""
    summary = coverage_summary(replicate_coverage(200)).set_index("outcome")
    for outcome, row in summary.iterrows():
        assert 0.92 <= row["coverage"] <= 0.98, outcome
        assert row["naive_coverage"] <= row["coverage"] - 0.04, outcome
    # Where institutions weigh most (a share over ~120 children per institution), clearly less.
    assert summary.loc["support", "naive_coverage"] < 0.85
    # Unbiased: the mean estimate is near the truth (Monte Carlo error well below this).
    bias = (summary["mean_estimate"] - summary["truth"]).abs()
    assert (bias < 0.25 * summary["truth"].abs()).all()
