"""How a family is solved: the relaxation's cuts, the reader's tables kept as witnesses, and
families solved ahead by worker processes. Each shortcut must leave the pattern optimal and
protected; the workers must leave it unchanged bit for bit.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from fixtures_disclosure import three_option_table

from dsr_analysis.disclosure import family as family_module
from dsr_analysis.disclosure import protect as protect_module
from dsr_analysis.disclosure import speculate
from dsr_analysis.disclosure.attack import truth_findings
from dsr_analysis.disclosure.model import TableSpec, build_model
from dsr_analysis.disclosure.protect import protect

K = 5
SPEC = {"T": TableSpec(population="p", exclusive=True, additive_columns={"Total": ["P1", "P2"]}),
        "U": TableSpec(population="q", exclusive=True, additive_columns={"Total": ["P1", "P2"]})}


def table(name: str, municipalities: int, seed: int, small: float = 0.1) -> pd.DataFrame:
    """Two periods and their total of a three-option table, municipalities of 6-40 children
    (``small``: the share of the rarest option)."""
    return three_option_table(name, municipalities, seed, (0.9 - small, 0.1, small))


@pytest.fixture(scope="module")
def model():
    cells = pd.concat([table("T", 12, seed=3), table("U", 10, seed=4)], ignore_index=True)
    return build_model(cells, SPEC)


def leaks(model, protection) -> pd.DataFrame:
    return truth_findings(model, protection.hidden, protection.primary, protection.levels)


# ------------------------------------------------------------------- the relaxation --


class Recorder:
    """Wraps FamilyProblem to keep every cut each family was given and what it returned."""

    def __init__(self, monkeypatch):
        self.cuts, self.solves = [], 0
        optimal = family_module.FamilyProblem._optimal_pattern

        def recording(problem, cuts):
            self.solves += 1
            y = optimal(problem, cuts)
            self.cuts.append((problem, list(cuts), y))
            return y

        monkeypatch.setattr(family_module.FamilyProblem, "_optimal_pattern", recording)


def test_every_cut_holds_for_the_optimal_pattern(model, monkeypatch):
    """A cut is valid when every protecting pattern satisfies it: the final pattern of each
    family does, so it must satisfy every cut found on the way, relaxed ones included."""
    recorder = Recorder(monkeypatch)
    protection = protect(model, K)
    assert leaks(model, protection).empty
    last = {}
    for problem, cuts, y in recorder.cuts:
        last[id(problem)] = (cuts, y)
    checked = 0
    for cuts, y in last.values():
        for index, weights, rhs in cuts:
            assert weights @ y[index] >= rhs - 1e-6
            # Capped: no node is worth more than the whole right-hand side.
            assert (weights <= rhs + 1e-12).all()
            checked += 1
    assert checked > 50


def test_the_relaxation_leaves_few_binary_solves(monkeypatch):
    """One small count in a wide table: without the relaxation the binary program is solved
    round after round, one complement at a time; with it, once or twice."""
    cells = table("T", 30, seed=11, small=0.2)
    cells = cells[(cells["label"] != "z") | cells["municipality"].isin(["M00", "Alle"])]
    model = build_model(cells, {"T": TableSpec(population="p", exclusive=False,
                                               additive_columns={"Total": ["P1", "P2"]})})
    recorder = Recorder(monkeypatch)
    protection = protect(model, K)
    with_relaxation = recorder.solves
    assert leaks(model, protection).empty
    monkeypatch.setattr(family_module.FamilyProblem, "_relaxed_cuts", lambda *args: [])
    plain = protect(model, K)
    without = recorder.solves - with_relaxation
    assert leaks(model, plain).empty
    # Both are optimal: the same number of cells hidden.
    assert plain.hidden.sum() == protection.hidden.sum()
    assert with_relaxation <= 3 < without, (with_relaxation, without)


def test_a_readers_table_protects_only_under_patterns_that_leave_it_possible(model):
    problem_family = protect_module._families(model, protect_module.primary_nodes(model, K))[0]
    levels = protect_module.protection_levels(model)
    problem = family_module.FamilyProblem(
        model, problem_family, protect_module.primary_nodes(model, K), levels,
        np.zeros(len(model.value_nodes), bool), protect_module._rows_of_nodes(model))
    size = len(problem.family)
    index = np.array([0, 1])
    moves = np.array([-min(1.0, problem.values[0]), 1.0])
    y = np.zeros(size, bool)
    y[index] = True
    assert problem._allows(y, (index, moves))
    y[1] = False  # a node the table moves is published now
    assert not problem._allows(y, (index, moves))
    half = np.zeros(size)
    half[index] = 0.5  # hidden by half: a move beyond half its range is no longer possible
    assert problem._allows(half, (index, moves * 0.5 * min(problem.bound[1], 1.0)))
    assert not problem._allows(half, (index, np.array([0.0, problem.bound[1]])))


# ---------------------------------------------------------------------- the workers --


def test_workers_give_the_sequential_pattern(model, monkeypatch):
    monkeypatch.setenv("DSR_SUPPRESSION_WORKERS", "1")
    alone = protect(model, K)
    started = []
    real = speculate.speculation

    def counted(*args, **kwargs):
        ahead = real(*args, **kwargs)
        started.append(ahead)
        return ahead

    monkeypatch.setattr(protect_module, "speculation", counted)
    monkeypatch.setattr(speculate, "MIN_NODES", 0)
    monkeypatch.setenv("DSR_SUPPRESSION_WORKERS", "2")
    side_by_side = protect(model, K)
    assert started and started[0] is not None, "no workers were started"
    assert (side_by_side.hidden == alone.hidden).all()
    assert leaks(model, side_by_side).empty


def test_small_releases_start_no_workers(model, monkeypatch):
    monkeypatch.setenv("DSR_SUPPRESSION_WORKERS", "2")
    primary = protect_module.primary_nodes(model, K)
    families = protect_module._families(model, primary)
    assert sum(len(f) for f in families) < speculate.MIN_NODES
    assert speculate.speculation(model, families, primary, None, None, primary, primary,
                                 None, 1) is None
    monkeypatch.setenv("DSR_SUPPRESSION_WORKERS", "1")
    assert speculate.worker_count() == 1


def test_a_family_sharing_a_row_with_an_earlier_one_is_left_to_the_parent():
    families = [np.array([0, 1]), np.array([2]), np.array([3, 4]), np.array([5])]
    rows_of = [[0], [1], [2], [1, 3], [4], [5]]  # node 3 shares row 1 with node 1
    assert speculate._independent(families, rows_of) == [0, 1, 3]


def test_an_answer_is_used_only_for_the_program_it_was_solved_for(model):
    primary = protect_module.primary_nodes(model, K)
    family = protect_module._families(model, primary)[0]
    problem = family_module.FamilyProblem(
        model, family, primary, protect_module.protection_levels(model),
        np.zeros(len(model.value_nodes), bool), protect_module._rows_of_nodes(model))
    solved = problem.solve()
    everything = np.arange(len(family))
    # Keyed by another program: ignored, the family is solved here.
    chosen = protect_module._solved(problem, None, {"another program": everything})
    assert (chosen == solved).all()
    # Keyed by this program: used as it is (here: hide the whole family, to show it).
    key = speculate.family_key(problem, b"")
    chosen = protect_module._solved(problem, None, {key: everything})
    assert (chosen == family).all()
    with pytest.raises(family_module.Infeasible):
        protect_module._solved(problem, None, {key: None})
