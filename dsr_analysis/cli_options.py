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


class FullSummaryGroup(click.Group):
    """A command group whose command list gives each command's whole first sentence.

    click cuts a summary to fit one line of an 80-column terminal and ends it with "…"; a
    cut summary says less than none, so the list wraps instead.
    """

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        rows = []
        for name in self.list_commands(ctx):
            command = self.get_command(ctx, name)
            if command is not None and not command.hidden:
                rows.append((name, command.get_short_help_str(limit=10_000)))
        if rows:
            with formatter.section("Commands"):
                formatter.write_dl(rows)


def shown_path(path: Path) -> str:
    """A default path as help shows it: relative to the project or the bundled resources.

    Examples
    --------
    >>> shown_path(config.PROJECT_ROOT / "reports" / "tables.csv")
    'reports/tables.csv'
    >>> shown_path(config.DATA_DIR / "codebook.yml")
    'data/codebook.yml'
    """
    path = Path(path)
    for root in (config.PROJECT_ROOT, config.RESOURCE_ROOT):
        if path.is_relative_to(root):
            return str(path.relative_to(root))
    if path.is_relative_to(config.PACKAGE_DIR):  # installed: data/ and notebooks/ live inside
        return str(path.relative_to(config.PACKAGE_DIR))
    return str(path)


QUIET_KEY = "dsr.quiet"


def is_quiet() -> bool:
    """Whether ``dsr --quiet`` asked for warnings and errors only (no notes, no progress bars).

    >>> is_quiet()  # outside a command
    False
    """
    context = click.get_current_context(silent=True)
    return bool(context is not None and context.meta.get(QUIET_KEY, False))


def fail(error: DsrError) -> NoReturn:
    """Print an error a user can act on, without a traceback, and exit non-zero."""
    click.echo(f"error: {error}", err=True)
    sys.exit(1)
