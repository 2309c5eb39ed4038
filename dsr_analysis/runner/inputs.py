"""A build's inputs: the published cells of every unit (cached), the trial's cells, and
which units cannot be built because their municipality's rows have problems."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from dsr_analysis import config
from dsr_analysis.cells import cells_csv, is_synthetic, read_cells
from dsr_analysis.errors import BuildError, DsrError
from dsr_analysis.files import atomic_write_text
from dsr_analysis.report.units import Unit
from dsr_analysis.runner.keys import sha256_bytes


def all_cells(
    data_path: Path | None,
    min_cell: int,
    lang: str,
    build_dir: Path,
    source_hash: str,
    cells_path: Path | None = None,
    default_data: Path = config.SYNTHETIC_EXPORT_PATH,
    cells_source: str = "dsr_analysis.tables:report_cells_by_municipality",
    units_path: Path | None = None,
) -> tuple[pd.DataFrame, str, dict[str, str]]:
    """Published cells for the whole build, cached by export, settings and library source.

    Computing every table from the export takes seconds; a rebuild with nothing changed must
    not, so the cells are kept in ``build/cells/`` under a key of everything they depend on.
    Returns the cells, the export's SHA-256 and, for each municipality whose own rows have
    problems, the validation message; its rows are left out of the cells (see
    :func:`~dsr_analysis.tables.report_cells_by_municipality`).

    ``cells_path`` names a published-cells file written earlier by ``dsr tables``; it is used
    as it is, instead of an export. Otherwise the report set's design makes the cells, by the
    function its ``cells_source`` names (:func:`~dsr_analysis.report.sets.design_function`),
    from ``data_path`` or the design's bundled ``default_data``. A design function that takes
    ``units_path`` is given the set's units file (the municipalities its export may hold).
    The cache's key covers that file and the bundled municipalities file (a design's
    default), which the library's hash leaves out (see :data:`~.model.DATA_FILES`).
    """
    if cells_path is not None:
        return _cells_file(Path(cells_path), min_cell)
    path = Path(data_path) if data_path else Path(default_data)
    try:
        export_hash = sha256_bytes(path.read_bytes())
    except OSError as error:
        raise BuildError(f"cannot read the data file {path}: {error.strerror}") from error
    units = [p for p in (units_path, config.MUNICIPALITIES_PATH) if p is not None]
    units_hash = "|".join(_hash_of(Path(p)) for p in units)
    key = sha256_bytes(
        f"{export_hash}|{min_cell}|{lang}|{source_hash}|{cells_source}|{units_hash}".encode()
    )[:20]
    cached = build_dir / "cells" / f"all-{key}.csv"
    # The messages are cached beside the cells, so a no-op rebuild need not validate again.
    problems_path = cached.with_suffix(".problems.json")
    if cached.exists() and problems_path.exists():
        broken = json.loads(problems_path.read_text(encoding="utf-8"))
        return read_cells(cached), export_hash, broken
    from dsr_analysis.report.sets import design_function

    function = design_function(cells_source)
    extra = {"units_path": units_path} if units_path and _takes_units(function) else {}
    cells, errors = function(path, min_cell, lang, **extra)
    broken = {name: str(error) for name, error in errors.items()}
    atomic_write_text(problems_path, json.dumps(broken, ensure_ascii=False, indent=1))
    atomic_write_text(cached, cells_csv(cells))
    return read_cells(cached), export_hash, broken


def _hash_of(path: Path) -> str:
    try:
        return sha256_bytes(path.read_bytes())
    except OSError:
        return "-"


def _takes_units(function) -> bool:
    import inspect

    try:
        return "units_path" in inspect.signature(function).parameters
    except (TypeError, ValueError):
        return False


def _cells_file(path: Path, min_cell: int) -> tuple[pd.DataFrame, str, dict[str, str]]:
    """A tables file from ``dsr tables``, accepted only as the release it says it is.

    Its ``min_cell`` column records the disclosure control that released it: a file made
    with a smaller minimum cell size than the build asks for (``--min-cell 1``: nothing
    hidden) is refused, and so is one that does not say.
    """
    try:
        digest = sha256_bytes(path.read_bytes())
        cells = read_cells(path)
    except OSError as error:
        raise BuildError(f"cannot read the cells file {path}: {error.strerror}") from error
    except (ValueError, UnicodeDecodeError, DsrError) as error:
        raise BuildError(
            f"{path.name} is not a tables file written by dsr tables ({error})"
        ) from error
    marks = cells["min_cell"].dropna().unique() if "min_cell" in cells else []
    if len(marks) != 1:
        raise BuildError(f"{path.name} does not say which minimum cell size released it; "
                         "write it with dsr tables")
    if int(marks[0]) < min_cell:
        raise BuildError(
            f"{path.name} was written with minimum cell size {int(marks[0])}, not {min_cell}: "
            "its small cells are not hidden, so it cannot be published"
        )
    return cells, digest, {}


def input_errors(units: list[Unit], broken: dict[str, str]) -> dict[str, str]:
    """Unit id -> why its input cannot be used: its municipality's problems; for "Alle" all.

    >>> units = [Unit("kolding", "Kolding", True), Unit("alle", "Alle", True)]
    >>> print(input_errors(units, {"Kolding": "1 problem(s) in the input: (the list)"})["alle"])
    it pools every monitored municipality, and the rows of Kolding have problems:
    1 problem(s) in the input: (the list)
    """
    errors = {}
    for unit in units:
        if unit.is_pooled and broken:
            details = "\n".join(broken.values())
            errors[unit.id] = (
                "it pools every monitored municipality, and the rows of "
                f"{', '.join(broken)} have problems:\n{details}"
            )
        elif unit.name in broken:
            errors[unit.id] = broken[unit.name]
    return errors


@dataclass(frozen=True)
class TrialInput:
    """The trial's cells for its chapter: where they are, what they were made of, and why not.

    ``data_hash`` covers the extract and the trial's data files (the chapter's key and footer);
    ``path`` is the cached cells CSV (``None`` when the extract has a problem, which ``error``
    then names); ``synthetic`` is whether the banner is due (claimed when there are no cells).
    """

    data_hash: str
    path: Path | None
    synthetic: bool
    error: str = ""


def trial_input(
    data_dir: Path,
    build_dir: Path,
    min_cell: int,
    lang: str,
    source_hash: str,
    cells_source: str,
    hash_source: str,
) -> TrialInput:
    """The trial's published cells, computed by the design before its chapter runs.

    The design is known only by two dotted names (the build's settings name them)
    (:func:`~dsr_analysis.report.sets.design_function`): ``hash_source`` hashes the extract in
    ``data_dir`` and the trial's data files, ``cells_source`` turns the extract into cells
    (``(data_dir, min_cell, lang) -> cells``). The CSV is kept in ``build/cells/`` under a key
    of the hash, the settings and the library's source, so a no-op rebuild computes nothing.
    A bad extract is no error of the build: the returned ``error`` fails the trial's chapter
    alone, with the design's message.
    """
    from dsr_analysis.report.sets import design_function

    data_hash = design_function(hash_source)(data_dir)
    key = sha256_bytes(
        f"{data_hash}|{min_cell}|{lang}|{source_hash}|{cells_source}".encode()
    )[:20]
    cached = build_dir / "cells" / f"trial-{key}.csv"
    if not cached.exists():
        try:
            cells = design_function(cells_source)(Path(data_dir), min_cell, lang)
        except DsrError as error:
            # Until the extract is fixed, claim nothing real: the banner stays.
            return TrialInput(data_hash, None, True, f"{type(error).__name__}: {error}")
        # As ``dsr trial cells --out`` writes them: full precision, one line per cell.
        atomic_write_text(cached, cells.to_csv(index=False, lineterminator="\n"))
    synthetic = is_synthetic(read_cells(cached))
    return TrialInput(data_hash, cached, synthetic)
