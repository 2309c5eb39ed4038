"""What a build is made of: its settings, its tasks and what became of each."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path

from dsr_analysis import config

#: The data files every chapter reads, in the library's hash. Not the municipalities file: each
#: chapter's key covers the part of it the chapter reads (runner.plan.unit_view), so one
#: municipality's entry does not make every chapter stale.
DATA_FILES = (
    config.PROGRAMME_THEORY_PATH,
    config.REPORT_TEXT_PATH,
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
    # The trial design's functions (module:function): its extract -> published cells, and the
    # hash of what those cells are made of. The runner calls them before the trial's chapter.
    trial_cells_source: str = "dsr_analysis.trial.cells:published_trial_cells"
    trial_hash_source: str = "dsr_analysis.trial.paths:extract_hash"
    # The report set's design and pages (data/report_sets.yml): its bundled data, the
    # functions that make its cells and describe its tables (module:function), its method page.
    data_path: Path = config.SYNTHETIC_EXPORT_PATH
    cells_source: str = "dsr_analysis.tables:report_cells_by_municipality"
    specs_source: str = "dsr_analysis.tables:release_specs"
    method_text_path: Path = config.DATA_DIR / "programme_theory" / "method_page.yml"
    # The report sets file, for the index's list of every set (None: this set alone), and
    # this set's id in it.
    report_sets_path: Path | None = None
    set_id: str = "dsr"


def set_settings(report_set, reports_root: Path, build_root: Path, base: Settings) -> Settings:
    """The settings of one report set (a :class:`~dsr_analysis.report.sets.ReportSet`):
    its pages in ``reports_root/<folder>``, its build files in ``build_root/<folder>``."""
    folder = report_set.folder
    return replace(
        base,
        reports_dir=reports_root / folder if folder else reports_root,
        build_dir=build_root / folder if folder else build_root,
        theory_path=report_set.theory_path,
        municipalities_path=report_set.units_path,
        data_path=report_set.data_path,
        cells_source=report_set.cells,
        specs_source=report_set.specs,
        method_text_path=report_set.method_text_path,
        set_id=report_set.id,
    )


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
    # Why the chapter's input could not be made (the trial's extract has a problem): the
    # task fails with this message and its notebook is not executed.
    input_error: str = ""


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
    # The executed notebook, when it was executed elsewhere (a Dask worker, which shares no
    # folder with the build): the main process keeps it at ``task.executed``.
    notebook: bytes = b""


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
