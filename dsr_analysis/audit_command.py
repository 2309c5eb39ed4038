"""``dsr audit``: play the attacker over a built release before anyone else does.

A release folder holds ``tables.csv`` with its facts (``tables.json``) and the pages built from
it. The audit reads them as a reader of the release can (see
:mod:`dsr_analysis.disclosure.audit`) and lists every finding; it exits 1 if there is any.
``dsr reports`` runs the same checks on its staged pages before publishing them
(:func:`prepublish_check`).
"""

from __future__ import annotations

import hashlib
import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING

import click

from dsr_analysis import config
from dsr_analysis.cli_options import fail
from dsr_analysis.errors import DsrError

if TYPE_CHECKING:  # pandas is imported where it is used: `dsr --help` imports this module
    import pandas as pd

#: The hidden-cell mark of every edition.
MARKS = ("skjult", "hidden")


#: The design whose tables a release holds unless told otherwise: the DSR monitoring.
DSR_SPECS = "dsr_analysis.tables:release_specs"


def _specs(language: str, source: str = DSR_SPECS):
    from dsr_analysis.report.sets import design_function

    return design_function(source)(language)


def _page_texts_of(theory=None):
    from dsr_analysis.programme_theory import load_programme_theory
    from dsr_analysis.report.html_tables import printed_texts

    theory = theory or load_programme_theory()
    return lambda cells: printed_texts(cells, theory)


def release_table_findings(
    cells: pd.DataFrame, min_cell: int, language: str = "da", source: str = DSR_SPECS
) -> pd.DataFrame:
    """The findings on a release's tables (the design's model and the trial's numbers)."""
    from dsr_analysis.disclosure.audit import table_findings

    return table_findings(cells, _specs(language, source), min_cell)


def audit_folder(folder: Path, against: Path | None = None) -> tuple[pd.DataFrame, dict]:
    """Every finding on a release folder (and against an older one), and what was checked.

    The release's facts name the report set whose design made it: its tables are read with
    that design's relations and its pages against its theory; the folders of the other sets
    inside it (``reports/vive2023``) are theirs to audit.
    """
    import pandas as pd

    from dsr_analysis.cells import released_min_cell
    from dsr_analysis.disclosure.audit import differencing_findings, page_findings
    from dsr_analysis.programme_theory import load_programme_theory
    from dsr_analysis.release import read_release
    from dsr_analysis.report.sets import report_set
    from dsr_analysis.tables_spec import closed_columns

    cells, facts = read_release(folder)
    own = report_set(facts.get("report_set", "dsr"))
    min_cell = int(facts.get("min_cell", released_min_cell(cells, config.DEFAULT_MIN_CELL)))
    language = facts.get("language", "da")
    found = [release_table_findings(cells, min_cell, language, own.specs)]
    folder = Path(folder) if Path(folder).is_dir() else Path(folder).parent
    others = [folder / other for other in _other_set_folders(own, folder)]
    texts = _page_texts_of(load_programme_theory(own.theory_path, own.units_path))
    found.append(page_findings(folder, cells, MARKS, texts, others))
    if against is not None:
        old_cells, old_facts = read_release(against)
        closed = closed_columns(old_facts["data_cutoff"], language=language)
        found.append(differencing_findings(old_cells, cells, closed, _specs(language), min_cell))
    pages = sum(1 for page in folder.rglob("*.html")
                if not any(page.is_relative_to(o) for o in others))
    checked = {"cells": len(cells), "hidden": int(cells["suppressed"].sum()), "pages": pages}
    return pd.concat(found, ignore_index=True), checked


def _other_set_folders(own, folder: Path | None = None) -> list[str]:
    """The folders, below ``own``'s, of the other report sets, and of any other edition
    (``dsr reports --lang en`` writes reports/en/): every folder below with its own index is
    another set's or edition's, with its own release to audit."""
    from dsr_analysis.report.sets import load_report_sets

    others = [s.folder for s in load_report_sets() if s.id != own.id and s.folder]
    if folder is not None:
        # The edition's top folder: a failed build may have left it without an index of its
        # own, and its set folders (reports/en/vive2023) are below it.
        others += sorted({index.relative_to(folder).parts[0]
                          for index in Path(folder).glob("*/**/index.html")})
    return others


def prepublish_check(cells: pd.DataFrame, min_cell: int, build_dir: Path,
                     source: str = DSR_SPECS, theory=None):
    """The check ``dsr reports`` runs on its staged pages: the tables' findings (cached by
    the cells, which a no-op rebuild does not change) and the pages'. ``source`` names the
    design's table relations, ``theory`` the report set's programme theory (default: DSR's)."""
    from dsr_analysis.cells import cells_csv
    from dsr_analysis.disclosure.audit import page_findings

    digest = hashlib.sha256(f"{min_cell}|{source}|{cells_csv(cells)}".encode()).hexdigest()[:20]
    texts = _page_texts_of(theory)
    cached = Path(build_dir) / "cells" / f"audit-{digest}.json"

    def check(staging: Path) -> list[str]:
        if cached.exists():
            problems = json.loads(cached.read_text(encoding="utf-8"))
        else:
            problems = _lines(release_table_findings(cells, min_cell, source=source))
            from dsr_analysis.files import atomic_write_text

            atomic_write_text(cached, json.dumps(problems, ensure_ascii=False))
        return problems + _lines(page_findings(staging, cells, MARKS, texts))

    return check


def _lines(findings: pd.DataFrame) -> list[str]:
    return [f"{row.where}: {row.problem} ({row.key})" for row in findings.itertuples()]


@click.command("audit")
@click.argument("folder", type=click.Path(path_type=Path), default=config.REPORTS_DIR)
@click.option("--against", type=click.Path(path_type=Path), default=None,
              help="An earlier release (folder or tables.csv) to check differencing against.")
def audit_command(folder: Path, against: Path | None) -> None:
    """Play the attacker over a built release (tables and pages); exit 1 on any finding."""
    from dsr_analysis.report.sets import load_report_sets

    # The folder's own release, then each other report set's found inside it.
    folders = [folder] + [folder / s.folder for s in load_report_sets()
                          if s.folder and (folder / s.folder / "tables.csv").is_file()]
    failed = 0
    for where in folders:
        try:
            findings, checked = audit_folder(where, against if where == folder else None)
        except DsrError as error:
            fail(error)
        for line in _lines(findings):
            click.echo(f"FINDING {line}", err=True)
        summary = (f"{checked['cells']} cells ({checked['hidden']} hidden) and "
                   f"{checked['pages']} pages checked")
        label = "" if where == folder else f"{where.name}: "
        if len(findings):
            click.echo(f"error: {label}{len(findings)} finding(s); {summary}", err=True)
            failed += 1
        else:
            click.echo(f"{label}no findings: {summary}")
    if failed:
        sys.exit(1)
