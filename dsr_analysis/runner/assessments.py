"""The index's assessments, cached per unit under ``build/assessments/``.

The index shows every unit's assessments on every build; with 98 units assessing them all
takes seconds. A unit's assessments depend only on its published cells, the programme theory
and the library, so they are kept under a key of exactly those: a build after one
municipality's data changed assesses that municipality and the pooled unit again, no other.
The files are pickles the build itself wrote (a private cache, never published or shared).
"""

from __future__ import annotations

import pickle
from pathlib import Path

import pandas as pd

from dsr_analysis.errors import DsrError
from dsr_analysis.files import atomic_write_bytes
from dsr_analysis.programme_theory import ProgrammeTheory
from dsr_analysis.report.assessment import assess_all
from dsr_analysis.report.units import Unit, unit_cells
from dsr_analysis.runner.keys import sha256_bytes
from dsr_analysis.runner.model import Task

FOLDER = "assessments"


def cells_keys(tasks: list[Task]) -> dict[str, str]:
    """Unit id -> the content hash of its cells file, as the plan named it
    (``build/cells/<unit>-<hash>.csv``)."""
    found = {}
    for task in tasks:
        stem = Path(task.parameters.get("data_path") or "").stem
        if stem.startswith(f"{task.unit}-"):
            found[task.unit] = stem[len(task.unit) + 1:]
    return found


def cached_assessments(
    theory: ProgrammeTheory,
    units: list[Unit],
    cells: pd.DataFrame,
    keys: dict[str, str],
    common: str,
    build_dir: Path,
) -> dict[str, pd.DataFrame]:
    """As :func:`~dsr_analysis.report.index.unit_assessments`, each monitored unit's read from
    the cache when its key (its cells' hash ``keys[unit]``, and ``common``: the theory's and
    the library's) was assessed before."""
    folder = Path(build_dir) / FOLDER
    assessed = {}
    for unit in units:
        if not unit.monitored:
            continue
        key = sha256_bytes(f"{keys.get(unit.id, '')}|{unit.name}|{common}".encode())[:24]
        path = folder / f"{unit.id}-{key}.pkl"
        frame = _read(path) if unit.id in keys else None
        if frame is None:
            frame = assess_all(theory, unit_cells(cells, unit, units), unit.name)
            try:
                atomic_write_bytes(path, pickle.dumps(frame, protocol=pickle.HIGHEST_PROTOCOL))
            except (OSError, DsrError):
                pass  # no cache: the next build assesses again
        assessed[unit.id] = frame
    return assessed


def _read(path: Path) -> pd.DataFrame | None:
    try:
        return pickle.loads(path.read_bytes())
    except (OSError, pickle.UnpicklingError, EOFError, AttributeError, ImportError):
        return None
