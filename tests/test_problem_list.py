"""Problems held as arrays: the same problems, totals and shown selection as plain lists."""

from __future__ import annotations

import time
from itertools import islice, zip_longest

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dsr_analysis.errors import Problem
from dsr_analysis.export import problems_by_municipality
from dsr_analysis.problem_list import Problems, RowProblems, batch_at

FILE = "x.csv"
COLUMNS = ("wave", "age_years", "initiative", None)


def shown_from_list(problems: list[Problem], limit: int) -> list[Problem]:
    """The selection rule written out on a plain list (as validate.shown_problems had it)."""
    by_column: dict[str | None, list[Problem]] = {}
    for problem in problems:
        by_column.setdefault(problem.column, []).append(problem)
    in_turn = (p for rank in zip_longest(*by_column.values()) for p in rank if p is not None)
    chosen = list(islice(in_turn, limit))
    order = {id(problem): index for index, problem in enumerate(problems)}
    return sorted(chosen, key=lambda p: (p.row or 0, order[id(p)]))


batches = st.lists(
    st.tuples(
        st.lists(st.integers(2, 40), max_size=30),  # rows
        st.lists(st.integers(0, 3), min_size=30, max_size=30),  # column of each
        st.booleans(),  # as a plain list of Problem instead of a batch
    ),
    max_size=6,
)


@settings(max_examples=200, deadline=None)
@given(parts=batches, limit=st.integers(1, 12))
def test_batches_show_what_a_plain_list_shows(parts, limit):
    found, flat = Problems(), []
    for rows, columns, as_list in parts:
        batch = RowProblems(
            FILE, np.array(rows, dtype=np.int64), COLUMNS, lambda row: f"not {row}",
            np.array(columns[: len(rows)], dtype=np.int32), payload={"row": np.array(rows)},
        )
        problems = list(batch)
        found += problems if as_list else batch
        flat += problems
    assert len(found) == len(flat)
    assert list(found) == flat
    assert found.shown(limit) == shown_from_list(flat, limit)


def test_a_million_problems_cost_arrays_not_objects():
    rows = np.arange(2, 1_000_002)
    found = Problems([RowProblems(FILE, rows, ("age_years",), "a number")])
    found += RowProblems(FILE, rows, ("wave",), "1 to 6")
    start = time.perf_counter()
    shown = found.shown()
    assert time.perf_counter() - start < 1.0
    assert len(found) == 2_000_000 and len(shown) == 50
    assert [(p.row, p.column) for p in shown[:4]] == [
        (2, "age_years"), (2, "wave"), (3, "age_years"), (3, "wave")
    ]


def test_problems_are_indexed_as_a_list_is():
    batch = RowProblems(FILE, np.array([3, 5, 8]), ("wave",), "1 to 6")
    found = Problems([[Problem(FILE, None, "wave", "a column")], batch])
    for sequence, expected in ((batch, list(batch)), (found, list(found))):
        assert len(expected) == len(sequence)
        for index in range(-len(expected), len(expected)):
            assert sequence[index] == expected[index]
        assert sequence[np.int64(-1)] == expected[-1]
        assert sequence[-2:] == expected[-2:]
        for outside in (len(expected), -len(expected) - 1):
            with pytest.raises(IndexError):
                sequence[outside]
    assert [p.row for p in found] == [None, 3, 5, 8]


def test_cells_come_row_by_row():
    batch = batch_at(FILE, np.array([5, 2, 5]), np.array([1, 1, 0]), ["a", "b"], "x")
    assert [(p.row, p.column) for p in batch] == [(2, "b"), (5, "a"), (5, "b")]


def test_a_batch_is_split_by_municipality_in_order_of_appearance():
    municipality = pd.Series(["Odense", "Kolding", "Odense", "Kolding"], index=[2, 3, 4, 5])
    child = pd.Series(["A", "B", "C", "D"], index=[2, 3, 4, 5])
    batch = RowProblems(FILE, np.array([4, 3, 5]), ("wave",), "1 to 6")
    split = problems_by_municipality(Problems([batch]), municipality, child, ["Kolding", "Odense"])
    assert list(split) == ["Odense", "Kolding"]
    assert [p.row for p in split["Kolding"]] == [3, 5]


def test_a_batch_in_the_municipality_column_concerns_the_whole_file():
    municipality = pd.Series(["Odense"], index=[2])
    batch = RowProblems(FILE, np.array([2]), ("municipality",), "one of the monitored")
    split = problems_by_municipality(Problems([batch]), municipality, municipality, ["Odense"])
    assert split is None


def test_a_child_in_two_municipalities_concerns_the_whole_file():
    municipality = pd.Series(["Odense", "Kolding"], index=[2, 3])
    child = pd.Series(["A", "A"], index=[2, 3])
    batch = RowProblems(FILE, np.array([3]), ("wave",), "1 to 6")
    split = problems_by_municipality(Problems([batch]), municipality, child, ["Kolding", "Odense"])
    assert split is None
