"""The KBH published cells (dsr_analysis.trial.cells): format, published figures, suppression."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from dsr_analysis.cells import COLUMNS
from dsr_analysis.trial.cells import CELL_COLUMNS, trial_cells
from dsr_analysis.trial.schema import Trial, read_trial
from dsr_analysis.trial.synthetic import write_trial

TABLES = [f"KBH-{i}" for i in range(1, 8)]


@pytest.fixture(scope="module")
def cells() -> pd.DataFrame:
    return trial_cells()


@pytest.fixture(scope="module")
def small_trial_dir(tmp_path_factory) -> str:
    """Four institutions (two per arm): few enough children for small cells to appear."""
    bundled = read_trial()
    institutions = pd.concat(
        [
            bundled.institutions[bundled.institutions["arm"].eq(arm)].head(2)
            for arm in ("intervention", "control")
        ]
    )
    children = bundled.children[
        bundled.children["institution_id"].isin(institutions["institution_id"])
    ]
    directory = tmp_path_factory.mktemp("small_trial")
    write_trial(Trial(institutions, children), directory)
    return str(directory)


def cell(cells: pd.DataFrame, table: str, code: str, column: str) -> pd.Series:
    match = cells[cells["table"].eq(table) & cells["code"].eq(code) & cells["column"].eq(column)]
    assert len(match) == 1, (table, code, column)
    return match.iloc[0]


class TestFormat:
    def test_columns_are_the_cells_contract(self, cells):
        assert list(cells.columns) == list(COLUMNS) == CELL_COLUMNS
        assert (cells["min_cell"] == 5).all()

    def test_tables_and_municipality(self, cells):
        assert sorted(cells["table"].unique()) == TABLES
        assert cells["municipality"].eq("København").all()
        assert not cells.duplicated(["table", "municipality", "column", "label"]).any()

    def test_synthetic_flag(self, cells):
        assert cells["synthetic"].all()

    def test_shares_are_fractions_like_the_projects_share_cells(self, cells):
        support = cell(cells, "KBH-2", "support", "DSR-institutioner")
        assert support["kind"] == "share"
        assert support["value"] == pytest.approx(375 / 5352)
        assert support["count"] == 375 and support["n"] == 5352
        assert support["published"] == pytest.approx(0.07)

    def test_english_labels(self):
        english = trial_cells(language="en")
        support = cell(english, "KBH-2", "support", "DSR institutions")
        assert support["label"] == "Received support (%)"

    def test_same_input_gives_identical_cells(self, cells):
        pd.testing.assert_frame_equal(trial_cells(), cells)


class TestPublishedFigures:
    def test_every_published_estimate_lies_in_its_interval(self, cells):
        estimated = cells[cells["published"].notna() & cells["ci_low"].notna()]
        assert len(estimated) == 10
        inside = estimated["ci_low"].le(estimated["published"]) & estimated["published"].le(
            estimated["ci_high"]
        )
        assert inside.all(), estimated.loc[~inside, ["table", "code", "column"]]

    def test_design_figures_are_reproduced_exactly(self, cells):
        design = cells[cells["table"].eq("KBH-1") & cells["published"].notna()]
        np.testing.assert_array_equal(design["value"].to_numpy(), design["published"].to_numpy())

    def test_annual_cost(self, cells):
        row = cell(cells, "KBH-7", "annual_cost", "Værdi")
        assert row["value"] == row["published"] == 5_800_000


class TestSuppression:
    def test_bundled_trial_has_no_small_cells(self, cells):
        assert not cells["suppressed"].any()

    def test_min_cell_one_publishes_everything(self, small_trial_dir):
        assert not trial_cells(small_trial_dir, min_cell=1)["suppressed"].any()

    def test_small_counts_and_what_reveals_them_are_hidden(self, small_trial_dir):
        full = trial_cells(small_trial_dir, min_cell=1)
        shares = full[full["kind"].eq("share")]
        k = int(shares["count"].max())  # a threshold that hides some share but not all
        small = shares[shares["count"].between(1, k - 1)]
        assert not small.empty
        published = trial_cells(small_trial_dir, min_cell=k)
        hidden = published[published["suppressed"]]
        assert hidden[["value", "count", "ci_low", "ci_high"]].isna().all().all()
        key = ["table", "code", "column"]
        hidden_keys = set(map(tuple, hidden[key].to_numpy()))
        for table, code, column in small[key].to_numpy():
            assert (table, code, column) in hidden_keys
            # The difference would give the hidden arm back from the other arm.
            assert (table, code, "Forskel") in hidden_keys

    def test_hidden_differences_hide_their_repeats_and_the_economy(self, small_trial_dir):
        published = trial_cells(small_trial_dir, min_cell=10_000)
        assert published.loc[published["table"].eq("KBH-6"), "suppressed"].all()
        economy = published[published["table"].eq("KBH-7")].set_index("code")
        for code in (
            "additional_notified",
            "cost_per_additional_notified",
            "additional_supported",
            "cost_per_additional_supported",
        ):
            assert economy.loc[code, "suppressed"], code
        assert not economy.loc["annual_cost", "suppressed"]
        # The arms' sizes stay: they are every table's n.
        assert not published.loc[published["table"].eq("KBH-1"), "suppressed"].any()

    def test_n_stays_visible(self, small_trial_dir):
        published = trial_cells(small_trial_dir, min_cell=10_000)
        assert published["n"].notna().all()


class TestEntryPoints:
    """What the runner calls by dotted name: the cells of an extract and the extract's hash."""

    def test_published_trial_cells_by_dotted_name(self, cells, tmp_path):
        from dsr_analysis.cells import read_cells
        from dsr_analysis.report.sets import design_function
        from dsr_analysis.trial import paths

        made = design_function("dsr_analysis.trial.cells:published_trial_cells")(
            paths.TRIAL_DIR, 5, "da"
        )
        pd.testing.assert_frame_equal(made, cells)
        # Written as dsr trial cells --out writes them, the contract's reader gets them back.
        path = tmp_path / "cells.csv"
        made.to_csv(path, index=False, lineterminator="\n")
        back = read_cells(path)
        assert back[list(COLUMNS)].shape == made.shape and back["synthetic"].all()

    def test_extract_hash_covers_the_extract(self, small_trial_dir, tmp_path):
        from dsr_analysis.report.sets import design_function
        from dsr_analysis.trial import paths

        extract_hash = design_function("dsr_analysis.trial.paths:extract_hash")
        assert extract_hash(paths.TRIAL_DIR) != extract_hash(small_trial_dir)
        assert extract_hash(tmp_path) == extract_hash(tmp_path)  # no extract: still a hash
