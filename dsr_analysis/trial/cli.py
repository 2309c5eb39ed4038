"""The ``dsr trial`` commands: regenerate the synthetic trial, print the estimates and cells."""

from __future__ import annotations

from pathlib import Path

import click

from dsr_analysis.cli_options import (
    MIN_CELL_OPTION,
    FullSummaryGroup,
    fail,
    language_option,
    shown_path,
)
from dsr_analysis.errors import DsrError
from dsr_analysis.trial import paths

# The same name and meaning as dsr tables' and dsr reports' --trial-data (cli_options).
DATA_DIR_OPTION = click.option(
    "--trial-data",
    "data_dir",
    type=click.Path(path_type=Path),
    default=None,
    help="Folder with Copenhagen's trial extract (institutions.csv, children.csv). "
    "Default: the bundled synthetic trial.",
)


@click.group(name="trial", cls=FullSummaryGroup)
def trial() -> None:
    """Copenhagen's randomised trial: synthetic data, estimates and the KBH tables."""


@trial.command(name="data")
@click.option("--seed", type=int, default=None, help="Default: the seed in synthetic.yml.")
@click.option(
    "--out",
    "out_dir",
    type=click.Path(path_type=Path),
    default=paths.TRIAL_DIR,
    show_default=shown_path(paths.TRIAL_DIR),
    help="Directory to write the two CSV files to.",
)
def data(seed: int | None, out_dir: Path) -> None:
    """Regenerate the calibrated synthetic trial (institutions.csv, children.csv)."""
    from dsr_analysis.trial.synthetic import synthetic_trial, write_trial

    written = write_trial(synthetic_trial(seed=seed), out_dir)
    click.echo("wrote SYNTHETIC trial data to " + ", ".join(str(p) for p in written))


@trial.command(name="estimates")
@DATA_DIR_OPTION
def estimates(data_dir: Path | None) -> None:
    """Print the effect estimates (cluster-robust and naive) and the clustering per outcome."""
    import pandas as pd

    from dsr_analysis.trial.estimates import clustering_summary, trial_estimates
    from dsr_analysis.trial.schema import read_trial

    try:
        children = read_trial(data_dir).children
    except DsrError as error:
        fail(error)
    table = trial_estimates(children)
    shown = table.drop(columns=["se", "naive_se"])
    with pd.option_context("display.width", 200, "display.max_columns", 20):
        click.echo(shown.round(3).to_string(index=False))
        click.echo("")
        click.echo(clustering_summary(children, table).round(4).to_string(index=False))
    if children.get("synthetic", pd.Series([0])).eq(1).all():
        click.echo("note: SYNTHETIC data calibrated to the published figures, not register data")


@trial.command(name="cells")
@DATA_DIR_OPTION
@MIN_CELL_OPTION
@language_option()
@click.option(
    "--out",
    "out_path",
    type=click.Path(path_type=Path),
    default=None,
    help="CSV to write; default: print to the terminal.",
)
def cells(data_dir: Path | None, min_cell: int, language: str, out_path: Path | None) -> None:
    """Write the KBH tables as published cells (the tables CSV format plus intervals)."""
    from dsr_analysis.trial.cells import trial_cells

    try:
        frame = trial_cells(data_dir, min_cell=min_cell, language=language)
    except DsrError as error:
        fail(error)
    if out_path is None:
        click.echo(frame.to_csv(index=False, lineterminator="\n"), nl=False)
        return
    out_path.parent.mkdir(parents=True, exist_ok=True)
    frame.to_csv(out_path, index=False, lineterminator="\n")
    click.echo(
        f"wrote {len(frame)} cells ({int(frame['suppressed'].sum())} suppressed) to {out_path}"
    )
