"""``dsr template``: the codebook's columns with drop-down lists and formats, the explanation
and municipality sheets, and a round trip: the bundled export written into the template
validates and gives the same tables as the CSV."""

from __future__ import annotations

import csv
import datetime as dt
import io
import re

import pytest
from click.testing import CliRunner
from openpyxl import load_workbook

from dsr_analysis import config
from dsr_analysis.cli import main
from dsr_analysis.codebook import default_codebook
from dsr_analysis.export import load_export
from dsr_analysis.municipalities import load_municipalities
from dsr_analysis.tables import published_cells
from dsr_analysis.template import template_workbook

CODEBOOK = default_codebook()


@pytest.fixture(scope="module")
def book():
    return load_workbook(io.BytesIO(template_workbook("da")))


def validations(sheet) -> dict[str, object]:
    """Column letter -> the data validation of its entry cells."""
    found = {}
    for rule in sheet.data_validations.dataValidation:
        for cells in rule.sqref.ranges:
            letter = re.match(r"[A-Z]+", cells.coord)[0]
            assert cells.coord == f"{letter}2:{letter}20001"
            found[letter] = rule
    return found


def test_row_1_is_the_export_header_and_every_column_has_its_danish_label(book):
    sheet = book.worksheets[0]
    assert [cell.value for cell in sheet[1]] == list(CODEBOOK.export_columns)
    assert sheet.max_row == 1
    assert sheet["A1"].comment.text.startswith("Barnets løbenummer")
    assert sheet["F1"].comment.text.startswith(
        "Hvordan vil du beskrive barnets problemstilling? – Tegn hos barnet"
    )


def test_the_drop_down_lists_hold_the_codebook_codes(book):
    rules = validations(book.worksheets[0])
    assert len(rules) == len(CODEBOOK.export_columns)
    assert rules["AA"].type == "list" and rules["AA"].formula1 == '"1,2,99"'  # info_exchange
    assert rules["AB"].formula1 == '"1,2,3,4,5,99"'  # initiative
    assert rules["F"].formula1 == '"0,1"'  # problem_1
    assert rules["BE"].formula1 == '"1,2,3,4,99"'  # agreement_staff_social_worker
    assert rules["BH"].formula1 == '"1,2,3,4,5,6,7,8,9,10,99"'  # parents_involved
    assert rules["B"].formula1 == '"Faaborg-Midtfyn,Frederikshavn,Kolding,Odense"'
    assert (rules["C"].type, rules["C"].formula1, rules["C"].formula2) == ("whole", "1", "6")
    assert (rules["D"].type, rules["D"].formula1) == ("date", "DATE(2011,1,1)")
    assert rules["D"].formula2 == "DATE(2012,6,30)"
    assert (rules["E"].type, rules["E"].formula1, rules["E"].formula2) == ("decimal", "0", "6.999")
    assert rules["AA"].prompt.startswith("1 = Ja, 2 = Nej, 99 = Ved ikke\n")


def test_columns_carry_number_and_date_formats(book):
    columns = book.worksheets[0].column_dimensions
    assert columns["D"].number_format == "yyyy-mm-dd"
    assert columns["E"].number_format == "0.00"
    assert columns["C"].number_format == "0"
    assert columns["A"].number_format == "@"


def test_the_explanation_and_municipality_sheets(book):
    questions = list(book["Spørgsmål og koder"].iter_rows(min_row=2, values_only=True))
    assert [row[1] for row in questions] == list(CODEBOOK.export_columns)
    age = questions[4]
    assert age[2] == "Hvad er barnets alder?" and age[3] == "kun ved startmålingen (runde 1)"
    assert questions[26][5] == "1 = Ja, 2 = Nej, 99 = Ved ikke"
    places = list(book["Kommuner"].iter_rows(min_row=2, values_only=True))
    assert [row[0] for row in places] == [str(e["name"]) for e in load_municipalities()]
    assert dict((row[0], row[1]) for row in places)["Mariagerfjord"] == "nej"


def test_the_english_template_has_no_danish_words():
    book = load_workbook(io.BytesIO(template_workbook("en")))
    assert book.sheetnames == ["Registrations", "Guide", "Questions and codes", "Municipalities"]
    rows = [row for name in book.sheetnames[1:3] for row in book[name].iter_rows(values_only=True)]
    texts = [str(value) for row in rows for value in row if value is not None]
    texts += [cell.comment.text for cell in book.worksheets[0][1]]
    joined = "\n".join(texts)
    for word in ("Spørgsmål", "startmåling", "Barnets", "ved hver", "Ved ikke", "Ja", "Nej"):
        assert not re.search(rf"\b{word}\b", joined), word


def test_the_template_is_deterministic():
    assert template_workbook("da") == template_workbook("da")


def typed(text: str):
    """A CSV cell as a person enters it in Excel: numbers as numbers, dates as dates."""
    if re.fullmatch(r"-?\d+", text):
        return int(text)
    if re.fullmatch(r"-?\d+\.\d+", text):
        return float(text)
    if re.fullmatch(r"\d{4}-\d\d-\d\d", text):
        return dt.datetime.fromisoformat(text)
    return text or None


def test_the_bundled_export_written_into_the_template_gives_the_same_tables(tmp_path):
    result = CliRunner().invoke(main, ["template", "--out", str(tmp_path / "t.xlsx")])
    assert result.exit_code == 0, result.output
    book = load_workbook(tmp_path / "t.xlsx")
    sheet = book.worksheets[0]
    header = [cell.value for cell in sheet[1]]
    with config.SYNTHETIC_EXPORT_PATH.open(encoding="utf-8") as stream:
        records = list(csv.DictReader(stream))
    # The bundled export is synthetic: its optional flag column goes after the template's.
    sheet.cell(1, len(header) + 1, "synthetic")
    for record in records:
        sheet.append([typed(record[c]) for c in header] + [typed(record["synthetic"])])
    book.save(tmp_path / "filled.xlsx")
    assert len(load_export(tmp_path / "filled.xlsx")) == len(records)
    from_template = published_cells(tmp_path / "filled.xlsx")
    from_csv = published_cells(config.SYNTHETIC_EXPORT_PATH)
    assert from_template.equals(from_csv)


def test_template_refuses_a_name_not_ending_in_xlsx(tmp_path):
    result = CliRunner().invoke(main, ["template", "--out", str(tmp_path / "t.csv")])
    assert result.exit_code == 1 and "expected a file name ending in .xlsx" in result.output
    assert list(tmp_path.iterdir()) == []
