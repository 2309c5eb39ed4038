"""The monitoring's table specification (``data/tables.yml``): which measure of which question
fills each published table, and which of a table's groups are closed at a data cut-off.

Its own module so that the tables (:mod:`dsr_analysis.tables`) and a release's facts
(:mod:`dsr_analysis.release`) both read it without importing each other.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import pandas as pd
import yaml

from dsr_analysis import config
from dsr_analysis.cells import TOTAL_COLUMN
from dsr_analysis.codebook import Codebook, default_codebook

#: Measures of the start registration only: a period's groups are complete once it ended.
_START_MEASURES = ("children", "age_groups", "mean_age", "start")


@dataclass(frozen=True)
class Table:
    """One published table as ``data/tables.yml`` describes it."""

    id: str
    measure: str
    question: str | None = None
    by_period: bool = False
    exclusive: bool = False
    exclude_dont_know: bool = False
    same_as: dict | None = None
    label_da: str | None = None
    label_en: str | None = None
    # Contrast rows (dsr_analysis.contrasts): {from: period id, to: period id}, the change
    # from start to latest measurement, or positive minus negative development.
    contrast: dict | None = None
    change: bool = False
    balance: bool = False


@dataclass(frozen=True)
class TablesSpec:
    tables: tuple[Table, ...]
    labels: dict
    development_small_max_steps: dict[str, int]

    def label(self, key: str, language: str, **fields) -> str:
        return self.labels[key][language].format(**fields)

    def development_label(self, code: str, language: str) -> str:
        for entry in self.labels["development"]:
            if entry["code"] == code:
                return entry[language]
        raise KeyError(code)


@lru_cache(maxsize=4)
def load_tables_spec(path: Path | str = config.TABLES_SPEC_PATH) -> TablesSpec:
    """Read ``data/tables.yml``.

    >>> [t.id for t in load_tables_spec().tables][:3]
    ['6-1', '7-1', '7-2']
    """
    raw = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    fields = set(Table.__dataclass_fields__)
    tables = tuple(
        Table(**{k: v for k, v in entry.items() if k in fields}) for entry in raw["tables"]
    )
    return TablesSpec(tables, raw["labels"], raw["development_small_max_steps"])



def closed_columns(cutoff: str, codebook: Codebook | None = None,
                   language: str = "da") -> set[tuple[str, str]]:
    """(table, column) pairs whose groups cannot change after ``cutoff``.

    A table of the start registration counts children by the period they started in; a
    period that ended before the cut-off has all its children (a later registration is a
    follow-up, not a start). Its total, and a table without periods, close with the last
    period. Tables that follow children over time (ever, latest, development) never close.

    Examples
    --------
    >>> sorted(c for t, c in closed_columns("2011-11-15") if t == "7-17")
    ['Periode 1', 'Periode 2']
    """
    codebook = codebook or default_codebook()
    labels = {p.id: p.label(language) for p in codebook.periods}
    ended = [p for p in codebook.periods if pd.Timestamp(p.end) < pd.Timestamp(cutoff)]
    every = len(ended) == len(codebook.periods)
    closed = set()
    for table in load_tables_spec().tables:
        if table.measure not in _START_MEASURES:
            continue
        if table.by_period:
            closed |= {(table.id, labels[p.id]) for p in ended}
        if every:
            closed.add((table.id, TOTAL_COLUMN))
    return closed
