"""The analyses of the NIRAS monitoring (ch. 6.3.1 and 7), one function per kind.

Each function takes a tidy table from :mod:`dsr_analysis.tidy`, a question, and ``by``: the
columns to group by (e.g. ``["municipality"]`` or ``["municipality", "period"]``). It returns a
new tidy frame with the ``by`` columns, ``code`` where the result has rows per option, and ``n``
(the denominator; see ``docs/method.md`` for its unit), ``count`` and ``value``. Every option
of the question gets a row in every group that has an ``n``, so a zero is a published zero,
not a missing row.

To get "Alle" or a "Total" column, stack the input with that column overwritten (see
:func:`with_total`) rather than computing pooled figures by hand: then the pooled figures are
computed by exactly the same code as the municipal ones. These functions are the definitions
(the teaching notebooks and the tests read them); the published tables compute the same
numbers without stacking, from group counts (:mod:`dsr_analysis.group_shares`,
:mod:`dsr_analysis.group_means`), which a national export of 300,000 children needs.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from dsr_analysis.codebook import Question

DEVELOPMENT_CODES = (
    "large_negative",
    "small_negative",
    "status_quo",
    "small_positive",
    "large_positive",
)


def with_total(frame: pd.DataFrame, column: str, total) -> pd.DataFrame:
    """Return ``frame`` stacked on a copy of itself whose ``column`` is ``total``.

    Grouping the result by ``column`` gives each group and the total in one pass.

    >>> with_total(pd.DataFrame({"m": ["A", "B"], "x": [1, 2]}), "m", "Alle")
          m  x
    0     A  1
    1     B  2
    2  Alle  1
    3  Alle  2
    """
    stacked = pd.concat([frame, frame.assign(**{column: total})], ignore_index=True)
    if isinstance(frame[column].dtype, pd.CategoricalDtype):
        return stacked
    return stacked.astype({column: object})


def _require(frame: pd.DataFrame, columns: Sequence[str]) -> None:
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise KeyError(f"the frame lacks the column(s) {', '.join(missing)}")


def _group_sizes(frame: pd.DataFrame, by: list[str], unit: str) -> pd.DataFrame:
    """Number of distinct ``unit`` values per group, as a frame with column ``n``."""
    if not by:
        return pd.DataFrame({"n": [frame[unit].nunique()]})
    return frame.groupby(by, observed=True)[unit].nunique().rename("n").reset_index()


def _grid_shares(
    counts: pd.DataFrame, sizes: pd.DataFrame, by: list[str], codes: Sequence
) -> pd.DataFrame:
    """Every group x code with its count (0 when absent) and share of the group's n."""
    grid = sizes.merge(pd.DataFrame({"code": list(codes)}), how="cross")
    result = grid.merge(counts, on=[*by, "code"], how="left")
    result["count"] = result["count"].fillna(0).astype("int64")
    result["n"] = result["n"].astype("int64")
    result["value"] = result["count"] / result["n"]
    return result[[*by, "code", "n", "count", "value"]]


def _mean_sd(grouped: pd.api.typing.SeriesGroupBy) -> pd.DataFrame:
    """Each group's ``n`` (values counted), ``value`` (their mean) and ``sd``; keys as columns."""
    return pd.DataFrame(
        {"n": grouped.count(), "value": grouped.mean(), "sd": grouped.std()}
    ).reset_index()


def _count_children(frame: pd.DataFrame, by: list[str]) -> pd.DataFrame:
    return (
        frame.groupby([*by, "code"], observed=True)["child_id"]
        .nunique()
        .rename("count")
        .reset_index()
    )


def _question_answers(answers: pd.DataFrame, question: Question) -> pd.DataFrame:
    _require(answers, ["child_id", "wave", "question", "code", "chosen"])
    return answers.loc[answers["question"] == question.id]


def children_count(children: pd.DataFrame, by: Sequence[str] = ("municipality",)) -> pd.DataFrame:
    """Number of children with a start registration (NIRAS Figure 6-1)."""
    by = list(by)
    _require(children, ["child_id", *by])
    sizes = _group_sizes(children, by, "child_id")
    return sizes.assign(count=sizes["n"], value=sizes["n"].astype(float))


def age_group_shares(
    children: pd.DataFrame, codes: Sequence[int], by: Sequence[str] = ("municipality",)
) -> pd.DataFrame:
    """Share of children in each whole-year age group at the start (Table 7-1).

    ``n`` counts the children whose start registration gives an age.
    """
    by = list(by)
    _require(children, ["child_id", "age_group", *by])
    known = children.loc[children["age_group"].notna()].assign(code=lambda f: f["age_group"])
    return _grid_shares(_count_children(known, by), _group_sizes(known, by, "child_id"), by, codes)


def mean_age(children: pd.DataFrame, by: Sequence[str] = ("municipality",)) -> pd.DataFrame:
    """Mean age in years at the start registration, children with a known age (Table 7-14).

    ``sd`` is the standard deviation of the ages (for intervals; never published).
    """
    by = list(by)
    _require(children, ["child_id", "age_years", *by])
    known = children.loc[children["age_years"].notna()]
    if not by:
        known = known.assign(_all=0)
    grouped = known.groupby(by or ["_all"], observed=True)["age_years"]
    result = _mean_sd(grouped)
    result = result.drop(columns="_all", errors="ignore")
    return result.assign(n=result["n"].astype("int64"))[[*by, "n", "value", "sd"]]


def start_shares(
    answers: pd.DataFrame, question: Question, by: Sequence[str] = ("municipality",)
) -> pd.DataFrame:
    """Share of children choosing each option at the start registration (Tables 7-1 to 7-7).

    ``n`` counts the children who answered the question at the start; "ved ikke" is an
    option like any other, as in the report's frequency tables.
    """
    _require(answers, ["wave"])
    # "At the start" is "at least once" within the start registration alone.
    return ever_shares(answers.loc[answers["wave"] == 1], question, by)


def ever_shares(
    answers: pd.DataFrame, question: Question, by: Sequence[str] = ("municipality",)
) -> pd.DataFrame:
    """Share of children for whom an option was chosen at least once in the course (7-8, 7-11).

    ``n`` counts the children who answered the question at least once.
    """
    by = list(by)
    answered = _question_answers(answers, question)
    chosen = answered.loc[answered["chosen"]]
    sizes = _group_sizes(answered, by, "child_id")
    return _grid_shares(_count_children(chosen, by), sizes, by, question.codes)


def first_answer_shares(
    answers: pd.DataFrame, question: Question, by: Sequence[str] = ("municipality",)
) -> pd.DataFrame:
    """Distribution of each child's first answer to a single-choice question (Table 7-9)."""
    by = list(by)
    chosen = _question_answers(answers, question).loc[lambda f: f["chosen"]]
    first = chosen.sort_values(["child_id", "wave"]).drop_duplicates([*by, "child_id"])
    sizes = _group_sizes(first, by, "child_id")
    return _grid_shares(_count_children(first, by), sizes, by, question.codes)


def ever_yes_shares(
    answers: pd.DataFrame,
    question: Question,
    by: Sequence[str] = ("municipality",),
    yes_code: int = 1,
    no_code: int = 2,
) -> pd.DataFrame:
    """Children ever answered "Ja", against the others with a yes/no answer (Table 7-10)."""
    by = list(by)
    answered = _question_answers(answers, question).loc[
        lambda f: f["chosen"] & f["code"].isin([yes_code, no_code])
    ]
    ever_yes = answered.groupby("child_id")["code"].transform(lambda c: (c == yes_code).any())
    per_child = answered.assign(code=np.where(ever_yes, yes_code, no_code))
    per_child = per_child.drop_duplicates([*by, "child_id"])
    sizes = _group_sizes(per_child, by, "child_id")
    return _grid_shares(_count_children(per_child, by), sizes, by, [yes_code, no_code])


def quarter_shares(
    answers: pd.DataFrame,
    question: Question,
    by: Sequence[str] = ("municipality",),
    exclude_codes: Sequence[int] = (),
) -> pd.DataFrame:
    """Share of all answered registrations (quarters) choosing each option (7-12, 7-13).

    ``n`` is the number of children behind those registrations, as NIRAS prints it; the share's
    own denominator, the number of registrations, is in ``denominator``. Registrations whose
    answer is one of ``exclude_codes`` (e.g. "ved ikke") are left out first.
    """
    by = list(by)
    answered = _question_answers(answers, question)
    registration = answered["child_id"].astype(str) + "#" + answered["wave"].astype(str)
    excluded = registration.loc[answered["chosen"] & answered["code"].isin(exclude_codes)]
    answered = answered.assign(registration=registration).loc[~registration.isin(excluded)]
    codes = [code for code in question.codes if code not in exclude_codes]
    counts = (
        answered.loc[answered["chosen"]]
        .groupby([*by, "code"], observed=True)["registration"]
        .nunique()
        .rename("count")
        .reset_index()
    )
    registrations = _group_sizes(answered, by, "registration").rename(columns={"n": "denominator"})
    sizes = _group_sizes(answered, by, "child_id")
    grid = sizes.merge(pd.DataFrame({"code": codes}), how="cross")
    if by:
        grid = grid.merge(registrations, on=by)
    else:
        grid = grid.assign(denominator=int(registrations["denominator"].iloc[0]))
    result = grid.merge(counts, on=[*by, "code"], how="left")
    result["count"] = result["count"].fillna(0).astype("int64")
    result["value"] = result["count"] / result["denominator"]
    return result[[*by, "code", "n", "count", "value", "denominator"]]


def _scores_of(scores: pd.DataFrame, question: Question) -> pd.DataFrame:
    _require(scores, ["child_id", "wave", "question", "item", "score"])
    return scores.loc[(scores["question"] == question.id) & scores["score"].notna()]


def wave_means(
    scores: pd.DataFrame, question: Question, by: Sequence[str] = ("municipality",)
) -> pd.DataFrame:
    """Mean valid score per item and wave (Tables 7-20, 7-23, 7-26); "ved ikke" excluded."""
    by = list(by)
    valid = _scores_of(scores, question).astype({"score": "float64"})
    grouped = valid.groupby([*by, "item", "wave"], observed=True)["score"]
    result = _mean_sd(grouped)
    return result.astype({"n": "int64"})[[*by, "item", "wave", "n", "value", "sd"]]


def development_set(
    scores: pd.DataFrame, question: Question, by: Sequence[str] = ("municipality",)
) -> pd.DataFrame:
    """Children with a valid start score and a valid later score, per item.

    One row per ``by`` group x child x item with ``start``, ``latest`` (the valid score of the
    highest later wave) and ``change`` in favourable steps (positive = better, whatever the
    scale's direction).
    """
    keys = [*by, "child_id", "item"]
    valid = _scores_of(scores, question).astype({"score": "int64"})
    start = valid.loc[valid["wave"] == 1].set_index(keys)["score"]
    later = valid.loc[valid["wave"] > 1].sort_values("wave")
    latest = later.groupby(keys, observed=True)["score"].last()
    paired = pd.DataFrame({"start": start, "latest": latest}).dropna().reset_index()
    sign = -1 if question.better == "lower" else 1
    paired["start"] = paired["start"].astype("int64")
    paired["latest"] = paired["latest"].astype("int64")
    paired["change"] = sign * (paired["latest"] - paired["start"])
    return paired.sort_values(keys).reset_index(drop=True)


def start_latest_means(
    scores: pd.DataFrame, question: Question, by: Sequence[str] = ("municipality",)
) -> pd.DataFrame:
    """Mean score at start and at the latest valid follow-up, development set (7-21, 7-24)."""
    by = list(by)
    paired = development_set(scores, question, by)
    long = paired.melt(
        id_vars=[*by, "item", "child_id"], value_vars=["start", "latest"],
        var_name="code", value_name="score",
    )
    grouped = long.groupby([*by, "item", "code"], observed=True)["score"]
    result = _mean_sd(grouped)
    result["code"] = pd.Categorical(result["code"], ["start", "latest"])
    result = result.sort_values([*by, "item", "code"]).astype({"code": str, "n": "int64"})
    return result[[*by, "item", "code", "n", "value", "sd"]].reset_index(drop=True)


def start_latest_change(
    scores: pd.DataFrame, question: Question, by: Sequence[str] = ("municipality",)
) -> pd.DataFrame:
    """Mean change from start to latest valid score of the same children (latest - start).

    The change is in the scale's own direction (not in favourable steps), so it reads like
    the two means of :func:`start_latest_means` it is the difference of; ``sd`` is the spread
    of the children's changes, for the paired interval.

    >>> from dsr_analysis.codebook import default_codebook
    >>> q = default_codebook().question("parents")
    >>> scores = pd.DataFrame({"municipality": "A", "child_id": ["a", "a", "b", "b"],
    ...     "wave": [1, 2, 1, 3], "question": "parents", "item": q.items[0].column,
    ...     "score": [4, 6, 5, 5]})
    >>> start_latest_change(scores, q)[["n", "value", "sd"]].round(3).values.tolist()
    [[2.0, 1.0, 1.414]]
    """
    by = list(by)
    paired = development_set(scores, question, by)
    paired = paired.assign(raw=paired["latest"] - paired["start"])
    grouped = paired.groupby([*by, "item"], observed=True)["raw"]
    result = _mean_sd(grouped)
    return result.astype({"n": "int64"})[[*by, "item", "n", "value", "sd"]]


def development_category(change: pd.Series, small_max_steps: int) -> pd.Series:
    """Name the development behind each change in favourable steps.

    >>> development_category(pd.Series([-4, -1, 0, 3, 4]), small_max_steps=3).tolist()
    ['large_negative', 'small_negative', 'status_quo', 'small_positive', 'large_positive']
    """
    size = np.where(change.abs() > small_max_steps, "large", "small")
    direction = np.where(change > 0, "positive", "negative")
    named = pd.Series(size, index=change.index) + "_" + pd.Series(direction, index=change.index)
    return named.where(change != 0, "status_quo")


def development_shares(
    scores: pd.DataFrame,
    question: Question,
    small_max_steps: int,
    by: Sequence[str] = ("municipality",),
) -> pd.DataFrame:
    """Share of children per development category, start vs latest (7-22, 7-25, 7-28)."""
    by = list(by)
    paired = development_set(scores, question, by)
    paired = paired.assign(code=development_category(paired["change"], small_max_steps))
    groups = [*by, "item"]
    counts = _count_children(paired, groups)
    sizes = _group_sizes(paired, groups, "child_id")
    return _grid_shares(counts, sizes, groups, DEVELOPMENT_CODES)
