"""Unit tests of the validation rules, on small hand-made cells whose problems are known."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dsr_analysis import validate
from dsr_analysis.codebook import default_codebook
from dsr_analysis.errors import InputValidationError, Problem
from dsr_analysis.municipalities import monitored_names

CODEBOOK = default_codebook()
FILE = "x.csv"


def registration(child="C1", municipality="Kolding", wave=1, date="2011-03-01", **answers):
    """One export row as cells: every codebook column, empty unless given."""
    row = {column: "" for column in CODEBOOK.export_columns}
    row |= {"child_id": child, "municipality": municipality, "wave": str(wave)}
    row |= {"registration_date": date} | {k: str(v) for k, v in answers.items()}
    return row


def cells_of(*rows: dict) -> pd.DataFrame:
    """Rows as the cells frame export.py makes: strings, spreadsheet row numbers from 2."""
    return pd.DataFrame(list(rows), index=range(2, 2 + len(rows)), dtype=str)


def problems_of(*rows: dict, **options) -> list[Problem]:
    return validate.export_problems(cells_of(*rows), FILE, CODEBOOK, **options)


def places(problems: list[Problem]) -> list[tuple[int | None, str | None]]:
    return [(problem.row, problem.column) for problem in problems]


def valid_course() -> list[dict]:
    """Two children: one with three waves, one with one."""
    return [
        registration("C1", wave=1, date="2011-02-15", age_years="3.5", initiative=1),
        registration("C1", wave=2, date="2011-05-15", info_exchange=1),
        registration("C1", wave=3, date="15-08-2011", agreement_parents_staff=99),
        registration("C2", "Odense", wave=1, date="01.11.2011", age_years="0,5"),
    ]


def test_a_valid_course_has_no_problems():
    assert problems_of(*valid_course()) == []


class TestCprLike:
    @pytest.mark.parametrize(
        "text", ["150211-1234", "1502111234", "150211 1234", "barn 010203-1234", "102031234"]
    )
    def test_flags_a_valid_date_with_four_digits(self, text):
        assert validate.looks_like_cpr(text)

    @pytest.mark.parametrize(
        "text",
        [
            "3202111234",  # day 32
            "0113111234",  # month 13
            "3104111234",  # 31 April
            "2902011234",  # 29 February in no leap year
            "2011-02-15",
            "15-02-2011",
            "15022011",
            "123456789012",  # twelve digits: not a CPR number inside a longer number
            "3,5",
            "99",
        ],
    )
    def test_leaves_other_text_alone(self, text):
        assert not validate.looks_like_cpr(text)

    def test_29_february_counts_in_years_divisible_by_four(self):
        assert validate.looks_like_cpr("290200-1234")
        assert validate.looks_like_cpr("290296-1234")

    def test_does_not_use_the_modulus_11_check(self):
        digits = "0101121234"
        weights = (4, 3, 2, 7, 6, 5, 4, 3, 2, 1)
        assert sum(int(d) * w for d, w in zip(digits, weights, strict=True)) % 11 != 0
        assert validate.looks_like_cpr(digits)

    def test_cells_are_reported_row_by_row(self):
        cpr = "150211-1234"
        cells = pd.DataFrame({"a": ["", cpr, ""], "b": [cpr, cpr, cpr]}, index=[2, 3, 5])
        assert places(validate.cpr_problems(cells, FILE)) == [
            (2, "b"), (3, "a"), (3, "b"), (5, "b")
        ]

    def test_vectorised_and_scalar_agree(self):
        texts = pd.Series(["150211-1234", "3202111234", "", "102031234", "x 0102031234 y"])
        assert validate.cpr_like(texts).tolist() == [validate.looks_like_cpr(t) for t in texts]

    @given(
        date=st.dates(dt.date(1900, 1, 1), dt.date(2099, 12, 31)),
        serial=st.integers(0, 9999),
        dash=st.sampled_from(["", "-"]),
    )
    def test_flags_every_date_and_serial(self, date, serial, dash):
        assert validate.looks_like_cpr(f"{date:%d%m%y}{dash}{serial:04d}")

    @settings(max_examples=15, deadline=None)
    @given(
        date=st.dates(dt.date(1900, 1, 1), dt.date(2099, 12, 31)),
        serial=st.integers(0, 9999),
        dash=st.sampled_from(["", "-"]),
        column=st.sampled_from(list(CODEBOOK.export_columns)),
    )
    def test_any_cpr_number_in_any_cell_is_reported_without_its_value(
        self, date, serial, dash, column
    ):
        cpr = f"{date:%d%m%y}{dash}{serial:04d}"
        rows = valid_course()
        rows[1] = rows[1] | {column: cpr}
        problems = problems_of(*rows)
        assert (3, column) in places(problems)
        message = str(InputValidationError(problems))
        assert cpr not in message
        assert cpr.replace("-", "") not in message


class TestSafeValue:
    def test_shows_short_harmless_values(self):
        assert validate.safe_value("Aarhus") == "Aarhus"
        assert validate.safe_value("2013-02-15") == "2013-02-15"

    @pytest.mark.parametrize("text", ["0102031234", "010203-1234", "tlf 123456", "x" * 21])
    def test_hides_what_may_identify_a_person(self, text):
        assert validate.safe_value(text) is None


class TestParsing:
    def test_integers(self):
        parsed = validate.parsed_integers(pd.Series(["1", "+2", " ", "2.0", "-1", "99", ""]))
        assert parsed.tolist() == [1, 2, pd.NA, pd.NA, pd.NA, 99, pd.NA]

    def test_decimals_accept_a_comma(self):
        parsed = validate.parsed_decimals(pd.Series(["3,5", "3.25", "4", "3 år", "", "3,5,1"]))
        assert parsed.tolist()[:3] == [3.5, 3.25, 4.0]
        assert parsed.iloc[3:].isna().all()

    def test_dates_in_iso_and_danish_forms(self):
        parsed = validate.parsed_dates(
            pd.Series(["2011-02-15", "15-02-2011", "15.02.2011", "5.2.2011", "15-02.2011"])
        )
        assert parsed.dtype == "datetime64[ns]"
        expected = [pd.Timestamp("2011-02-15")] * 3 + [pd.Timestamp("2011-02-05"), pd.NaT]
        assert parsed.tolist() == expected

    @pytest.mark.parametrize("text", ["31-02-2011", "15/02/2011", "2011-13-01", "feb 2011", ""])
    def test_dates_that_are_not_dates(self, text):
        assert validate.parsed_dates(pd.Series([text])).isna().all()


class TestColumns:
    def test_reports_missing_columns(self):
        rows = [{k: v for k, v in row.items() if k != "wave"} for row in valid_course()]
        assert places(problems_of(*rows)) == [(None, "wave")]

    def test_suggests_the_nearest_column_whatever_the_case(self):
        rows = [row | {"Registration_Date": row.pop("registration_date")} for row in valid_course()]
        problems = problems_of(*rows)
        unknown = [p for p in problems if p.column == "Registration_Date"]
        assert "did you mean 'registration_date'?" in unknown[0].expected

    def test_accepts_the_synthetic_column(self):
        assert problems_of(*[row | {"synthetic": "1"} for row in valid_course()]) == []

    def test_does_not_show_a_cpr_like_column_name(self):
        rows = [row | {"0102031234": ""} for row in valid_course()]
        message = str(InputValidationError(problems_of(*rows)))
        assert "0102031234" not in message
        assert "row 1" in message


class TestIdentifiers:
    def test_missing_child_id(self):
        rows = valid_course()
        rows[3]["child_id"] = ""
        assert places(problems_of(*rows)) == [(5, "child_id")]

    def test_unknown_municipality_is_shown(self):
        rows = valid_course()
        rows[3]["municipality"] = "Aarhus"
        (problem,) = problems_of(*rows)
        assert (problem.row, problem.column, problem.value) == (5, "municipality", "Aarhus")
        assert ", ".join(monitored_names()) in problem.expected

    def test_says_mariagerfjord_did_not_monitor(self):
        rows = valid_course()
        rows[3]["municipality"] = "Mariagerfjord"
        (problem,) = problems_of(*rows)
        assert problem.expected.endswith("Mariagerfjord did not monitor children in the project")

    def test_unknown_municipalities_come_name_by_name_in_order_of_appearance(self):
        names = ["Odense", "Vejle", "", "Aarhus", "Vejle", "Aarhus", "Bogense", "Odense"]
        cells = pd.DataFrame({"municipality": names}, index=range(2, 10))
        found = validate.municipality_problems(cells, FILE, ["Odense"])
        assert [(p.row, p.value) for p in found] == [
            (4, ""), (3, "Vejle"), (6, "Vejle"), (5, "Aarhus"), (7, "Aarhus"), (8, "Bogense")
        ]

    def test_allowed_municipalities_can_be_given(self):
        rows = valid_course()
        assert problems_of(*rows, municipalities=["Kolding", "Odense"]) == []
        assert places(problems_of(*rows, municipalities=["Kolding"])) == [(5, "municipality")]

    @pytest.mark.parametrize("wave", ["0", "7", "1.0", "", "en"])
    def test_waves_outside_1_to_6(self, wave):
        rows = valid_course()
        rows[3]["wave"] = wave
        assert places(problems_of(*rows)) == [(5, "wave")]

    @pytest.mark.parametrize(
        "date, fragment",
        [
            ("2010-12-31", "monitoring window 2011-01-01 to 2012-06-30"),
            ("2012-07-01", "monitoring window"),
            ("15/11/2011", "a date written 2011-02-15, 15-02-2011 or 15.02.2011"),
            ("", "the cell is empty"),
        ],
    )
    def test_dates(self, date, fragment):
        rows = valid_course()
        rows[3]["registration_date"] = date
        (problem,) = problems_of(*rows)
        assert (problem.row, problem.column) == (5, "registration_date")
        assert fragment in problem.expected

    def test_the_window_is_inclusive(self):
        rows = valid_course()
        rows[3]["registration_date"] = "2012-06-30"
        assert problems_of(*rows) == []


class TestAge:
    @pytest.mark.parametrize("age", ["0", "6.99", "6,99", "3", ""])
    def test_valid_ages(self, age):
        rows = valid_course()
        rows[3]["age_years"] = age
        assert problems_of(*rows) == []

    @pytest.mark.parametrize("age", ["7", "-1", "42", "3 år", "tre"])
    def test_invalid_ages(self, age):
        rows = valid_course()
        rows[3]["age_years"] = age
        assert places(problems_of(*rows)) == [(5, "age_years")]


class TestAnswers:
    @pytest.mark.parametrize(
        "question", [q for q in CODEBOOK.questions if q.asked == "start"], ids=lambda q: q.id
    )
    def test_start_only_questions_are_empty_at_follow_ups(self, question):
        rows = valid_course()
        column = question.columns[-1]
        rows[1][column] = "0" if question.is_multiple_choice else "1"
        if question.is_multiple_choice:
            rows[1] |= {c: "0" for c in question.columns}
        (problem,) = problems_of(*rows)
        assert problem.row == 3
        assert problem.column in question.columns
        assert f"question '{question.id}' is asked only at the start" in problem.expected

    @pytest.mark.parametrize(
        "question",
        [q for q in CODEBOOK.questions if q.type in ("single_choice", "yes_no")],
        ids=lambda q: q.id,
    )
    def test_choice_codes(self, question):
        column = question.columns[0]
        valid = [registration(f"C{c}", **{column: c}) for c in question.codes]
        assert problems_of(*valid) == []
        unknown = max(question.codes) + 1
        (problem,) = problems_of(registration(**{column: unknown}))
        assert (problem.column, problem.value) == (column, str(unknown))
        assert problem.expected.startswith("one of the codes")

    @pytest.mark.parametrize(
        "question", [q for q in CODEBOOK.questions if q.is_scale], ids=lambda q: q.id
    )
    def test_scale_values(self, question):
        top = question.scale_maximum
        for column in question.columns:
            assert problems_of(*[registration(f"C{v}", **{column: v}) for v in (1, top, 99)]) == []
            bad = [registration(f"C{v}", **{column: v}) for v in (0, top + 1, 98, "2,5")]
            assert places(problems_of(*bad)) == [(row, column) for row in (2, 3, 4, 5)]

    def test_multiple_choice_cells_are_0_or_1(self):
        question = CODEBOOK.question("dialogue_topics")
        answered = {c: "0" for c in question.columns}
        rows = [
            registration("C1", **answered),  # answered, nothing chosen: allowed
            registration("C2", **answered | {"dialogue_topics_3": "2"}),
            registration("C3", **answered | {"dialogue_topics_1": "", "dialogue_topics_2": ""}),
            registration("C4"),  # not answered: all empty
        ]
        problems = problems_of(*rows)
        assert places(problems) == [(3, "dialogue_topics_3"), (4, "dialogue_topics_1")]
        assert "(empty: 2)" in problems[1].expected

    def test_synthetic_flag(self):
        rows = [row | {"synthetic": flag} for row, flag in zip(valid_course(), "10", strict=False)]
        rows += [row | {"synthetic": "2"} for row in valid_course()[2:]]
        assert places(problems_of(*rows)) == [(4, "synthetic"), (5, "synthetic")]

    def test_a_cpr_number_is_reported_once_and_not_as_a_code(self):
        rows = valid_course()
        rows[0]["initiative"] = "0102031234"
        (problem,) = problems_of(*rows)
        assert (problem.row, problem.column, problem.value) == (2, "initiative", None)
        assert "CPR" in problem.expected


class TestCourse:
    def test_duplicate_child_and_wave(self):
        rows = valid_course()
        rows[2]["wave"] = "2"
        rows[2]["registration_date"] = "2011-06-15"
        (problem,) = problems_of(*rows)
        assert (problem.row, problem.column) == (4, "wave")
        assert "wave 2 in row 3 too" in problem.expected

    def test_child_without_a_start_registration(self):
        (problem,) = problems_of(*valid_course()[1:])
        assert (problem.row, problem.column) == (2, "wave")
        assert "its first registration is wave 2" in problem.expected

    def test_gap_between_waves(self):
        rows = valid_course()
        del rows[1]
        (problem,) = problems_of(*rows)
        assert (problem.row, problem.column) == (3, "wave")
        assert "wave 2 is missing between wave 1 (row 2) and this wave 3" in problem.expected

    def test_rows_in_any_order(self):
        assert problems_of(*reversed(valid_course())) == []

    @pytest.mark.parametrize("date", ["2011-02-15", "2011-01-10"])
    def test_dates_must_increase_with_the_wave(self, date):
        rows = valid_course()
        rows[1]["registration_date"] = date
        (problem,) = problems_of(*rows)
        assert (problem.row, problem.column) == (3, "registration_date")
        assert "(wave 1, row 2)" in problem.expected

    def test_a_child_stays_in_its_municipality(self):
        rows = valid_course()
        rows[2]["municipality"] = "Odense"
        (problem,) = problems_of(*rows)
        assert (problem.row, problem.column, problem.value) == (4, "municipality", "Odense")

    def test_an_unreadable_wave_is_not_also_a_gap(self):
        rows = valid_course()
        rows[1]["wave"] = "to"
        assert places(problems_of(*rows)) == [(3, "wave")]

    def test_no_message_names_a_child(self):
        rows = valid_course()
        rows[2]["wave"] = "2"
        rows.append(registration("C3", wave=2))
        message = str(InputValidationError(problems_of(*rows)))
        assert "C1" not in message and "C3" not in message


class TestReporting:
    def test_every_column_gets_a_turn_before_the_cap(self):
        many = [Problem(FILE, row, "age_years", "a number") for row in range(2, 100)]
        few = [Problem(FILE, 120, "wave", "1 to 6"), Problem(FILE, None, "x", "a column")]
        shown = validate.shown_problems(many + few, limit=10)
        assert len(shown) == 10
        assert {p.column for p in shown} == {"age_years", "wave", "x"}
        assert [p.row or 0 for p in shown] == sorted(p.row or 0 for p in shown)

    def test_the_error_counts_every_problem_but_lists_the_cap(self):
        problems = [Problem(FILE, row, "age_years", "a number") for row in range(2, 80)]
        with pytest.raises(InputValidationError) as caught:
            validate.raise_for_problems(problems)
        assert caught.value.total == 78
        assert len(caught.value.problems) == validate.MAX_PROBLEMS
        assert "... and 28 more" in str(caught.value)


class TestTypedExport:
    def test_types_and_order(self):
        rows = [row | {"synthetic": "1"} for row in valid_course()]
        typed = validate.validated_export(cells_of(*reversed(rows)), FILE, CODEBOOK)
        assert list(typed.columns) == list(CODEBOOK.export_columns) + ["synthetic"]
        assert typed.index.tolist() == [0, 1, 2, 3]
        assert typed[["municipality", "child_id", "wave"]].values.tolist() == [
            ["Kolding", "C1", 1],
            ["Kolding", "C1", 2],
            ["Kolding", "C1", 3],
            ["Odense", "C2", 1],
        ]
        dtypes = typed.dtypes.astype(str)
        assert dtypes[["wave", "registration_date", "age_years", "synthetic"]].tolist() == [
            "int64",
            "datetime64[ns]",
            "float64",
            "bool",
        ]
        others = [c for c in CODEBOOK.answer_columns if c != "age_years"]
        assert set(dtypes[others]) == {"Int64"}
        assert typed["age_years"].tolist()[::3] == [3.5, 0.5]
        assert typed["registration_date"].tolist()[2] == pd.Timestamp("2011-08-15")
        assert typed["agreement_parents_staff"].tolist()[2] == 99
        assert typed["synthetic"].all()

    def test_synthetic_is_false_without_the_column(self):
        typed = validate.typed_export(cells_of(*valid_course()), CODEBOOK)
        assert not typed["synthetic"].any()

    def test_validated_export_raises_with_earlier_problems(self):
        earlier = [Problem(FILE, 9, None, "at most 64 values")]
        with pytest.raises(InputValidationError) as caught:
            validate.validated_export(cells_of(*valid_course()), FILE, CODEBOOK, earlier=earlier)
        assert caught.value.problems == earlier


def test_a_1000_row_export_validates_and_types_every_row():
    # Its speed is the benchmarks' business (benchmarks/export_memory.py, benchmarks/scale.py):
    # a wall-clock limit here failed whenever the machine was busy, which says nothing.
    rows = [
        registration(f"K{child}", wave=wave, date=f"2011-0{wave + 1}-15", age_years="3,5")
        if wave == 1
        else registration(f"K{child}", wave=wave, date=f"2011-0{wave + 1}-15")
        for child in range(250)
        for wave in (1, 2, 3, 4)
    ]
    typed = validate.validated_export(cells_of(*rows), FILE, CODEBOOK)
    assert len(typed) == 1000
    assert typed["wave"].tolist() == [1, 2, 3, 4] * 250
    assert typed.loc[typed["wave"] == 1, "age_years"].eq(3.5).all()


class TestMissingColumns:
    @pytest.mark.parametrize(
        "column", ["problem_1", "problem_99", "measures_in_place_3", "spotted_how_6", "age_years"]
    )
    def test_a_missing_start_only_column_is_reported_as_missing_only(self, column):
        # Once a KeyError: the start-only rule looked for every option column of the question.
        rows = [{k: v for k, v in row.items() if k != column} for row in valid_course()]
        rows[1] |= {c: "1" for c in CODEBOOK.column_question()[column].columns if c != column}
        problems = problems_of(*rows)
        assert places(problems)[0] == (None, column)
        assert all("asked only at the start" in p.expected for p in problems[1:])

    def test_every_missing_identifier_is_reported(self):
        identifiers = ["child_id", "municipality", "wave", "registration_date"]
        rows = [{k: v for k, v in row.items() if k not in identifiers} for row in valid_course()]
        assert places(problems_of(*rows)) == [(None, column) for column in identifiers]


def test_categorical_cells_give_the_problems_string_cells_give():
    rows = valid_course()
    rows[0] |= {"initiative": "7", "age_years": "tre", "problem_1": "2"}
    rows[2] |= {"wave": "2", "municipality": "Odence", "coherence_home_daycare": "0102031234"}
    cells = cells_of(*rows)
    as_categories = cells.astype("category")
    assert validate.export_problems(as_categories, FILE, CODEBOOK) == problems_of(*rows)
