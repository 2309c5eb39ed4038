"""Effect estimates with 95 % intervals that respect clustering by institution (statsmodels).

Every outcome is fitted twice on the same design: once with cluster-robust (sandwich) errors by
institution and a t reference with G - 1 degrees of freedom (G = institutions), once naively as
if the children were independent. ``docs/trial.md`` explains the choices:

* shares (support, notifications): binomial GLM with a logit link and one parameter per arm,
  so each arm's estimate is exactly its share of children; intervals on the logit scale, the
  difference by the delta method;
* the notification change: each child's change (during minus before, in points), compared
  between arms by least squares -- the difference in differences;
* ages at the first investigation and measure: arm means by least squares among the children
  with the event, and their difference.
"""

from __future__ import annotations

import math
import warnings

import numpy as np
import pandas as pd
import statsmodels.api as sm
from scipy import stats

from dsr_analysis.errors import DsrError

LEVEL = 0.95
COLUMNS = (
    "outcome",
    "column",
    "estimate",
    "se",
    "ci_low",
    "ci_high",
    "naive_se",
    "naive_ci_low",
    "naive_ci_high",
    "n",
    "count",
    "n_institutions",
    "unit",
)
# outcome -> (kind, source column, unit)
OUTCOMES = {
    "support": ("share", "support_received", "percent"),
    "notified_before": ("share", "notified_before", "percent"),
    "notified_during": ("share", "notified_during", "percent"),
    "notification_change": ("change", None, "points"),
    "age_first_investigation": ("mean", "age_first_investigation_months", "months"),
    "age_first_measure": ("mean", "age_first_measure_months", "months"),
}
PRIMARY_OUTCOMES = (
    "support",
    "notification_change",
    "age_first_investigation",
    "age_first_measure",
)
_REQUIRED = ("institution_id", "arm")


def _check_columns(frame: pd.DataFrame, columns) -> None:
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise DsrError(f"the children frame lacks the column(s) {', '.join(missing)}")


def _design(arm: pd.Series) -> np.ndarray:
    """One indicator column per arm (intervention, control): the parameters are arm levels."""
    intervention = arm.eq("intervention").to_numpy(dtype=float)
    return np.column_stack([intervention, 1.0 - intervention])


def _interval(estimate: float, se: float, df: float, level: float) -> tuple[float, float]:
    quantile = (
        stats.t.ppf(0.5 + level / 2, df) if np.isfinite(df) else stats.norm.ppf(0.5 + level / 2)
    )
    return estimate - quantile * se, estimate + quantile * se


def _groups(frame: pd.DataFrame) -> np.ndarray:
    return pd.factorize(frame["institution_id"])[0]


def _rows(
    outcome: str, estimates: dict, frame: pd.DataFrame, count_column: str | None
) -> pd.DataFrame:
    unit = OUTCOMES[outcome][2]
    records = []
    for column in ("intervention", "control", "difference"):
        part = frame if column == "difference" else frame[frame["arm"].eq(column)]
        count = np.nan
        if count_column is not None and column != "difference":
            count = float(part[count_column].sum())
        records.append(
            {
                "outcome": outcome,
                "column": column,
                **estimates[column],
                "n": len(part),
                "count": count,
                "n_institutions": part["institution_id"].nunique(),
                "unit": unit,
            }
        )
    return pd.DataFrame.from_records(records, columns=list(COLUMNS))


def _empty_estimate() -> dict:
    return dict.fromkeys(
        ("estimate", "se", "ci_low", "ci_high", "naive_se", "naive_ci_low", "naive_ci_high"), np.nan
    )


def share_estimates(children: pd.DataFrame, column: str, outcome: str, level: float = LEVEL):
    """Return the share (%) of children with ``column == 1`` per arm and the difference (points).

    Binomial GLM, logit link, one parameter per arm; cluster-robust and naive intervals.

    Examples
    --------
    >>> from dsr_analysis.trial.schema import read_trial
    >>> table = share_estimates(read_trial().children, "support_received", "support")
    >>> table.set_index("column")["estimate"].round(2).to_dict()
    {'intervention': 7.01, 'control': 5.5, 'difference': 1.51}
    """
    _check_columns(children, _REQUIRED + (column,))
    y = children[column].to_numpy(dtype=float)
    arm = children["arm"]
    result = {
        "intervention": _empty_estimate(),
        "control": _empty_estimate(),
        "difference": _empty_estimate(),
    }
    counts = children.groupby("arm")[column].agg(["sum", "size"])
    if (
        not all(
            0 < counts.loc[a, "sum"] < counts.loc[a, "size"]
            for a in ("intervention", "control")
            if a in counts.index
        )
        or len(counts) < 2
    ):
        return _rows(outcome, result, children, column)
    model = sm.GLM(y, _design(arm), family=sm.families.Binomial())
    groups = _groups(children)
    fits = {
        "": (
            model.fit(cov_type="cluster", cov_kwds={"groups": groups}),
            len(np.unique(groups)) - 1,
        ),
        "naive_": (model.fit(), math.inf),
    }
    for prefix, (fit, df) in fits.items():
        logits, cov = np.asarray(fit.params), np.asarray(fit.cov_params())
        shares = 1.0 / (1.0 + np.exp(-logits))
        for index, name in enumerate(("intervention", "control")):
            se_logit = math.sqrt(cov[index, index])
            low, high = _interval(logits[index], se_logit, df, level)
            result[name][f"{prefix}se"] = 100 * shares[index] * (1 - shares[index]) * se_logit
            result[name][f"{prefix}ci_low"] = 100 / (1 + math.exp(-low))
            result[name][f"{prefix}ci_high"] = 100 / (1 + math.exp(-high))
            result[name]["estimate"] = 100 * shares[index]
        gradient = np.array([shares[0] * (1 - shares[0]), -shares[1] * (1 - shares[1])])
        se = 100 * math.sqrt(gradient @ cov @ gradient)
        estimate = 100 * (shares[0] - shares[1])
        low, high = _interval(estimate, se, df, level)
        result["difference"].update(
            {
                "estimate": estimate,
                f"{prefix}se": se,
                f"{prefix}ci_low": low,
                f"{prefix}ci_high": high,
            }
        )
    return _rows(outcome, result, children, column)


def mean_estimates(frame: pd.DataFrame, values: pd.Series, outcome: str, level: float = LEVEL):
    """Return the mean of ``values`` per arm and the difference, over rows where it is known.

    Least squares with one parameter per arm; cluster-robust and naive intervals.

    Examples
    --------
    >>> from dsr_analysis.trial.schema import read_trial
    >>> children = read_trial().children
    >>> table = mean_estimates(
    ...     children, children["age_first_investigation_months"], "age_first_investigation"
    ... )
    >>> table.set_index("column")["estimate"].round(1).to_dict()
    {'intervention': 40.0, 'control': 44.0, 'difference': -4.0}
    """
    _check_columns(frame, _REQUIRED)
    known = values.notna().to_numpy()
    part = frame.loc[known]
    y = values[known].to_numpy(dtype=float)
    result = {
        "intervention": _empty_estimate(),
        "control": _empty_estimate(),
        "difference": _empty_estimate(),
    }
    sizes = part["arm"].value_counts()
    if sizes.get("intervention", 0) < 2 or sizes.get("control", 0) < 2:
        return _rows(outcome, result, part, None)
    model = sm.OLS(y, _design(part["arm"]))
    groups = _groups(part)
    fits = {
        "": (
            model.fit(cov_type="cluster", cov_kwds={"groups": groups}),
            len(np.unique(groups)) - 1,
        ),
        "naive_": (model.fit(), len(y) - 2),
    }
    contrasts = {
        "intervention": np.array([1.0, 0.0]),
        "control": np.array([0.0, 1.0]),
        "difference": np.array([1.0, -1.0]),
    }
    for prefix, (fit, df) in fits.items():
        params, cov = np.asarray(fit.params), np.asarray(fit.cov_params())
        for name, contrast in contrasts.items():
            estimate = float(contrast @ params)
            se = math.sqrt(contrast @ cov @ contrast)
            low, high = _interval(estimate, se, df, level)
            result[name].update(
                {
                    "estimate": estimate,
                    f"{prefix}se": se,
                    f"{prefix}ci_low": low,
                    f"{prefix}ci_high": high,
                }
            )
    return _rows(outcome, result, part, None)


def notification_change(children: pd.DataFrame) -> pd.Series:
    """Return each child's change in notification, during minus before, in percentage points.

    Examples
    --------
    >>> frame = pd.DataFrame({"notified_before": [0, 1, 0], "notified_during": [1, 1, 0]})
    >>> notification_change(frame).tolist()
    [100.0, 0.0, 0.0]
    """
    _check_columns(children, ("notified_before", "notified_during"))
    change = children["notified_during"].astype(float) - children["notified_before"].astype(float)
    return (100.0 * change).rename("notification_change")


def outcome_values(children: pd.DataFrame, outcome: str) -> pd.Series:
    """Return the per-child values an outcome is estimated from (0/1, points or months).

    Examples
    --------
    >>> frame = pd.DataFrame({"notified_before": [0, 1], "notified_during": [1, 1]})
    >>> outcome_values(frame, "notification_change").tolist()
    [100.0, 0.0]
    """
    kind, column, _ = OUTCOMES[outcome]
    if kind == "change":
        return notification_change(children)
    _check_columns(children, (column,))
    return children[column].astype("Float64").astype(float)


def outcome_estimates(children: pd.DataFrame, outcome: str, level: float = LEVEL) -> pd.DataFrame:
    """Return the three rows (intervention, control, difference) of one outcome.

    Examples
    --------
    >>> from dsr_analysis.trial.schema import read_trial
    >>> table = outcome_estimates(read_trial().children, "notification_change")
    >>> round(float(table.set_index("column").loc["difference", "estimate"]), 3)
    2.885
    """
    kind, column, _ = OUTCOMES[outcome]
    if kind == "share":
        return share_estimates(children, column, outcome, level)
    return mean_estimates(children, outcome_values(children, outcome), outcome, level)


def trial_estimates(
    children: pd.DataFrame, outcomes: tuple[str, ...] = tuple(OUTCOMES), level: float = LEVEL
) -> pd.DataFrame:
    """Return every outcome's per-arm estimates and difference, cluster-robust and naive.

    Columns: ``outcome``, ``column`` (intervention / control / difference), ``estimate``,
    ``se``, ``ci_low``, ``ci_high`` (cluster-robust), ``naive_se``, ``naive_ci_low``,
    ``naive_ci_high``, ``n`` (children), ``count`` (children with the event, for shares),
    ``n_institutions`` and ``unit``.

    Examples
    --------
    >>> from dsr_analysis.trial.schema import read_trial
    >>> table = trial_estimates(read_trial().children)
    >>> table.groupby("outcome").size().to_dict()["support"]
    3
    """
    return pd.concat([outcome_estimates(children, o, level) for o in outcomes], ignore_index=True)


def intraclass_correlation(
    frame: pd.DataFrame, values: pd.Series, cluster: str = "institution_id", arm: str = "arm"
) -> float:
    """Return the ANOVA estimate of the ICC of ``values``, clusters nested in arms.

    ICC = (MSB - MSW) / (MSB + (n0 - 1) MSW), with mean squares between and within clusters
    after removing the arm means and n0 the usual adjusted cluster size for unequal clusters.
    Rows with missing values are dropped; a negative estimate is returned as 0.

    Examples
    --------
    >>> frame = pd.DataFrame({"institution_id": list("aabbccdd"), "arm": list("xxxxyyyy")})
    >>> round(intraclass_correlation(frame, pd.Series([1.0, 1, 3, 3, 5, 5, 7, 7])), 6)
    1.0
    """
    known = values.notna().to_numpy()
    data = pd.DataFrame(
        {
            "cluster": frame[cluster].to_numpy()[known],
            "arm": frame[arm].to_numpy()[known],
            "y": values.to_numpy(dtype=float)[known],
        }
    )
    by_cluster = data.groupby("cluster").agg(
        n=("y", "size"), mean=("y", "mean"), arm=("arm", "first")
    )
    arm_mean = data.groupby("arm")["y"].mean()
    n_total, n_clusters, n_arms = len(data), len(by_cluster), data["arm"].nunique()
    if n_clusters <= n_arms or n_total <= n_clusters:
        return float("nan")
    within = ((data["y"] - data["cluster"].map(by_cluster["mean"])) ** 2).sum()
    between = (by_cluster["n"] * (by_cluster["mean"] - by_cluster["arm"].map(arm_mean)) ** 2).sum()
    msw = within / (n_total - n_clusters)
    msb = between / (n_clusters - n_arms)
    arm_total = by_cluster.groupby("arm")["n"].transform("sum")
    n0 = (n_total - (by_cluster["n"] ** 2 / arm_total).sum()) / (n_clusters - n_arms)
    if msb + (n0 - 1) * msw == 0:
        return float("nan")
    return max(0.0, float((msb - msw) / (msb + (n0 - 1) * msw)))


def design_effect(icc: float, cluster_sizes: pd.Series) -> float:
    """Return the design effect 1 + (sum(m²)/sum(m) - 1) * ICC for unequal cluster sizes m.

    This is Eldridge et al.'s 1 + ((cv² + 1) m̄ - 1) ICC with cv the coefficient of variation
    of the sizes; for equal sizes it is the familiar 1 + (m - 1) ICC.

    Examples
    --------
    >>> design_effect(0.01, pd.Series([100, 100]))
    1.99
    """
    sizes = cluster_sizes.astype(float)
    return float(1.0 + ((sizes**2).sum() / sizes.sum() - 1.0) * icc)


def clustering_summary(
    children: pd.DataFrame, estimates: pd.DataFrame | None = None
) -> pd.DataFrame:
    """Return the ICC, design effect and empirical variance ratio of each primary outcome.

    ``variance_ratio`` is (cluster-robust SE / naive SE)² of the arm difference: how much the
    clustering actually widens the interval. ``estimates`` (from :func:`trial_estimates`) is
    computed when not given.

    Examples
    --------
    >>> from dsr_analysis.trial.schema import read_trial
    >>> summary = clustering_summary(read_trial().children)
    >>> summary["outcome"].tolist()
    ['support', 'notification_change', 'age_first_investigation', 'age_first_measure']
    """
    if estimates is None:
        estimates = trial_estimates(children, PRIMARY_OUTCOMES)
    differences = estimates[estimates["column"].eq("difference")].set_index("outcome")
    records = []
    for outcome in PRIMARY_OUTCOMES:
        values = outcome_values(children, outcome)
        sizes = children.loc[values.notna().to_numpy(), "institution_id"].value_counts()
        icc = intraclass_correlation(children, values)
        row = differences.loc[outcome]
        records.append(
            {
                "outcome": outcome,
                "icc": icc,
                "design_effect": design_effect(icc, sizes),
                "variance_ratio": float((row["se"] / row["naive_se"]) ** 2),
                "n": int(sizes.sum()),
                "n_institutions": len(sizes),
                "mean_cluster_size": float(sizes.mean()),
            }
        )
    return pd.DataFrame.from_records(records)


def support_gee_estimates(children: pd.DataFrame, level: float = LEVEL) -> pd.DataFrame:
    """Return support per arm and the difference from GEE (binomial, exchangeable): a sensitivity.

    GEE weighs institutions nearer to equally than the children-weighted GLM, so its arm
    estimates are not exactly the published shares of children; its robust intervals use the
    same t reference with G - 1 degrees of freedom. Naive columns are empty.

    Examples
    --------
    >>> from dsr_analysis.trial.schema import read_trial
    >>> table = support_gee_estimates(read_trial().children)
    >>> bool(table["ci_low"].lt(table["estimate"]).all())
    True
    """
    _check_columns(children, _REQUIRED + ("support_received",))
    groups = _groups(children)
    model = sm.GEE(
        children["support_received"].to_numpy(dtype=float),
        _design(children["arm"]),
        groups=groups,
        family=sm.families.Binomial(),
        cov_struct=sm.cov_struct.Exchangeable(),
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        fit = model.fit()
    df = len(np.unique(groups)) - 1
    logits, cov = np.asarray(fit.params), np.asarray(fit.cov_params())
    shares = 1.0 / (1.0 + np.exp(-logits))
    result = {}
    for index, name in enumerate(("intervention", "control")):
        se_logit = math.sqrt(cov[index, index])
        low, high = _interval(logits[index], se_logit, df, level)
        result[name] = {
            **_empty_estimate(),
            "estimate": 100 * shares[index],
            "se": 100 * shares[index] * (1 - shares[index]) * se_logit,
            "ci_low": 100 / (1 + math.exp(-low)),
            "ci_high": 100 / (1 + math.exp(-high)),
        }
    gradient = np.array([shares[0] * (1 - shares[0]), -shares[1] * (1 - shares[1])])
    se = 100 * math.sqrt(gradient @ cov @ gradient)
    estimate = 100 * (shares[0] - shares[1])
    low, high = _interval(estimate, se, df, level)
    result["difference"] = {
        **_empty_estimate(),
        "estimate": estimate,
        "se": se,
        "ci_low": low,
        "ci_high": high,
    }
    return _rows("support", result, children, "support_received")
