"""Benchmark: time and peak memory of reading, validating and typing a large monitoring export.

Run from the project root::

    .venv/bin/python benchmarks/export_memory.py                       # 10k, 100k, 1M rows
    .venv/bin/python benchmarks/export_memory.py --rows 10000 100000 --problems

The exports are generated (never committed) in ``build/benchmarks/`` by replicating the bundled
synthetic export (``data/synthetic/monitoring_export.csv``, 510 registrations of 226 children)
with fresh child ids: copy ``k`` of child ``FMI-0001`` is ``FMI-0001r<k>``, so every child keeps
its own waves, in order, and no two copies share a child. The last copy stops at the row count
asked for; a child cut short keeps waves 1 to n, which is still a valid course.

Each measurement runs in its own child process (``python -c``: import the package, then call
the function), so one file's peak does not hide the next one's; the peak is the child's maximum
resident set size as the kernel reports it (``os.wait4``, ``ru_maxrss``), imports included.
``--problems`` writes the age ``tre`` into every start registration and ``5`` into a scale item
of every row, so that collecting a million problems is measured too (only 50 are shown).
The child runs under an address-space limit (``--max-memory-gb``), so a regression fails with a
MemoryError instead of pushing a shared machine into swap.
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import os
import resource
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SOURCE = ROOT / "data" / "synthetic" / "monitoring_export.csv"
FOLDER = ROOT / "build" / "benchmarks"
FUNCTIONS = {
    "load_export": "from dsr_analysis.export import load_export as run",
    "load_export_by_municipality": "from dsr_analysis.export import "
    "load_export_by_municipality as run",
}
CHILD = """
import json, sys, time
{import_line}
from dsr_analysis.errors import InputValidationError
start = time.perf_counter()
try:
    run(sys.argv[1])
    outcome = "valid"
except InputValidationError as error:
    outcome = f"{{error.total}} problem(s), {{len(error.problems)}} shown"
print(json.dumps({{"seconds": time.perf_counter() - start, "outcome": outcome}}))
"""
IMPORT_ONLY = "import dsr_analysis.export, dsr_analysis.errors; print('{}')"


def replicated_lines(rows: int, problems: bool) -> tuple[list[str], list[list[str]]]:
    """The header and the first ``rows`` data records of the replicated export."""
    header, *records = list(csv.reader(io.StringIO(SOURCE.read_text(encoding="utf-8"))))
    child = header.index("child_id")
    wave = header.index("wave")
    age = header.index("age_years")
    scale = header.index("agreement_parents_staff")
    out: list[list[str]] = []
    copy = 0
    while len(out) < rows:
        for record in records:
            if len(out) == rows:
                break
            fresh = list(record)
            fresh[child] = f"{record[child]}r{copy}"
            if problems:
                fresh[scale] = "5"
                if fresh[wave] == "1":
                    fresh[age] = "tre"
            out.append(fresh)
        copy += 1
    return header, out


def write_export(rows: int, problems: bool, folder: Path) -> Path:
    """Write (once) the replicated export of ``rows`` registrations; return its path."""
    name = f"export_{rows}{'_problems' if problems else ''}.csv"
    path = folder / name
    if path.exists():
        return path
    folder.mkdir(parents=True, exist_ok=True)
    header, records = replicated_lines(rows, problems)
    partial = path.with_suffix(".part")
    with partial.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(header)
        writer.writerows(records)
    partial.replace(path)
    return path


def limit_memory(max_bytes: int):
    def apply() -> None:
        resource.setrlimit(resource.RLIMIT_AS, (max_bytes, max_bytes))

    return apply


def measure(code: str, argument: str | None, max_bytes: int) -> tuple[dict, float, int]:
    """Run ``code`` in a fresh interpreter; its JSON output, wall seconds and peak RSS (bytes)."""
    command = [sys.executable, "-c", code] + ([argument] if argument else [])
    start = time.perf_counter()
    child = subprocess.Popen(
        command,
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        preexec_fn=limit_memory(max_bytes),
    )
    # wait4 gives this child's own usage; RUSAGE_CHILDREN would be the maximum over all children.
    out = child.stdout.read()
    err = child.stderr.read()
    _, status, usage = os.wait4(child.pid, 0)
    child.returncode = os.waitstatus_to_exitcode(status)
    wall = time.perf_counter() - start
    if child.returncode != 0:
        last = err.decode(errors="replace").strip().splitlines()[-1:]
        return {"outcome": f"FAILED ({' '.join(last)})"}, wall, usage.ru_maxrss * 1024
    return json.loads(out.decode()), wall, usage.ru_maxrss * 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, nargs="+", default=[10_000, 100_000, 1_000_000])
    parser.add_argument("--function", choices=sorted(FUNCTIONS), default="load_export")
    parser.add_argument("--problems", action="store_true", help="a problem in every row")
    parser.add_argument("--folder", type=Path, default=FOLDER, help="where the exports go")
    parser.add_argument("--max-memory-gb", type=float, default=8.0)
    args = parser.parse_args()
    max_bytes = int(args.max_memory_gb * 2**30)
    code = CHILD.format(import_line=FUNCTIONS[args.function])

    _, _, baseline = measure(IMPORT_ONLY, None, max_bytes)
    print(f"{args.function}; peak RSS of the interpreter after imports: {baseline / 2**20:.0f} MB")
    print(f"{'rows':>9} {'file MB':>8} {'call s':>7} {'wall s':>7} {'peak MB':>8} "
          f"{'peak/file':>9}  outcome")
    for rows in args.rows:
        path = write_export(rows, args.problems, args.folder)
        size = path.stat().st_size
        result, wall, peak = measure(code, str(path), max_bytes)
        seconds = f"{result['seconds']:7.1f}" if "seconds" in result else f"{'-':>7}"
        print(f"{rows:>9} {size / 2**20:8.1f} {seconds} {wall:7.1f} {peak / 2**20:8.0f} "
              f"{peak / size:9.1f}  {result['outcome']}")


if __name__ == "__main__":
    main()
