"""``dsr check``: on every file of the bad-input corpus, a page and a workbook listing every
problem, the expected cells highlighted (tests/fixtures/check_cells.yml, worked out by hand),
and no identifier anywhere."""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner
from openpyxl import load_workbook

from dsr_analysis.check.rules import FALLBACK_RULE, finding, rule_book
from dsr_analysis.check.workbook import HIGHLIGHT
from dsr_analysis.cli import main
from dsr_analysis.errors import Problem

CORPUS = Path(__file__).parent / "bad_inputs"
EXPECTED = yaml.safe_load((CORPUS / "expected.yml").read_text(encoding="utf-8"))
CASES = EXPECTED["files"]
NEVER_SHOWN = [str(value) for value in EXPECTED["never_shown"]]
CELLS = yaml.safe_load((Path(__file__).parent / "fixtures" / "check_cells.yml").read_text())
EXPECTED_CELLS = CELLS["files"]
ID_VALUES = re.compile(r"ID77\d\d")


@cache
def checked(name: str, language: str, folder: Path):
    """Run ``dsr check`` once per file and language; its result, page and workbook."""
    out = folder / f"{Path(name).stem}-{language}"
    result = CliRunner().invoke(
        main, ["check", str(CORPUS / name), "--out", str(out), "--lang", language]
    )
    stem = Path(name).stem
    page = (out / f"{stem}-check.html").read_text(encoding="utf-8")
    return result, page, load_workbook(out / f"{stem}-check.xlsx"), out


@pytest.fixture(scope="module")
def folder(tmp_path_factory):
    return tmp_path_factory.mktemp("check")


def expected_cells(name: str, header: list[str], width: int) -> set[tuple[int, int]]:
    case = EXPECTED_CELLS.get(name, {})
    cells = set()
    for entry in case.get("cells", []):
        row, column = entry.split()
        cells.add((int(row), header.index(column) + 1))
    for column, (first, last) in case.get("ranges", {}).items():
        cells |= {(row, header.index(column) + 1) for row in range(first, last + 1)}
    for row in case.get("rows", []):
        cells |= {(row, number) for number in range(1, width + 1)}
    return cells


def test_the_fixture_names_every_file_of_the_corpus():
    assert set(EXPECTED_CELLS) <= set(CASES)


@pytest.mark.parametrize("name", sorted(CASES))
def test_check_highlights_every_expected_cell_and_no_other(name, folder):
    result, _, book, _ = checked(name, "da", folder)
    assert result.exit_code == 1, result.output
    assert "Traceback" not in result.output
    if EXPECTED_CELLS.get(name, {}).get("copy") is False:
        assert book.sheetnames == ["Overblik", "Problemer"]
        return
    sheet = book["Kopi"]
    header = [cell.value for cell in sheet[1]]
    highlighted, width = set(), len(header)
    for row in sheet.iter_rows():
        for cell in row:
            if cell.fill.fgColor.rgb == HIGHLIGHT:
                highlighted.add((cell.row, cell.column))
                width = max(width, cell.column)
    assert highlighted == expected_cells(name, header, width)
    whole_rows = set(EXPECTED_CELLS.get(name, {}).get("rows", []))
    for row, column in highlighted:
        if row in whole_rows:
            continue
        comment = sheet.cell(row, column).comment
        assert comment is not None and "Regel:" in comment.text
    for row in whole_rows:
        assert "Regel:" in sheet.cell(row, 1).comment.text


@pytest.mark.parametrize("name", sorted(CASES))
def test_no_identifier_in_any_cell_comment_or_page(name, folder):
    _, page, book, _ = checked(name, "da", folder)
    texts = [page]
    for sheet in book.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                texts.append("" if cell.value is None else str(cell.value))
                texts.append(cell.comment.text if cell.comment else "")
    everything = "\n".join(texts)
    assert [value for value in NEVER_SHOWN if value in everything] == []
    assert not ID_VALUES.search(everything)
    if "Kopi" in book.sheetnames:
        sheet = book["Kopi"]
        header = [cell.value for cell in sheet[1]]
        if "child_id" in header:
            column = header.index("child_id") + 1
            assert all(sheet.cell(r, column).value is None for r in range(2, sheet.max_row + 1))


@pytest.mark.parametrize("name", sorted(CASES))
def test_every_problem_is_listed_and_named_by_a_rule(name, folder):
    _, page, book, _ = checked(name, "da", folder)
    total = CASES[name]["problems"]
    listed = list(book["Problemer"].iter_rows(min_row=2, values_only=True))
    assert len(listed) == total
    fallback = next(rule for rule in rule_book()[0] if rule.id == FALLBACK_RULE)
    assert [row for row in listed if row[2] == fallback.title["da"]] == []
    summary = {row[0]: row[1] for row in book["Overblik"].iter_rows(values_only=True) if row}
    assert summary["Problemer i alt"] == total
    assert f"Alle problemer ({total})" in page


def test_the_terminal_says_where_the_files_went_and_shows_the_first_problems(folder):
    result, _, _, out = checked("many_problems.csv", "da", folder)
    assert f"wrote {out / 'many_problems-check.html'}" in result.output
    assert "192 problem(s) in many_problems.csv:" in result.output
    assert "... and 187 more: every one is in many_problems-check.html" in result.output
    # Taken in turn from each column: the duplicate waves are not hidden behind 80 ages.
    assert "column 'wave'" in result.output


def test_a_clean_file_exits_0_and_its_page_says_so(folder):
    result, page, book, _ = checked("valid.csv", "da", folder)
    assert result.exit_code == 0, result.output
    assert "valid.csv: no problems" in result.output
    assert "Ingen problemer" in page
    assert not any(
        cell.fill.fgColor.rgb == HIGHLIGHT for row in book["Kopi"].iter_rows() for cell in row
    )


DANISH = sorted(
    {text["da"] for text in rule_book()[1].values() if text["da"] != text["en"]}
    | {rule.title["da"] for rule in rule_book()[0]}
    | {"Ja", "Nej", "ved ikke", "række", "runde", "kommune"}
)


@pytest.mark.parametrize(
    "name", ["many_problems.csv", "bad_code.xlsx", "cpr_numbers.csv", "utf8_bom.csv",
             "multiple_choice_partly_empty.csv", "empty.csv", "row_with_other_separator.csv"]
)
def test_the_english_edition_has_no_danish(name, folder):
    _, page, book, _ = checked(name, "en", folder)
    sheets = [book["Summary"], book["Problems"]]
    texts = page + "\n".join(
        str(value) for sheet in sheets for row in sheet.iter_rows(values_only=True)
        for value in row if value is not None
    )
    assert "<html lang='en'>" in page
    assert [word for word in DANISH if re.search(rf"\b{re.escape(word)}\b", texts)] == []


def test_the_check_is_deterministic(tmp_path):
    for out in ("a", "b"):
        CliRunner().invoke(main, ["check", str(CORPUS / "cpr_numbers.csv"), "--out",
                                  str(tmp_path / out)])
    for suffix in ("html", "xlsx"):
        first = (tmp_path / "a" / f"cpr_numbers-check.{suffix}").read_bytes()
        assert first == (tmp_path / "b" / f"cpr_numbers-check.{suffix}").read_bytes()


def test_the_danish_wording_comes_from_the_codebook():
    from dsr_analysis.check.rules import column_facts, expected_text
    from dsr_analysis.codebook import default_codebook

    problem = Problem("x.csv", 3, "info_exchange", "one of the codes 1 (Ja), 2 (Nej)")
    english = expected_text(finding(problem), "en", column_facts(default_codebook(), "en"))
    assert english == "one of the codes 1 (Yes), 2 (No), 99 (Don't know)"
    tabs = Problem("x.csv", 1, None, "columns separated by ';' or ','; the header row is "
                   "separated by tabs")
    danish = expected_text(finding(tabs), "da", column_facts(default_codebook(), "da"))
    assert danish.endswith("adskilt af tabulatorer")


def test_a_units_file_sets_the_municipalities_allowed(tmp_path):
    units = tmp_path / "units.yml"
    units.write_text("municipalities:\n  - {id: odense, name: Odense, monitored: true}\n")
    result = CliRunner().invoke(main, ["check", str(CORPUS / "valid.csv"), "--out",
                                       str(tmp_path), "--units", str(units)])
    assert result.exit_code == 1
    assert "expected one of the monitored municipalities (Odense)" in result.output


def test_a_file_that_does_not_exist_still_gets_its_page(tmp_path):
    result = CliRunner().invoke(main, ["check", str(tmp_path / "nope.csv"), "--out",
                                       str(tmp_path)])
    assert result.exit_code == 1
    assert "there is none" in result.output
    assert (tmp_path / "nope-check.html").exists() and (tmp_path / "nope-check.xlsx").exists()
