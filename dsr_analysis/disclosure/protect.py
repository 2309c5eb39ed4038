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

Families of nodes linked by equalities are solved one after another; a node of another family
counts as published while a family is solved, which can only make the protection stronger.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import sparse

from dsr_analysis.cells import POOLED_NAME
from dsr_analysis.disclosure.model import Model
from dsr_analysis.disclosure.solver import INFINITY, Program
from dsr_analysis.errors import DsrError

#: Protection interval of a hidden count or group size: the reader must not tell it from
#: the values one below and one above (Tau-Argus's protection level 1 for frequency tables).
COUNT_PROTECTION = 1.0
#: Protection of a hidden mean: it must stay uncertain by at least half a unit of its scale
#: (half a scale point, half a year of age) either way; its sum by that times n.
MEAN_PROTECTION = 0.5
_SLACK = 1e-7
_CONTRAST_WEIGHT = 0.5
# How many times a family may take in its neighbours before a primary counts as unprotectable.
_GROWTH = 4


@dataclass(frozen=True)
class Protection:
    """Which nodes are hidden and why: ``primary`` and ``hidden`` are bools over the nodes."""

    primary: np.ndarray
    hidden: np.ndarray
    levels: np.ndarray


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
    group = _group_of_sums(model)
    primary[sums] = small[group[sums]] & (values[group[sums]] > 0)
    return primary if min_cell > 1 else np.zeros(len(values), dtype=bool)


def _group_of_sums(model: Model) -> np.ndarray:
    """For every sum node, the n node of its group (-1 for other nodes)."""
    group = np.full(len(model.nodes), -1)
    types = model.nodes["type"].to_numpy()
    for inputs, n_at in zip(model.value_nodes, model.n_node, strict=True):
        for node in inputs:
            if types[node] == "s":
                group[node] = n_at
    return group


def protection_levels(model: Model) -> np.ndarray:
    """How far the reader must be unable to pin each node down (used for primaries)."""
    levels = np.full(len(model.nodes), COUNT_PROTECTION)
    sums = model.nodes["type"].to_numpy() == "s"
    group = _group_of_sums(model)
    levels[sums] = MEAN_PROTECTION * np.maximum(model.values[group[sums]], 1.0)
    return levels


def protect(model: Model, min_cell: int) -> Protection:
    """Choose the hidden nodes: the primaries and the cheapest complements that protect them.

    Raises
    ------
    DsrError
        If some primary cannot be protected even with every other cell hidden.
    """
    primary = primary_nodes(model, min_cell)
    levels = protection_levels(model)
    hidden = primary.copy()
    if not primary.any():
        return Protection(primary, hidden, levels)
    row_hidden = np.zeros(len(model.value_nodes), dtype=bool)
    solved = np.zeros(len(model.nodes), dtype=bool)
    rows_of = _rows_of_nodes(model)
    for family in _families(model, primary):
        if solved[family[primary[family]]].all():
            continue  # its primaries were protected with a larger family
        for _ in range(_GROWTH):
            try:
                problem = _FamilyProblem(model, family, primary, levels, row_hidden, rows_of)
                chosen = problem.solve()
                break
            except _Infeasible:
                # A relation with a node outside the family pins a primary: solve together.
                family = _grown(model, family)
        else:
            key = model.nodes.at[int(family[primary[family]][0]), "key"]
            raise DsrError(f"no suppression pattern protects the small cells around {key}")
        hidden[chosen] = True
        solved[family] = True
        for node in chosen:
            row_hidden[rows_of[node]] = True
    return Protection(primary, hidden, levels)


def _rows_of_nodes(model: Model) -> list[list[int]]:
    """For every node, the published rows whose value depends on it."""
    rows_of: list[list[int]] = [[] for _ in range(len(model.nodes))]
    for r, nodes in enumerate(model.value_nodes):
        for node in nodes:
            rows_of[node].append(r)
    return rows_of


def _rows_hidden(model: Model, hidden: np.ndarray) -> np.ndarray:
    return np.array([any(hidden[list(nodes)]) for nodes in model.value_nodes], dtype=bool)


def _linked(model: Model, relations: sparse.spmatrix, candidate: np.ndarray) -> np.ndarray:
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
    labels = _linked(model, sparse.vstack([model.equalities, tight]), candidate)
    groups = [
        np.flatnonzero((labels == label) & candidate)
        for label in np.unique(labels[primary & candidate])
    ]
    keys = model.nodes["key"]
    return sorted(groups, key=lambda members: str(keys.iloc[members[0]]))


def _grown(model: Model, family: np.ndarray) -> np.ndarray:
    """The family with every family linked to it by an inequality."""
    candidate = model.values > _SLACK
    touching = np.flatnonzero(np.diff(model.inequalities[:, family].tocsr().indptr) > 0)
    labels = _linked(model, model.equalities, candidate)
    outside = np.unique(model.inequalities[touching].tocoo().col)
    wanted = np.unique(labels[np.r_[family, outside[candidate[outside]]]])
    return np.flatnonzero(np.isin(labels, wanted) & candidate)


class _Infeasible(Exception):
    """No pattern within the family protects one of its primaries."""


class _FamilyProblem:
    """The suppression program of one family, with its cutting-plane loop."""

    def __init__(self, model, family, primary, levels, row_hidden, rows_of):
        self.model, self.family = model, family
        self.position = {int(node): i for i, node in enumerate(family)}
        self.primary = [int(node) for node in family if primary[node]]
        self.levels = levels
        self.values = model.values[family]
        self.types = model.nodes["type"].to_numpy()[family]
        # Only the relations touching the family matter; other nodes stay where they are.
        self.eq = _restricted(model.equalities, family)
        self.le, self.slack = _restricted_inequalities(model, family)
        self.rows = self._rows(row_hidden, rows_of)
        self.bound = self._bounds()

    def _rows(self, row_hidden, rows_of) -> list[tuple[float, list[int]]]:
        """(weight, family positions) of every published row whose value depends on the family."""
        municipality = self.model.cells["municipality"].to_numpy()
        derived = self.model.cells["kind"].to_numpy() == "difference"
        touched = sorted({r for node in self.family for r in rows_of[node] if not row_hidden[r]})
        rows = []
        for r in touched:
            inside = [self.position[node] for node in self.model.value_nodes[r]
                      if node in self.position]
            # Hiding a pooled figure costs a little more: it is what most readers use. A
            # contrast row costs less than a table cell: it only repeats what its cells say.
            weight = (_CONTRAST_WEIGHT if derived[r] else 1.0) + 0.01 * (
                municipality[r] == POOLED_NAME
            )
            rows.append((weight, inside))
        return rows

    def _bounds(self) -> np.ndarray:
        """How far a hidden node may move in a protecting table (large enough, finite)."""
        largest = max(float(self.levels[self.primary].max()), COUNT_PROTECTION)
        scale = np.where(self.types == "s", 10.0, 1.0)
        return 4.0 * largest * scale + np.where(self.types == "s", 10.0, 0.0)

    def solve(self) -> np.ndarray:
        """The family's hidden nodes (model node numbers)."""
        attacker = _FamilyAttacker(self)
        cuts = self._neighbour_cuts()
        # Hiding more never takes room away, so a primary protected under some pattern stays
        # protected under every pattern that hides at least as much.
        protected_under: dict[tuple[int, int], np.ndarray] = {}
        at = np.array([self.position[p] for p in self.primary])
        level = self.levels[self.primary]
        while True:
            y = self._optimal_pattern(cuts)
            found = []
            for p in self.primary:
                for sense in (1, -1):
                    earlier = protected_under.get((p, sense))
                    if earlier is not None and (y >= earlier).all():
                        continue
                    cut, moved = attacker.cut(y, p, sense)
                    if cut is not None:
                        found.append(cut)
                    if moved is not None:
                        # The table the reader cannot rule out may protect other primaries too.
                        for q, direction in ((1, moved[at] >= level - _SLACK),
                                             (-1, -moved[at] >= level - _SLACK)):
                            for other in np.asarray(self.primary)[direction]:
                                protected_under[(int(other), q)] = y
            if not found:
                return self.family[y]
            cuts.extend(found)

    def _neighbour_cuts(self) -> list[tuple[np.ndarray, float]]:
        """A primary moves only if another member of each of its equalities moves with it."""
        cuts, seen = [], set()
        eq = self.eq.tocsr()
        for p in self.primary:
            at = self.position[p]
            for row in np.flatnonzero(eq[:, at].toarray().ravel()):
                others = tuple(int(j) for j in eq[row].indices if j != at)
                if others and others not in seen:
                    seen.add(others)
                    weights = np.zeros(len(self.family))
                    weights[list(others)] = 1.0
                    cuts.append((weights, 1.0))
        return cuts

    def _optimal_pattern(self, cuts: list[tuple[np.ndarray, float]]) -> np.ndarray:
        """The cheapest pattern that satisfies every cut found so far (a small binary program).

        A cut ``w @ y >= rhs`` says: hide enough of these nodes that the reader's room to move
        the primary reaches its protection level (see :meth:`_FamilyAttacker.cut`).
        """
        m = len(self.family)
        fixed = np.zeros(m, dtype=bool)
        fixed[[self.position[p] for p in self.primary]] = True
        if not cuts:
            return fixed
        n_rows = len(self.rows)
        width = m + n_rows
        entries = [(i, j) for i, (_, inside) in enumerate(self.rows) for j in inside]
        rr = np.arange(len(entries))
        # A published row's value is hidden as soon as one of its nodes is: v_r >= y_j.
        link = sparse.coo_matrix(
            (np.r_[np.ones(len(entries)), -np.ones(len(entries))],
             (np.r_[rr, rr], np.r_[[m + i for i, _ in entries], [j for _, j in entries]])),
            shape=(len(entries), width),
        )
        weights = np.array([w for w, _ in cuts])
        cut_rows = sparse.hstack(
            [sparse.csr_matrix(weights), sparse.csr_matrix((len(cuts), n_rows))]
        )
        a = sparse.vstack([link, cut_rows]).tocsr()
        lo = np.r_[np.zeros(len(entries)), [rhs for _, rhs in cuts]]
        hi = np.full(a.shape[0], INFINITY)
        col_lo = np.r_[fixed.astype(float), np.zeros(n_rows)]
        col_hi = np.ones(width)
        integer = np.r_[np.ones(m, dtype=bool), np.zeros(n_rows, dtype=bool)]
        program = Program(a, lo, hi, col_lo, col_hi, integer)
        status, _ = program.optimise(self._cost(width))
        if status != 0:
            raise _Infeasible
        return program.values()[:m] > 0.5

    def _cost(self, width: int) -> np.ndarray:
        m = len(self.family)
        cost = np.zeros(width)
        # Ties go to the pattern hiding the smallest numbers, then to the first keys.
        order = np.arange(m) / max(m, 1)
        cost[:m] = 1e-3 * self.values / max(float(self.values.max()), 1.0) + 1e-5 * order
        cost[:m] += np.where(self.types == "n", 0.1, 0.0)
        for i, (weight, _) in enumerate(self.rows):
            cost[m + i] = weight
        return cost


def _restricted(matrix: sparse.csr_matrix, family: np.ndarray) -> sparse.csr_matrix:
    """The rows touching the family, over the family's columns only."""
    columns = matrix[:, family]
    touching = np.flatnonzero(np.diff(columns.tocsr().indptr) > 0)
    return columns[touching]


def _restricted_inequalities(model: Model, family: np.ndarray):
    """Inequalities touching the family, and their slack at the true values."""
    columns = model.inequalities[:, family].tocsr()
    touching = np.flatnonzero(np.diff(columns.indptr) > 0)
    slack = -(model.inequalities[touching] @ model.values)
    return columns[touching], np.maximum(slack, 0.0)


class _FamilyAttacker:
    """What a reader can deduce about a family's primaries, given a hiding pattern.

    For a primary p and a direction, the reader's room is the largest move of p in a table
    that keeps every published node, satisfies every relation and moves a hidden node j by at
    most ``bound[j]`` upwards and never below zero. When that room falls short of p's
    protection level, the optimal dual solution of the program gives a cut: for any pattern
    y, the room is at most ``K + sum(w_j * y_j)``, so a protecting pattern must reach the level
    with it (Fischetti and Salazar's capacity cuts, as in Tau-Argus's optimal method).
    """

    def __init__(self, problem: _FamilyProblem):
        self.p = problem
        m = len(problem.family)
        eq, le = problem.eq, problem.le
        a = sparse.vstack([eq, le]).tocsr()
        lo = np.r_[np.zeros(eq.shape[0]), np.full(le.shape[0], -INFINITY)]
        hi = np.r_[np.zeros(eq.shape[0]), problem.slack]
        if a.shape[0] == 0:
            a, lo, hi = sparse.csr_matrix((1, m)), np.zeros(1), np.zeros(1)
        self.program = Program(a, lo, hi, np.zeros(m), np.zeros(m))
        self.pattern = None

    def cut(self, y: np.ndarray, node: int, sense: int):
        """(cut, moves): the cut is None when the pattern protects ``node`` in ``sense``,
        else a violated cut; moves is the reader's table found (the change of every node)."""
        p = self.p
        if self.pattern is None or not np.array_equal(self.pattern, y):
            self.program.set_bounds(
                np.arange(len(y)), np.where(y, -p.values, 0.0), np.where(y, p.bound, 0.0)
            )
            self.pattern = y.copy()
        cost = np.zeros(len(y))
        cost[p.position[node]] = -float(sense)
        status, objective = self.program.optimise(cost)
        if status == 1:
            return None, None
        moved = self.program.values() if status == 0 else None
        if status == 0 and -objective >= p.levels[node] - _SLACK:
            return None, moved
        row_dual, col_dual = self.program.duals()
        # Dual value of each bound if the node were hidden: its reduced cost times the bound
        # it pushes against (-value below, +bound above), i.e. the room hiding it would add.
        weights = np.where(col_dual >= 0, p.values * col_dual, -p.bound * col_dual)
        inequality = row_dual[p.eq.shape[0]:p.eq.shape[0] + p.le.shape[0]]
        constant = -float(p.slack @ inequality) if len(inequality) else 0.0
        level = float(p.levels[node])
        return (weights, level - constant), moved
