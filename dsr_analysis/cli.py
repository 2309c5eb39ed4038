"""The ``dsr`` command: one sub-command per entry point of the data flow."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from dsr_analysis import config
from dsr_analysis.errors import DsrError

DATA_OPTION = click.option(
    "--data", "data_path", type=click.Path(path_type=Path), default=None,
    help="Monitoring export (CSV or .xlsx). Default: the bundled synthetic export.",
)
MIN_CELL_OPTION = click.option(
    "--min-cell", type=click.IntRange(min=1), default=config.DEFAULT_MIN_CELL, show_default=True,
    help="Hide counts below this (1 = no suppression, for analysts entitled to see all cells).",
)
LANGUAGE_OPTION = click.option(
    "--lang", "language", type=click.Choice(["da", "en"]), default="da", show_default=True,
    help="Language of labels.",
)


def _fail(error: DsrError) -> None:
    click.echo(f"error: {error}", err=True)
    sys.exit(1)


@click.group()
@click.version_option(package_name="dsr-analysis")
def main() -> None:
    """Evaluate social workers in daycare (DSR): monitoring export to published tables."""


@main.command()
@DATA_OPTION
@click.option("--trial-data", "trial_dir", type=click.Path(path_type=Path), default=None,
              help="Folder with Copenhagen's trial extract (institutions.csv, children.csv). "
                   "Default: the bundled synthetic trial.")
@click.option("--out", "out_path", type=click.Path(path_type=Path),
              default=config.TABLES_OUTPUT_PATH, show_default=True, help="CSV to write.")
@MIN_CELL_OPTION
@LANGUAGE_OPTION
def tables(data_path: Path | None, trial_dir: Path | None, out_path: Path, min_cell: int,
           language: str) -> None:
    """Write every published table (NIRAS and Copenhagen's trial) as one long CSV."""
    from dsr_analysis.tables import all_published_cells, write_cells

    try:
        cells = all_published_cells(data_path, trial_dir, min_cell=min_cell, language=language)
    except DsrError as error:
        _fail(error)
    write_cells(cells, out_path)
    if cells["synthetic"].any():
        click.echo("note: SYNTHETIC data (calibrated to the published figures), "
                   "not real case data")
    hidden = int(cells["suppressed"].sum())
    click.echo(f"wrote {len(cells)} cells ({hidden} suppressed, min cell {min_cell}) "
               f"to {out_path}")


@main.command()
@click.option("--seed", type=int, default=2012, show_default=True)
@click.option("--out", "out_path", type=click.Path(path_type=Path),
              default=config.SYNTHETIC_EXPORT_PATH, show_default=True)
def data(seed: int, out_path: Path) -> None:
    """Regenerate the calibrated synthetic monitoring export."""
    from dsr_analysis.synthetic import generate_export, write_export

    write_export(generate_export(seed=seed), out_path)
    click.echo(f"wrote synthetic export to {out_path}")


def _register_stage_commands() -> None:
    # Each stage module owns its command; importing them here keeps one `dsr` entry point.
    from dsr_analysis.build import reports_command
    from dsr_analysis.trial import cli_commands

    main.add_command(reports_command)
    for command in cli_commands():
        main.add_command(command)


_register_stage_commands()

if __name__ == "__main__":  # pragma: no cover
    main()
