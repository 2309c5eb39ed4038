"""The release as one linear system: every published number is a function of a few quantities.

A reader of the tables sees *cells*; behind them are the additive quantities an attacker reasons
about, the *nodes* of this model:

``c``  the count behind a share (children or registrations with an option),
``s``  the sum behind a mean (value times n),
``n``  a group size: the children a column (or a row) of a table counts,
``d``  a denominator of registrations, for shares of registrations.

Tables that describe the same group share its ``n`` nodes (their :class:`TableSpec` names the
same ``population``), and a table the report prints twice maps onto the nodes of the first.
Every relation a reader knows is homogeneous: equalities ``E x = 0`` (municipalities add up to
the pooled unit, periods to the total, the options of a single-choice question to n, a sum row
to its parts) and inequalities ``G x <= 0`` (a count never exceeds its group, a mean lies in
its scale, one group lies within another, "at least once" is at least "at the start"), with
``x >= 0`` throughout. A published cell's value is a function of its nodes (a share of ``c`` and
``n``, a mean of ``s`` and ``n``, an interval bound of the same plus spreads the release never
shows), so a value is published only when all of its nodes are.

The module knows nothing of a particular evaluation: the designs describe their tables with
:class:`TableSpec`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy import sparse

from dsr_analysis.cells import POOLED_NAME
from dsr_analysis.errors import ConfigurationError, DsrError

KEY = ["table", "municipality", "column", "label"]
SHARE, MEAN, COUNT, DIFFERENCE = "share", "mean", "count", "difference"
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


@dataclass
class Model:
    """The nodes, the relations between them and which nodes each published row shows.

    ``nodes`` has one row per node: ``key`` (a tuple), ``type`` (c, s, n, d), ``value`` (the
    truth) and ``integer``. ``equalities`` and
    ``inequalities`` are sparse matrices over the nodes (``E x = 0``, ``G x <= 0``).
    ``value_nodes[r]`` lists the nodes row r's value depends on, ``interval_nodes[r]`` those its
    interval depends on (a zero share's value needs no n, its interval does); ``count_node``,
    ``n_node`` and ``denominator_node`` give the node of each row's other numbers (-1: none).
    """

    cells: pd.DataFrame
    nodes: pd.DataFrame
    equalities: sparse.csr_matrix
    inequalities: sparse.csr_matrix
    value_nodes: list[tuple[int, ...]]
    interval_nodes: list[tuple[int, ...]]
    count_node: np.ndarray
    n_node: np.ndarray
    denominator_node: np.ndarray
    relation_names: list[str]

    @property
    def values(self) -> np.ndarray:
        return self.nodes["value"].to_numpy(dtype=float)


class _Builder:
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
        elif np.isnan(self.rows[at]["value"]):
            # A number hidden in one table may be printed in another that shows the same group.
            self.rows[at]["value"] = value
        elif not np.isnan(value) and not np.isclose(
            self.rows[at]["value"], value, rtol=_TOLERANCE, atol=1e-9
        ):
            raise ConfigurationError(
                f"two published cells describe {key} with different numbers "
                f"({self.rows[at]['value']:g} and {value:g}): check population / same_as"
            )
        return at

    def find(self, key: tuple) -> int | None:
        return self.index.get(key)

    def relation(self, kind: str, name: str, terms: dict[int, float]) -> None:
        (self.equalities if kind == "eq" else self.inequalities).append((name, terms))


def _canonical(table: str, column: str, specs: Mapping[str, TableSpec]) -> tuple[str, str]:
    seen = {table}
    while specs[table].same_as is not None:
        spec = specs[table]
        column = spec.same_as_column if spec.same_as_column is not None else column
        table = spec.same_as
        if table in seen:
            raise ConfigurationError(f"same_as forms a cycle through table {table!r}")
        seen.add(table)
    return table, column


def _check(cells: pd.DataFrame, specs: Mapping[str, TableSpec]) -> pd.DataFrame:
    missing = [c for c in (*KEY, "kind", "n", "count", "value") if c not in cells.columns]
    if missing:
        raise DsrError(f"the cells lack the column(s) {missing}")
    unknown = sorted(set(cells["table"]) - set(specs))
    if unknown:
        raise ConfigurationError(f"no TableSpec for table(s) {unknown}")
    frame = cells.reset_index(drop=True).copy()
    for column in KEY:
        frame[column] = frame[column].astype(str)
    duplicated = frame.duplicated(KEY)
    if duplicated.any():
        first = tuple(frame.loc[duplicated, KEY].iloc[0])
        raise DsrError(f"{int(duplicated.sum())} duplicated cell key(s), e.g. {first}")
    bad = ~frame["kind"].isin(KINDS)
    if bad.any():
        raise DsrError(f"kind must be one of {KINDS}, found {sorted(set(frame.loc[bad, 'kind']))}")
    return frame


def build_model(
    cells: pd.DataFrame, specs: Mapping[str, TableSpec], complete: bool = True
) -> Model:
    """The model of a set of cells under their table specs.

    ``complete=True`` (suppression): the cells carry every number, and the nodes their true
    values. ``complete=False`` (an attacker's view of a release): hidden numbers are blank, and
    a node is NaN unless some published cell shows it.

    Examples
    --------
    >>> cells = pd.DataFrame({
    ...     "table": "T", "municipality": ["A", "B", "Alle"], "column": "Total",
    ...     "label": "yes", "n": [10, 10, 20], "count": [3, 6, 9],
    ...     "value": [0.3, 0.6, 0.45], "kind": "share"})
    >>> model = build_model(cells, {"T": TableSpec(population="p")})
    >>> sorted(model.nodes["type"].value_counts().items())
    [('c', 3), ('n', 3)]
    >>> model.equalities.shape[0], model.inequalities.shape[0]
    (2, 3)
    """
    frame = _check(cells, specs)
    b = _Builder()
    size = len(frame)
    own = {name: np.full(size, -1) for name in ("count", "sum", "n", "denominator")}
    value_nodes: list[tuple[int, ...]] = [()] * size
    interval_nodes: list[tuple[int, ...]] = [()] * size
    numbers = {
        c: pd.to_numeric(frame[c], errors="coerce").to_numpy(dtype=float)
        for c in ("n", "count", "value", "denominator")
        if c in frame
    }
    contrasts = []
    # A row's node is named by its code (the option, the measurement), not its printed label:
    # a table printed twice may word the same option differently.
    frame["_ident"] = frame["code"].astype(str) if "code" in frame else frame["label"]
    for r, row in enumerate(frame[[*KEY, "kind", "_ident"]].itertuples(index=False, name=None)):
        if row[4] == DIFFERENCE:
            contrasts.append(r)
        else:
            value_nodes[r] = _row_nodes(r, row, specs, numbers, b, own, complete)
            base = own["denominator"][r] if own["denominator"][r] >= 0 else own["n"][r]
            interval_nodes[r] = tuple(sorted({*value_nodes[r], base}))
    where = {key: r for r, key in enumerate(frame[KEY].itertuples(index=False, name=None))}
    for r in contrasts:
        ends = _contrast_ends(frame, r, specs, where)
        # A contrast and its interval depend on everything the two compared rows show.
        value_nodes[r] = interval_nodes[r] = tuple(
            sorted({node for end in ends for node in interval_nodes[end]})
        )
        groups = {own["n"][end] for end in ends}
        if len(groups) == 1 and not np.isnan(numbers["n"][r]):
            own["n"][r] = groups.pop()  # a paired contrast prints the n of its children
    _relations(frame, specs, b, own)
    nodes = pd.DataFrame(b.rows)
    nodes["integer"] = nodes["type"] != "s"
    return Model(
        cells=frame.drop(columns="_ident"),
        nodes=nodes,
        equalities=_matrix(b.equalities, len(nodes)),
        inequalities=_matrix(b.inequalities, len(nodes)),
        value_nodes=value_nodes,
        interval_nodes=interval_nodes,
        count_node=own["count"],
        n_node=own["n"],
        denominator_node=own["denominator"],
        relation_names=[name for name, _ in b.equalities] + [name for name, _ in b.inequalities],
    )


def _row_nodes(r, row, specs, numbers, b: _Builder, own, complete) -> tuple[int, ...]:
    """Create (or find) the nodes behind row r and return those its value depends on."""
    table, municipality, column, _, kind, ident = row
    spec = specs[table]
    canon_table, canon_column = _canonical(table, column, specs)
    n, count, value = (numbers[c][r] for c in ("n", "count", "value"))
    if complete and (np.isnan(n) or (kind == SHARE and np.isnan(count))):
        raise DsrError(f"the full cells must carry their numbers; {tuple(row[:4])} has none")
    n_key = ("n", spec.population, municipality, canon_column, ident if spec.n_by_label else "")
    n_at = own["n"][r] = b.node(n_key, n)
    if kind == COUNT:
        # The count of a count table is the group itself (registered children).
        own["count"][r] = n_at
        return (n_at,)
    if kind == MEAN:
        total = 0.0 if n == 0 else value * n
        s_at = own["sum"][r] = b.node(("s", canon_table, municipality, canon_column, ident), total)
        return (s_at, n_at)
    c_at = own["count"][r] = b.node(("c", canon_table, municipality, canon_column, ident), count)
    base = n_at
    if spec.denominator is not None:
        d_key = ("d", spec.denominator, municipality, canon_column, "")
        base = own["denominator"][r] = b.node(d_key, numbers["denominator"][r])
    # A zero count gives a zero share whatever the group's size.
    return (c_at,) if count == 0 else (c_at, base)


def _matrix(relations: list[tuple[str, dict[int, float]]], width: int) -> sparse.csr_matrix:
    rows, cols, vals = [], [], []
    for i, (_, terms) in enumerate(relations):
        for node, coef in sorted(terms.items()):
            rows.append(i)
            cols.append(node)
            vals.append(coef)
    return sparse.csr_matrix((vals, (rows, cols)), shape=(len(relations), width))


def _relations(frame, specs, b: _Builder, own) -> None:
    """Add every relation a reader knows, each once."""
    seen: set[tuple] = set()

    def add(kind: str, name: str, terms: dict[int, float]) -> None:
        terms = {node: coef for node, coef in terms.items() if coef != 0}
        signature = (kind, tuple(sorted(terms.items())))
        if len(terms) > 1 and signature not in seen:
            seen.add(signature)
            b.relation(kind, name, terms)

    _pooled_relations(b, add)
    for table, spec in specs.items():
        rows = frame[(frame["table"] == table) & (frame["kind"] != DIFFERENCE)]
        if rows.empty:
            continue
        if spec.additive_columns:
            _column_relations(rows.index, spec, b, add, own)
        for _, group in rows.groupby(["municipality", "column"], sort=True):
            _group_relations(group, spec, b, add, own)
            for r in group.index:
                _row_inequalities(r, spec, specs, b, add, own)


def _pooled_relations(b: _Builder, add) -> None:
    """Every node of the pooled unit is the sum of the municipalities' nodes of its key.

    A municipality without a node under the key had no one in that group: a zero the reader
    knows, so it simply does not appear in the sum.
    """
    families: dict[tuple, list[int]] = {}
    pooled: dict[tuple, int] = {}
    for key, at in b.index.items():
        family = (key[0], key[1], *key[3:])
        if key[2] == POOLED_NAME:
            pooled[family] = at
        else:
            families.setdefault(family, []).append(at)
    for family, total in sorted(pooled.items(), key=lambda item: str(item[0])):
        terms = {at: 1.0 for at in families.get(family, [])}
        terms[total] = -1.0
        add("eq", "municipalities", terms)


def _column_relations(rows, spec: TableSpec, b: _Builder, add, own) -> None:
    """A total column's node is the sum of the part columns' nodes, for every kind of node."""
    for r in rows:
        for name in ("count", "sum", "n", "denominator"):
            node = own[name][r]
            if node < 0:
                continue
            key = b.rows[node]["key"]
            parts = spec.additive_columns.get(key[3])
            if parts is None:
                continue
            terms = {node: -1.0}
            for part in parts:
                at = b.find((*key[:3], part, *key[4:]))
                if at is not None:
                    terms[at] = terms.get(at, 0.0) + 1.0
            add("eq", "columns", terms)


def _group_relations(group: pd.DataFrame, spec: TableSpec, b: _Builder, add, own) -> None:
    """Within one municipality and column: exclusive options and sum rows."""
    counts = {
        group.at[r, "label"]: own["count"][r] for r in group.index if group.at[r, "kind"] == SHARE
    }
    first = group.index[0]
    base = own["denominator"][first] if spec.denominator else own["n"][first]
    if spec.exclusive and counts:
        terms = {at: 1.0 for label, at in counts.items() if label not in spec.sum_rows}
        terms[base] = terms.get(base, 0.0) - 1.0
        add("eq", "exclusive", terms)
    for label, parts in spec.sum_rows.items():
        if label in counts:
            terms = {counts[label]: -1.0}
            for part in parts:
                if part in counts:
                    terms[counts[part]] = terms.get(counts[part], 0.0) + 1.0
            add("eq", "sum_rows", terms)


def _row_inequalities(r, spec: TableSpec, specs, b: _Builder, add, own) -> None:
    n_at, c_at, s_at, d_at = (own[name][r] for name in ("n", "count", "sum", "denominator"))
    base = d_at if spec.denominator else n_at
    if c_at >= 0 and c_at != n_at:
        if not spec.exclusive:
            add("le", "part_of_whole", {c_at: 1.0, base: -1.0})
        key = b.rows[c_at]["key"]
        for other in spec.at_least:
            table, column = _canonical(other, key[3], specs)
            lesser = b.find(("c", table, key[2], column, key[4]))
            if lesser is not None:
                add("le", "at_least", {lesser: 1.0, c_at: -1.0})
    if d_at >= 0:
        add("le", "registrations", {n_at: 1.0, d_at: -1.0})
        if spec.max_per_member:
            add("le", "registrations", {d_at: 1.0, n_at: -float(spec.max_per_member)})
    if s_at >= 0 and spec.value_range is not None:
        low, high = spec.value_range
        add("le", "mean_range", {n_at: float(low), s_at: -1.0})
        add("le", "mean_range", {s_at: 1.0, n_at: -float(high)})
    if spec.within is not None:
        population, label = spec.within
        key = b.rows[n_at]["key"]
        outer = b.find(("n", population, key[2], key[3], label or ""))
        if outer is not None:
            add("le", "within", {n_at: 1.0, outer: -1.0})


def _contrast_ends(frame, r, specs, where) -> list[int]:
    """The two rows a contrast row compares."""
    table, municipality, column, label = (frame.at[r, c] for c in KEY)
    for contrast in specs[table].contrasts:
        if contrast.axis == "column" and contrast.name == column:
            ends = [(table, municipality, contrast.start, label),
                    (table, municipality, contrast.end, label)]
        elif contrast.axis == "label" and contrast.name == label:
            ends = [(table, municipality, column, contrast.start),
                    (table, municipality, column, contrast.end)]
        else:
            continue
        for end in ends:
            if end not in where:
                raise ConfigurationError(f"contrast row {(table, municipality, column, label)} "
                                         f"compares a row the table lacks: {end}")
        return [where[end] for end in ends]
    raise ConfigurationError(
        f"difference row {(table, municipality, column, label)} matches no contrast of its table"
    )
