"""The trial's economy (dsr_analysis.trial.economy), checked by hand from the published costs."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from dsr_analysis.trial.economy import cost_per_additional, economy_table, load_economy
from dsr_analysis.trial.estimates import trial_estimates
from dsr_analysis.trial.schema import read_trial

ANNUAL = 5_800_000.0


@pytest.fixture(scope="module")
def trial():
    return read_trial()


@pytest.fixture(scope="module")
def estimates(trial):
    return trial_estimates(trial.children, ("support", "notification_change"))


@pytest.fixture(scope="module")
def table(trial, estimates):
    return economy_table(trial.institutions, estimates).set_index("code")


def test_published_costs_are_read():
    economy = load_economy()
    assert (economy.annual_cost, economy.social_worker_fte, economy.project_fte) == (
        ANNUAL,
        10.5,
        1.0,
    )
    assert len(economy.assumption_texts("da")) == len(economy.assumption_texts("en")) >= 5


def test_unit_costs_by_hand(table):
    assert table.loc["trial_cost", "value"] == 2 * ANNUAL
    assert table.loc["cost_per_institution_year", "value"] == pytest.approx(ANNUAL / 41)
    assert table.loc["cost_per_child", "value"] == pytest.approx(2 * ANNUAL / 5352)


def test_cost_per_additional_child_found(table, estimates):
    did = estimates.set_index(["outcome", "column"]).loc[("notification_change", "difference")]
    extra = did["estimate"] / 100 * 5352
    assert table.loc["additional_notified", "value"] == pytest.approx(extra)
    row = table.loc["cost_per_additional_notified"]
    assert row["value"] == pytest.approx(2 * ANNUAL / extra)
    # The interval turns round: more children found means a lower cost per child.
    assert row["ci_low"] == pytest.approx(2 * ANNUAL / (did["ci_high"] / 100 * 5352))
    assert row["ci_high"] == pytest.approx(2 * ANNUAL / (did["ci_low"] / 100 * 5352))


def test_interval_reaching_zero_leaves_the_cost_unbounded(table):
    # Support's difference interval crosses 0 on the bundled data (1.5 points, ICC > 0).
    assert table.loc["additional_supported", "ci_low"] < 0
    assert math.isinf(table.loc["cost_per_additional_supported", "ci_high"])


def test_operations_scenario(table):
    per_fte = ANNUAL / 11.5
    assert table.loc["operations_cost_per_institution_year", "value"] == pytest.approx(
        per_fte * 10 / 112
    )


@pytest.mark.parametrize(
    "arguments, expected",
    [
        ((100.0, 4.0, 2.0, 5.0), (25.0, 20.0, 50.0)),
        ((100.0, 0.0, -1.0, 1.0), (math.inf, 100.0, math.inf)),
    ],
)
def test_cost_per_additional(arguments, expected):
    assert cost_per_additional(*arguments) == expected


def test_institutions_are_not_changed(trial, estimates):
    before = trial.institutions.copy()
    economy_table(trial.institutions, estimates)
    pd.testing.assert_frame_equal(trial.institutions, before)
