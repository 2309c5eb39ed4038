"""The ``dsr`` command: one sub-command per entry point of the data flow."""

from __future__ import annotations

from pathlib import Path

import click

from dsr_analysis import config
from dsr_analysis.cli_options import (
    DATA_OPTION,
    MIN_CELL_OPTION,
    QUIET_KEY,
    TRIAL_DATA_OPTION,
    UNITS_OPTION,
    FullSummaryGroup,
    fail,
    language_option,
    shown_path,
)
from dsr_analysis.errors import DsrError


def _project_too_late(context: click.Context, parameter: click.Parameter,
                      value: str | None) -> None:
    # dsr_analysis.entry takes --project out before the paths are fixed; one still here came
    # through another way in (python -m dsr_analysis.cli), where it could only be ignored.
    if value is not None:
        raise click.UsageError("--project works only as the first option of the dsr command "
                               "(dsr --project DIR COMMAND); or set DSR_PROJECT=DIR")


def _quiet(context: click.Context, parameter: click.Parameter, value: bool) -> None:
    # Notes go to standard output, warnings and errors to standard error, which stays; the
    # progress bars are the commands' own (cli_options.is_quiet). Restored when the command
    # ends (tests run many in one process).
    if not value:
        return
    import os
    import sys

    context.meta[QUIET_KEY] = True
    kept, silent = sys.stdout, open(os.devnull, "w", encoding="utf-8")  # noqa: SIM115
    sys.stdout = silent

    def restore() -> None:
        sys.stdout = kept
        silent.close()

    context.call_on_close(restore)


@click.group(cls=FullSummaryGroup)
@click.version_option(package_name="dsr-analysis")
# Read by dsr_analysis.entry before this module is imported; declared here for --help.
@click.option("--project", type=click.Path(file_okay=False), expose_value=False,
              callback=_project_too_late,
              help="Folder for outputs (reports/, build/). Default: the checkout, or the "
                   "current folder when installed. Give it before the command.")
@click.option("--quiet", "-q", is_flag=True, expose_value=False, callback=_quiet,
              help="Print only warnings and errors (no notes, no progress).")
def main() -> None:
    """Evaluate social workers in daycare (DSR): monitoring export to published tables."""


@main.command()
@DATA_OPTION
@UNITS_OPTION
@TRIAL_DATA_OPTION
@click.option("--out", "out_path", type=click.Path(path_type=Path),
              default=config.TABLES_OUTPUT_PATH, show_default=shown_path(config.TABLES_OUTPUT_PATH),
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
@click.option("--seed", type=int, default=None,
              help="Seed of the generator. Default: 2012 (--national: the settings file's).")
@click.option("--out", "out_path", type=click.Path(path_type=Path, dir_okay=False), default=None,
              help="File to write. Default: data/synthetic/monitoring_export.csv "
                   "(--national: build/national/monitoring_export.csv).")
@click.option("--national", is_flag=True,
              help="The national synthetic export: the 98 municipalities of "
                   "data/national/municipalities.yml, made once and reused while its inputs "
                   "are unchanged.")
@click.option("--settings", "settings_path", default=config.NATIONAL_SETTINGS_PATH,
              type=click.Path(path_type=Path, dir_okay=False),
              show_default=shown_path(config.NATIONAL_SETTINGS_PATH),
              help="With --national: the settings (and units) file.")
@click.option("--children", type=click.IntRange(min=1), default=None,
              help="With --national: this many children in all instead of the file's sizes "
                   "(shared in proportion to them).")
@click.option("--force", is_flag=True, help="With --national: regenerate even if up to date.")
def data(seed: int | None, out_path: Path | None, national: bool, settings_path: Path,
         children: int | None, force: bool) -> None:
    """Regenerate the calibrated synthetic monitoring export (or, --national, make the
    national one)."""
    if national:
        _national_data(out_path, settings_path, children, seed, force)
        return
    from dsr_analysis.synthetic import generate_export, write_export

    out_path = out_path or config.SYNTHETIC_EXPORT_OUTPUT_PATH
    write_export(generate_export(seed=2012 if seed is None else seed), out_path)
    click.echo(f"wrote synthetic export to {out_path}")


def _national_data(out_path: Path | None, settings_path: Path, children: int | None,
                   seed: int | None, force: bool) -> None:
    from dsr_analysis.national import write_national_export

    try:
        path, written = write_national_export(out_path or config.NATIONAL_EXPORT_PATH,
                                              settings_path, children, seed, force)
    except DsrError as error:
        fail(error)
    done = "wrote" if written else "up to date (inputs unchanged), kept"
    click.echo(f"{done} national SYNTHETIC export {path}; its units file is {settings_path}")


def _register_stage_commands() -> None:
    # Each stage module owns its command; importing them here keeps one `dsr` entry point.
    from dsr_analysis.audit_command import audit_command
    from dsr_analysis.check.command import check_command
    from dsr_analysis.pseudonymise import pseudonymise_command
    from dsr_analysis.runner.command import reports_command
    from dsr_analysis.survey import cli_commands as survey_commands
    from dsr_analysis.teaching import cli_commands as teaching_commands
    from dsr_analysis.template import template_command
    from dsr_analysis.trial import cli_commands

    main.add_command(reports_command)
    main.add_command(audit_command)
    main.add_command(check_command)
    main.add_command(template_command)
    main.add_command(pseudonymise_command)
    for command in [*cli_commands(), *survey_commands(), *teaching_commands()]:
        main.add_command(command)


_register_stage_commands()

if __name__ == "__main__":  # pragma: no cover
    main()
