"""The trial's economy: cost per institution, per child covered and per additional child found.

Costs are the published ones (``data/trial/published.yml``); the assumptions that turn them into
unit costs are data too (``data/trial/economy.yml``) and are printed beside the table. The cost
per additional child divides the trial's cost by the estimated number of extra children, so its
interval is the difference's interval turned upside down; it is unbounded when that interval
reaches zero.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from dsr_analysis.trial import paths


@dataclass(frozen=True)
class Economy:
    """Published costs and the assumptions the unit costs rest on."""

    annual_cost: float
    social_worker_fte: float
    project_fte: float
    years: int
    operations_social_workers: int
    operations_institutions: int
    assumptions: tuple[dict, ...]

    @property
    def cost_per_social_worker_fte(self) -> float:
        """Annual cost per FTE, spreading the cost evenly over all FTE (project FTE included)."""
        return self.annual_cost / (self.social_worker_fte + self.project_fte)

    def assumption_texts(self, language: str = "da") -> list[str]:
        """Return the assumptions' sentences in ``language``."""
        return [a[f"text_{language}"] for a in self.assumptions]


def load_economy(
    published_path: Path | str = paths.PUBLISHED_PATH, economy_path: Path | str = paths.ECONOMY_PATH
) -> Economy:
    """Read the published costs and the economy's assumptions.

    Examples
    --------
    >>> economy = load_economy()
    >>> economy.annual_cost, economy.years
    (5800000.0, 2)
    """
    costs = paths.read_yaml(published_path)["costs"]
    raw = paths.read_yaml(economy_path)
    return Economy(
        annual_cost=float(costs["annual_cost_dkk"]["value"]),
        social_worker_fte=float(costs["social_worker_fte"]["value"]),
        project_fte=float(costs["project_fte"]["value"]),
        years=int(raw["years"]),
        operations_social_workers=int(costs["operations_social_workers"]["value"]),
        operations_institutions=int(costs["operations_institutions"]["value"]),
        assumptions=tuple(raw["assumptions"]),
    )


def cost_per_additional(cost: float, additional: float, low: float, high: float):
    """Return cost / additional children, and the interval from the additional children's interval.

    The cost falls as the number of children rises, so the interval's ends swap; an interval of
    children reaching zero or below gives an unbounded (infinite) upper end.

    Examples
    --------
    >>> cost_per_additional(1000.0, 10.0, 5.0, 20.0)
    (100.0, 50.0, 200.0)
    >>> cost_per_additional(1000.0, 10.0, -1.0, 20.0)
    (100.0, 50.0, inf)
    """
    value = cost / additional if additional > 0 else math.inf
    ci_low = cost / high if high > 0 else math.inf
    ci_high = cost / low if low > 0 else math.inf
    return value, ci_low, ci_high


def economy_table(
    institutions: pd.DataFrame, estimates: pd.DataFrame, economy: Economy | None = None
) -> pd.DataFrame:
    """Return the unit costs: one row per ``code`` with ``value``, ``ci_low``, ``ci_high``, ``n``.

    ``n`` is what a row is counted over: intervention institutions for the costs per year and
    per institution, their children for the rest, 112 institutions for the operations scenario.

    ``estimates`` is :func:`dsr_analysis.trial.estimates.trial_estimates` output; its
    ``notification_change`` and ``support`` differences (points) give the additional children.

    Examples
    --------
    >>> from dsr_analysis.trial.schema import read_trial
    >>> from dsr_analysis.trial.estimates import trial_estimates
    >>> trial = read_trial()
    >>> estimates = trial_estimates(trial.children, ("support", "notification_change"))
    >>> table = economy_table(trial.institutions, estimates)
    >>> round(float(table.set_index("code").loc["cost_per_institution_year", "value"]))
    141463
    """
    economy = economy or load_economy()
    treated = institutions[institutions["arm"].eq("intervention")]
    n_institutions = len(treated)
    n_children = int(treated["n_children"].sum())
    trial_cost = economy.annual_cost * economy.years
    differences = estimates[estimates["column"].eq("difference")].set_index("outcome")
    nan = np.nan
    records = [
        ("annual_cost", economy.annual_cost, nan, nan, n_institutions),
        ("trial_cost", trial_cost, nan, nan, n_institutions),
        (
            "cost_per_institution_year",
            economy.annual_cost / n_institutions,
            nan,
            nan,
            n_institutions,
        ),
        ("cost_per_child", trial_cost / n_children, nan, nan, n_children),
    ]
    for outcome, count_code, cost_code in (
        ("notification_change", "additional_notified", "cost_per_additional_notified"),
        ("support", "additional_supported", "cost_per_additional_supported"),
    ):
        row = differences.loc[outcome]
        extra = [row[c] / 100 * n_children for c in ("estimate", "ci_low", "ci_high")]
        records.append((count_code, *extra, n_children))
        records.append((cost_code, *cost_per_additional(trial_cost, *extra), n_children))
    operations = (
        economy.cost_per_social_worker_fte
        * economy.operations_social_workers
        / economy.operations_institutions
    )
    records.append(
        (
            "operations_cost_per_institution_year",
            operations,
            nan,
            nan,
            economy.operations_institutions,
        )
    )
    return pd.DataFrame.from_records(records, columns=["code", "value", "ci_low", "ci_high", "n"])
