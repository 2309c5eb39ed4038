"""The report runner: every unit x chapter through Papermill and nbconvert, in parallel.

Units come from the municipalities file and chapters from the programme theory, so both are
data. For each (unit, chapter) the runner computes a key over the notebook, its parameters, the
unit's published cells and the library's source; a page whose stamped key matches is skipped.
The others run in worker processes: Papermill executes the notebook into ``build/`` (never into
``reports/``), nbconvert turns it into HTML, and the page replaces the old one only once it is
complete. A failing chapter is reported with its executed notebook and the rest still build.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterable
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import replace
from multiprocessing import get_context
from pathlib import Path

from dsr_analysis import config
from dsr_analysis.errors import BuildError
from dsr_analysis.html import read_build_key
from dsr_analysis.programme_theory import load_programme_theory
from dsr_analysis.report.index import IndexFacts, write_index
from dsr_analysis.report.method_page import write_method_pages
from dsr_analysis.report.units import load_units
from dsr_analysis.runner.execute import run_task, summarise
from dsr_analysis.runner.inputs import all_cells, input_errors
from dsr_analysis.runner.keys import git_commit, library_hash
from dsr_analysis.runner.model import Outcome, Settings, Summary, Task
from dsr_analysis.runner.plan import plan


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
    cells_path: Path | None = None,
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
    cells_path
        A published-cells file from ``dsr tables`` to build from instead of an export.

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
        data_path, min_cell, lang, settings.build_dir, source_hash, cells_path
    )
    commit = git_commit()
    tasks = [
        t
        for t in plan(theory, all_units, cells, lang, min_cell, settings, source_hash, commit)
        if t.unit in wanted
    ]
    summary = Summary(input_errors=input_errors(all_units, broken))

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
    failed = {(o.unit, o.chapter) for o in summary.failed}
    summary.index = write_index(
        theory,
        all_units,
        cells,
        IndexFacts(failed, set(summary.input_errors), lang, export_hash, min_cell, commit),
        settings.reports_dir,
    )
    write_method_pages(theory, all_units, tasks, settings.reports_dir)
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
                        task.unit, task.chapter, "failed", task.executed, summarise(error)
                    )
                outcomes.append(outcome)
                bar.set_postfix_str(f"{outcome.unit}/{outcome.chapter}", refresh=False)
                bar.update()
    return outcomes

