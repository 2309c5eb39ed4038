"""The report runner: every unit x chapter through Papermill and nbconvert, in parallel.

Units come from the municipalities file and chapters from the programme theory, so both are
data. For each (unit, chapter) the runner computes a key over the notebook, its parameters, the
unit's published cells and the library's source; a page whose stamped key matches is skipped.
The others run in worker processes: Papermill executes the notebook into ``build/`` (never into
``reports/``), nbconvert turns it into HTML, and the page replaces the old one only once it is
complete. A failing chapter is reported with its executed notebook and the rest still build.
"""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
import tempfile
import textwrap
import traceback
from collections.abc import Iterable
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import asdict, dataclass, field, replace
from multiprocessing import get_context
from pathlib import Path

import click
import pandas as pd

from dsr_analysis import __version__, config
from dsr_analysis.chapter import (
    POOLED,
    TRIAL_DATA,
    ReportChapter,
    Unit,
    is_synthetic,
    load_cells_by_municipality,
    load_units,
    read_cells,
    report_chapters,
)
from dsr_analysis.cli_options import (
    DATA_OPTION,
    MIN_CELL_OPTION,
    TRIAL_DATA_OPTION,
    fail,
    language_option,
)
from dsr_analysis.errors import BuildError, DsrError
from dsr_analysis.programme_theory import (
    MET,
    NOT_MET,
    ProgrammeTheory,
    assess_all,
    load_programme_theory,
)

KERNEL_NAME = "python3"
CELL_EXECUTION_TIMEOUT = 600

# Data files the chapters read besides the cells; a change to any of them changes every key.
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


# ------------------------------------------------------------------------------ hashing --


def sha256_bytes(data: bytes) -> str:
    """Hex SHA-256 of ``data``.

    >>> sha256_bytes(b"")[:12]
    'e3b0c44298fc'
    """
    return hashlib.sha256(data).hexdigest()


def library_hash(extra_files: Iterable[Path] = DATA_FILES) -> str:
    """Hash of the package's source and the data files every chapter reads."""
    digest = hashlib.sha256()
    package = Path(__file__).resolve().parent
    files = sorted(package.rglob("*.py")) + [Path(p) for p in extra_files]
    for path in files:
        digest.update(
            str(
                path.relative_to(config.PROJECT_ROOT)
                if path.is_relative_to(config.PROJECT_ROOT)
                else path.name
            ).encode()
        )
        digest.update(path.read_bytes() if path.exists() else b"<missing>")
    return digest.hexdigest()


def cells_csv(cells: pd.DataFrame) -> str:
    """Cells as deterministic CSV text: the same cells always give the same bytes."""
    return cells.to_csv(index=False, lineterminator="\n", float_format="%.6f")


def git_commit() -> str:
    """Short commit of the working tree, "+" if files differ from it; "unknown" outside git."""
    try:
        commit = subprocess.run(
            ["git", "rev-parse", "--short=12", "HEAD"],
            cwd=config.PROJECT_ROOT,
            capture_output=True,
            text=True,
            check=True,
            timeout=10,
        ).stdout.strip()
        dirty = subprocess.run(
            [
                "git",
                "status",
                "--porcelain",
                "--untracked-files=no",
                "--",
                "dsr_analysis",
                "notebooks",
                "data",
            ],
            cwd=config.PROJECT_ROOT,
            capture_output=True,
            text=True,
            check=True,
            timeout=10,
        ).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return "unknown"
    return commit + ("+" if dirty else "")


# ---------------------------------------------------------------------------------- cells --


def all_cells(
    data_path: Path | None, min_cell: int, lang: str, build_dir: Path, source_hash: str
) -> tuple[pd.DataFrame, str, dict[str, str]]:
    """Published cells for the whole build, cached by export, settings and library source.

    Computing every table from the export takes seconds; a rebuild with nothing changed must
    not, so the cells are kept in ``build/cells/`` under a key of everything they depend on.
    Returns the cells, the export's SHA-256 and, for each municipality whose own rows have
    problems, the validation message; its rows are left out of the cells (see
    :func:`~dsr_analysis.chapter.load_cells_by_municipality`).
    """
    path = Path(data_path) if data_path else config.SYNTHETIC_EXPORT_PATH
    try:
        export_hash = sha256_bytes(path.read_bytes())
    except OSError as error:
        raise BuildError(f"cannot read the data file {path}: {error.strerror}") from error
    key = sha256_bytes(f"{export_hash}|{min_cell}|{lang}|{source_hash}".encode())[:20]
    cached = build_dir / "cells" / f"all-{key}.csv"
    # The messages are cached beside the cells, so a no-op rebuild need not validate again.
    problems_path = cached.with_suffix(".problems.json")
    if cached.exists() and problems_path.exists():
        broken = json.loads(problems_path.read_text(encoding="utf-8"))
        return read_cells(cached), export_hash, broken
    cells, errors = load_cells_by_municipality(path, min_cell=min_cell, lang=lang)
    broken = {name: str(error) for name, error in errors.items()}
    _atomic_write(problems_path, json.dumps(broken, ensure_ascii=False, indent=1))
    _atomic_write(cached, cells_csv(cells))
    return read_cells(cached), export_hash, broken


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
    _atomic_write(cached, json.dumps({"synthetic": synthetic}))
    return data_hash, synthetic


def unit_cells(cells: pd.DataFrame, unit: Unit, units: list[Unit]) -> pd.DataFrame:
    """The cells a unit's chapters may show: its own, or for "Alle" the four and the pool."""
    if unit.is_pooled:
        names = [u.name for u in units if u.monitored and not u.is_pooled] + [POOLED]
    else:
        names = [unit.name]
    return cells[cells["municipality"].isin(names)].reset_index(drop=True)


# ---------------------------------------------------------------------------------- plan --


def chapter_name(notebook: str) -> str:
    """The page name of a chapter: its notebook's stem ("01_effort.ipynb" -> "01_effort")."""
    return Path(notebook).stem


def plan(
    theory: ProgrammeTheory,
    units: list[Unit],
    cells: pd.DataFrame,
    lang: str,
    min_cell: int,
    settings: Settings,
    source_hash: str,
    commit: str,
) -> list[Task]:
    """Every (unit, chapter) task with its key and page context, in unit then chapter order.

    A unit's chapters come from :func:`~dsr_analysis.chapter.report_chapters`; a chapter on
    the trial's data gets the trial's extract as ``data_path`` and its key covers the extract
    (:func:`trial_source`) instead of published monitoring cells.
    """
    tasks = []
    banner = theory.word("synthetic_banner", lang) if is_synthetic(cells) else ""
    for unit in units:
        chapters = report_chapters(unit, theory)
        own = unit_cells(cells, unit, units)
        text = cells_csv(own)
        data_hash = sha256_bytes(text.encode())
        cells_path = settings.build_dir / "cells" / f"{unit.id}-{data_hash[:20]}.csv"
        if not cells_path.exists():
            _atomic_write(cells_path, text)
        for position, spec in enumerate(chapters):
            chapter = spec.page
            notebook = settings.notebooks_dir / spec.notebook
            parameters = {
                "municipality": unit.id,
                "data_path": str(cells_path),
                "lang": lang,
                "min_cell": min_cell,
            }
            source = (data_hash, banner, "data_hash")
            if spec.data == TRIAL_DATA:
                trial_hash, synthetic = trial_source(settings.trial_dir, settings.build_dir)
                parameters["data_path"] = str(settings.trial_dir)
                trial_banner = theory.word("synthetic_banner", lang) if synthetic else ""
                source = (trial_hash, trial_banner, "trial_data_hash")
            page = _page_context(theory, unit, chapters, position, lang, source, min_cell, commit)
            key_parts = {
                "notebook": sha256_bytes(notebook.read_bytes()) if notebook.exists() else "",
                "parameters": {k: v for k, v in parameters.items() if k != "data_path"},
                "cells": source[0],
                "source": source_hash,
                "version": __version__,
                "page": {k: v for k, v in page.items() if k != "commit"},
            }
            key = sha256_bytes(json.dumps(key_parts, sort_keys=True).encode())
            tasks.append(
                Task(
                    unit=unit.id,
                    chapter=chapter,
                    notebook=str(notebook),
                    executed=str(settings.build_dir / "executed" / unit.id / f"{chapter}.ipynb"),
                    output=str(settings.reports_dir / unit.id / f"{chapter}.html"),
                    parameters=parameters,
                    key=key,
                    page=page,
                )
            )
    return tasks


def _page_context(
    theory: ProgrammeTheory,
    unit: Unit,
    chapters: list[ReportChapter],
    position: int,
    lang: str,
    source: tuple[str, str, str],
    min_cell: int,
    commit: str,
) -> dict:
    # source: the data's hash, the banner it calls for and the footer's word for the hash.
    data_hash, banner, hash_word = source
    name = unit.display_name(theory, lang)
    # Chapters keep their level's number, so Copenhagen's long-term chapter is 5 as elsewhere.
    links = [
        {
            "href": f"{spec.page}.html",
            "text": f"{spec.position + 1}. {spec.level.title.get(lang)}",
            "current": i == position,
        }
        for i, spec in enumerate(chapters)
    ]
    return {
        "title": f"{chapters[position].level.title.get(lang)} – {name}",
        "lang": lang,
        "index": {"href": "../index.html", "text": theory.word("back_to_index", lang)},
        "chapters": links,
        "previous": links[position - 1] | {"current": False} if position > 0 else None,
        "next": links[position + 1] | {"current": False} if position + 1 < len(links) else None,
        "banner": banner,
        "footer": [
            [theory.word(hash_word, lang), data_hash[:16]],
            [theory.word("min_cell", lang), str(min_cell)],
            [theory.word("version", lang), __version__],
            [theory.word("commit", lang), commit],
        ],
        "commit": commit,
    }


# -------------------------------------------------------------------------------- running --


def _atomic_write(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` so a reader sees the old file or the new one, never half."""
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(handle, "w", encoding="utf-8", newline="") as stream:
            stream.write(text)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def run_task(task: Task) -> Outcome:
    """Execute one chapter and publish it; never raises, so one failure stops nothing else."""
    from dsr_analysis.html import Link, Page, notebook_to_html

    try:
        import nbformat
        import papermill

        Path(task.executed).parent.mkdir(parents=True, exist_ok=True)
        km = _worker_kernel(Path(task.executed).parent)
        try:
            executed = papermill.execute_notebook(
                task.notebook,
                task.executed,
                parameters=task.parameters,
                kernel_name=KERNEL_NAME,
                progress_bar=False,
                log_output=False,
                execution_timeout=CELL_EXECUTION_TIMEOUT,
                km=km,
            )
        finally:
            _reset_namespace(km)
        executed = nbformat.from_dict(executed)
        p = task.page

        def link(d):
            return Link(d["href"], d["text"], d.get("current", False)) if d else None

        page = Page(
            title=p["title"],
            lang=p["lang"],
            index=link(p["index"]),
            chapters=tuple(link(c) for c in p["chapters"]),
            previous=link(p["previous"]),
            next=link(p["next"]),
            banner=p["banner"],
            footer=tuple((k, v) for k, v in p["footer"]),
            build_key=task.key,
        )
        _atomic_write(Path(task.output), notebook_to_html(executed, page))
    except Exception as error:  # noqa: BLE001 - any failure is reported, the batch goes on
        return Outcome(task.unit, task.chapter, "failed", task.executed, _summarise(error))
    return Outcome(task.unit, task.chapter, "built", task.executed)


# One kernel per worker process, reused for every chapter the worker runs: starting a kernel
# and importing pandas, matplotlib and seaborn in it costs more than most chapters themselves.
# The namespace is reset after each notebook, so no chapter sees another's variables.
_KERNEL = None


def _worker_kernel(cwd: Path):
    global _KERNEL
    from jupyter_client.manager import AsyncKernelManager
    from jupyter_core.utils import run_sync

    if _KERNEL is not None and run_sync(_KERNEL.is_alive)():
        return _KERNEL
    km = AsyncKernelManager(kernel_name=KERNEL_NAME)
    # The kernel's own stderr (start-up notices, crashes) goes to a log beside the executed
    # notebooks instead of interleaving with the progress bar.
    log = (cwd.parent / f"kernel-{os.getpid()}.log").open("ab")
    run_sync(km.start_kernel)(cwd=str(cwd), stderr=log, stdout=log)
    _KERNEL = km
    from multiprocessing import util

    util.Finalize(km, _stop_kernel, args=(km,), exitpriority=10)
    return km


def _stop_kernel(km) -> None:
    from jupyter_core.utils import run_sync

    try:
        run_sync(km.shutdown_kernel)(now=True)
    except Exception:  # noqa: BLE001 - the kernel may already be gone
        pass


def _reset_namespace(km) -> None:
    global _KERNEL
    from jupyter_core.utils import run_sync

    try:
        if not run_sync(km.is_alive)():
            return
        client = km.client()
        client.start_channels()
        try:
            run_sync(client.wait_for_ready)(timeout=60)
            run_sync(client.execute_interactive)("%reset -f", silent=True, timeout=60)
        finally:
            client.stop_channels()
    except Exception:  # noqa: BLE001 - a kernel that cannot reset is replaced
        _stop_kernel(km)
        _KERNEL = None


def _summarise(error: Exception) -> str:
    ename = getattr(error, "ename", None)
    if ename:  # papermill's execution error carries the notebook's own exception
        return f"{ename}: {getattr(error, 'evalue', '')}".strip()
    last = traceback.format_exception_only(type(error), error)[-1].strip()
    return last


def build_reports(
    units: Iterable[str] | None = None,
    jobs: int | None = None,
    force: bool = False,
    lang: str = "da",
    min_cell: int = config.DEFAULT_MIN_CELL,
    data_path: Path | None = None,
    settings: Settings | None = None,
    progress: bool = True,
    trial_dir: Path | None = None,
) -> Summary:
    """Build the report set: chapters for the chosen units, then ``reports/index.html``.

    Parameters
    ----------
    units
        Unit ids to build (default: all); the index always lists every unit.
    jobs
        Worker processes (default: the number of cores).
    force
        Rebuild even chapters whose stamped key says they are up to date.
    lang, min_cell, data_path
        Language, minimum cell size and monitoring export (default: the bundled data).
    settings
        Folders to read and write.
    progress
        Show one progress bar for the whole batch.
    trial_dir
        Copenhagen's trial extract (default: ``settings.trial_dir``, the synthetic trial).

    Returns
    -------
    Summary
        One outcome per chapter; ``failed`` lists the failures. A unit whose municipality's
        rows have problems (and "Alle", which pools them) fails without being executed,
        keeping its previous pages; ``input_errors`` says why, for every such unit.

    Raises
    ------
    DsrError
        If the data or the project files cannot be read at all, or the export has a problem
        no single municipality's rows explain (nothing is built then).
    """
    settings = settings or Settings()
    if trial_dir is not None:
        # Absolute: the notebook runs in a kernel whose working folder is under build/.
        settings = replace(settings, trial_dir=Path(trial_dir).resolve())
    theory = load_programme_theory(settings.theory_path)
    all_units = load_units(settings.municipalities_path)
    wanted = list(units) if units else [u.id for u in all_units]
    unknown = sorted(set(wanted) - {u.id for u in all_units})
    if unknown:
        known = ", ".join(u.id for u in all_units)
        raise BuildError(f"unknown unit(s): {', '.join(unknown)}; known: {known}")
    source_hash = library_hash()
    cells, export_hash, broken = all_cells(
        data_path, min_cell, lang, settings.build_dir, source_hash
    )
    commit = git_commit()
    tasks = [
        t
        for t in plan(theory, all_units, cells, lang, min_cell, settings, source_hash, commit)
        if t.unit in wanted
    ]
    summary = Summary(input_errors=input_errors(all_units, broken))
    from dsr_analysis.html import read_build_key

    stale = []
    for task in tasks:
        if task.unit in summary.input_errors:
            # Its cells lack the broken rows, so running it would publish a wrong report.
            error = summary.input_errors[task.unit]
            summary.outcomes.append(Outcome(task.unit, task.chapter, "failed", "", error))
        elif not force and read_build_key(Path(task.output)) == task.key:
            summary.outcomes.append(Outcome(task.unit, task.chapter, "skipped", task.executed))
        else:
            stale.append(task)
    summary.outcomes.extend(_run_all(stale, jobs or os.cpu_count() or 1, progress))
    order = {(t.unit, t.chapter): i for i, t in enumerate(tasks)}
    summary.outcomes.sort(key=lambda o: order[(o.unit, o.chapter)])
    summary.index = write_index(
        theory, all_units, cells, tasks, summary, lang, export_hash, min_cell, commit, settings
    )
    return summary


def _context():
    # fork starts workers at once with the library already imported; the pool forks all of
    # them before it starts its own thread, so no lock is copied held. Elsewhere: spawn.
    import threading

    if sys.platform.startswith("linux") and threading.active_count() == 1:
        return get_context("fork")
    return get_context("spawn")


def _run_all(tasks: list[Task], jobs: int, progress: bool) -> list[Outcome]:
    if not tasks:
        return []
    from tqdm import tqdm

    # tqdm's monitor thread outlives the bar; it would make the next build in this process
    # (tests, notebooks) start its workers with the much slower spawn (see _context).
    tqdm.monitor_interval = 0
    outcomes = []
    workers = max(1, min(jobs, len(tasks)))
    with ProcessPoolExecutor(max_workers=workers, mp_context=_context()) as pool:
        futures = {pool.submit(run_task, task): task for task in tasks}
        with tqdm(
            total=len(tasks),
            desc="dsr reports",
            unit="chapter",
            disable=not progress,
            file=sys.stderr,
        ) as bar:
            for future in as_completed(futures):
                task = futures[future]
                try:
                    outcome = future.result()
                except Exception as error:  # noqa: BLE001 - a dead worker fails its task only
                    outcome = Outcome(
                        task.unit, task.chapter, "failed", task.executed, _summarise(error)
                    )
                outcomes.append(outcome)
                bar.set_postfix_str(f"{outcome.unit}/{outcome.chapter}", refresh=False)
                bar.update()
    return outcomes


# ---------------------------------------------------------------------------------- index --


def write_index(
    theory: ProgrammeTheory,
    units: list[Unit],
    cells: pd.DataFrame,
    tasks: list[Task],
    summary: Summary,
    lang: str,
    export_hash: str,
    min_cell: int,
    commit: str,
    settings: Settings,
) -> Path:
    """Write ``reports/index.html``: units x chapters with build status and assessments."""
    from dsr_analysis.chapter import STATUS_STYLE
    from dsr_analysis.html import Page, render_page

    failed = {(o.unit, o.chapter) for o in summary.failed}
    chapters = [(level, chapter_name(level.notebook)) for level in theory.levels]
    e = _escape
    head = "".join(
        f"<th scope='col'>{i + 1}. {e(level.title.get(lang))}</th>"
        for i, (level, _) in enumerate(chapters)
    )
    rows = []
    for unit in units:
        own = unit_cells(cells, unit, units)
        municipality = POOLED if unit.is_pooled else unit.name
        # Only a monitored unit shows assessment dots; sparing the others keeps no-op builds quick.
        assessments = assess_all(theory, own, municipality) if unit.monitored else None
        own_chapters = {spec.level.id: spec for spec in report_chapters(unit, theory)}
        cells_html = []
        for level, chapter in chapters:
            spec = own_chapters.get(level.id)
            if spec is None:  # a level the unit's report set does not have (Copenhagen)
                cells_html.append(
                    f"<td class='not-in-set' title='{e(theory.word('not_in_set_title', lang))}'>"
                    f"{e(theory.word('not_in_set', lang))}</td>"
                )
                continue
            page = settings.reports_dir / unit.id / f"{chapter}.html"
            # A unit whose input is broken is marked even when not requested: its pages are
            # older than the data.
            if (unit.id, chapter) in failed or unit.id in summary.input_errors:
                kept = theory.word("status_failed", lang)
                link = f" <a href='{unit.id}/{chapter}.html'>→</a>" if page.exists() else ""
                cells_html.append(f"<td class='status-failed'>{e(kept)}{link}</td>")
                continue
            if not page.exists():
                cells_html.append(f"<td>{e(theory.word('status_missing', lang))}</td>")
                continue
            if spec.data == TRIAL_DATA:
                dots = e(theory.word("trial_status", lang))
            elif not unit.monitored:
                dots = e(theory.word("no_data_status", lang))
            else:
                statuses = assessments[assessments["level"] == level.id]["status"]
                dots = "".join(
                    f"<span style='background:{STATUS_STYLE[s][0]}' "
                    f"title='{e(theory.status_words[s].get(lang))}'>{STATUS_STYLE[s][1]}</span>"
                    for s in statuses
                )
            cells_html.append(
                f"<td><a href='{unit.id}/{chapter}.html'>"
                f"{e(theory.word('status_ok', lang))}</a> "
                f"<span class='dots'>{dots}</span></td>"
            )
        name = unit.display_name(theory, lang)
        rows.append(f"<tr><th scope='row'>{e(name)}</th>{''.join(cells_html)}</tr>")
    legend = " ".join(
        f"<span class='dots'><span style='background:{STATUS_STYLE[s][0]}'>"
        f"{STATUS_STYLE[s][1]}</span></span> {e(theory.status_words[s].get(lang))}"
        for s in (MET, NOT_MET, "too_little_data")
    )
    body = (
        f"<h1>{e(theory.word('index_title', lang))}</h1>"
        f"<p>{e(theory.word('index_intro', lang))}</p>"
        f"<table class='cells index'><thead><tr><th scope='col'>{e(theory.word('unit', lang))}"
        f"</th>{head}</tr></thead><tbody>{''.join(rows)}</tbody></table>"
        f"<p class='note'>{legend}</p>"
    )
    banner = theory.word("synthetic_banner", lang) if is_synthetic(cells) else ""
    page = Page(
        title=theory.word("index_title", lang),
        lang=lang,
        banner=banner,
        footer=(
            (theory.word("export_hash", lang), export_hash[:16]),
            (theory.word("min_cell", lang), str(min_cell)),
            (theory.word("version", lang), __version__),
            (theory.word("commit", lang), commit),
        ),
    )
    path = settings.reports_dir / "index.html"
    _atomic_write(path, render_page(body, page))
    return path


def _escape(text: object) -> str:
    import html

    return html.escape(str(text), quote=True)


# ------------------------------------------------------------------------------- command --


@click.command("reports")
@click.option(
    "--units",
    "units",
    default="",
    metavar="IDS",
    help="Comma-separated unit ids (e.g. kolding,alle). Default: every unit.",
)
@click.option(
    "--jobs",
    type=click.IntRange(min=1),
    default=os.cpu_count() or 1,
    show_default=True,
    help="Worker processes.",
)
@click.option("--force", is_flag=True, help="Rebuild chapters that are up to date.")
@language_option("lang")
@MIN_CELL_OPTION
@DATA_OPTION
@TRIAL_DATA_OPTION
def reports_command(
    units: str,
    jobs: int,
    force: bool,
    lang: str,
    min_cell: int,
    data_path: Path | None,
    trial_dir: Path | None,
) -> None:
    """Build the HTML report set: one chapter per programme-theory level, per unit."""
    chosen = [u.strip() for u in units.split(",") if u.strip()]
    try:
        summary = build_reports(
            chosen or None,
            jobs=jobs,
            force=force,
            lang=lang,
            min_cell=min_cell,
            data_path=data_path,
            trial_dir=trial_dir,
        )
    except DsrError as error:
        fail(error)
    click.echo(
        f"{summary.count('built')} built, {summary.count('skipped')} up to date, "
        f"{len(summary.failed)} failed"
    )
    requested = {o.unit for o in summary.outcomes}
    for unit, reason in summary.input_errors.items():
        head = "FAILED" if unit in requested else "BROKEN (not requested)"
        click.echo(f"{head} {unit}: its input has problems, nothing was executed;", err=True)
        click.echo(textwrap.indent(reason, "  "), err=True)
    for outcome in summary.failed:
        if outcome.unit in summary.input_errors:
            continue  # said once per unit above
        click.echo(
            f"FAILED {outcome.unit}/{outcome.chapter}: {outcome.error}\n"
            f"  executed notebook: {outcome.executed}",
            err=True,
        )
    click.echo(f"open {summary.index}")
    names = sorted({o.unit for o in summary.failed} | set(summary.input_errors))
    if names:
        click.echo(
            f"error: {len(names)} unit(s) failed: {', '.join(names)}; "
            "their previous reports were left in place",
            err=True,
        )
        sys.exit(1)


def outcome_dict(outcome: Outcome) -> dict:
    """An outcome as a plain dict (for logs and tests)."""
    return asdict(outcome)
