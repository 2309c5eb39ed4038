"""What a build is made of: its settings, its tasks and what became of each."""

from __future__ import annotations

from collections.abc import Callable
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
    # "built", "skipped" (up to date), "failed", or "cancelled" (stopped, or finished after
    # the build was interrupted: not published).
    status: str
    executed: str = ""
    error: str = ""


@dataclass(frozen=True)
class Result:
    """What a worker sends back: the outcome and, when built, the finished page's bytes.

    The main process stages and publishes the page, so a worker needs no access to reports/.
    """

    outcome: Outcome
    page: bytes = b""


#: A pre-publish check: given the staging folder (laid out as ``reports/`` is:
#: ``<unit>/<chapter>.html`` for every page this build made, and ``index.html``), the problems
#: that must stop publishing, as one line each; an empty list lets the pages be published.
PrePublishCheck = Callable[[Path], list[str]]


@dataclass
class Summary:
    """The result of a whole build."""

    outcomes: list[Outcome] = field(default_factory=list)
    index: Path | None = None
    # Unit id -> why its input cannot be used, for every unit whose data are broken (requested
    # or not); such a unit's chapters are not executed and its previous pages stay.
    input_errors: dict[str, str] = field(default_factory=dict)
    # Why nothing was published (the pre-publish check's problems, or the file that could not
    # be written); empty when the build's pages were published.
    problems: list[str] = field(default_factory=list)
    # Where the rejected staging folder was kept for inspection, when the check failed.
    rejected: Path | None = None
    # Files written into reports/ (pages whose bytes changed, then the index).
    published: list[Path] = field(default_factory=list)

    @property
    def failed(self) -> list[Outcome]:
        return [o for o in self.outcomes if o.status == "failed"]

    def count(self, status: str) -> int:
        return sum(o.status == status for o in self.outcomes)


class Interrupted(KeyboardInterrupt):
    """The build was stopped by a signal (Ctrl-C, SIGTERM); ``summary`` says how far it got.

    Nothing the build made after the signal is published but the refreshed index.
    """

    def __init__(self, summary: Summary, signal_number: int):
        super().__init__(signal_number)
        self.summary = summary
        self.signal_number = signal_number


def outcome_dict(outcome: Outcome) -> dict:
    """An outcome as a plain dict (for logs and tests)."""
    return asdict(outcome)
