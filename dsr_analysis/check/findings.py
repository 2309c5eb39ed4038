"""An export read and validated as ``dsr tables`` does, keeping every problem and the rows read.

``dsr tables`` reads the file (:func:`~dsr_analysis.export.export_grid`), places its cells
(:func:`~dsr_analysis.export.grid_cells`) and applies every rule
(:func:`~dsr_analysis.validate.export_problem_list`); a step that cannot go on raises
:class:`~dsr_analysis.errors.InputValidationError` with the one problem that stopped it. The
check takes the same steps, but keeps all problems (an error lists only the first 50) and the
file's rows as read, for the highlighted copy.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from dsr_analysis import export, validate
from dsr_analysis.codebook import Codebook, default_codebook
from dsr_analysis.errors import InputValidationError, Problem
from dsr_analysis.grid import Grid


@dataclass(frozen=True)
class CheckedExport:
    """What the check found in one export.

    ``grid`` is the file's records as read, when its cells could be placed under the header's
    columns (None when the file cannot be read as rows and columns -- missing, empty, another
    encoding or format -- or its header cannot be placed: then a row's cells, child ids among
    them, are not known to be where the header says). ``rows`` counts the data rows read
    (None: none could be read).
    """

    file: str
    grid: Grid | None
    rows: int | None
    problems: tuple[Problem, ...]

    def by_column(self) -> Counter:
        """How many problems name each column ("" for none), in order of first appearance."""
        return Counter(problem.column or "" for problem in self.problems)


def checked_export(
    path: Path | str,
    codebook: Codebook | None = None,
    municipalities: Sequence[str] | None = None,
) -> CheckedExport:
    """Every problem of the export at ``path``, as ``dsr tables`` finds them, and its rows.

    Examples
    --------
    >>> import tempfile
    >>> with tempfile.TemporaryDirectory() as folder:
    ...     path = Path(folder) / "export.csv"
    ...     _ = path.write_text("child_id;wave\\n7;1\\n")
    ...     checked = checked_export(path)
    >>> checked.rows, len(checked.problems) > 1, checked.problems[0].column
    (1, True, 'municipality')
    """
    path = Path(path)
    codebook = codebook or default_codebook()
    try:
        grid, delimiter = export.export_grid(path)
    except InputValidationError as error:
        return CheckedExport(path.name, None, None, tuple(error.problems))
    try:
        cells, problems = export.grid_cells(grid, delimiter, path.name)
    except InputValidationError as error:
        return CheckedExport(path.name, None, len(grid.rows), tuple(error.problems))
    problems += validate.export_problem_list(cells, path.name, codebook, municipalities)
    return CheckedExport(path.name, grid, len(grid.rows), tuple(problems))
