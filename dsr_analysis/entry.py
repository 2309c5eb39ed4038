"""The ``dsr`` executable: reads ``--project DIR`` before anything else, then runs the CLI.

Every path of the package is fixed when :mod:`dsr_analysis.config` is imported (click's
defaults and the runner's settings are built from it), so the project folder must be known
before that import. This module imports nothing of the package until it has set
``DSR_PROJECT``; ``--project`` is therefore accepted only before the sub-command
(``dsr --project ~/evaluering reports``), where ``dsr --help`` lists it.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

PROJECT_OPTION = "--project"
# The same name as dsr_analysis.config.PROJECT_ENVIRONMENT_VARIABLE (not imported: see above).
PROJECT_VARIABLE = "DSR_PROJECT"


def arguments_without_project(arguments: list[str]) -> tuple[list[str], str | None]:
    """The arguments with a leading ``--project DIR`` (or ``--project=DIR``) taken out, and DIR.

    Examples
    --------
    >>> arguments_without_project(["--project", "x", "tables", "--lang", "en"])
    (['tables', '--lang', 'en'], 'x')
    >>> arguments_without_project(["--project=x", "reports"])
    (['reports'], 'x')
    >>> arguments_without_project(["tables", "--project", "x"])
    (['tables', '--project', 'x'], None)
    """
    if arguments[:1] == [PROJECT_OPTION] and len(arguments) > 1:
        return arguments[2:], arguments[1]
    if arguments and arguments[0].startswith(PROJECT_OPTION + "="):
        return arguments[1:], arguments[0].split("=", 1)[1]
    return list(arguments), None


def main(arguments: list[str] | None = None) -> None:
    """Run ``dsr`` with ``arguments`` (default: the command line)."""
    rest, project = arguments_without_project(sys.argv[1:] if arguments is None else arguments)
    if project is not None:
        if not Path(project).is_dir():
            print(f"error: --project {project}: no such folder", file=sys.stderr)
            sys.exit(2)
        os.environ[PROJECT_VARIABLE] = str(Path(project).resolve())
    from dsr_analysis.cli import main as command

    command(args=rest, prog_name="dsr")
