"""The trial's published cells: tables KBH-1 to KBH-7 in the project's long cell format.

=========  ==============================================================================
table      what it shows
=========  ==============================================================================
KBH-1      design: institutions and children per arm and in total (never suppressed)
KBH-2      share of children who received support, per arm, and the difference
KBH-3      share notified before and during the trial, the change per arm, and the
           difference in differences
KBH-4      mean age at the first child investigation and at the first measure, per arm,
           and the differences
KBH-5      ICC, design effect and variance ratio of each primary outcome
KBH-6      each primary difference with its cluster-robust and its naive interval
KBH-7      the economy: costs, additional children found and cost per additional child
=========  ==============================================================================

One row per cell with the columns of :data:`dsr_analysis.cells.COLUMNS` (``ci_low``,
``ci_high`` and ``published``. Like the project's tables, the cells never say which hidden cells
were small in themselves (primary) and which were hidden to protect them. Shares and
differences of shares are fractions (0.07 = 7 %), as in every share cell of the project;
``published`` is the source's figure on the same scale.

Suppression: :func:`dsr_analysis.suppression.suppress` applies the project's primary rule
(counts 1 to k-1, and shares or means over fewer than k children); :func:`derived_suppression`
then hides the cells a reader could recover from the others through relations the shared
module does not model: a difference from its two arms, a change from before and during, the
repeated differences in KBH-6 and the economy's use of them.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import numpy as np
import pandas as pd

from dsr_analysis.cells import COLUMNS as CONTRACT_COLUMNS
from dsr_analysis.config import DEFAULT_MIN_CELL
from dsr_analysis.disclosure.release import primary_suppression
from dsr_analysis.errors import ConfigurationError
from dsr_analysis.trial import paths
from dsr_analysis.trial.economy import Economy, economy_table
from dsr_analysis.trial.estimates import PRIMARY_OUTCOMES, clustering_summary, trial_estimates
from dsr_analysis.trial.schema import Trial, read_trial

MUNICIPALITY = "København"
CELL_COLUMNS = list(CONTRACT_COLUMNS)
_FRACTION_UNITS = ("percent", "points")
_NUMBERS = ("count", "value", "ci_low", "ci_high")
_ARMS = ("intervention", "control")
_ECONOMY_SOURCES = {
    "notification_change": ("additional_notified", "cost_per_additional_notified"),
    "support": ("additional_supported", "cost_per_additional_supported"),
}


@lru_cache(maxsize=4)
def load_trial_tables(path: Path | str = paths.TABLES_PATH) -> dict:
    """Read the trial's table layout and labels (``data/trial/tables.yml``).

    Examples
    --------
    >>> [t["id"] for t in load_trial_tables()["tables"]][:2]
    ['KBH-1', 'KBH-2']
    """
    return paths.read_yaml(path)


def published_figures(path: Path | str = paths.PUBLISHED_PATH) -> dict[str, float]:
    """Return every published figure as ``{"section.key": value}``.

    Examples
    --------
    >>> published_figures()["outcomes.support_intervention"]
    7.0
    """
    raw = paths.read_yaml(path)
    return {
        f"{section}.{key}": float(entry["value"])
        for section, entries in raw.items()
        for key, entry in entries.items()
    }


def _record(
    table: str,
    code: str,
    column: str,
    kind: str,
    n,
    value,
    count=np.nan,
    ci_low=np.nan,
    ci_high=np.nan,
) -> dict:
    return {
        "table": table,
        "code": code,
        "column_key": column,
        "kind": kind,
        "n": n,
        "count": count,
        "value": value,
        "ci_low": ci_low,
        "ci_high": ci_high,
    }


def _design_records(trial: Trial) -> list[dict]:
    institutions = trial.institutions.groupby("arm").size()
    children = trial.children.groupby("arm").size()
    records = []
    for code, sizes in (("institutions", institutions), ("children", children)):
        for arm in _ARMS:
            number = int(sizes.get(arm, 0))
            records.append(_record("KBH-1", code, arm, "mean", number, float(number)))
        total = int(sizes.sum())
        records.append(_record("KBH-1", code, "total", "mean", total, float(total)))
    return records


def _estimate_records(estimates: pd.DataFrame, layout: dict) -> list[dict]:
    records = []
    by_key = estimates.set_index(["outcome", "column"])
    for table in layout["tables"]:
        if table["id"] not in ("KBH-2", "KBH-3", "KBH-4"):
            continue
        for code in table["rows"]:
            for column in table["columns"]:
                row = by_key.loc[(code, column)]
                share = row["unit"] == "percent" and column != "difference"
                records.append(
                    _record(
                        table["id"],
                        code,
                        column,
                        "share" if share else "mean",
                        int(row["n"]),
                        row["estimate"],
                        row["count"] if share else np.nan,
                        row["ci_low"],
                        row["ci_high"],
                    )
                )
    return records


def _clustering_records(summary: pd.DataFrame) -> list[dict]:
    return [
        _record("KBH-5", row["outcome"], column, "mean", int(row["n"]), float(row[column]))
        for _, row in summary.iterrows()
        for column in ("icc", "design_effect", "variance_ratio")
    ]


def _naive_records(estimates: pd.DataFrame) -> list[dict]:
    differences = estimates[estimates["column"].eq("difference")].set_index("outcome")
    records = []
    for outcome in PRIMARY_OUTCOMES:
        row = differences.loc[outcome]
        for column, prefix in (("cluster", ""), ("naive", "naive_")):
            records.append(
                _record(
                    "KBH-6",
                    outcome,
                    column,
                    "mean",
                    int(row["n"]),
                    row["estimate"],
                    ci_low=row[f"{prefix}ci_low"],
                    ci_high=row[f"{prefix}ci_high"],
                )
            )
    return records


def _economy_records(table: pd.DataFrame) -> list[dict]:
    return [
        _record(
            "KBH-7",
            row["code"],
            "value",
            "mean",
            row["n"],
            row["value"],
            ci_low=row["ci_low"],
            ci_high=row["ci_high"],
        )
        for _, row in table.iterrows()
    ]


def _units(layout: dict) -> dict[str, str]:
    return {code: row["unit"] for code, row in layout["rows"].items()}


def unsuppressed_trial_cells(
    trial: Trial, language: str = "da", economy: Economy | None = None
) -> pd.DataFrame:
    """Return every KBH cell before suppression, labelled in ``language``.

    Examples
    --------
    >>> cells = unsuppressed_trial_cells(read_trial())
    >>> cell = cells[cells["table"].eq("KBH-2") & cells["code"].eq("support")].iloc[0]
    >>> cell["column"], round(float(cell["value"]), 4), float(cell["published"])
    ('DSR-institutioner', 0.0701, 0.07)
    """
    layout = load_trial_tables()
    if language not in ("da", "en"):
        raise ConfigurationError(f"language must be 'da' or 'en', got {language!r}")
    estimates = trial_estimates(trial.children)
    records = (
        _design_records(trial)
        + _estimate_records(estimates, layout)
        + _clustering_records(clustering_summary(trial.children, estimates))
        + _naive_records(estimates)
        + _economy_records(economy_table(trial.institutions, estimates, economy))
    )
    cells = pd.DataFrame.from_records(records)
    units = cells["code"].map(_units(layout))
    in_fractions = units.isin(_FRACTION_UNITS) & ~cells["table"].eq("KBH-5")
    for column in ("value", "ci_low", "ci_high"):
        cells[column] = cells[column].astype(float).where(~in_fractions, cells[column] / 100)
    figures = published_figures()
    published = {
        (p["table"], p["code"], p["column"]): figures[p["figure"]] for p in layout["published"]
    }
    cells["published"] = [
        published.get(key, np.nan)
        for key in zip(cells["table"], cells["code"], cells["column_key"], strict=True)
    ]
    cells["published"] = cells["published"].where(~in_fractions, cells["published"] / 100)
    cells["label"] = cells["code"].map(lambda code: layout["rows"][code][language])
    cells["column"] = cells["column_key"].map(lambda key: layout["columns"][key][language])
    synthetic = trial.synthetic
    cells = cells.assign(
        municipality=MUNICIPALITY,
        denominator=cells["n"],
        suppressed=False,
        suppression="",
        synthetic=synthetic,
        min_cell=1,
    )
    return cells[[*CELL_COLUMNS, "suppression", "column_key"]]


def _hide(cells: pd.DataFrame, mask: pd.Series) -> pd.DataFrame:
    newly = mask & ~cells["suppressed"]
    out = cells.copy()
    for column in _NUMBERS:
        out[column] = out[column].where(~mask)
    out["suppression"] = out["suppression"].where(~newly, "secondary")
    out["suppressed"] = out["suppressed"] | mask
    return out


def derived_suppression(cells: pd.DataFrame) -> pd.DataFrame:
    """Return the cells with every cell hidden that would let a reader recover a hidden one.

    Needs the ``column_key`` column of :func:`unsuppressed_trial_cells`. Rules, in order:
    an arm's before, during and change in KBH-3 are hidden together; a difference is hidden
    when either arm is; KBH-6 hides an outcome whose difference is hidden; KBH-7 hides the
    additional children (and their cost) computed from a hidden difference.

    Examples
    --------
    >>> cells = pd.DataFrame({
    ...     "table": "KBH-2", "code": "support",
    ...     "column_key": ["intervention", "control", "difference"],
    ...     "count": [3.0, 40.0, np.nan], "value": [0.01, 0.1, -0.09], "ci_low": np.nan,
    ...     "ci_high": np.nan, "suppressed": [True, False, False],
    ...     "suppression": ["primary", "", ""]})
    >>> derived_suppression(cells)["suppression"].tolist()
    ['primary', '', 'secondary']
    """

    def hidden(table: str, code: str, column: str) -> bool:
        cell = cells["table"].eq(table) & cells["code"].eq(code) & cells["column_key"].eq(column)
        return bool(cells.loc[cell, "suppressed"].any())

    kbh3 = cells["table"].eq("KBH-3")
    for arm in _ARMS:
        in_arm = kbh3 & cells["column_key"].eq(arm)
        if cells.loc[in_arm, "suppressed"].any():
            cells = _hide(cells, in_arm)
    estimate_tables = cells["table"].isin(["KBH-2", "KBH-3", "KBH-4"])
    for (table, code), _ in cells[estimate_tables].groupby(["table", "code"]):
        if any(hidden(table, code, arm) for arm in _ARMS):
            cells = _hide(
                cells,
                cells["table"].eq(table)
                & cells["code"].eq(code)
                & cells["column_key"].eq("difference"),
            )
    for outcome in PRIMARY_OUTCOMES:
        source = cells["code"].eq(outcome) & cells["column_key"].eq("difference") & estimate_tables
        if not cells.loc[source, "suppressed"].any():
            continue
        cells = _hide(cells, cells["table"].eq("KBH-6") & cells["code"].eq(outcome))
        if outcome in _ECONOMY_SOURCES:
            cells = _hide(
                cells, cells["table"].eq("KBH-7") & cells["code"].isin(_ECONOMY_SOURCES[outcome])
            )
    return cells


def suppressed_trial_cells(cells: pd.DataFrame, min_cell: int = DEFAULT_MIN_CELL) -> pd.DataFrame:
    """Return ``cells`` (from :func:`unsuppressed_trial_cells`) with small cells suppressed.

    The project's primary rule first
    (:func:`dsr_analysis.disclosure.release.primary_suppression`), then
    :func:`derived_suppression`. KBH-1 (the arms' sizes) is never suppressed.

    Examples
    --------
    >>> from dsr_analysis.trial.synthetic import load_synthetic_spec, synthetic_trial
    >>> small = synthetic_trial(load_synthetic_spec().scaled(0.05))  # 224 control children
    >>> cells = suppressed_trial_cells(unsuppressed_trial_cells(small), min_cell=5)
    >>> before = cells[cells["code"].eq("notified_before")]  # 4 control children notified
    >>> before[["column_key", "suppressed"]].to_numpy().tolist()
    [['intervention', False], ['control', True], ['difference', True]]
    """
    layout = load_trial_tables()
    kept = {t["id"] for t in layout["tables"] if t.get("suppress", True) is False}
    always = cells[cells["table"].isin(kept)]
    checked = cells[~cells["table"].isin(kept)]
    primary = primary_suppression(checked.drop(columns=["suppressed", "suppression"]), min_cell)
    combined = pd.concat([always, primary], ignore_index=True)
    combined = derived_suppression(combined)
    order = {t["id"]: i for i, t in enumerate(layout["tables"])}
    rows = {code: i for i, code in enumerate(layout["rows"])}
    columns = {key: i for i, key in enumerate(layout["columns"])}
    combined = combined.assign(
        _t=combined["table"].map(order),
        _r=combined["code"].map(rows),
        _c=combined["column_key"].map(columns),
    ).sort_values(["_t", "_r", "_c"], kind="stable")
    return combined.drop(columns=["_t", "_r", "_c"]).reset_index(drop=True)


def trial_cells(
    data_dir: Path | str | None = None, min_cell: int = DEFAULT_MIN_CELL, language: str = "da"
) -> pd.DataFrame:
    """Return Copenhagen's trial tables KBH-1 to KBH-7 as suppressed published cells.

    ``data_dir`` holds ``institutions.csv`` and ``children.csv`` (default: the bundled
    synthetic trial); ``min_cell`` is the suppression threshold (1 publishes everything).

    Raises
    ------
    InputValidationError
        If the extract breaks a rule of ``data/trial/codebook.yml``.

    Examples
    --------
    >>> cells = trial_cells()
    >>> sorted(cells["table"].unique())[:3]
    ['KBH-1', 'KBH-2', 'KBH-3']
    >>> list(cells.columns[-4:])
    ['ci_low', 'ci_high', 'published', 'min_cell']
    """
    cells = unsuppressed_trial_cells(read_trial(data_dir), language)
    return suppressed_trial_cells(cells, min_cell).assign(min_cell=min_cell)[CELL_COLUMNS]


def published_trial_cells(data_dir: Path, min_cell: int, lang: str) -> pd.DataFrame:
    """The design's entry point for a build: :func:`trial_cells` of the extract in
    ``data_dir``, as ``dsr trial cells`` writes them.

    ``dsr reports`` calls it by its dotted name
    (``dsr_analysis.trial.cells:published_trial_cells``) before the trial's chapter runs and
    hands the chapter the cells' CSV; the chapter (the report side's ``trial_chapter``) reads
    nothing else of the trial.

    Raises
    ------
    InputValidationError
        If the extract breaks a rule of ``data/trial/codebook.yml``.
    """
    return trial_cells(data_dir, min_cell=min_cell, language=lang)
