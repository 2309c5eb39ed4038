"""The code base stays ruff-clean (code, tests, benchmarks, notebooks, docs), like `make lint`."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from dsr_analysis import config


def _ruff() -> str | None:
    beside_python = Path(sys.executable).with_name("ruff")
    return str(beside_python) if beside_python.exists() else shutil.which("ruff")


@pytest.mark.skipif(_ruff() is None, reason="ruff is not installed (pip install -e '.[test]')")
def test_ruff_finds_nothing():
    paths = ["dsr_analysis", "tests", "benchmarks", "notebooks", "docs"]
    result = subprocess.run([_ruff(), "check", *paths], cwd=config.PROJECT_ROOT,
                            capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stdout + result.stderr
