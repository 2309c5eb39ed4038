"""A build's inputs: the published cells of every unit (cached), the trial's extract, and
which units cannot be built because their municipality's rows have problems."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pandas as pd

from dsr_analysis import config
from dsr_analysis.cells import cells_csv, read_cells
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
    from ``data_path`` or the design's bundled ``default_data``.
    """
    if cells_path is not None:
        return _cells_file(Path(cells_path), min_cell)
    path = Path(data_path) if data_path else Path(default_data)
    try:
        export_hash = sha256_bytes(path.read_bytes())
    except OSError as error:
        raise BuildError(f"cannot read the data file {path}: {error.strerror}") from error
    key = sha256_bytes(
        f"{export_hash}|{min_cell}|{lang}|{source_hash}|{cells_source}".encode()
    )[:20]
    cached = build_dir / "cells" / f"all-{key}.csv"
    # The messages are cached beside the cells, so a no-op rebuild need not validate again.
    problems_path = cached.with_suffix(".problems.json")
    if cached.exists() and problems_path.exists():
        broken = json.loads(problems_path.read_text(encoding="utf-8"))
        return read_cells(cached), export_hash, broken
    from dsr_analysis.report.sets import design_function

    cells, errors = design_function(cells_source)(path, min_cell, lang)
    broken = {name: str(error) for name, error in errors.items()}
    atomic_write_text(problems_path, json.dumps(broken, ensure_ascii=False, indent=1))
    atomic_write_text(cached, cells_csv(cells))
    return read_cells(cached), export_hash, broken


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


def trial_source(data_dir: Path, build_dir: Path) -> tuple[str, bool]:
    """Hash of the trial's extract and data files, and whether the extract is synthetic.

    The trial chapter computes its suppressed cells itself (so a bad extract fails that
    chapter alone, with its executed notebook), and its key covers what they are made of: the
    extract in ``data_dir`` and the trial's files in ``data/trial`` (layout, labels, economy,
    published figures, codebook). Telling synthetic from register data, for the banner, takes
    a validated read, so the answer is kept in ``build/cells/`` under the hash.
    """
    from dsr_analysis.trial import paths

    digest = hashlib.sha256()
    extract = [
        data_dir / name if suffix == "" else (data_dir / name).with_suffix(suffix)
        for name in (paths.INSTITUTIONS_FILE, paths.CHILDREN_FILE)
        for suffix in ("", ".xlsx")
    ]
    for path in extract + sorted(paths.TRIAL_DIR.glob("*.yml")):
        digest.update(path.name.encode())
        digest.update(path.read_bytes() if path.is_file() else b"<missing>")
    data_hash = digest.hexdigest()
    cached = build_dir / "cells" / f"trial-{data_hash[:20]}.json"
    if cached.exists():
        return data_hash, bool(json.loads(cached.read_text(encoding="utf-8"))["synthetic"])
    from dsr_analysis.trial.schema import read_trial

    try:
        synthetic = read_trial(data_dir).synthetic
    except DsrError:
        # The chapter will fail on this extract and say why; until then, claim nothing real.
        return data_hash, True
    atomic_write_text(cached, json.dumps({"synthetic": synthetic}))
    return data_hash, synthetic
