"""A cache of solved families: a family whose program is unchanged is not solved again.

A family's complementary cells (:class:`~dsr_analysis.disclosure.family.FamilyProblem`)
depend only on its program: its nodes (named by key, so that renumbering elsewhere does not
matter), their values, types and protection levels, its relations, the published rows it can
hide and what they cost, and what is forced or barred. :func:`family_key` hashes all of that
together with the solving code itself and the HiGHS version, so a cache entry is found again
exactly when solving would repeat the same computation: a municipality whose data change
changes the programs of the families holding its cells (and, through the pooled unit, those
families only), and every other family is read back.

The entries live in ``build/suppression-cache/`` (one small JSON file per family, named by
its key); delete the folder to empty it. ``DSR_SUPPRESSION_CACHE=off`` turns it off, and any
other value names another folder. A cache that cannot be read or written is simply not used.
"""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path

import numpy as np

from dsr_analysis import config
from dsr_analysis.files import atomic_write_text

#: Where ``suppress`` keeps solved families unless ``DSR_SUPPRESSION_CACHE`` says otherwise.
DEFAULT_FOLDER = config.BUILD_DIR / "suppression-cache"
_SOLVING_CODE = ("family.py", "cuts.py", "protect.py", "solver.py", "cache.py", "speculate.py")


def _code_version() -> bytes:
    """The solving modules' source and the HiGHS version: a change to either empties the
    cache in effect (no old key is asked for again)."""
    from importlib.metadata import PackageNotFoundError, version

    digest = hashlib.sha256()
    here = Path(__file__).parent
    for name in _SOLVING_CODE:
        digest.update((here / name).read_bytes())
    try:
        digest.update(version("highspy").encode())
    except PackageNotFoundError:  # pragma: no cover - highspy is a dependency
        pass
    return digest.digest()


#: What :meth:`FamilyCache.get` returns for a family no pattern within it protects (it is
#: then grown by its neighbours and solved again).
INFEASIBLE = np.zeros(0, dtype=int)


class FamilyCache:
    """Solved families under ``folder``, keyed by :func:`family_key`.

    Examples
    --------
    >>> import tempfile
    >>> cache = FamilyCache(Path(tempfile.mkdtemp()))
    >>> cache.get("ab" * 32) is None
    True
    >>> cache.put("ab" * 32, np.array([0, 3]))
    >>> cache.get("ab" * 32).tolist()
    [0, 3]
    >>> cache.put("cd" * 32, None)
    >>> cache.get("cd" * 32) is INFEASIBLE
    True
    """

    def __init__(self, folder: Path):
        self.folder = Path(folder)
        self.version = _code_version()
        self.hits = self.misses = 0

    def _path(self, key: str) -> Path:
        return self.folder / key[:2] / f"{key}.json"

    def get(self, key: str) -> np.ndarray | None:
        """The hidden positions within the family (empty: none protects it, see
        :data:`INFEASIBLE`), or None if it was never solved."""
        try:
            entry = json.loads(self._path(key).read_text(encoding="utf-8"))
            positions = INFEASIBLE if entry == "infeasible" else np.asarray(entry, dtype=int)
        except (OSError, ValueError, TypeError):
            self.misses += 1
            return None
        self.hits += 1
        return positions

    def put(self, key: str, positions: np.ndarray | None) -> None:
        """Keep a family's hidden positions, or None: no pattern within it protects it."""
        entry = "infeasible" if positions is None else [int(p) for p in positions]
        try:
            path = self._path(key)
            path.parent.mkdir(parents=True, exist_ok=True)
            atomic_write_text(path, json.dumps(entry))
        except OSError:
            pass  # a read-only or full build folder: the result is still right, only slower


def default_cache() -> FamilyCache | None:
    """The cache ``suppress`` uses: ``DSR_SUPPRESSION_CACHE`` (``off``, or a folder), else
    :data:`DEFAULT_FOLDER`."""
    setting = os.environ.get("DSR_SUPPRESSION_CACHE", "")
    if setting.lower() == "off":
        return None
    return FamilyCache(Path(setting) if setting else DEFAULT_FOLDER)


def family_key(problem, version: bytes) -> str:
    """The hash of everything a family's solution depends on (see the module docstring)."""
    digest = hashlib.sha256(version)
    model, family = problem.model, problem.family

    def feed(*parts) -> None:
        for part in parts:
            array = np.ascontiguousarray(part)
            digest.update(str((array.dtype, array.shape)).encode())
            digest.update(array.tobytes())

    digest.update(repr(model.nodes["key"].iloc[family].tolist()).encode())
    position = np.array([problem.position[p] for p in problem.primary], dtype=np.int64)
    feed(problem.values, problem.types.astype("U1"), problem.up[family], problem.down[family],
         problem.forced, problem.barred, position, problem.bound, problem.slack)
    for matrix in (problem.eq, problem.le):
        matrix = matrix.tocsr()
        feed(np.asarray(matrix.shape), matrix.indptr.astype(np.int64),
             matrix.indices.astype(np.int64), matrix.data.astype(float))
    weights = np.array([weight for weight, _ in problem.rows], dtype=float)
    lengths = np.array([len(inside) for _, inside in problem.rows], dtype=np.int64)
    inside = np.fromiter((j for _, members in problem.rows for j in members), np.int64,
                         int(lengths.sum()))
    feed(weights, lengths, inside)
    return digest.hexdigest()
