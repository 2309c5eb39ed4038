"""What a design tells the disclosure control about its tables, and the node builder.

:class:`TableSpec` says how a table's cells are made and how they add up; :class:`Contrast`
names a derived row. The builder collects the nodes (the quantities behind the cells) and the
relations between them while :mod:`~dsr_analysis.disclosure.model` reads the cells.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from dsr_analysis.cells import DIFFERENCE
from dsr_analysis.errors import ConfigurationError

KEY = ["table", "municipality", "column", "label"]
SHARE, MEAN, COUNT = "share", "mean", "count"
KINDS = (SHARE, MEAN, COUNT, DIFFERENCE)
_TOLERANCE = 1e-6


@dataclass(frozen=True)
class Contrast:
    """A derived row: ``end`` minus ``start`` along one axis of a table.

    ``axis="column"``: for every label, the row in column ``name`` compares columns ``start``
    and ``end`` (e.g. "Periode 1" and "Periode 3"). ``axis="label"``: for every column, the row
    labelled ``name`` compares rows ``start`` and ``end`` (start and latest measurement).
    """

    axis: str
    name: str
    start: str
    end: str


@dataclass(frozen=True)
class TableSpec:
    """What a reader knows about how a table's cells are made and how they add up.

    Parameters
    ----------
    population
        The group the table's ``n`` counts; tables with the same population share their n.
    n_by_label
        n differs per row as well as per column (means per measurement).
    exclusive
        Single choice: within a municipality and column the option counts add up to n (to the
        denominator when there is one).
    additive_columns
        ``{"Total": ["Periode 1", ...]}``: the total column is the sum of the part columns, for
        every node kind.
    same_as, same_as_column
        The table prints cells of ``same_as`` again (all its columns map to ``same_as_column``
        when given, else by name).
    value_range
        Smallest and largest single value behind a mean (a scale, an age in years).
    denominator
        Population of the registrations a share is taken of, when it is not n.
    max_per_member
        At most this many registrations per member of the group (waves per child).
    sum_rows
        ``{label: [labels]}``: a row whose count is the sum of other rows' counts.
    contrasts
        Derived rows comparing two columns or two rows.
    within
        ``(population, code)``: every group of this table lies within the matching group of
        that population (code given: in that row of it, for populations counted per row).
    at_least
        Tables whose counts this table's counts are at least (same municipality, column and
        label), e.g. registrations with an answer against children with it at the start.
    row_totals, row_total_columns
        ``{label: (table, column, label)}``: within a municipality, the counts and group sizes
        of the row ``label`` in the columns ``row_total_columns`` add up to those of that cell
        of another table (the survey's VIVE-16: daycare plus school is the item's round 2).
    """

    population: str
    n_by_label: bool = False
    exclusive: bool = False
    additive_columns: Mapping[str, Sequence[str]] | None = None
    same_as: str | None = None
    same_as_column: str | None = None
    value_range: tuple[float, float] | None = None
    denominator: str | None = None
    max_per_member: int | None = None
    sum_rows: Mapping[str, Sequence[str]] = field(default_factory=dict)
    contrasts: Sequence[Contrast] = ()
    within: tuple[str, str | None] | None = None
    at_least: Sequence[str] = ()
    row_totals: Mapping[str, tuple[str, str, str]] = field(default_factory=dict)
    row_total_columns: Sequence[str] = ()


def _close(a: float, b: float) -> bool:
    """numpy.isclose(a, b, rtol=_TOLERANCE, atol=1e-9) for two floats, without its overhead."""
    if math.isinf(a) or math.isinf(b):
        return a == b
    return abs(a - b) <= 1e-9 + _TOLERANCE * abs(b)


class NodeBuilder:
    """Collects nodes and relations while the rows of the cells are read."""

    def __init__(self):
        self.index: dict[tuple, int] = {}
        self.rows: list[dict] = []
        self.equalities: list[tuple[str, dict[int, float]]] = []
        self.inequalities: list[tuple[str, dict[int, float]]] = []

    def node(self, key: tuple, value: float) -> int:
        at = self.index.get(key)
        if at is None:
            at = self.index[key] = len(self.rows)
            self.rows.append({"key": key, "type": key[0], "value": value})
        elif math.isnan(self.rows[at]["value"]):
            # A number hidden in one table may be printed in another that shows the same group.
            self.rows[at]["value"] = value
        elif not math.isnan(value) and not _close(self.rows[at]["value"], value):
            raise ConfigurationError(
                f"two published cells describe {key} with different numbers "
                f"({self.rows[at]['value']:g} and {value:g}): check population / same_as"
            )
        return at

    def find(self, key: tuple) -> int | None:
        return self.index.get(key)

    def relation(self, kind: str, name: str, terms: dict[int, float]) -> None:
        (self.equalities if kind == "eq" else self.inequalities).append((name, terms))


def canonical(table: str, column: str, specs: Mapping[str, TableSpec]) -> tuple[str, str]:
    """The table and column whose cells a table printed twice repeats (its own if none)."""
    seen = {table}
    while specs[table].same_as is not None:
        spec = specs[table]
        column = spec.same_as_column if spec.same_as_column is not None else column
        table = spec.same_as
        if table in seen:
            raise ConfigurationError(f"same_as forms a cycle through table {table!r}")
        seen.add(table)
    return table, column


