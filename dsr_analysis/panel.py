"""The validated export as integer arrays for counting: each row's child, each child's place.

The published tables count children (and registrations) in groups: a municipality, or a
municipality and the period of the child's start registration, and the pooled "Alle" and
"Total" of those groups. A child is registered in one municipality only (the course rules
reject anything else) and has one start period, so every pooled count is a sum of the
groups' counts: :class:`Panel` counts each group once and :func:`pooled_groups` adds them up,
instead of stacking a pooled copy of a long table of answers and counting it again.

The arrays are plain numpy: per row the child's code (``child``, codes in the sorted order of
the child ids) and the wave; per child its municipality (codes in the sorted order of the
names), its start period and its start registration's row. Counting is then ``np.bincount``
over a few hundred thousand integers. A columnar engine (DuckDB, Polars) would add a
dependency and a copy of the frame for work that is a handful of integer passes here.

Examples
--------
>>> frame = pd.DataFrame({"child_id": ["b", "a", "a"], "municipality": ["Y", "X", "X"],
...     "wave": [1, 1, 2], "registration_date": pd.to_datetime(["2011-06-01", "2011-02-01",
...     "2011-05-02"])})
>>> panel = Panel.of(frame)
>>> panel.child.tolist(), panel.child_municipality.tolist(), panel.child_period.tolist()
([1, 0, 0], [0, 1], [0, 1])
>>> counts = panel.group_counts(np.ones(2, dtype=bool))  # each child, by place and period
>>> pooled_groups(counts, panel.municipalities, (1, 2, 3), by_period=False)[1].tolist()
[1, 1, 2]
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from dsr_analysis.cells import POOLED_NAME, TOTAL_COLUMN
from dsr_analysis.codebook import Codebook, default_codebook


@dataclass(frozen=True)
class Panel:
    """Codes of a validated export's rows and children (see the module docstring).

    ``child_period`` is a child's period's position in the codebook's periods, or
    ``len(periods)`` when its start registration is in none of them (or it has none);
    ``start_row`` is the row of its start registration (wave 1), -1 without one.
    ``by_child`` orders the rows by child (in the order of the ids) and wave. ``export`` is
    the export itself, whose answer columns :meth:`codes` converts once each.
    """

    export: pd.DataFrame = field(repr=False)
    municipalities: tuple[str, ...]
    periods: tuple[int, ...]
    child: np.ndarray
    wave: np.ndarray
    child_municipality: np.ndarray
    child_period: np.ndarray
    start_row: np.ndarray
    by_child: np.ndarray
    memo: dict = field(default_factory=dict, repr=False, compare=False)

    @classmethod
    def of(cls, export: pd.DataFrame, codebook: Codebook | None = None) -> Panel:
        """The panel of a validated export.

        Raises
        ------
        ValueError
            If a child id has registrations in two municipalities or two start registrations
            (validation rejects both, so this is a caller's mistake).
        """
        codebook = codebook or default_codebook()
        child, ids = pd.factorize(export["child_id"], sort=True)
        place, names = pd.factorize(export["municipality"], sort=True)
        wave = export["wave"].to_numpy(dtype=np.int64)
        child_municipality = np.zeros(len(ids), dtype=np.int64)
        child_municipality[child] = place
        if (child_municipality[child] != place).any():
            raise ValueError("a child id has registrations in more than one municipality")
        starts = np.flatnonzero(wave == 1)
        if (np.bincount(child[starts], minlength=len(ids)) > 1).any():
            raise ValueError("a child id has more than one start registration (wave 1)")
        start_row = np.full(len(ids), -1, dtype=np.int64)
        start_row[child[starts]] = starts
        periods = tuple(period.id for period in codebook.periods)
        row_period = period_positions(export["registration_date"], codebook)
        child_period = np.full(len(ids), len(periods), dtype=np.int64)
        child_period[child[starts]] = row_period[starts]
        return cls(
            export=export,
            municipalities=tuple(str(name) for name in names),
            periods=periods,
            child=child.astype(np.int64),
            wave=wave,
            child_municipality=child_municipality,
            child_period=child_period,
            start_row=start_row,
            by_child=np.lexsort((wave, child)),
        )

    def memoised(self, key: tuple, make: Callable[[], object]):
        """``make()``, made once per panel and ``key`` (a measure reads it again)."""
        if key not in self.memo:
            self.memo[key] = make()
        return self.memo[key]

    def codes(self, column: str) -> np.ndarray:
        """A column of whole-number codes as ``int64``, -1 where empty (converted once)."""
        return self.memoised(("codes", column), lambda: self.export[column].to_numpy(
            dtype=np.int64, na_value=-1))

    @property
    def children(self) -> int:
        return len(self.child_municipality)

    def child_any(self, rows: np.ndarray) -> np.ndarray:
        """Per child: whether any of its rows where ``rows`` (a row mask) is true."""
        found = np.zeros(self.children, dtype=bool)
        found[self.child[rows]] = True
        return found

    def group_counts(self, per_child: np.ndarray) -> np.ndarray:
        """``per_child`` (numbers, or a child mask) summed by municipality x start period.

        Shape ``(municipalities, periods + 1)``; the last column holds the children without
        a start period. Whole numbers come back as ``int64``.
        """
        return self._sum(self.child_municipality, self.child_period, per_child)

    def row_group_counts(self, rows: np.ndarray) -> np.ndarray:
        """Rows where ``rows`` is true, counted by their child's municipality x start period."""
        children = self.child[rows]
        ones = np.ones(len(children), dtype=bool)
        return self._sum(self.child_municipality[children], self.child_period[children], ones)

    def _sum(self, place: np.ndarray, period: np.ndarray, weights: np.ndarray) -> np.ndarray:
        width = len(self.periods) + 1
        size = len(self.municipalities) * width
        index = place * width + period
        weights = np.asarray(weights)
        if weights.dtype == bool:
            # Counting the true ones needs no weights: an integer count, exactly.
            summed = np.bincount(index[weights], minlength=size)
        else:
            summed = np.bincount(index, weights=weights, minlength=size)
            if weights.dtype.kind in "iu":
                summed = np.rint(summed).astype(np.int64)
        return summed.reshape(len(self.municipalities), width)


def period_positions(dates: pd.Series, codebook: Codebook) -> np.ndarray:
    """Each date's period's position in the codebook's periods; ``len(periods)`` in none.

    As :func:`dsr_analysis.tidy.period_of_dates`: periods are inclusive, a later one wins.

    >>> period_positions(pd.Series(pd.to_datetime(["2011-02-10", "2012-05-30", "2010-01-01"])),
    ...                  default_codebook()).tolist()
    [0, 2, 3]
    """
    values = dates.to_numpy(dtype="datetime64[ns]")
    found = np.full(len(values), len(codebook.periods), dtype=np.int64)
    for position, period in enumerate(codebook.periods):
        start, end = np.datetime64(period.start, "ns"), np.datetime64(period.end, "ns")
        found[(values >= start) & (values <= end)] = position
    return found


def pooled_groups(
    counts: np.ndarray, municipalities: Sequence[str], periods: Sequence[int], by_period: bool
) -> tuple[pd.DataFrame, np.ndarray]:
    """The published groups of counts by municipality x start period, with their sums.

    ``counts`` has shape ``(municipalities, periods + 1, ...)`` (see
    :meth:`Panel.group_counts`). Without ``by_period`` the groups are each municipality and
    "Alle" (every period and none added up); with it, each municipality and "Alle" by each
    period and in "Total" (which also holds the children without a start period). Returns
    the groups' keys (``municipality``, and ``period``: a period id or "Total") and their
    counts, one per group along the first axis.
    """
    counts = np.asarray(counts)
    every = counts.sum(axis=0, keepdims=True)
    by_place = np.concatenate([counts, every])
    names = [*municipalities, POOLED_NAME]
    total = by_place.sum(axis=1)
    if not by_period:
        return pd.DataFrame({"municipality": names}), total
    places = len(names)
    within = by_place[:, : len(periods)]
    keys = pd.DataFrame(
        {
            "municipality": np.repeat(np.array(names, dtype=object), len(periods) + 1),
            "period": np.tile(np.array([*periods, TOTAL_COLUMN], dtype=object), places),
        }
    )
    stacked = np.concatenate([within, total[:, None]], axis=1)
    return keys, stacked.reshape(places * (len(periods) + 1), *counts.shape[2:])
