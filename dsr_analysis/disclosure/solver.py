"""A thin, quiet, deterministic wrapper around HiGHS for the disclosure control's programs.

HiGHS is the solver Tau-Argus's open-source edition and scipy both use; talking to it through
highspy keeps one model per family of cells alive, so the attacker's many small programs (one
objective after another on the same constraints) reuse the previous basis instead of starting
over.
"""

from __future__ import annotations

import numpy as np
from scipy import sparse

INFINITY = np.inf


class Program:
    """A linear (or mixed-integer) program ``min c x`` s.t. ``row_lo <= A x <= row_hi``,
    ``col_lo <= x <= col_hi``, some columns integer.

    Examples
    --------
    >>> a = sparse.csr_matrix(np.array([[1.0, 1.0]]))
    >>> p = Program(a, np.array([2.0]), np.array([2.0]), np.zeros(2), np.full(2, INFINITY))
    >>> p.optimise(np.array([-1.0, 0.0]))
    (0, -2.0)
    >>> p.values().round(6).tolist()
    [2.0, 0.0]
    """

    def __init__(self, a, row_lo, row_hi, col_lo, col_hi, integer=None):
        import highspy

        self._highspy = highspy
        self.h = _quiet_highs(highspy)
        self.h.setOptionValue("threads", 1)
        self.h.setOptionValue("random_seed", 0)
        self.h.setOptionValue("mip_rel_gap", 0.0)
        lp = highspy.HighsLp()
        a = sparse.csc_matrix(a)
        lp.num_col_, lp.num_row_ = a.shape[1], a.shape[0]
        lp.col_cost_ = np.zeros(a.shape[1])
        lp.col_lower_ = np.asarray(col_lo, dtype=float)
        lp.col_upper_ = _inf(np.asarray(col_hi, dtype=float))
        lp.row_lower_ = _inf(np.asarray(row_lo, dtype=float))
        lp.row_upper_ = _inf(np.asarray(row_hi, dtype=float))
        lp.a_matrix_.format_ = highspy.MatrixFormat.kColwise
        lp.a_matrix_.start_ = a.indptr.astype(np.int32)
        lp.a_matrix_.index_ = a.indices.astype(np.int32)
        lp.a_matrix_.value_ = a.data.astype(float)
        if integer is not None and np.any(integer):
            lp.integrality_ = [
                highspy.HighsVarType.kInteger if flag else highspy.HighsVarType.kContinuous
                for flag in integer
            ]
        self.h.passModel(lp)
        self.size = a.shape[1]

    def tune(self, options: dict) -> None:
        """Set HiGHS options; one this HiGHS does not know is an error, not silently ignored."""
        for name, value in options.items():
            if self.h.setOptionValue(name, value) != self._highspy.HighsStatus.kOk:
                raise RuntimeError(f"HiGHS refused the option {name}={value!r}")

    def set_bounds(self, columns, lower, upper) -> None:
        columns = np.asarray(columns, dtype=np.int32)
        if len(columns):
            self.h.changeColsBounds(
                len(columns), columns, np.asarray(lower, float), _inf(np.asarray(upper, float))
            )

    def add_rows(self, a, row_lo, row_hi) -> None:
        """Append rows ``row_lo <= a x <= row_hi``; the next solve starts from the last basis."""
        a = sparse.csr_matrix(a)
        self.h.addRows(
            a.shape[0], _inf(np.asarray(row_lo, float)), _inf(np.asarray(row_hi, float)),
            a.nnz, a.indptr[:-1].astype(np.int32), a.indices.astype(np.int32),
            a.data.astype(float),
        )

    def optimise(self, cost: np.ndarray) -> tuple[int, float]:
        """Minimise ``cost @ x``. Returns (status, objective): 0 optimal, 1 unbounded,
        2 infeasible."""
        cost = np.asarray(cost, dtype=float)
        self.h.changeColsCost(self.size, np.arange(self.size, dtype=np.int32), cost)
        self.h.run()
        status = self.h.getModelStatus()
        ms = self._highspy.HighsModelStatus
        if status == ms.kOptimal:
            return 0, float(self.h.getInfo().objective_function_value)
        if status in (ms.kUnbounded, ms.kUnboundedOrInfeasible):
            return 1, -INFINITY
        if status == ms.kInfeasible:
            return 2, INFINITY
        raise RuntimeError(f"HiGHS stopped with {self.h.modelStatusToString(status)}")

    def duals(self) -> tuple[np.ndarray, np.ndarray]:
        """Row duals and reduced costs of the last optimal solution (HiGHS's signs)."""
        solution = self.h.getSolution()
        return np.asarray(solution.row_dual, float), np.asarray(solution.col_dual, float)

    def values(self) -> np.ndarray:
        return np.asarray(self.h.getSolution().col_value, dtype=float)


_BANNER_SHOWN = False


def _quiet_highs(highspy):
    """A Highs instance with logging off; the first one of a process prints a banner from C++
    whatever the options, so the process's stdout is closed while it is made."""
    global _BANNER_SHOWN
    if _BANNER_SHOWN:
        h = highspy.Highs()
    else:
        import os
        import sys

        sys.stdout.flush()
        saved = os.dup(1)
        try:
            with open(os.devnull, "wb") as null:
                os.dup2(null.fileno(), 1)
                h = highspy.Highs()
        finally:
            os.dup2(saved, 1)
            os.close(saved)
        _BANNER_SHOWN = True
    h.setOptionValue("output_flag", False)
    return h


def _inf(values: np.ndarray) -> np.ndarray:
    # HiGHS spells infinity as 1e30 and above.
    return np.where(np.isinf(values), np.sign(values) * 1e30, values)
