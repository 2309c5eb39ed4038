"""A small hand-made export whose measures were worked out by hand (see test_measures.py)."""

from __future__ import annotations

import pandas as pd

from dsr_analysis.codebook import default_codebook

# Three children. A: three waves in period 1, skips an agreement item at its last wave;
# B: one registration only; C: "ved ikke" at start on agreement, no age, start questions empty.
ROWS = [
    dict(child_id="A", municipality="Kolding", wave=1, registration_date="2011-02-10",
         age_years=3.5, initiative=1, problem_1=1, problem_13=1, info_exchange=99,
         dialogue_topics_1=1, agreement_staff_social_worker=3, parents_involved=2),
    dict(child_id="A", municipality="Kolding", wave=2, registration_date="2011-05-10",
         info_exchange=1, dialogue_topics_1=0, agreement_staff_social_worker=2,
         parents_involved=99),
    dict(child_id="A", municipality="Kolding", wave=3, registration_date="2011-08-10",
         info_exchange=2, dialogue_topics_2=1, parents_involved=7),
    dict(child_id="B", municipality="Kolding", wave=1, registration_date="2011-05-20",
         age_years=4.2, initiative=3, problem_99=1, info_exchange=2, dialogue_topics_1=1,
         agreement_staff_social_worker=2),
    dict(child_id="C", municipality="Odense", wave=1, registration_date="2011-11-15",
         initiative=99, info_exchange=2, agreement_staff_social_worker=99, parents_involved=5),
    dict(child_id="C", municipality="Odense", wave=2, registration_date="2012-02-15",
         info_exchange=2, dialogue_topics_5=1, agreement_staff_social_worker=1,
         parents_involved=4),
]


def _fill_multiple_choice(frame: pd.DataFrame, codebook) -> pd.DataFrame:
    """A ticked option means the question was answered: its other options are 0, not empty."""
    for question in codebook.questions:
        if question.is_multiple_choice:
            columns = list(question.columns)
            answered = frame[columns].notna().any(axis=1)
            frame.loc[answered, columns] = frame.loc[answered, columns].fillna(0)
    return frame


def hand_made_export() -> pd.DataFrame:
    """The typed export of ROWS, as :func:`dsr_analysis.export.load_export` returns it."""
    codebook = default_codebook()
    frame = pd.DataFrame(ROWS).reindex(columns=list(codebook.export_columns))
    frame = _fill_multiple_choice(frame, codebook)
    typed = {column: "Int64" for column in codebook.answer_columns}
    typed.update(child_id=str, municipality=str, wave="int64", age_years="float64")
    frame = frame.astype(typed)
    frame["registration_date"] = pd.to_datetime(frame["registration_date"])
    frame["synthetic"] = False
    return frame
