"""The ``dsr survey`` commands: check a survey file, write its tables, regenerate the data.

Each command imports what it reads when it runs, so ``dsr --help`` stays fast and loads no
data library.
"""

from __future__ import annotations

from pathlib import Path

import click

from dsr_analysis import config
from dsr_analysis.cli_options import (
    MIN_CELL_OPTION,
    FullSummaryGroup,
    fail,
    language_option,
    shown_path,
)
from dsr_analysis.errors import DsrError


@click.group(name="survey", cls=FullSummaryGroup)
def survey() -> None:
    """The implementation survey of VIVE's (2023) model: check, tables, synthetic data."""


def summary(frame) -> str:
    """A short readable account of a valid survey: rows, respondents, per unit and round."""
    lines = [f"{len(frame)} rows, {frame['respondent_id'].nunique()} respondents, "
             f"{frame['institution_id'].nunique()} institutions"]
    counts = frame.groupby(["municipality", "round"]).size().unstack(fill_value=0)
    for municipality, row in counts.iterrows():
        rounds = ", ".join(f"round {r}: {int(n)}" for r, n in row.items())
        lines.append(f"  {municipality}: {rounds}")
    if frame["synthetic"].any():
        lines.append("note: SYNTHETIC data, not answers of real people")
    return "\n".join(lines)


@survey.command(name="check")
@click.argument("file", type=click.Path(path_type=Path))
def check(file: Path) -> None:
    """Validate a survey file: a summary if it is sound, else every problem (exit 1)."""
    from dsr_analysis.survey.reader import read_survey

    try:
        frame = read_survey(file)
    except DsrError as error:
        fail(error)
    click.echo(f"{file.name}: no problems")
    click.echo(summary(frame))


@survey.command(name="tables")
@click.option("--data", "data_path", type=click.Path(path_type=Path),
              default=config.VIVE2023_SURVEY_PATH,
              show_default=shown_path(config.VIVE2023_SURVEY_PATH),
              help="Survey file (CSV or .xlsx).")
@click.option("--out", "out_path", type=click.Path(path_type=Path), required=True,
              help="Cells CSV to write (atomically).")
@language_option()
@MIN_CELL_OPTION
def tables(data_path: Path, out_path: Path, language: str, min_cell: int) -> None:
    """Write the survey's tables VIVE-1 to VIVE-17 as published cells, with their facts
    beside them (tables.json: what ``dsr audit`` reads)."""
    from dsr_analysis import __version__
    from dsr_analysis.release import write_release
    from dsr_analysis.survey.tables import report_cells_of_export

    try:
        cells = report_cells_of_export(data_path, min_cell, language)
        facts = {"min_cell": int(min_cell), "language": language, "report_set": "vive2023",
                 "synthetic": bool(cells["synthetic"].any()), "version": __version__}
        write_release(cells, facts, out_path)
    except DsrError as error:
        fail(error)
    if cells["synthetic"].any():
        click.echo("note: SYNTHETIC data, not answers of real people")
    hidden = int(cells["suppressed"].sum())
    click.echo(f"wrote {len(cells)} cells ({hidden} suppressed, min cell {min_cell}) "
               f"to {out_path}")


@survey.command(name="data")
@click.option("--out", "out_path", type=click.Path(path_type=Path),
              default=config.VIVE2023_SURVEY_PATH,
              show_default=shown_path(config.VIVE2023_SURVEY_PATH))
def data(out_path: Path) -> None:
    """Regenerate the bundled synthetic survey, byte for byte."""
    from dsr_analysis.survey.synthetic import write_synthetic_survey

    try:
        write_synthetic_survey(out_path)
    except DsrError as error:
        fail(error)
    click.echo(f"wrote SYNTHETIC survey to {out_path}")
