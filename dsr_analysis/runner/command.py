"""``dsr reports``: build the HTML report sets and say what became of every unit."""

from __future__ import annotations

import os
import sys
import textwrap
from pathlib import Path

import click

from dsr_analysis.cli_options import (
    DATA_OPTION,
    MIN_CELL_OPTION,
    TRIAL_DATA_OPTION,
    fail,
    language_option,
)
from dsr_analysis.errors import DsrError
from dsr_analysis.pdf import find_chromium, write_build_pdfs
from dsr_analysis.runner.build import build_reports


@click.command("reports")
@click.option(
    "--units",
    "units",
    default="",
    metavar="IDS",
    help="Comma-separated unit ids (e.g. kolding,alle). Default: every unit.",
)
@click.option(
    "--jobs",
    type=click.IntRange(min=1),
    default=os.cpu_count() or 1,
    show_default=True,
    help="Worker processes.",
)
@click.option("--force", is_flag=True, help="Rebuild chapters that are up to date.")
@language_option("lang")
@MIN_CELL_OPTION
@DATA_OPTION
@TRIAL_DATA_OPTION
@click.option(
    "--cells",
    "cells_path",
    type=click.Path(path_type=Path, dir_okay=False),
    default=None,
    help="Build from a tables file written by dsr tables instead of an export.",
)
@click.option("--pdf", is_flag=True, help="Then print each report set to reports/pdf/UNIT.pdf.")
def reports_command(
    units: str,
    jobs: int,
    force: bool,
    lang: str,
    min_cell: int,
    data_path: Path | None,
    trial_dir: Path | None,
    cells_path: Path | None,
    pdf: bool = False,
) -> None:
    """Build the HTML report set: one chapter per programme-theory level, per unit."""
    chosen = [u.strip() for u in units.split(",") if u.strip()]
    try:
        if pdf:
            find_chromium()  # missing: say so now, not after the build
        summary = build_reports(
            chosen or None,
            jobs=jobs,
            force=force,
            lang=lang,
            min_cell=min_cell,
            data_path=data_path,
            trial_dir=trial_dir,
            cells_path=cells_path,
        )
    except DsrError as error:
        fail(error)
    click.echo(
        f"{summary.count('built')} built, {summary.count('skipped')} up to date, "
        f"{len(summary.failed)} failed"
    )
    requested = {o.unit for o in summary.outcomes}
    for unit, reason in summary.input_errors.items():
        head = "FAILED" if unit in requested else "BROKEN (not requested)"
        click.echo(f"{head} {unit}: its input has problems, nothing was executed;", err=True)
        click.echo(textwrap.indent(reason, "  "), err=True)
    for outcome in summary.failed:
        if outcome.unit in summary.input_errors:
            continue  # said once per unit above
        click.echo(
            f"FAILED {outcome.unit}/{outcome.chapter}: {outcome.error}\n"
            f"  executed notebook: {outcome.executed}",
            err=True,
        )
    click.echo(f"open {summary.index}")
    names = sorted({o.unit for o in summary.failed} | set(summary.input_errors))
    if names:
        click.echo(
            f"error: {len(names)} unit(s) failed: {', '.join(names)}; "
            "their previous reports were left in place",
            err=True,
        )
        sys.exit(1)
    if pdf:
        try:
            for path in write_build_pdfs(summary, lang):
                click.echo(f"pdf {path}")
        except DsrError as error:
            fail(error)
