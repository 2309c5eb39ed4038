"""The reader's room to move one primary of a family under a hiding pattern, and the cut
that room gives when it falls short.

For a primary p and a direction, the reader's room is the largest move of p in a table that
keeps every published node, satisfies every relation and moves a hidden node within its
range. When it falls short of p's protection level, the optimal dual solution of that linear
program bounds the room of *every* pattern, whole or fractional, by a linear function of
``y``: a capacity cut (Fischetti and Salazar's, as in Tau-Argus's optimal method) that every
protecting pattern satisfies.
"""

from __future__ import annotations

import numpy as np
from scipy import sparse

from dsr_analysis.disclosure.solver import INFINITY, Program

_SLACK = 1e-7
# Cut weights below this share of the right-hand side are solver round-off, not room.
_TINY = 1e-9

#: A cut ``w @ y >= rhs`` as (the family positions with a weight, their weights, rhs).
Cut = tuple[np.ndarray, np.ndarray, float]


class FamilyAttacker:
    """What a reader can deduce about a family's primaries, given a hiding pattern.

    For a primary p and a direction, the reader's room is the largest move of p in a table
    that keeps every published node, satisfies every relation and moves a hidden node j by at
    most ``bound[j]`` upwards and never below zero. When that room falls short of p's
    protection level, the optimal dual solution of the program gives a cut: for any pattern
    y, the room is at most ``K + sum(w_j * y_j)``, so a protecting pattern must reach the level
    with it (Fischetti and Salazar's capacity cuts, as in Tau-Argus's optimal method).
    """

    def __init__(self, problem):
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

    def cut(self, y: np.ndarray, node: int, sense: int, margin: float = _SLACK):
        """(cut, moves): the cut is None when the pattern protects ``node`` in ``sense`` (its
        room falls short of the level by at most ``margin``), else a violated cut; moves is
        the reader's table found (the change of every node). ``y`` may be fractional: a
        node hidden by a fraction moves by that fraction of its range."""
        p = self.p
        if self.pattern is None or not np.array_equal(self.pattern, y):
            if y.dtype == bool:
                lower, upper = np.where(y, -p.values, 0.0), np.where(y, p.bound, 0.0)
            else:
                lower, upper = -y * p.values, y * p.bound
            self.program.set_bounds(np.arange(len(y)), lower, upper)
            self.pattern = y.copy()
        cost = np.zeros(len(y))
        cost[p.position[node]] = -float(sense)
        status, objective = self.program.optimise(cost)
        if status == 1:
            return None, None
        moved = self.program.values() if status == 0 else None
        level = p.level(node, sense)
        if status == 0 and -objective >= level - margin:
            return None, moved
        row_dual, col_dual = self.program.duals()
        # Dual value of each bound if the node were hidden: its reduced cost times the bound
        # it pushes against (-value below, +bound above), i.e. the room hiding it would add.
        weights = np.where(col_dual >= 0, p.values * col_dual, -p.bound * col_dual)
        inequality = row_dual[p.eq.shape[0]:p.eq.shape[0] + p.le.shape[0]]
        constant = -float(p.slack @ inequality) if len(inequality) else 0.0
        rhs = level - constant
        # For a pattern of whole nodes, one node worth the whole right-hand side satisfies
        # the cut as well as one worth more: capping a weight at it keeps every protecting
        # pattern and cuts off more fractional ones (Tau-Argus strengthens its cuts alike).
        # Weights too small to matter are dropped to keep the master sparse.
        weights = np.minimum(weights, rhs)
        # Kept as (positions, weights, rhs): a family of thousands of nodes gathers thousands
        # of cuts, each touching a few hundred of them.
        index = np.flatnonzero(weights >= _TINY * max(rhs, 1.0))
        return (index, weights[index], rhs), moved
