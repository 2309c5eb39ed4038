"""A release: every published table (the NIRAS tables and Copenhagen's trial) and its facts.

``dsr tables`` writes a release as two files: the cells (``tables.csv``, the contract of
:mod:`dsr_analysis.cells`) and beside them its facts (``tables.json``): the minimum cell
size that released it, the data cut-off, whether the data were synthetic and the package
version. The facts let a later release keep the suppression pattern of the groups that
cannot have changed since (``--previous``), and ``dsr audit --against`` check two releases
side by side.
"""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd

from dsr_analysis import __version__, config
from dsr_analysis.cells import read_cells, write_cells
from dsr_analysis.codebook import default_codebook
from dsr_analysis.errors import ConfigurationError
from dsr_analysis.files import atomic_write_text


def data_cutoff(export: pd.DataFrame) -> str:
    """The release's data cut-off: the date of the export's latest registration (ISO)."""
    return pd.Timestamp(export["registration_date"].max()).date().isoformat()


def facts_path(tables_path: Path | str) -> Path:
    """Where a tables file's facts live: beside it, ``.json`` for ``.csv``."""
    return Path(tables_path).with_suffix(".json")


def release_cells(
    export_path: Path | str | None = None,
    trial_dir: Path | str | None = None,
    min_cell: int = config.DEFAULT_MIN_CELL,
    language: str = "da",
    previous: Path | str | None = None,
    units_path: Path | str | None = None,
) -> tuple[pd.DataFrame, dict]:
    """The monitoring tables followed by Copenhagen's trial tables (``KBH-…``), and the facts.

    ``previous`` names an earlier release's tables file; its facts give its cut-off.
    ``units_path`` is a municipalities file whose monitored entries the export may hold
    (default: ``data/municipalities.yml``). Both inputs are validated before anything is
    returned.

    Raises
    ------
    dsr_analysis.errors.InputValidationError
        If the export or the trial extract breaks a rule.
    ConfigurationError
        If ``previous`` is not a release written by ``dsr tables``.
    """
    from dsr_analysis.export import load_export
    from dsr_analysis.municipalities import monitored_names
    from dsr_analysis.tables import published_cells_of
    from dsr_analysis.trial.cells import trial_cells

    codebook = default_codebook()
    names = monitored_names(units_path) if units_path is not None else None
    export = load_export(export_path or config.SYNTHETIC_EXPORT_PATH, codebook, names)
    earlier = read_release(previous) if previous is not None else None
    if earlier is not None and earlier[1].get("min_cell") != min_cell:
        raise ConfigurationError(
            f"{Path(previous).name} was released with minimum cell size "
            f"{earlier[1].get('min_cell')}, not {min_cell}"
        )
    before = None if earlier is None else (earlier[0], earlier[1]["data_cutoff"])
    monitoring = published_cells_of(export, min_cell, language, codebook, before)
    trial = trial_cells(trial_dir, min_cell=min_cell, language=language)
    cells = pd.concat([monitoring, trial], ignore_index=True)[trial.columns]
    facts = {
        "min_cell": int(min_cell),
        "language": language,
        "data_cutoff": data_cutoff(export),
        "synthetic": bool(cells["synthetic"].any()),
        "version": __version__,
        # Which report set's design made it (data/report_sets.yml): the audit reads its tables
        # with that design's relations.
        "report_set": "dsr",
    }
    return cells.astype({"count": "Int64", "n": "Int64", "denominator": "Int64"}), facts


def write_release(cells: pd.DataFrame, facts: dict, path: Path | str) -> Path:
    """Write the cells and, beside them, their facts (each atomically)."""
    write_cells(cells, path)
    atomic_write_text(facts_path(path), json.dumps(facts, indent=1, sort_keys=True) + "\n")
    return Path(path)


def read_release(path: Path | str) -> tuple[pd.DataFrame, dict]:
    """A release's cells and facts (a tables file, or a folder holding ``tables.csv``).

    Raises
    ------
    ConfigurationError
        If the file is missing or has no facts beside it.
    """
    path = Path(path)
    if path.is_dir():
        path = path / "tables.csv"
    facts_file = facts_path(path)
    if not path.is_file():
        raise ConfigurationError(f"no tables file at {path}")
    if not facts_file.is_file():
        raise ConfigurationError(
            f"{path.name} has no {facts_file.name} beside it: write it with dsr tables"
        )
    try:
        facts = json.loads(facts_file.read_text(encoding="utf-8"))
    except (OSError, ValueError) as error:
        raise ConfigurationError(f"cannot read {facts_file.name}: {error}") from error
    return read_cells(path), facts
