"""What a build is made of: its settings, its tasks and what became of each."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from pathlib import Path

from dsr_analysis import config

DATA_FILES = (
    config.PROGRAMME_THEORY_PATH,
    config.MUNICIPALITIES_PATH,
    config.CODEBOOK_PATH,
    config.TABLES_SPEC_PATH,
)


@dataclass(frozen=True)
class Settings:
    """Where a build reads and writes; tests point these at temporary folders."""

    reports_dir: Path = config.REPORTS_DIR
    build_dir: Path = config.BUILD_DIR
    notebooks_dir: Path = config.NOTEBOOKS_DIR
    theory_path: Path = config.PROGRAMME_THEORY_PATH
    municipalities_path: Path = config.MUNICIPALITIES_PATH
    # Copenhagen's trial extract (institutions.csv, children.csv); default: the synthetic trial.
    trial_dir: Path = config.DATA_DIR / "trial"


@dataclass(frozen=True)
class Task:
    """One chapter of one unit: everything a worker needs, all picklable."""

    unit: str
    chapter: str
    notebook: str
    executed: str
    output: str
    parameters: dict
    key: str
    page: dict


@dataclass
class Outcome:
    """What became of one task."""

    unit: str
    chapter: str
    status: str  # "built", "skipped" or "failed"
    executed: str = ""
    error: str = ""


@dataclass
class Summary:
    """The result of a whole build."""

    outcomes: list[Outcome] = field(default_factory=list)
    index: Path | None = None
    # Unit id -> why its input cannot be used, for every unit whose data are broken (requested
    # or not); such a unit's chapters are not executed and its previous pages stay.
    input_errors: dict[str, str] = field(default_factory=dict)

    @property
    def failed(self) -> list[Outcome]:
        return [o for o in self.outcomes if o.status == "failed"]

    def count(self, status: str) -> int:
        return sum(o.status == status for o in self.outcomes)



def outcome_dict(outcome: Outcome) -> dict:
    """An outcome as a plain dict (for logs and tests)."""
    return asdict(outcome)
