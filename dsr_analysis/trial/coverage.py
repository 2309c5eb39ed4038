"""How often the intervals cover the truth: many synthetic trials with a known effect.

Each replicate draws a whole trial from the uncalibrated model (same 82 institutions and arm
sizes as Copenhagen's unless ``scale`` shrinks the children), estimates the primary outcomes and
records whether the cluster-robust and the naive 95 % intervals contain the true difference.
"""

from __future__ import annotations

import pandas as pd

from dsr_analysis.trial.estimates import PRIMARY_OUTCOMES, trial_estimates
from dsr_analysis.trial.synthetic import (
    SyntheticSpec,
    load_synthetic_spec,
    synthetic_trial,
    true_effects,
)

FIRST_SEED = 1_000


def replicate_coverage(
    n_trials: int,
    spec: SyntheticSpec | None = None,
    scale: float = 1.0,
    first_seed: int = FIRST_SEED,
) -> pd.DataFrame:
    """Return one row per trial and primary outcome: estimate and whether each interval covers.

    Examples
    --------
    >>> rows = replicate_coverage(2, scale=0.2)
    >>> rows.groupby("outcome").size().tolist()
    [2, 2, 2, 2]
    """
    spec = spec or load_synthetic_spec()
    if scale != 1.0:
        spec = spec.scaled(scale)
    truth = true_effects(spec)
    parts = []
    for seed in range(first_seed, first_seed + n_trials):
        children = synthetic_trial(spec, seed=seed, calibrated=False).children
        estimates = trial_estimates(children, PRIMARY_OUTCOMES)
        differences = estimates[estimates["column"].eq("difference")]
        parts.append(differences.assign(trial=seed))
    rows = pd.concat(parts, ignore_index=True)
    rows["truth"] = rows["outcome"].map(truth)
    rows["covered"] = rows["ci_low"].le(rows["truth"]) & rows["ci_high"].ge(rows["truth"])
    rows["naive_covered"] = rows["naive_ci_low"].le(rows["truth"]) & rows["naive_ci_high"].ge(
        rows["truth"]
    )
    return rows[
        ["trial", "outcome", "truth", "estimate", "se", "naive_se", "covered", "naive_covered"]
    ]


def coverage_summary(rows: pd.DataFrame) -> pd.DataFrame:
    """Return per outcome: trials, mean estimate, truth, cluster-robust and naive coverage.

    Examples
    --------
    >>> rows = pd.DataFrame({"outcome": ["a", "a"], "truth": [1.0, 1.0], "estimate": [0.5, 1.5],
    ...                      "covered": [True, True], "naive_covered": [True, False]})
    >>> coverage_summary(rows)[["coverage", "naive_coverage"]].to_dict("records")
    [{'coverage': 1.0, 'naive_coverage': 0.5}]
    """
    summary = rows.groupby("outcome", sort=False).agg(
        trials=("estimate", "size"),
        truth=("truth", "first"),
        mean_estimate=("estimate", "mean"),
        coverage=("covered", "mean"),
        naive_coverage=("naive_covered", "mean"),
    )
    return summary.reset_index()
