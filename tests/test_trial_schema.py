"""The trial codebook and the validation of a register extract (dsr_analysis.trial.schema)."""

from __future__ import annotations

import pandas as pd
import pytest

from dsr_analysis.errors import ConfigurationError, InputValidationError
from dsr_analysis.trial import paths
from dsr_analysis.trial.schema import (
    load_trial_codebook,
    read_trial,
    trial_from_frames,
)

CPR_LIKE = "1502111234"


def institutions_frame() -> pd.DataFrame:
    """Two institutions, one per arm, indexed by spreadsheet row (header = row 1)."""
    return pd.DataFrame(
        {
            "institution_id": ["A", "B"],
            "arm": ["intervention", "control"],
            "n_children": ["2", "2"],
        },
        index=[2, 3],
    )


def children_frame() -> pd.DataFrame:
    """Four valid children; the first has an investigation and a measure."""
    return pd.DataFrame(
        {
            "child_id": ["c1", "c2", "c3", "c4"],
            "institution_id": ["A", "A", "B", "B"],
            "arm": ["intervention", "intervention", "control", "control"],
            "age_months": ["40", "55", "30", "70"],
            "notified_before": ["0", "1", "0", "0"],
            "notified_during": ["1", "0", "0", "1"],
            "support_received": ["1", "0", "0", "0"],
            "age_first_investigation_months": ["30", "", "", ""],
            "age_first_measure_months": ["33", "", "", ""],
        },
        index=[2, 3, 4, 5],
    )


def problem_lines(institutions: pd.DataFrame, children: pd.DataFrame) -> list[str]:
    with pytest.raises(InputValidationError) as caught:
        trial_from_frames(institutions, children)
    return [str(problem) for problem in caught.value.problems]


class TestCodebook:
    def test_arms_and_dates(self):
        codebook = load_trial_codebook()
        assert codebook.arms == ("intervention", "control")
        assert (codebook.start.isoformat(), codebook.end.isoformat()) == (
            "2011-01-01",
            "2012-12-31",
        )

    def test_every_column_documented_in_both_languages(self):
        codebook = load_trial_codebook()
        for column in codebook.institution_columns + codebook.children_columns:
            assert column.text_da and column.text_en

    def test_inconsistent_trial_length_is_a_configuration_error(self, tmp_path):
        text = paths.CODEBOOK_PATH.read_text(encoding="utf-8")
        broken = tmp_path / "codebook.yml"
        broken.write_text(text.replace("months: 24\n", "months: 18\n", 1), encoding="utf-8")
        with pytest.raises(ConfigurationError, match="trial.months"):
            load_trial_codebook(broken)


class TestValidExtract:
    def test_small_extract_is_typed(self):
        trial = trial_from_frames(institutions_frame(), children_frame())
        children = trial.children
        assert children["age_months"].dtype == "int64"
        assert children["age_first_measure_months"].dtype == "Int64"
        assert int(children["age_first_measure_months"].notna().sum()) == 1
        assert trial.institutions["n_children"].tolist() == [2, 2]

    def test_input_frames_are_not_changed(self):
        children = children_frame()
        before = children.copy()
        trial_from_frames(institutions_frame(), children)
        pd.testing.assert_frame_equal(children, before)

    def test_bundled_synthetic_trial_is_valid(self):
        trial = read_trial()
        assert len(trial.institutions) == 82
        assert len(trial.children) == 9827
        assert trial.children["synthetic"].eq(1).all()


class TestBadInputs:
    """Each bad input names file, spreadsheet row, column and what was expected."""

    def test_child_in_two_institutions(self):
        children = children_frame()
        children.loc[5, "child_id"] = "c1"
        children.loc[5, "institution_id"] = "B"
        lines = problem_lines(institutions_frame(), children)
        assert lines == [
            "children.csv, row 5, column 'child_id': expected each child in one institution only "
            "(the same child_id is on row 2 with another institution_id)"
        ]

    def test_same_child_twice_in_one_institution(self):
        children = children_frame()
        children.loc[3, "child_id"] = "c1"
        assert problem_lines(institutions_frame(), children) == [
            "children.csv, row 3, column 'child_id': expected each child once "
            "(the same child_id is also on row 2)"
        ]

    def test_arm_differs_within_an_institution(self):
        children = children_frame()
        children.loc[3, "arm"] = "control"
        assert problem_lines(institutions_frame(), children) == [
            "children.csv, row 3, column 'arm': found 'control'; expected the arm of the "
            "child's institution in institutions.csv ('intervention'); an institution has one arm"
        ]

    def test_event_after_the_trials_end(self):
        children = children_frame()
        children.loc[2, "age_first_investigation_months"] = "41"
        assert problem_lines(institutions_frame(), children) == [
            "children.csv, row 2, column 'age_first_investigation_months': found '41'; expected "
            "at most age_months (40): an event after the trial's end (2012-12-31) cannot be in "
            "the extract"
        ]

    def test_event_before_the_trials_start(self):
        children = children_frame()
        children.loc[2, "age_first_investigation_months"] = "15"
        assert problem_lines(institutions_frame(), children) == [
            "children.csv, row 2, column 'age_first_investigation_months': found '15'; expected "
            "at least age_months - 24 (16): only events during the trial (from 2011-01-01) are "
            "counted"
        ]

    def test_unknown_arm(self):
        institutions = institutions_frame()
        institutions.loc[3, "arm"] = "placebo"
        children = children_frame()
        children.loc[[4, 5], "arm"] = "placebo"
        lines = problem_lines(institutions, children)
        expected = "expected one of 'intervention', 'control'"
        assert lines == [
            f"institutions.csv, row 3, column 'arm': found 'placebo'; {expected}",
            f"children.csv, row 4, column 'arm': found 'placebo'; {expected}",
            f"children.csv, row 5, column 'arm': found 'placebo'; {expected}",
        ]

    def test_missing_ids(self):
        children = children_frame()
        children.loc[3, "child_id"] = ""
        institutions = institutions_frame()
        institutions.loc[2, "institution_id"] = ""
        lines = problem_lines(institutions, children)
        assert (
            "institutions.csv, row 2, column 'institution_id': expected a non-empty identifier"
            in lines
        )
        assert "children.csv, row 3, column 'child_id': expected a non-empty identifier" in lines

    def test_child_of_an_unknown_institution(self):
        children = children_frame()
        children.loc[5, "institution_id"] = "Z"
        lines = problem_lines(institutions_frame(), children)
        assert (
            "children.csv, row 5, column 'institution_id': expected an institution_id listed in "
            "institutions.csv" in lines
        )

    def test_size_disagrees_with_the_children_file(self):
        institutions = institutions_frame()
        institutions.loc[2, "n_children"] = "3"
        assert problem_lines(institutions, children_frame()) == [
            "institutions.csv, row 2, column 'n_children': found '3'; expected the institution's "
            "number of rows in children.csv (2)"
        ]

    def test_duplicate_institution(self):
        institutions = pd.concat([institutions_frame(), institutions_frame().iloc[[0]]])
        institutions.index = [2, 3, 4]
        lines = problem_lines(institutions, children_frame())
        assert lines == [
            "institutions.csv, row 4, column 'institution_id': expected each institution once "
            "(the same id is on row 2)"
        ]

    def test_measure_without_support(self):
        children = children_frame()
        children.loc[2, "support_received"] = "0"
        assert problem_lines(institutions_frame(), children) == [
            "children.csv, row 2, column 'age_first_measure_months': expected a value exactly "
            "when support_received is 1 (a measure is the support)"
        ]

    def test_badly_typed_cells(self):
        children = children_frame()
        children.loc[3, "age_months"] = "4 år"
        children.loc[4, "notified_during"] = "ja"
        lines = problem_lines(institutions_frame(), children)
        assert lines == [
            "children.csv, row 3, column 'age_months': found '4 år'; expected a whole number of "
            "months from 0 to 120",
            "children.csv, row 4, column 'notified_during': found 'ja'; expected 0 or 1",
        ]

    def test_missing_and_unknown_columns(self):
        children = children_frame().drop(columns="support_received").assign(name="x")
        lines = problem_lines(institutions_frame(), children)
        assert lines == [
            "children.csv, column 'support_received': expected a column with this name "
            "(codebook.yml)",
            "children.csv, column 'name': expected only the codebook's columns; remove this one",
        ]

    def test_identifiers_and_cpr_numbers_are_never_echoed(self):
        children = children_frame()
        children.loc[3, "child_id"] = CPR_LIKE
        children.loc[4, "child_id"] = CPR_LIKE
        children.loc[5, "age_months"] = CPR_LIKE
        with pytest.raises(InputValidationError) as caught:
            trial_from_frames(institutions_frame(), children)
        message = str(caught.value)
        assert CPR_LIKE not in message
        assert "row 5, column 'age_months': expected no CPR number" in message

    def test_many_problems_are_capped(self):
        children = pd.concat([children_frame()] * 30, ignore_index=True)
        children.index = range(2, len(children) + 2)
        children["notified_during"] = "2"
        with pytest.raises(InputValidationError) as caught:
            trial_from_frames(institutions_frame(), children)
        assert caught.value.total > len(caught.value.problems) == 50
        assert "more (fix these and run again)" in str(caught.value)

    def test_missing_files(self, tmp_path):
        with pytest.raises(InputValidationError, match="institutions.csv: expected"):
            read_trial(tmp_path)


def test_semicolon_csv_in_windows_1252_is_read(tmp_path):
    bundled = read_trial()
    keep = bundled.institutions["institution_id"].isin(["I01", "I02"])
    institutions = bundled.institutions[keep]
    children = bundled.children[bundled.children["institution_id"].isin(["I01", "I02"])]
    institutions.to_csv(tmp_path / "institutions.csv", sep=";", index=False, encoding="cp1252")
    children.to_csv(tmp_path / "children.csv", sep=";", index=False, encoding="cp1252")
    trial = read_trial(tmp_path)
    pd.testing.assert_frame_equal(
        trial.children, children.reset_index(drop=True), check_dtype=False
    )
