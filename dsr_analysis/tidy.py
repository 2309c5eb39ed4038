"""Tidy tables from a validated export: children, registrations, answers and scale scores.

The export is wide (one row per registration, one column per option or scale item); analysis
wants long tables with one observation per row. Every function here takes the validated export
(see :func:`dsr_analysis.export.load_export`) and returns a new frame; none mutates its input.

===================  ===========================================================================
table                one row per
===================  ===========================================================================
``registrations``    child x wave: the registration's date and project period
``children``         child: municipality, start date, period of the start registration, age
``answers``          child x wave x choice question x option shown: ``chosen`` says whether the
                     option was chosen (single-choice questions only list the chosen option)
``scale_scores``     child x wave x scale item answered: ``score`` (<NA> for "ved ikke")
===================  ===========================================================================

``period`` in every table is the period of the child's start registration, which is how NIRAS
splits its by-period tables (ch. 7.3).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from dsr_analysis.codebook import Codebook, default_codebook, option_column

KEYS = ["child_id", "municipality", "wave"]


def period_of_dates(dates: pd.Series, codebook: Codebook | None = None) -> pd.Series:
    """Project period (1, 2, 3) of each date; <NA> outside every period.

    >>> period_of_dates(pd.Series(pd.to_datetime(["2011-02-10", "2011-05-01", "2012-05-30"])))
    0    1
    1    2
    2    3
    dtype: Int64
    """
    codebook = codebook or default_codebook()
    result = pd.Series(pd.NA, index=dates.index, dtype="Int64")
    for period in codebook.periods:
        inside = (dates >= pd.Timestamp(period.start)) & (dates <= pd.Timestamp(period.end))
        result = result.mask(inside, period.id)
    return result


def registrations(export: pd.DataFrame, codebook: Codebook | None = None) -> pd.DataFrame:
    """One row per registration with its own period and the child's (start) period."""
    codebook = codebook or default_codebook()
    frame = export[KEYS + ["registration_date"]].copy()
    frame["registration_period"] = period_of_dates(frame["registration_date"], codebook)
    start_period = frame.loc[frame["wave"] == 1].set_index("child_id")["registration_period"]
    frame["period"] = frame["child_id"].map(start_period).astype("Int64")
    return frame.reset_index(drop=True)


def children(export: pd.DataFrame, codebook: Codebook | None = None) -> pd.DataFrame:
    """One row per child with a start registration: period, start age and course length."""
    codebook = codebook or default_codebook()
    age_column = codebook.question("age").columns[0]
    start = export.loc[export["wave"] == 1, ["child_id", "municipality", "registration_date"]]
    start = start.assign(
        period=period_of_dates(start["registration_date"], codebook),
        age_years=export.loc[export["wave"] == 1, age_column].astype("float64"),
    )
    start["age_group"] = np.floor(start["age_years"]).astype("Int64")
    course = export.groupby("child_id")["wave"].max().rename("n_registrations")
    return (
        start.rename(columns={"registration_date": "start_date"})
        .join(course, on="child_id")
        .sort_values(["municipality", "child_id"])
        .reset_index(drop=True)
    )


def _with_periods(frame: pd.DataFrame, regs: pd.DataFrame) -> pd.DataFrame:
    return frame.merge(regs[["child_id", "wave", "period"]], on=["child_id", "wave"], how="left")


def _single_choice_answers(export: pd.DataFrame, question) -> pd.DataFrame:
    column = question.columns[0]
    answered = export.loc[export[column].notna(), KEYS + [column]]
    return answered.rename(columns={column: "code"}).assign(question=question.id, chosen=True)


def _multiple_choice_answers(export: pd.DataFrame, question) -> pd.DataFrame:
    columns = list(question.columns)
    answered = export.loc[export[columns].notna().any(axis=1), KEYS + columns]
    long = answered.melt(id_vars=KEYS, value_vars=columns, var_name="column", value_name="value")
    codes = {option_column(question.id, code): code for code in question.codes}
    return long.assign(
        code=long["column"].map(codes),
        question=question.id,
        chosen=long["value"].fillna(0).astype(int) == 1,
    ).drop(columns=["column", "value"])


def answers(export: pd.DataFrame, codebook: Codebook | None = None) -> pd.DataFrame:
    """Long answers to every choice question (single, multiple, yes/no).

    A multiple-choice question answered in a registration contributes one row per option, so
    the registrations that answered are known even when no option was ticked.
    """
    codebook = codebook or default_codebook()
    parts = []
    for question in codebook.questions:
        if question.is_multiple_choice:
            parts.append(_multiple_choice_answers(export, question))
        elif question.type in ("single_choice", "yes_no"):
            parts.append(_single_choice_answers(export, question))
    frame = pd.concat(parts, ignore_index=True)
    frame["code"] = frame["code"].astype("int64")
    frame = _with_periods(frame, registrations(export, codebook))
    columns = ["child_id", "municipality", "period", "wave", "question", "code", "chosen"]
    return frame[columns].sort_values(["question", *KEYS, "code"]).reset_index(drop=True)


def scale_scores(export: pd.DataFrame, codebook: Codebook | None = None) -> pd.DataFrame:
    """Long scale answers: one row per child x wave x answered item; "ved ikke" flagged."""
    codebook = codebook or default_codebook()
    parts = []
    for question in codebook.questions:
        if not question.is_scale:
            continue
        long = export[KEYS + list(question.columns)].melt(
            id_vars=KEYS, var_name="item", value_name="answer"
        )
        long = long.loc[long["answer"].notna()]
        dont_know = long["answer"] == codebook.dont_know_code
        parts.append(
            long.assign(
                question=question.id,
                dont_know=dont_know.astype(bool),
                score=long["answer"].astype("Int64").mask(dont_know),
            ).drop(columns="answer")
        )
    frame = _with_periods(pd.concat(parts, ignore_index=True), registrations(export, codebook))
    columns = ["child_id", "municipality", "period", "wave", "question", "item", "score",
               "dont_know"]
    return frame[columns].sort_values(["question", "item", *KEYS]).reset_index(drop=True)
