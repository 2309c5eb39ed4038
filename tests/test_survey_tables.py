"""The survey's published cells: hand-worked numbers, clustered intervals recomputed
independently, disclosure control, and the contract's shape (golden checks say so)."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from survey_fixture import hand_rows, write_survey

from dsr_analysis import config
from dsr_analysis.cells import COLUMNS, DIFFERENCE, POOLED_NAME, cells_csv
from dsr_analysis.disclosure.audit import table_findings
from dsr_analysis.survey.reader import read_survey
from dsr_analysis.survey.tables import (
    report_cells_by_municipality,
    report_cells_of_export,
    suppression_specs,
    survey_cells,
)

KEY = "Enig eller helt enig"


@pytest.fixture(scope="module")
def hand(tmp_path_factory):
    path = write_survey(tmp_path_factory.mktemp("survey") / "s.csv", hand_rows())
    return read_survey(path)


@pytest.fixture(scope="module")
def bundled():
    cells, broken = report_cells_by_municipality(config.VIVE2023_SURVEY_PATH)
    assert broken == {}
    return cells


def _cell(cells, table, municipality, column, label):
    mask = ((cells["table"] == table) & (cells["municipality"] == municipality)
            & (cells["column"] == column) & (cells["label"] == label))
    (row,) = cells[mask].itertuples(index=False)
    return row


def test_hand_worked_counts_and_shares_among_valid_answers(hand):
    cells = survey_cells(hand, min_cell=1)
    counts = {label: _cell(cells, "VIVE-2", "Horsens", "Runde 2", label).count
              for label in ("Helt uenig", "Uenig", "Hverken enig eller uenig", "Enig",
                            "Helt enig", KEY)}
    assert counts == {"Helt uenig": 1, "Uenig": 1, "Hverken enig eller uenig": 0, "Enig": 2,
                      "Helt enig": 1, KEY: 3}
    key = _cell(cells, "VIVE-2", "Horsens", "Runde 2", KEY)
    assert (key.n, key.value) == (5, 0.6)  # "Ved ikke", blank and the social worker left out
    # Respondents count everyone, also the one who answered "Ved ikke" to everything.
    assert _cell(cells, "VIVE-1", "Horsens", "Runde 2", "Pædagog").count == 3
    assert _cell(cells, "VIVE-1", "Horsens", "Runde 2", "Socialfaglig medarbejder").count == 1
    change = _cell(cells, "VIVE-2", "Horsens", "Ændring", KEY)
    assert change.kind == DIFFERENCE and change.value == pytest.approx(0.6 - 1 / 3)
    # The pooled unit of one municipality is that municipality.
    assert _cell(cells, "VIVE-2", POOLED_NAME, "Runde 2", KEY).count == 3
    by_type = _cell(cells, "VIVE-16", "Horsens", "Skole", "Kendskab til rammen")
    assert (by_type.n, by_type.count) == (2, 1)
    worker = _cell(cells, "VIVE-17", "Horsens", "Socialfaglige medarbejdere",
                   "Kendskab til rammen")
    staff = _cell(cells, "VIVE-17", "Horsens", "Personale", "Kendskab til rammen")
    assert (worker.n, worker.value, staff.n, staff.value) == (1, 5.0, 5, 3.2)


def test_key_share_interval_recomputed_with_its_design_effect(hand):
    # F1's 0/1 key indicator among staff, by (round, institution): the ANOVA by hand.
    clusters = {(1, "D1"): [0, 0], (1, "S1"): [1], (2, "D1"): [1, 1, 0], (2, "S1"): [1, 0]}
    values = [v for group in clusters.values() for v in group]
    total, k, strata = len(values), len(clusters), 2
    stratum_mean = {r: np.mean([v for (s, _), g in clusters.items() if s == r for v in g])
                    for r in (1, 2)}
    between = sum(len(g) * (np.mean(g) - stratum_mean[r]) ** 2 for (r, _), g in clusters.items())
    within = sum(((np.array(g) - np.mean(g)) ** 2).sum() for g in clusters.values())
    msb, msw = between / (k - strata), within / (total - k)
    m0 = (total - (2**2 + 1**2) / 3 - (3**2 + 2**2) / 5) / (k - strata)
    icc = (msb - msw) / (msb + (m0 - 1) * msw)
    assert icc == pytest.approx(0.0968, abs=1e-4)
    deff = 1 + ((3**2 + 2**2) / 5 - 1) * icc
    n, p, z = 5 / deff, 0.6, 1.959963984540054
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z / (1 + z * z / n) * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n))
    key = _cell(survey_cells(hand, min_cell=1), "VIVE-2", "Horsens", "Runde 2", KEY)
    assert (key.ci_low, key.ci_high) == pytest.approx((centre - half, centre + half))


def test_small_counts_are_hidden_with_a_complement_and_nothing_leaks(bundled):
    workers = bundled[(bundled["table"] == "VIVE-1")
                      & (bundled["label"] == "Socialfaglig medarbejder")]
    hidden = workers.groupby("municipality")["suppressed"].all().to_dict()
    # Viborg's 4 social workers are a primary; one more municipality hides to protect it,
    # since the others add up to "Alle".
    assert hidden["Viborg"] and sum(hidden.values()) == 2 and not hidden[POOLED_NAME]
    assert workers.loc[workers["suppressed"], ["n", "count", "value"]].isna().all().all()
    # The attacker, knowing every relation of the specs, narrows no hidden number.
    published = bundled.drop(columns=["label_display", "column_display"])
    assert table_findings(published, suppression_specs(), 5).empty
    # Derived numbers go with what they use: intervals of hidden cells, contrasts of them.
    assert bundled.loc[bundled["suppressed"], ["ci_low", "ci_high"]].isna().all().all()
    ends = bundled[bundled["kind"] != DIFFERENCE].groupby(["table", "municipality", "label"])
    for (table, municipality, label), group in ends:
        rows = bundled[(bundled["table"] == table) & (bundled["municipality"] == municipality)
                       & (bundled["label"] == label) & (bundled["kind"] == DIFFERENCE)]
        if len(rows) and group["suppressed"].any():
            assert rows["suppressed"].all(), (table, municipality, label)


def test_without_suppression_every_share_and_mean_has_an_interval(hand):
    cells = survey_cells(hand, min_cell=1)
    assert not cells["suppressed"].any() and (cells["min_cell"] == 1).all()
    numbers = cells[cells["kind"].isin(["share", "mean"]) & cells["n"].ge(2)]
    assert numbers[["ci_low", "ci_high"]].notna().all().all()


def test_cells_follow_the_contract_with_display_words_per_language(bundled, hand):
    assert list(bundled.columns) == [*COLUMNS, "label_display", "column_display"]
    assert sorted(set(bundled["table"]), key=lambda t: int(t.split("-")[1])) == [
        f"VIVE-{i}" for i in range(1, 18)]
    assert set(bundled["municipality"]) == {POOLED_NAME, "Horsens", "Næstved", "Viborg"}
    assert bundled["synthetic"].all() and (bundled["min_cell"] == 5).all()
    english = survey_cells(hand, min_cell=1, language="en")
    key = english[(english["table"] == "VIVE-2") & (english["label"] == KEY)
                  & (english["column"] == "Runde 2")].iloc[0]
    assert (key["label_display"], key["column_display"]) == ("Agree or strongly agree",
                                                             "Round 2")


def test_breakdowns_add_up_to_the_item_tables(bundled):
    full = report_cells_of_export(config.VIVE2023_SURVEY_PATH, min_cell=1)
    by_type = full[full["table"] == "VIVE-16"].groupby(["municipality", "code"])["n"].sum()
    item = full[(full["table"] == "VIVE-2") & (full["column"] == "Runde 2")
                & (full["label"] == KEY)].set_index("municipality")["n"]
    pd.testing.assert_series_equal(by_type.xs("F1", level="code"), item, check_names=False)


def test_the_synthetic_stories_show_in_the_tables(bundled):
    def change(table, municipality):
        return _cell(bundled, table, municipality, "Ændring", KEY)

    improving, flat = change("VIVE-2", "Horsens"), change("VIVE-2", "Næstved")
    assert improving.ci_low > 0 and flat.ci_low < 0 < flat.ci_high
    authority = {m: _cell(bundled, "VIVE-6", m, "Runde 2", "Ja").value
                 for m in ("Horsens", "Næstved", "Viborg")}
    assert authority["Viborg"] > 0.6 > 0.2 > max(authority["Horsens"], authority["Næstved"])


def test_the_same_survey_gives_the_same_cells_csv(hand):
    assert cells_csv(survey_cells(hand)) == cells_csv(survey_cells(hand))
