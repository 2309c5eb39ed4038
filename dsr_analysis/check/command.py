"""``dsr check EXPORT``: every problem of an export as an HTML page and a highlighted workbook."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from dsr_analysis.cli_options import UNITS_OPTION, fail, language_option
from dsr_analysis.errors import DsrError

SHOWN_IN_TERMINAL = 5
"""How many problems the terminal lists; the page and the workbook list every one."""


def output_paths(export: Path, folder: Path) -> tuple[Path, Path]:
    """Where the page and the workbook of ``export`` go in ``folder``.

    >>> [p.name for p in output_paths(Path("data/export.csv"), Path("out"))]
    ['export-check.html', 'export-check.xlsx']
    """
    return folder / f"{export.stem}-check.html", folder / f"{export.stem}-check.xlsx"


def allowed_municipalities(units_path: Path | None) -> list[str] | None:
    """The municipality names an export may hold: a units file's monitored entries, or None
    for the project's (as ``dsr tables --units`` reads them)."""
    from dsr_analysis.municipalities import load_municipalities

    if units_path is None:
        return None
    return sorted(str(e["name"]) for e in load_municipalities(units_path) if e["monitored"])


def write_check(export: Path, folder: Path, language: str = "da",
                units_path: Path | None = None):
    """Check ``export`` and write its page and workbook into ``folder``, both or neither.

    Returns the check's result and the two paths written.

    Raises
    ------
    DsrError
        If the units file is malformed, an output would overwrite the export, or the files
        cannot be written.
    """
    from dsr_analysis.check.findings import checked_export
    from dsr_analysis.check.page import check_page
    from dsr_analysis.check.workbook import check_workbook
    from dsr_analysis.files import atomic_write_all

    page_path, workbook_path = output_paths(export, folder)
    if export.exists() and any(p.resolve() == export.resolve() for p in (page_path, workbook_path)):
        raise DsrError(f"{export.name}: the check's files would overwrite the export; "
                       "give another --out folder")
    checked = checked_export(export, municipalities=allowed_municipalities(units_path))
    page = check_page(checked, language, workbook=workbook_path.name)
    workbook = check_workbook(checked, language, name=workbook_path.name)
    atomic_write_all([(workbook_path, workbook), (page_path, page.encode("utf-8"))])
    return checked, page_path, workbook_path


@click.command("check")
@click.argument("export_path", metavar="EXPORT", type=click.Path(path_type=Path, dir_okay=False))
@click.option("--out", "out_dir", type=click.Path(path_type=Path, file_okay=False),
              default=Path("."), show_default=True,
              help="Folder for the page (EXPORT-check.html) and the highlighted copy "
                   "(EXPORT-check.xlsx).")
@language_option()
@UNITS_OPTION
def check_command(export_path: Path, out_dir: Path, language: str,
                  units_path: Path | None) -> None:
    """Check an export: every problem as a page and an .xlsx."""
    from dsr_analysis import validate

    try:
        checked, page_path, workbook_path = write_check(export_path, out_dir, language,
                                                        units_path)
    except DsrError as error:
        fail(error)
    click.echo(f"wrote {page_path} and {workbook_path}")
    problems = checked.problems
    if not problems:
        click.echo(f"{checked.file}: no problems")
        return
    click.echo(f"{len(problems)} problem(s) in {checked.file}:")
    # In turn from each column, as the validator lists them: one column does not hide the rest.
    for problem in validate.shown_problems(problems, SHOWN_IN_TERMINAL):
        click.echo(f"  - {problem}")
    if len(problems) > SHOWN_IN_TERMINAL:
        click.echo(f"  ... and {len(problems) - SHOWN_IN_TERMINAL} more: every one is in "
                   f"{page_path.name} and {workbook_path.name}")
    sys.exit(1)
