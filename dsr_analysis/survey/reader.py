"""Reading a survey file (CSV or .xlsx) into a validated, typed frame.

The file is read with the monitoring export's reader (:mod:`dsr_analysis.export`: encodings,
``;`` or ``,``, Excel, rows with too many values, CPR screening of every cell), checked by
:mod:`dsr_analysis.survey.rules`, and only then typed. A file with problems raises
:class:`~dsr_analysis.errors.InputValidationError` listing every one (capped, with the total)
by file, spreadsheet row, column and what was expected; nothing is computed or written from it.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from dsr_analysis import config, export, validate
from dsr_analysis.cell_values import dates_of, each_value, flags_of, integers_of, ranks
from dsr_analysis.errors import InputValidationError
from dsr_analysis.municipalities import load_municipalities
from dsr_analysis.survey.codebook import (
    DATE_COLUMN,
    ID_COLUMN,
    INSTITUTION_COLUMN,
    MUNICIPALITY_COLUMN,
    ROUND_COLUMN,
    SYNTHETIC_COLUMN,
    SurveyCodebook,
    default_survey_codebook,
)
from dsr_analysis.survey.rules import survey_problem_list

_TEXT_COLUMNS = (ID_COLUMN, MUNICIPALITY_COLUMN, INSTITUTION_COLUMN)


def survey_municipalities() -> tuple[str, ...]:
    """The names of the survey's municipalities (``data/vive2023/municipalities.yml``).

    >>> survey_municipalities()
    ('Horsens', 'Næstved', 'Viborg')
    """
    entries = load_municipalities(config.VIVE2023_MUNICIPALITIES_PATH)
    return tuple(sorted(str(e["name"]) for e in entries if e["monitored"]))


def typed_survey(cells: pd.DataFrame, codebook: SurveyCodebook) -> pd.DataFrame:
    """The cells of a valid survey file as the frame the tables read.

    Text columns stay text, the date is a date, codes are ``Int64`` (empty = <NA>; "Ved ikke"
    keeps its code), ``synthetic`` is a bool (False without the column); rows are sorted by
    municipality, respondent and round.
    """
    rounds = each_value(cells[ROUND_COLUMN], integers_of).to_numpy(dtype="int64")
    order = np.lexsort((rounds, ranks(cells[ID_COLUMN]), ranks(cells[MUNICIPALITY_COLUMN])))
    columns = {}
    for column in codebook.columns:
        if column in _TEXT_COLUMNS:
            columns[column] = each_value(cells[column], lambda t: t.astype(str), order)
        elif column == DATE_COLUMN:
            columns[column] = each_value(cells[column], dates_of, order)
        else:
            columns[column] = each_value(cells[column], integers_of, order)
    if SYNTHETIC_COLUMN in cells:
        flags = each_value(cells[SYNTHETIC_COLUMN], flags_of, order)
        columns[SYNTHETIC_COLUMN] = flags.fillna(False).astype(bool)
    else:
        columns[SYNTHETIC_COLUMN] = pd.Series(False, index=pd.RangeIndex(len(cells)))
    return pd.DataFrame(columns, copy=False)


def read_survey(path: Path | str, codebook: SurveyCodebook | None = None,
                municipalities: Sequence[str] | None = None) -> pd.DataFrame:
    """Read, validate and type a survey file (see ``data/vive2023/README.md``).

    Parameters
    ----------
    path
        CSV separated by ``;`` or ``,`` (UTF-8, UTF-8 with BOM or cp1252), or .xlsx.
    codebook
        The survey codebook; the project's by default.
    municipalities
        The municipality names allowed; the survey's three by default.

    Returns
    -------
    pandas.DataFrame
        The codebook's columns in order plus ``synthetic``, as :func:`typed_survey` types them.

    Raises
    ------
    InputValidationError
        With all the file's problems (the first 50 and the total), located by row and column.

    Examples
    --------
    >>> survey = read_survey(config.VIVE2023_SURVEY_PATH)
    >>> len(survey[["municipality", "round"]].drop_duplicates()), bool(survey["synthetic"].all())
    (6, True)
    """
    path = Path(path)
    codebook = codebook or default_survey_codebook()
    names = tuple(municipalities) if municipalities is not None else survey_municipalities()
    cells, problems = export.grid_cells(*export.export_grid(path), path.name)
    problems += survey_problem_list(cells, path.name, codebook, names)
    validate.raise_for_problems(problems)
    return typed_survey(cells, codebook)


def read_survey_by_municipality(
    path: Path | str, codebook: SurveyCodebook | None = None,
    municipalities: Sequence[str] | None = None,
) -> tuple[pd.DataFrame, dict[str, InputValidationError]]:
    """Read a survey file, setting aside the municipalities whose own rows have problems.

    As the monitoring's :func:`dsr_analysis.export.load_export_by_municipality`: a problem
    confined to one municipality's rows fails that municipality only, and the rest come back
    as :func:`read_survey` types them; a problem of the whole file (a column, the header, the
    municipality cell itself, a respondent id found in two municipalities) rejects the file.

    Raises
    ------
    InputValidationError
        When a problem concerns the whole file, or every municipality has problems.
    """
    path = Path(path)
    codebook = codebook or default_survey_codebook()
    names = tuple(municipalities) if municipalities is not None else survey_municipalities()
    grid, delimiter = export.export_grid(path)
    cells, problems = export.grid_cells(grid, delimiter, path.name)
    problems += survey_problem_list(cells, path.name, codebook, names)
    if not problems:
        return typed_survey(cells, codebook), {}
    municipality = export.grid_column(grid, MUNICIPALITY_COLUMN)
    respondent = export.grid_column(grid, ID_COLUMN)
    by_municipality = export.problems_by_municipality(problems, municipality, respondent, names)
    if by_municipality is None:
        validate.raise_for_problems(problems)
    sound = cells[~cells[MUNICIPALITY_COLUMN].isin(list(by_municipality))]
    if sound.empty:
        validate.raise_for_problems(problems)
    # The rules judge a row by its own cells and its respondent's other rows, and no
    # respondent spans two municipalities here; checking the rest again keeps that a fact.
    validate.raise_for_problems(survey_problem_list(sound, path.name, codebook, names))
    return typed_survey(sound, codebook), {
        name: InputValidationError(found.shown(), total=len(found))
        for name, found in by_municipality.items()
    }
