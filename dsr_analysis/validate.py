"""The rules a monitoring export must keep, each returning every problem it finds.

Rules read the export's *cells*: a frame of stripped strings ("" = empty) with the header's
column names and the spreadsheet row numbers as index (header = row 1, first data row = row 2),
as :func:`dsr_analysis.export.export_cells` makes it. A problem never shows a child id or a cell
that may hold a CPR number: the analyst is told where to look, not what is there.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Sequence
from itertools import islice, zip_longest

import numpy as np
import pandas as pd

from dsr_analysis.codebook import OPTIONAL_COLUMNS, Codebook, Question, default_codebook
from dsr_analysis.errors import InputValidationError, Problem
from dsr_analysis.municipalities import monitored_names, unmonitored_names

MAX_PROBLEMS = 50
"""How many problems an error lists; the total is always given."""

MAX_ECHO_LENGTH = 20
"""Longer cells are never shown in a message: they may be free text about a person."""

CPR = re.compile(r"(?<!\d)(?P<day>\d{2})(?P<month>\d{2})(?P<year>\d{2})[-\s]?\d{4}(?!\d)")
# Excel drops the leading zero of a CPR number typed into a number cell (0102031234 becomes
# 102031234), so a cell of exactly nine digits is read as if it had that zero.
CPR_ANYWHERE = r"(?<!\d)\d{6}[-\s]?\d{4}(?!\d)"
NINE_DIGITS = re.compile(r"\d{9}")
LONG_DIGIT_RUN = re.compile(r"\d{6}")
DAYS_IN_MONTH = (0, 31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)
INTEGER = r"\+?\d{1,9}"
DECIMAL = r"[+-]?\d+(?:[.,]\d+)?"
ISO_DATE = r"(?P<year>\d{4})-(?P<month>\d{1,2})-(?P<day>\d{1,2})"
DANISH_DATE = r"(?P<day>\d{1,2})(?P<sep>[-.])(?P<month>\d{1,2})(?P=sep)(?P<year>\d{4})"
TRUE_FALSE = {"1": True, "0": False, "true": True, "false": False}

ID_COLUMN, MUNICIPALITY_COLUMN, WAVE_COLUMN, DATE_COLUMN = (
    "child_id",
    "municipality",
    "wave",
    "registration_date",
)


# --- CPR numbers -------------------------------------------------------------------------------


def is_cpr_date(day: int, month: int, year: int) -> bool:
    """Whether DD, MM and YY form a calendar date in some century.

    29 February counts in every year divisible by four, as one of its centuries has it.

    >>> is_cpr_date(29, 2, 0), is_cpr_date(29, 2, 1), is_cpr_date(31, 4, 11)
    (True, False, False)
    """
    if not 1 <= month <= 12 or not 1 <= day <= DAYS_IN_MONTH[month]:
        return False
    return not (month == 2 and day == 29) or year % 4 == 0


def looks_like_cpr(text: str) -> bool:
    """Whether a string holds something that looks like a Danish CPR number.

    That is ten digits DDMMYYSSSS, or DDMMYY-SSSS, whose first six digits are a valid date.
    The modulus-11 check is deliberately not used: numbers issued since 2007 need not pass it.

    >>> looks_like_cpr("010203-4567"), looks_like_cpr("2011-02-15"), looks_like_cpr("3202111234")
    (True, False, False)
    """
    if NINE_DIGITS.fullmatch(text):
        text = "0" + text
    return any(
        is_cpr_date(int(match["day"]), int(match["month"]), int(match["year"]))
        for match in CPR.finditer(text)
    )


def cpr_like(values: pd.Series) -> pd.Series:
    """Whether each string looks like a CPR number (see :func:`looks_like_cpr`).

    A vectorised regex finds the few candidates; only they have their date checked.

    >>> cpr_like(pd.Series(["150211-1234", "1502111234", "3202111234", "2", "id 010203 4567"]))
    0     True
    1     True
    2    False
    3    False
    4     True
    dtype: bool
    """
    values = values.astype(str)
    candidates = values[values.str.len() >= 9]
    candidates = candidates[
        candidates.str.contains(CPR_ANYWHERE) | candidates.str.fullmatch(NINE_DIGITS.pattern)
    ]
    hits = [index for index, text in candidates.items() if looks_like_cpr(text)]
    return pd.Series(values.index.isin(hits), index=values.index)


def safe_value(text: str) -> str | None:
    """The cell as it may be shown in a message, or None when it must not be shown.

    Long cells, cells with six digits in a row and CPR-like cells are never shown.

    >>> safe_value("Aarhus"), safe_value("0102031234"), safe_value("ring 123456")
    ('Aarhus', None, None)
    """
    if len(text) > MAX_ECHO_LENGTH or LONG_DIGIT_RUN.search(text) or looks_like_cpr(text):
        return None
    return text


def cpr_problems(cells: pd.DataFrame, file: str) -> list[Problem]:
    """One problem per cell that looks like a CPR number, by row and column, never the value.

    >>> cells = pd.DataFrame({"child_id": ["17", "150211-1234"]}, index=[2, 3])
    >>> [str(p) for p in cpr_problems(cells, "x.csv")]  # doctest: +ELLIPSIS
    ["x.csv, row 3, column 'child_id': expected no CPR number..."]
    """
    stacked = cells.stack()
    hits = stacked.index[cpr_like(stacked).to_numpy()]
    return [
        Problem(
            file,
            int(row),
            column,
            "no CPR number in any cell; this cell looks like one (value not shown): remove it",
        )
        for row, column in hits
    ]


# --- parsing cells -------------------------------------------------------------------------------


def parsed_integers(values: pd.Series | pd.DataFrame) -> pd.Series | pd.DataFrame:
    """Whole numbers as ``Int64``; empty or non-integer cells become <NA>.

    A frame is parsed in one pass, not column by column.

    >>> parsed_integers(pd.Series(["3", "", "3.5", "99"])).tolist()
    [3, <NA>, <NA>, 99]
    >>> parsed_integers(pd.DataFrame({"a": ["1", "x"], "b": ["", "2"]})).dtypes.tolist()
    [Int64Dtype(), Int64Dtype()]
    """
    if isinstance(values, pd.DataFrame):
        flat = parsed_integers(pd.Series(values.to_numpy(dtype=object).ravel(), dtype=str))
        grid = flat.to_numpy(dtype="float64", na_value=np.nan).reshape(values.shape)
        return pd.DataFrame(grid, index=values.index, columns=values.columns).astype("Int64")
    whole = values.where(values.str.fullmatch(INTEGER))
    return pd.to_numeric(whole, errors="coerce").astype("Int64")


def parsed_decimals(values: pd.Series) -> pd.Series:
    """Decimal numbers as float64, with a decimal point or comma; others become NaN.

    >>> parsed_decimals(pd.Series(["3,5", "4", "", "tre"])).tolist()
    [3.5, 4.0, nan, nan]
    """
    numbers = values.where(values.str.fullmatch(DECIMAL)).str.replace(",", ".", regex=False)
    return pd.to_numeric(numbers, errors="coerce").astype("float64")


def parsed_dates(values: pd.Series) -> pd.Series:
    """Dates written 2011-02-15 (ISO), 15-02-2011 or 15.02.2011; others become NaT.

    >>> parsed_dates(pd.Series(["2011-02-15", "15.02.2011", "31-02-2011", ""])).tolist()
    [Timestamp('2011-02-15 00:00:00'), Timestamp('2011-02-15 00:00:00'), NaT, NaT]
    """
    iso = values.str.extract(f"^{ISO_DATE}$")
    danish = values.str.extract(f"^{DANISH_DATE}$")
    parts = iso[["year", "month", "day"]].fillna(danish[["year", "month", "day"]])
    parts = parts.apply(pd.to_numeric, errors="coerce")
    if parts.empty:
        return pd.Series(pd.NaT, index=values.index, dtype="datetime64[ns]")
    return pd.to_datetime(parts, errors="coerce").astype("datetime64[ns]")


def parsed_flags(values: pd.Series) -> pd.Series:
    """0/1 (or false/true) as booleans; anything else becomes <NA>.

    >>> parsed_flags(pd.Series(["1", "0", "TRUE", "ja"])).tolist()
    [True, False, True, <NA>]
    """
    return values.str.lower().map(TRUE_FALSE).astype("boolean")


# --- rules ---------------------------------------------------------------------------------------


def _problems(
    mask: pd.Series, values: pd.Series, file: str, column: str, expected: str, echo: bool = True
) -> list[Problem]:
    rows = mask[mask.fillna(False).astype(bool)].index
    return [
        Problem(file, int(row), column, expected, safe_value(values[row]) if echo else None)
        for row in rows
    ]


def _cell_problems(
    mask: pd.DataFrame, cells: pd.DataFrame, file: str, expected: str
) -> list[Problem]:
    stacked = mask.fillna(False).astype(bool).stack()
    return [
        Problem(file, int(row), column, expected, safe_value(cells.at[row, column]))
        for row, column in stacked.index[stacked.to_numpy()]
    ]


def column_problems(columns: Sequence[str], file: str, codebook: Codebook) -> list[Problem]:
    """Missing codebook columns, and unknown columns with the nearest codebook name.

    >>> cb = default_codebook()
    >>> columns = [c for c in cb.export_columns if c != "wave"] + ["registraton_date"]
    >>> [str(p) for p in column_problems(columns, "x.csv", cb)]  # doctest: +NORMALIZE_WHITESPACE
    ["x.csv, column 'wave': expected a column with this name in row 1; it is missing",
     "x.csv, column 'registraton_date': expected a column of the codebook
     (listed in data/README.md); did you mean 'registration_date'?"]
    """
    known = codebook.export_columns + OPTIONAL_COLUMNS
    problems = [
        Problem(file, None, name, "a column with this name in row 1; it is missing")
        for name in codebook.export_columns
        if name not in columns
    ]
    lower = {name.lower(): name for name in known}
    for name in columns:
        if name in known:
            continue
        if looks_like_cpr(name):
            problems.append(
                Problem(file, 1, None, "codebook column names; one looks like a CPR number")
            )
            continue
        nearest = difflib.get_close_matches(name.lower(), list(lower), n=1, cutoff=0.6)
        hint = f"; did you mean '{lower[nearest[0]]}'?" if nearest else ""
        problems.append(
            Problem(file, None, name, f"a column of the codebook (listed in data/README.md){hint}")
        )
    return problems


def child_id_problems(cells: pd.DataFrame, file: str) -> list[Problem]:
    """Rows without a child id (the value of a child id is never shown)."""
    values = cells[ID_COLUMN]
    expected = "the child's serial number from the monitoring system; the cell is empty"
    return _problems(values.eq(""), values, file, ID_COLUMN, expected, echo=False)


def municipality_problems(
    cells: pd.DataFrame, file: str, names: Sequence[str], unmonitored: Sequence[str] = ()
) -> list[Problem]:
    """Rows whose municipality is empty or not one of ``names``.

    >>> cells = pd.DataFrame({"municipality": ["Odense", "Mariagerfjord"]}, index=[2, 3])
    >>> print(municipality_problems(cells, "x.csv", ["Odense"], ["Mariagerfjord"])[0])
    x.csv, row 3, column 'municipality': found 'Mariagerfjord'; expected one of the monitored \
municipalities (Odense); Mariagerfjord did not monitor children in the project
    """
    values = cells[MUNICIPALITY_COLUMN]
    listed = f"one of the monitored municipalities ({', '.join(names)})"
    problems = _problems(values.eq(""), values, file, MUNICIPALITY_COLUMN, f"{listed}; empty")
    lower = {name.lower(): name for name in names}
    unknown = values.ne("") & ~values.isin(list(names))
    for value in values[unknown].unique():
        if value in unmonitored:
            hint = f"; {value} did not monitor children in the project"
        else:
            nearest = difflib.get_close_matches(value.lower(), list(lower), n=1, cutoff=0.6)
            hint = f"; did you mean '{lower[nearest[0]]}'?" if nearest else ""
        problems += _problems(values.eq(value), values, file, MUNICIPALITY_COLUMN, listed + hint)
    return problems


def valid_waves(cells: pd.DataFrame, codebook: Codebook) -> pd.Series:
    """Each row's wave as ``Int64``, <NA> where it is not a whole number from 1 to max_waves."""
    waves = parsed_integers(cells[WAVE_COLUMN])
    return waves.where(waves.between(1, codebook.max_waves))


def wave_problems(cells: pd.DataFrame, file: str, codebook: Codebook) -> list[Problem]:
    """Rows whose wave is empty or not a whole number from 1 to ``max_waves``."""
    values = cells[WAVE_COLUMN]
    expected = f"a whole number from 1 to {codebook.max_waves} (1 = the start registration)"
    bad = valid_waves(cells, codebook).isna()
    return _problems(values.eq(""), values, file, WAVE_COLUMN, f"{expected}; empty") + _problems(
        bad & values.ne(""), values, file, WAVE_COLUMN, expected
    )


def date_problems(cells: pd.DataFrame, file: str, codebook: Codebook) -> list[Problem]:
    """Rows whose registration date is empty, not a date, or outside the monitoring window."""
    values = cells[DATE_COLUMN]
    dates = parsed_dates(values)
    start, end = codebook.window_start.isoformat(), codebook.window_end.isoformat()
    outside = dates.notna() & ~dates.between(pd.Timestamp(start), pd.Timestamp(end))
    written = "a date written 2011-02-15, 15-02-2011 or 15.02.2011"
    return (
        _problems(values.eq(""), values, file, DATE_COLUMN, f"{written}; the cell is empty")
        + _problems(values.ne("") & dates.isna(), values, file, DATE_COLUMN, written)
        + _problems(
            outside, values, file, DATE_COLUMN, f"a date in the monitoring window {start} to {end}"
        )
    )


def age_problems(cells: pd.DataFrame, file: str, question: Question) -> list[Problem]:
    """Ages that are not a number, or not at least the minimum and under the maximum.

    The codebook's age groups end at "6 år", so an age must be under its maximum (7 years).
    """
    column = question.columns[0]
    values = cells[column]
    ages = parsed_decimals(values)
    low, high = question.age_range
    number = "the age in years as a number, e.g. 3.5 or 3,5"
    span = f"an age in years of at least {low:g} and under {high:g}"
    return _problems(values.ne("") & ages.isna(), values, file, column, number) + _problems(
        ages.notna() & ~((ages >= low) & (ages < high)), values, file, column, span
    )


def codes_text(question: Question, dont_know_code: int) -> str:
    """The valid codes of a single-choice or yes/no question, as a message shows them.

    >>> print(codes_text(default_codebook().question("info_exchange"), 99))
    one of the codes 1 (Ja), 2 (Nej), 99 (ved ikke)
    """
    if question.type == "yes_no" or len(question.options) <= 3:
        shown = [
            f"{o.code} ({o.label_da if o.code != dont_know_code else 'ved ikke'})"
            for o in question.options
        ]
    else:
        shown = [
            str(o.code) + (" (ved ikke)" if o.code == dont_know_code else "")
            for o in question.options
        ]
    return "one of the codes " + ", ".join(shown)


def choice_problems(
    cells: pd.DataFrame, integers: pd.DataFrame, file: str, question: Question, dont_know: int
) -> list[Problem]:
    """Cells of a single-choice or yes/no question that hold no option code of it.

    ``integers`` is :func:`parsed_integers` of the cells' answer columns.
    """
    column = question.columns[0]
    values = cells[column]
    bad = values.ne("") & ~integers[column].isin(question.codes).fillna(False)
    return _problems(bad, values, file, column, codes_text(question, dont_know))


def scale_problems(
    cells: pd.DataFrame, integers: pd.DataFrame, file: str, question: Question, dont_know: int
) -> list[Problem]:
    """Scale cells that are neither 1 to the scale's maximum nor the "ved ikke" code."""
    top = question.scale_maximum
    columns = [column for column in question.columns if column in cells]
    scores = integers[columns]
    valid = (scores.ge(1) & scores.le(top)) | scores.eq(dont_know)
    bad = cells[columns].ne("") & ~valid.fillna(False)
    expected = f"a whole number from 1 to {top}, or {dont_know} for 'ved ikke'"
    return _cell_problems(bad, cells, file, expected)


def multiple_choice_problems(cells: pd.DataFrame, file: str, question: Question) -> list[Problem]:
    """Option cells other than 0/1, and registrations answering only some option columns."""
    columns = [column for column in question.columns if column in cells]
    bad = ~cells[columns].isin(["", "0", "1"])
    problems = _cell_problems(bad, cells, file, "0 (not chosen) or 1 (chosen)")
    empty = cells[columns].eq("")
    partial = empty.any(axis=1) & ~empty.all(axis=1)
    for row in partial[partial].index:
        gaps = empty.loc[row]
        expected = (
            f"0 or 1 in all {len(question.columns)} option columns of question "
            f"'{question.id}' once one is filled (empty: {int(gaps.sum())}), or all of them "
            "empty if not answered"
        )
        problems.append(Problem(file, int(row), gaps.idxmax(), expected))
    return problems


def start_only_problems(
    cells: pd.DataFrame, file: str, question: Question, waves: pd.Series
) -> list[Problem]:
    """Answers at a follow-up (wave > 1) to a question asked only at the start registration."""
    columns = list(question.columns)
    filled = cells[columns].ne("")
    late = filled.any(axis=1) & waves.gt(1).fillna(False)
    return [
        Problem(
            file,
            int(row),
            filled.loc[row].idxmax(),
            f"an empty cell at a follow-up (wave {waves[row]}): question '{question.id}' is "
            "asked only at the start registration (wave 1)",
        )
        for row in late[late].index
    ]


def flag_problems(cells: pd.DataFrame, file: str) -> list[Problem]:
    """Cells of the optional ``synthetic`` column other than 0 or 1."""
    values = cells["synthetic"]
    bad = parsed_flags(values).isna()
    return _problems(bad, values, file, "synthetic", "0 (real data) or 1 (synthetic data)")


def registrations(cells: pd.DataFrame, codebook: Codebook) -> pd.DataFrame:
    """The rows the course rules can place (a child id and a valid wave), sorted by child and wave.

    Columns ``child``, ``wave``, ``row``, ``date`` (NaT when unreadable) and ``municipality``.
    """
    no_dates = pd.Series(pd.NaT, index=cells.index, dtype="datetime64[ns]")
    frame = pd.DataFrame(
        {
            "child": cells[ID_COLUMN],
            "wave": valid_waves(cells, codebook),
            "row": cells.index,
            "date": parsed_dates(cells[DATE_COLUMN]) if DATE_COLUMN in cells else no_dates,
            "municipality": cells[MUNICIPALITY_COLUMN] if MUNICIPALITY_COLUMN in cells else "",
        },
        index=cells.index,
    )
    frame = frame[frame["child"].ne("") & frame["wave"].notna()]
    return frame.astype({"wave": "int64"}).sort_values(["child", "wave", "row"], kind="stable")


def duplicate_problems(course: pd.DataFrame, file: str) -> list[Problem]:
    """Every registration repeating a child x wave already seen in an earlier row."""
    twice = course.duplicated(["child", "wave"])
    first_row = course.groupby(["child", "wave"])["row"].transform("first")
    return [
        Problem(
            file,
            int(row),
            WAVE_COLUMN,
            f"one registration per child and wave; this child has wave {wave} in row {other} too",
        )
        for row, wave, other in zip(
            course["row"][twice], course["wave"][twice], first_row[twice], strict=True
        )
    ]


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


def missing_start_problems(course: pd.DataFrame, file: str) -> list[Problem]:
    """A child's first registration when it is not wave 1 (one problem per child)."""
    late = course["previous_row"].isna() & course["wave"].gt(1)
    return [
        Problem(
            file,
            int(row),
            WAVE_COLUMN,
            f"the child's start registration (wave 1); its first registration is wave {wave}",
        )
        for row, wave in zip(course["row"][late], course["wave"][late], strict=True)
    ]


def wave_gap_problems(course: pd.DataFrame, file: str) -> list[Problem]:
    """Registrations whose wave skips one or more waves after the child's previous one."""
    gap = course["wave"].gt(course["previous_wave"] + 1)
    return [
        Problem(
            file,
            int(row),
            WAVE_COLUMN,
            f"the child's waves numbered without gaps; wave {int(before) + 1} is missing between "
            f"wave {int(before)} (row {int(before_row)}) and this wave {wave}",
        )
        for row, wave, before, before_row in course.loc[
            gap, ["row", "wave", "previous_wave", "previous_row"]
        ].itertuples(index=False)
    ]


def backward_date_problems(course: pd.DataFrame, cells: pd.DataFrame, file: str) -> list[Problem]:
    """Registrations dated on or before the child's previous wave."""
    backwards = course["date"].le(course["previous_date"]).fillna(False)
    return [
        Problem(
            file,
            int(row),
            DATE_COLUMN,
            f"a date after the child's previous registration (wave {int(before)}, row "
            f"{int(before_row)}): dates must increase with the wave",
            safe_value(cells.at[row, DATE_COLUMN]),
        )
        for row, before, before_row in course.loc[
            backwards, ["row", "previous_wave", "previous_row"]
        ].itertuples(index=False)
    ]


def municipality_change_problems(
    course: pd.DataFrame, cells: pd.DataFrame, file: str
) -> list[Problem]:
    """Registrations in another municipality than the child's first registration."""
    moved = (
        course["municipality"].ne(course["first_municipality"])
        & course["municipality"].ne("")
        & course["first_municipality"].ne("")
    )
    return [
        Problem(
            file,
            int(row),
            MUNICIPALITY_COLUMN,
            f"the same municipality as at the child's first registration (row {int(first)}); "
            "a child's registrations stay in one municipality",
            safe_value(cells.at[row, MUNICIPALITY_COLUMN]),
        )
        for row, first in course.loc[moved, ["row", "first_row"]].itertuples(index=False)
    ]


def course_problems(cells: pd.DataFrame, file: str, codebook: Codebook) -> list[Problem]:
    """Problems with a child's course of registrations, each at the row concerned.

    Duplicate child x wave; no start registration; gaps between waves; dates that do not
    increase with the wave; a change of municipality. Rows with an empty child id or an invalid
    wave are left to the other rules.
    """
    course = registrations(cells, codebook)
    problems = duplicate_problems(course, file)
    course = courses(course)
    # A child with an unreadable wave has its course judged once that wave is fixed.
    unplaced = cells[ID_COLUMN][valid_waves(cells, codebook).isna()]
    placed = course[~course["child"].isin(unplaced)]
    problems += missing_start_problems(placed, file) + wave_gap_problems(placed, file)
    if DATE_COLUMN in cells:
        problems += backward_date_problems(course, cells, file)
    if MUNICIPALITY_COLUMN in cells:
        problems += municipality_change_problems(course, cells, file)
    return problems


# --- the whole export ----------------------------------------------------------------------------


def question_problems(
    cells: pd.DataFrame,
    integers: pd.DataFrame,
    file: str,
    question: Question,
    codebook: Codebook,
    waves: pd.Series | None = None,
) -> list[Problem]:
    """The answer rules of one question, on whichever of its columns the export has.

    ``integers`` is :func:`parsed_integers` of the answer columns; ``waves`` (from
    :func:`valid_waves`) lets the start-only rule see follow-ups.
    """
    present = [column for column in question.columns if column in cells]
    if not present:
        return []
    dont_know = codebook.dont_know_code
    if question.type == "age":
        problems = age_problems(cells, file, question)
    elif question.is_multiple_choice:
        problems = multiple_choice_problems(cells, file, question)
    elif question.is_scale:
        problems = scale_problems(cells, integers, file, question, dont_know)
    else:
        problems = choice_problems(cells, integers, file, question, dont_know)
    if question.asked == "start" and waves is not None:
        problems += start_only_problems(cells[present], file, question, waves)
    return problems


def export_problems(
    cells: pd.DataFrame,
    file: str,
    codebook: Codebook | None = None,
    municipalities: Sequence[str] | None = None,
) -> list[Problem]:
    """Every problem of an export's cells, in the order of the rules.

    ``municipalities`` are the names allowed in the municipality column (default: the
    monitored ones). A rule needing a missing column is skipped; the column is reported.

    Examples
    --------
    >>> cells = pd.DataFrame({"child_id": ["", "9"], "wave": ["1", "7"]}, index=[2, 3])
    >>> problems = export_problems(cells, "x.csv")
    >>> [str(p) for p in problems if p.row]  # doctest: +NORMALIZE_WHITESPACE
    ["x.csv, row 2, column 'child_id': expected the child's serial number from the monitoring
      system; the cell is empty",
     "x.csv, row 3, column 'wave': found '7'; expected a whole number from 1 to 6 (1 = the start
      registration)"]
    """
    codebook = codebook or default_codebook()
    names = tuple(municipalities) if municipalities is not None else monitored_names()
    problems = column_problems(list(cells.columns), file, codebook)
    if ID_COLUMN in cells:
        problems += child_id_problems(cells, file)
    if MUNICIPALITY_COLUMN in cells:
        elsewhere = [name for name in unmonitored_names() if name not in names]
        problems += municipality_problems(cells, file, names, elsewhere)
    if WAVE_COLUMN in cells:
        problems += wave_problems(cells, file, codebook)
    if DATE_COLUMN in cells:
        problems += date_problems(cells, file, codebook)
    waves = valid_waves(cells, codebook) if WAVE_COLUMN in cells else None
    integers = parsed_integers(cells[[c for c in codebook.answer_columns if c in cells]])
    for question in codebook.questions:
        problems += question_problems(cells, integers, file, question, codebook, waves)
    if "synthetic" in cells:
        problems += flag_problems(cells, file)
    if ID_COLUMN in cells and WAVE_COLUMN in cells:
        problems += course_problems(cells, file, codebook)
    cpr = cpr_problems(cells, file)
    # A CPR-like cell is reported as such, not again as a bad code or age.
    hidden = {(p.row, p.column) for p in cpr}
    return cpr + [p for p in problems if (p.row, p.column) not in hidden]


def shown_problems(problems: Sequence[Problem], limit: int = MAX_PROBLEMS) -> list[Problem]:
    """At most ``limit`` problems, taken in turn from each column, then in row order.

    Taking turns keeps one systematically wrong column from hiding every other problem.

    >>> many = [Problem("x.csv", row, "age_years", "a number") for row in range(2, 60)]
    >>> shown = shown_problems(many + [Problem("x.csv", 70, "wave", "1 to 6")], limit=3)
    >>> [(p.row, p.column) for p in shown]
    [(2, 'age_years'), (3, 'age_years'), (70, 'wave')]
    """
    by_column: dict[str | None, list[Problem]] = {}
    for problem in problems:
        by_column.setdefault(problem.column, []).append(problem)
    in_turn = (p for rank in zip_longest(*by_column.values()) for p in rank if p is not None)
    chosen = list(islice(in_turn, limit))
    order = {id(problem): index for index, problem in enumerate(problems)}
    return sorted(chosen, key=lambda p: (p.row or 0, order[id(p)]))


def raise_for_problems(problems: Sequence[Problem], limit: int = MAX_PROBLEMS) -> None:
    """Raise :class:`InputValidationError` listing ``problems`` (capped) when there are any.

    >>> raise_for_problems([])
    >>> raise_for_problems([Problem("x.csv", None, None, "a data row")])
    Traceback (most recent call last):
    ...
    dsr_analysis.errors.InputValidationError: 1 problem(s) in the input:
      - x.csv: expected a data row
    """
    if problems:
        raise InputValidationError(shown_problems(problems, limit), total=len(problems))


def typed_export(cells: pd.DataFrame, codebook: Codebook | None = None) -> pd.DataFrame:
    """The cells of a valid export as the typed frame the analysis reads.

    Columns are the codebook's export columns in order plus ``synthetic`` (bool, False when
    the export has no such column); rows sorted by municipality, child id and wave.

    Examples
    --------
    >>> cb = default_codebook()
    >>> row = {c: "" for c in cb.export_columns} | {"child_id": "7", "municipality": "Odense"}
    >>> row |= {"wave": "1", "registration_date": "15-02-2011", "age_years": "3,5"}
    >>> row |= {"initiative": "99"}
    >>> typed = typed_export(pd.DataFrame([row], index=[2]), cb)
    >>> columns = ["wave", "age_years", "initiative", "problem_1", "synthetic"]
    >>> [str(v) for v in typed.loc[0, columns]]
    ['1', '3.5', '99', '<NA>', 'False']
    >>> typed.dtypes[["wave", "registration_date", "initiative"]].astype(str).tolist()
    ['int64', 'datetime64[ns]', 'Int64']
    """
    codebook = codebook or default_codebook()
    columns = {
        ID_COLUMN: cells[ID_COLUMN].astype(str),
        MUNICIPALITY_COLUMN: cells[MUNICIPALITY_COLUMN].astype(str),
        WAVE_COLUMN: parsed_integers(cells[WAVE_COLUMN]).astype("int64"),
        DATE_COLUMN: parsed_dates(cells[DATE_COLUMN]),
    }
    ages = [q.columns[0] for q in codebook.questions if q.type == "age"]
    answers = parsed_integers(cells[[c for c in codebook.answer_columns if c not in ages]])
    columns |= {column: answers[column] for column in answers}
    columns |= {column: parsed_decimals(cells[column]) for column in ages}
    flags = parsed_flags(cells["synthetic"]) if "synthetic" in cells else None
    columns["synthetic"] = (
        flags.fillna(False).astype(bool) if flags is not None else pd.Series(False, cells.index)
    )
    typed = pd.DataFrame(columns, index=cells.index)[list(codebook.export_columns) + ["synthetic"]]
    order = [ID_COLUMN, MUNICIPALITY_COLUMN, WAVE_COLUMN]
    return typed.sort_values(order[1:2] + order[:1] + order[2:], kind="stable").reset_index(
        drop=True
    )


def validated_export(
    cells: pd.DataFrame,
    file: str,
    codebook: Codebook | None = None,
    municipalities: Sequence[str] | None = None,
    earlier: Sequence[Problem] = (),
) -> pd.DataFrame:
    """The typed export, or :class:`InputValidationError` listing every problem found.

    ``earlier`` are problems found while reading the file (for example rows with too many
    values), reported together with the rules' own.

    Raises
    ------
    InputValidationError
        If reading or any rule found a problem.
    """
    codebook = codebook or default_codebook()
    raise_for_problems(list(earlier) + export_problems(cells, file, codebook, municipalities))
    return typed_export(cells, codebook)
