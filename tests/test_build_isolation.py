"""One municipality's broken rows fail its report sets only (issue 3, failure isolation).

``load_export_by_municipality`` splits an export's problems by municipality; ``dsr reports``
then builds the others and leaves the broken unit's previous pages in place.
"""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path

import pandas as pd
import pytest
from bad_inputs.make_corpus import CHILD_IDS, base_rows, changed, csv_text
from click.testing import CliRunner
from fixtures.report_set import _session_library_hash, pinned_build, tiny_settings

from dsr_analysis import config
from dsr_analysis.errors import InputValidationError
from dsr_analysis.export import load_export, load_export_by_municipality
from dsr_analysis.report.units import load_units
from dsr_analysis.runner import build
from dsr_analysis.runner.command import reports_command

CORPUS = Path(__file__).parent / "bad_inputs"


def write_rows(rows: list[dict[str, str]], path: Path) -> Path:
    path.write_text(csv_text(rows), encoding="utf-8")
    return path


def row_of(rows: list[dict[str, str]], municipality: str, wave: str = "1") -> int:
    """Index in ``rows`` (0 = spreadsheet row 2) of a municipality's registration."""
    wanted = {"municipality": municipality, "wave": wave}
    return next(i for i, row in enumerate(rows) if wanted.items() <= row.items())


def located(error: InputValidationError) -> list[tuple[int | None, str | None]]:
    return [(problem.row, problem.column) for problem in error.problems]


class TestPartition:
    def test_broken_municipalities_are_set_aside_with_their_problems(self, tmp_path):
        rows = base_rows()
        odense, kolding = row_of(rows, "Odense", "2"), row_of(rows, "Kolding")
        rows = changed(rows, odense, registration_date="31-02-2011")
        rows = changed(rows, kolding, wave="9")
        path = write_rows(rows, tmp_path / "export.csv")

        export, broken = load_export_by_municipality(path)

        assert sorted(broken) == ["Kolding", "Odense"]
        assert located(broken["Odense"]) == [(odense + 2, "registration_date")]
        assert (kolding + 2, "wave") in located(broken["Kolding"])
        assert all(p.row is not None for p in broken["Kolding"].problems)
        assert set(export["municipality"]) == {"Faaborg-Midtfyn", "Frederikshavn"}
        # The sound municipalities come back exactly as the strict reader types them.
        sound = [row for row in base_rows() if row["municipality"] not in broken]
        expected = load_export(write_rows(sound, tmp_path / "sound.csv"))
        pd.testing.assert_frame_equal(export, expected)

    def test_a_municipality_message_shows_no_child_id(self, tmp_path):
        rows = base_rows()
        rows = changed(rows, row_of(rows, "Odense"), wave="x", age_years="150211-1234")
        _, broken = load_export_by_municipality(write_rows(rows, tmp_path / "export.csv"))
        message = str(broken["Odense"])
        assert "column 'wave'" in message and "CPR" in message
        assert [value for value in (*CHILD_IDS, "150211-1234") if value in message] == []

    def test_a_clean_file_sets_nothing_aside(self, tmp_path):
        path = write_rows(base_rows(), tmp_path / "export.csv")
        export, broken = load_export_by_municipality(path)
        assert broken == {}
        pd.testing.assert_frame_equal(export, load_export(path))

    def test_the_strict_reader_still_rejects_the_whole_file(self, tmp_path):
        rows = base_rows()
        rows = changed(rows, row_of(rows, "Odense"), wave="9")
        with pytest.raises(InputValidationError, match="row 2, column 'wave'"):
            load_export(write_rows(rows, tmp_path / "export.csv"))


class TestWholeFileProblems:
    @pytest.mark.parametrize(
        "name",
        [
            "missing_column.csv",  # a column, not a row
            "municipality_misspelt.csv",  # the row's municipality is unknown
            "municipality_changes.csv",  # a child moves between municipalities
            "row_with_other_separator.csv",  # the row's municipality cannot be read
            "empty.csv",
        ],
    )
    def test_raises_as_the_strict_reader_does(self, name):
        with pytest.raises(InputValidationError) as strict:
            load_export(CORPUS / name)
        with pytest.raises(InputValidationError) as partitioned:
            load_export_by_municipality(CORPUS / name)
        assert str(partitioned.value) == str(strict.value)

    def test_a_child_id_in_two_municipalities_concerns_the_whole_file(self, tmp_path):
        # The same child at wave 1 in Kolding and Odense is only a "duplicate" in the second
        # row, but which municipality is wrong is unknown, so neither is set aside alone.
        rows = base_rows()
        rows = changed(rows, row_of(rows, "Kolding"), child_id=rows[0]["child_id"])
        with pytest.raises(InputValidationError, match="one registration per child and wave"):
            load_export_by_municipality(write_rows(rows, tmp_path / "export.csv"))

    def test_problems_in_every_municipality_reject_the_file(self, tmp_path):
        rows = [row | {"wave": "9"} if row["wave"] == "1" else row for row in base_rows()]
        with pytest.raises(InputValidationError, match="column 'wave'"):
            load_export_by_municipality(write_rows(rows, tmp_path / "export.csv"))


# Row mistakes of every kind: CPR cells in two municipalities, a row with too many values (placed
# from its raw record), an Excel file, and the course rules that read a child's other rows.
SPLIT_CASES = [
    "cpr_numbers.csv",
    "unquoted_decimal_comma.csv",
    "bad_code.xlsx",
    "dates_backwards.csv",
    "wave_gap.csv",
    "missing_child_id.csv",
    "age_at_follow_up.csv",
]


@pytest.mark.parametrize("name", SPLIT_CASES)
def test_no_corpus_problem_is_lost(name):
    """Each problem of a bad-input file is set aside with exactly one municipality."""
    with pytest.raises(InputValidationError) as strict:
        load_export(CORPUS / name)
    export, broken = load_export_by_municipality(CORPUS / name)
    assert sum(error.total for error in broken.values()) == strict.value.total
    split = sorted(place for error in broken.values() for place in located(error))
    assert split == sorted(located(strict.value))
    assert not export.empty
    assert not export["municipality"].isin(list(broken)).any()


# ------------------------------------------------------------------------- the whole command --


def kolding_row_broken(source: Path, target: Path) -> int:
    """Copy the export with one Kolding date made impossible; return its spreadsheet row."""
    records = list(csv.reader(io.StringIO(source.read_text(encoding="utf-8"), newline="")))
    header = records[0]
    number = next(
        i for i, record in enumerate(records) if record[header.index("municipality")] == "Kolding"
    )
    records[number][header.index("registration_date")] = "31-02-2011"
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\n").writerows(records)
    target.write_text(buffer.getvalue(), encoding="utf-8")
    return number + 1


def index_row(settings, name: str) -> str:
    index = (settings.reports_dir / "index.html").read_text(encoding="utf-8")
    row = rf"<tr data-unit='[^']+'><th scope='row'><a href='[^']+'>{name}</a></th>(.*?)</tr>"
    return re.search(row, index).group(1)


def test_only_the_municipality_and_alle_fail():
    errors = build.input_errors(load_units(), {"Kolding": "1 problem(s) in the input: ..."})
    assert sorted(errors) == ["alle", "kolding"]  # Mariagerfjord has no rows and still builds
    assert errors["kolding"] == "1 problem(s) in the input: ..."
    assert "Kolding" in errors["alle"] and errors["kolding"] in errors["alle"]


def test_a_broken_municipality_fails_alone(tmp_path, monkeypatch):
    # Cold build of two units on the bundled export, then Kolding's rows broken: Odense is
    # rebuilt or up to date, Kolding (and "Alle") fail naming the problem, Kolding's pages stay.
    settings = tiny_settings(tmp_path)
    units = ["kolding", "odense"]
    good = pinned_build(units, jobs=2, settings=settings, progress=False)
    assert {o.status for o in good.outcomes} == {"built"} and good.input_errors == {}
    pages = sorted((settings.reports_dir / "kolding").glob("0*.html"))  # the chapters
    before = {page: page.read_bytes() for page in pages}

    broken_path = tmp_path / "broken.csv"
    row = kolding_row_broken(config.SYNTHETIC_EXPORT_PATH, broken_path)
    broken = pinned_build(units, jobs=2, data_path=broken_path, settings=settings, progress=False)
    assert sorted(broken.input_errors) == ["alle", "kolding"]
    assert {o.unit for o in broken.failed} == {"kolding"}  # "alle" was not asked for
    assert all(o.executed == "" for o in broken.failed)  # no notebook ran on partial data
    assert {o.status for o in broken.outcomes if o.unit == "odense"} <= {"built", "skipped"}
    assert {page: page.read_bytes() for page in pages} == before
    assert index_row(settings, "Kolding").count("state-failed") == len(pages)
    assert "state-failed" not in index_row(settings, "Odense")

    # The command, on the same files (cells and messages now cached), exits non-zero naming
    # the units and the problem.
    monkeypatch.setattr(build, "Settings", lambda: settings)
    monkeypatch.setattr(build, "library_hash", lambda: _session_library_hash())
    result = CliRunner().invoke(
        reports_command, ["--units", ",".join(units), "--jobs", "1", "--data", str(broken_path)]
    )
    assert result.exit_code == 1
    assert "FAILED kolding" in result.output
    assert "BROKEN (not requested) alle" in result.output  # its pages are stale too
    assert f"row {row}, column 'registration_date'" in result.output
    assert "2 unit(s) failed: alle, kolding" in result.output
    assert {page: page.read_bytes() for page in pages} == before
