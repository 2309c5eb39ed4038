"""The reports half of ``benchmarks/scale.py``: cold ``dsr reports`` of 6, 24 and 98 units.

A set of ``u`` units is the DSR theory over ``u - 1`` replicated municipalities
(``benchmarks/replicate.py``) and their pooled unit, in a report-sets file of its own
(``--sets``). Each build runs in a fresh project folder (``DSR_PROJECT``), so nothing is cached
and the checkout's ``reports/`` and ``build/`` are untouched: once with the local process pool
(``--jobs 2``), once with a local Dask cluster of 2 workers (``--scheduler local``).
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from replicate import replicated
from scale import DSR, ROOT, measured, printed

SET = """report_sets:
  - id: dsr
    title: {{da: Skala, en: Scale}}
    summary: {{da: Skalaforsøg, en: Scale trial}}
    theory: {data}/programme_theory/dsr.yml
    units: {units}
    folder: ""
    method_text: {data}/programme_theory/method_page.yml
    data: {export}
    cells: dsr_analysis.tables:report_cells_by_municipality
    specs: dsr_analysis.tables:release_specs
"""
EXECUTORS = {"process pool": ["--jobs", "2"], "Dask, 2 local workers": ["--scheduler", "local"]}


def sets_file(units: int, folder: Path) -> Path:
    """A report-sets file of ``units`` units: ``units - 1`` municipalities and the pooled one."""
    source = replicated(units - 1)
    path = folder / f"sets_{units}.yml"
    path.write_text(SET.format(data=ROOT / "data", units=source / "municipalities.yml",
                               export=source / "export.csv"), encoding="utf-8")
    return path


def reports_table(unit_counts: list[int]) -> str:
    """Wall time of a cold build per set size and executor, with the ratio to the first row."""
    rows, first = [], None
    for units in unit_counts:
        for executor, options in EXECUTORS.items():
            with tempfile.TemporaryDirectory() as project:
                sets = sets_file(units, Path(project))
                os.environ["DSR_PROJECT"] = project
                try:
                    run = measured([*DSR, "reports", "--sets", str(sets), *options], max_gb=16)
                finally:
                    del os.environ["DSR_PROJECT"]
            first = first or run
            rows.append([f"{units} units", executor, f"{units * 5}", f"{run.seconds:.0f}",
                         f"{run.seconds / first.seconds:.1f}", f"{run.peak / 2**20:,.0f}",
                         run.said[:60]])
    return printed(["set", "executor", "chapters", "cold s", "× s", "client peak MB", "said"],
                   rows)
