"""What one cell's text is: a number, a date, a flag, something that looks like a CPR number.

Every function here judges a column by its distinct texts: the column is made categorical
(:func:`categorical`; the export's cells already are), the rule runs once per distinct text,
and the answers are spread over the rows by the category codes (:func:`each_value`). A column
of a million cells with a few dozen distinct texts costs a few dozen parses and one array
look-up, and no Python object per cell.
"""

from __future__ import annotations

import re
from collections.abc import Callable

import numpy as np
import pandas as pd

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


# --- columns of distinct texts -----------------------------------------------------------------


def categorical(values: pd.Series) -> pd.Series:
    """``values`` as a categorical of its texts ("" for missing); a categorical is kept as is.

    >>> column = categorical(pd.Series(["b", "a", "b"], index=[2, 3, 4]))
    >>> list(column.cat.categories), column.cat.codes.tolist()
    (['a', 'b'], [1, 0, 1])
    """
    if isinstance(values.dtype, pd.CategoricalDtype):
        if (values.cat.codes.to_numpy() >= 0).all():
            return values
        if "" not in values.cat.categories:
            values = values.cat.add_categories([""])
        return values.fillna("")
    texts = pd.Categorical(values.astype(object).fillna("").to_numpy())
    return pd.Series(texts, index=values.index, name=values.name)


def each_value(
    values: pd.Series,
    function: Callable[[pd.Series], pd.Series],
    positions: np.ndarray | None = None,
) -> pd.Series:
    """``function`` of each distinct text of ``values``, spread over the rows.

    ``function`` takes a Series of the distinct texts and returns one value for each, element
    by element. With ``positions`` the result holds those rows only, in that order (and a fresh
    index).

    >>> values = pd.Series(["2", "x", "2"], index=[5, 6, 7])
    >>> each_value(values, lambda texts: texts.str.isdigit()).tolist()
    [True, False, True]
    >>> each_value(values, lambda texts: texts + "!", positions=np.array([1, 0])).tolist()
    ['x!', '2!']
    """
    values = categorical(values)
    distinct = pd.Series(values.cat.categories)
    answers = function(distinct).array
    codes = values.cat.codes.to_numpy()
    if positions is None:
        return pd.Series(answers.take(codes), index=values.index, name=values.name)
    return pd.Series(answers.take(codes[positions]), name=values.name)


def mask_array(mask: pd.Series | np.ndarray) -> np.ndarray:
    """A mask as a plain boolean array, missing counted as False.

    >>> mask_array(pd.Series([True, pd.NA, False], dtype="boolean")).tolist()
    [True, False, False]
    """
    if isinstance(mask, pd.Series):
        return mask.fillna(False).to_numpy(dtype=bool)
    return np.asarray(mask, dtype=bool)


def ranks(values: pd.Series) -> np.ndarray:
    """Each row's place among the column's distinct texts in sorted order (equal texts tie).

    Sorting rows by rank sorts them as sorting their texts would, at the cost of integers.

    >>> ranks(pd.Series(["b", "a", "c", "a"])).tolist()
    [1, 0, 2, 0]
    """
    values = categorical(values)
    order = np.argsort(values.cat.categories.to_numpy(dtype=object), kind="stable")
    rank = np.empty(len(order), dtype=np.int64)
    rank[order] = np.arange(len(order))
    return rank[values.cat.codes.to_numpy()]


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
    texts = values.astype(str).tolist()
    found = np.zeros(len(texts), dtype=bool)
    for position in np.flatnonzero(six_digits_maybe(texts)):
        found[position] = looks_like_cpr(texts[position])
    return pd.Series(found, index=values.index)


def six_digits_maybe(texts: list[str], width: int = 64) -> np.ndarray:
    """Whether each text of nine or more characters may hold six digits in a row.

    A CPR number (:func:`looks_like_cpr`) has six digits in a row, and so has a cell of nine
    digits. This screen runs over all texts at once, as arrays of character codes; only the
    few it lets through meet the regular expression. Any non-ASCII character counts as a
    digit (``\\d`` knows other scripts' digits too), so nothing that might match is missed;
    a text longer than ``width`` is always let through.

    >>> six_digits_maybe(["FMI-0001r12", "150211-1234", "12345", "x" * 80, "٠١٠٢٠٣١٢٣٤"]).tolist()
    [False, True, False, True, True]
    """
    lengths = np.fromiter(map(len, texts), dtype=np.int64, count=len(texts))
    maybe = lengths > width
    short = np.flatnonzero((lengths >= 9) & ~maybe)
    if not len(short):
        return maybe
    longest = int(lengths[short].max())
    characters = np.array([texts[i] for i in short], dtype=f"<U{longest}")
    codes = characters.view(np.uint32).reshape(len(short), longest)
    digit = ((codes >= 48) & (codes <= 57)) | (codes > 127)
    run = digit[:, : longest - 5].copy()
    for offset in range(1, 6):
        run &= digit[:, offset : longest - 5 + offset]
    maybe[short] = run.any(axis=1)
    return maybe


def safe_value(text: str) -> str | None:
    """The cell as it may be shown in a message, or None when it must not be shown.

    Long cells, cells with six digits in a row and CPR-like cells are never shown.

    >>> safe_value("Aarhus"), safe_value("0102031234"), safe_value("ring 123456")
    ('Aarhus', None, None)
    """
    if len(text) > MAX_ECHO_LENGTH or LONG_DIGIT_RUN.search(text) or looks_like_cpr(text):
        return None
    return text


def shown_cell(cells: pd.DataFrame | pd.Series) -> Callable[[int, str], str | None]:
    """How a problem at (row, column) shows its cell of ``cells`` (see :func:`safe_value`).

    ``cells`` is a frame by spreadsheet row and column, or one column by row.

    >>> cells = pd.DataFrame({"wave": ["7"], "child_id": ["0102031234"]}, index=[2])
    >>> shown = shown_cell(cells)
    >>> shown(2, "wave"), shown(2, "child_id"), shown_cell(cells["wave"])(2, "wave")
    ('7', None, '7')
    """
    if isinstance(cells, pd.Series):
        return lambda row, column: safe_value(str(cells.loc[row]))
    return lambda row, column: safe_value(str(cells.at[row, column]))


# --- parsing cells -------------------------------------------------------------------------------


def parsed_integers(values: pd.Series) -> pd.Series:
    """Whole numbers as ``Int64``; empty or non-integer cells become <NA>.

    >>> parsed_integers(pd.Series(["3", "", "3.5", "99"])).tolist()
    [3, <NA>, <NA>, 99]
    """
    return each_value(values, integers_of)


def integers_of(texts: pd.Series) -> pd.Series:
    """:func:`parsed_integers` of distinct texts (element by element)."""
    whole = texts.where(texts.str.fullmatch(INTEGER))
    return pd.to_numeric(whole, errors="coerce").astype("Int64")


def parsed_decimals(values: pd.Series) -> pd.Series:
    """Decimal numbers as float64, with a decimal point or comma; others become NaN.

    >>> parsed_decimals(pd.Series(["3,5", "4", "", "tre"])).tolist()
    [3.5, 4.0, nan, nan]
    """
    return each_value(values, decimals_of)


def decimals_of(texts: pd.Series) -> pd.Series:
    """:func:`parsed_decimals` of distinct texts."""
    numbers = texts.where(texts.str.fullmatch(DECIMAL)).str.replace(",", ".", regex=False)
    return pd.to_numeric(numbers, errors="coerce").astype("float64")


def parsed_dates(values: pd.Series) -> pd.Series:
    """Dates written 2011-02-15 (ISO), 15-02-2011 or 15.02.2011; others become NaT.

    >>> parsed_dates(pd.Series(["2011-02-15", "15.02.2011", "31-02-2011", ""])).tolist()
    [Timestamp('2011-02-15 00:00:00'), Timestamp('2011-02-15 00:00:00'), NaT, NaT]
    """
    return each_value(values, dates_of)


def dates_of(texts: pd.Series) -> pd.Series:
    """:func:`parsed_dates` of distinct texts."""
    iso = texts.str.extract(f"^{ISO_DATE}$")
    danish = texts.str.extract(f"^{DANISH_DATE}$")
    parts = iso[["year", "month", "day"]].fillna(danish[["year", "month", "day"]])
    parts = parts.apply(pd.to_numeric, errors="coerce")
    if parts.empty:
        return pd.Series(pd.NaT, index=texts.index, dtype="datetime64[ns]")
    return pd.to_datetime(parts, errors="coerce").astype("datetime64[ns]")


def parsed_flags(values: pd.Series) -> pd.Series:
    """0/1 (or false/true) as booleans; anything else becomes <NA>.

    >>> parsed_flags(pd.Series(["1", "0", "TRUE", "ja"])).tolist()
    [True, False, True, <NA>]
    """
    return each_value(values, flags_of)


def flags_of(texts: pd.Series) -> pd.Series:
    """:func:`parsed_flags` of distinct texts."""
    return texts.str.lower().map(TRUE_FALSE).astype("boolean")
