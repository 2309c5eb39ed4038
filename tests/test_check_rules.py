"""data/check_rules.yml: every text the validator words matches a rule, and every rule's
Danish and English wording names only what its pattern or the codebook gives."""

from __future__ import annotations

import string

import pytest

from dsr_analysis.check.rules import FALLBACK_RULE, column_facts, expected_text, finding, rule_book
from dsr_analysis.codebook import default_codebook
from dsr_analysis.errors import Problem

READABLE = "UTF-8, UTF-8 with BOM or Windows-1252 (cp1252) text"
# The validator's texts that the bad-input corpus does not produce (export.py, validate.py,
# course_rules.py), with the rule each must fall under.
MESSAGES = {
    "an export file at this path; there is none": "file_missing",
    f"CSV text ({READABLE}); this file is an old Excel workbook (.xls); save it as .xlsx or CSV":
        "file_format",
    "an Excel workbook (.xlsx) that opens; this one cannot be read": "file_format",
    "well-formed CSV (field larger than field limit (131072))": "file_format",
    f"one encoding throughout ({READABLE}); this file mixes UTF-8 and cp1252": "encoding",
    "columns separated by ';' or ','; the header row is separated by '|'": "separator",
    "at most 64 values, as the header row has; this row has 66": "row_too_long",
    "the codebook's column names in row 1; the row is empty": "header",
    "the codebook's column names in row 1, separated by ';' or ','; found a single column":
        "header",
    "the column names in separate cells of row 1; they are in one quoted field, separated by "
    "',' (open the CSV with ',' as the list separator, or send the CSV file itself)": "header",
    "a column name in row 1 above this column, which holds data": "header",
    "a codebook column name, not a CPR number": "cpr",
    "codebook column names; one looks like a CPR number": "cpr",
    "a column of the codebook (listed in data/README.md)": "column_unknown",
    "one of the monitored municipalities (Kolding, Odense); empty": "municipality",
    "one of the monitored municipalities (Kolding, Odense)": "municipality",
    "a whole number from 1 to 6 (1 = the start registration); empty": "wave",
    "a date written 2011-02-15, 15-02-2011 or 15.02.2011; the cell is empty": "date",
    "an age in years of at least 0 and under 7": "age",
    "one of the codes 0 (<1), 1, 2, 3, 4, 5, 6": "code",
}


@pytest.mark.parametrize("text", sorted(MESSAGES))
def test_each_validator_text_falls_under_its_rule(text):
    found = finding(Problem("x.csv", 2, "initiative", text))
    assert found.rule.id == MESSAGES[text]
    for language in ("da", "en"):
        worded = expected_text(found, language, column_facts(default_codebook(), language))
        assert "{" not in worded


def test_a_text_no_rule_knows_falls_back_to_the_text_itself():
    found = finding(Problem("x.csv", 2, None, "something new"))
    assert found.rule.id == FALLBACK_RULE
    assert expected_text(found, "da", column_facts(default_codebook(), "da")) == "something new"


def test_every_wording_names_only_its_groups_and_the_column_facts():
    facts = set(column_facts(default_codebook(), "da")["wave"])
    for rule in rule_book()[0]:
        assert set(rule.title) == set(rule.fix) == {"da", "en"}
        for form in rule.forms:
            for text in form.text.values():
                names = {name for _, name, _, _ in string.Formatter().parse(text) if name}
                assert names <= set(form.pattern.groupindex) | facts, (rule.id, names)
