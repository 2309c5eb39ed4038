"""The ``dsr survey`` commands and the synthetic survey they regenerate."""

from __future__ import annotations

from click.testing import CliRunner
from survey_fixture import hand_rows, write_survey

from dsr_analysis import config
from dsr_analysis.cells import read_cells
from dsr_analysis.cli import main
from dsr_analysis.survey.reader import read_survey
from dsr_analysis.survey.synthetic import write_synthetic_survey


def test_the_synthetic_survey_is_regenerated_byte_for_byte(tmp_path):
    path = write_synthetic_survey(tmp_path / "survey.csv")
    assert path.read_bytes() == config.VIVE2023_SURVEY_PATH.read_bytes()
    result = CliRunner().invoke(main, ["survey", "data", "--out", str(tmp_path / "again.csv")])
    assert result.exit_code == 0 and "SYNTHETIC" in result.output
    assert (tmp_path / "again.csv").read_bytes() == path.read_bytes()


def test_the_synthetic_survey_has_the_documented_shape():
    survey = read_survey(config.VIVE2023_SURVEY_PATH)
    assert 1500 <= len(survey) <= 2500 and survey["synthetic"].all()
    institutions = survey.groupby("municipality")["institution_id"].nunique().to_dict()
    assert institutions == {"Horsens": 16, "Viborg": 13, "Næstved": 16}
    sizes = survey[survey["role"] < 4].groupby(["institution_id", "round"]).size()
    assert sizes.min() >= 4 and sizes.max() <= 25


def test_check_prints_a_summary_and_exits_zero_on_a_sound_file():
    result = CliRunner().invoke(main, ["survey", "check", str(config.VIVE2023_SURVEY_PATH)])
    assert result.exit_code == 0, result.output
    assert "no problems" in result.output and "Horsens: round 1:" in result.output


def test_check_lists_the_problems_without_a_traceback_and_exits_one(tmp_path):
    rows = hand_rows()
    rows[2]["response_date"] = "2024-05-01"
    result = CliRunner().invoke(main, ["survey", "check",
                                       str(write_survey(tmp_path / "s.csv", rows))])
    assert result.exit_code == 1
    assert "row 4, column 'response_date'" in result.output
    assert "Traceback" not in result.output


def test_tables_writes_cells_and_writes_nothing_for_a_bad_file(tmp_path):
    out = tmp_path / "cells.csv"
    good = write_survey(tmp_path / "s.csv", hand_rows(), synthetic=True)
    result = CliRunner().invoke(main, ["survey", "tables", "--data", str(good), "--out",
                                       str(out), "--lang", "en", "--min-cell", "1"])
    assert result.exit_code == 0, result.output
    cells = read_cells(out)
    assert cells["synthetic"].all() and "Round 2" in set(cells["column_display"])
    first = out.read_bytes()
    CliRunner().invoke(main, ["survey", "tables", "--data", str(good), "--out", str(out),
                              "--lang", "en", "--min-cell", "1"])
    assert out.read_bytes() == first  # the same file gives the same bytes
    bad_rows = hand_rows()
    bad_rows[0]["role"] = "7"
    bad = write_survey(tmp_path / "bad.csv", bad_rows)
    other = tmp_path / "other.csv"
    result = CliRunner().invoke(main, ["survey", "tables", "--data", str(bad), "--out",
                                       str(other)])
    assert result.exit_code == 1 and not other.exists()
    assert "column 'role': found '7'" in result.output
