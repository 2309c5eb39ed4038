"""The bad-input corpus: every file in tests/bad_inputs/ is rejected with its expected message.

Golden-message tests: ``bad_inputs/expected.yml`` pins each file's message fragments and problem
count, the values that must never be shown, and which municipalities ``dsr reports`` sets aside.
Both commands are run on every file: ``dsr tables`` and ``dsr reports`` (in a temporary folder;
no notebook runs, since a file's problems stop the build or fail the units they concern).
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from dsr_analysis import config
from dsr_analysis.cli import main
from dsr_analysis.errors import InputValidationError
from dsr_analysis.export import load_export, load_export_by_municipality
from dsr_analysis.report.units import load_units
from dsr_analysis.runner import build
from dsr_analysis.runner.command import reports_command
from dsr_analysis.runner.editions import edition_folder
from dsr_analysis.runner.lock import LOCK_NAME
from dsr_analysis.runner.model import Settings

CORPUS = Path(__file__).parent / "bad_inputs"
EXPECTED = yaml.safe_load((CORPUS / "expected.yml").read_text(encoding="utf-8"))
CASES = EXPECTED["files"]
NEVER_SHOWN = [str(value) for value in EXPECTED["never_shown"]]
NOT_CASES = {"expected.yml", "make_corpus.py", "valid.csv", "__pycache__"}
WHOLE_FILE = sorted(name for name, case in CASES.items() if "set_aside" not in case)
SET_ASIDE = sorted(name for name, case in CASES.items() if "set_aside" in case)
UNIT_IDS = {unit.name: unit.id for unit in load_units()}


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


@pytest.mark.parametrize("name", sorted(CASES))
def test_dsr_reports_sets_aside_the_municipalities_listed(name):
    expected = CASES[name].get("set_aside")
    if expected is None:
        with pytest.raises(InputValidationError) as caught:
            load_export_by_municipality(CORPUS / name)
        assert str(caught.value) == str(rejection(name))
        return
    _, broken = load_export_by_municipality(CORPUS / name)
    assert list(broken) == expected
    assert sum(error.total for error in broken.values()) == CASES[name]["problems"]
    messages = "\n".join(str(error) for error in broken.values())
    for fragment in CASES[name]["fragments"]:
        if not fragment.endswith("problem(s) in the input:"):
            assert fragment in messages


def reports_on(name: str, tmp_path, monkeypatch, units: list[str] = ()):
    """``dsr reports --data`` on a corpus file, building into ``tmp_path``."""
    settings = Settings(reports_dir=tmp_path / "reports", build_dir=tmp_path / "build")
    monkeypatch.setattr(build, "Settings", lambda: settings)
    monkeypatch.setattr(build, "library_hash", lambda: "pinned")
    arguments = ["--data", str(CORPUS / name), "--jobs", "1"]
    if units:
        arguments += ["--units", ",".join(units)]
    return CliRunner().invoke(reports_command, arguments), settings


def written_into(reports_dir) -> list[str]:
    """The files a build left in its reports folder, its lock file aside."""
    files = [path for path in reports_dir.rglob("*") if path.is_file() and path.name != LOCK_NAME]
    return sorted(str(path.relative_to(reports_dir)) for path in files)


def assert_failed_cleanly(result, name: str) -> None:
    assert result.exit_code == 1, result.output
    assert isinstance(result.exception, SystemExit)  # not an exception escaping the command
    assert "Traceback" not in result.output
    for fragment in CASES[name]["fragments"]:
        assert fragment in result.output
    assert not any(value in result.output for value in NEVER_SHOWN)


@pytest.mark.parametrize("name", WHOLE_FILE)
def test_dsr_reports_on_a_bad_file_stops_before_building(name, tmp_path, monkeypatch):
    result, settings = reports_on(name, tmp_path, monkeypatch)
    assert_failed_cleanly(result, name)
    assert f"error: {rejection(name)}" in result.output  # the message dsr tables prints
    assert written_into(settings.reports_dir) == []


def check_reports_set_aside(name: str, tmp_path, monkeypatch) -> None:
    # Only the units that fail are asked for, so that no notebook runs; the index is rewritten
    # to mark them, each report set's method page is published as always, and no chapter.
    broken = [UNIT_IDS[municipality] for municipality in CASES[name]["set_aside"]]
    result, settings = reports_on(name, tmp_path, monkeypatch, [*broken, "alle"])
    assert_failed_cleanly(result, name)
    for unit in (*broken, "alle"):
        assert f"FAILED {unit}: its input has problems, nothing was executed" in result.output
    # A build on other data is an edition of its own, beside the bundled one.
    edition = settings.reports_dir / edition_folder("da", config.DEFAULT_MIN_CELL, CORPUS / name)
    chapters = [path for path in written_into(edition) if "/0" in path]
    assert chapters == [] and "index.html" in written_into(edition)
    assert not (settings.reports_dir / "index.html").exists()


def test_dsr_reports_sets_aside_a_bad_municipality_without_running_it(tmp_path, monkeypatch):
    check_reports_set_aside("cpr_numbers.csv", tmp_path, monkeypatch)


@pytest.mark.slow
@pytest.mark.parametrize("name", SET_ASIDE)
def test_dsr_reports_on_every_set_aside_file(name, tmp_path, monkeypatch):
    check_reports_set_aside(name, tmp_path, monkeypatch)


def test_a_valid_cp1252_export_reaches_the_reports(tmp_path):
    # Danish Excel's "CSV (semikolonsepareret)": the reports read it as dsr tables does.
    from bad_inputs.make_corpus import base_rows, csv_text, danish_excel

    from dsr_analysis.runner.inputs import all_cells

    path = tmp_path / "export.csv"
    path.write_bytes(csv_text(danish_excel(base_rows()), delimiter=";").encode("cp1252"))
    cells, _, broken = all_cells(path, 1, "da", tmp_path / "build", "pinned")
    assert broken == {}
    assert set(cells["municipality"]) >= {"Kolding", "Odense", "Alle"}
