"""One family of linked cells: its suppression program and the attacker it answers to.

:class:`FamilyProblem` finds the cheapest hiding pattern of a family by a cutting-plane loop
over a small binary program; :class:`FamilyAttacker` tells, for a pattern, whether a reader
can pin a primary inside its protection interval and, if so, returns the cut (from the
optimal dual of its linear program) that every protecting pattern must satisfy.
"""

from __future__ import annotations

import numpy as np
from scipy import sparse

from dsr_analysis.cells import POOLED_NAME
from dsr_analysis.disclosure.model import Model
from dsr_analysis.disclosure.relations import touching_rows
from dsr_analysis.disclosure.solver import INFINITY, Program

_SLACK = 1e-7
#: What hiding a contrast row costs beside a table cell's 1: it only repeats what its cells say.
CONTRAST_WEIGHT = 0.5


class Infeasible(Exception):
    """No pattern within the family protects one of its primaries."""


class FamilyProblem:
    """The suppression program of one family, with its cutting-plane loop."""

    def __init__(self, model, family, primary, levels, row_hidden, rows_of,
                 already_hidden=None, never_hidden=None):
        self.model, self.family = model, family
        self.position = {int(node): i for i, node in enumerate(family)}
        self.primary = [int(node) for node in family if primary[node]]
        size = len(model.nodes)
        # Hidden before the family is solved (an earlier release's pattern), and never hidden.
        self.forced = (np.zeros(size, bool) if already_hidden is None else already_hidden)[family]
        self.barred = (np.zeros(size, bool) if never_hidden is None else never_hidden)[family]
        self.up, self.down = levels
        self.levels = np.maximum(self.up, self.down)
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
            weight = (CONTRAST_WEIGHT if derived[r] else 1.0) + 0.01 * (
                municipality[r] == POOLED_NAME
            )
            rows.append((weight, inside))
        return rows

    def _bounds(self) -> np.ndarray:
        """How far a hidden node may move in a protecting table (large enough, finite)."""
        largest = max(float(self.levels[self.primary].max()), 1.0)
        scale = np.where(self.types == "s", 10.0, 1.0)
        return 4.0 * largest * scale + np.where(self.types == "s", 10.0, 0.0)

    def solve(self) -> np.ndarray:
        """The family's hidden nodes (model node numbers)."""
        attacker = FamilyAttacker(self)
        cuts = self._neighbour_cuts()
        # Hiding more never takes room away, so a primary protected under some pattern stays
        # protected under every pattern that hides at least as much.
        protected_under: dict[tuple[int, int], np.ndarray] = {}
        at = np.array([self.position[p] for p in self.primary])
        up, down = self.up[self.primary], self.down[self.primary]
        needed = [(p, sense) for p in self.primary for sense in (1, -1)
                  if self.level(p, sense) > _SLACK]
        while True:
            y = self._optimal_pattern(cuts)
            found = []
            for p, sense in needed:
                earlier = protected_under.get((p, sense))
                if earlier is not None and (y >= earlier).all():
                    continue
                cut, moved = attacker.cut(y, p, sense)
                if cut is not None:
                    found.append(cut)
                if moved is not None:
                    # The table the reader cannot rule out may protect other primaries too.
                    for q, direction in ((1, moved[at] >= up - _SLACK),
                                         (-1, -moved[at] >= down - _SLACK)):
                        for other in np.asarray(self.primary)[direction]:
                            protected_under[(int(other), q)] = y
            if not found:
                return self.family[y]
            cuts.extend(found)

    def level(self, node: int, sense: int) -> float:
        """The protection ``node`` needs upwards (sense 1) or downwards (-1)."""
        return float(self.up[node] if sense > 0 else self.down[node])

    def _neighbour_cuts(self) -> list[tuple[np.ndarray, float]]:
        """A primary moves only if another member of each of its equalities moves with it."""
        cuts, seen = [], set()
        eq = self.eq.tocsr()
        by_column = self.eq.tocsc()
        by_column.sort_indices()
        for p in self.primary:
            at = self.position[p]
            rows = by_column.indices[by_column.indptr[at]:by_column.indptr[at + 1]]
            # Rows in order and zeros dropped, as the dense column's nonzeros were.
            values = by_column.data[by_column.indptr[at]:by_column.indptr[at + 1]]
            for row in np.sort(rows[values != 0]):
                members = eq.indices[eq.indptr[row]:eq.indptr[row + 1]]
                others = members[members != at]
                signature = others.tobytes()
                if len(others) and signature not in seen:
                    seen.add(signature)
                    weights = np.zeros(len(self.family))
                    weights[others] = 1.0
                    cuts.append((weights, 1.0))
        return cuts

    def _optimal_pattern(self, cuts: list[tuple[np.ndarray, float]]) -> np.ndarray:
        """The cheapest pattern that satisfies every cut found so far (a small binary program).

        A cut ``w @ y >= rhs`` says: hide enough of these nodes that the reader's room to move
        the primary reaches its protection level (see :meth:`FamilyAttacker.cut`).
        """
        m = len(self.family)
        fixed = self.forced.copy()
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
        col_hi = np.r_[np.where(self.barred, 0.0, 1.0), np.ones(n_rows)]
        integer = np.r_[np.ones(m, dtype=bool), np.zeros(n_rows, dtype=bool)]
        program = Program(a, lo, hi, col_lo, col_hi, integer)
        status, _ = program.optimise(self._cost(width))
        if status != 0:
            raise Infeasible
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
    return matrix[touching_rows(matrix, family)][:, family]


def _restricted_inequalities(model: Model, family: np.ndarray):
    """Inequalities touching the family, and their slack at the true values."""
    touching = touching_rows(model.inequalities, family)
    slack = -(model.inequalities[touching] @ model.values)
    return model.inequalities[touching][:, family], np.maximum(slack, 0.0)


class FamilyAttacker:
    """What a reader can deduce about a family's primaries, given a hiding pattern.

    For a primary p and a direction, the reader's room is the largest move of p in a table
    that keeps every published node, satisfies every relation and moves a hidden node j by at
    most ``bound[j]`` upwards and never below zero. When that room falls short of p's
    protection level, the optimal dual solution of the program gives a cut: for any pattern
    y, the room is at most ``K + sum(w_j * y_j)``, so a protecting pattern must reach the level
    with it (Fischetti and Salazar's capacity cuts, as in Tau-Argus's optimal method).
    """

    def __init__(self, problem: FamilyProblem):
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
        level = p.level(node, sense)
        if status == 0 and -objective >= level - _SLACK:
            return None, moved
        row_dual, col_dual = self.program.duals()
        # Dual value of each bound if the node were hidden: its reduced cost times the bound
        # it pushes against (-value below, +bound above), i.e. the room hiding it would add.
        weights = np.where(col_dual >= 0, p.values * col_dual, -p.bound * col_dual)
        inequality = row_dual[p.eq.shape[0]:p.eq.shape[0] + p.le.shape[0]]
        constant = -float(p.slack @ inequality) if len(inequality) else 0.0
        return (weights, level - constant), moved
