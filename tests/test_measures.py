"""Measures on a hand-made export (tests/fixtures_export.py); expected values worked by hand."""

from __future__ import annotations

import pandas as pd
import pytest
from fixtures_export import hand_made_export
from hypothesis import given, settings
from hypothesis import strategies as st
from pandas.testing import assert_frame_equal

from dsr_analysis import measures, tidy
from dsr_analysis.codebook import default_codebook

CODEBOOK = default_codebook()


@pytest.fixture(scope="module")
def export():
    return hand_made_export()


@pytest.fixture(scope="module")
def answers(export):
    return tidy.answers(export)


@pytest.fixture(scope="module")
def scores(export):
    return tidy.scale_scores(export)


def _rows(frame, **where):
    mask = pd.Series(True, index=frame.index)
    for column, value in where.items():
        mask &= frame[column] == value
    return frame.loc[mask]


def test_children_count_counts_children_with_a_start_registration(export):
    pooled = measures.with_total(tidy.children(export), "municipality", "Alle")
    result = measures.children_count(pooled).set_index("municipality")["n"]
    assert result.to_dict() == {"Alle": 3, "Kolding": 2, "Odense": 1}


def test_mean_age_leaves_out_children_without_an_age(export):
    result = measures.mean_age(tidy.children(export))
    # Ages 3.5 and 4.2: mean 3.85, standard deviation |4.2 - 3.5| / sqrt(2) = 0.4950.
    expected = pd.DataFrame({"municipality": ["Kolding"], "n": [2], "value": [3.85],
                             "sd": [0.7 / 2**0.5]})
    assert_frame_equal(result, expected)


def test_start_shares_count_ved_ikke_as_an_option(answers):
    result = measures.start_shares(answers, CODEBOOK.question("initiative"))
    odense = _rows(result, municipality="Odense", code=99)
    assert odense[["n", "count", "value"]].values.tolist() == [[1, 1, 1.0]]
    kolding = _rows(result, municipality="Kolding").set_index("code")["count"]
    assert kolding.to_dict() == {1: 1, 2: 0, 3: 1, 4: 0, 5: 0, 99: 0}


def test_start_shares_leave_out_children_whose_start_skipped_the_question(answers):
    result = measures.start_shares(answers, CODEBOOK.question("problem"))
    assert set(result["municipality"]) == {"Kolding"}, "C answered no problem at the start"
    counts = result.set_index("code")["count"]
    assert (counts[1], counts[13], counts[99], counts[2]) == (1, 1, 1, 0)
    assert set(result["n"]) == {2}


def test_ever_shares_count_a_child_once_whatever_its_number_of_ticks(answers):
    result = measures.ever_shares(answers, CODEBOOK.question("dialogue_topics"))
    kolding = _rows(result, municipality="Kolding").set_index("code")
    assert kolding.loc[1, "count"] == 2 and kolding.loc[2, "count"] == 1
    assert set(kolding["n"]) == {2}
    # C answered only at its second registration, and still counts.
    assert _rows(result, municipality="Odense", code=5)["count"].tolist() == [1]


def test_quarter_shares_divide_by_registrations_and_drop_ved_ikke(answers):
    result = measures.quarter_shares(answers, CODEBOOK.question("info_exchange"),
                                     exclude_codes=[99])
    kolding = _rows(result, municipality="Kolding").set_index("code")
    # A: 99 (dropped), Ja, Nej; B: Nej -> 3 registrations of 2 children.
    assert kolding.loc[1, ["n", "count", "denominator"]].tolist() == [2, 1, 3]
    assert kolding.loc[2, "value"] == pytest.approx(2 / 3)
    assert 99 not in kolding.index


def test_first_answer_shares_use_each_childs_first_answer(answers):
    result = measures.first_answer_shares(answers, CODEBOOK.question("info_exchange"))
    kolding = _rows(result, municipality="Kolding").set_index("code")["count"]
    assert kolding.to_dict() == {1: 0, 2: 1, 99: 1}


def test_development_uses_latest_valid_score_when_last_wave_skips_item(scores):
    paired = measures.development_set(scores, CODEBOOK.question("agreement"))
    a = _rows(paired, child_id="A", item="agreement_staff_social_worker")
    assert a[["start", "latest", "change"]].values.tolist() == [[3, 2, 1]]


def test_development_excludes_ved_ikke_at_start_and_single_registrations(scores):
    paired = measures.development_set(scores, CODEBOOK.question("agreement"))
    assert paired["child_id"].tolist() == ["A"], "B has one registration, C said ved ikke"


def test_development_shares_on_the_four_point_scale(scores):
    result = measures.development_shares(scores, CODEBOOK.question("agreement"), 1)
    counts = result.set_index("code")["count"]
    assert counts["small_positive"] == 1 and counts.sum() == 1


def test_development_on_the_ten_point_scale_skips_a_ved_ikke_follow_up(scores):
    result = measures.development_shares(scores, CODEBOOK.question("parents"), 3)
    positive = _rows(result, municipality="Kolding", code="large_positive")
    negative = _rows(result, municipality="Odense", code="small_negative")
    assert positive["count"].tolist() == [1] and negative["count"].tolist() == [1]


def test_start_latest_means_use_the_development_set(scores):
    result = measures.start_latest_means(scores, CODEBOOK.question("parents"))
    assert result["value"].tolist() == [2.0, 7.0, 5.0, 4.0]
    assert result["code"].tolist() == ["start", "latest", "start", "latest"]


def test_wave_means_exclude_ved_ikke(scores):
    result = measures.wave_means(scores, CODEBOOK.question("agreement"))
    odense = _rows(result, municipality="Odense")
    assert odense[["wave", "n", "value"]].values.tolist() == [[2, 1, 1.0]]
    kolding_start = _rows(result, municipality="Kolding", wave=1)
    assert kolding_start[["n", "value"]].values.tolist() == [[2, 2.5]]


def test_measures_do_not_mutate_their_input(answers):
    before = answers.copy()
    measures.ever_shares(answers, CODEBOOK.question("dialogue_topics"))
    assert_frame_equal(answers, before)


@st.composite
def random_answers(draw):
    question = CODEBOOK.question("dialogue_topics")
    n_children = draw(st.integers(1, 8))
    rows = []
    for child in range(n_children):
        for wave in range(1, draw(st.integers(1, 4)) + 1):
            ticks = draw(st.lists(st.booleans(), min_size=6, max_size=6))
            for code, chosen in zip(question.codes, ticks, strict=True):
                rows.append(dict(child_id=f"c{child}", municipality=draw(st.sampled_from("XY")),
                                 period=1, wave=wave, question=question.id, code=code,
                                 chosen=chosen))
    return pd.DataFrame(rows)


@settings(max_examples=40, deadline=None)
@given(random_answers())
def test_shares_stay_within_zero_and_one_and_n_within_children(frame):
    question = CODEBOOK.question("dialogue_topics")
    for measure in (measures.ever_shares, measures.start_shares, measures.quarter_shares):
        result = measure(frame, question, ["municipality"])
        assert result["value"].between(0, 1).all()
        assert (result["count"] <= result.get("denominator", result["n"])).all()
        assert (result["n"] <= frame["child_id"].nunique()).all()
