"""The ``dsr`` command: one sub-command per entry point of the data flow."""

from __future__ import annotations

from pathlib import Path

import click

from dsr_analysis import config
from dsr_analysis.cli_options import (
    DATA_OPTION,
    MIN_CELL_OPTION,
    TRIAL_DATA_OPTION,
    UNITS_OPTION,
    fail,
    language_option,
)
from dsr_analysis.errors import DsrError


def _project_too_late(context: click.Context, parameter: click.Parameter,
                      value: str | None) -> None:
    # dsr_analysis.entry takes --project out before the paths are fixed; one still here came
    # through another way in (python -m dsr_analysis.cli), where it could only be ignored.
    if value is not None:
        raise click.UsageError("--project works only as the first option of the dsr command "
                               "(dsr --project DIR COMMAND); or set DSR_PROJECT=DIR")


@click.group()
@click.version_option(package_name="dsr-analysis")
# Read by dsr_analysis.entry before this module is imported; declared here for --help.
@click.option("--project", type=click.Path(file_okay=False), expose_value=False,
              callback=_project_too_late,
              help="Folder for outputs (reports/, build/). Default: the checkout, or the "
                   "current folder when installed. Give it before the command.")
def main() -> None:
    """Evaluate social workers in daycare (DSR): monitoring export to published tables."""


@main.command()
@DATA_OPTION
@UNITS_OPTION
@TRIAL_DATA_OPTION
@click.option("--out", "out_path", type=click.Path(path_type=Path),
              default=config.TABLES_OUTPUT_PATH, show_default=True,
              help="CSV to write (its facts go beside it as .json).")
@MIN_CELL_OPTION
@language_option()
@click.option("--previous", "previous", type=click.Path(path_type=Path), default=None,
              help="An earlier release (tables.csv or its folder): groups that cannot have "
                   "changed since keep its suppression pattern.")
def tables(data_path: Path | None, units_path: Path | None, trial_dir: Path | None,
           out_path: Path, min_cell: int, language: str, previous: Path | None) -> None:
    """Write every published table (NIRAS and Copenhagen's trial) as one long CSV."""
    from dsr_analysis.release import release_cells, write_release

    try:
        cells, facts = release_cells(data_path, trial_dir, min_cell, language, previous,
                                     units_path)
        # A full disk or read-only folder: one line, the old files kept.
        write_release(cells, facts, out_path)
    except DsrError as error:
        fail(error)
    if cells["synthetic"].any():
        click.echo("note: SYNTHETIC data (calibrated to the published figures), "
                   "not real case data")
    hidden = int(cells["suppressed"].sum())
    click.echo(f"wrote {len(cells)} cells ({hidden} suppressed, min cell {min_cell}, data to "
               f"{facts['data_cutoff']}) to {out_path}")


@main.command()
@click.option("--seed", type=int, default=2012, show_default=True)
@click.option("--out", "out_path", type=click.Path(path_type=Path),
              default=config.SYNTHETIC_EXPORT_OUTPUT_PATH, show_default=True)
def data(seed: int, out_path: Path) -> None:
    """Regenerate the calibrated synthetic monitoring export."""
    from dsr_analysis.synthetic import generate_export, write_export

    write_export(generate_export(seed=seed), out_path)
    click.echo(f"wrote synthetic export to {out_path}")


def _register_stage_commands() -> None:
    # Each stage module owns its command; importing them here keeps one `dsr` entry point.
    from dsr_analysis.audit_command import audit_command
    from dsr_analysis.pseudonymise import pseudonymise_command
    from dsr_analysis.runner.command import reports_command
    from dsr_analysis.survey import cli_commands as survey_commands
    from dsr_analysis.teaching import cli_commands as teaching_commands
    from dsr_analysis.trial import cli_commands

    main.add_command(reports_command)
    main.add_command(audit_command)
    main.add_command(pseudonymise_command)
    for command in [*cli_commands(), *survey_commands(), *teaching_commands()]:
        main.add_command(command)


_register_stage_commands()

if __name__ == "__main__":  # pragma: no cover
    main()
