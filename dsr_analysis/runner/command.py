"""``dsr reports``: build the HTML report sets and say what became of every unit."""

from __future__ import annotations

import os
import signal
import sys
import textwrap
from contextlib import contextmanager
from pathlib import Path

import click

from dsr_analysis.cli_options import (
    DATA_OPTION,
    MIN_CELL_OPTION,
    TRIAL_DATA_OPTION,
    fail,
    is_quiet,
    language_option,
)
from dsr_analysis.errors import DsrError
from dsr_analysis.runner.editions import Edition, edition_folder
from dsr_analysis.runner.model import Interrupted, Summary


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
@click.option(
    "--scheduler",
    default=None,
    metavar="ADDRESS",
    help="Run the chapters on the Dask cluster at ADDRESS (tcp://host:port), or on a local "
    "one of --jobs workers (default 2) with 'local'. Default: local worker processes.",
)
@click.option(
    "--sets",
    "sets_path",
    type=click.Path(path_type=Path, dir_okay=False, exists=True),
    default=None,
    help="A report-sets file to build instead of data/report_sets.yml (its paths are "
    "relative to it).",
)
@click.option(
    "--out",
    "out_dir",
    type=click.Path(path_type=Path, file_okay=False),
    default=None,
    help="Folder for the pages. Default: reports/ for the Danish, suppressed build of the "
    "bundled data, and beside it reports/EDITION/ for another edition (en, min-cell-1, "
    "data-NAME, e.g. reports/en-min-cell-1/), so editions never overwrite each other; a "
    "--cells build goes to reports/ unless this says otherwise.",
)
@click.option("--pdf", is_flag=True,
              help="Then print each unit's set to [OUT/][SET/]pdf/UNIT.pdf.")
@click.option(
    "--set",
    "set_ids",
    default="",
    metavar="IDS",
    help="Comma-separated report sets (data/report_sets.yml: dsr, vive2023). Default: all; "
    "with --data or --cells, the first (that data is one design's).",
)
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
    set_ids: str = "",
    scheduler: str | None = None,
    sets_path: Path | None = None,
    out_dir: Path | None = None,
) -> None:
    """Build the HTML report sets: one chapter per programme-theory level, per unit, for
    every programme theory."""
    # The build and the PDF step (pandas, the report modules) load only when the command runs:
    # `dsr` imports this module for every command, --help included.
    chosen = [u.strip() for u in units.split(",") if u.strip()]
    try:
        if pdf:
            from dsr_analysis.pdf import find_chromium

            find_chromium()  # missing: say so now, not after the build
        plans = set_plans(set_ids, chosen, sets_path)
        if (data_path or cells_path) and not set_ids:
            # An export or a tables file is one design's data: build the first set only.
            plans = plans[:1]
    except DsrError as error:
        fail(error)
    explicit_jobs = click.get_current_context().get_parameter_source("jobs").name != "DEFAULT"
    with _cluster(scheduler, jobs if explicit_jobs else None) as address:
        failed_any = False
        for position, (report_set, wanted) in enumerate(plans):
            # An export or a tables file belongs to one design: the first set chosen.
            own_data = (data_path, cells_path) if position == 0 else (None, None)
            edition = Edition(out_dir, edition_folder(lang, min_cell, data_path))
            summary = _build_set(report_set, wanted, jobs, force, lang, min_cell, own_data,
                                 trial_dir, address, sets_path, edition)
            failed_any |= _said(summary)
            failed_any = _pdfs(summary, report_set, lang, pdf, failed_any)
    if failed_any:
        sys.exit(1)


@contextmanager
def _cluster(scheduler: str | None, workers: int | None):
    """The scheduler address the builds use: ``local`` starts one LocalCluster for every set
    (its workers keep their kernels from set to set); None is the process pool."""
    if scheduler != "local":
        yield scheduler
        return
    from dsr_analysis.runner.dask_pool import local_cluster

    try:
        cluster = local_cluster(workers)
        address = cluster.__enter__()
    except DsrError as error:
        fail(error)
    try:
        yield address
    finally:
        cluster.__exit__(None, None, None)


def _pdfs(summary: Summary, report_set, lang: str, pdf: bool, failed_any: bool) -> bool:
    """Print each unit's set when asked and nothing failed; whether anything has failed."""
    if pdf and not failed_any:
        from dsr_analysis.pdf import write_build_pdfs

        try:
            for path in write_build_pdfs(summary, lang, report_set.theory_path,
                                         report_set.units_path):
                click.echo(f"pdf {path}")
        except DsrError as error:
            fail(error)
    return failed_any


def set_plans(set_ids: str, chosen: list[str], sets_path: Path | None = None) -> list[tuple]:
    """The report sets to build, each with the units asked of it (None: all of them).

    A unit id names a unit of whichever set has it; a set none of whose units is asked for
    is left out; an id no set knows is refused.
    """
    from dsr_analysis.report.sets import REPORT_SETS_PATH, load_report_sets

    sets = load_report_sets(sets_path or REPORT_SETS_PATH)
    if set_ids:
        wanted_sets = [i.strip() for i in set_ids.split(",") if i.strip()]
        unknown = sorted(set(wanted_sets) - {s.id for s in sets})
        if unknown:
            known = ", ".join(s.id for s in sets)
            raise DsrError(f"unknown report set(s): {', '.join(unknown)}; known: {known}")
        sets = [s for s in sets if s.id in wanted_sets]
    if not chosen:
        return [(s, None) for s in sets]
    # Units (pandas) load only when asked for: a no-op build must start in milliseconds.
    from dsr_analysis.report.units import load_units

    ids = {s.id: [u.id for u in load_units(s.units_path)] for s in sets}
    unknown = [u for u in chosen if not any(u in own for own in ids.values())]
    if unknown:
        known = sorted({u for own in ids.values() for u in own})
        raise DsrError(f"unknown unit(s): {', '.join(unknown)}; known: {', '.join(known)}")
    return [(s, [u for u in chosen if u in ids[s.id]]) for s in sets
            if any(u in ids[s.id] for u in chosen)]


def _build_set(report_set, wanted, jobs, force, lang, min_cell, own_data, trial_dir,
               scheduler=None, sets_path=None, edition: Edition | None = None) -> Summary:
    """Build one report set and return its summary; exits on an interrupt or a hard error."""
    from dataclasses import replace

    from dsr_analysis.report.sets import REPORT_SETS_PATH
    from dsr_analysis.runner import build
    from dsr_analysis.runner.build import build_reports
    from dsr_analysis.runner.model import set_settings

    # build.Settings: the folders a build uses (tests point them elsewhere); each set's pages
    # go in its folder under the reports folder.
    base = replace(build.Settings(), report_sets_path=sets_path or REPORT_SETS_PATH)
    reports_root, build_root = (edition or Edition()).roots(base.reports_dir, base.build_dir)
    settings = set_settings(report_set, reports_root, build_root, base)
    data_path, cells_path = own_data
    try:
        return build_reports(
            wanted,
            jobs=jobs,
            force=force,
            lang=lang,
            min_cell=min_cell,
            data_path=data_path,
            settings=settings,
            trial_dir=trial_dir,
            cells_path=cells_path,
            scheduler=scheduler,
            progress=not is_quiet(),
        )
    except Interrupted as stop:
        report(stop.summary)
        if stop.summary.problems:
            click.echo(not_published(stop.summary), err=True)
        click.echo(
            f"interrupted: {stop.summary.count('cancelled')} chapter(s) cancelled; nothing "
            "built after the signal was published; the index marks what is out of date",
            err=True,
        )
        sys.exit(128 + stop.signal_number)
    except KeyboardInterrupt as stop:
        click.echo("interrupted before any chapter ran; nothing was published", err=True)
        sys.exit(128 + getattr(stop, "signal_number", signal.SIGINT))
    except DsrError as error:
        fail(error)
    except OSError as error:  # a file the build reads or writes that no check foresaw
        where = f"{error.filename}: " if error.filename else ""
        fail(DsrError(f"{where}{error.strerror or error}"))


def _said(summary: Summary) -> bool:
    """Print what became of a set's build; True if any unit failed or nothing was published."""
    report(summary)
    names = sorted({o.unit for o in summary.failed} | set(summary.input_errors))
    if names:
        click.echo(
            f"error: {len(names)} unit(s) failed: {', '.join(names)}; "
            "their previous reports were left in place",
            err=True,
        )
    if summary.problems:
        click.echo(not_published(summary), err=True)
    return bool(names or summary.problems)


def report(summary: Summary) -> None:
    """Print what became of every chapter: the counts, then each failure and why."""
    built = f"{summary.count('built')} built" + (" (not published)" if summary.problems else "")
    cancelled = summary.count("cancelled")
    click.echo(
        f"{built}, {summary.count('skipped')} up to date, {len(summary.failed)} failed"
        + (f", {cancelled} cancelled" if cancelled else "")
    )
    requested = {o.unit for o in summary.outcomes}
    for unit, reason in summary.input_errors.items():
        head = "FAILED" if unit in requested else "BROKEN (not requested)"
        click.echo(f"{head} {unit}: its input has problems, nothing was executed;", err=True)
        click.echo(textwrap.indent(reason, "  "), err=True)
    for outcome in summary.failed:
        if outcome.unit in summary.input_errors:
            continue  # said once per unit above
        executed = f"\n  executed notebook: {outcome.executed}" if outcome.executed else ""
        click.echo(f"FAILED {outcome.unit}/{outcome.chapter}: {outcome.error}{executed}", err=True)
    if summary.index is not None and summary.index.exists():
        click.echo(f"open {summary.index}")


def not_published(summary: Summary) -> str:
    """Why nothing was published: one line for a write error, a list for a check's problems."""
    kept = "; the previous reports were left in place"
    if len(summary.problems) == 1 and summary.rejected is None:
        return f"error: nothing was published: {summary.problems[0]}{kept}"
    lines = [
        f"error: the pre-publish check found {len(summary.problems)} problem(s), so "
        f"nothing was published{kept}:"
    ]
    lines += [f"  - {problem}" for problem in summary.problems]
    if summary.rejected is not None:
        lines.append(f"  the staged pages are in {summary.rejected}")
    return "\n".join(lines)
