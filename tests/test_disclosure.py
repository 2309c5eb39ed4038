"""Disclosure control (dsr_analysis.disclosure) on hand-made tables.

The attacker is the oracle throughout: a pattern protects when the attacker (linear and
integer programs over every relation) cannot narrow a small number below its protection
interval. The tests show that the engine's patterns pass it, that it is optimal on a table
small enough to search by hand, and that each leak of the issue comes back when the
protection against it is switched off: means, group sizes, an inequality, differencing.
"""

from __future__ import annotations

import itertools

import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sparse
from hypothesis import given, settings
from hypothesis import strategies as st

from dsr_analysis.disclosure.attack import release_findings, truth_findings
from dsr_analysis.disclosure.audit import differencing_findings, table_findings
from dsr_analysis.disclosure.model import Contrast, TableSpec, build_model
from dsr_analysis.disclosure.protect import primary_nodes, protect, protection_levels
from dsr_analysis.disclosure.release import blanked, primary_suppression, suppress

K = 5


def shares(table, rows, column="Total"):
    """Share cells from (municipality, label, count, n) tuples, with their pooled unit."""
    frame = pd.DataFrame(rows, columns=["municipality", "label", "count", "n"])
    pooled = frame.groupby("label", sort=False, as_index=False)[["count", "n"]].sum()
    frame = pd.concat([frame, pooled.assign(municipality="Alle")], ignore_index=True)
    return frame.assign(table=table, column=column, code=frame["label"], kind="share",
                        value=frame["count"] / frame["n"])


def node_of(model, *key):
    return int(np.flatnonzero(model.nodes["key"].map(lambda k: k == key).to_numpy())[0])


def leaks(model, protection):
    return truth_findings(model, protection.hidden, protection.primary, protection.levels)


# --------------------------------------------------------------------------- the model --


def test_every_relation_holds_at_the_true_values():
    cells = pd.concat([
        shares("T", [(m, o, c, 20) for m, o, c in
                     [("A", "x", 3), ("A", "y", 17), ("B", "x", 8), ("B", "y", 12)]]),
    ])
    cells["n"] = cells["n"].where(cells["municipality"] != "Alle", 40)
    model = build_model(cells, {"T": TableSpec(population="p", exclusive=True)})
    values = model.values
    assert np.abs(model.equalities @ values).max() < 1e-9
    assert np.max(model.inequalities @ values, initial=0.0) <= 1e-9
    # Municipalities add up (counts x, y and the group n) and options add up to n per unit.
    assert model.equalities.shape[0] == 3 + 3


def test_primary_rule():
    cells = shares("T", [("A", "x", 0, 3), ("B", "x", 4, 10), ("C", "x", 5, 10)])
    model = build_model(cells, {"T": TableSpec(population="p")})
    primary = model.nodes.loc[primary_nodes(model, K), "key"].tolist()
    assert ("n", "p", "A", "Total", "") in primary          # a group of 3 children
    assert ("c", "T", "B", "Total", "x") in primary          # a count of 4
    assert ("c", "T", "A", "Total", "x") not in primary      # a zero is never small
    assert not primary_nodes(model, 1).any()


# ---------------------------------------------------------------------- protection --


EXCLUSIVE = shares("T", [("A", "x", 2, 20), ("A", "y", 18, 20), ("B", "x", 8, 20),
                         ("B", "y", 12, 20), ("C", "x", 9, 20), ("C", "y", 11, 20)])
EXCLUSIVE["n"] = EXCLUSIVE["n"].where(EXCLUSIVE["municipality"] != "Alle", 60)
EXCLUSIVE_SPEC = {"T": TableSpec(population="p", exclusive=True)}


def test_one_small_count_gets_the_cheapest_rectangle():
    model = build_model(EXCLUSIVE, EXCLUSIVE_SPEC)
    protection = protect(model, K)
    hidden = {k for k, h in zip(model.nodes["key"], protection.hidden, strict=True) if h}
    # A's 2 needs a partner in its column (A's y) and in its row: B, the smaller of B and C.
    assert hidden == {("c", "T", m, "Total", o) for m in "AB" for o in "xy"}
    assert leaks(model, protection).empty


def test_no_smaller_pattern_exists():
    """Search every pattern of fewer cells by hand: none protects (the MIP is optimal)."""
    model = build_model(EXCLUSIVE, EXCLUSIVE_SPEC)
    best = protect(model, K)
    primary, levels = best.primary, best.levels
    candidates = [i for i in range(len(model.nodes)) if not primary[i] and model.values[i] > 0]
    for size in range(int(best.hidden.sum()) - int(primary.sum())):
        for extra in itertools.combinations(candidates, size):
            hidden = primary.copy()
            hidden[list(extra)] = True
            assert not truth_findings(model, hidden, primary, levels).empty, extra


@settings(max_examples=25, deadline=None)
@given(st.lists(st.lists(st.integers(0, 30), min_size=3, max_size=3), min_size=3, max_size=5))
def test_random_tables_are_protected(counts):
    rows = [(f"M{i}", f"o{j}", c, sum(row)) for i, row in enumerate(counts)
            for j, c in enumerate(row)]
    cells = shares("T", rows)
    cells["n"] = cells.groupby("municipality")["count"].transform("sum").where(
        cells["municipality"] != "Alle", cells["count"].sum() / 2)
    cells["n"] = np.where(cells["municipality"] == "Alle",
                          sum(sum(r) for r in counts), cells["n"])
    cells = cells[cells["n"] > 0]
    cells["value"] = cells["count"] / cells["n"]
    model = build_model(cells, {"T": TableSpec(population="p", exclusive=True)})
    protection = protect(model, K)
    assert leaks(model, protection).empty
    assert (protection.hidden[protection.primary]).all()
    assert not protection.hidden[model.values == 0].any()  # zeros are never hidden


# ------------------------------------------------------------ each leak, switched off --


def means_release():
    """Wave means: A's mean rests on 2 children; the pooled mean is n x mean of the parts."""
    rows = [("A", 2, 2.0), ("B", 12, 2.5), ("C", 14, 3.1), ("Alle", 28, np.nan)]
    frame = pd.DataFrame(rows, columns=["municipality", "n", "value"])
    total = (frame["n"] * frame["value"]).iloc[:3].sum()
    frame.loc[3, "value"] = total / 28
    return frame.assign(table="W", column="Item", label="Måling 5", code="wave_5",
                        kind="mean", count=np.nan)


MEANS_SPEC = {"W": TableSpec(population="valid", n_by_label=True, value_range=(1.0, 4.0))}


def test_a_hidden_mean_is_recovered_without_complements_and_safe_with_them():
    cells = means_release()
    alone = primary_suppression(cells, K)   # the mean of 2 hidden, nothing else
    found = table_findings(alone, MEANS_SPEC, K)
    assert found["problem"].str.contains("group size of 2|hidden mean").any()
    assert table_findings(suppress(cells, MEANS_SPEC, K), MEANS_SPEC, K).empty


def test_a_small_group_size_is_a_finding_and_is_protected():
    cells = shares("T", [("A", "x", 0, 3), ("B", "x", 6, 20), ("C", "x", 9, 20)])
    shown = cells.assign(suppressed=False)
    found = table_findings(shown, {"T": TableSpec(population="p")}, K)
    assert "a published group size of 3 (below 5)" in set(found["problem"])
    # Hiding the 3 alone: the pooled n minus the others gives it back.
    alone = shown.copy()
    alone.loc[0, "n"] = np.nan
    alone.loc[0, "suppressed"] = True
    found = table_findings(alone, {"T": TableSpec(population="p")}, K)
    assert found["problem"].str.contains("between 3 and 3").any()
    assert table_findings(suppress(cells, {"T": TableSpec(population="p")}, K),
                          {"T": TableSpec(population="p")}, K).empty


def inequality_cells():
    """S: children answering "Ja" at the start; Q: registrations answered "Ja" (Q >= S)."""
    start = shares("S", [("A", "Ja", 3, 20), ("B", "Ja", 8, 20), ("C", "Ja", 10, 20)])
    quarters = shares("Q", [("A", "Ja", 9, 20), ("B", "Ja", 8, 20), ("C", "Ja", 15, 20)])
    quarters["denominator"] = quarters["n"] * 2
    quarters["value"] = quarters["count"] / quarters["denominator"]
    start["denominator"] = start["n"]
    specs = {"S": TableSpec(population="start"),
             "Q": TableSpec(population="answered", denominator="registrations",
                            max_per_member=6, at_least=("S",))}
    return pd.concat([start, quarters], ignore_index=True), specs


def test_an_inequality_pins_what_equalities_alone_leave_open():
    cells, specs = inequality_cells()
    model = build_model(cells, specs)
    # Protect as if the reader knew only equalities: B (8) is the cheapest partner of A's 3.
    blind = build_model(cells, specs)
    blind.inequalities = sparse.csr_matrix((0, len(blind.nodes)))
    pattern = protect(blind, K)
    assert pattern.hidden[node_of(model, "c", "S", "B", "Total", "Ja")]
    # But B's children had one "Ja" registration each (Q = 8): S_B <= 8 pins A from below.
    found = truth_findings(model, pattern.hidden, pattern.primary, protection_levels(model))
    assert ("c", "S", "A", "Total", "Ja") in set(found["key"])
    # The engine knows the inequality and chooses C instead.
    protection = protect(model, K)
    assert not protection.hidden[node_of(model, "c", "S", "B", "Total", "Ja")]
    assert leaks(model, protection).empty


def differencing_releases():
    """Period 1 closed: the older release (cut-off after it) and the newer one (both periods)."""
    spec = {"T": TableSpec(population="p", additive_columns={"Total": ["P1", "P2"]})}
    p1 = [("A", "x", 3, 20), ("B", "x", 10, 20), ("C", "x", 12, 20)]
    p2 = [("A", "x", 8, 20), ("B", "x", 9, 20), ("C", "x", 11, 20)]
    total = [(m, o, c1 + c2, n1 + n2)
             for (m, o, c1, n1), (_, _, c2, n2) in zip(p1, p2, strict=True)]
    new = pd.concat([shares("T", p1, "P1"), shares("T", p2, "P2"),
                     shares("T", total, "Total")], ignore_index=True)
    old = pd.concat([shares("T", p1, "P1"), shares("T", p1, "Total")], ignore_index=True)
    # The older release protected A's 3 with C, and published B's 10.
    old_published = old.assign(suppressed=False)
    hide = old_published["municipality"].isin(["A", "C"])
    old_published.loc[hide, ["count", "value"]] = np.nan
    old_published["suppressed"] = hide
    return old_published, new, spec


def test_differencing_two_releases_is_caught_and_prevented():
    old, new, spec = differencing_releases()
    closed = {("T", "P1")}
    alone = suppress(new, spec, K)          # the newer release on its own: B is A's partner
    assert alone.loc[(alone["municipality"] == "B") & (alone["column"] == "P1"),
                     "suppressed"].all()
    assert table_findings(alone, spec, K).empty  # each release is safe by itself...
    found = differencing_findings(old, alone, closed, spec, K)
    assert not found.empty                  # ...but B's 10 from the older one gives A away
    kept = suppress(new, spec, K, previous=old, closed=closed)
    assert differencing_findings(old, kept, closed, spec, K).empty


def test_differencing_reports_only_what_the_pair_gives_away():
    old, new, spec = differencing_releases()
    closed = {("T", "P1")}
    shown = new.assign(suppressed=False)    # A's 3 published: the release alone gives it away
    assert table_findings(shown, spec, K)["problem"].str.contains("count of 3").any()
    # Its numbers carry into the older release, but nothing more is learnt about the newer.
    assert differencing_findings(old, shown, closed, spec, K).empty


def test_a_contrast_is_hidden_with_what_it_compares():
    rows = pd.concat([shares("T", [("A", "x", 3, 20), ("B", "x", 9, 20)], "P1"),
                      shares("T", [("A", "x", 7, 20), ("B", "x", 12, 20)], "P3")],
                     ignore_index=True)
    contrast = rows[rows["column"] == "P3"].assign(column="Change", kind="difference",
                                                   count=np.nan, n=np.nan, value=0.1)
    cells = pd.concat([rows, contrast], ignore_index=True)
    spec = {"T": TableSpec(population="p", contrasts=(Contrast("column", "Change", "P1", "P3"),))}
    out = blanked(model := build_model(cells, spec), protect(model, K))
    changes = out[out["column"] == "Change"].set_index("municipality")["suppressed"]
    assert changes["A"] and out.loc[out["kind"] != "difference", "suppressed"].any()


def test_a_mean_compared_across_periods_is_still_judged_by_its_own_group():
    # A contrast row depends on the sums of both periods but has no group of its own: the
    # sums' groups must come from the mean rows, whatever order the rows come in.
    rows = [("A", "P1", 12, 2.5), ("B", "P1", 14, 3.0), ("A", "P3", 3, 2.0), ("B", "P3", 15, 3.5)]
    means = pd.DataFrame(rows, columns=["municipality", "column", "n", "value"]).assign(
        table="W", label="Item", code="item", kind="mean", count=np.nan)
    change = means[means["column"] == "P3"].assign(column="Change", kind="difference",
                                                   n=np.nan, value=0.5)
    cells = pd.concat([means, change], ignore_index=True)
    spec = {"W": TableSpec(population="valid", n_by_label=True, value_range=(1.0, 4.0),
                           contrasts=(Contrast("column", "Change", "P1", "P3"),))}
    model = build_model(cells, spec)
    small_sum = node_of(model, "s", "W", "A", "P3", "item")
    assert primary_nodes(model, K)[small_sum]          # a mean over 3 children
    up, down = protection_levels(model)
    assert up[small_sum] == down[small_sum] == pytest.approx(0.5 * 3)


def test_release_findings_on_a_clean_release_are_empty():
    cells = suppress(EXCLUSIVE, EXCLUSIVE_SPEC, K)
    model = build_model(cells.drop(columns=["suppressed"]), EXCLUSIVE_SPEC, complete=False)
    assert release_findings(model, K).empty


@pytest.mark.parametrize("min_cell", [0, 1.5, True])
def test_min_cell_must_be_a_whole_number(min_cell):
    from dsr_analysis.errors import DsrError

    with pytest.raises(DsrError, match="whole number"):
        suppress(EXCLUSIVE, EXCLUSIVE_SPEC, min_cell)


def test_primary_suppression_reads_a_missing_kind_as_no_share():
    # A string column's NA once made the mask ambiguous ("boolean value of NA"); found by a
    # teaching lesson running it on the bundled cells.
    from dsr_analysis.disclosure.release import primary_suppression

    cells = pd.DataFrame({"kind": pd.array(["share", None, "mean"], dtype="string"),
                          "n": [100, 3, 40], "count": [4, 1, np.nan], "value": [0.04, 0.33, 2.5]})
    assert primary_suppression(cells, 5)["suppressed"].tolist() == [True, True, False]
