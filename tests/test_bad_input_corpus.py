"""The bad-input corpus: every file in tests/bad_inputs/ is rejected with its expected message.

Golden-message tests: ``bad_inputs/expected.yml`` pins each file's message fragments and problem
count, and the values that must never be shown.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from dsr_analysis.cli import main
from dsr_analysis.errors import InputValidationError
from dsr_analysis.export import load_export

CORPUS = Path(__file__).parent / "bad_inputs"
EXPECTED = yaml.safe_load((CORPUS / "expected.yml").read_text(encoding="utf-8"))
CASES = EXPECTED["files"]
NEVER_SHOWN = [str(value) for value in EXPECTED["never_shown"]]
NOT_CASES = {"expected.yml", "make_corpus.py", "valid.csv", "__pycache__"}


@cache
def rejection(name: str) -> InputValidationError:
    """The error reading ``name`` raises (read once, shared by the tests below)."""
    with pytest.raises(InputValidationError) as caught:
        load_export(CORPUS / name)
    return caught.value


def test_the_corpus_is_complete():
    on_disk = {path.name for path in CORPUS.iterdir()} - NOT_CASES
    assert on_disk == set(CASES)
    assert len(CASES) >= 15


@pytest.mark.parametrize("name", sorted(CASES))
def test_each_bad_input_gives_its_message(name):
    error = rejection(name)
    message = str(error)
    for fragment in CASES[name]["fragments"]:
        assert fragment in message
    assert error.total == CASES[name]["problems"]
    assert message.startswith(f"{error.total} problem(s) in the input:")


@pytest.mark.parametrize("name", sorted(CASES))
def test_no_message_shows_an_identifier_or_cpr_number(name):
    message = str(rejection(name))
    shown = [value for value in NEVER_SHOWN if value in message]
    assert shown == []


@pytest.mark.parametrize("name", sorted(CASES))
def test_every_problem_names_its_file(name):
    error = rejection(name)
    assert error.problems
    assert all(problem.file == name for problem in error.problems)


def test_the_valid_base_file_loads():
    export = load_export(CORPUS / "valid.csv")
    assert len(export) == 8
    assert export["child_id"].nunique() == 4


@pytest.mark.parametrize("name", sorted(CASES))
def test_dsr_tables_on_a_bad_input_fails_and_writes_nothing(name, tmp_path):
    out = tmp_path / "out"
    result = CliRunner().invoke(
        main, ["tables", "--data", str(CORPUS / name), "--out", str(out / "tables.csv")]
    )
    assert result.exit_code != 0
    for fragment in CASES[name]["fragments"]:
        assert fragment in result.output
    assert not any(value in result.output for value in NEVER_SHOWN)
    assert not out.exists()
    assert list(tmp_path.iterdir()) == []
