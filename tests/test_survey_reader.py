"""The survey reader: a hand-worked file reads as typed, and every bad input is named exactly."""

from __future__ import annotations

import pandas as pd
import pytest
from survey_fixture import COLUMNS, hand_rows, write_survey

from dsr_analysis import config
from dsr_analysis.errors import InputValidationError
from dsr_analysis.municipalities import load_municipalities
from dsr_analysis.survey.reader import read_survey, read_survey_by_municipality


def test_hand_worked_file_reads_typed_with_dont_know_kept_and_blanks_missing(tmp_path):
    survey = read_survey(write_survey(tmp_path / "s.csv", hand_rows()))
    assert len(survey) == 11
    unknown = survey[survey["respondent_id"] == "R0004"]
    assert unknown[["F1", "K2", "R2"]].iloc[0].tolist() == [9, 9, 9]
    blank = survey[survey["respondent_id"] == "R0007"].iloc[0]
    assert pd.isna(blank["F1"])
    # The last day of each window belongs to its round.
    last_days = survey.loc[survey["response_date"].dt.strftime("%m-%d") == "04-30", "round"]
    assert sorted(last_days.tolist()) == [1, 1, 2, 2]
    assert not survey["synthetic"].any()
    assert survey["round"].dtype == "Int64" and survey["response_date"].dtype.kind == "M"


def test_bad_inputs_are_each_named_by_file_row_column_and_expectation(tmp_path):
    rows = hand_rows()
    rows[0]["respondent_id"] = "010203-4567"
    rows[1]["F1"] = "6"
    rows[2]["response_date"] = "2024-05-01"
    rows[3]["role"] = ""
    rows[4]["round"] = "3"
    rows[5]["municipality"] = "Horsns"
    rows[6]["response_date"] = "30/04/2025"
    rows[8]["respondent_id"] = "R0005"
    rows[9]["institution_type"] = "1"
    columns = [c for c in COLUMNS if c != "K3"] + ["extra"]
    path = write_survey(tmp_path / "s.csv", rows, columns)
    with pytest.raises(InputValidationError) as caught:
        read_survey(path)
    agreement = ("one of the codes 1 (Helt uenig), 2 (Uenig), 3 (Hverken enig eller uenig), "
                 "4 (Enig), 5 (Helt enig), 9 (Ved ikke), or empty if not answered")
    assert [str(p) for p in caught.value.problems] == [
        "s.csv, column 'K3': expected a column with this name in row 1; it is missing",
        "s.csv, column 'extra': expected a column of the codebook (listed in "
        "data/vive2023/README.md)",
        "s.csv, row 2, column 'respondent_id': expected no CPR number in any cell; this cell "
        "looks like one (value not shown): remove it",
        f"s.csv, row 3, column 'F1': found '6'; expected {agreement}",
        "s.csv, row 4, column 'response_date': found '2024-05-01'; expected a date in round 1's "
        "window 2024-03-01 to 2024-04-30",
        "s.csv, row 5, column 'role': expected one of the codes 1 (Pædagog), 2 (Lærer), "
        "3 (Leder), 4 (Socialfaglig medarbejder); empty",
        "s.csv, row 6, column 'round': found '3'; expected one of the codes 1 (Runde 1), "
        "2 (Runde 2)",
        "s.csv, row 7, column 'municipality': found 'Horsns'; expected one of the monitored "
        "municipalities (Horsens, Næstved, Viborg); did you mean 'Horsens'?",
        "s.csv, row 8, column 'response_date': found '30/04/2025'; expected a date written "
        "YYYY-MM-DD, e.g. 2024-03-15",
        "s.csv, row 10, column 'respondent_id': expected each respondent once per round (the "
        "same respondent_id and round are on row 9)",
        "s.csv, row 11, column 'institution_type': found '1'; expected the same "
        "institution_type in every row of an institution",
    ]
    # The CPR-like id is never echoed, anywhere in the message.
    assert "010203" not in str(caught.value)


def test_a_cpr_number_typed_into_an_answer_is_reported_as_such_not_as_a_bad_code(tmp_path):
    rows = hand_rows()
    rows[0]["K1"] = "0102034567"
    with pytest.raises(InputValidationError) as caught:
        read_survey(write_survey(tmp_path / "s.csv", rows))
    (problem,) = caught.value.problems
    assert (problem.row, problem.column, problem.value) == (2, "K1", None)
    assert problem.expected.startswith("no CPR number")


def test_one_municipalitys_bad_rows_set_it_aside_and_keep_the_others(tmp_path):
    viborg = [r | {"municipality": "Viborg", "respondent_id": r["respondent_id"] + "V"}
              for r in hand_rows()]
    viborg[-1]["F1"] = "7"
    path = write_survey(tmp_path / "s.csv", hand_rows() + viborg)
    survey, broken = read_survey_by_municipality(path)
    assert set(survey["municipality"]) == {"Horsens"} and list(broken) == ["Viborg"]
    assert "row 23, column 'F1': found '7'" in str(broken["Viborg"])
    with pytest.raises(InputValidationError):
        read_survey(path)


def test_a_missing_column_rejects_the_whole_file_even_by_municipality(tmp_path):
    path = write_survey(tmp_path / "s.csv", hand_rows(), [c for c in COLUMNS if c != "round"])
    with pytest.raises(InputValidationError, match="column 'round': expected a column"):
        read_survey_by_municipality(path)


def test_the_survey_municipalities_load_with_the_monitorings_loader_and_official_codes():
    entries = load_municipalities(config.VIVE2023_MUNICIPALITIES_PATH)
    # Copied from the shared list of the 98 municipality codes (the file says so).
    codes = {e["name"]: e["code"] for e in entries}
    assert codes == {"Horsens": 615, "Viborg": 791, "Næstved": 370}
    assert all(e["monitored"] and e["description"] and e["description_en"] for e in entries)
    assert [e["synthetic_setup"]["authority"] for e in entries] == [False, True, False]
