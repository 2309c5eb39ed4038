"""The relations a reader of the tables knows, as homogeneous rows over the nodes.

Equalities ``E x = 0``: municipalities add up to the pooled unit, periods to the total, the
options of a single-choice question to n, a sum row to its parts. Inequalities ``G x <= 0``: a
count within its group, registrations between n and the waves times n, a mean within its
scale, a group within another, "at least once" at least "at the start". Each is added once.
"""

from __future__ import annotations

import numpy as np
from scipy import sparse

from dsr_analysis.cells import POOLED_NAME
from dsr_analysis.disclosure.spec import (
    DIFFERENCE,
    KEY,
    SHARE,
    NodeBuilder,
    TableSpec,
    canonical,
)


def touching_rows(relations: sparse.spmatrix, columns: np.ndarray) -> np.ndarray:
    """The relations (rows) with a term in any of ``columns``."""
    return np.flatnonzero(np.diff(relations[:, columns].tocsr().indptr) > 0)


def relation_matrix(relations: list[tuple[str, dict[int, float]]], width: int) -> sparse.csr_matrix:
    rows, cols, vals = [], [], []
    for i, (_, terms) in enumerate(relations):
        for node, coef in sorted(terms.items()):
            rows.append(i)
            cols.append(node)
            vals.append(coef)
    return sparse.csr_matrix((vals, (rows, cols)), shape=(len(relations), width))


def add_relations(frame, specs, b: NodeBuilder, own) -> None:
    """Add every relation a reader knows, each once."""
    seen: set[tuple] = set()

    def add(kind: str, name: str, terms: dict[int, float]) -> None:
        terms = {node: coef for node, coef in terms.items() if coef != 0}
        signature = (kind, tuple(sorted(terms.items())))
        if len(terms) > 1 and signature not in seen:
            seen.add(signature)
            b.relation(kind, name, terms)

    _pooled_relations(b, add)
    labels = frame["label"].to_numpy()
    is_share = (frame["kind"] == SHARE).to_numpy()
    for table, spec in specs.items():
        rows = frame[(frame["table"] == table) & (frame["kind"] != DIFFERENCE)]
        if rows.empty:
            continue
        if spec.additive_columns:
            _column_relations(rows.index, spec, b, add, own)
        positions = rows.groupby(["municipality", "column"], sort=True).indices
        for group_key in sorted(positions):
            # The group's rows (frame positions) in the frame's order, as groupby yields them.
            group = rows.index.to_numpy()[positions[group_key]]
            _group_relations(group, labels, is_share, spec, add, own)
            for r in group:
                _row_inequalities(int(r), spec, specs, b, add, own)
        if spec.row_totals:
            _row_total_relations(frame, rows, spec, add, own)


def _pooled_relations(b: NodeBuilder, add) -> None:
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


def _column_relations(rows, spec: TableSpec, b: NodeBuilder, add, own) -> None:
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


def _group_relations(group: np.ndarray, labels: np.ndarray, is_share: np.ndarray,
                     spec: TableSpec, add, own) -> None:
    """Within one municipality and column (the rows ``group``): exclusive options and sum
    rows."""
    counts = {labels[r]: own["count"][r] for r in group if is_share[r]}
    first = group[0]
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


def _row_inequalities(r, spec: TableSpec, specs, b: NodeBuilder, add, own) -> None:
    n_at, c_at, s_at, d_at = (own[name][r] for name in ("n", "count", "sum", "denominator"))
    base = d_at if spec.denominator else n_at
    if c_at >= 0 and c_at != n_at:
        if not spec.exclusive:
            add("le", "part_of_whole", {c_at: 1.0, base: -1.0})
        key = b.rows[c_at]["key"]
        for other in spec.at_least:
            table, column = canonical(other, key[3], specs)
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




def _row_total_relations(frame, rows, spec: TableSpec, add, own) -> None:
    """A row's counts and group sizes over ``row_total_columns`` add up to another table's
    cell of the same municipality (see :class:`TableSpec`)."""
    where = {key: r for r, key in enumerate(frame[KEY].itertuples(index=False, name=None))}
    parts = rows[rows["column"].isin(list(spec.row_total_columns))]
    for (municipality, label), group in parts.groupby(["municipality", "label"], sort=True):
        if label not in spec.row_totals:
            continue
        table, column, other_label = spec.row_totals[label]
        total = where.get((table, municipality, column, other_label))
        if total is None:
            continue
        for name in ("count", "n"):
            nodes = [own[name][r] for r in group.index]
            if own[name][total] < 0 or min(nodes) < 0:
                continue
            terms = {own[name][total]: -1.0}
            for node in nodes:
                terms[node] = terms.get(node, 0.0) + 1.0
            add("eq", "row_totals", terms)
