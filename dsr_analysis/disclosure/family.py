"""One family of linked cells: its suppression program, solved by a cutting-plane loop.

:class:`FamilyProblem` finds the cheapest hiding pattern of a family. The master program
chooses the hidden nodes subject to the cuts found so far; the reader
(:class:`~dsr_analysis.disclosure.cuts.FamilyAttacker`) then says, for each primary and
direction, whether the pattern leaves it room enough, and if not returns a cut every
protecting pattern satisfies. The loop runs in two phases:

1. on the linear relaxation of the master (``y`` between 0 and 1), re-solved from its last
   basis after each batch of cuts, until the reader finds no fractional pattern short of
   room: cheap, and it finds most cuts (a family with one small cell among hundreds used to
   need a hundred binary solves, one complement at a time);
2. on the binary master, until its pattern protects every primary. Its last pattern is then
   optimal: every protecting pattern satisfies every cut, and no cheaper one satisfies them.

A table the reader found, that moved a primary far enough, is kept as its *witness*: a later
pattern that still allows that table (hides every node it moves) protects the primary too,
so the reader is not asked again.
"""

from __future__ import annotations

import itertools

import numpy as np
from scipy import sparse

from dsr_analysis.cells import POOLED_NAME
from dsr_analysis.disclosure.cuts import Cut, FamilyAttacker
from dsr_analysis.disclosure.model import Model
from dsr_analysis.disclosure.relations import touching_rows
from dsr_analysis.disclosure.solver import INFINITY, Program

_SLACK = 1e-7
# The relaxation's loop: how many batches of cuts at most, and how far short of its level a
# primary's room must fall at a fractional pattern for its cut to be worth adding.
_RELAXED_ROUNDS = 200
_RELAXED_MARGIN = 1e-4
# A move of a node smaller than this in a reader's table is no move (solver round-off).
_ZERO = 1e-9
# HiGHS's full MIP presolve (probing) took most of a master solve on programs then solved at
# the root; its initial sweep alone, without the feasibility-jump and root reduced-cost
# heuristics, cut the national exports' largest families' masters by 2-15x. Measured on two
# national draws of 300,000 children (dsr tables, cold): 18.8-28.3 s with the heuristic,
# 22.0-25.5 s without it; the worse draw decides (benchmarks/suppression.py --variants).
_MASTER_OPTIONS = {"presolve_mode": 1, "mip_heuristic_run_feasibility_jump": False,
                   "mip_heuristic_run_root_reduced_cost": False}
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
        # A table the reader cannot rule out, found once, protects a primary under every
        # later pattern that still allows it: one hiding every node it moves (by the amount
        # it moves them, for a fractional pattern). Kept per (primary, sense) as (serial
        # number, positions moved, their moves); many primaries share one table.
        self._witness: dict[tuple[int, int], tuple[int, np.ndarray, np.ndarray]] = {}
        self._tables = itertools.count()
        needed = [(p, sense) for p in self.primary for sense in (1, -1)
                  if self.level(p, sense) > _SLACK]
        cuts.extend(self._relaxed_cuts(self._master(cuts, integer=False), attacker, needed))
        while True:
            y = self._optimal_pattern(cuts)
            found = self._violated(attacker, y, needed, _SLACK)
            if not found:
                return self.family[y]
            cuts.extend(found)

    def _violated(self, attacker, y, needed, margin) -> list[Cut]:
        """The cuts of the primaries a reader can pin under pattern ``y`` (room short of the
        level by more than ``margin``)."""
        at = np.array([self.position[p] for p in self.primary])
        up, down = self.up[self.primary], self.down[self.primary]
        found = []
        allowed: dict[int, bool] = {}  # one verdict per table: many primaries share one
        for p, sense in needed:
            witness = self._witness.get((p, sense))
            if witness is not None:
                serial = witness[0]
                if serial not in allowed:
                    allowed[serial] = self._allows(y, witness[1:])
                if allowed[serial]:
                    continue
            cut, moved = attacker.cut(y, p, sense, margin)
            if cut is not None:
                found.append(cut)
            if moved is not None:
                index = np.flatnonzero(np.abs(moved) > _ZERO)
                table = (next(self._tables), index, moved[index])
                # The table may protect other primaries too.
                for q, direction in ((1, moved[at] >= up - _SLACK),
                                     (-1, -moved[at] >= down - _SLACK)):
                    for other in np.asarray(self.primary)[direction]:
                        self._witness[(int(other), q)] = table
        return found

    def _allows(self, y: np.ndarray, table: tuple[np.ndarray, np.ndarray]) -> bool:
        """Whether pattern ``y`` leaves the reader the table ``table`` (its moves within
        the bounds ``y`` gives the nodes it moves; the relations do not depend on ``y``)."""
        index, moves = table
        share = y[index].astype(float)
        return bool(np.all(moves >= -share * self.values[index] - _SLACK)
                    and np.all(moves <= share * self.bound[index] + _SLACK))

    def _relaxed_cuts(self, program, attacker, needed) -> list[Cut]:
        """Cuts found on the linear relaxation of the master program (``program``; None
        when there is nothing to cut yet), up to the point where it protects every primary.

        A capacity cut holds for every pattern, fractional ones too (the reader's room is a
        linear program whose bounds scale with ``y``), so the cheap relaxation, re-solved from
        its last basis after each batch, finds most of the cuts the binary program needs; the
        binary loop then needs few solves. The optimum does not depend on which valid cuts
        were found, only on the cost and the protection.
        """
        if program is None:
            return []
        found_all: list[Cut] = []
        for _ in range(_RELAXED_ROUNDS):
            status, _ = program.optimise(self._cost(program.size))
            if status != 0:
                return found_all
            y = np.clip(program.values()[:len(self.family)], 0.0, 1.0)
            found = self._violated(attacker, y, needed, _RELAXED_MARGIN)
            if not found:
                break
            program.add_rows(*self._cut_rows(found, program.size))
            found_all.extend(found)
        return found_all

    @staticmethod
    def _cut_rows(cuts, width):
        """The cuts as rows ``w @ y >= rhs`` of a master program ``width`` columns wide."""
        starts = np.r_[0, np.cumsum([len(index) for index, _, _ in cuts])]
        a = sparse.csr_matrix(
            (np.concatenate([w for _, w, _ in cuts]), np.concatenate([i for i, _, _ in cuts]),
             starts),
            shape=(len(cuts), width),
        )
        return a, np.array([rhs for _, _, rhs in cuts]), np.full(len(cuts), INFINITY)

    def level(self, node: int, sense: int) -> float:
        """The protection ``node`` needs upwards (sense 1) or downwards (-1)."""
        return float(self.up[node] if sense > 0 else self.down[node])

    def _neighbour_cuts(self) -> list[Cut]:
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
                    cuts.append((np.sort(others), np.ones(len(others)), 1.0))
        return cuts

    def _optimal_pattern(self, cuts: list[Cut]) -> np.ndarray:
        """The cheapest pattern that satisfies every cut found so far (a small binary program).

        A cut ``w @ y >= rhs`` says: hide enough of these nodes that the reader's room to move
        the primary reaches its protection level (see :meth:`FamilyAttacker.cut`).
        """
        program = self._master(cuts, integer=True)
        if program is None:
            return self._fixed()
        status, _ = program.optimise(self._cost(program.size))
        if status != 0:
            raise Infeasible
        return program.values()[:len(self.family)] > 0.5

    def _fixed(self) -> np.ndarray:
        """What every pattern of the family hides: the primaries and what was hidden before."""
        fixed = self.forced.copy()
        fixed[[self.position[p] for p in self.primary]] = True
        return fixed

    def _master(self, cuts, integer: bool) -> Program | None:
        """The master program over the cuts: a column per node (hidden or not) and per
        published row (its value hidden); None when there is nothing to cut yet."""
        m = len(self.family)
        if not cuts:
            return None
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
        cut_rows, cut_lo, _ = self._cut_rows(cuts, width)
        a = sparse.vstack([link, cut_rows]).tocsr()
        lo = np.r_[np.zeros(len(entries)), cut_lo]
        hi = np.full(a.shape[0], INFINITY)
        col_lo = np.r_[self._fixed().astype(float), np.zeros(n_rows)]
        col_hi = np.r_[np.where(self.barred, 0.0, 1.0), np.ones(n_rows)]
        flags = np.r_[np.ones(m, dtype=bool), np.zeros(n_rows, dtype=bool)] if integer else None
        program = Program(a, lo, hi, col_lo, col_hi, flags)
        if integer:
            program.tune(_MASTER_OPTIONS)
        return program

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
