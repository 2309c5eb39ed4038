"""The calibrated synthetic trial (dsr_analysis.trial.synthetic) and its random streams."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import integrate, special, stats

from dsr_analysis.trial import paths, streams
from dsr_analysis.trial.schema import read_trial
from dsr_analysis.trial.synthetic import (
    integers_with_mean,
    integers_with_total,
    latent_threshold,
    load_synthetic_spec,
    synthetic_trial,
    true_effects,
    write_trial,
)

MASK64 = (1 << 64) - 1
GOLDEN_LOTTERY = np.array([0.18591234986360844, 0.2446739986240885, 0.20125176375453452])


def reference_splitmix64(state: int, count: int) -> list[int]:
    """SplitMix64 in plain Python integers (Steele, Lea & Flood 2014), the independent reference."""
    out = []
    for _ in range(count):
        state = (state + 0x9E3779B97F4A7C15) & MASK64
        z = state
        z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & MASK64
        z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & MASK64
        out.append(z ^ (z >> 31))
    return out


@pytest.fixture(scope="module")
def bundled():
    return read_trial()


class TestStreams:
    def test_uniforms_match_a_plain_python_splitmix64(self):
        key = int(streams.stream_key(42, "check"))
        expected = [((z >> 11) + 0.5) * 2.0**-53 for z in reference_splitmix64(key, 5)]
        np.testing.assert_array_equal(streams.uniform(42, "check", 5), np.array(expected))

    def test_golden_values_catch_any_change_of_the_streams(self):
        # Golden output: pins the bundled files' randomness (a change test, not a correctness test).
        np.testing.assert_allclose(
            streams.uniform(20110101, "lottery", 3), GOLDEN_LOTTERY, rtol=0, atol=1e-15
        )

    def test_streams_are_independent_of_each_other_and_of_length(self):
        long = streams.uniform(1, "a", 100)
        np.testing.assert_array_equal(streams.uniform(1, "a", 10), long[:10])
        assert not np.array_equal(streams.uniform(1, "b", 10), long[:10])

    def test_normals_are_standard_normal(self):
        z = streams.normal(3, "normal", 20_000)
        assert stats.kstest(z, "norm").pvalue > 0.01


class TestRounding:
    @settings(max_examples=100, deadline=None)
    @given(st.lists(st.floats(0, 1000, allow_nan=False), min_size=1, max_size=50), st.data())
    def test_integers_with_total(self, values, data):
        values = np.array(values)
        low, high = int(np.floor(values).sum()), int(np.ceil(values).sum())
        total = data.draw(st.integers(low, high))
        result = integers_with_total(values, total)
        assert int(result.sum()) == total
        assert ((result == np.floor(values)) | (result == np.ceil(values))).all()

    def test_impossible_total_is_refused(self):
        with pytest.raises(ValueError, match="cannot round"):
            integers_with_total(np.array([1.5, 1.5]), 7)

    @settings(max_examples=100, deadline=None)
    @given(
        st.lists(st.floats(0, 100, allow_nan=False), min_size=2, max_size=80),
        st.floats(30, 60, allow_nan=False),
    )
    def test_integers_with_mean(self, values, mean):
        result = integers_with_mean(np.array(values), mean)
        assert abs(result.mean() - mean) <= 0.5 / len(values) + 1e-12
        assert (result >= 0).all()


class TestLatentThreshold:
    @pytest.mark.parametrize("share, sd", [(0.017, 0.0), (0.07, 0.42), (0.3, 1.0)])
    def test_marginal_share_by_numerical_integration(self, share, sd):
        c = latent_threshold(share, sd)
        if sd == 0:
            assert special.expit(-c) == pytest.approx(share, abs=1e-10)
            return
        marginal, _ = integrate.quad(
            lambda v: special.expit(v - c) * stats.norm.pdf(v, scale=sd), -10 * sd, 10 * sd
        )
        assert marginal == pytest.approx(share, abs=1e-8)


class TestBundledTrial:
    def test_regenerating_gives_byte_identical_files(self, tmp_path):
        write_trial(synthetic_trial(), tmp_path)
        for name in (paths.INSTITUTIONS_FILE, paths.CHILDREN_FILE):
            assert (tmp_path / name).read_bytes() == (paths.TRIAL_DIR / name).read_bytes(), name

    def test_another_seed_gives_another_trial(self):
        one, other = synthetic_trial(seed=1), synthetic_trial(seed=2)
        assert not one.children["support_received"].equals(other.children["support_received"])

    def test_design(self, bundled):
        institutions = bundled.institutions
        assert institutions.groupby("arm").size().to_dict() == {"control": 41, "intervention": 41}
        sizes = institutions.groupby("arm")["n_children"].sum().to_dict()
        assert sizes == {"control": 4475, "intervention": 5352}
        assert institutions["n_children"].std() > 20  # unequal sizes
        assert institutions["n_children"].min() >= load_synthetic_spec().min_size

    @pytest.mark.parametrize(
        "column, intervention, control",
        [
            ("support_received", round(0.07 * 5352), math.floor(0.055 * 4475 + 0.5)),
            ("notified_before", round(0.017 * 5352), round(0.017 * 4475)),
            ("notified_during", round(0.058 * 5352), round(0.029 * 4475)),
        ],
    )
    def test_exact_quotas(self, bundled, column, intervention, control):
        counts = bundled.children.groupby("arm")[column].sum()
        assert (int(counts["intervention"]), int(counts["control"])) == (intervention, control)

    def test_mean_ages_hit_their_targets(self, bundled):
        spec = load_synthetic_spec()
        means = bundled.children.groupby("arm")[list(spec.age_means)].mean()
        for column, targets in spec.age_means.items():
            for arm, target in targets.items():
                assert abs(means.loc[arm, column] - target) < 0.01, (column, arm)

    def test_events_only_for_supported_children(self, bundled):
        children = bundled.children
        supported = children["support_received"].eq(1)
        assert children["age_first_investigation_months"].notna().eq(supported).all()
        assert children["age_first_measure_months"].notna().eq(supported).all()

    def test_institutions_differ_beyond_chance(self, bundled):
        # With the stated ICC the institutions' support shares spread more than binomially.
        children = bundled.children
        table = pd.crosstab(children["institution_id"], children["support_received"])
        assert stats.chi2_contingency(table).pvalue < 0.05


def test_uncalibrated_trials_scatter_around_the_truth():
    spec = load_synthetic_spec().scaled(0.5)
    differences = []
    for seed in range(20):
        children = synthetic_trial(spec, seed=seed, calibrated=False).children
        shares = children.groupby("arm")["support_received"].mean()
        differences.append(100 * (shares["intervention"] - shares["control"]))
    assert len(set(np.round(differences, 6))) == 20
    assert abs(np.mean(differences) - true_effects(spec)["support"]) < 0.6


def test_true_effects_are_the_published_differences():
    assert true_effects() == pytest.approx(
        {
            "support": 1.5,
            "notification_change": 2.9,
            "age_first_investigation": -4.0,
            "age_first_measure": -7.5,
        }
    )
