"""Benchmark curve: ``dsr tables`` and ``dsr reports`` as municipalities and children grow.

Run from the project root (the full curve takes several minutes; nothing here is committed)::

    .venv/bin/python benchmarks/scale.py                  # tables and reports
    .venv/bin/python benchmarks/scale.py --only tables

Tables: ``dsr tables`` (default minimum cell 5, suppression on) then ``dsr audit`` of what it
wrote, each in its own process, for

- 4, 24 and 98 municipalities of about 56 children each: the bundled export, and the bundled
  rows copied under more municipalities (``benchmarks/replicate.py``, as issue 12 measured);
- about 5,000, 50,000 and 300,000 children in the 98 municipalities: the national synthetic
  export (``dsr data --national --children N``), whose sizes follow
  ``data/national/municipalities.yml``.

Reports: a cold ``dsr reports`` of a report set of 6, 24 and 98 units (the replicated
exports), once with the local process pool and once with a local Dask cluster of 2 workers.

Each row gives wall seconds and the peak resident memory of the command's process (``wait4``:
the child's own maximum, imports included), and its ratio to the first row of its block.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "benchmarks"))

from replicate import replicated  # noqa: E402

FOLDER = ROOT / "build" / "benchmarks"
DSR = [sys.executable, "-m", "dsr_analysis.cli"]


@dataclass(frozen=True)
class Run:
    """One measured command: wall seconds, peak memory (bytes), the last line it printed."""

    seconds: float
    peak: int
    said: str


def measured(command: list[str], max_gb: float = 8.0) -> Run:
    """Run ``command`` under an address-space cap; its wall time, peak RSS and last line."""
    import resource

    cap = int(max_gb * 2**30)

    def limit() -> None:
        resource.setrlimit(resource.RLIMIT_AS, (cap, cap))

    start = time.perf_counter()
    child = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                             preexec_fn=limit)
    out = child.stdout.read().decode(errors="replace")
    # wait4 gives this child's own usage (RUSAGE_CHILDREN would be the maximum of all so far).
    _, status, usage = os.wait4(child.pid, 0)
    seconds = time.perf_counter() - start
    lines = out.strip().splitlines() or [""]
    said = lines[-1] if os.waitstatus_to_exitcode(status) == 0 else f"FAILED: {lines[-1]}"
    return Run(seconds, usage.ru_maxrss * 1024, said)


def export_children(export: Path) -> tuple[int, int]:
    """(children, rows) of an export: distinct (municipality, child id) pairs and data rows."""
    import pandas as pd

    frame = pd.read_csv(export, usecols=["child_id", "municipality"], dtype=str)
    return int(frame.drop_duplicates().shape[0]), len(frame)


def municipality_inputs(counts: list[int]) -> list[tuple[str, Path, Path]]:
    """(label, export, units) for the bundled export and the replicated ones."""
    inputs = []
    for count in counts:
        if count == 4:
            inputs.append(("4 (bundled)", ROOT / "data/synthetic/monitoring_export.csv",
                           ROOT / "data/municipalities.yml"))
        else:
            folder = replicated(count)
            inputs.append((f"{count} replicated", folder / "export.csv",
                           folder / "municipalities.yml"))
    return inputs


def national_inputs(children: list[int]) -> list[tuple[str, Path, Path]]:
    """(label, export, units) of the national synthetic export at each size."""
    inputs = []
    for size in children:
        export = FOLDER / f"national_{size}.csv"
        if not export.exists():
            subprocess.run([*DSR, "data", "--national", "--children", str(size),
                            "--out", str(export)], cwd=ROOT, check=True, capture_output=True)
        inputs.append((f"98 national, {size:,}", export, ROOT / "data/national/municipalities.yml"))
    return inputs


def tables_rows(inputs: list[tuple[str, Path, Path]]) -> list[list[str]]:
    """One row per input: size, ``dsr tables`` time and peak, ratios, audit time and verdict."""
    rows, first = [], None
    for label, export, units in inputs:
        children, records = export_children(export)
        with tempfile.TemporaryDirectory() as folder:
            out = Path(folder) / "tables.csv"
            run = measured([*DSR, "tables", "--data", str(export), "--units", str(units),
                            "--out", str(out)])
            audit = measured([*DSR, "audit", folder])
        first = first or run
        rows.append([label, f"{children:,}", f"{records:,}", f"{run.seconds:.1f}",
                     f"{run.peak / 2**20:,.0f}", f"{run.seconds / first.seconds:.1f}",
                     f"{run.peak / first.peak:.1f}", f"{audit.seconds:.1f}",
                     audit.said.split(":")[0]])
    return rows


def printed(header: list[str], rows: list[list[str]]) -> str:
    """A plain-text table, right-aligned except the first column."""
    widths = [max(len(str(r[i])) for r in [header, *rows]) for i in range(len(header))]
    lines = []
    for row in [header, *rows]:
        cells = [str(c).ljust(w) if i == 0 else str(c).rjust(w)
                 for i, (c, w) in enumerate(zip(row, widths, strict=True))]
        lines.append("  ".join(cells))
    return "\n".join(lines)


TABLES_HEADER = ["export", "children", "rows", "tables s", "peak MB", "× s", "× MB",
                 "audit s", "audit"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", choices=["tables", "reports"], default=None)
    parser.add_argument("--municipalities", type=int, nargs="+", default=[4, 24, 98])
    parser.add_argument("--children", type=int, nargs="+", default=[5_000, 50_000, 300_000])
    parser.add_argument("--units", type=int, nargs="+", default=[6, 24, 98],
                        help="report-set sizes (units, the pooled one and Copenhagen included)")
    arguments = parser.parse_args()
    if arguments.only in (None, "tables"):
        print("dsr tables (min cell 5) and dsr audit, by municipalities")
        print(printed(TABLES_HEADER, tables_rows(municipality_inputs(arguments.municipalities))))
        print("\ndsr tables (min cell 5) and dsr audit, by children (98 municipalities)")
        print(printed(TABLES_HEADER, tables_rows(national_inputs(arguments.children))))
    if arguments.only in (None, "reports"):
        from scale_reports import reports_table

        print("\ncold dsr reports, by units: process pool and a local Dask cluster of 2 workers")
        print(reports_table(arguments.units))


if __name__ == "__main__":
    main()
