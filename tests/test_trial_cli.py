"""The ``dsr trial`` commands (dsr_analysis.trial.cli), through click's test runner."""

from __future__ import annotations

import pandas as pd
from click.testing import CliRunner

from dsr_analysis.cli import main
from dsr_analysis.trial import cli_commands, paths
from dsr_analysis.trial.cells import CELL_COLUMNS


def run(*arguments: str):
    return CliRunner().invoke(main, ["trial", *arguments], catch_exceptions=False)


def test_registered_on_the_dsr_entry_point():
    assert [command.name for command in cli_commands()] == ["trial"]
    result = run("--help")
    assert result.exit_code == 0
    for command in ("data", "estimates", "cells"):
        assert command in result.output


def test_data_regenerates_the_bundled_files(tmp_path):
    result = run("data", "--out", str(tmp_path))
    assert result.exit_code == 0 and "SYNTHETIC" in result.output
    for name in (paths.INSTITUTIONS_FILE, paths.CHILDREN_FILE):
        assert (tmp_path / name).read_bytes() == (paths.TRIAL_DIR / name).read_bytes()


def test_estimates_are_printed_with_the_synthetic_note():
    result = run("estimates")
    assert result.exit_code == 0
    assert "notification_change" in result.output and "design_effect" in result.output
    assert "SYNTHETIC" in result.output


def test_bad_data_directory_is_a_clear_error(tmp_path):
    result = CliRunner().invoke(main, ["trial", "estimates", "--trial-data", str(tmp_path)])
    assert result.exit_code == 1
    assert "error:" in result.output and "institutions.csv" in result.output


def test_cells_are_written_as_csv(tmp_path):
    out = tmp_path / "kbh.csv"
    result = run("cells", "--min-cell", "1", "--out", str(out))
    assert result.exit_code == 0
    written = pd.read_csv(out)
    assert list(written.columns) == CELL_COLUMNS
    assert written["table"].str.startswith("KBH-").all()
