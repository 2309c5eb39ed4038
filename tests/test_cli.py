"""The `dsr tables` command as an analyst runs it on the bundled data."""

from __future__ import annotations

import subprocess
import sys

import pandas as pd
from click.testing import CliRunner

from dsr_analysis.cli import main


def test_dsr_tables_writes_monitoring_and_trial_tables_and_says_where(tmp_path):
    out = tmp_path / "tables.csv"
    result = CliRunner().invoke(main, ["tables", "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert str(out) in result.output
    assert "SYNTHETIC" in result.output
    cells = pd.read_csv(out, dtype={"table": str})
    assert {"7-1", "7-28", "4-2", "6-1", "KBH-2"} <= set(cells["table"])
    assert cells["synthetic"].all()
    trial = cells.loc[cells["table"].str.startswith("KBH")]
    assert trial["ci_low"].notna().any()
    # Monitoring shares and means carry intervals too; hidden cells never do.
    assert cells.loc[~cells.index.isin(trial.index), "ci_low"].notna().any()
    assert cells.loc[cells["suppressed"], "ci_low"].isna().all()
    assert (cells["min_cell"] == 5).all()


def test_dsr_tables_in_english_translates_labels(tmp_path):
    out = tmp_path / "tables.csv"
    result = CliRunner().invoke(main, ["tables", "--out", str(out), "--lang", "en"])
    assert result.exit_code == 0, result.output
    cells = pd.read_csv(out, dtype={"table": str})
    initiative = cells.loc[(cells["table"] == "7-18") & (cells["municipality"] == "Alle")]
    assert "The pedagogical staff" in set(initiative["label"])
    assert "Period 1" in set(initiative["column"])


def test_dsr_help_imports_no_data_library():
    # `dsr --help` imports every command module; what a command reads it imports when it runs.
    code = (
        "import sys; from dsr_analysis.cli import main\n"
        "try:\n    main(['--help'])\nexcept SystemExit:\n    pass\n"
        "print(sorted({'numpy', 'pandas', 'openpyxl'} & set(sys.modules)))"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert "pseudonymise" in result.stdout and "audit" in result.stdout
    assert result.stdout.splitlines()[-1] == "[]"
