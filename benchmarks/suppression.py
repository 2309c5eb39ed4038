"""Suppression at scale: build_model, protect and blanked timed apart on a replicated export.

``protect`` runs without the family cache; ``protect_warm_s`` is a second run reading every
family back from a cache the first filled (a rerun on unchanged data).

The unsuppressed cells of an export are computed once and kept under
``build/benchmarks/<export folder>/cells.pkl`` (the data path is not what is measured here).

    .venv/bin/python benchmarks/suppression.py build/benchmarks/replicated_98x1 [--repeat 1]
"""

from __future__ import annotations

import argparse
import hashlib
import tempfile
import time
from pathlib import Path

import pandas as pd


def unsuppressed(folder: Path, cache_dir: Path | None = None) -> pd.DataFrame:
    """The export's cells before suppression, cached beside it (or in ``cache_dir``)."""
    cache = (cache_dir or folder) / f"{folder.name}.cells.pkl"
    if cache.exists():
        return pd.read_pickle(cache)
    from dsr_analysis.codebook import default_codebook
    from dsr_analysis.export import load_export
    from dsr_analysis.municipalities import load_municipalities
    from dsr_analysis.tables import unsuppressed_cells

    names = sorted(str(e["name"]) for e in load_municipalities(folder / "municipalities.yml")
                   if e["monitored"])
    cells = unsuppressed_cells(load_export(folder / "export.csv", default_codebook(), names))
    cache.parent.mkdir(parents=True, exist_ok=True)
    cells.to_pickle(cache)
    return cells


def timed(folder: Path, min_cell: int = 5, cache_dir: Path | None = None) -> dict:
    """Seconds of each stage and the counts of the pattern."""
    from dsr_analysis.disclosure.cache import FamilyCache
    from dsr_analysis.disclosure.model import build_model
    from dsr_analysis.disclosure.protect import protect
    from dsr_analysis.disclosure.release import blanked
    from dsr_analysis.tables import release_specs

    cells, specs = unsuppressed(folder, cache_dir), release_specs()
    t0 = time.perf_counter()
    model = build_model(cells, specs)
    t1 = time.perf_counter()
    protection = protect(model, min_cell)
    t2 = time.perf_counter()
    out = blanked(model, protection)
    t3 = time.perf_counter()
    with tempfile.TemporaryDirectory() as folder_name:
        cache = FamilyCache(Path(folder_name))
        protect(model, min_cell, cache=cache)  # fills the cache
        t4 = time.perf_counter()
        warm = protect(model, min_cell, cache=cache)
        t5 = time.perf_counter()
    assert (warm.hidden == protection.hidden).all(), "a cache hit changed the pattern"
    digest = hashlib.sha256(out["suppressed"].to_numpy().tobytes()).hexdigest()[:12]
    return {"export": folder.name, "pattern": digest, "cells": len(out),
            "suppressed": int(out["suppressed"].sum()),
            "hidden_nodes": int(protection.hidden.sum()), "model_s": round(t1 - t0, 2),
            "protect_s": round(t2 - t1, 2), "blanked_s": round(t3 - t2, 2),
            "total_s": round(t3 - t0, 2), "protect_warm_s": round(t5 - t4, 2),
            "cache_hits": cache.hits}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folders", nargs="+", type=Path)
    parser.add_argument("--cache-dir", type=Path, default=None,
                        help="where the unsuppressed cells are kept (default: the folder)")
    args = parser.parse_args()
    for folder in args.folders:
        print(timed(folder, cache_dir=args.cache_dir), flush=True)


if __name__ == "__main__":
    main()
