"""Calibrated synthetic trial data: 82 institutions, the published arms, clustered outcomes.

Two modes share one data-generating model (``docs/trial.md``):

* ``calibrated=True`` (the bundled files): quotas make each arm hit the published shares exactly
  and the mean ages hit their targets to the month, while institution random effects decide
  *which* institutions carry the events. The estimates then recover the published figures.
* ``calibrated=False`` (the coverage simulation): every child is drawn from the model, so the
  estimates scatter around the true effects as in a real trial.

Binary outcomes follow a latent-threshold model: a child has the event when an institution
effect plus a standard logistic child term exceeds a threshold. Ages at the first event are an
institution effect plus a normal child term. Randomness comes from :mod:`.streams`, so the
files do not depend on numpy's ``Generator``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np
import pandas as pd
from numpy.polynomial import hermite_e
from scipy import optimize, special

from dsr_analysis.trial import paths, streams
from dsr_analysis.trial.schema import EVENT_COLUMNS, Trial, default_trial_codebook

ARMS = ("intervention", "control")
BINARY_OUTCOMES = ("notified_before", "notified_during", "support_received")
_MAX_GAP_MONTHS = 20.0


@dataclass(frozen=True)
class SyntheticSpec:
    """The calibration of the synthetic trial (``data/trial/synthetic.yml``)."""

    seed: int
    institutions: dict[str, int]
    children: dict[str, int]
    size_cv: float
    min_size: int
    shares: dict[str, dict[str, float]]
    age_means: dict[str, dict[str, float]]
    age_sd: float
    gap_sd: float
    max_months: int
    age_months_range: tuple[int, int]
    binary_latent_icc: float
    shared_fraction: float
    age_icc: float

    def scaled(self, factor: float) -> SyntheticSpec:
        """Return the same design with ``factor`` times the children (for quick simulations).

        Examples
        --------
        >>> load_synthetic_spec().scaled(0.5).children
        {'intervention': 2676, 'control': 2238}
        """
        return replace(
            self,
            children={arm: _round_half_up(n * factor) for arm, n in self.children.items()},
            min_size=max(1, _round_half_up(self.min_size * factor)),
        )


def load_synthetic_spec(path: Path | str = paths.SYNTHETIC_SPEC_PATH) -> SyntheticSpec:
    """Read the synthetic trial's calibration.

    Examples
    --------
    >>> spec = load_synthetic_spec()
    >>> spec.children["intervention"], spec.shares["support_received"]["control"]
    (5352, 0.055)
    """
    raw = paths.read_yaml(path)
    ages = raw["ages"]
    return SyntheticSpec(
        seed=int(raw["seed"]),
        institutions={k: int(v) for k, v in raw["institutions"].items()},
        children={k: int(v) for k, v in raw["children"].items()},
        size_cv=float(raw["size_cv"]),
        min_size=int(raw["min_size"]),
        shares={k: {a: float(p) for a, p in v.items()} for k, v in raw["shares"].items()},
        age_means={
            column: {a: float(m) for a, m in ages[column].items()} for column in EVENT_COLUMNS
        },
        age_sd=float(ages["sd"]),
        gap_sd=float(ages["gap_sd"]),
        max_months=int(ages["max_months"]),
        age_months_range=tuple(int(x) for x in raw["age_months_range"]),
        binary_latent_icc=float(raw["clustering"]["binary_latent_icc"]),
        shared_fraction=float(raw["clustering"]["shared_fraction"]),
        age_icc=float(raw["clustering"]["age_icc"]),
    )


def _round_half_up(x: float) -> int:
    return int(math.floor(x + 0.5))


def integers_with_total(values: np.ndarray, total: int) -> np.ndarray:
    """Round non-negative ``values`` to whole numbers that add up to ``total`` exactly.

    Largest-remainder rounding: floor everything, then add one to the values with the largest
    fractional parts (ties broken by position) until the total is reached. Every result is its
    value rounded down or up.

    Raises
    ------
    ValueError
        If ``total`` cannot be reached by rounding each value down or up.

    Examples
    --------
    >>> integers_with_total(np.array([1.2, 2.7, 3.1]), 7).tolist()
    [1, 3, 3]
    """
    floors = np.floor(values)
    missing = int(total - floors.sum())
    if not 0 <= missing <= int((values > floors).sum()):
        raise ValueError(f"cannot round {len(values)} values to a total of {total}")
    order = np.argsort(-(values - floors), kind="stable")
    result = floors.astype(np.int64)
    result[order[:missing]] += 1
    return result


def integers_with_mean(values: np.ndarray, mean: float) -> np.ndarray:
    """Shift ``values`` to ``mean`` and round them to whole numbers whose mean is ``mean``.

    Values the shift would push below zero stay at zero, and the others shift a little further
    to make up for them. The mean is exact up to rounding the total: within
    ``0.5 / len(values)``.

    Examples
    --------
    >>> integers_with_mean(np.array([10.0, 20.0, 33.0]), 20.0).tolist()
    [9, 19, 32]
    >>> integers_with_mean(np.array([20.0, 53.0, 80.0]), 30.0).tolist()
    [0, 32, 58]
    """
    total = _round_half_up(mean * len(values))

    def excess(shift: float) -> float:
        return float(np.clip(values + shift, 0.0, None).sum()) - total

    low = -float(values.max())
    shift = optimize.brentq(excess, low, total - float(values.min()) + 1.0, xtol=1e-12)
    shifted = np.clip(values + shift, 0.0, None)
    # The root is exact only to xtol; give any shortfall to the largest value.
    shifted[np.argmax(shifted)] += total - shifted.sum()
    return integers_with_total(shifted, total)


def institution_sizes(n: int, total: int, cv: float, min_size: int, seed: int, stream: str):
    """Return ``n`` unequal whole sizes of at least ``min_size`` adding up to ``total``.

    Sizes above the minimum are log-normal with coefficient of variation ``cv``.

    Examples
    --------
    >>> sizes = institution_sizes(5, 500, 0.4, 30, 1, "demo")
    >>> int(sizes.sum()), bool((sizes >= 30).all())
    (500, True)
    """
    sigma = math.sqrt(math.log(1.0 + cv**2))
    weights = np.exp(sigma * streams.normal(seed, stream, n))
    extra = (total - n * min_size) * weights / weights.sum()
    return min_size + integers_with_total(extra, total - n * min_size)


def latent_threshold(share: float, cluster_sd: float) -> float:
    """Return the threshold ``c`` with ``E[expit(v - c)] = share`` for ``v ~ N(0, cluster_sd²)``.

    Examples
    --------
    >>> abs(latent_threshold(0.5, 0.4)) < 1e-9
    True
    >>> round(float(special.expit(-latent_threshold(0.07, 0.0))), 6)
    0.07
    """
    nodes, weights = hermite_e.hermegauss(60)
    weights = weights / weights.sum()

    def gap(c: float) -> float:
        return float(np.sum(weights * special.expit(cluster_sd * nodes - c))) - share

    return float(optimize.brentq(gap, -30.0, 30.0, xtol=1e-12))


def synthetic_institutions(spec: SyntheticSpec, seed: int | None = None) -> pd.DataFrame:
    """Return the pool of institutions: id, arm (by lottery order), size and ``synthetic = 1``.

    Examples
    --------
    >>> institutions = synthetic_institutions(load_synthetic_spec())
    >>> institutions.groupby("arm")["n_children"].sum().to_dict()
    {'control': 4475, 'intervention': 5352}
    """
    seed = spec.seed if seed is None else seed
    arms, sizes = [], []
    for arm in ARMS:
        n = spec.institutions[arm]
        arms += [arm] * n
        sizes.append(
            institution_sizes(
                n, spec.children[arm], spec.size_cv, spec.min_size, seed, f"{arm}/size"
            )
        )
    lottery = np.argsort(streams.uniform(seed, "lottery", len(arms)), kind="stable")
    frame = pd.DataFrame(
        {"arm": np.array(arms)[lottery], "n_children": np.concatenate(sizes)[lottery]}
    )
    width = len(str(len(frame)))
    frame.insert(0, "institution_id", [f"I{i + 1:0{width}d}" for i in range(len(frame))])
    return frame.assign(synthetic=1)


def _binary_outcome(
    codes: np.ndarray,
    share: float,
    spec: SyntheticSpec,
    seed: int,
    stream: str,
    burden: np.ndarray,
    calibrated: bool,
) -> np.ndarray:
    total_var = spec.binary_latent_icc / (1.0 - spec.binary_latent_icc) * np.pi**2 / 3.0
    specific_sd = math.sqrt(total_var * (1.0 - spec.shared_fraction))
    effect = burden + specific_sd * streams.normal(seed, f"{stream}/institution", len(burden))
    latent = effect[codes] + streams.logistic(seed, f"{stream}/child", len(codes))
    if calibrated:
        chosen = np.zeros(len(codes), dtype=np.int64)
        chosen[np.argsort(-latent, kind="stable")[: _round_half_up(share * len(codes))]] = 1
        return chosen
    return (latent > latent_threshold(share, math.sqrt(total_var))).astype(np.int64)


def _event_ages(
    codes: np.ndarray,
    supported: np.ndarray,
    arm: str,
    spec: SyntheticSpec,
    seed: int,
    calibrated: bool,
) -> tuple[np.ndarray, np.ndarray]:
    investigation_mean = spec.age_means["age_first_investigation_months"][arm]
    measure_mean = spec.age_means["age_first_measure_months"][arm]
    n_institutions = int(codes.max()) + 1
    institution = (
        math.sqrt(spec.age_icc)
        * spec.age_sd
        * streams.normal(seed, f"{arm}/age/institution", n_institutions)
    )
    child = (
        math.sqrt(1.0 - spec.age_icc)
        * spec.age_sd
        * streams.normal(seed, f"{arm}/age/child", len(codes))
    )
    investigation = np.clip(investigation_mean + institution[codes] + child, 0, spec.max_months)
    gap = (
        measure_mean
        - investigation_mean
        + spec.gap_sd * streams.normal(seed, f"{arm}/age/gap", len(codes))
    )
    measure = np.clip(investigation + np.clip(gap, -_MAX_GAP_MONTHS, _MAX_GAP_MONTHS), 0, None)
    measure = np.minimum(measure, spec.max_months)
    investigation, measure = investigation[supported], measure[supported]
    if calibrated:
        return (
            integers_with_mean(investigation, investigation_mean),
            integers_with_mean(measure, measure_mean),
        )
    return np.floor(investigation + 0.5).astype(np.int64), np.floor(measure + 0.5).astype(np.int64)


def _arm_children(
    institutions: pd.DataFrame, arm: str, spec: SyntheticSpec, seed: int, calibrated: bool
) -> pd.DataFrame:
    members = institutions[institutions["arm"].eq(arm)]
    codes = np.repeat(np.arange(len(members)), members["n_children"].to_numpy())
    n = len(codes)
    months = default_trial_codebook().months
    shared_sd = math.sqrt(
        spec.binary_latent_icc
        / (1.0 - spec.binary_latent_icc)
        * np.pi**2
        / 3.0
        * spec.shared_fraction
    )
    burden = shared_sd * streams.normal(seed, f"{arm}/burden", len(members))
    frame = pd.DataFrame(
        {"institution_id": np.repeat(members["institution_id"].to_numpy(), members["n_children"])}
    )
    frame["arm"] = arm
    for outcome in BINARY_OUTCOMES:
        frame[outcome] = _binary_outcome(
            codes, spec.shares[outcome][arm], spec, seed, f"{arm}/{outcome}", burden, calibrated
        )
    supported = frame["support_received"].to_numpy() == 1
    investigation, measure = _event_ages(codes, supported, arm, spec, seed, calibrated)
    span = np.abs(measure - investigation)
    if (span > months).any():
        raise ValueError("an investigation and a measure more than the trial's length apart")
    offset = np.floor(
        streams.uniform(seed, f"{arm}/age/offset", n)[supported] * (months + 1 - span)
    )
    low, high = spec.age_months_range
    age = low + np.floor(streams.uniform(seed, f"{arm}/age/end", n) * (high - low + 1))
    age[supported] = np.maximum(investigation, measure) + offset
    frame.insert(2, "age_months", age.astype(np.int64))
    for column, values in zip(EVENT_COLUMNS, (investigation, measure), strict=True):
        ages = pd.array([pd.NA] * n, dtype="Int64")
        ages[supported] = values
        frame[column] = ages
    return frame


def synthetic_trial(
    spec: SyntheticSpec | None = None, seed: int | None = None, calibrated: bool = True
) -> Trial:
    """Return a synthetic trial, the same for the same ``spec``, ``seed`` and mode.

    Examples
    --------
    >>> trial = synthetic_trial()
    >>> trial.children.groupby("arm")["support_received"].sum().to_dict()
    {'control': 246, 'intervention': 375}
    """
    spec = spec or load_synthetic_spec()
    seed = spec.seed if seed is None else seed
    institutions = synthetic_institutions(spec, seed)
    children = pd.concat(
        [_arm_children(institutions, arm, spec, seed, calibrated) for arm in ARMS],
        ignore_index=True,
    )
    order = children["institution_id"].argsort(kind="stable")
    children = children.iloc[order].reset_index(drop=True)
    width = len(str(len(children)))
    children.insert(0, "child_id", [f"C{i + 1:0{width}d}" for i in range(len(children))])
    return Trial(institutions, children.assign(synthetic=1))


def write_trial(trial: Trial, directory: Path | str = paths.TRIAL_DIR) -> tuple[Path, Path]:
    """Write the two CSV files of ``trial`` to ``directory``; return their paths.

    The bytes depend only on the frames: fixed column order, ``\\n`` line ends, empty cells
    for missing ages.
    """
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    written = []
    for frame, name in (
        (trial.institutions, paths.INSTITUTIONS_FILE),
        (trial.children, paths.CHILDREN_FILE),
    ):
        path = directory / name
        frame.to_csv(path, index=False, lineterminator="\n", encoding="utf-8")
        written.append(path)
    return written[0], written[1]


def true_effects(spec: SyntheticSpec | None = None) -> dict[str, float]:
    """Return the model's true arm differences, on the tables' scales (points, months).

    Examples
    --------
    >>> effects = true_effects()
    >>> round(effects["support"], 6), round(effects["notification_change"], 6)
    (1.5, 2.9)
    """
    spec = spec or load_synthetic_spec()
    shares = spec.shares

    def difference(outcome: str) -> float:
        return shares[outcome]["intervention"] - shares[outcome]["control"]

    ages = spec.age_means
    return {
        "support": 100 * difference("support_received"),
        "notification_change": 100
        * (difference("notified_during") - difference("notified_before")),
        "age_first_investigation": ages["age_first_investigation_months"]["intervention"]
        - ages["age_first_investigation_months"]["control"],
        "age_first_measure": ages["age_first_measure_months"]["intervention"]
        - ages["age_first_measure_months"]["control"],
    }
