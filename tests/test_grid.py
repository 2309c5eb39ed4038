"""Reading CSV into categorical columns: pandas' parser must split a file exactly as csv does."""

from __future__ import annotations

import csv
import io

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dsr_analysis import grid
from dsr_analysis.grid import CsvError, csv_grid, records_grid

PIECES = ["a", "1", "01", " ", ";", ",", '"', '""', "\r", "\n", "\r\n", "æ", "\t", "\xa0", "’",
          '"a;b"', "true", "True", "1.0"]


def contents(table: grid.Grid) -> tuple[list[str], dict[int, list[str]]]:
    """The header and each row's cells (trailing empty cells dropped) as plain strings."""
    rows = {}
    for number in table.rows.index:
        cells = [str(table.rows.at[number, column]) for column in table.rows.columns]
        while cells and cells[-1] == "":
            cells.pop()
        rows[int(number)] = cells
    return table.header, rows


def by_csv_module(text: str, delimiter: str) -> tuple[list[str], dict[int, list[str]]]:
    return contents(records_grid(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)))


@settings(max_examples=300, deadline=None)
@given(
    text=st.lists(st.sampled_from(PIECES), max_size=60).map("".join),
    delimiter=st.sampled_from([";", ","]),
    encoding=st.sampled_from(["utf-8", "utf-8-sig", "cp1252"]),
    chunk=st.sampled_from([2, 3, grid.CHUNK_ROWS]),
)
def test_splits_text_as_the_csv_module_does(text, delimiter, encoding, chunk):
    # Small chunks put chunk boundaries between blank rows, quoted newlines and long rows.
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(grid, "CHUNK_ROWS", chunk)
        read = contents(csv_grid(text.encode(encoding), encoding, delimiter))
        assert read == by_csv_module(text, delimiter)


def test_texts_stay_texts():
    # pandas would read a column of numbers as numbers ("01" = "1") and of true/false as bools.
    table = csv_grid(b"a;b\n01;true\n1;True\n1.0;TRUE\n", "utf-8", ";")
    assert table.rows[0].tolist() == ["01", "1", "1.0"]
    assert table.rows[1].tolist() == ["true", "True", "TRUE"]


def test_cells_are_stripped_and_blank_rows_left_out_but_counted():
    table = csv_grid(b"a;b\r\n 1 ; x\r\n\r\n ; \r\n2;y\r\n", "utf-8", ";")
    assert table.header == ["a", "b"]
    assert contents(table)[1] == {2: ["1", "x"], 5: ["2", "y"]}


@pytest.mark.parametrize(
    "text",
    [
        "a;b\n1;2;3\n4;5\n",  # one row one value longer (one wider read)
        "a;b\n1;2\n" + ";".join("x" * 9) + "\n",  # far wider than the header (csv module)
        'a;b\n1;"2\n3;4\n',  # a quote never closed (csv module)
    ],
)
def test_ragged_and_broken_rows_read_as_csv_reads_them(text):
    assert contents(csv_grid(text.encode(), "utf-8", ";")) == by_csv_module(text, ";")


def test_a_cell_too_long_for_csv_is_refused():
    with pytest.raises(CsvError, match=r"field larger than field limit \(131072\)"):
        csv_grid(b"a;b\n1;" + b"x" * 131073 + b"\n", "utf-8", ";")


def test_records_grid_pads_short_rows():
    table = records_grid([["a", "b", "c"], ["1"], ["2", "3", "4", "5"]])
    assert table.width == 4
    assert contents(table)[1] == {2: ["1"], 3: ["2", "3", "4", "5"]}
