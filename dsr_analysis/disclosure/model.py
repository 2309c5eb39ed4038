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

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import sparse

from dsr_analysis.disclosure.relations import add_relations, relation_matrix
from dsr_analysis.disclosure.spec import (
    COUNT,
    DIFFERENCE,
    KEY,
    KINDS,
    MEAN,
    SHARE,
    Contrast,
    NodeBuilder,
    TableSpec,
    canonical,
)
from dsr_analysis.errors import ConfigurationError, DsrError

__all__ = ["COUNT", "DIFFERENCE", "KEY", "KINDS", "MEAN", "SHARE", "Contrast", "Model",
           "TableSpec", "build_model"]


@dataclass
class Model:
    """The nodes, the relations between them and which nodes each published row shows.

    ``nodes`` has one row per node: ``key`` (a tuple), ``type`` (c, s, n, d), ``value`` (the
    truth), ``integer``, and for a sum ``low`` and ``high``: what n values on its scale could
    add up to. ``equalities`` and
    ``inequalities`` are sparse matrices over the nodes (``E x = 0``, ``G x <= 0``).
    ``value_nodes[r]`` lists the nodes row r's value depends on, ``interval_nodes[r]`` those its
    interval depends on (a zero share's value needs no n, its interval does); ``count_node``,
    ``n_node`` and ``denominator_node`` give the node of each row's other numbers (-1: none).
    ``sum_group[node]`` is, for a sum, the n node of the group its mean is taken over (-1 for
    the other nodes): whether a mean needs protection, and how much, depends on that group.
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
    sum_group: np.ndarray

    @property
    def values(self) -> np.ndarray:
        return self.nodes["value"].to_numpy(dtype=float)


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
    b = NodeBuilder()
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
    keys = list(where)
    for r in contrasts:
        ends = _contrast_ends(keys[r], specs, where)
        # A contrast and its interval depend on everything the two compared rows show.
        value_nodes[r] = interval_nodes[r] = tuple(
            sorted({node for end in ends for node in interval_nodes[end]})
        )
        groups = {own["n"][end] for end in ends}
        if len(groups) == 1 and not np.isnan(numbers["n"][r]):
            own["n"][r] = groups.pop()  # a paired contrast prints the n of its children
    add_relations(frame, specs, b, own)
    sum_group = np.full(len(b.rows), -1)
    means = own["sum"] >= 0  # a mean's own row knows its group; a contrast of means does not
    sum_group[own["sum"][means]] = own["n"][means]
    nodes = pd.DataFrame(b.rows, columns=["key", "type", "value", "low", "high"])
    for bound in ("low", "high"):
        if bound not in nodes:
            nodes[bound] = np.nan
    nodes["integer"] = nodes["type"] != "s"
    return Model(
        cells=frame.drop(columns="_ident"),
        nodes=nodes,
        equalities=relation_matrix(b.equalities, len(nodes)),
        inequalities=relation_matrix(b.inequalities, len(nodes)),
        value_nodes=value_nodes,
        interval_nodes=interval_nodes,
        count_node=own["count"],
        n_node=own["n"],
        denominator_node=own["denominator"],
        sum_group=sum_group,
    )


def _row_nodes(r, row, specs, numbers, b: NodeBuilder, own, complete) -> tuple[int, ...]:
    """Create (or find) the nodes behind row r and return those its value depends on."""
    table, municipality, column, _, kind, ident = row
    spec = specs[table]
    canon_table, canon_column = canonical(table, column, specs)
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
        if spec.value_range is not None:
            # A sum of n values on the scale lies between n times its ends.
            b.rows[s_at]["low"], b.rows[s_at]["high"] = (v * n for v in spec.value_range)
        return (s_at, n_at)
    c_at = own["count"][r] = b.node(("c", canon_table, municipality, canon_column, ident), count)
    base = n_at
    if spec.denominator is not None:
        d_key = ("d", spec.denominator, municipality, canon_column, "")
        base = own["denominator"][r] = b.node(d_key, numbers["denominator"][r])
    # A zero count gives a zero share whatever the group's size.
    return (c_at,) if count == 0 else (c_at, base)


def _contrast_ends(key: tuple, specs, where) -> list[int]:
    """The two rows the contrast row of ``key`` compares."""
    table, municipality, column, label = key
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
