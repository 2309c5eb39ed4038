"""Options and error handling shared by every ``dsr`` sub-command, defined once."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import NoReturn

import click

from dsr_analysis import config
from dsr_analysis.errors import DsrError

DATA_OPTION = click.option(
    "--data", "data_path", type=click.Path(path_type=Path), default=None,
    help="Monitoring export (CSV or .xlsx). Default: the bundled synthetic export.",
)
TRIAL_DATA_OPTION = click.option(
    "--trial-data", "trial_dir", type=click.Path(path_type=Path), default=None,
    help="Folder with Copenhagen's trial extract (institutions.csv, children.csv). "
         "Default: the bundled synthetic trial.",
)
UNITS_OPTION = click.option(
    "--units", "units_path", type=click.Path(path_type=Path, exists=True, dir_okay=False),
    default=None,
    help="Municipalities file naming the units the export may hold (its monitored entries). "
         "Default: data/municipalities.yml.",
)
MIN_CELL_OPTION = click.option(
    "--min-cell", type=click.IntRange(min=1), default=config.DEFAULT_MIN_CELL, show_default=True,
    help="Hide counts below this (1 = no suppression, for analysts entitled to see all cells).",
)


def language_option(parameter: str = "language"):
    """``--lang da|en``, passed to the command as ``parameter``."""
    return click.option(
        "--lang", parameter, type=click.Choice(["da", "en"]), default="da", show_default=True,
        help="Language of labels and report text.",
    )


def fail(error: DsrError) -> NoReturn:
    """Print an error a user can act on, without a traceback, and exit non-zero."""
    click.echo(f"error: {error}", err=True)
    sys.exit(1)
