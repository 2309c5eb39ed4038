"""The published-cells contract: the one format in which every design hands its numbers on.

A *cell* is one published number with what a reader needs to read it: the ``table`` it belongs
to, the ``municipality`` (or the pooled unit), its ``column`` and row ``label``, the option
``code``, the group size ``n``, the ``count`` behind a share, the ``value`` itself, a 95 %
interval (``ci_low``, ``ci_high``) where the design computes one, the ``denominator`` of a share
whose unit is not ``n``, the ``kind`` of number, whether it is ``suppressed``, whether the data
were ``synthetic``, a ``published`` reference figure (the trial's source figures) and the
``min_cell`` of the disclosure control that released it.

The monitoring tables (:mod:`dsr_analysis.tables`) and Copenhagen's trial
(:mod:`dsr_analysis.trial.cells`) both produce cells; the chapters, the index and the audit read
nothing else. This module is the one home of the columns, of the pooled unit's id and name, of the
contrast rows' kind, and of reading and writing cells.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from dsr_analysis.errors import ConfigurationError
from dsr_analysis.files import atomic_write_text

#: The pooled unit: its name in the cells' ``municipality`` column and its report-set id.
POOLED_NAME = "Alle"
POOLED_ID = "alle"
#: The column that adds up the periods of a by-period table.
TOTAL_COLUMN = "Total"
#: The ``kind`` of a contrast row: a change between two columns or rows, or a balance, with its
#: interval; an assessment reads it, but it is no cell of the table's own.
DIFFERENCE = "difference"

#: Every column of a published-cells file, in file order.
COLUMNS: tuple[str, ...] = (
    "table",
    "municipality",
    "column",
    "label",
    "code",
    "n",
    "count",
    "value",
    "denominator",
    "kind",
    "suppressed",
    "synthetic",
    "ci_low",
    "ci_high",
    "published",
    "min_cell",
)
#: The columns every consumer needs (the key, the numbers and the flag); the others may be
#: absent in hand-made cells.
REQUIRED: tuple[str, ...] = (*COLUMNS[:8], "suppressed")
#: Columns kept as text when read back, so labels such as "<1" or "NA" stay labels.
TEXT_COLUMNS: tuple[str, ...] = (
    "table",
    "municipality",
    "column",
    "label",
    "code",
    "kind",
    "label_display",
    "column_display",
)
NUMBER_COLUMNS: tuple[str, ...] = (
    "n",
    "count",
    "value",
    "denominator",
    "ci_low",
    "ci_high",
    "published",
)


def check_columns(cells: pd.DataFrame, where: str = "published cells") -> None:
    """Raise ConfigurationError unless ``cells`` has the required columns.

    Examples
    --------
    >>> check_columns(pd.DataFrame(columns=list(REQUIRED)))
    """
    missing = [c for c in REQUIRED if c not in cells.columns]
    if missing:
        raise ConfigurationError(f"{where} lack column(s): {', '.join(missing)}")


def _flag(values: pd.Series) -> pd.Series:
    return values.astype(str).str.lower().isin(["true", "1"])


def read_cells(path: Path | str) -> pd.DataFrame:
    """Read a published-cells CSV: text columns as text, numbers as floats, flags as bools.

    Raises
    ------
    ConfigurationError
        If a required column is missing.
    """
    cells = pd.read_csv(
        path,
        dtype={c: str for c in TEXT_COLUMNS},
        keep_default_na=False,
        na_values={c: [""] for c in NUMBER_COLUMNS},
        encoding="utf-8",
    )
    check_columns(cells, Path(path).name)
    cells["suppressed"] = _flag(cells["suppressed"])
    if "synthetic" in cells:
        cells["synthetic"] = _flag(cells["synthetic"])
    for column in NUMBER_COLUMNS:
        if column in cells:
            cells[column] = pd.to_numeric(cells[column], errors="coerce")
    if "label_display" not in cells:
        cells["label_display"] = cells["label"]
    if "column_display" not in cells:
        cells["column_display"] = cells["column"]
    return cells


def cells_csv(cells: pd.DataFrame) -> str:
    """Cells as deterministic CSV text: the same cells always give the same bytes.

    Examples
    --------
    >>> cells_csv(pd.DataFrame({"table": ["7-1"], "value": [0.5]}))
    'table,value\\n7-1,0.500000\\n'
    """
    return cells.to_csv(index=False, lineterminator="\n", float_format="%.6f")


def write_cells(cells: pd.DataFrame, path: Path | str) -> Path:
    """Write cells as CSV atomically: a reader never sees a half-written file."""
    return atomic_write_text(path, cells_csv(cells))


def ordinary_cells(cells: pd.DataFrame) -> pd.DataFrame:
    """The cells but the contrast rows (``kind`` difference): what a table's n, its hidden
    share, its points and its bars are counted from.

    Examples
    --------
    >>> cells = pd.DataFrame({"value": [0.52, 0.25], "kind": ["share", DIFFERENCE]})
    >>> ordinary_cells(cells)["value"].tolist()
    [0.52]
    >>> len(ordinary_cells(pd.DataFrame({"value": [0.52]})))  # hand-made cells, no kind
    1
    """
    if "kind" not in cells:
        return cells
    return cells[cells["kind"] != DIFFERENCE]


def released_min_cell(cells: pd.DataFrame, default: int) -> int:
    """The minimum cell size the cells say released them (``default`` if they do not say).

    Examples
    --------
    >>> released_min_cell(pd.DataFrame({"min_cell": [5, 5]}), 1), released_min_cell(
    ...     pd.DataFrame({"table": ["7-1"]}), 3)
    (5, 3)
    """
    marked = cells["min_cell"].dropna() if "min_cell" in cells else pd.Series(dtype=float)
    return int(marked.max()) if len(marked) else default


def is_synthetic(cells: pd.DataFrame) -> bool:
    """True when the cells say they come from synthetic data (or do not say otherwise).

    Examples
    --------
    >>> is_synthetic(pd.DataFrame({"synthetic": [False, False]}))
    False
    """
    if "synthetic" not in cells or cells.empty:
        return True
    return bool(_flag(cells["synthetic"]).any())
