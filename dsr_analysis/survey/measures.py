"""The survey's numbers before disclosure control: counts, shares, means and their contrasts.

Each function takes the typed survey (:func:`dsr_analysis.survey.reader.read_survey`) with the
pooled copy already stacked (:func:`with_pooled`) and returns one dict per cell with the
Danish key words (``label``, ``column``) and the English ones (``label_en``, ``column_en``),
the numbers, and what a contrast needs later (``sd``, ``deff``). Shares are taken among the
*valid* answers: "Ved ikke" and blanks are left out of n. Staff are the roles the codebook marks
``staff`` (pedagogues, teachers, managers); the social-professional workers answer the same
items, and only VIVE-1 and VIVE-17 show them.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from dsr_analysis.cells import DIFFERENCE, POOLED_NAME
from dsr_analysis.survey import clustering
from dsr_analysis.survey.codebook import (
    INSTITUTION_COLUMN,
    MUNICIPALITY_COLUMN,
    ROLE_COLUMN,
    ROUND_COLUMN,
    TYPE_COLUMN,
    Item,
    SurveyCodebook,
)

#: The cluster a respondent belongs to: one institution in one round.
_CLUSTER = [MUNICIPALITY_COLUMN, INSTITUTION_COLUMN, ROUND_COLUMN]


def with_pooled(survey: pd.DataFrame) -> pd.DataFrame:
    """The survey with a copy of every row under the pooled unit ("Alle"), placed first.

    Institution ids keep their municipality beside them (``unit``) so the pooled copy still
    knows its clusters.
    """
    own = survey.assign(unit=survey[MUNICIPALITY_COLUMN])
    return pd.concat([own.assign(unit=POOLED_NAME), own], ignore_index=True)


def units(data: pd.DataFrame) -> list[str]:
    """The pooled unit first, then the municipalities in alphabetical order."""
    return [POOLED_NAME, *sorted(set(data["unit"]) - {POOLED_NAME})]


def valid(data: pd.DataFrame, item: Item) -> pd.DataFrame:
    """The rows with a valid answer to ``item`` (an option code: no "Ved ikke", no blank)."""
    return data[data[item.id].isin(list(item.scale.codes)).fillna(False).to_numpy(dtype=bool)]


def _joined(frame: pd.DataFrame, columns: list[str]) -> pd.Series:
    """One text per row naming its group (works on an empty frame too)."""
    joined = pd.Series("", index=frame.index, dtype=object)
    for column in columns:
        joined = joined + "|" + frame[column].astype(str)
    return joined


def item_iccs(survey: pd.DataFrame, codebook: SurveyCodebook) -> dict[tuple[str, str], float]:
    """ICC per (item, "share" | "mean") from the staff's valid answers (see clustering)."""
    staff = survey[survey[ROLE_COLUMN].isin(codebook.staff_roles).to_numpy(dtype=bool)]
    found = {}
    for item in codebook.items:
        answers = valid(staff, item)
        strata = _joined(answers, [MUNICIPALITY_COLUMN, ROUND_COLUMN])
        clusters = _joined(answers, _CLUSTER)
        key = answers[item.id].isin(list(item.scale.key_codes)).astype(float)
        found[item.id, "share"] = clustering.icc_anova(key, clusters, strata)
        if item.scale.mean:
            found[item.id, "mean"] = clustering.icc_anova(answers[item.id], clusters, strata)
    return found


def _deff(answers: pd.DataFrame, icc: float) -> float:
    return clustering.design_effect(answers.groupby(_CLUSTER).size().to_numpy(), icc)


def _cell(unit, column, label, code, n, count, value, kind, **extra) -> dict:
    return {"municipality": unit, "column": column[0], "column_en": column[1],
            "label": label[0], "label_en": label[1], "code": str(code), "n": n,
            "count": count, "value": value, "kind": kind, **extra}


def response_counts(data: pd.DataFrame, codebook: SurveyCodebook) -> list[dict]:
    """VIVE-1: respondents per unit, round and role (zeros included)."""
    counts = data.groupby(["unit", ROUND_COLUMN, ROLE_COLUMN]).size()
    cells = []
    for unit in units(data):
        for survey_round in codebook.rounds:
            for role in codebook.roles:
                count = int(counts.get((unit, survey_round.id, role.code), 0))
                cells.append(_cell(unit, (survey_round.label_da, survey_round.label_en),
                                   (role.label_da, role.label_en), role.code, count, count,
                                   float(count), "count"))
    return cells


def _share_rows(unit, column, item: Item, answers: pd.DataFrame, icc: float) -> list[dict]:
    """The option rows and the key row of one group of valid answers."""
    n, deff = len(answers), _deff(answers, icc)
    codes = answers[item.id].value_counts()
    scale = item.scale
    rows = [(o.label_da, o.label_en, o.code, int(codes.get(o.code, 0))) for o in scale.options]
    if not scale.key_is_option:
        count = int(sum(codes.get(code, 0) for code in scale.key_codes))
        rows.append((scale.key.label_da, scale.key.label_en, "key", count))
    cells = []
    for label_da, label_en, code, count in rows:
        low, high = clustering.share_interval(count, n, deff) if n else (math.nan, math.nan)
        cells.append(_cell(unit, column, (label_da, label_en), code, n, count,
                           count / n if n else math.nan, "share", ci_low=low, ci_high=high,
                           deff=deff))
    return cells


def item_shares(data: pd.DataFrame, item: Item, codebook: SurveyCodebook, icc: float,
                change: tuple[str, str]) -> list[dict]:
    """VIVE-2 ... VIVE-15: option shares by unit and round, and the key row's change."""
    staff = valid(data[data[ROLE_COLUMN].isin(codebook.staff_roles).to_numpy(dtype=bool)], item)
    groups = dict(tuple(staff.groupby(["unit", ROUND_COLUMN])))
    first, last = codebook.rounds[0], codebook.rounds[-1]
    key_label = item.scale.key.label_da
    cells = []
    for unit in units(data):
        keys = {}
        for survey_round in codebook.rounds:
            answers = groups.get((unit, survey_round.id), staff.iloc[:0])
            rows = _share_rows(unit, (survey_round.label_da, survey_round.label_en), item,
                               answers, icc)
            keys[survey_round.id] = next(r for r in rows if r["label"] == key_label)
            cells += rows
        d, low, high = clustering.share_difference(keys[first.id], keys[last.id])
        key = keys[last.id]
        cells.append(_cell(unit, change, (key["label"], key["label_en"]), key["code"],
                           math.nan, math.nan, d, DIFFERENCE, ci_low=low, ci_high=high))
    return cells


def key_shares_by_type(data: pd.DataFrame, codebook: SurveyCodebook,
                       iccs: dict) -> list[dict]:
    """VIVE-16: the key row's share among staff by institution type, last round."""
    last = codebook.rounds[-1].id
    staff = data[data[ROLE_COLUMN].isin(codebook.staff_roles).to_numpy(dtype=bool)
                 & data[ROUND_COLUMN].eq(last).to_numpy(dtype=bool)]
    cells = []
    for unit in units(data):
        for kind in codebook.institution_types:
            group = staff[(staff["unit"] == unit).to_numpy() & staff[TYPE_COLUMN].eq(kind.code)
                          .to_numpy(dtype=bool)]
            for item in codebook.agreement_items:
                answers = valid(group, item)
                n = len(answers)
                count = int(answers[item.id].isin(list(item.scale.key_codes)).sum())
                deff = _deff(answers, iccs[item.id, "share"])
                low, high = clustering.share_interval(count, n, deff) if n else (np.nan, np.nan)
                cells.append(_cell(unit, (kind.label_da, kind.label_en),
                                   (item.short_da, item.short_en), item.id, n, count,
                                   count / n if n else math.nan, "share", ci_low=low,
                                   ci_high=high))
    return cells


def staff_and_worker_means(data: pd.DataFrame, codebook: SurveyCodebook, iccs: dict,
                           columns: dict[str, tuple[str, str]]) -> list[dict]:
    """VIVE-17: mean scores (1–5) of staff and of social workers in the last round, and the
    difference (social workers minus staff).

    ``columns`` gives the words of the columns ``staff``, ``social_workers`` and
    ``difference``.
    """
    last = data[data[ROUND_COLUMN].eq(codebook.rounds[-1].id).to_numpy(dtype=bool)]
    is_staff = last[ROLE_COLUMN].isin(codebook.staff_roles).to_numpy(dtype=bool)
    cells = []
    for unit in units(data):
        mine = (last["unit"] == unit).to_numpy()
        for item in codebook.agreement_items:
            sides = {}
            for side, rows in (("staff", is_staff), ("social_workers", ~is_staff)):
                scores = valid(last[mine & rows], item)
                n = len(scores)
                value = float(scores[item.id].mean()) if n else math.nan
                sd = float(scores[item.id].std(ddof=1)) if n > 1 else math.nan
                deff = _deff(scores, iccs[item.id, "mean"])
                low, high = clustering.mean_interval(value, sd, n, deff) if n else (np.nan,) * 2
                sides[side] = _cell(unit, columns[side], (item.short_da, item.short_en),
                                    item.id, n, math.nan, value, "mean", ci_low=low,
                                    ci_high=high, sd=sd, deff=deff)
            cells += sides.values()
            d, low, high = clustering.mean_difference(sides["staff"], sides["social_workers"])
            cells.append(_cell(unit, columns["difference"], (item.short_da, item.short_en),
                               item.id, math.nan, math.nan, d, DIFFERENCE, ci_low=low,
                               ci_high=high))
    return cells
