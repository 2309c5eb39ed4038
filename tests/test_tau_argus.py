"""The Tau-Argus benchmark (benchmarks/tau_argus.py): its pattern and our count are what they claim.

Slow, and the Tau-Argus test needs pytauargus (``pip install -e '.[bench]'``); the default run
skips both.
"""

from __future__ import annotations

import importlib.util

import pytest

from dsr_analysis import config, tables
from dsr_analysis.export import load_export

_spec = importlib.util.spec_from_file_location(
    "tau_argus_benchmark", config.PROJECT_ROOT / "benchmarks" / "tau_argus.py"
)
bench = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(bench)


@pytest.fixture(scope="module")
def export():
    return load_export(config.SYNTHETIC_EXPORT_PATH)


@pytest.fixture(scope="module")
def cells_full(export):
    return tables.unsuppressed_cells(export)


@pytest.mark.slow
def test_tau_argus_hides_every_count_of_1_to_4_in_7_17(cells_full):
    pytest.importorskip("pytauargus")
    pattern = bench.tau_argus_pattern("7-17", cells_full)
    in_table = (cells_full["table"] == "7-17") & (cells_full["kind"] != "difference")
    mine = cells_full[in_table].reset_index(drop=True)
    assert pattern[bench.KEY].equals(mine[bench.KEY])  # keyed like our cells, in our order

    small = pattern["count"].between(1, 4)
    assert small.sum() > 0
    assert pattern.loc[small, "suppressed"].all()
    assert (pattern.loc[small, "suppression"] == "primary").all()
    # Nothing else is primary, and a zero is an empty cell Tau-Argus never hides.
    assert not (pattern.loc[~small, "suppression"] == "primary").any()
    assert not pattern.loc[pattern["count"] == 0, "suppressed"].any()
    # The option margin is n: a group of 1-4 children is itself a small count.
    groups = pattern.drop_duplicates(["municipality", "column"])
    assert groups.loc[groups["n"].between(1, 4), "n_suppressed"].all()

    counts = bench.tau_counts(pattern)
    assert counts["cells"] == len(pattern) + len(groups)
    assert counts["primary"] == small.sum() + groups["n"].between(1, 4).sum()
    assert counts["total"] == pattern["suppressed"].sum() + groups["n_suppressed"].sum()
    assert pattern.attrs["optimal"]


@pytest.mark.slow
def test_ours_hidden_counts_what_published_cells_of_hides(export, cells_full):
    published = tables.published_cells_of(export, min_cell=bench.MIN_CELL)
    for table_id in bench.TABLES:
        mine = published[(published["table"] == table_id) & (published["kind"] != "difference")]
        ours = bench.ours_hidden(table_id, cells_full)
        assert ours["rows"] == mine["suppressed"].sum()
        assert ours["hidden"] == mine["count"].isna().sum()
        groups = mine.drop_duplicates(["municipality", "column"])
        assert ours["n"] == groups["n"].isna().sum()
        assert ours["total"] == ours["hidden"] + ours["n"]


@pytest.mark.slow
def test_ours_hides_no_more_than_tau_argus_on_the_by_period_tables(cells_full):
    pytest.importorskip("pytauargus")
    for table_id in bench.TABLES:
        tau = bench.tau_counts(bench.tau_argus_pattern(table_id, cells_full))
        assert bench.ours_hidden(table_id, cells_full)["total"] <= tau["total"], table_id
