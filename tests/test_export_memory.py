"""Reading a large export takes memory in proportion to the file (benchmarks/export_memory.py).

The main branch used to peak at some 32 times the file's size in Python allocations (about
5 GB for a million rows, RSS); reading into categorical columns and holding problems as arrays
brings that to about 6 times. The bound below leaves room for noise but not for a return of
one Python string per cell.
"""

from __future__ import annotations

import csv
import importlib.util
import tracemalloc
from pathlib import Path

import pytest

from dsr_analysis.errors import InputValidationError
from dsr_analysis.export import load_export, load_export_by_municipality

ROOT = Path(__file__).resolve().parent.parent
SPEC = importlib.util.spec_from_file_location("export_memory", ROOT / "benchmarks/export_memory.py")
BENCHMARK = importlib.util.module_from_spec(SPEC)
SPEC.loader.exec_module(BENCHMARK)
ROWS = 20_000
MAX_RATIO = 12


def write(path: Path, problems: bool) -> Path:
    header, records = BENCHMARK.replicated_lines(ROWS, problems)
    with path.open("w", encoding="utf-8", newline="") as handle:
        csv.writer(handle, lineterminator="\n").writerows([header, *records])
    return path


def peak_of(function, path: Path) -> int:
    load_export(ROOT / "tests/bad_inputs/valid.csv")  # imports and caches outside the count
    tracemalloc.start()
    try:
        function(path)
    except InputValidationError:
        pass
    finally:
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
    return peak


def test_the_replicated_export_is_valid_with_fresh_children(tmp_path):
    export = load_export(write(tmp_path / "export.csv", problems=False))
    assert len(export) == ROWS
    assert export["child_id"].nunique() > ROWS / 3
    assert export.groupby("child_id")["wave"].min().eq(1).all()


@pytest.mark.parametrize("function", [load_export, load_export_by_municipality])
def test_a_valid_export_takes_memory_in_proportion(tmp_path, function):
    path = write(tmp_path / "export.csv", problems=False)
    assert peak_of(function, path) < MAX_RATIO * path.stat().st_size


def test_a_problem_in_every_row_takes_memory_in_proportion(tmp_path):
    path = write(tmp_path / "export.csv", problems=True)
    with pytest.raises(InputValidationError) as caught:
        load_export(path)
    assert caught.value.total > ROWS and len(caught.value.problems) == 50
    assert peak_of(load_export, path) < MAX_RATIO * path.stat().st_size
