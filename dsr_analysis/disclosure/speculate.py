"""Solving families side by side on the machine's cores without changing a single cell.

:func:`~dsr_analysis.disclosure.protect.protect` solves the families one after another,
because a family may see what the ones before it hid: a published row already hidden costs
nothing more, a node already hidden is forced. Most families share no row and no node with
any family before them, so their programs are the same whatever was solved first. Here
worker processes solve every family's program as it stands before any family is solved
(growing it by its neighbours where nothing within it protects a primary, as ``protect``
does). Walking the families in order, ``protect`` builds each program as it stands at its
turn and takes a worker's answer only for a program whose key
(:func:`~dsr_analysis.disclosure.cache.family_key`: the hash of everything its solution
depends on) is the one the worker solved; any other it solves itself. The release is
therefore the sequential one, bit for bit; only the time changes.

Workers are forked, so they share the model with the parent instead of receiving a copy.
Where forking is not possible (not Linux, or inside a daemonic worker such as a process
pool's), or the families are too small to pay for it, nothing is started.
``DSR_SUPPRESSION_WORKERS`` sets the number of workers (``1``: none).
"""

from __future__ import annotations

import multiprocessing
import os

import numpy as np

from dsr_analysis.disclosure.cache import family_key
from dsr_analysis.disclosure.family import FamilyProblem, Infeasible

#: Below this many nodes in all families together, solving them takes less than starting
#: workers (the bundled release's families hold about 1,100).
MIN_NODES = 4000
# The inputs the forked workers read (set just before the fork; never sent to them).
_SHARED: dict = {}


def worker_count() -> int:
    """How many processes may solve families: ``DSR_SUPPRESSION_WORKERS``, else the cores
    this process may run on; 1 where workers cannot be forked."""
    if "fork" not in multiprocessing.get_all_start_methods() \
            or multiprocessing.current_process().daemon:
        return 1
    setting = os.environ.get("DSR_SUPPRESSION_WORKERS", "")
    if setting.strip().isdigit() and int(setting) >= 1:
        return int(setting)
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - not on Linux
        return os.cpu_count() or 1


def key_version(cache) -> bytes:
    """What the program keys are salted with: the cache's code version, so that one key
    serves both the cache and the workers' answers (any fixed bytes do without a cache)."""
    return b"" if cache is None else cache.version


class Speculation:
    """Answers worked out ahead by the workers: for the i-th family, what each program
    tried for it (key) solved to (hidden positions within the program's family, or None
    when nothing within it protects a primary)."""

    def __init__(self, pool, pending: dict):
        self._pool, self._pending = pool, pending

    def answers(self, index: int) -> dict:
        result = self._pending.pop(index, None)
        return {} if result is None else dict(result.get())

    def close(self) -> None:
        self._pool.terminate()
        self._pool.join()
        _SHARED.clear()


def speculation(model, families, primary, levels, rows_of, hidden, barred, grown,
                growth: int, cache=None) -> Speculation | None:
    """Start workers on every family's program as it stands now; None if not worth it.
    A program ``cache`` holds is left to the parent, which reads it back."""
    workers = min(worker_count(), len(families))
    if workers < 2 or sum(len(family) for family in families) < MIN_NODES:
        return None
    _SHARED.update(model=model, families=families, primary=primary, levels=levels,
                   rows_of=rows_of, hidden=hidden.copy(), barred=barred, grown=grown,
                   growth=growth, cache=cache, version=key_version(cache))
    # Forked now, and again should a worker die: _SHARED stays set until close().
    pool = multiprocessing.get_context("fork").Pool(workers)
    # Largest first, so that no large family is left to start last.
    order = sorted(_independent(families, rows_of), key=lambda i: (-len(families[i]), i))
    pending = {i: pool.apply_async(_solved_ahead, (i,)) for i in order}
    return Speculation(pool, pending)


def _independent(families, rows_of) -> list[int]:
    """The families sharing no published row with a family before them: their programs
    cannot change before their turn unless one grows (which the keys catch). A family that
    does share one is left to the parent, which solves it at its turn."""
    seen: set[int] = set()
    independent = []
    for i, family in enumerate(families):
        rows = {r for node in family for r in rows_of[node]}
        if seen.isdisjoint(rows):
            independent.append(i)
        seen |= rows
    return independent


def _solved_ahead(index: int) -> list[tuple[str, np.ndarray | None]]:
    """In a worker: the i-th family's programs as they stand before any family is solved,
    grown as ``protect`` grows them, with what each solved to."""
    shared = _SHARED
    model, family = shared["model"], shared["families"][index]
    row_hidden = np.zeros(len(model.value_nodes), dtype=bool)
    answers: list[tuple[str, np.ndarray | None]] = []
    for _ in range(shared["growth"]):
        try:
            problem = FamilyProblem(model, family, shared["primary"], shared["levels"],
                                    row_hidden, shared["rows_of"], shared["hidden"],
                                    shared["barred"])
            key = family_key(problem, shared["version"])
            if shared["cache"] is not None and shared["cache"].get(key) is not None:
                break  # the parent reads it from the cache
            chosen = problem.solve()
        except Infeasible:
            answers.append((key, None))
            family = shared["grown"](model, family)
            continue
        except Exception:  # noqa: BLE001 - the parent solves it again and reports it
            break
        answers.append((key, np.flatnonzero(np.isin(problem.family, chosen))))
        break
    return answers
