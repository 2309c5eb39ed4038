"""Primary and complementary suppression, chosen by cost-minimising optimisation.

**Primary cells** are small in themselves: a count, a group size n or a denominator of 1 to
k-1 (k = ``min_cell``), and the sum behind a mean of fewer than k children. Zeros are never
hidden: a reader learns nothing about a person from them, and they protect nothing.

**Complementary cells** are chosen as Tau-Argus's optimal method (Fischetti and Salazar) does:
a mixed-integer program decides which nodes to hide (``y``) so that, for every primary node
p and each direction, some table the reader cannot rule out moves p by at least its
protection level (±1 for counts and group sizes; half a unit of the mean, times n, for a sum),
while every published node stays where it is and every relation of the model still holds;
among all such patterns it hides the fewest published cells. The program starts with no
protection constraints and adds, round by round, those of the primaries the attacker can still
pin down (a cutting-plane loop); it stops when the attacker learns nothing, and the last
solution is then optimal for the whole problem.

Families of nodes linked by equalities are solved one after another
(:mod:`~dsr_analysis.disclosure.family`); a node of another family counts as published while a
family is solved, which can only make the protection stronger. On a large release, worker
processes solve the families ahead of their turn (:mod:`~dsr_analysis.disclosure.speculate`),
and an answer is taken only for the very program it was solved for, so the pattern is the
one solving them in turn gives.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import sparse

from dsr_analysis.disclosure.cache import INFEASIBLE, FamilyCache, family_key
from dsr_analysis.disclosure.family import FamilyProblem, Infeasible
from dsr_analysis.disclosure.model import Model
from dsr_analysis.disclosure.relations import touching_rows
from dsr_analysis.disclosure.speculate import key_version, speculation
from dsr_analysis.errors import DsrError

#: Protection interval of a hidden count or group size: the reader must not tell it from
#: the values one below and one above (Tau-Argus's protection level 1 for frequency tables).
COUNT_PROTECTION = 1.0
#: Protection of a hidden mean: it must stay uncertain by at least half a unit of its scale
#: (half a scale point, half a year of age) either way; its sum by that times n.
MEAN_PROTECTION = 0.5
_SLACK = 1e-7
# How many times a family may take in its neighbours before a primary counts as unprotectable.
_GROWTH = 4
_UNSOLVED = object()


@dataclass(frozen=True)
class Protection:
    """Which nodes are hidden and why: ``primary`` and ``hidden`` are bools over the nodes;
    ``levels`` the (up, down) protection each primary needed."""

    primary: np.ndarray
    hidden: np.ndarray
    levels: tuple[np.ndarray, np.ndarray]


def primary_nodes(model: Model, min_cell: int) -> np.ndarray:
    """Nodes that are small in themselves (see the module docstring).

    Examples
    --------
    >>> import pandas as pd
    >>> from dsr_analysis.disclosure.model import TableSpec, build_model
    >>> cells = pd.DataFrame({"table": "T", "municipality": ["A", "B", "Alle"],
    ...     "column": "Total", "label": "yes", "n": [4, 10, 14], "count": [0, 6, 6],
    ...     "value": [0.0, 0.6, 6 / 14], "kind": "share"})
    >>> model = build_model(cells, {"T": TableSpec(population="p")})
    >>> model.nodes.loc[primary_nodes(model, 5), "key"].tolist()
    [('n', 'p', 'A', 'Total', '')]
    """
    values = model.values
    types = model.nodes["type"].to_numpy()
    small = (values >= 1 - _SLACK) & (values <= min_cell - 1 + _SLACK)
    primary = small & (types != "s")
    sums = np.flatnonzero(types == "s")
    group = model.sum_group[sums]
    primary[sums] = small[group] & (values[group] > 0)
    return primary if min_cell > 1 else np.zeros(len(values), dtype=bool)


def protection_levels(model: Model) -> tuple[np.ndarray, np.ndarray]:
    """How far up and how far down a reader must be unable to pin each node (for primaries).

    A count or a group size: one either way (down to zero at most). A sum: half a unit of its
    mean times n either way, but never past what its scale allows (a mean of 4 on a scale of
    1 to 4 cannot be disguised upwards; that every child scored 4 is what the mean says).
    """
    values = model.values
    up = np.full(len(values), COUNT_PROTECTION)
    down = np.minimum(COUNT_PROTECTION, values)
    sums = model.nodes["type"].to_numpy() == "s"
    level = MEAN_PROTECTION * np.maximum(values[model.sum_group[sums]], 1.0)
    low = model.nodes["low"].to_numpy(dtype=float)[sums]
    high = model.nodes["high"].to_numpy(dtype=float)[sums]
    up[sums] = np.where(np.isnan(high), level, np.minimum(level, high - values[sums]))
    down[sums] = np.where(np.isnan(low), np.minimum(level, values[sums]),
                          np.minimum(level, values[sums] - low))
    return np.maximum(up, 0.0), np.maximum(down, 0.0)


def protect(
    model: Model,
    min_cell: int,
    keep_hidden: np.ndarray | None = None,
    keep_published: np.ndarray | None = None,
    cache: FamilyCache | None = None,
) -> Protection:
    """Choose the hidden nodes: the primaries and the cheapest complements that protect them.

    ``keep_hidden`` and ``keep_published`` (bools over the nodes) carry an earlier release's
    pattern into this one for groups that cannot have changed since: a number it hid stays
    hidden and is protected like a small one (letting a reader work it out now would undo the
    protection it gave), one it published is known to every reader and so cannot serve as a
    complement. ``cache`` keeps solved families (:mod:`~dsr_analysis.disclosure.cache`): a
    family whose program is unchanged is read back instead of solved.

    Raises
    ------
    DsrError
        If some primary cannot be protected even with every other cell hidden, or the
        earlier release published a number this one must hide.
    """
    primary = primary_nodes(model, min_cell)
    levels = protection_levels(model)
    keep_hidden = np.zeros(len(primary), bool) if keep_hidden is None else keep_hidden
    keep_published = np.zeros(len(primary), bool) if keep_published is None else keep_published
    clash = primary & keep_published
    if clash.any():
        key = model.nodes.at[int(np.flatnonzero(clash)[0]), "key"]
        raise DsrError(f"the earlier release published {key}, which this one must hide")
    # A number the earlier release hid is protected now as a small one is: were this release
    # to let a reader work it out, the two releases side by side would undo the earlier one.
    primary = primary | (keep_hidden & (model.values > _SLACK))
    hidden = primary | keep_hidden
    if not primary.any():
        return Protection(primary, hidden, levels)
    row_hidden = np.zeros(len(model.value_nodes), dtype=bool)
    solved = np.zeros(len(model.nodes), dtype=bool)
    rows_of = _rows_of_nodes(model)
    families = _families(model, primary)
    ahead = speculation(model, families, primary, levels, rows_of, hidden, keep_published,
                        _grown, _GROWTH, cache)
    try:
        for index, family in enumerate(families):
            if solved[family[primary[family]]].all():
                continue  # its primaries were protected with a larger family
            answers = {} if ahead is None else ahead.answers(index)
            for _ in range(_GROWTH):
                try:
                    problem = FamilyProblem(model, family, primary, levels, row_hidden, rows_of,
                                            hidden, keep_published)
                    chosen = _solved(problem, cache, answers)
                    break
                except Infeasible:
                    # A relation with a node outside the family pins a primary: solve together.
                    family = _grown(model, family)
            else:
                key = model.nodes.at[int(family[primary[family]][0]), "key"]
                raise DsrError(f"no suppression pattern protects the small cells around {key}")
            hidden[chosen] = True
            solved[family] = True
            for node in chosen:
                row_hidden[rows_of[node]] = True
    finally:
        if ahead is not None:
            ahead.close()
    return Protection(primary, hidden, levels)


def _solved(problem: FamilyProblem, cache: FamilyCache | None, answers: dict) -> np.ndarray:
    """The family's hidden nodes: from the cache when its program was solved before, from
    a worker that solved the same program ahead (``answers``: key -> positions, see
    :mod:`~dsr_analysis.disclosure.speculate`), else solved here."""
    key = family_key(problem, key_version(cache)) if cache is not None or answers else None
    positions = cache.get(key) if cache is not None else None
    if positions is None and answers:
        ahead = answers.get(key, _UNSOLVED)
        if ahead is not _UNSOLVED:
            positions = INFEASIBLE if ahead is None else ahead
            if cache is not None:
                cache.put(key, ahead)
    if positions is INFEASIBLE:
        raise Infeasible
    size = len(problem.family)
    if positions is not None and positions.size and positions.min() >= 0 \
            and positions.max() < size:
        y = np.zeros(size, bool)
        y[positions] = True
        must = problem.forced.copy()
        must[[problem.position[p] for p in problem.primary]] = True
        # An entry that does not hide what the family must hide is no solution of it.
        if (y >= must).all() and not (y & problem.barred).any():
            return problem.family[y]
    try:
        chosen = problem.solve()
    except Infeasible:
        if cache is not None:
            cache.put(key, None)
        raise
    if cache is not None:
        cache.put(key, np.flatnonzero(np.isin(problem.family, chosen)))
    return chosen


def _rows_of_nodes(model: Model) -> list[list[int]]:
    """For every node, the published rows whose value depends on it."""
    rows_of: list[list[int]] = [[] for _ in range(len(model.nodes))]
    for r, nodes in enumerate(model.value_nodes):
        for node in nodes:
            rows_of[node].append(r)
    return rows_of


def linked_components(
    model: Model, relations: sparse.spmatrix, candidate: np.ndarray
) -> np.ndarray:
    """Component label of every node, linking the candidates that share a relation."""
    coo = relations.tocoo()
    keep = candidate[coo.col]
    rows, cols = coo.row[keep], coo.col[keep]
    size = len(model.nodes)
    # Each relation is a vertex joined to its members: members end up in one component.
    graph = sparse.coo_matrix(
        (np.ones(len(rows)), (cols, rows + size)), shape=(size + coo.shape[0],) * 2
    )
    _, labels = sparse.csgraph.connected_components(graph, directed=False)
    return labels[:size]


def _families(model: Model, primary: np.ndarray) -> list[np.ndarray]:
    """Groups of non-zero nodes linked by equalities or by inequalities that hold with no room
    to spare, those holding a primary, in key order."""
    candidate = model.values > _SLACK
    slack = -(model.inequalities @ model.values)
    tight = model.inequalities[np.flatnonzero(slack < COUNT_PROTECTION - _SLACK)]
    labels = linked_components(model, sparse.vstack([model.equalities, tight]), candidate)
    groups = [
        np.flatnonzero((labels == label) & candidate)
        for label in np.unique(labels[primary & candidate])
    ]
    keys = model.nodes["key"]
    return sorted(groups, key=lambda members: str(keys.iloc[members[0]]))


def _grown(model: Model, family: np.ndarray) -> np.ndarray:
    """The family with every family linked to it by an inequality."""
    candidate = model.values > _SLACK
    touching = touching_rows(model.inequalities, family)
    labels = linked_components(model, model.equalities, candidate)
    outside = np.unique(model.inequalities[touching].tocoo().col)
    wanted = np.unique(labels[np.r_[family, outside[candidate[outside]]]])
    return np.flatnonzero(np.isin(labels, wanted) & candidate)
