"""Primary and complementary suppression on small hand-made tables."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from dsr_analysis.errors import ConfigurationError, DsrError
from dsr_analysis.suppression import KEY, TableSpec, audit_suppression, equations, suppress

PERIODS = ["Periode 1", "Periode 2", "Periode 3"]
MUNICIPALITIES = ["Ans", "Bov", "Cur", "Dal"]


def share(table, municipality, column, label, count, n):
    return {
        "table": table,
        "municipality": municipality,
        "column": column,
        "label": label,
        "code": label,
        "n": n,
        "count": count,
        "value": count / n if n else np.nan,
        "kind": "share",
    }


def mean(table, municipality, column, label, value, n):
    return {
        "table": table,
        "municipality": municipality,
        "column": column,
        "label": label,
        "code": label,
        "n": n,
        "count": np.nan,
        "value": value,
        "kind": "mean",
    }


def frame(*rows):
    return pd.DataFrame(list(rows))


def by_key(cells):
    return cells.set_index(KEY)


def municipality_table(table, counts, ns, label="yes", column="Total"):
    """One label across the four municipalities and "Alle" (the sum)."""
    rows = [
        share(table, m, column, label, c, n)
        for m, c, n in zip(MUNICIPALITIES, counts, ns, strict=True)
    ]
    rows.append(share(table, "Alle", column, label, sum(counts), sum(ns)))
    return frame(*rows)


def test_small_count_is_hidden_with_its_share_and_zero_is_not():
    cells = frame(
        share("T", "Ans", "Total", "a", 3, 20),
        share("T", "Ans", "Total", "b", 0, 20),
        share("T", "Ans", "Total", "c", 12, 20),
    )
    out = by_key(suppress(cells, {"T": TableSpec()}))
    small = out.loc[("T", "Ans", "Total", "a")]
    assert small["suppressed"] and small["suppression"] == "primary"
    assert np.isnan(small["count"]) and np.isnan(small["value"]) and small["n"] == 20
    assert not out.loc[("T", "Ans", "Total", "b"), "suppressed"]
    assert out.loc[("T", "Ans", "Total", "b"), "count"] == 0
    assert out["suppression"].tolist() == ["primary", "", ""]


def test_small_n_hides_shares_and_means_but_keeps_n():
    cells = frame(
        share("T", "Ans", "Total", "a", 4, 4),
        share("T", "Ans", "Total", "b", 0, 4),
        mean("M", "Ans", "Total", "age", 3.5, 3),
        mean("M", "Ans", "Total", "score", 2.0, 5),
    )
    out = by_key(suppress(cells, {"T": TableSpec(), "M": TableSpec()}))
    assert out["suppressed"].tolist() == [True, False, True, True]
    assert out.loc[("M", "Ans", "Total", "age"), "n"] == 3
    assert np.isnan(out.loc[("M", "Ans", "Total", "age"), "value"])
    assert out.loc[("M", "Ans", "Total", "score"), "value"] == 2.0


def test_sum_column_is_blanked_with_the_mean():
    cells = frame(mean("M", "Ans", "Total", "age", 3.5, 3)).assign(sum=10.5)
    out = suppress(cells, {"M": TableSpec()})
    assert np.isnan(out.loc[0, "sum"]) and np.isnan(out.loc[0, "value"])


def test_k_one_hides_nothing():
    cells = pd.concat(
        [
            municipality_table("T", [1, 2, 0, 3], [2, 3, 0, 4]),
            frame(mean("M", "Ans", "Total", "age", 3.5, 1)),
        ],
        ignore_index=True,
    )
    out = suppress(cells, {"T": TableSpec(), "M": TableSpec()}, min_cell=1)
    assert not out["suppressed"].any()
    assert (out["suppression"] == "").all()
    expected = cells.sort_values(KEY).reset_index(drop=True)
    pd.testing.assert_frame_equal(out.drop(columns=["suppressed", "suppression"]), expected)


@pytest.mark.parametrize("min_cell", [0, -3, 2.5, True])
def test_bad_threshold_is_refused(min_cell):
    with pytest.raises(DsrError):
        suppress(frame(share("T", "Ans", "Total", "a", 3, 20)), {"T": TableSpec()}, min_cell)


def test_single_hidden_municipality_forces_a_second_one():
    cells = municipality_table("T", [3, 10, 8, 20], [30, 30, 30, 30])
    out = by_key(suppress(cells, {"T": TableSpec()}))
    reasons = out["suppression"].droplevel(["table", "column", "label"])
    # The smallest non-zero part is the complement; "Alle" stays published.
    expected = {"Alle": "", "Ans": "primary", "Bov": "", "Cur": "secondary", "Dal": ""}
    assert reasons.to_dict() == expected


def test_a_zero_cell_is_not_chosen_as_complement():
    # Hiding a zero would leave the reader bounds but tell them nothing new to doubt.
    cells = municipality_table("T", [3, 0, 0, 6], [30, 30, 30, 30])
    out = by_key(suppress(cells, {"T": TableSpec()}))
    reasons = out["suppression"].droplevel(["table", "column", "label"]).to_dict()
    assert reasons == {"Alle": "", "Ans": "primary", "Bov": "", "Cur": "", "Dal": "secondary"}


def test_a_complement_pinned_by_its_bounds_gets_a_third_cell():
    # Ans (4 of 4) and Bov (6 of 6) would add up to 10 = 4 + 6: both at their maximum, so a
    # reader recovers them from "Alle" although the equation has two hidden cells.
    cells = municipality_table("T", [4, 6, 15, 25], [4, 6, 20, 30])
    out = suppress(cells, {"T": TableSpec()})
    reasons = by_key(out)["suppression"].droplevel(["table", "column", "label"]).to_dict()
    assert reasons == {
        "Alle": "",
        "Ans": "primary",
        "Bov": "secondary",
        "Cur": "secondary",
        "Dal": "",
    }
    assert audit_suppression(cells, out, {"T": TableSpec()})["protected"].all()


def test_pattern_propagates_through_municipalities_and_periods():
    rng = np.random.default_rng(7)
    counts = rng.integers(8, 30, size=(4, 3))
    counts[0, 0] = 2  # the one small cell
    rows = []
    for i, municipality in enumerate(MUNICIPALITIES):
        for j, period in enumerate(PERIODS):
            rows.append(share("P", municipality, period, "yes", int(counts[i, j]), 40))
        rows.append(share("P", municipality, "Total", "yes", int(counts[i].sum()), 120))
    for j, period in enumerate(PERIODS):
        rows.append(share("P", "Alle", period, "yes", int(counts[:, j].sum()), 160))
    rows.append(share("P", "Alle", "Total", "yes", int(counts.sum()), 480))
    cells = frame(*rows)
    specs = {"P": TableSpec(additive_columns={"Total": PERIODS})}
    out = suppress(cells, specs)

    hidden = by_key(out)["suppressed"]
    assert hidden.sum() >= 4  # a hidden cell needs partners in its row and in its column
    published = by_key(out)
    for _, members in equations(cells, specs).groupby("equation"):
        in_equation = hidden.loc[[tuple(key) for key in members[KEY].to_numpy()]]
        assert in_equation.sum() != 1
    assert audit_suppression(cells, out, specs)["protected"].all()
    assert not published.loc[("P", "Alle", "Total", "yes"), "suppressed"]


def test_mean_cells_are_protected_through_their_sums():
    rows = [
        mean("A", m, "Total", "age", v, n)
        for m, v, n in zip(MUNICIPALITIES, [2.0, 3.0, 4.0, 5.0], [3, 10, 12, 20], strict=True)
    ]
    total_n = 45
    total = (2.0 * 3 + 3.0 * 10 + 4.0 * 12 + 5.0 * 20) / total_n
    rows.append(mean("A", "Alle", "Total", "age", total, total_n))
    cells = frame(*rows)
    out = by_key(suppress(cells, {"A": TableSpec()}))
    reasons = out["suppression"].droplevel(["table", "column", "label"]).to_dict()
    # The complement of a mean is the one with the fewest children.
    assert reasons == {"Alle": "", "Ans": "primary", "Bov": "secondary", "Cur": "", "Dal": ""}


def test_single_choice_table_gets_a_complement_within_the_column():
    cells = frame(
        share("E", "Ans", "Total", "a", 3, 22),
        share("E", "Ans", "Total", "b", 12, 22),
        share("E", "Ans", "Total", "c", 7, 22),
    )
    out = by_key(suppress(cells, {"E": TableSpec(exclusive=True)}))
    assert out["suppression"].tolist() == ["primary", "", "secondary"]
    # The same table read as multiple-choice needs no complement.
    multi = suppress(cells, {"E": TableSpec(exclusive=False)})
    assert multi["suppression"].tolist() == ["primary", "", ""]


def test_repeated_tables_are_suppressed_alike():
    rows = []
    counts = {"Ans": [2, 1, 1], "Bov": [10, 12, 14], "Cur": [9, 8, 7], "Dal": [20, 21, 22]}
    for municipality, row in counts.items():
        for period, count in zip(PERIODS, row, strict=True):
            rows.append(share("7-15", municipality, period, "yes", count, 40))
        rows.append(share("7-15", municipality, "Total", "yes", sum(row), 120))
        rows.append(share("7-2", municipality, "Total", "yes", sum(row), 120))
    for j, period in enumerate(PERIODS):
        rows.append(share("7-15", "Alle", period, "yes", sum(r[j] for r in counts.values()), 160))
    grand = sum(sum(r) for r in counts.values())
    rows.append(share("7-15", "Alle", "Total", "yes", grand, 480))
    rows.append(share("7-2", "Alle", "Total", "yes", grand, 480))
    cells = frame(*rows)
    specs = {
        "7-15": TableSpec(additive_columns={"Total": PERIODS}),
        "7-2": TableSpec(same_as="7-15", same_as_column="Total"),
    }
    out = suppress(cells, specs)
    repeated = out[out["table"] == "7-2"].drop(columns="table").reset_index(drop=True)
    original = (
        out[(out["table"] == "7-15") & (out["column"] == "Total")]
        .drop(columns="table")
        .reset_index(drop=True)
    )
    pd.testing.assert_frame_equal(repeated, original)
    assert repeated["suppressed"].any()  # the test exercises hidden repeated cells
    assert audit_suppression(cells, out, specs)["protected"].all()


def test_registration_counts_add_up_to_their_denominator():
    # Counts of registrations (n is children): the options add up to the denominator, which
    # also bounds each count.
    cells = frame(
        share("Q", "Ans", "Total", "Ja", 22, 10),
        share("Q", "Ans", "Total", "Nej", 3, 10),
    ).assign(denominator=25, value=[22 / 25, 3 / 25])
    out = suppress(cells, {"Q": TableSpec(exclusive=True)})
    assert out["suppression"].tolist() == ["secondary", "primary"]
    assert out["denominator"].tolist() == [25, 25]
    report = audit_suppression(cells, out, {"Q": TableSpec(exclusive=True)})
    assert report["max"].max() == pytest.approx(25)


def test_repeated_cells_that_differ_are_refused():
    cells = frame(share("X", "Ans", "Total", "a", 7, 20), share("Y", "Ans", "Total", "a", 8, 20))
    with pytest.raises(ConfigurationError, match="repeat"):
        suppress(cells, {"X": TableSpec(), "Y": TableSpec(same_as="X")})


def test_input_is_not_mutated():
    cells = municipality_table("T", [3, 10, 8, 20], [30, 30, 30, 30])
    before = cells.copy()
    suppress(cells, {"T": TableSpec()})
    equations(cells, {"T": TableSpec()})
    pd.testing.assert_frame_equal(cells, before)


def test_output_does_not_depend_on_row_order():
    rows = []
    rng = np.random.default_rng(3)
    for label in ["a", "b", "c", "d"]:
        counts = [int(c) for c in rng.integers(0, 9, size=4)]
        rows.append(municipality_table("E", counts, [40, 40, 40, 40], label=label))
    cells = pd.concat(rows, ignore_index=True)
    specs = {"E": TableSpec()}
    out = suppress(cells, specs)
    for seed in range(3):
        shuffled = cells.sample(frac=1, random_state=seed).set_index(
            pd.Index(range(100, 100 + len(cells)))
        )
        pd.testing.assert_frame_equal(suppress(shuffled, specs), out)
        pd.testing.assert_frame_equal(equations(shuffled, specs), equations(cells, specs))


def test_equations_list_the_relations_of_the_specs():
    cells = frame(
        share("E", "Ans", "Periode 1", "a", 3, 10),
        share("E", "Ans", "Periode 1", "b", 7, 10),
        share("E", "Ans", "Total", "a", 3, 10),
        share("E", "Ans", "Total", "b", 7, 10),
    )
    specs = {"E": TableSpec(exclusive=True, additive_columns={"Total": ["Periode 1"]})}
    found = equations(cells, specs)
    assert list(found.columns) == [
        "equation",
        "relation",
        "role",
        "table",
        "municipality",
        "column",
        "label",
        "coef",
        "rhs",
    ]
    assert found.groupby("relation")["equation"].nunique().to_dict() == {
        "columns": 2,
        "exclusive": 2,
    }
    exclusive = found[found["relation"] == "exclusive"]
    assert set(exclusive["rhs"]) == {10.0} and set(exclusive["coef"]) == {1}


def test_a_spec_that_does_not_hold_is_refused():
    cells = frame(share("E", "Ans", "Total", "a", 3, 22), share("E", "Ans", "Total", "b", 12, 22))
    with pytest.raises(ConfigurationError, match="do not hold"):
        suppress(cells, {"E": TableSpec(exclusive=True)})


def test_a_table_without_spec_is_refused():
    with pytest.raises(ConfigurationError, match="no TableSpec"):
        suppress(frame(share("T", "Ans", "Total", "a", 3, 20)), {})


def test_duplicated_keys_are_refused():
    row = share("T", "Ans", "Total", "a", 3, 20)
    with pytest.raises(DsrError, match="duplicated"):
        suppress(frame(row, row), {"T": TableSpec()})
