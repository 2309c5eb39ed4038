"""The published tables on the bundled synthetic export: calibration, arithmetic, disclosure.

Two kinds of test live here. The calibration test checks correctness against an independent
source (the numbers NIRAS printed, transcribed in data/reference/); the determinism tests are
golden-output tests that catch change, not correctness.
"""

from __future__ import annotations

import pandas as pd
import pytest

from dsr_analysis import config, tables
from dsr_analysis.cells import write_cells
from dsr_analysis.codebook import default_codebook
from dsr_analysis.disclosure.attack import release_findings
from dsr_analysis.disclosure.model import build_model

SHARE_TOLERANCE = 0.01
MEAN_AGE_TOLERANCE = 0.02


@pytest.fixture(scope="module")
def full_cells():
    """What `dsr tables --min-cell 1` publishes: every cell, nothing hidden."""
    return tables.published_cells(config.SYNTHETIC_EXPORT_PATH, min_cell=1)


@pytest.fixture(scope="module")
def published():
    return tables.published_cells(config.SYNTHETIC_EXPORT_PATH)


@pytest.fixture(scope="module")
def reference():
    return pd.read_csv(config.PUBLISHED_REFERENCE_PATH, dtype={"table": str})


def test_every_published_niras_value_is_reproduced_with_its_n(full_cells, reference):
    pooled = full_cells.loc[full_cells["municipality"] == tables.POOLED]
    merged = reference.merge(pooled, on=["table", "column", "label"], how="left",
                             suffixes=("_published", ""), indicator=True)
    missing = merged.loc[merged["_merge"] != "both", ["table", "column", "label"]]
    assert missing.empty, f"no cell for published rows:\n{missing.to_string()}"
    tolerance = merged["unit"].map({"share": SHARE_TOLERANCE, "mean_years": MEAN_AGE_TOLERANCE})
    off = merged.loc[(merged["value"] - merged["value_published"]).abs() > tolerance + 1e-9]
    shown = ["table", "column", "label", "value", "value_published"]
    assert off.empty, f"values off:\n{off[shown]}"
    wrong_n = merged.loc[merged["n"] != merged["n_published"]]
    assert wrong_n.empty, f"n differ:\n{wrong_n[['table', 'column', 'label', 'n', 'n_published']]}"


def test_every_table_has_rows_for_every_municipality_of_the_export(full_cells):
    export = pd.read_csv(config.SYNTHETIC_EXPORT_PATH, usecols=["municipality"])
    expected = set(export["municipality"]) | {tables.POOLED}
    per_table = full_cells.groupby("table")["municipality"].agg(set)
    assert (per_table == per_table.map(lambda _: expected)).all(), per_table.to_dict()


def test_municipal_n_add_up_to_the_pooled_n(full_cells):
    key = ["table", "column", "label"]
    cells = full_cells.loc[full_cells["kind"] != "difference"]
    frame = cells.assign(quantity=cells["n"].astype("int64"))
    pooled = frame.loc[frame["municipality"] == tables.POOLED].set_index(key)["quantity"]
    summed = frame.loc[frame["municipality"] != tables.POOLED].groupby(key)["quantity"].sum()
    # A municipality with no child in a cell's group has no row; its n is 0.
    assert summed.reindex(pooled.index, fill_value=0).equals(pooled)


def test_every_municipality_counts_its_own_registered_children(full_cells):
    registered = full_cells.loc[full_cells["table"] == "6-1"].set_index("municipality")
    assert (registered["n"] == registered["count"]).all()
    assert registered.loc["Kolding", "n"] == 68
    assert registered.loc[tables.POOLED, "n"] == registered.drop(tables.POOLED)["n"].sum()


def test_counts_and_shares_agree(full_cells):
    shares = full_cells.loc[full_cells["kind"] == "share"]
    recomputed = shares["count"].astype(float) / shares["denominator"]
    assert (recomputed - shares["value"]).abs().max() < 1e-12


def test_suppression_hides_every_small_count_group_and_their_values(published):
    visible = published.loc[~published["suppressed"]]
    small = published["count"].between(1, config.DEFAULT_MIN_CELL - 1)
    assert not small.any(), published.loc[small, ["table", "municipality", "column", "label"]]
    small_n = published["n"].between(1, config.DEFAULT_MIN_CELL - 1)
    assert not small_n.any(), published.loc[small_n, ["table", "municipality", "column"]]
    assert published.loc[published["suppressed"], "value"].isna().all()
    # A value over a hidden group is hidden too, unless it is a zero (0 of any n is 0); its
    # interval always is (the interval of a zero share depends on n).
    rows = visible.loc[visible["kind"] != "difference"]
    assert not (rows["n"].isna() & (rows["value"] != 0)).any()
    assert rows.loc[rows["n"].isna(), "ci_high"].isna().all()


def test_the_attacker_learns_nothing_from_the_release(published):
    """Every relation, inequality and integrality a reader could use (see disclosure.attack)."""
    specs = tables.suppression_specs(tables.load_tables_spec(), default_codebook())
    model = build_model(published.drop(columns=["suppressed"]), specs, complete=False)
    assert model.nodes["value"].isna().sum() > 100, "the bundled data need suppression"
    findings = release_findings(model, config.DEFAULT_MIN_CELL)
    assert findings.empty, findings.to_string()


def test_min_cell_one_publishes_every_cell(full_cells):
    assert not full_cells["suppressed"].any()
    assert full_cells["synthetic"].all(), "cells from the synthetic export are marked synthetic"


def test_writing_the_tables_twice_gives_identical_bytes(published, tmp_path):
    first = write_cells(published, tmp_path / "a.csv").read_bytes()
    again = tables.published_cells(config.SYNTHETIC_EXPORT_PATH)
    assert write_cells(again, tmp_path / "b.csv").read_bytes() == first
