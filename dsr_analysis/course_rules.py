"""The rules on a child's course of registrations: one per wave, from wave 1, in time, in place.

Each rule reads the registrations sorted by child, wave and row (:func:`registrations`): child
ids and municipalities as integer ranks, waves, rows and dates as numbers, so a million rows
cost a few integer arrays. Each returns a :class:`~dsr_analysis.problem_list.RowProblems`
batch at the rows concerned; a child id is never part of a message.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from dsr_analysis.cell_values import categorical, mask_array, ranks, shown_cell
from dsr_analysis.problem_list import Problems, RowProblems

ID_COLUMN, MUNICIPALITY_COLUMN, WAVE_COLUMN, DATE_COLUMN = (
    "child_id",
    "municipality",
    "wave",
    "registration_date",
)


def registrations(cells: pd.DataFrame, waves: pd.Series, dates: pd.Series | None) -> pd.DataFrame:
    """The rows the course rules can place (a child id and a valid wave), sorted by child and wave.

    ``waves`` are the rows' valid waves (<NA> where invalid), ``dates`` their dates (NaT where
    unreadable; None without a date column). Columns ``child`` (the id's rank among the ids),
    ``wave``, ``row``, ``date`` and ``municipality`` (its rank; -1 when empty or absent).
    """
    child = categorical(cells[ID_COLUMN])
    if MUNICIPALITY_COLUMN in cells:
        place = categorical(cells[MUNICIPALITY_COLUMN])
        municipality = np.where(place.eq("").to_numpy(), -1, ranks(place))
    else:
        municipality = np.full(len(cells), -1)
    frame = pd.DataFrame(
        {
            "child": ranks(child),
            "wave": waves.to_numpy(dtype="float64", na_value=np.nan),
            "row": cells.index.to_numpy(),
            "date": pd.NaT if dates is None else dates.to_numpy(),
            "municipality": municipality,
        }
    )
    placed = child.ne("").to_numpy() & waves.notna().to_numpy()
    frame = frame[placed].astype({"wave": "int64", "date": "datetime64[ns]"})
    return frame.sort_values(["child", "wave", "row"], kind="stable")


def duplicate_problems(course: pd.DataFrame, file: str) -> RowProblems:
    """Every registration repeating a child x wave already seen in an earlier row."""
    twice = course.duplicated(["child", "wave"]).to_numpy()
    first_row = course.groupby(["child", "wave"])["row"].transform("first").to_numpy()
    return RowProblems(
        file,
        course["row"].to_numpy()[twice],
        (WAVE_COLUMN,),
        lambda wave, other: (
            f"one registration per child and wave; this child has wave {wave} in row {other} too"
        ),
        payload={"wave": course["wave"].to_numpy()[twice], "other": first_row[twice]},
    )


def courses(course: pd.DataFrame) -> pd.DataFrame:
    """Each registration beside the child's previous one and its first one (duplicates dropped).

    Adds ``previous_wave``, ``previous_row``, ``previous_date`` (missing at the first) and
    ``first_row``, ``first_municipality``.
    """
    course = course.drop_duplicates(["child", "wave"])
    by_child = course.groupby("child", sort=False)
    previous = by_child[["wave", "row", "date"]].shift().add_prefix("previous_")
    first = by_child[["row", "municipality"]].transform("first").add_prefix("first_")
    return pd.concat([course, previous, first], axis=1)


def _at(course: pd.DataFrame, mask: pd.Series, *columns: str) -> dict[str, np.ndarray]:
    keep = mask_array(mask)
    return {column: course[column].to_numpy()[keep] for column in columns}


def missing_start_problems(course: pd.DataFrame, file: str) -> RowProblems:
    """A child's first registration when it is not wave 1 (one problem per child)."""
    found = _at(course, course["previous_row"].isna() & course["wave"].gt(1), "row", "wave")
    return RowProblems(
        file,
        found.pop("row"),
        (WAVE_COLUMN,),
        lambda wave: (
            f"the child's start registration (wave 1); its first registration is wave {wave}"
        ),
        payload=found,
    )


def wave_gap_problems(course: pd.DataFrame, file: str) -> RowProblems:
    """Registrations whose wave skips one or more waves after the child's previous one."""
    gap = course["wave"].gt(course["previous_wave"] + 1)
    found = _at(course, gap, "row", "wave", "previous_wave", "previous_row")
    return RowProblems(
        file,
        found.pop("row"),
        (WAVE_COLUMN,),
        lambda wave, previous_wave, previous_row: (
            f"the child's waves numbered without gaps; wave {int(previous_wave) + 1} is missing "
            f"between wave {int(previous_wave)} (row {int(previous_row)}) and this wave {wave}"
        ),
        payload=found,
    )


def backward_date_problems(course: pd.DataFrame, cells: pd.DataFrame, file: str) -> RowProblems:
    """Registrations dated on or before the child's previous wave."""
    backwards = course["date"].le(course["previous_date"])
    found = _at(course, backwards, "row", "previous_wave", "previous_row")
    return RowProblems(
        file,
        found.pop("row"),
        (DATE_COLUMN,),
        lambda previous_wave, previous_row: (
            f"a date after the child's previous registration (wave {int(previous_wave)}, row "
            f"{int(previous_row)}): dates must increase with the wave"
        ),
        payload=found,
        value=shown_cell(cells),
    )


def municipality_change_problems(
    course: pd.DataFrame, cells: pd.DataFrame, file: str
) -> RowProblems:
    """Registrations in another municipality than the child's first registration."""
    moved = (
        course["municipality"].ne(course["first_municipality"])
        & course["municipality"].ne(-1)
        & course["first_municipality"].ne(-1)
    )
    found = _at(course, moved, "row", "first_row")
    return RowProblems(
        file,
        found.pop("row"),
        (MUNICIPALITY_COLUMN,),
        lambda first_row: (
            f"the same municipality as at the child's first registration (row {int(first_row)}); "
            "a child's registrations stay in one municipality"
        ),
        payload=found,
        value=shown_cell(cells),
    )


def course_problems(
    cells: pd.DataFrame, file: str, waves: pd.Series, dates: pd.Series | None
) -> Problems:
    """Problems with a child's course of registrations, each at the row concerned.

    Duplicate child x wave; no start registration; gaps between waves; dates that do not
    increase with the wave; a change of municipality. Rows with an empty child id or an invalid
    wave are left to the other rules. ``waves`` and ``dates`` as for :func:`registrations`.
    """
    course = registrations(cells, waves, dates)
    problems = Problems([duplicate_problems(course, file)])
    course = courses(course)
    # A child with an unreadable wave has its course judged once that wave is fixed.
    unplaced = ranks(cells[ID_COLUMN])[waves.isna().to_numpy()]
    placed = course[~course["child"].isin(unplaced)]
    problems += missing_start_problems(placed, file)
    problems += wave_gap_problems(placed, file)
    if dates is not None:
        problems += backward_date_problems(course, cells, file)
    if MUNICIPALITY_COLUMN in cells:
        problems += municipality_change_problems(course, cells, file)
    return problems
