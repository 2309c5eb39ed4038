"""Suppression at scale: build_model, protect and blanked timed apart on a replicated export.

``protect`` runs without the family cache; ``protect_warm_s`` is a second run reading every
family back from a cache the first filled (a rerun on unchanged data).

The unsuppressed cells of an export are computed once and kept under
``build/benchmarks/<export folder>/cells.pkl`` (the data path is not what is measured here).
A folder holds ``export.csv`` and ``municipalities.yml`` (``benchmarks/replicate.py``); the
word ``national`` stands for ``dsr data --national``'s export and its units file.

    .venv/bin/python benchmarks/suppression.py build/benchmarks/replicated_98x1 [national]
    .venv/bin/python benchmarks/suppression.py national --variants

``--variants`` times ``protect`` alone, each way in its own process, side by side: as
shipped; in one process (``DSR_SUPPRESSION_WORKERS=1``); in one process without the
relaxation phase; in one process with HiGHS's default MIP options for the master. It prints
wall and CPU seconds, their ratio to the first row, and whether the pattern is the same.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parent.parent
NATIONAL = (ROOT / "build" / "national" / "monitoring_export.csv",
            ROOT / "data" / "national" / "municipalities.yml")


def sources(folder: Path) -> tuple[Path, Path]:
    """The export and units file a folder argument stands for."""
    if str(folder) == "national":
        if not NATIONAL[0].exists():
            subprocess.run([sys.executable, "-m", "dsr_analysis.cli", "data", "--national"],
                           check=True, cwd=ROOT)
        return NATIONAL
    return folder / "export.csv", folder / "municipalities.yml"


def unsuppressed(folder: Path, cache_dir: Path | None = None) -> pd.DataFrame:
    """The export's cells before suppression, cached beside it (or in ``cache_dir``)."""
    export, units = sources(folder)
    cache = (cache_dir or export.parent) / f"{folder.name}.cells.pkl"
    if cache.exists():
        return pd.read_pickle(cache)
    from dsr_analysis.codebook import default_codebook
    from dsr_analysis.export import load_export
    from dsr_analysis.municipalities import load_municipalities
    from dsr_analysis.tables import unsuppressed_cells

    names = sorted(str(e["name"]) for e in load_municipalities(units) if e["monitored"])
    cells = unsuppressed_cells(load_export(export, default_codebook(), names))
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


#: name -> (environment, what to switch off in the solving code)
VARIANTS = {
    "as shipped": ({}, None),
    "one process": ({"DSR_SUPPRESSION_WORKERS": "1"}, None),
    "one process, no relaxation": ({"DSR_SUPPRESSION_WORKERS": "1"}, "relaxation"),
    "one process, HiGHS's MIP defaults": ({"DSR_SUPPRESSION_WORKERS": "1"}, "options"),
}


def protect_only(folder: Path, switch_off: str | None, cache_dir: Path | None) -> dict:
    """In this process: protect's wall and CPU seconds and the pattern's digest."""
    from dsr_analysis.disclosure import family
    from dsr_analysis.disclosure.model import build_model
    from dsr_analysis.disclosure.protect import protect
    from dsr_analysis.tables import release_specs

    if switch_off == "relaxation":
        family.FamilyProblem._relaxed_cuts = lambda *args: []
    elif switch_off == "options":
        family._MASTER_OPTIONS = {}
    model = build_model(unsuppressed(folder, cache_dir), release_specs())
    wall, cpu = time.perf_counter(), time.process_time()
    children = os.times()
    protection = protect(model, 5)
    after = os.times()
    cpu_all = time.process_time() - cpu + (after.children_user - children.children_user)
    return {"wall": time.perf_counter() - wall, "cpu": cpu_all,
            "hidden": int(protection.hidden.sum()),
            "pattern": hashlib.sha256(protection.hidden.tobytes()).hexdigest()[:12]}


def variants(folder: Path, cache_dir: Path | None) -> None:
    """Each variant in its own process, printed as a table with ratios to the first."""
    unsuppressed(folder, cache_dir)  # computed once, outside the timings
    rows = []
    for name, (environment, switch_off) in VARIANTS.items():
        command = [sys.executable, __file__, str(folder), "--protect-only", switch_off or "-"]
        if cache_dir:
            command += ["--cache-dir", str(cache_dir)]
        env = {**os.environ, **environment, "DSR_SUPPRESSION_CACHE": "off"}
        done = subprocess.run(command, env=env, check=True, capture_output=True, text=True)
        rows.append((name, json.loads(done.stdout.strip().splitlines()[-1])))
    first = rows[0][1]
    print(f"| {folder.name} | protect wall s | CPU s | × wall | × CPU | hidden | same pattern |")
    print("|---|---|---|---|---|---|---|")
    for name, row in rows:
        print(f"| {name} | {row['wall']:.1f} | {row['cpu']:.1f} | "
              f"{row['wall'] / first['wall']:.2f} | {row['cpu'] / first['cpu']:.2f} | "
              f"{row['hidden']} | {'yes' if row['pattern'] == first['pattern'] else 'no'} |")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folders", nargs="+", type=Path)
    parser.add_argument("--cache-dir", type=Path, default=None,
                        help="where the unsuppressed cells are kept (default: the folder)")
    parser.add_argument("--variants", action="store_true",
                        help="time protect each way side by side (see the module docstring)")
    parser.add_argument("--protect-only", default=None, help=argparse.SUPPRESS)
    args = parser.parse_args()
    for folder in args.folders:
        if args.protect_only is not None:
            switch_off = None if args.protect_only == "-" else args.protect_only
            print(json.dumps(protect_only(folder, switch_off, args.cache_dir)), flush=True)
        elif args.variants:
            variants(folder, args.cache_dir)
        else:
            print(timed(folder, cache_dir=args.cache_dir), flush=True)


if __name__ == "__main__":
    main()
