"""Reading a monitoring export (CSV or Excel .xlsx) into a validated, typed frame.

The file is first read as it is, every cell a stripped string, so that validation can name
the spreadsheet row and column of each problem; :mod:`dsr_analysis.validate` then checks the
cells and types them. The cells are held as categorical columns (:mod:`dsr_analysis.grid`), so
a file of a million rows takes memory in proportion to its size, and problems are held as
arrays until shown (:mod:`dsr_analysis.problem_list`). ``data/README.md`` documents the format
for the municipalities.
"""

from __future__ import annotations

import datetime as dt
import re
import zipfile
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import NoReturn

import numpy as np
import pandas as pd
from openpyxl import load_workbook
from openpyxl.utils import get_column_letter
from openpyxl.utils.exceptions import InvalidFileException

from dsr_analysis import validate
from dsr_analysis.codebook import Codebook, default_codebook
from dsr_analysis.errors import InputValidationError, Problem
from dsr_analysis.grid import CsvError, Grid, csv_grid, empty_codes, records_grid
from dsr_analysis.municipalities import monitored_names
from dsr_analysis.problem_list import Problems, RowProblems, as_problems

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
    cells, problems = grid_cells(*export_grid(path), path.name)
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
    grid, delimiter = export_grid(path)
    cells, problems = grid_cells(grid, delimiter, path.name)
    problems += validate.export_problem_list(cells, path.name, codebook, names)
    if not problems:
        return validate.typed_export(cells, codebook), {}
    municipality = grid_column(grid, validate.MUNICIPALITY_COLUMN)
    child = grid_column(grid, validate.ID_COLUMN)
    by_municipality = problems_by_municipality(problems, municipality, child, names)
    if by_municipality is None:
        validate.raise_for_problems(problems)
    sound = cells[~cells[validate.MUNICIPALITY_COLUMN].isin(list(by_municipality))]
    if sound.empty:
        validate.raise_for_problems(problems)
    # The rules judge a row by its own cells or its child's other rows, and no child spans two
    # municipalities here, so the rest passes; validating it again keeps that a checked fact.
    export = validate.validated_export(sound, path.name, codebook, names)
    return export, {
        name: InputValidationError(found.shown(), total=len(found))
        for name, found in by_municipality.items()
    }


def problems_by_municipality(
    problems: Sequence[Problem],
    municipality: pd.Series,
    child: pd.Series,
    names: Sequence[str],
) -> dict[str, Problems] | None:
    """Each municipality's problems, or None when any problem concerns the whole file.

    A problem belongs to a municipality when it sits in a data row whose municipality cell
    names one of ``names`` and whose child is registered in no other municipality.
    ``municipality`` and ``child`` are the file's cells under those columns as read, indexed
    by spreadsheet row (see :func:`grid_column`), so rows set aside while reading (too many
    values) are placed too. Everything else concerns the whole file: problems of the header or
    a column, problems in the municipality column itself (empty, unknown or changing), and rows
    whose child id turns up in several municipalities, since which of them is wrong is unknown.

    Examples
    --------
    >>> municipality = pd.Series(["Kolding", "Odense"], index=[2, 3])
    >>> child = pd.Series(["A1", "B1"], index=[2, 3])
    >>> wrong_wave = Problem("x.csv", 3, "wave", "a whole number")
    >>> list(problems_by_municipality([wrong_wave], municipality, child, ["Kolding", "Odense"]))
    ['Odense']
    >>> column = Problem("x.csv", None, "wave", "a column")
    >>> print(problems_by_municipality([column], municipality, child, ["Kolding", "Odense"]))
    None
    """
    group = row_groups(municipality, child, names)
    found: dict[str, Problems] = {}
    for part in as_problems(problems).parts:
        if isinstance(part, RowProblems):
            split = _split_batch(part, group, names)
            if split is None:
                return None
            for name, batch in split:
                found.setdefault(name, Problems())
                found[name] += batch
            continue
        for problem in part:
            if problem.row is None or problem.row < 2:
                return None
            if problem.column == validate.MUNICIPALITY_COLUMN:
                return None
            code = int(group[problem.row]) if problem.row < len(group) else -1
            if code < 0:
                return None
            found.setdefault(names[code], Problems())
            found[names[code]] += [problem]
    return found


def row_groups(municipality: pd.Series, child: pd.Series, names: Sequence[str]) -> np.ndarray:
    """Spreadsheet row number -> position in ``names`` of the row's municipality, else -1.

    -1 also marks a row whose child id is in rows of several municipalities, and rows not read.

    >>> row_groups(pd.Series(["Odense", "Aarhus", "Odense"], index=[2, 3, 5]),
    ...            pd.Series(["A", "B", "C"], index=[2, 3, 5]), ["Kolding", "Odense"]).tolist()
    [-1, -1, 1, -1, -1, 1]
    """
    places = validate.categorical(municipality)
    position = {name: index for index, name in enumerate(names)}
    of_category = np.array([position.get(text, -1) for text in places.cat.categories] + [-1])
    codes = of_category[places.cat.codes.to_numpy()]
    codes[children_in_several(municipality, child)] = -1
    size = int(municipality.index.max()) + 1 if len(municipality) else 0
    group = np.full(size, -1, dtype=np.int64)
    group[municipality.index.to_numpy()] = codes
    return group


def _split_batch(
    batch: RowProblems, group: np.ndarray, names: Sequence[str]
) -> list[tuple[str, RowProblems]] | None:
    """A batch's problems by municipality (first one first), or None if any is whole-file."""
    columns = batch.labels if batch.codes is None else [batch.labels[c] for c in set(batch.codes)]
    if validate.MUNICIPALITY_COLUMN in columns:
        return None
    rows = batch.rows
    if (rows < 2).any() or (rows >= len(group)).any():
        return None
    codes = group[rows]
    if (codes < 0).any():
        return None
    distinct, first = np.unique(codes, return_index=True)
    return [(names[code], batch.subset(codes == code)) for code in distinct[np.argsort(first)]]


def children_in_several(municipality: pd.Series, child: pd.Series) -> np.ndarray:
    """Whether each row's child id is also found with another (non-empty) municipality.

    >>> children_in_several(pd.Series(["Kolding", "Odense", "Odense", ""]),
    ...                     pd.Series(["A", "A", "B", "B"])).tolist()
    [True, True, False, False]
    """
    places = validate.categorical(municipality).cat.codes.to_numpy()
    children = validate.categorical(child)
    ids = children.cat.codes.to_numpy()
    both = (municipality.to_numpy() != "") & (child.to_numpy() != "")
    pairs = np.unique(np.stack([ids[both], places[both]]), axis=1)
    places_per_child = np.bincount(pairs[0], minlength=len(children.cat.categories))
    return places_per_child[ids] > 1


def grid_column(grid: Grid, column: str) -> pd.Series:
    """The cells under the header's (first) ``column``, by spreadsheet row; "" without one.

    >>> from dsr_analysis.grid import records_grid
    >>> grid_column(records_grid([["wave", "municipality"], [" 1 ", " Odense "], ["2"]]),
    ...             "municipality").to_dict()
    {2: 'Odense', 3: ''}
    """
    if column not in grid.header:
        return pd.Series("", index=grid.rows.index, dtype=object)
    return pd.Series(grid.rows[grid.header.index(column)], name=column)


def export_cells(path: Path | str) -> tuple[pd.DataFrame, list[Problem]]:
    """The export's cells as stripped strings, with the problems found while reading them.

    The frame has the header's column names and the spreadsheet row numbers as index; blank
    rows are left out. Rows and columns that cannot be placed (too many values, no or a
    repeated column name) are left out too and reported in the problems. The columns are
    categorical (each distinct text stored once).

    Raises
    ------
    InputValidationError
        If the file cannot be read at all: missing, empty, unreadable, wrong separator.
    """
    path = Path(path)
    cells, problems = grid_cells(*export_grid(path), path.name)
    return cells, list(problems)


def export_grid(path: Path) -> tuple[Grid, str | None]:
    """The file's records as read (:class:`~dsr_analysis.grid.Grid`) and its CSV separator
    (None: Excel).

    Raises
    ------
    InputValidationError
        If the file cannot be read at all: missing, empty, unreadable, wrong separator.
    """
    if not path.is_file():
        fail(path.name, None, "an export file at this path; there is none")
    if path.suffix.lower() == EXCEL_SUFFIX:
        return xlsx_grid(path), None
    data = path.read_bytes()
    text, encoding = decoded(data, path.name)
    delimiter = header_delimiter(text, path.name)
    del text  # the parser reads the bytes; the text of a large file need not stay
    try:
        return csv_grid(data, encoding, delimiter), delimiter
    except CsvError as error:
        fail(path.name, None, f"well-formed CSV ({error})")


def fail(file: str, row: int | None, expected: str) -> NoReturn:
    """Raise the error of a problem that stops reading the file."""
    raise InputValidationError([Problem(file, row, None, expected)])


def decoded_text(data: bytes, file: str) -> str:
    """The file's text, decoded as UTF-8 (with or without BOM) or else as cp1252.

    >>> decoded_text("wave;kommune\\n1;Ærø".encode("cp1252"), "x.csv").splitlines()[1]
    '1;Ærø'
    """
    return decoded(data, file)[0]


def decoded(data: bytes, file: str) -> tuple[str, str]:
    """The file's text and the encoding it was decoded with (see :func:`decoded_text`)."""
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
        if control_characters(data):
            fail(file, None, f"{READABLE}; the file holds binary data or another encoding")
        if encoding == "cp1252" and UTF8_READ_AS_CP1252.search(text):
            fail(
                file,
                None,
                f"one encoding throughout ({READABLE}); this file mixes UTF-8 and cp1252",
            )
        return text, encoding
    fail(file, None, f"{READABLE}; the file cannot be decoded as any of them")


def control_characters(data: bytes) -> bool:
    """Whether the bytes hold a control character other than tab, line feed and return.

    Those bytes are the characters :data:`CONTROL_CHARACTERS` finds in the text decoded as
    UTF-8 (every byte of a multi-byte character is 0x80 or more) or as cp1252 (one
    character per byte); deleting every other byte is one pass in C over a large file.

    >>> control_characters(b"a;b\\r\\n1;\\tx\\n"), control_characters("æ\\x01".encode())
    (False, True)
    """
    return bool(data.translate(None, _NOT_CONTROL))


_NOT_CONTROL = bytes(byte for byte in range(256)
                     if not CONTROL_CHARACTERS.match(chr(byte)))


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


def xlsx_grid(path: Path) -> Grid:
    """The first sheet's rows, from row 1 on, as a grid."""
    try:
        workbook = load_workbook(path, read_only=True, data_only=True)
    except (zipfile.BadZipFile, InvalidFileException, KeyError, OSError, ValueError):
        fail(path.name, None, "an Excel workbook (.xlsx) that opens; this one cannot be read")
    try:
        return records_grid(xlsx_records(workbook))
    finally:
        workbook.close()


def xlsx_records(workbook) -> Iterator[list[str]]:
    """The first sheet's rows as lists of cell texts, from row 1 on, one at a time."""
    sheet = workbook.worksheets[0]
    sheet.reset_dimensions()
    for row in sheet.iter_rows(values_only=True):
        yield [cell_text(value) for value in row]


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
    rows: pd.DataFrame, width: int, file: str, delimiter: str | None
) -> list[RowProblems]:
    """Rows with values beyond the header's last column, or in another separator.

    ``rows`` holds the rows as read, positions as columns, padded with "" (a grid's rows).
    """
    if delimiter is None:
        return []
    other = DELIMITERS[1] if delimiter == DELIMITERS[0] else DELIMITERS[0]
    separator = DELIMITER_NAMES[delimiter]
    filled = [~empty_codes(rows[position].array) for position in rows.columns]
    beyond = np.logical_or.reduce(filled[width:], initial=False) & np.ones(len(rows), bool)
    rest_empty = ~np.logical_or.reduce(filled[1:], initial=False)
    first = validate.categorical(rows[0])
    others = rest_empty & first.str.contains(other, regex=False).to_numpy(dtype=bool)
    numbers = rows.index.to_numpy()
    expected = f"values separated by {separator} as in the header row; this row uses {other!r}"
    hint = "; a decimal comma such as 3,5 must be in quotes when ',' separates the columns"
    long = beyond & ~others
    last = np.zeros(int(long.sum()), dtype=np.int64)
    for position, cells in enumerate(filled):
        last[cells[long]] = position + 1
    return [
        RowProblems(file, numbers[others], (None,), expected),
        RowProblems(
            file,
            numbers[long],
            (None,),
            lambda count: f"at most {width} values, as the header row has; this row has "
            f"{int(count)}" + (hint if delimiter == "," else ""),
            payload={"count": last},
        ),
    ]


def grid_cells(grid: Grid, delimiter: str | None, file: str) -> tuple[pd.DataFrame, Problems]:
    """Cells and reading problems of a grid (as :func:`export_cells`; problems as arrays)."""
    if not grid.header or not any(grid.header):
        fail(file, 1, "the codebook's column names in row 1; the row is empty")
    header = list(grid.header)
    while header and not header[-1]:
        header = header[:-1]
    if len(header) == 1:
        fail(file, 1, single_column_expectation(header[0], delimiter))
    rows = grid.rows
    if rows.empty:
        fail(file, None, "at least one data row (one row per registration) below the header")
    header = header + [""] * (rows.shape[1] - len(header))
    labels = column_labels(header)
    problems = Problems([header_problems(header, file)])
    for position, name in enumerate(header):
        if not name and position < len(grid.header) and (~empty_codes(rows[position].array)).any():
            expected = "a column name in row 1 above this column, which holds data"
            problems += [Problem(file, None, labels[position], expected)]
    shape = row_shape_problems(rows, len(grid.header), file, delimiter)
    for batch in shape:
        problems += batch
    rows = rows.set_axis(labels, axis=1)
    bad_rows = np.unique(np.concatenate([batch.rows for batch in shape] or [np.zeros(0, int)]))
    kept = [label for label, name in zip(labels, header, strict=True) if label == name]
    dropped_columns = [label for label in labels if label not in kept]
    # (A column's categories outlive a selection of its rows: screen only what is there.)
    if len(bad_rows):
        problems += validate.cpr_batch(rows.loc[bad_rows], file)
    rest = rows.drop(index=bad_rows) if len(bad_rows) else rows
    if dropped_columns:
        problems += validate.cpr_batch(rest[dropped_columns], file)
    return rest[kept], problems


def cells_from_records(
    records: list[list[str]], file: str, delimiter: str | None = None
) -> tuple[pd.DataFrame, list[Problem]]:
    """Cells and reading problems from raw records (record 1 = the header = spreadsheet row 1).

    Examples
    --------
    >>> cells, problems = cells_from_records([["wave", "age_years"], [], [" 2 ", "3,5"]], "x.csv")
    >>> cells.astype(str)
      wave age_years
    3    2       3,5
    >>> problems
    []
    """
    cells, problems = grid_cells(records_grid(records), delimiter, file)
    return cells, list(problems)


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
