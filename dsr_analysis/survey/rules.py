"""The rules a survey file must keep, each returning every problem it finds.

Rules read the file's *cells* (stripped strings, "" = empty, indexed by spreadsheet row), as
:func:`dsr_analysis.export.grid_cells` makes them, and return their problems as arrays
(:mod:`dsr_analysis.problem_list`). The generic rules (missing and unknown columns, the
municipality, codes, CPR screening, the ``synthetic`` flag) are the monitoring's own, from
:mod:`dsr_analysis.validate`; this module adds what is particular to the survey: respondents,
institutions, roles, rounds and their answer windows. A respondent id or a cell that may hold
a CPR number is never shown in a message.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from dsr_analysis import validate
from dsr_analysis.cell_values import categorical, mask_array, parsed_dates, parsed_integers
from dsr_analysis.problem_list import Problems, RowProblems
from dsr_analysis.survey.codebook import (
    DATE_COLUMN,
    ID_COLUMN,
    INSTITUTION_COLUMN,
    MUNICIPALITY_COLUMN,
    ROLE_COLUMN,
    ROUND_COLUMN,
    SYNTHETIC_COLUMN,
    TYPE_COLUMN,
    Label,
    SurveyCodebook,
)

#: Where an analyst finds the columns of a survey file.
DOCUMENTED_IN = "data/vive2023/README.md"
DATE_WRITTEN = "a date written YYYY-MM-DD, e.g. 2024-03-15"


def _rows(mask, values: pd.Series) -> np.ndarray:
    return values.index.to_numpy()[mask_array(mask)]


def empty_problems(cells: pd.DataFrame, file: str, column: str, expected: str) -> RowProblems:
    """Rows whose ``column`` is empty (nothing is shown: the cell holds nothing)."""
    values = categorical(cells[column])
    return RowProblems(file, _rows(values.eq(""), values), (column,), f"{expected}; empty")


def _listed(labels: Sequence[Label]) -> str:
    return "one of the codes " + ", ".join(f"{o.code} ({o.label_da})" for o in labels)


def coded_column_problems(cells: pd.DataFrame, file: str, column: str,
                          labels: Sequence[Label]) -> Problems:
    """A required coded column (institution type, role): empty or not one of its codes."""
    expected = _listed(labels)
    codes = [label.code for label in labels]
    return Problems([empty_problems(cells, file, column, expected),
                     validate.code_problems(cells, file, column, codes, expected)])


def item_problems(cells: pd.DataFrame, file: str, codebook: SurveyCodebook) -> Problems:
    """Answers that are neither empty, an option of the item's scale nor "Ved ikke"."""
    problems = Problems()
    dont_know = codebook.dont_know_code
    for item in codebook.items:
        if item.id not in cells:
            continue
        shown = [f"{o.code} ({o.label_da})" for o in item.scale.options]
        expected = (f"one of the codes {', '.join(shown)}, {dont_know} (Ved ikke), "
                    "or empty if not answered")
        codes = (*item.scale.codes, dont_know)
        problems += validate.code_problems(cells, file, item.id, codes, expected)
    return problems


def valid_rounds(cells: pd.DataFrame, codebook: SurveyCodebook) -> pd.Series:
    """Each row's round as ``Int64``, <NA> where it is not a round of the codebook."""
    rounds = parsed_integers(cells[ROUND_COLUMN])
    return rounds.where(rounds.isin([r.id for r in codebook.rounds]))


def date_problems(cells: pd.DataFrame, file: str, codebook: SurveyCodebook,
                  rounds: pd.Series | None) -> Problems:
    """Response dates that are empty, no date, or outside their round's window."""
    values = categorical(cells[DATE_COLUMN])
    dates = parsed_dates(values)
    problems = Problems([
        empty_problems(cells, file, DATE_COLUMN, DATE_WRITTEN),
        RowProblems(file, _rows(values.ne("") & dates.isna(), values), (DATE_COLUMN,),
                    DATE_WRITTEN, value=validate.shown_cell(values)),
    ])
    if rounds is None:
        return problems
    for survey_round in codebook.rounds:
        start, end = pd.Timestamp(survey_round.start), pd.Timestamp(survey_round.end)
        outside = rounds.eq(survey_round.id) & dates.notna() & ~dates.between(start, end)
        expected = (f"a date in round {survey_round.id}'s window {survey_round.start} to "
                    f"{survey_round.end}")
        problems += RowProblems(file, _rows(outside, values), (DATE_COLUMN,), expected,
                                value=validate.shown_cell(values))
    return problems


def repeated_problems(cells: pd.DataFrame, file: str) -> RowProblems:
    """A respondent answering twice in one round (the id itself is never shown)."""
    keys = cells[[ID_COLUMN, ROUND_COLUMN]].astype(str)
    filled = keys[ID_COLUMN].ne("") & keys[ROUND_COLUMN].ne("")
    again = filled & keys.duplicated(keep="first")
    first = keys[filled & ~keys.duplicated(keep="first")].reset_index()
    first_row = first.set_index([ID_COLUMN, ROUND_COLUMN]).iloc[:, 0]
    rows = cells.index.to_numpy()[again.to_numpy()]
    earlier = first_row.reindex(pd.MultiIndex.from_frame(keys[again])).to_numpy()
    return RowProblems(
        file, rows, (ID_COLUMN,),
        lambda row: f"each respondent once per round (the same respondent_id and round are "
                    f"on row {int(row)})",
        payload={"row": earlier},
    )


def institution_type_problems(cells: pd.DataFrame, file: str) -> RowProblems:
    """Rows giving an institution another type than its first row does."""
    keys = cells[[MUNICIPALITY_COLUMN, INSTITUTION_COLUMN, TYPE_COLUMN]].astype(str)
    keys = keys[keys[INSTITUTION_COLUMN].ne("") & keys[TYPE_COLUMN].ne("")]
    first = keys.groupby([MUNICIPALITY_COLUMN, INSTITUTION_COLUMN], sort=False)[TYPE_COLUMN]
    differs = keys[TYPE_COLUMN].ne(first.transform("first"))
    values = categorical(cells[TYPE_COLUMN])
    return RowProblems(file, keys.index.to_numpy()[differs.to_numpy()], (TYPE_COLUMN,),
                       "the same institution_type in every row of an institution",
                       value=validate.shown_cell(values))


def survey_problem_list(cells: pd.DataFrame, file: str, codebook: SurveyCodebook,
                        names: Sequence[str]) -> Problems:
    """Every problem of a survey file's cells, in the order of the rules.

    ``names`` are the municipalities allowed. A rule needing a missing column is skipped; the
    column is reported missing.
    """
    present = set(cells.columns)
    problems = Problems([validate.column_problems(list(cells.columns), file, codebook,
                                                  DOCUMENTED_IN)])
    if ID_COLUMN in present:
        expected = "the respondent's pseudonym, e.g. R00001"
        problems += empty_problems(cells, file, ID_COLUMN, expected)
    if MUNICIPALITY_COLUMN in present:
        problems += validate.municipality_problems(cells, file, names)
    if INSTITUTION_COLUMN in present:
        problems += empty_problems(cells, file, INSTITUTION_COLUMN, "the institution's id")
    if TYPE_COLUMN in present:
        problems += coded_column_problems(cells, file, TYPE_COLUMN, codebook.institution_types)
    if ROLE_COLUMN in present:
        problems += coded_column_problems(cells, file, ROLE_COLUMN, codebook.roles)
    rounds = None
    if ROUND_COLUMN in present:
        rounds = valid_rounds(cells, codebook)
        labels = [Label(r.id, r.label_da, r.label_en) for r in codebook.rounds]
        problems += coded_column_problems(cells, file, ROUND_COLUMN, labels)
    if DATE_COLUMN in present:
        problems += date_problems(cells, file, codebook, rounds)
    problems += item_problems(cells, file, codebook)
    if SYNTHETIC_COLUMN in present:
        problems += validate.flag_problems(cells, file)
    if {ID_COLUMN, ROUND_COLUMN} <= present:
        problems += repeated_problems(cells, file)
    if {MUNICIPALITY_COLUMN, INSTITUTION_COLUMN, TYPE_COLUMN} <= present:
        problems += institution_type_problems(cells, file)
    cpr = validate.cpr_batch(cells, file)
    # A CPR-like cell is reported as such, not again as a bad code or date.
    return Problems([cpr]) + validate.without_cells(problems, cpr)
