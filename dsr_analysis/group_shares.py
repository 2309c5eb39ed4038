"""The share measures of the published tables, counted once per group and pooled by sums.

Each function computes what its namesake in :mod:`dsr_analysis.measures` computes on the tidy
tables stacked with their pooled copies (``measures.with_total`` by municipality, and by period
for a by-period table), but from the wide export and a :class:`~dsr_analysis.panel.Panel`:
per child whether it answered and what it chose, counted by municipality x start period, and
the pooled groups as sums of those counts (:func:`~dsr_analysis.panel.pooled_groups`). Counts
are whole numbers, so the sums are exact and every share is the same division of the same two
integers. tests/test_group_measures.py holds the two computations side by side.

Every function returns the frame the measure returns: the group columns (``municipality``,
and ``period`` with a period id or "Total" for a by-period table), ``code``, ``n``, ``count``
and ``value`` (and ``denominator`` for shares of registrations), a row per group with an
``n`` and option, options in the codebook's order.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from dsr_analysis.codebook import Question
from dsr_analysis.panel import Panel, pooled_groups


def answered_rows(panel: Panel, question: Question) -> np.ndarray:
    """Rows that answered ``question`` (a multiple-choice one: any of its option columns)."""
    answered = np.zeros(len(panel.wave), dtype=bool)
    for column in question.columns:
        answered |= panel.codes(column) >= 0
    return answered


def chosen_rows(panel: Panel, question: Question, code: int) -> np.ndarray:
    """Rows that chose option ``code`` (a multiple-choice one: its column holds 1)."""
    if question.is_multiple_choice:
        return panel.codes(f"{question.id}_{code}") == 1
    return panel.codes(question.columns[0]) == code


def share_frame(
    panel: Panel,
    n: np.ndarray,
    counts: Sequence[np.ndarray],
    codes: Sequence,
    by_period: bool,
    denominator: np.ndarray | None = None,
) -> pd.DataFrame:
    """The rows of a share measure from counts by municipality x start period.

    ``n`` and each of ``counts`` (one per code) are :meth:`Panel.group_counts`; the shares are
    of ``n``, or of ``denominator`` when given (and then published beside them).
    """
    keys, sizes = pooled_groups(n, panel.municipalities, panel.periods, by_period)
    stacked = np.stack(list(counts), axis=-1) if len(counts) else np.zeros((*n.shape, 0), int)
    _, counted = pooled_groups(stacked, panel.municipalities, panel.periods, by_period)
    kept = np.flatnonzero(sizes > 0)
    width = len(codes)
    frame = keys.iloc[np.repeat(kept, width)].reset_index(drop=True)
    frame["code"] = np.tile(np.array(list(codes)), len(kept))
    frame["n"] = np.repeat(sizes[kept], width).astype(np.int64)
    frame["count"] = counted[kept].reshape(-1).astype(np.int64)
    if denominator is None:
        frame["value"] = frame["count"].to_numpy() / frame["n"].to_numpy()
        return frame
    _, per_group = pooled_groups(denominator, panel.municipalities, panel.periods, by_period)
    frame["value"] = frame["count"].to_numpy() / np.repeat(per_group[kept], width)
    frame["denominator"] = np.repeat(per_group[kept], width).astype(np.int64)
    return frame


def children_count(panel: Panel) -> pd.DataFrame:
    """Children with a start registration per municipality and "Alle" (Figure 6-1)."""
    keys, n = pooled_groups(
        panel.group_counts(panel.start_row >= 0), panel.municipalities, panel.periods, False
    )
    return keys.assign(n=n.astype(np.int64), count=n.astype(np.int64), value=n.astype(float))


def start_ages(panel: Panel, question: Question) -> np.ndarray:
    """Each child's age at its start registration (NaN without one, or without an age)."""
    ages = panel.export[question.columns[0]].to_numpy(dtype=np.float64, na_value=np.nan)
    started = panel.start_row >= 0
    found = np.full(panel.children, np.nan)
    found[started] = ages[panel.start_row[started]]
    return found


def age_group_shares(
    panel: Panel, question: Question, by_period: bool
) -> pd.DataFrame:
    """Share of children per whole-year age group at the start (Table 7-1)."""
    ages = start_ages(panel, question)
    known = ~np.isnan(ages)
    groups = np.floor(ages)
    counts = [panel.group_counts(known & (groups == code)) for code in question.codes]
    return share_frame(panel, panel.group_counts(known), counts, question.codes, by_period)


def ever_shares(
    panel: Panel,
    question: Question,
    by_period: bool,
    rows: np.ndarray | None = None,
) -> pd.DataFrame:
    """Share of children choosing each option at least once among ``rows`` (all by default)."""
    within = np.ones(len(panel.wave), dtype=bool) if rows is None else rows
    answered = panel.child_any(answered_rows(panel, question) & within)
    counts = [
        panel.group_counts(panel.child_any(chosen_rows(panel, question, code) & within))
        for code in question.codes
    ]
    return share_frame(panel, panel.group_counts(answered), counts, question.codes, by_period)


def start_shares(
    panel: Panel, question: Question, by_period: bool
) -> pd.DataFrame:
    """Share of children choosing each option at the start registration (7-1 to 7-7)."""
    return ever_shares(panel, question, by_period, panel.wave == 1)


def first_answer_shares(
    panel: Panel, question: Question, by_period: bool
) -> pd.DataFrame:
    """Distribution of each child's first answer to a single-choice question (Table 7-9)."""
    if question.is_multiple_choice:
        raise ValueError(f"question {question.id!r}: a first answer needs a single choice")
    codes = panel.codes(question.columns[0])
    ordered = panel.by_child[codes[panel.by_child] >= 0]
    children = panel.child[ordered]
    first = np.ones(len(ordered), dtype=bool)
    first[1:] = children[1:] != children[:-1]
    first_code = np.full(panel.children, -1, dtype=np.int64)
    first_code[children[first]] = codes[ordered[first]]
    counts = [panel.group_counts(first_code == code) for code in question.codes]
    answered = panel.group_counts(first_code >= 0)
    return share_frame(panel, answered, counts, question.codes, by_period)


def ever_yes_shares(
    panel: Panel,
    question: Question,
    by_period: bool,
    yes_code: int = 1,
    no_code: int = 2,
) -> pd.DataFrame:
    """Children ever answered "Ja", against the others with a yes/no answer (Table 7-10)."""
    yes = chosen_rows(panel, question, yes_code)
    answered = panel.child_any(yes | chosen_rows(panel, question, no_code))
    ever_yes = panel.child_any(yes)
    counts = [panel.group_counts(ever_yes), panel.group_counts(answered & ~ever_yes)]
    return share_frame(panel, panel.group_counts(answered), counts, [yes_code, no_code],
                       by_period)


def quarter_shares(
    panel: Panel,
    question: Question,
    by_period: bool,
    exclude_codes: Sequence[int] = (),
) -> pd.DataFrame:
    """Share of answered registrations choosing each option (7-12, 7-13); n counts children.

    A registration that chose one of ``exclude_codes`` is left out first.
    """
    kept = answered_rows(panel, question)
    for code in exclude_codes:
        kept &= ~chosen_rows(panel, question, code)
    codes = [code for code in question.codes if code not in exclude_codes]
    counts = [panel.row_group_counts(kept & chosen_rows(panel, question, c)) for c in codes]
    n = panel.group_counts(panel.child_any(kept))
    return share_frame(panel, n, counts, codes, by_period, panel.row_group_counts(kept))
