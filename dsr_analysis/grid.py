"""A file's rows as categorical columns: each distinct cell text is stored once.

A monitoring export of a million rows has some 65 million cells but only a few hundred
thousand distinct texts (codes, dates, child ids). As Python strings the cells would take
gigabytes; as categorical columns they take one small integer code per cell, and a rule can judge
each distinct text once (see :mod:`dsr_analysis.validate`). A CSV file is parsed by pandas' C
reader straight into categorical columns, so no string per cell is ever made. A file that reader
would split differently from Python's :mod:`csv` module (a row longer than the header, an
unclosed quote) is read with that module instead, a chunk of rows at a time.

Cells are stripped of surrounding white space; "" is an empty cell.

Why not a columnar reader (pyarrow, Polars, DuckDB)? The grid must split a file exactly as
:mod:`csv` does (tests/test_grid.py) and number its records as a spreadsheet shows them, blank
ones included, which those readers do not promise; and after reading, every cell is one small
integer code, so the rules and the tables run on numpy arrays anyway. Reading costs the C
parser's pass plus one factorisation of each column's chunk (:class:`_Codes`).
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from itertools import islice

import numpy as np
import pandas as pd

CHUNK_ROWS = 20_000
"""Rows converted at a time when a file is read record by record."""

_SAW = re.compile(r"Expected \d+ fields in line \d+, saw (\d+)")


class CsvError(ValueError):
    """Text :mod:`csv` refuses to read (a cell longer than :func:`csv.field_size_limit`)."""


@dataclass(frozen=True)
class Grid:
    """A file's rows as read.

    ``header`` is record 1 (the header row), stripped, with as many fields as it has.
    ``rows`` holds the other records that are not blank: columns ``0 .. width - 1`` by
    position, each categorical with stripped texts, shorter rows padded with "", the index the
    record's number (= spreadsheet row; blank records count, as a spreadsheet shows them).
    """

    header: list[str]
    rows: pd.DataFrame

    @property
    def width(self) -> int:
        return max(len(self.header), self.rows.shape[1])


def categorical(values: Sequence[str] | np.ndarray | pd.Series | pd.Categorical) -> pd.Categorical:
    """The texts stripped, as a categorical with sorted categories and no missing values.

    >>> column = categorical([" 2", "10", "", "2", None])
    >>> list(column.categories), column.codes.tolist()
    (['', '10', '2'], [2, 1, 0, 2, 0])
    """
    if not isinstance(values, pd.Categorical):
        values = pd.Categorical(pd.Series(values, dtype=object).fillna(""))
    return stripped(values)


def stripped(column: pd.Categorical) -> pd.Categorical:
    """``column`` with each category stripped (merging those that become equal), sorted."""
    texts = [str(text).strip() for text in column.categories]
    missing = bool((column.codes < 0).any())
    # Code -1 (missing) picks the last entry: the code of "".
    recode, distinct = pd.factorize(np.array(texts + [""] * missing, dtype=object), sort=True)
    return pd.Categorical.from_codes(recode[column.codes], categories=pd.Index(distinct, dtype=str))


def concatenated(parts: Sequence[pd.Categorical]) -> pd.Categorical:
    """One categorical of ``parts`` in turn, its categories the sorted union of theirs.

    >>> joined = concatenated([categorical(["b", "a"]), categorical(["c", "b"])])
    >>> list(joined), list(joined.categories)
    (['b', 'a', 'c', 'b'], ['a', 'b', 'c'])
    """
    if len(parts) == 1:
        return parts[0]
    distinct = sorted(set().union(*(part.categories for part in parts)))
    index = pd.Index(distinct, dtype=str)
    codes = [index.get_indexer(part.categories)[part.codes] for part in parts]
    return pd.Categorical.from_codes(np.concatenate(codes), categories=index)


def empty_codes(column: pd.Categorical) -> np.ndarray:
    """Whether each cell of ``column`` is empty ("")."""
    code = column.categories.get_indexer([""])[0]
    return column.codes == code if code >= 0 else np.zeros(len(column), dtype=bool)


def grid_of(header: list[str], columns: list[pd.Categorical], numbers: np.ndarray) -> Grid:
    """The grid of records ``numbers`` (their columns by position), blank records left out."""
    filled = np.zeros(len(numbers), dtype=bool)
    for column in columns:
        filled |= ~empty_codes(column)
    if not filled.all():
        columns = [column[filled] for column in columns]
    rows = pd.DataFrame(
        dict(enumerate(columns)),
        index=pd.Index(numbers[filled], dtype=np.int64),
        columns=range(len(columns)),
    )
    return Grid([field.strip() for field in header], rows)


def records_grid(records: Iterable[Sequence[str]]) -> Grid:
    """The grid of records as :mod:`csv` or openpyxl give them (record 1 = the header).

    The records are converted :data:`CHUNK_ROWS` at a time, so only one chunk's cells are
    ever Python strings at once.

    >>> grid = records_grid([["a", "b"], ["1", " 2 "], [], ["3"]])
    >>> grid.header, grid.rows.index.tolist(), grid.rows[1].tolist()
    (['a', 'b'], [2, 4], ['2', ''])
    """
    records = iter(records)
    header = list(next(records, []))

    def chunks() -> Iterator[tuple[int, list[np.ndarray]]]:
        while chunk := list(islice(records, CHUNK_ROWS)):
            longest = max(len(record) for record in chunk)
            cells = np.array([[*r, *[""] * (longest - len(r))] for r in chunk], dtype=object)
            cells = cells.reshape(len(chunk), longest)
            yield len(chunk), [cells[:, position] for position in range(longest)]

    columns, count = categorical_columns(chunks(), len(header))
    return grid_of(header, columns, np.arange(2, 2 + count, dtype=np.int64))


def categorical_columns(
    chunks: Iterable[tuple[int, Sequence[np.ndarray]]], width: int = 0, limit: int | None = None
) -> tuple[list[pd.Categorical], int]:
    """Stripped categorical columns of chunks of rows, and the number of rows.

    Each chunk is its number of rows and its cells by position (arrays of that length); a
    chunk narrower than another is padded with "". ``limit``: raise :class:`CsvError` for a
    cell (before stripping) longer than this, as :mod:`csv` would.

    >>> columns, count = categorical_columns([(2, [np.array(["1", "2"])]), (3, []),
    ...                                       (1, [np.array(["2"]), np.array(["x"])])])
    >>> [list(column) for column in columns], count
    ([['1', '2', '', '', '', '2'], ['', '', '', '', '', 'x']], 6)
    """
    columns: list[_Codes] = []
    count = 0
    for rows, chunk in chunks:
        while len(columns) < max(width, len(chunk)):
            columns.append(_Codes(count))
        for position, column in enumerate(columns):
            if position < len(chunk):
                column.add(chunk[position], limit)
            else:
                column.pad(rows)
        count += rows
    while len(columns) < width:
        columns.append(_Codes(count))
    return [column.categorical(count) for column in columns], count


class _Codes:
    """One column's cells, chunk by chunk: each chunk's codes into its own distinct texts.

    Each chunk is factorised once; the chunks' distinct texts are joined (and stripped and
    sorted, :func:`stripped`) once all are in, so a text costs one look-up per chunk that
    holds it and no Python code per cell.
    """

    def __init__(self, rows_before: int) -> None:
        self.codes: list[np.ndarray] = []
        self.texts: list[np.ndarray] = []
        if rows_before:
            self.pad(rows_before)

    def add(self, cells: np.ndarray, limit: int | None) -> None:
        codes, distinct = pd.factorize(np.asarray(cells, dtype=object), use_na_sentinel=True)
        missing = [""] if (codes < 0).any() else []
        texts = np.array(["" if text is None else str(text) for text in distinct] + missing,
                         dtype=object)
        if limit is not None and any(len(text) > limit for text in texts):
            raise CsvError(f"field larger than field limit ({limit})")
        # A missing cell (None or NaN, code -1) is an empty one: the "" appended last.
        self.codes.append(codes)
        self.texts.append(texts)

    def pad(self, rows: int) -> None:
        self.codes.append(np.zeros(rows, dtype=np.int64))
        self.texts.append(np.array([""], dtype=object))

    def categorical(self, rows: int) -> pd.Categorical:
        if not self.codes:
            return pd.Categorical([], categories=pd.Index([""], dtype=str))
        offsets = np.cumsum([0] + [len(texts) for texts in self.texts[:-1]])
        joined, texts = pd.factorize(np.concatenate(self.texts))
        codes = np.concatenate([
            joined[offset + np.where(codes < 0, len(chunk) - 1, codes)]
            for offset, codes, chunk in zip(offsets, self.codes, self.texts, strict=True)
        ])
        return stripped(pd.Categorical.from_codes(codes[:rows], categories=pd.Index(
            texts, dtype=object)))


def csv_grid(data: bytes, encoding: str, delimiter: str) -> Grid:
    """The grid of CSV text, read by pandas' C parser as :mod:`csv` would read it.

    The text is read :data:`CHUNK_ROWS` rows at a time, each chunk's cells turned into
    categorical columns before the next is read. Falls back to :mod:`csv`
    (:func:`records_grid`) where the two parsers could differ: a row longer than twice the
    header, a quote never closed. Raises :class:`CsvError` where :mod:`csv` would refuse the
    text (a cell too long).

    >>> grid = csv_grid("a;b\\r\\n1; 2\\r\\n\\r\\n\\"x;y\\";4\\r\\n".encode(), "utf-8", ";")
    >>> grid.header, grid.rows.index.tolist(), grid.rows[0].tolist()
    (['a', 'b'], [2, 4], ['1', 'x;y'])
    """
    options = dict(
        sep=delimiter,
        header=None,
        encoding=encoding,
        engine="c",
        dtype=object,
        na_filter=False,
        skip_blank_lines=False,
        index_col=False,
        quotechar='"',
        doublequote=True,
        quoting=csv.QUOTE_MINIMAL,
    )
    try:
        width = pd.read_csv(io.BytesIO(data), nrows=1, **options).shape[1]
        try:
            return _chunked_csv_grid(data, width, width, options)
        except pd.errors.ParserError as error:
            saw = _SAW.search(str(error))
            if saw is None:
                raise
            # One wider try covers a few rows with extra values; wilder files go to csv.
            return _chunked_csv_grid(data, width, max(int(saw[1]), 2 * width), options)
    except (pd.errors.ParserError, pd.errors.EmptyDataError):
        return _csv_module_grid(data, encoding, delimiter)


def _chunked_csv_grid(data: bytes, header_width: int, width: int, options: dict) -> Grid:
    reader = pd.read_csv(io.BytesIO(data), names=range(width), chunksize=CHUNK_ROWS, **options)
    with reader:
        chunks = ((len(c), [c[p].to_numpy() for p in c.columns]) for c in reader)
        columns, count = categorical_columns(chunks, width, csv.field_size_limit())
    header = [str(column[0]) for column in columns[:header_width]]
    numbers = np.arange(2, count + 1, dtype=np.int64)
    return grid_of(header, [column[1:] for column in columns], numbers)


def _csv_module_grid(data: bytes, encoding: str, delimiter: str) -> Grid:
    text = data.decode(encoding)
    try:
        return records_grid(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter))
    except csv.Error as error:
        raise CsvError(str(error)) from error
