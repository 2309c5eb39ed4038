"""Benchmark: a cold ``dsr reports`` against the shell loop a user would write, and a no-op rebuild.

Run from the project root (it takes several minutes)::

    .venv/bin/python benchmarks/reports_benchmark.py            # baseline reads the export
    .venv/bin/python benchmarks/reports_benchmark.py --baseline-data cells

All three timings happen in one run on the same machine:

1. cold: ``dsr reports`` after deleting ``build/`` and the generated pages (nothing cached);
2. no-op: ``dsr reports`` again, nothing changed (must execute no notebook);
3. baseline: a bash loop of ``papermill`` then ``jupyter nbconvert --to html`` for every unit
   and chapter, one after another, as the Papermill and nbconvert documentation show.

``--baseline-data export`` (default) gives the loop the monitoring export, as a user would, so
each notebook computes the tables itself; ``cells`` gives it the published-cells CSV that
``dsr reports`` computes once, which isolates the execution machinery (a stricter comparison).
The cold build and the loop do the same work per chapter otherwise: same notebooks, same kernel.
"""

from __future__ import annotations

import argparse
import os
import shlex
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from dsr_analysis import config  # noqa: E402
from dsr_analysis.programme_theory import load_programme_theory  # noqa: E402
from dsr_analysis.report.units import TRIAL_DATA, load_units, report_chapters  # noqa: E402

BIN = Path(sys.executable).parent


def timed(command: list[str] | str, **kwargs) -> tuple[float, subprocess.CompletedProcess]:
    start = time.perf_counter()
    result = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, **kwargs)
    elapsed = time.perf_counter() - start
    if result.returncode != 0:
        sys.exit(f"failed: {command}\n{result.stdout[-2000:]}\n{result.stderr[-2000:]}")
    return elapsed, result


def clean_generated() -> None:
    shutil.rmtree(config.BUILD_DIR, ignore_errors=True)
    for child in config.REPORTS_DIR.glob("*"):
        if child.name == ".gitkeep":
            continue
        shutil.rmtree(child) if child.is_dir() else child.unlink()


def baseline_script(out: Path, data: Path) -> str:
    """The plain loop: papermill, then nbconvert, per unit and chapter.

    The same (unit, notebook) pairs as ``dsr reports``: Copenhagen's set has two chapters and
    its long-term one reads the trial's extract.
    """
    theory = load_programme_theory()
    papermill, jupyter = shlex.quote(str(BIN / "papermill")), shlex.quote(str(BIN / "jupyter"))
    lines = ["set -euo pipefail"]
    for unit in load_units():
        lines.append(f"mkdir -p {out}/{unit.id}")
        for chapter in report_chapters(unit, theory):
            source = config.DATA_DIR / "trial" if chapter.data == TRIAL_DATA else data
            executed = f"{out}/{unit.id}/{chapter.page}.ipynb"
            lines.append(
                f"{papermill} --no-progress-bar -k python3 notebooks/{chapter.notebook} {executed}"
                f" -p municipality {unit.id} -p data_path {shlex.quote(str(source))}"
            )
            lines.append(f"{jupyter} nbconvert --to html --log-level WARN {executed}")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--baseline-data", choices=["export", "cells"], default="export")
    args = parser.parse_args()
    dsr = [str(BIN / "dsr"), "reports"]
    theory = load_programme_theory()
    chapters = sum(len(report_chapters(unit, theory)) for unit in load_units())
    print(f"machine: {os.cpu_count()} cores; {len(load_units())} units, {chapters} chapters")

    clean_generated()
    cold, result = timed(dsr)
    print(f"cold dsr reports:        {cold:7.1f} s   ({result.stdout.strip().splitlines()[0]})")

    noop, result = timed(dsr)
    summary = result.stdout.strip().splitlines()[0]
    if not summary.startswith("0 built"):
        sys.exit(f"the no-op rebuild executed notebooks: {summary}")
    print(f"no-op dsr reports:       {noop:7.1f} s   ({summary})")

    if args.baseline_data == "cells":
        data = next((config.BUILD_DIR / "cells").glob("all-*.csv"))
    else:
        data = config.SYNTHETIC_EXPORT_PATH
    with tempfile.TemporaryDirectory(prefix="dsr-loop-") as out:
        loop, _ = timed(["bash", "-c", baseline_script(Path(out), data)])
    print(f"loop papermill+nbconvert:{loop:7.1f} s   (baseline data: {args.baseline_data})")

    print(f"cold build speed-up over the loop: {loop / cold:5.2f}x")
    print(f"no-op rebuild vs cold build:       {cold / noop:5.1f}x faster ({noop:.2f} s)")


if __name__ == "__main__":
    main()
