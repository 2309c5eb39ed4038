"""The report runner: every unit x chapter through Papermill and nbconvert, in parallel.

Units come from the municipalities file and chapters from the programme theory, so both are
data. For each (unit, chapter) the runner computes a key over the notebook, its parameters, the
unit's published cells, the library's source and the versions of the packages that shape a
page (:mod:`.keys`); a page whose stamped key matches is skipped. The others run in worker
processes (:mod:`.pool`): Papermill executes the notebook into ``build/`` (never into
``reports/``), nbconvert turns it into HTML, and the worker sends the page's bytes back. The
main process stages the pages and the index in the build's private folder (:mod:`.workspace`),
checks them, and publishes them into ``reports/`` all together, or none (:mod:`.publish`).
A failing chapter is reported with its executed notebook and the rest still build.

One build at a time per reports folder (:mod:`.lock`). Ctrl-C or SIGTERM (:mod:`.signals`)
cancels the queued chapters, stops the workers and their kernels, publishes nothing built
since, and refreshes the index so that it marks the chapters left out of date.
"""

from __future__ import annotations

import os
import shutil
import signal
from collections.abc import Callable, Iterable
from contextlib import closing
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING

from dsr_analysis import config
from dsr_analysis.errors import BuildError, DsrError
from dsr_analysis.files import WriteError
from dsr_analysis.runner import signals, uptodate
from dsr_analysis.runner.keys import git_commit, library_hash, package_versions, source_key
from dsr_analysis.runner.lock import reports_lock
from dsr_analysis.runner.model import (
    Interrupted,
    Outcome,
    PrePublishCheck,
    Result,
    Settings,
    Summary,
    Task,
)
from dsr_analysis.runner.workspace import Workspace, workspace

if TYPE_CHECKING:
    from dsr_analysis.report.index import SetLink

#: The set's index page in its reports folder.
INDEX = "index.html"


def __getattr__(name: str):
    # The planning half of the runner (pandas, the report modules) loads only when a build
    # plans: a build its stamp finds up to date (runner/uptodate.py) must not pay for it.
    if name == "plan":
        from dsr_analysis.runner.plan import plan

        return plan
    if name == "input_errors":
        from dsr_analysis.runner.inputs import input_errors

        return input_errors
    raise AttributeError(name)


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
    pre_publish: PrePublishCheck | None = None,
    scheduler: str | None = None,
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
    pre_publish
        A last check before anything is published (:data:`~.model.PrePublishCheck`): called
        with the staging folder, which holds this build's pages as ``<unit>/<chapter>.html``
        and the new ``index.html``; returns one line per problem. Any problem (or an
        exception) publishes nothing: ``summary.problems`` says why and the staged files are
        kept in ``build/rejected/``. Default: no check beyond the publishability allow-list.
    scheduler
        A Dask scheduler's address to run the chapters on (:mod:`.dask_pool`), or ``"local"``
        for a LocalCluster of ``jobs`` workers (default 2) started for this build. Default:
        local worker processes. The pages are the same bytes either way.

    Returns
    -------
    Summary
        One outcome per chapter; ``failed`` lists the failures. A unit whose municipality's
        rows have problems (and "Alle", which pools them) fails without being executed,
        keeping its previous pages; ``input_errors`` says why, for every such unit.
        ``problems`` is not empty if nothing could be published (check, full disk).

    Raises
    ------
    DsrError
        If the data or the project files cannot be read at all, the export has a problem no
        single municipality's rows explain, or another build is using the reports folder
        (nothing is built then).
    Interrupted
        On Ctrl-C or SIGTERM, after the workers are stopped and the index refreshed; its
        ``summary`` says what became of each chapter ("cancelled": not published).
    """
    settings = settings or Settings()
    if trial_dir is not None:
        # Absolute: the notebook runs in a kernel whose working folder is under build/.
        settings = replace(settings, trial_dir=Path(trial_dir).resolve())
    with signals.stop_on_signals(), reports_lock(settings.reports_dir):
        wanted = uptodate.Request(tuple(units or ()), lang, min_cell, str(data_path or ""),
                                  str(cells_path or ""), str(trial_dir or ""))
        current, record = uptodate.check(wanted, settings)
        if record is not None and not force:
            return _nothing_to_do(record, settings)
        uptodate.forget(settings)
        request = _Request(
            list(units or []), jobs, force, lang, min_cell, data_path, progress, cells_path,
            scheduler, current,
        )
        with workspace(settings.build_dir) as space:
            if scheduler != LOCAL_SCHEDULER:
                return _build(request, settings, space, pre_publish)
            from dsr_analysis.runner.dask_pool import local_cluster

            with local_cluster(jobs) as address:
                return _build(replace(request, scheduler=address), settings, space, pre_publish)


def _nothing_to_do(record: uptodate.Record, settings: Settings) -> Summary:
    """The summary of a build the stamp says is the last one again: every chapter skipped."""
    outcomes = [Outcome(unit, chapter, "skipped", executed)
                for unit, chapter, executed in record.chapters]
    return Summary(outcomes=outcomes, index=settings.reports_dir / INDEX)


#: ``scheduler="local"``: a LocalCluster for the build.
LOCAL_SCHEDULER = "local"


@dataclass(frozen=True)
class _Request:
    """What build_reports was asked for (its arguments but the folders and the check)."""

    units: list[str]
    jobs: int | None
    force: bool
    lang: str
    min_cell: int
    data_path: Path | None
    progress: bool
    cells_path: Path | None
    scheduler: str | None = None
    # The stamp of the build's inputs (:mod:`.uptodate`), taken before anything was read.
    stamp: str = ""


def _build(
    request: _Request, settings: Settings, space: Workspace, pre_publish: PrePublishCheck | None
) -> Summary:
    from dsr_analysis.audit_command import prepublish_check
    from dsr_analysis.cells import released_min_cell
    from dsr_analysis.html import read_build_key
    from dsr_analysis.programme_theory import load_programme_theory
    from dsr_analysis.report.index import IndexFacts
    from dsr_analysis.report.method_page import write_method_pages
    from dsr_analysis.report.units import load_units
    from dsr_analysis.runner import publish
    from dsr_analysis.runner.assessments import cached_assessments, cells_keys
    from dsr_analysis.runner.inputs import all_cells, input_errors
    from dsr_analysis.runner.plan import files_hash, plan

    lang, min_cell = request.lang, request.min_cell
    theory = load_programme_theory(settings.theory_path, settings.municipalities_path)
    all_units = load_units(settings.municipalities_path)
    wanted = request.units or [u.id for u in all_units]
    unknown = sorted(set(wanted) - {u.id for u in all_units})
    if unknown:
        known = ", ".join(u.id for u in all_units)
        raise BuildError(f"unknown unit(s): {', '.join(unknown)}; known: {known}")
    source_hash = source_key(library_hash(), package_versions())
    cells, export_hash, broken = all_cells(
        request.data_path, min_cell, lang, settings.build_dir, source_hash, request.cells_path,
        settings.data_path, settings.cells_source, settings.municipalities_path,
    )
    commit = git_commit()
    # The attacker reads the staged pages and the cells before anything is published.
    check = prepublish_check(cells, released_min_cell(cells, min_cell), settings.build_dir,
                             settings.specs_source, theory)
    pre_publish = _both(check, pre_publish)
    every_task = plan(theory, all_units, cells, lang, min_cell, settings, source_hash, commit)
    tasks = [t for t in every_task if t.unit in wanted]
    summary = Summary(input_errors=input_errors(all_units, broken))

    stale = []
    for task in tasks:
        if task.unit in summary.input_errors:
            # Its cells lack the broken rows, so running it would publish a wrong report.
            error = summary.input_errors[task.unit]
            summary.outcomes.append(Outcome(task.unit, task.chapter, "failed", "", error))
        elif not request.force and read_build_key(Path(task.output)) == task.key:
            summary.outcomes.append(Outcome(task.unit, task.chapter, "skipped", task.executed))
        else:
            stale.append(task)

    def stage_method_pages(staging: Path) -> None:
        # Each report set's "how to read" page, from the same tasks' page contexts.
        write_method_pages(theory, all_units, tasks, staging, settings.method_text_path)

    def stage_index(staging: Path) -> None:
        # A chapter that failed, or was cancelled, keeps an out-of-date page: the index says so.
        left = {(o.unit, o.chapter) for o in summary.outcomes if o.status in STALE_STATUSES}
        facts = IndexFacts(left, set(summary.input_errors), lang, export_hash, min_cell, commit,
                           *index_extras(theory, settings, lang))
        assessed = cached_assessments(theory, all_units, cells, cells_keys(every_task),
                                      source_hash + files_hash(theory, settings),
                                      settings.build_dir)
        publish.stage_index(theory, all_units, cells, facts, settings.reports_dir, staging,
                            assessed)

    finished: list[Outcome] = []
    jobs = request.jobs or os.cpu_count() or 1
    try:
        with closing(_runner(request, stale, jobs, space, source_hash, theory)) as run:
            for task, result in run:
                finished.append(_staged(space.staging, task, result))
    except KeyboardInterrupt as stop:
        summary.outcomes.extend(_cancelled(stale, finished))
        _sort(summary, tasks)
        # Nothing built before the signal is published; the index alone is refreshed.
        shutil.rmtree(space.staging, ignore_errors=True)
        space.staging.mkdir(mode=0o700)
        _publish(summary, [stage_index], settings, space, pre_publish)
        raise Interrupted(summary, getattr(stop, "signal_number", signal.SIGINT)) from None
    summary.outcomes.extend(finished)
    _sort(summary, tasks)
    with signals.deferred() as noted:  # all or nothing: a signal waits for the renames
        _publish(summary, [stage_method_pages, stage_index], settings, space, pre_publish)
    if noted.signal_number is not None:
        raise Interrupted(summary, noted.signal_number)
    if request.stamp and not (summary.failed or summary.input_errors or summary.problems):
        _record(request.stamp, summary, every_task, all_units, settings)
    return summary


def _record(current: str, summary: Summary, every_task: list[Task], all_units, settings) -> None:
    """Stamp a complete build, so that the same build again does nothing (:mod:`.uptodate`):
    the files it depends on are every unit's pages (present or not), their method pages
    and the index."""
    from dsr_analysis.report.units import METHOD_PAGE

    reports = settings.reports_dir
    files = [Path(t.output) for t in every_task]
    files += [reports / u.id / METHOD_PAGE for u in all_units] + [reports / INDEX]
    chapters = [(o.unit, o.chapter, o.executed) for o in summary.outcomes]
    try:
        uptodate.write_record(current, settings, chapters, files)
    except DsrError:
        pass  # no record: the next build plans in full


def _runner(request: _Request, stale: list[Task], jobs: int, space: Workspace, source_hash: str,
            theory):
    """The executor of the stale chapters: local worker processes, or a Dask cluster."""
    if request.scheduler:
        from dsr_analysis.runner.dask_pool import run_on_dask

        return run_on_dask(stale, request.scheduler, request.progress, source_hash,
                           theory.questions_path)
    from dsr_analysis.runner.pool import run_all

    return run_all(stale, jobs, request.progress, space.runtime)


def index_extras(theory, settings: Settings, lang: str) -> tuple[tuple[SetLink, ...], str]:
    """What a set's index shows beyond its own units: every report set (this one unlinked)
    and the practice landscape, both linked from the set's folder; nothing without a sets
    file."""
    if settings.report_sets_path is None:
        return (), ""
    from dsr_analysis.report.index import SetLink
    from dsr_analysis.report.practices import practices_html
    from dsr_analysis.report.sets import load_report_sets, set_index_href, way_to_reports

    sets = load_report_sets(settings.report_sets_path)
    folders = {s.id: s.folder for s in sets}
    up = way_to_reports(folders.get(settings.set_id, ""))
    links = tuple(
        SetLink(s.text("title", lang), s.text("summary", lang),
                None if s.id == settings.set_id else up + set_index_href(s))
        for s in sets
    )
    return links, practices_html(theory, lang, folders, up)


def _both(first: PrePublishCheck, second: PrePublishCheck | None) -> PrePublishCheck:
    if second is None:
        return first
    return lambda staging: first(staging) + second(staging)


#: Outcomes whose chapter's published page (if any) is older than its inputs.
STALE_STATUSES = ("failed", "cancelled")


def _staged(staging: Path, task: Task, result: Result) -> Outcome:
    """A worker's result with its page staged; a page that cannot be staged fails its task."""
    from dsr_analysis.runner import publish

    outcome = result.outcome
    if outcome.status == "built":
        try:
            publish.stage_page(staging, task, result.page)
        except WriteError as error:
            return replace(outcome, status="failed", error=str(error))
    return outcome


def _cancelled(stale: list[Task], finished: list[Outcome]) -> list[Outcome]:
    """Every stale task's outcome after an interrupt: failures stay failures, the rest
    (queued, running, or built but not yet published) are cancelled."""
    done = {(o.unit, o.chapter): o for o in finished}
    outcomes = []
    for task in stale:
        outcome = done.get((task.unit, task.chapter))
        if outcome is None or outcome.status != "failed":
            outcome = Outcome(task.unit, task.chapter, "cancelled", task.executed)
        outcomes.append(outcome)
    return outcomes


def _sort(summary: Summary, tasks: list[Task]) -> None:
    order = {(t.unit, t.chapter): i for i, t in enumerate(tasks)}
    summary.outcomes.sort(key=lambda o: order[(o.unit, o.chapter)])


def _publish(
    summary: Summary,
    stagers: list[Callable[[Path], None]],
    settings: Settings,
    space: Workspace,
    pre_publish: PrePublishCheck | None,
) -> None:
    """Stage the pages the main process makes (the method pages, the index), check everything
    staged, publish it or say why not (in ``summary.problems``)."""
    from dsr_analysis.runner import publish

    summary.index = settings.reports_dir / publish.INDEX
    try:
        for stage in stagers:
            stage(space.staging)
    except DsrError as error:  # a write error, or a page the allow-list refuses
        summary.problems = [str(error)]
        return
    problems = publish.check_staged(space.staging, pre_publish)
    if problems:
        summary.problems = problems
        summary.rejected = publish.reject(space.staging, settings.build_dir)
        return
    try:
        summary.published = publish.publish(space.staging, settings.reports_dir)
    except WriteError as error:
        summary.problems = [str(error)]
