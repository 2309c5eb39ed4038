"""Pooled figures from group sums equal the figures of the stacked tidy tables, bit for bit.

The tables compute every measure once per municipality x start period and add the groups up
for "Alle" and "Total" (dsr_analysis/group_shares.py, group_means.py). The reference here is
the definition in dsr_analysis/measures.py run on the tidy tables stacked with pooled copies
(measures.with_total), as the tables were computed before: an independent recomputation. The
exports are small and made by hand (tests/fixtures_export.py) or drawn from a fixed seed, and
hold what a validated export cannot (a start date outside every period, a child without a
start registration) so that the "no period" group is exercised too.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from fixtures_export import hand_made_export

from dsr_analysis import group_means, group_shares, measures, tidy
from dsr_analysis.cells import POOLED_NAME, TOTAL_COLUMN
from dsr_analysis.codebook import default_codebook
from dsr_analysis.panel import Panel
from dsr_analysis.tables_spec import load_tables_spec

CODEBOOK = default_codebook()
SPEC = load_tables_spec()
DONT_KNOW = CODEBOOK.dont_know_code
AGES = [3.23, 4.4, 5.04, 3.27, 3.54, 4.44, 6.86, 5.36, 4.78, 3.64, 2.05, 0.12]


def seeded_export(seed: int = 12, children: int = 40) -> pd.DataFrame:
    """A typed export of ``children`` children in four municipalities, answers at random."""
    rng = np.random.default_rng(seed)
    places = ["Kolding", "Odense", "Frederikshavn", "Aarhus"]
    rows = []
    for number in range(children):
        start = pd.Timestamp("2010-12-01") + pd.Timedelta(days=int(rng.integers(0, 600)))
        waves = range(2 if number == 7 else 1, int(rng.integers(1, 6)) + 2)
        # Ids in another order than the rows: the pooled means take them in id order.
        child = f"c{rng.integers(0, 10**6):06d}-{number}"
        for wave in waves:
            row = {"child_id": child,
                   "municipality": places[number % 4], "wave": wave,
                   "registration_date": start + pd.Timedelta(days=91 * (wave - 1))}
            if wave == 1 and rng.random() < 0.9:
                row["age_years"] = AGES[number % len(AGES)] + number / 100
            rows.append(row | answers(rng, wave))
    frame = pd.DataFrame(rows).reindex(columns=[*CODEBOOK.export_columns])
    frame = frame.astype({c: "Int64" for c in CODEBOOK.answer_columns if c != "age_years"})
    frame = frame.astype({"child_id": str, "municipality": str, "age_years": "float64"})
    return frame.assign(synthetic=False)


def answers(rng: np.random.Generator, wave: int) -> dict:
    """One registration's answers: each question answered or not, any of its codes."""
    row = {}
    for question in CODEBOOK.questions:
        if question.type == "age" or (question.asked == "start" and wave > 1):
            continue
        if rng.random() < 0.25:
            continue
        if question.is_multiple_choice:
            row |= {column: int(rng.random() < 0.4) for column in question.columns}
        elif question.is_scale:
            top = question.scale_maximum
            row |= {c: int(rng.choice([*range(1, top + 1), DONT_KNOW])) for c in question.columns
                    if rng.random() < 0.85}
        else:
            row[question.columns[0]] = int(rng.choice(question.codes))
    return row


def stacked(frame: pd.DataFrame, by_period: bool) -> pd.DataFrame:
    frame = measures.with_total(frame, "municipality", POOLED_NAME)
    return measures.with_total(frame, "period", TOTAL_COLUMN) if by_period else frame


def reference(export: pd.DataFrame, measure: str, question, by_period: bool, **options):
    """The measure on the stacked tidy tables, as the tables computed it before."""
    by = ["municipality", "period"] if by_period else ["municipality"]
    if measure in ("age_groups", "mean_age"):
        children = stacked(tidy.children(export), by_period)
        if measure == "mean_age":
            return measures.mean_age(children, by)
        return measures.age_group_shares(children, question.codes, by)
    if measure in ("wave_means", "start_latest", "change", "development"):
        scores = stacked(tidy.scale_scores(export), False)
        if measure == "development":
            return measures.development_shares(scores, question, options["steps"])
        function = {"wave_means": measures.wave_means, "start_latest":
                    measures.start_latest_means, "change": measures.start_latest_change}[measure]
        return function(scores, question)
    answers = stacked(tidy.answers(export), by_period)
    function = {"start": measures.start_shares, "ever": measures.ever_shares,
                "first": measures.first_answer_shares, "ever_yes": measures.ever_yes_shares,
                "quarters": measures.quarter_shares}[measure]
    return function(answers, question, by, **options)


def grouped(panel: Panel, measure: str, question, by_period: bool, **options):
    """The same measure from the panel's group counts."""
    if measure in ("wave_means", "start_latest", "change", "development"):
        function = {"wave_means": group_means.wave_means, "start_latest":
                    group_means.start_latest_means, "change": group_means.start_latest_change,
                    "development": group_means.development_shares}[measure]
        extra = [options["steps"]] if measure == "development" else []
        return function(panel, question, DONT_KNOW, *extra)
    if measure == "mean_age":
        return group_means.mean_age(panel, question, by_period)
    function = {"age_groups": group_shares.age_group_shares, "start": group_shares.start_shares,
                "ever": group_shares.ever_shares, "first": group_shares.first_answer_shares,
                "ever_yes": group_shares.ever_yes_shares,
                "quarters": group_shares.quarter_shares}[measure]
    return function(panel, question, by_period, **options)


def normalised(result: pd.DataFrame) -> pd.DataFrame:
    """Rows sorted by their keys, keys as text and numbers as float64, for comparing."""
    keys = [c for c in ("municipality", "period", "item", "wave", "code") if c in result]
    numbers = [c for c in ("n", "count", "value", "denominator", "sd") if c in result]
    frame = result[keys + numbers].astype({k: str for k in keys})
    frame = frame.astype({c: "float64" for c in numbers})
    return frame.sort_values(keys, kind="stable").reset_index(drop=True)


def cases():
    """Every measure of data/tables.yml with its options, and each share measure both ways."""
    found = []
    for table in SPEC.tables:
        if table.measure == "children":
            continue
        question = CODEBOOK.question(table.question)
        options = {}
        if table.measure == "quarters":
            options["exclude_codes"] = (DONT_KNOW,) if table.exclude_dont_know else ()
        if table.measure == "development":
            options["steps"] = SPEC.development_small_max_steps[question.type]
        periods = (False, True) if table.measure not in (
            "wave_means", "start_latest", "development") else (False,)
        found += [(table.measure, question.id, by_period, options) for by_period in periods]
    found += [(m, q.id, False, {}) for q in CODEBOOK.questions if q.is_scale
              for m in ("change",)]
    return sorted({(m, q, p, tuple(o.items())) for m, q, p, o in found})


@pytest.fixture(scope="module")
def exports():
    return {"hand-made": hand_made_export(), "seeded": seeded_export()}


@pytest.mark.parametrize("case", cases(), ids=lambda c: f"{c[0]}-{c[1]}-{'p' if c[2] else 'm'}")
def test_pooled_from_group_sums_equal_the_stacked_tables_bit_for_bit(exports, case):
    measure, question_id, by_period, options = case
    question, options = CODEBOOK.question(question_id), dict(options)
    for export in exports.values():
        expected = normalised(reference(export, measure, question, by_period, **options))
        found = normalised(grouped(Panel.of(export), measure, question, by_period, **options))
        pd.testing.assert_frame_equal(found, expected, check_exact=True)


def test_the_seeded_export_has_what_a_validated_one_cannot(exports):
    panel = Panel.of(exports["seeded"])
    assert (panel.child_period == len(panel.periods)).sum() >= 3, "children without a period"
    assert (panel.start_row < 0).sum() == 1, "a child without a start registration"


def test_hand_worked_pooled_figures():
    panel = Panel.of(hand_made_export())
    # Initiative at the start: A (Kolding, period 1) 1, B (Kolding, period 2) 3, C (Odense,
    # period 3) "ved ikke".
    initiative = CODEBOOK.question("initiative")
    shares = group_shares.start_shares(panel, initiative, by_period=True)
    key = shares.set_index(["municipality", "period", "code"])
    assert key.loc[(POOLED_NAME, TOTAL_COLUMN, 1), ["n", "count"]].tolist() == [3, 1]
    assert key.loc[(POOLED_NAME, TOTAL_COLUMN, 99), ["n", "count"]].tolist() == [3, 1]
    assert key.loc[(POOLED_NAME, 3, 99), ["n", "count"]].tolist() == [1, 1]
    assert key.loc[("Kolding", TOTAL_COLUMN, 3), ["n", "count"]].tolist() == [2, 1]
    groups = set(zip(shares["municipality"], shares["period"], strict=True))
    assert ("Odense", 1) not in groups, "a group without an n has no rows"
    # Information exchange, registrations without "ved ikke": Kolding 3 of 2 children, Odense 2
    # of 1 child; of the 5, one "Ja".
    quarters = group_shares.quarter_shares(panel, CODEBOOK.question("info_exchange"), False,
                                           [DONT_KNOW])
    pooled = quarters.loc[quarters["municipality"] == POOLED_NAME].set_index("code")
    assert pooled.loc[1, ["n", "count", "denominator"]].tolist() == [3, 1, 5]
    assert pooled.loc[2, "value"] == 4 / 5
    # Ages 3.5 (A) and 4.2 (B); C has none.
    ages = group_means.mean_age(panel, CODEBOOK.question("age"), by_period=True)
    total = ages.set_index(["municipality", "period"]).loc[(POOLED_NAME, TOTAL_COLUMN)]
    assert total["n"] == 2 and total["value"] == pytest.approx(3.85)
    # First agreement item, wave 2: A 2 (Kolding), C 1 (Odense): "Alle" 1.5 of 2.
    means = group_means.wave_means(panel, CODEBOOK.question("agreement"), DONT_KNOW)
    wave_2 = means.loc[(means["wave"] == 2) & (means["item"] == "agreement_staff_social_worker")]
    assert wave_2.set_index("municipality")[["n", "value"]].to_dict("index") == {
        "Kolding": {"n": 1, "value": 2.0}, "Odense": {"n": 1, "value": 1.0},
        POOLED_NAME: {"n": 2, "value": 1.5}}


def kahan_mean(values) -> float:
    total = compensation = 0.0
    for value in values:
        y = value - compensation
        t = total + y
        compensation = (t - total) - y
        total = t
    return total / len(values)


def test_a_groups_mean_is_a_compensated_sum_whatever_the_order_of_the_keys():
    # pandas sums a float column grouped by a sorted key with np.add.reduceat, which rounds
    # these ages differently; the stacked tables' keys were never sorted.
    values = np.array(AGES[:10])
    assert kahan_mean(values) != np.add.reduceat(values, [0])[0] / 10
    for key in (np.zeros(10, dtype=np.int64), np.array([1, 0] * 5)):
        result = group_means.grouped_mean_sd(values, key)
        for group in np.unique(key):
            mine = values[key == group]
            assert result.loc[group, "value"] == kahan_mean(mine)
            welford = pd.Series(mine).groupby(np.zeros(len(mine), dtype=np.int64)).std()
            assert result.loc[group, "sd"] == welford.iloc[0]


def test_a_child_in_two_municipalities_is_refused():
    export = hand_made_export()
    export.loc[1, "municipality"] = "Odense"
    with pytest.raises(ValueError, match="more than one municipality"):
        Panel.of(export)
