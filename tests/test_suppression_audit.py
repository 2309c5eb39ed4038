"""The attacker: can anything hidden by `suppress` be recovered from what is published?

`audit_suppression` bounds every hidden count (and every hidden mean's sum) by linear
programming over the published cells, the relations of `equations` and 0 <= count <= n. These
tests run it on seeded synthetic tables shaped like the report's (four municipalities and
"Alle", three periods and "Total", single- and multiple-choice questions, means, a table printed
twice) with many small counts, and show that the audit does catch leaks.
"""

from __future__ import annotations

from functools import cache

import numpy as np
import pandas as pd
import pytest

from dsr_analysis.suppression import KEY, TableSpec, audit_suppression, equations, suppress

MUNICIPALITIES = ["Ans", "Bov", "Cur", "Dal"]
PERIODS = ["Periode 1", "Periode 2", "Periode 3"]
COLUMNS = [*PERIODS, "Total"]
EXCLUSIVE_OPTIONS = {"a": 0.5, "b": 0.25, "c": 0.13, "d": 0.07, "e": 0.05}
MULTIPLE_OPTIONS = {"p": 0.5, "q": 0.2, "r": 0.08, "s": 0.04}
SPECS = {
    "E": TableSpec(exclusive=True, additive_columns={"Total": PERIODS}),
    "M": TableSpec(additive_columns={"Total": PERIODS}),
    "A": TableSpec(additive_columns={"Total": PERIODS}),
    "D": TableSpec(exclusive=True, same_as="E", same_as_column="Total"),
    "F": TableSpec(exclusive=True),
}


def children(seed: int, sizes=(60, 30, 14, 7)) -> pd.DataFrame:
    """Return one row per synthetic child: municipality, period, answers and age."""
    rng = np.random.default_rng(seed)
    municipality = np.repeat(MUNICIPALITIES, sizes)
    total = len(municipality)
    data = {
        "municipality": municipality,
        "period": rng.choice(PERIODS, size=total, p=[0.5, 0.3, 0.2]),
        "exclusive": rng.choice(
            list(EXCLUSIVE_OPTIONS), size=total, p=list(EXCLUSIVE_OPTIONS.values())
        ),
        "flat": rng.choice(["x", "y", "z"], size=total, p=[0.8, 0.15, 0.05]),
        "age": rng.uniform(0, 6, size=total).round(2),
    }
    for option, p in MULTIPLE_OPTIONS.items():
        data[option] = rng.random(total) < p
    return pd.DataFrame(data)


def share_row(table, municipality, column, label, count, n):
    value = count / n if n else np.nan
    return (table, municipality, column, label, label, n, count, value, "share")


def cells_of(kids: pd.DataFrame) -> pd.DataFrame:
    """Return every cell of the synthetic tables, computed from the children."""
    rows = []
    for municipality in [*MUNICIPALITIES, "Alle"]:
        in_municipality = (
            kids if municipality == "Alle" else kids[kids["municipality"] == municipality]
        )
        for column in COLUMNS:
            group = (
                in_municipality
                if column == "Total"
                else in_municipality[in_municipality["period"] == column]
            )
            n = len(group)
            for option in EXCLUSIVE_OPTIONS:
                count = int((group["exclusive"] == option).sum())
                rows.append(share_row("E", municipality, column, option, count, n))
                if column == "Total":
                    rows.append(share_row("D", municipality, column, option, count, n))
            for option in MULTIPLE_OPTIONS:
                rows.append(
                    share_row("M", municipality, column, option, int(group[option].sum()), n)
                )
            age = group["age"].mean() if n else np.nan
            rows.append(("A", municipality, column, "age", "age", n, np.nan, age, "mean"))
        for option in ["x", "y", "z"]:
            count = int((in_municipality["flat"] == option).sum())
            rows.append(share_row("F", municipality, "Total", option, count, len(in_municipality)))
    columns = [*KEY, "code", "n", "count", "value", "kind"]
    return pd.DataFrame.from_records(rows, columns=columns)


def primary_only(cells: pd.DataFrame, min_cell: int = 5) -> pd.DataFrame:
    """Return the cells with only the primary rule applied (written independently of the module)."""
    share = cells["kind"] == "share"
    small = (cells["n"] < min_cell) | (share & cells["count"].between(1, min_cell - 1))
    return cells.assign(
        count=cells["count"].where(~small),
        value=cells["value"].where(~small),
        suppressed=small,
    )


@cache
def suppressed_synthetic(seed: int) -> tuple[pd.DataFrame, pd.DataFrame]:
    cells = cells_of(children(seed))
    return cells, suppress(cells, SPECS)


@pytest.fixture(params=[1, 2])
def synthetic(request):
    cells, published = suppressed_synthetic(request.param)
    return cells.copy(), published.copy()


def test_synthetic_tables_have_many_small_cells(synthetic):
    cells, published = synthetic
    shares = cells[cells["kind"] == "share"]
    assert shares["count"].between(1, 4).sum() >= 30
    assert (published["suppression"] == "secondary").sum() > 0


def test_no_hidden_cell_can_be_recovered(synthetic):
    cells, published = synthetic
    report = audit_suppression(cells, published, SPECS)
    assert len(report) == published["suppressed"].sum()
    assert report["protected"].all(), report[~report["protected"]]
    counts = report[(report["quantity"] == "count") & (report["n"] > 0)]
    assert ((counts["max"] - counts["min"]) >= 1 - 1e-6).all()
    sums = report[(report["quantity"] == "sum") & (report["n"] > 0)]
    assert len(sums) > 0 and len(counts) > 0
    assert (sums["max"] - sums["min"] > 0).all()
    # The truth is always among the attacker's possibilities (the equations are right).
    assert (
        (report["min"] <= report["true"] + 1e-6) & (report["true"] <= report["max"] + 1e-6)
    ).all()


def test_every_relation_has_zero_or_several_hidden_cells(synthetic):
    cells, published = synthetic
    # A hidden cell with n = 0 is known to be 0, so it does not count as hidden here.
    unknown = published.assign(unknown=published["suppressed"] & (published["n"] > 0))
    members = equations(cells, SPECS).merge(unknown[[*KEY, "unknown"]], on=KEY, how="left")
    assert members["unknown"].notna().all()
    per_equation = members.groupby("equation")["unknown"].sum()
    assert (per_equation != 1).all()


def test_primary_suppression_alone_leaks():
    cells, _ = suppressed_synthetic(1)
    report = audit_suppression(cells, primary_only(cells), SPECS)
    leaks = report[~report["protected"]]
    assert len(leaks) > 0
    # Some small counts are recovered exactly, by subtraction from published totals.
    exact = leaks[(leaks["quantity"] == "count") & (leaks["max"] - leaks["min"] < 1e-6)]
    assert exact["true"].between(1, 4).any()
    assert np.allclose(exact["min"], exact["true"])


def test_two_hidden_cells_per_relation_can_still_leak():
    # Hidden cells forming two 2x2 cycles joined by one cell (a "bridge") leave at least two
    # hidden cells in every row and column, yet the bridge equals a sum of published margins.
    four = ["Periode 1", "Periode 2", "Periode 3", "Periode 4"]
    specs = {"T": TableSpec(additive_columns={"Total": four})}
    counts = np.full((4, 4), 20)
    rows = []
    for i, municipality in enumerate(MUNICIPALITIES):
        for j, column in enumerate(four):
            rows.append(share_row("T", municipality, column, "yes", int(counts[i, j]), 40))
        rows.append(share_row("T", municipality, "Total", "yes", int(counts[i].sum()), 160))
    for j, column in enumerate(four):
        rows.append(share_row("T", "Alle", column, "yes", int(counts[:, j].sum()), 160))
    rows.append(share_row("T", "Alle", "Total", "yes", int(counts.sum()), 640))
    cells = pd.DataFrame.from_records(rows, columns=[*KEY, "code", "n", "count", "value", "kind"])

    pattern = {(0, 0), (0, 1), (1, 0), (1, 1), (2, 2), (2, 3), (3, 2), (3, 3), (0, 2)}
    hidden_keys = {(MUNICIPALITIES[i], four[j]) for i, j in pattern}
    hidden = [
        (m, c) in hidden_keys for m, c in zip(cells["municipality"], cells["column"], strict=True)
    ]
    published = cells.assign(
        count=cells["count"].where(~pd.Series(hidden)),
        value=cells["value"].where(~pd.Series(hidden)),
        suppressed=hidden,
    )
    report = audit_suppression(cells, published, specs).set_index(["municipality", "column"])
    assert not report.loc[("Ans", "Periode 3"), "protected"]
    assert report.loc[("Ans", "Periode 3"), "max"] == pytest.approx(20)
    assert report.drop(index=("Ans", "Periode 3"))["protected"].all()

    # Given the same cells as small, suppress itself finds a safe pattern.
    small = cells.copy()
    for i, j in pattern:
        at = (small["municipality"] == MUNICIPALITIES[i]) & (small["column"] == four[j])
        small.loc[at, "count"] = 2
    small = recomputed_margins(small, four)
    safe = suppress(small, specs)
    assert audit_suppression(small, safe, specs)["protected"].all()


def recomputed_margins(cells: pd.DataFrame, parts: list[str]) -> pd.DataFrame:
    """Return the cells with their "Total" column and "Alle" row recomputed from the parts."""
    out = cells.copy()
    inner = out[(out["municipality"] != "Alle") & (out["column"] != "Total")]
    for municipality, group in inner.groupby("municipality"):
        at = (out["municipality"] == municipality) & (out["column"] == "Total")
        out.loc[at, "count"] = group["count"].sum()
    for column, group in inner.groupby("column"):
        at = (out["municipality"] == "Alle") & (out["column"] == column)
        out.loc[at, "count"] = group["count"].sum()
    at = (out["municipality"] == "Alle") & (out["column"] == "Total")
    out.loc[at, "count"] = inner["count"].sum()
    out["value"] = out["count"] / out["n"]
    return out


def test_a_published_copy_gives_a_hidden_cell_away():
    rows = []
    for table in ["E", "D"]:
        for municipality, count in zip([*MUNICIPALITIES, "Alle"], [3, 10, 8, 20, 41], strict=True):
            rows.append(
                share_row(table, municipality, "Total", "yes", count, 30 if count != 41 else 120)
            )
    cells = pd.DataFrame.from_records(rows, columns=[*KEY, "code", "n", "count", "value", "kind"])
    specs = {"E": TableSpec(), "D": TableSpec(same_as="E")}
    published = suppress(cells, specs)
    assert audit_suppression(cells, published, specs)["protected"].all()

    # Publish the repeated table's copy of a hidden cell: the original is then known too.
    copy = (published["table"] == "D") & (published["municipality"] == "Ans")
    leaked = published.copy()
    leaked.loc[copy, ["count", "value", "suppressed"]] = [3, 0.1, False]
    report = audit_suppression(cells, leaked, specs).set_index(["table", "municipality"])
    assert not report.loc[("E", "Ans"), "protected"]
    assert report.loc[("E", "Ans"), ["min", "max"]].tolist() == [3, 3]
    assert not report.loc[("E", "Cur"), "protected"]  # and its complement by subtraction
