"""The rules a monitoring export must keep, each returning every problem it finds.

Rules read the export's *cells*: a frame of stripped strings ("" = empty) with the header's
column names and the spreadsheet row numbers as index (header = row 1, first data row = row 2),
as :func:`dsr_analysis.export.export_cells` makes it; the export's columns are categorical, and
a rule judges each distinct text once (:mod:`dsr_analysis.cell_values`). A rule returns its
problems as arrays (:class:`~dsr_analysis.problem_list.RowProblems`), so a million of them cost
little; only those an error lists become messages. A problem never shows a child id or a cell
that may hold a CPR number: the analyst is told where to look, not what is there.
"""

from __future__ import annotations

import difflib
from collections.abc import Sequence

import numpy as np
import pandas as pd

from dsr_analysis.cell_values import (
    categorical,
    cpr_like,
    dates_of,
    decimals_of,
    each_value,
    flags_of,
    integers_of,
    looks_like_cpr,
    mask_array,
    parsed_dates,
    parsed_decimals,
    parsed_flags,
    parsed_integers,
    ranks,
    shown_cell,
)

# Re-exported: the trial schema calls validate.safe_value.
from dsr_analysis.cell_values import safe_value as safe_value
from dsr_analysis.codebook import OPTIONAL_COLUMNS, Codebook, Question, default_codebook
from dsr_analysis.course_rules import (
    DATE_COLUMN,
    ID_COLUMN,
    MUNICIPALITY_COLUMN,
    WAVE_COLUMN,
    course_problems,
)
from dsr_analysis.errors import InputValidationError, Problem
from dsr_analysis.municipalities import monitored_names, unmonitored_names
from dsr_analysis.problem_list import MAX_PROBLEMS, Problems, RowProblems, as_problems, batch_at

CPR_EXPECTED = "no CPR number in any cell; this cell looks like one (value not shown): remove it"


# --- CPR numbers -------------------------------------------------------------------------------


def cpr_batch(cells: pd.DataFrame, file: str) -> RowProblems:
    """One problem per cell that looks like a CPR number, by row and column, never the value.

    Each column's distinct texts are screened once; the problems run row by row.
    """
    positions, columns = [], []
    for number, column in enumerate(cells.columns):
        hits = np.flatnonzero(each_value(cells[column], cpr_like).to_numpy(dtype=bool))
        positions.append(hits)
        columns.append(np.full(len(hits), number, dtype=np.int32))
    return _cell_batch(cells, positions, columns, file, CPR_EXPECTED, echo=False)


def cpr_problems(cells: pd.DataFrame, file: str) -> list[Problem]:
    """One problem per cell that looks like a CPR number, by row and column, never the value.

    >>> cells = pd.DataFrame({"child_id": ["17", "150211-1234"]}, index=[2, 3])
    >>> [str(p) for p in cpr_problems(cells, "x.csv")]  # doctest: +ELLIPSIS
    ["x.csv, row 3, column 'child_id': expected no CPR number..."]
    """
    return list(cpr_batch(cells, file))


# --- building problems -------------------------------------------------------------------------


def _problems(
    mask: pd.Series | np.ndarray,
    values: pd.Series,
    file: str,
    column: str,
    expected: str,
    echo: bool = True,
) -> RowProblems:
    rows = values.index.to_numpy()[mask_array(mask)]
    return RowProblems(file, rows, (column,), expected, value=shown_cell(values) if echo else None)


def _cell_batch(
    cells: pd.DataFrame,
    positions: list[np.ndarray],
    columns: list[np.ndarray],
    file: str,
    expected: str,
    echo: bool = True,
) -> RowProblems:
    """Problems at (row position, column number) pairs of ``cells``, row by row."""
    position = np.concatenate(positions) if positions else np.zeros(0, dtype=np.int64)
    number = np.concatenate(columns) if columns else np.zeros(0, dtype=np.int32)
    # Sorting by row number sorts by position: the cells' index (spreadsheet rows) increases.
    return batch_at(
        file,
        cells.index.to_numpy()[position],
        number,
        tuple(cells.columns),
        expected,
        value=shown_cell(cells) if echo else None,
    )


def _cell_problems(masks: dict[str, np.ndarray], cells: pd.DataFrame, file: str, expected: str):
    """Problems at the cells where ``masks`` (by column of ``cells``) are true, row by row."""
    numbers = {column: number for number, column in enumerate(cells.columns)}
    positions = [np.flatnonzero(mask) for mask in masks.values()]
    columns = [np.full(len(p), numbers[c], np.int32) for c, p in zip(masks, positions, strict=True)]
    return _cell_batch(cells, positions, columns, file, expected)


# --- rules ---------------------------------------------------------------------------------------


def column_problems(columns: Sequence[str], file: str, codebook: Codebook,
                    documented_in: str = "data/README.md") -> list[Problem]:
    """Missing codebook columns, and unknown columns with the nearest codebook name.

    ``codebook`` needs only ``export_columns`` (the survey design passes its own);
    ``documented_in`` is the page that lists the columns.

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
            Problem(file, None, name, f"a column of the codebook (listed in {documented_in}){hint}")
        )
    return problems


def child_id_problems(cells: pd.DataFrame, file: str) -> RowProblems:
    """Rows without a child id (the value of a child id is never shown)."""
    values = categorical(cells[ID_COLUMN])
    expected = "the child's serial number from the monitoring system; the cell is empty"
    return _problems(values.eq(""), values, file, ID_COLUMN, expected, echo=False)


def municipality_problems(
    cells: pd.DataFrame, file: str, names: Sequence[str], unmonitored: Sequence[str] = ()
) -> Problems:
    """Rows whose municipality is empty or not one of ``names``.

    Unknown names are listed name by name, in the order they first appear.

    >>> cells = pd.DataFrame({"municipality": ["Odense", "Mariagerfjord"]}, index=[2, 3])
    >>> print(municipality_problems(cells, "x.csv", ["Odense"], ["Mariagerfjord"])[0])
    x.csv, row 3, column 'municipality': found 'Mariagerfjord'; expected one of the monitored \
municipalities (Odense); Mariagerfjord did not monitor children in the project
    """
    values = categorical(cells[MUNICIPALITY_COLUMN])
    listed = f"one of the monitored municipalities ({', '.join(names)})"
    empty = _problems(values.eq(""), values, file, MUNICIPALITY_COLUMN, f"{listed}; empty")
    problems = Problems([empty])
    lower = {name.lower(): name for name in names}
    unknown = np.flatnonzero(mask_array(values.ne("") & ~values.isin(list(names))))
    codes = values.cat.codes.to_numpy()[unknown]
    # Each name's first position orders the names as its rank among them would.
    distinct, first = np.unique(codes, return_index=True)
    appearance = np.zeros(len(values.cat.categories), dtype=np.int64)
    appearance[distinct] = first
    order = np.argsort(appearance[codes], kind="stable")
    categories = values.cat.categories

    def expected(code: int) -> str:
        value = categories[code]
        if value in unmonitored:
            hint = f"; {value} did not monitor children in the project"
        else:
            nearest = difflib.get_close_matches(value.lower(), list(lower), n=1, cutoff=0.6)
            hint = f"; did you mean '{lower[nearest[0]]}'?" if nearest else ""
        return listed + hint

    problems += RowProblems(
        file,
        values.index.to_numpy()[unknown[order]],
        (MUNICIPALITY_COLUMN,),
        expected,
        payload={"code": codes[order]},
        value=shown_cell(values),
    )
    return problems


def valid_waves(cells: pd.DataFrame, codebook: Codebook) -> pd.Series:
    """Each row's wave as ``Int64``, <NA> where it is not a whole number from 1 to max_waves."""
    top = codebook.max_waves
    return each_value(cells[WAVE_COLUMN], lambda t: (w := integers_of(t)).where(w.between(1, top)))


def wave_problems(cells: pd.DataFrame, file: str, codebook: Codebook, waves: pd.Series) -> Problems:
    """Rows whose wave is empty or not a whole number from 1 to ``max_waves``.

    ``waves`` are the rows' :func:`valid_waves`.
    """
    values = categorical(cells[WAVE_COLUMN])
    expected = f"a whole number from 1 to {codebook.max_waves} (1 = the start registration)"
    bad = waves.isna()
    return Problems(
        [
            _problems(values.eq(""), values, file, WAVE_COLUMN, f"{expected}; empty"),
            _problems(bad & values.ne(""), values, file, WAVE_COLUMN, expected),
        ]
    )


def date_problems(cells: pd.DataFrame, file: str, codebook: Codebook, dates: pd.Series) -> Problems:
    """Rows whose registration date is empty, not a date, or outside the monitoring window.

    ``dates`` are the rows' :func:`~dsr_analysis.cell_values.parsed_dates`.
    """
    values = categorical(cells[DATE_COLUMN])
    start, end = codebook.window_start.isoformat(), codebook.window_end.isoformat()
    outside = dates.notna() & ~dates.between(pd.Timestamp(start), pd.Timestamp(end))
    written = "a date written 2011-02-15, 15-02-2011 or 15.02.2011"
    window = f"a date in the monitoring window {start} to {end}"
    return Problems(
        [
            _problems(values.eq(""), values, file, DATE_COLUMN, f"{written}; the cell is empty"),
            _problems(values.ne("") & dates.isna(), values, file, DATE_COLUMN, written),
            _problems(outside, values, file, DATE_COLUMN, window),
        ]
    )


def age_problems(cells: pd.DataFrame, file: str, question: Question) -> Problems:
    """Ages that are not a number, or not at least the minimum and under the maximum.

    The codebook's age groups end at "6 år", so an age must be under its maximum (7 years).
    """
    column = question.columns[0]
    values = categorical(cells[column])
    ages = parsed_decimals(values)
    low, high = question.age_range
    number = "the age in years as a number, e.g. 3.5 or 3,5"
    span = f"an age in years of at least {low:g} and under {high:g}"
    return Problems(
        [
            _problems(values.ne("") & ages.isna(), values, file, column, number),
            _problems(ages.notna() & ~((ages >= low) & (ages < high)), values, file, column, span),
        ]
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
    cells: pd.DataFrame, file: str, question: Question, dont_know: int
) -> RowProblems:
    """Cells of a single-choice or yes/no question that hold no option code of it."""
    column = question.columns[0]
    return code_problems(cells, file, column, question.codes, codes_text(question, dont_know))


def code_problems(
    cells: pd.DataFrame, file: str, column: str, codes: Sequence[int], expected: str
) -> RowProblems:
    """Filled cells of ``column`` that hold none of the whole-number ``codes`` (shown).

    >>> cells = pd.DataFrame({"role": ["1", "", "7"]}, index=[2, 3, 4])
    >>> [str(p) for p in code_problems(cells, "x.csv", "role", (1, 2), "1 or 2")]
    ["x.csv, row 4, column 'role': found '7'; expected 1 or 2"]
    """
    values = categorical(cells[column])
    known = each_value(values, lambda t: integers_of(t).isin(list(codes)).fillna(False))
    bad = values.ne("") & ~known.astype(bool)
    return _problems(bad, values, file, column, expected)


def scale_problems(cells: pd.DataFrame, file: str, question: Question, dont_know: int):
    """Scale cells that are neither 1 to the scale's maximum nor the "ved ikke" code."""
    top = question.scale_maximum

    def valid(texts: pd.Series) -> pd.Series:
        scores = integers_of(texts)
        return ((scores.ge(1) & scores.le(top)) | scores.eq(dont_know)).fillna(False)

    columns = [column for column in question.columns if column in cells]
    masks = {}
    for column in columns:
        values = categorical(cells[column])
        masks[column] = mask_array(values.ne("") & ~each_value(values, valid).astype(bool))
    expected = f"a whole number from 1 to {top}, or {dont_know} for 'ved ikke'"
    return _cell_problems(masks, cells[columns], file, expected)


def multiple_choice_problems(cells: pd.DataFrame, file: str, question: Question) -> Problems:
    """Option cells other than 0/1, and registrations answering only some option columns."""
    columns = [column for column in question.columns if column in cells]
    options = {column: categorical(cells[column]) for column in columns}
    bad = {column: mask_array(~values.isin(["", "0", "1"])) for column, values in options.items()}
    problems = Problems(
        [_cell_problems(bad, cells[columns], file, "0 (not chosen) or 1 (chosen)")]
    )
    empty = np.column_stack([mask_array(values.eq("")) for values in options.values()])
    partial = np.flatnonzero(empty.any(axis=1) & ~empty.all(axis=1))
    gaps = empty[partial]
    total = len(question.columns)

    def expected(gaps: int) -> str:
        return (
            f"0 or 1 in all {total} option columns of question '{question.id}' once one is "
            f"filled (empty: {int(gaps)}), or all of them empty if not answered"
        )

    problems += RowProblems(
        file,
        cells.index.to_numpy()[partial],
        tuple(columns),
        expected,
        gaps.argmax(axis=1),
        payload={"gaps": gaps.sum(axis=1)},
    )
    return problems


def start_only_problems(
    cells: pd.DataFrame, file: str, question: Question, waves: pd.Series
) -> RowProblems:
    """Answers at a follow-up (wave > 1) to a question asked only at the start registration.

    ``cells`` holds the question's columns that the export has (a missing one is reported as
    missing, not here).
    """
    columns = [column for column in question.columns if column in cells]
    filled = np.column_stack([mask_array(categorical(cells[column]).ne("")) for column in columns])
    late = np.flatnonzero(filled.any(axis=1) & mask_array(waves.gt(1)))
    return RowProblems(
        file,
        cells.index.to_numpy()[late],
        tuple(columns),
        lambda wave: (
            f"an empty cell at a follow-up (wave {wave}): question '{question.id}' is "
            "asked only at the start registration (wave 1)"
        ),
        filled[late].argmax(axis=1),
        payload={"wave": waves.to_numpy(dtype=object)[late]},
    )


def flag_problems(cells: pd.DataFrame, file: str) -> RowProblems:
    """Cells of the optional ``synthetic`` column other than 0 or 1."""
    values = categorical(cells["synthetic"])
    bad = parsed_flags(values).isna()
    return _problems(bad, values, file, "synthetic", "0 (real data) or 1 (synthetic data)")


# --- the whole export ----------------------------------------------------------------------------


def question_problems(
    cells: pd.DataFrame,
    file: str,
    question: Question,
    codebook: Codebook,
    waves: pd.Series | None = None,
) -> Problems:
    """The answer rules of one question, on whichever of its columns the export has.

    ``waves`` (from :func:`valid_waves`) lets the start-only rule see follow-ups.
    """
    present = [column for column in question.columns if column in cells]
    if not present:
        return Problems()
    dont_know = codebook.dont_know_code
    if question.type == "age":
        problems = age_problems(cells, file, question)
    elif question.is_multiple_choice:
        problems = multiple_choice_problems(cells, file, question)
    elif question.is_scale:
        problems = Problems([scale_problems(cells, file, question, dont_know)])
    else:
        problems = Problems([choice_problems(cells, file, question, dont_know)])
    if question.asked == "start" and waves is not None:
        problems += start_only_problems(cells[present], file, question, waves)
    return problems


def export_problem_list(
    cells: pd.DataFrame,
    file: str,
    codebook: Codebook | None = None,
    municipalities: Sequence[str] | None = None,
) -> Problems:
    """Every problem of an export's cells, in the order of the rules, held as arrays.

    ``municipalities`` are the names allowed in the municipality column (default: the
    monitored ones). A rule needing a missing column is skipped; the column is reported.
    Each column is parsed once: the waves and dates the course rules need are those the wave
    and date rules read.
    """
    codebook = codebook or default_codebook()
    names = tuple(municipalities) if municipalities is not None else monitored_names()
    problems = Problems([column_problems(list(cells.columns), file, codebook)])
    if ID_COLUMN in cells:
        problems += child_id_problems(cells, file)
    if MUNICIPALITY_COLUMN in cells:
        elsewhere = [name for name in unmonitored_names() if name not in names]
        problems += municipality_problems(cells, file, names, elsewhere)
    waves = valid_waves(cells, codebook) if WAVE_COLUMN in cells else None
    dates = parsed_dates(cells[DATE_COLUMN]) if DATE_COLUMN in cells else None
    if waves is not None:
        problems += wave_problems(cells, file, codebook, waves)
    if dates is not None:
        problems += date_problems(cells, file, codebook, dates)
    for question in codebook.questions:
        problems += question_problems(cells, file, question, codebook, waves)
    if "synthetic" in cells:
        problems += flag_problems(cells, file)
    if ID_COLUMN in cells and waves is not None:
        problems += course_problems(cells, file, waves, dates)
    cpr = cpr_batch(cells, file)
    # A CPR-like cell is reported as such, not again as a bad code or age.
    return Problems([cpr]) + without_cells(problems, cpr)


def without_cells(problems: Problems, cells: RowProblems) -> Problems:
    """``problems`` less those at a (row, column) of ``cells``."""
    if not len(cells):
        return problems
    hidden = {
        column: cells.rows[cells.codes == number] for number, column in enumerate(cells.labels)
    }
    pairs = set(zip(cells.rows.tolist(), (cells.labels[c] for c in cells.codes), strict=True))
    kept = Problems()
    for part in problems.parts:
        if isinstance(part, RowProblems):
            keep = np.ones(len(part), dtype=bool)
            for number, column in enumerate(part.labels):
                if column in hidden and len(hidden[column]):
                    mine = keep if part.codes is None else part.codes == number
                    keep &= ~(mine & np.isin(part.rows, hidden[column]))
            kept += part.subset(keep)
        else:
            kept += [p for p in part if (p.row, p.column) not in pairs]
    return kept


def export_problems(
    cells: pd.DataFrame,
    file: str,
    codebook: Codebook | None = None,
    municipalities: Sequence[str] | None = None,
) -> list[Problem]:
    """Every problem of an export's cells, in the order of the rules.

    ``municipalities`` are the names allowed in the municipality column (default: the
    monitored ones). A rule needing a missing column is skipped; the column is reported.
    :func:`export_problem_list` gives the same problems without making each one.

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
    return list(export_problem_list(cells, file, codebook, municipalities))


def shown_problems(problems: Sequence[Problem], limit: int = MAX_PROBLEMS) -> list[Problem]:
    """At most ``limit`` problems, taken in turn from each column, then in row order.

    Taking turns keeps one systematically wrong column from hiding every other problem.

    >>> many = [Problem("x.csv", row, "age_years", "a number") for row in range(2, 60)]
    >>> shown = shown_problems(many + [Problem("x.csv", 70, "wave", "1 to 6")], limit=3)
    >>> [(p.row, p.column) for p in shown]
    [(2, 'age_years'), (3, 'age_years'), (70, 'wave')]
    """
    return as_problems(problems).shown(limit)


def raise_for_problems(problems: Sequence[Problem], limit: int = MAX_PROBLEMS) -> None:
    """Raise :class:`InputValidationError` listing ``problems`` (capped) when there are any.

    >>> raise_for_problems([])
    >>> raise_for_problems([Problem("x.csv", None, None, "a data row")])
    Traceback (most recent call last):
    ...
    dsr_analysis.errors.InputValidationError: 1 problem(s) in the input:
      - x.csv: expected a data row
    """
    problems = as_problems(problems)
    if problems:
        raise InputValidationError(problems.shown(limit), total=len(problems))


def typed_export(cells: pd.DataFrame, codebook: Codebook | None = None) -> pd.DataFrame:
    """The cells of a valid export as the typed frame the analysis reads.

    Columns are the codebook's export columns in order plus ``synthetic`` (bool, False when
    the export has no such column); rows sorted by municipality, child id and wave. Each
    column is built once, already in that order, from its distinct texts.

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
    waves = parsed_integers(cells[WAVE_COLUMN]).to_numpy(dtype="int64")
    order = np.lexsort((waves, ranks(cells[ID_COLUMN]), ranks(cells[MUNICIPALITY_COLUMN])))
    ages = {q.columns[0] for q in codebook.questions if q.type == "age"}

    def text(texts: pd.Series) -> pd.Series:
        return texts.astype(str)

    columns = {}
    for column in codebook.export_columns:
        if column in (ID_COLUMN, MUNICIPALITY_COLUMN):
            columns[column] = each_value(cells[column], text, order)
        elif column == WAVE_COLUMN:
            columns[column] = pd.Series(waves[order], name=column)
        elif column == DATE_COLUMN:
            columns[column] = each_value(cells[column], dates_of, order)
        elif column in ages:
            columns[column] = each_value(cells[column], decimals_of, order)
        else:
            columns[column] = each_value(cells[column], integers_of, order)
    if "synthetic" in cells:
        flags = each_value(cells["synthetic"], flags_of, order)
        columns["synthetic"] = flags.fillna(False).astype(bool)
    else:
        columns["synthetic"] = pd.Series(False, index=pd.RangeIndex(len(cells)))
    return pd.DataFrame(columns, copy=False)


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
    found = export_problem_list(cells, file, codebook, municipalities)
    raise_for_problems(as_problems(earlier) + found)
    return typed_export(cells, codebook)
