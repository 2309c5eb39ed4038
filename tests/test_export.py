"""Reading an export: encodings, separators, Excel, row numbers, and the typed frame returned."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pandas as pd
import pytest
from bad_inputs.make_corpus import base_rows, csv_text, danish_excel, excel_value
from openpyxl import Workbook

from dsr_analysis import config, export
from dsr_analysis.codebook import default_codebook
from dsr_analysis.errors import InputValidationError

CODEBOOK = default_codebook()
FILE = "x.csv"


def message(error: pytest.ExceptionInfo) -> str:
    return str(error.value)


def load_text(text: str, encoding: str, path: Path, **options) -> pd.DataFrame:
    path.write_bytes(text.encode(encoding))
    return export.load_export(path, **options)


@pytest.fixture(scope="module")
def reference(tmp_path_factory) -> pd.DataFrame:
    """The base rows written as plain UTF-8 CSV with ',' and loaded."""
    return load_text(csv_text(base_rows()), "utf-8", tmp_path_factory.mktemp("base") / "x.csv")


def write_xlsx(path, records) -> None:
    workbook = Workbook()
    for record in records:
        workbook.active.append(record)
    workbook.save(path)


class TestLoadExport:
    def test_returns_the_contract(self, reference):
        assert list(reference.columns) == list(CODEBOOK.export_columns) + ["synthetic"]
        assert reference.index.equals(pd.RangeIndex(len(reference)))
        keys = reference[["municipality", "child_id", "wave"]]
        pd.testing.assert_frame_equal(
            keys, keys.sort_values(["municipality", "child_id", "wave"]).reset_index(drop=True)
        )
        assert str(reference["child_id"].dtype) in ("str", "string", "object")
        assert isinstance(reference["child_id"].iloc[0], str)
        assert reference["wave"].dtype == "int64"
        assert reference["registration_date"].dtype == "datetime64[ns]"
        assert reference["age_years"].dtype == "float64"
        assert reference["synthetic"].dtype == "bool" and not reference["synthetic"].any()

    def test_start_only_answers_are_missing_at_follow_ups(self, reference):
        follow_ups = reference[reference["wave"] > 1]
        assert follow_ups["age_years"].isna().all()
        assert follow_ups["initiative"].isna().all()

    def test_danish_excel_csv_loads_the_same(self, reference, tmp_path):
        text = csv_text(danish_excel(base_rows()), delimiter=";")
        pd.testing.assert_frame_equal(load_text(text, "cp1252", tmp_path / "dk.csv"), reference)

    def test_utf8_with_bom_loads_the_same(self, reference, tmp_path):
        text = csv_text(base_rows(), delimiter=";")
        pd.testing.assert_frame_equal(load_text(text, "utf-8-sig", tmp_path / "bom.csv"), reference)

    def test_dotted_danish_dates_load_the_same(self, reference, tmp_path):
        rows = [
            r | {"registration_date": r["registration_date"].replace("-", ".")}
            for r in danish_excel(base_rows())
        ]
        loaded = load_text(csv_text(rows), "utf-8", tmp_path / "dot.csv")
        pd.testing.assert_frame_equal(loaded, reference)

    def test_xlsx_with_number_and_date_cells_loads_the_same(self, reference, tmp_path):
        rows = base_rows()
        columns = list(rows[0])
        records = [columns] + [[excel_value(c, v) for c, v in row.items()] for row in rows]
        assert isinstance(records[1][3], dt.datetime)
        write_xlsx(tmp_path / "export.xlsx", records)
        pd.testing.assert_frame_equal(export.load_export(tmp_path / "export.xlsx"), reference)

    def test_the_synthetic_column_is_read(self, tmp_path):
        rows = [row | {"synthetic": "1"} for row in base_rows()]
        loaded = load_text(csv_text(rows), "utf-8", tmp_path / "synthetic.csv")
        assert loaded["synthetic"].all()

    def test_the_allowed_municipalities_can_be_given(self, tmp_path):
        rows = [row | {"municipality": "Ærø"} for row in base_rows()]
        text = csv_text(rows, delimiter=";")
        with pytest.raises(InputValidationError):
            load_text(text, "cp1252", tmp_path / "aeroe.csv")
        loaded = load_text(text, "cp1252", tmp_path / "aeroe.csv", municipalities=["Ærø"])
        assert set(loaded["municipality"]) == {"Ærø"}

    def test_a_missing_file(self, tmp_path):
        with pytest.raises(InputValidationError) as caught:
            export.load_export(tmp_path / "nowhere.csv")
        assert "nowhere.csv: expected an export file at this path" in message(caught)

    def test_an_unreadable_workbook(self, tmp_path):
        (tmp_path / "broken.xlsx").write_bytes(b"not a workbook")
        with pytest.raises(InputValidationError) as caught:
            export.load_export(tmp_path / "broken.xlsx")
        assert "an Excel workbook (.xlsx) that opens" in message(caught)

    def test_the_bundled_export_loads_when_present(self):
        if not config.SYNTHETIC_EXPORT_PATH.exists():
            pytest.skip("the synthetic export is not generated yet")
        loaded = export.load_export(config.SYNTHETIC_EXPORT_PATH)
        assert loaded["synthetic"].all()


class TestDecodedText:
    def test_utf8_with_and_without_bom_and_cp1252(self):
        for data in ("æøå".encode(), "æøå".encode("utf-8-sig"), "æøå".encode("cp1252")):
            assert export.decoded_text(data, FILE) == "æøå"

    @pytest.mark.parametrize(
        "data, fragment",
        [
            (b"", "the file is empty"),
            (b"  \r\n", "the file is empty"),
            ("a;b".encode("utf-16"), "UTF-16"),
            (b"\xd0\xcf\x11\xe0rest", "old Excel workbook (.xls)"),
            (b"a;b\n\x81\x8d", "cannot be decoded"),
            (b"a;b\n1;\x00\x01", "binary data"),
            ("ø;".encode() + "ø".encode("cp1252"), "mixes UTF-8 and cp1252"),
        ],
    )
    def test_refuses_what_it_cannot_read(self, data, fragment):
        with pytest.raises(InputValidationError) as caught:
            export.decoded_text(data, FILE)
        assert fragment in message(caught)


class TestHeaderDelimiter:
    @pytest.mark.parametrize(
        "text, delimiter", [("a;b;c\n1,5;2;3", ";"), ("a,b,c\n", ","), ("\r\na;b\n", ";")]
    )
    def test_the_header_decides(self, text, delimiter):
        assert export.header_delimiter(text, FILE) == delimiter

    @pytest.mark.parametrize("text, name", [("a\tb\tc\n", "tabs"), ("a|b|c\n", "'|'")])
    def test_refuses_other_separators(self, text, name):
        with pytest.raises(InputValidationError) as caught:
            export.header_delimiter(text, FILE)
        expected = f"columns separated by ';' or ','; the header row is separated by {name}"
        assert f"x.csv, row 1: expected {expected}" in message(caught)


class TestCellsFromRecords:
    def test_keeps_spreadsheet_row_numbers_across_blank_rows(self):
        cells, problems = export.cells_from_records(
            [["a", "b"], ["1", "2"], [], ["", ""], ["3", " 4 "]], FILE, ";"
        )
        assert problems == []
        assert cells.index.tolist() == [2, 5]
        assert cells.loc[5].tolist() == ["3", "4"]

    def test_tolerates_trailing_separators_and_short_rows(self):
        records = [["a", "b", ""], ["1", "2", ""], ["3"], ["5", "6", "", ""]]
        cells, problems = export.cells_from_records(records, FILE, ";")
        assert problems == []
        assert list(cells.columns) == ["a", "b"]
        assert cells.loc[3].tolist() == ["3", ""]

    def test_a_row_in_the_other_separator_is_reported_and_left_out(self):
        records = [["a", "b"], ["1", "2"], ["3,0102031234"]]
        cells, problems = export.cells_from_records(records, FILE, ";")
        assert cells.index.tolist() == [2]
        texts = [str(p) for p in problems]
        expected = "expected values separated by ';' as in the header row; this row uses ','"
        assert texts[0] == f"x.csv, row 3: {expected}"
        assert any("row 3, column 'a': expected no CPR number" in t for t in texts)
        assert not any("0102031234" in t for t in texts)

    def test_an_unnamed_column_with_data(self):
        cells, problems = export.cells_from_records([["a", "", "c"], ["1", "2", "3"]], FILE)
        assert list(cells.columns) == ["a", "c"]
        assert [(p.row, p.column) for p in problems] == [(None, "(column B)")]

    def test_a_repeated_column(self):
        cells, problems = export.cells_from_records([["a", "b", "a"], ["1", "2", "3"]], FILE)
        assert list(cells.columns) == ["a", "b"]
        assert cells.loc[2, "a"] == "1"
        assert (
            str(problems[0]) == "x.csv, column 'a': expected each column once; it is column A and C"
        )

    def test_a_cpr_like_column_name_is_not_shown(self):
        cells, problems = export.cells_from_records([["a", "010203-1234"], ["1", ""]], FILE)
        assert list(cells.columns) == ["a"]
        assert [(p.row, p.column) for p in problems] == [(1, "(column B)")]

    @pytest.mark.parametrize(
        "records, fragment",
        [
            ([], "row 1: expected the codebook's column names in row 1; the row is empty"),
            ([["", ""], ["1", "2"]], "the row is empty"),
            ([["a", "b"]], "expected at least one data row"),
            ([["a", "b"], ["", ""]], "expected at least one data row"),
            ([["child_id"], ["1"]], "found a single column"),
            ([["child_id;wave"], ["1;2"]], "they are in one quoted field, separated by ';'"),
        ],
    )
    def test_files_that_cannot_be_read(self, records, fragment):
        with pytest.raises(InputValidationError) as caught:
            export.cells_from_records(records, FILE, ",")
        assert fragment in message(caught)


class TestCellText:
    @pytest.mark.parametrize(
        "value, text",
        [
            (None, ""),
            (2, "2"),
            (2.0, "2"),
            (3.25, "3.25"),
            (1502111234, "1502111234"),
            (dt.datetime(2011, 2, 15), "2011-02-15"),
            (dt.datetime(2011, 2, 15, 12, 30), "2011-02-15 12:30:00"),
            (dt.date(2011, 2, 15), "2011-02-15"),
            (False, "0"),
            (" Odense ", " Odense "),
        ],
    )
    def test_cells_read_as_a_csv_would_hold_them(self, value, text):
        assert export.cell_text(value) == text


def test_data_readme_lists_every_column_in_order():
    readme = (config.DATA_DIR / "README.md").read_text(encoding="utf-8")
    listed = re.findall(r"^\| \d+ \| `([a-z_0-9]+)` \|", readme, flags=re.MULTILINE)
    assert listed == list(CODEBOOK.export_columns)
