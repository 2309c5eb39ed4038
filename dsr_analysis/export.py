"""Reading a monitoring export (CSV or Excel .xlsx) into a validated, typed frame.

The file is first read as it is, every cell a stripped string, so that validation can name
the spreadsheet row and column of each problem; :mod:`dsr_analysis.validate` then checks the
cells and types them. ``data/README.md`` documents the format for the municipalities.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
import zipfile
from collections.abc import Sequence
from pathlib import Path
from typing import NoReturn

import pandas as pd
from openpyxl import load_workbook
from openpyxl.utils import get_column_letter
from openpyxl.utils.exceptions import InvalidFileException

from dsr_analysis import validate
from dsr_analysis.codebook import Codebook, default_codebook
from dsr_analysis.errors import InputValidationError, Problem
from dsr_analysis.municipalities import monitored_names

CSV_SUFFIXES = (".csv", ".txt")
EXCEL_SUFFIX = ".xlsx"
ENCODINGS = ("utf-8-sig", "cp1252")
DELIMITERS = (";", ",")
DELIMITER_NAMES = {";": "';'", ",": "','", "\t": "tabs", "|": "'|'"}
SIGNATURES = {
    b"PK\x03\x04": "an Excel workbook (.xlsx) or another zip file; save it as .xlsx or CSV",
    b"\xd0\xcf\x11\xe0": "an old Excel workbook (.xls); save it as .xlsx or CSV",
    b"\xff\xfe": "UTF-16 text (Excel's 'Unicode text'); save it as 'CSV UTF-8'",
    b"\xfe\xff": "UTF-16 text (Excel's 'Unicode text'); save it as 'CSV UTF-8'",
}
CONTROL_CHARACTERS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")
# UTF-8 æ, ø, å (and Æ, Ø, Å) as they look when decoded as cp1252.
UTF8_READ_AS_CP1252 = re.compile("Ã[¦¸¥†˜…]")
READABLE = "UTF-8, UTF-8 with BOM or Windows-1252 (cp1252) text"


def load_export(
    path: Path | str,
    codebook: Codebook | None = None,
    municipalities: Sequence[str] | None = None,
) -> pd.DataFrame:
    """Read, validate and type a monitoring export (CSV or .xlsx).

    Parameters
    ----------
    path
        The export: CSV separated by ``;`` or ``,`` (UTF-8, UTF-8 with BOM or cp1252), or an
        Excel workbook (first sheet).
    codebook
        The codebook to check against; the project's by default.
    municipalities
        The municipality names allowed; the monitored ones by default.

    Returns
    -------
    pandas.DataFrame
        The codebook's export columns in order plus ``synthetic`` (bool), typed as
        :func:`dsr_analysis.validate.typed_export` says, sorted by municipality, child and wave.

    Raises
    ------
    InputValidationError
        Listing every problem found (capped), each with file, spreadsheet row and column.

    Examples
    --------
    >>> import tempfile
    >>> from dsr_analysis.codebook import default_codebook
    >>> columns = default_codebook().export_columns
    >>> row = {c: "" for c in columns} | {"child_id": "A1", "municipality": "Kolding",
    ...        "wave": "1", "registration_date": "2011-03-01"}
    >>> with tempfile.TemporaryDirectory() as folder:
    ...     path = Path(folder) / "export.csv"
    ...     _ = path.write_text(";".join(columns) + "\\n" + ";".join(row.values()) + "\\n")
    ...     export = load_export(path)
    >>> export.loc[0, ["child_id", "wave", "synthetic"]].tolist()
    ['A1', np.int64(1), np.False_]
    """
    path = Path(path)
    cells, problems = export_cells(path)
    return validate.validated_export(cells, path.name, codebook, municipalities, problems)


def load_export_by_municipality(
    path: Path | str,
    codebook: Codebook | None = None,
    municipalities: Sequence[str] | None = None,
) -> tuple[pd.DataFrame, dict[str, InputValidationError]]:
    """Read an export, setting aside the municipalities whose own rows have problems.

    A problem confined to one municipality's rows (a bad wave, date or code, a cell that looks
    like a CPR number, a row with too many values) fails that municipality only; the rows of
    the others come back validated and typed exactly as :func:`load_export` returns them. A
    problem that cannot be pinned on one municipality still rejects the whole file: see
    :func:`problems_by_municipality`. So does a file in which every municipality has problems.

    Parameters
    ----------
    path, codebook, municipalities
        As for :func:`load_export`.

    Returns
    -------
    export : pandas.DataFrame
        The rows of the municipalities without problems, as :func:`load_export` types them.
    problems : dict of str to InputValidationError
        One error per municipality set aside, keyed by its name, listing only its problems.

    Raises
    ------
    InputValidationError
        When a problem concerns the whole file; it lists every problem, as :func:`load_export`.

    Examples
    --------
    >>> import tempfile
    >>> from dsr_analysis.codebook import default_codebook
    >>> columns = default_codebook().export_columns
    >>> rows = [{c: "" for c in columns} | {"child_id": child, "municipality": name,
    ...          "wave": wave, "registration_date": "2011-03-01"}
    ...         for child, name, wave in [("A1", "Kolding", "1"), ("B1", "Odense", "9")]]
    >>> text = "\\n".join(";".join(row) for row in [columns, *(r.values() for r in rows)])
    >>> with tempfile.TemporaryDirectory() as folder:
    ...     path = Path(folder) / "export.csv"
    ...     _ = path.write_text(text + "\\n")
    ...     export, broken = load_export_by_municipality(path)
    >>> export["municipality"].tolist(), list(broken)
    (['Kolding'], ['Odense'])
    >>> print(broken["Odense"])  # doctest: +NORMALIZE_WHITESPACE
    1 problem(s) in the input:
      - export.csv, row 3, column 'wave': found '9'; expected a whole number from 1 to 6
        (1 = the start registration)
    """
    path = Path(path)
    codebook = codebook or default_codebook()
    names = tuple(municipalities) if municipalities is not None else monitored_names()
    records, delimiter = export_records(path)
    cells, problems = cells_from_records(records, path.name, delimiter)
    problems += validate.export_problems(cells, path.name, codebook, names)
    if not problems:
        return validate.typed_export(cells, codebook), {}
    by_municipality = problems_by_municipality(problems, records, names)
    sound = cells[~cells[validate.MUNICIPALITY_COLUMN].isin(list(by_municipality or ()))]
    if by_municipality is None or sound.empty:
        validate.raise_for_problems(problems)
    # The rules judge a row by its own cells or its child's other rows, and no child spans two
    # municipalities here, so the rest passes; validating it again keeps that a checked fact.
    export = validate.validated_export(sound, path.name, codebook, names)
    return export, {
        name: InputValidationError(validate.shown_problems(found), total=len(found))
        for name, found in by_municipality.items()
    }


def problems_by_municipality(
    problems: Sequence[Problem], records: list[list[str]], names: Sequence[str]
) -> dict[str, list[Problem]] | None:
    """Each municipality's problems, or None when any problem concerns the whole file.

    A problem belongs to a municipality when it sits in a data row whose municipality cell
    names one of ``names`` and whose child is registered in no other municipality. The cells
    are read from the raw ``records``, so rows set aside while reading (too many values) are
    placed too. Everything else concerns the whole file: problems of the header or a column,
    problems in the municipality column itself (empty, unknown or changing), and rows whose
    child id turns up in several municipalities, since which of them is wrong is unknown.

    Examples
    --------
    >>> records = [["child_id", "municipality"], ["A1", "Kolding"], ["B1", "Odense"]]
    >>> wrong_wave = Problem("x.csv", 3, "wave", "a whole number")
    >>> list(problems_by_municipality([wrong_wave], records, ["Kolding", "Odense"]))
    ['Odense']
    >>> print(problems_by_municipality([Problem("x.csv", None, "wave", "a column")], records,
    ...                                ["Kolding", "Odense"]))
    None
    """
    municipality = record_column(records, validate.MUNICIPALITY_COLUMN)
    child = record_column(records, validate.ID_COLUMN)
    shared = children_in_several(municipality, child)
    found: dict[str, list[Problem]] = {}
    for problem in problems:
        if problem.row is None or problem.row < 2:
            return None
        name = municipality.get(problem.row, "")
        if problem.column == validate.MUNICIPALITY_COLUMN or name not in names:
            return None
        if child.get(problem.row, "") in shared:
            return None
        found.setdefault(name, []).append(problem)
    return found


def record_column(records: list[list[str]], column: str) -> dict[int, str]:
    """Spreadsheet row number -> the stripped cell under ``column`` in the header (first one).

    Rows too short to reach the column are left out; so is everything when there is no such
    column.

    >>> record_column([["wave", "municipality"], [" 1 ", " Odense "], ["2"]], "municipality")
    {2: 'Odense'}
    """
    header = [field.strip() for field in records[0]]
    if column not in header:
        return {}
    position = header.index(column)
    return {
        number: record[position].strip()
        for number, record in enumerate(records[1:], start=2)
        if position < len(record)
    }


def children_in_several(municipality: dict[int, str], child: dict[int, str]) -> set[str]:
    """Child ids found in rows of more than one (non-empty) municipality.

    >>> children_in_several({2: "Kolding", 3: "Odense", 4: "Odense"}, {2: "A", 3: "A", 4: "B"})
    {'A'}
    """
    seen: dict[str, set[str]] = {}
    for row, name in municipality.items():
        identifier = child.get(row, "")
        if identifier and name:
            seen.setdefault(identifier, set()).add(name)
    return {identifier for identifier, places in seen.items() if len(places) > 1}


def export_cells(path: Path | str) -> tuple[pd.DataFrame, list[Problem]]:
    """The export's cells as stripped strings, with the problems found while reading them.

    The frame has the header's column names and the spreadsheet row numbers as index; blank
    rows are left out. Rows and columns that cannot be placed (too many values, no or a
    repeated column name) are left out too and reported in the problems.

    Raises
    ------
    InputValidationError
        If the file cannot be read at all: missing, empty, unreadable, wrong separator.
    """
    path = Path(path)
    records, delimiter = export_records(path)
    return cells_from_records(records, path.name, delimiter)


def export_records(path: Path) -> tuple[list[list[str]], str | None]:
    """The file's records as read (record 1 = the header) and its CSV separator (None: Excel).

    Raises
    ------
    InputValidationError
        If the file cannot be read at all: missing, empty, unreadable, wrong separator.
    """
    if not path.is_file():
        fail(path.name, None, "an export file at this path; there is none")
    if path.suffix.lower() == EXCEL_SUFFIX:
        return xlsx_records(path), None
    text = decoded_text(path.read_bytes(), path.name)
    delimiter = header_delimiter(text, path.name)
    return csv_records(text, delimiter, path.name), delimiter


def fail(file: str, row: int | None, expected: str) -> NoReturn:
    """Raise the error of a problem that stops reading the file."""
    raise InputValidationError([Problem(file, row, None, expected)])


def decoded_text(data: bytes, file: str) -> str:
    """The file's text, decoded as UTF-8 (with or without BOM) or else as cp1252.

    >>> decoded_text("wave;kommune\\n1;Ærø".encode("cp1252"), "x.csv").splitlines()[1]
    '1;Ærø'
    """
    if not data.strip():
        fail(file, None, "a header row and at least one data row; the file is empty")
    for signature, found in SIGNATURES.items():
        if data.startswith(signature):
            fail(file, None, f"CSV text ({READABLE}); this file is {found}")
    for encoding in ENCODINGS:
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError:
            continue
        if CONTROL_CHARACTERS.search(text):
            fail(file, None, f"{READABLE}; the file holds binary data or another encoding")
        if encoding == "cp1252" and UTF8_READ_AS_CP1252.search(text):
            fail(
                file,
                None,
                f"one encoding throughout ({READABLE}); this file mixes UTF-8 and cp1252",
            )
        return text
    fail(file, None, f"{READABLE}; the file cannot be decoded as any of them")


def header_delimiter(text: str, file: str) -> str:
    """The separator of the header row: whichever of ``;`` and ``,`` it has more of.

    >>> header_delimiter("child_id;municipality;wave\\n", "x.csv")
    ';'
    """
    header = text.lstrip("\r\n").split("\n", 1)[0]
    counts = {delimiter: header.count(delimiter) for delimiter in DELIMITER_NAMES}
    best = max(counts, key=counts.get)
    if best not in DELIMITERS and counts[best] > max(counts[d] for d in DELIMITERS):
        name = DELIMITER_NAMES[best]
        fail(file, 1, f"columns separated by ';' or ','; the header row is separated by {name}")
    return best if counts[best] else DELIMITERS[0]


def csv_records(text: str, delimiter: str, file: str) -> list[list[str]]:
    """The CSV's records, one list of fields per spreadsheet row (blank lines as ``[]``)."""
    try:
        return list(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter))
    except csv.Error as error:
        fail(file, None, f"well-formed CSV ({error})")


def cell_text(value: object) -> str:
    """An Excel cell's value as the text a CSV export would hold.

    >>> [cell_text(v) for v in (None, 3.0, 3.5, dt.datetime(2011, 2, 15), True)]
    ['', '3', '3.5', '2011-02-15', '1']
    """
    if value is None:
        return ""
    if isinstance(value, bool):
        return str(int(value))
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time() else value.isoformat(" ")
    if isinstance(value, (dt.date, dt.time)):
        return value.isoformat()
    return str(value)


def xlsx_records(path: Path) -> list[list[str]]:
    """The first sheet's rows as lists of cell texts, from row 1 on."""
    try:
        workbook = load_workbook(path, read_only=True, data_only=True)
    except (zipfile.BadZipFile, InvalidFileException, KeyError, OSError, ValueError):
        fail(path.name, None, "an Excel workbook (.xlsx) that opens; this one cannot be read")
    try:
        sheet = workbook.worksheets[0]
        sheet.reset_dimensions()
        return [[cell_text(value) for value in row] for row in sheet.iter_rows(values_only=True)]
    finally:
        workbook.close()


def column_labels(header: Sequence[str]) -> list[str]:
    """A unique label per column: its name, or ``(column D)`` when it has none or a bad one.

    >>> column_labels(["wave", "", "wave", "0102031234"])
    ['wave', '(column B)', '(column C)', '(column D)']
    """
    labels = []
    for position, name in enumerate(header, start=1):
        usable = name and name not in labels and not validate.looks_like_cpr(name)
        labels.append(name if usable else f"(column {get_column_letter(position)})")
    return labels


def header_problems(header: Sequence[str], file: str) -> list[Problem]:
    """Repeated and CPR-like column names in row 1 (empty names are judged with their data)."""
    problems = []
    for position, name in enumerate(header, start=1):
        letter = get_column_letter(position)
        if name and validate.looks_like_cpr(name):
            problems.append(
                Problem(file, 1, f"(column {letter})", "a codebook column name, not a CPR number")
            )
        elif name and name in header[: position - 1]:
            first = get_column_letter(header.index(name) + 1)
            problems.append(
                Problem(file, None, name, f"each column once; it is column {first} and {letter}")
            )
    return problems


def row_shape_problems(
    grid: pd.DataFrame, width: int, file: str, delimiter: str | None
) -> list[Problem]:
    """Rows with values beyond the header's last column, or in another separator.

    ``grid`` holds the rows as read, positions as columns, padded with "".
    """
    if delimiter is None:
        return []
    other = DELIMITERS[1] if delimiter == DELIMITERS[0] else DELIMITERS[0]
    separator = DELIMITER_NAMES[delimiter]
    problems = []
    filled = grid.ne("")
    beyond = filled.iloc[:, width:].any(axis=1)
    others = filled.iloc[:, 1:].eq(False).all(axis=1) & grid.iloc[:, 0].str.contains(
        other, regex=False
    )
    for row in grid.index[others]:
        expected = f"values separated by {separator} as in the header row; this row uses {other!r}"
        problems.append(Problem(file, int(row), None, expected))
    for row in grid.index[beyond & ~others]:
        count = int(filled.loc[row].to_numpy().nonzero()[0].max()) + 1
        hint = "; a decimal comma such as 3,5 must be in quotes when ',' separates the columns"
        expected = f"at most {width} values, as the header row has; this row has {count}" + (
            hint if delimiter == "," else ""
        )
        problems.append(Problem(file, int(row), None, expected))
    return problems


def cells_from_records(
    records: list[list[str]], file: str, delimiter: str | None = None
) -> tuple[pd.DataFrame, list[Problem]]:
    """Cells and reading problems from raw records (record 1 = the header = spreadsheet row 1).

    Examples
    --------
    >>> cells, problems = cells_from_records([["wave", "age_years"], [], [" 2 ", "3,5"]], "x.csv")
    >>> cells
      wave age_years
    3    2       3,5
    >>> problems
    []
    """
    rows = [[field.strip() for field in record] for record in records]
    if not rows or not any(rows[0]):
        fail(file, 1, "the codebook's column names in row 1; the row is empty")
    header = rows[0]
    while header and not header[-1]:
        header = header[:-1]
    if len(header) == 1:
        fail(file, 1, single_column_expectation(header[0], delimiter))
    width = max(len(row) for row in rows)
    data = {number: row + [""] * (width - len(row)) for number, row in enumerate(rows, 1)}
    grid = pd.DataFrame.from_dict(
        {number: row for number, row in data.items() if number > 1 and any(row)},
        orient="index",
        columns=range(width),
        dtype=str,
    )
    if grid.empty:
        fail(file, None, "at least one data row (one row per registration) below the header")
    header = header + [""] * (width - len(header))
    labels = column_labels(header)
    problems = header_problems(header, file)
    has_data = grid.ne("").any(axis=0)
    for position, name in enumerate(header):
        if not name and position < len(rows[0]) and has_data[position]:
            expected = "a column name in row 1 above this column, which holds data"
            problems.append(Problem(file, None, labels[position], expected))
    problems += row_shape_problems(grid, len(rows[0]), file, delimiter)
    grid.columns = labels
    bad_rows = sorted({p.row for p in problems if p.row is not None and p.row > 1})
    kept = [label for label, name in zip(labels, header, strict=True) if label == name]
    dropped_columns = [label for label in labels if label not in kept]
    problems += validate.cpr_problems(grid.loc[bad_rows], file)
    rest = grid.drop(index=bad_rows)
    problems += validate.cpr_problems(rest[dropped_columns], file)
    return rest[kept], problems


def single_column_expectation(name: str, delimiter: str | None) -> str:
    """What to say when the header row holds only one column name.

    >>> single_column_expectation("child_id;municipality", None)  # doctest: +ELLIPSIS
    "the column names in separate cells of row 1; they are in one cell, separated by ';'..."
    """
    for separator in DELIMITERS:
        if separator in name:
            where = "cell" if delimiter is None else "quoted field"
            return (
                f"the column names in separate cells of row 1; they are in one {where}, "
                f"separated by {separator!r} (open the CSV with {separator!r} as the list "
                "separator, or send the CSV file itself)"
            )
    return "the codebook's column names in row 1, separated by ';' or ','; found a single column"
