"""The index page: an overview of every unit's report set and what its chapters found.

The page has two parts. First an overview table, units x levels, whose cells count the
indicators by assessment (✓ 2, ? 1) so the units can be compared at a glance. Then one section
per unit: its heading, its short summary ("Kort fortalt", ``unit-summary``), and a row
per chapter, linked by the chapter's name, listing each indicator by symbol and title. The
symbols carry the meaning without colour; a legend above the table says what they mean.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from dsr_analysis import __version__
from dsr_analysis.cells import is_synthetic
from dsr_analysis.files import atomic_write_text
from dsr_analysis.html import Page, render_page
from dsr_analysis.programme_theory import STATUSES, Level, ProgrammeTheory
from dsr_analysis.report.assessment import assess_all
from dsr_analysis.report.diagram import STATUS_STYLE
from dsr_analysis.report.edition import not_for_publication
from dsr_analysis.report.text import escape as e
from dsr_analysis.report.units import TRIAL_DATA, Unit, report_chapters, unit_cells

#: What an index entry can say about one level of one unit's report set.
ASSESSED, NOT_MONITORED, TRIAL, FAILED, MISSING, NOT_IN_SET = (
    "assessed",
    "not_monitored",
    "trial",
    "failed",
    "missing",
    "not_in_set",
)


@dataclass(frozen=True)
class SetLink:
    """A report set as an index lists it: its title, what it holds and its index page
    (None for the set whose index this is)."""

    title: str
    summary: str
    href: str | None


@dataclass(frozen=True)
class IndexFacts:
    """What the index says about a build: which pages failed and what the data were."""

    failed: set[tuple[str, str]]
    broken_units: set[str]
    lang: str
    export_hash: str
    min_cell: int
    commit: str
    # Every report set, this one among them; empty when the build has one set only.
    report_sets: tuple[SetLink, ...] = ()
    # The practice landscape's section (report.practices), "" for none.
    practices: str = ""


@dataclass(frozen=True)
class Entry:
    """One level of one unit's report set, as the index shows it.

    ``href`` is the chapter's page relative to the index (None when there is no page to link);
    ``indicators`` pairs each indicator id and title with its status when ``state`` is
    ``assessed``.
    """

    level: Level
    number: int
    state: str
    href: str | None = None
    indicators: tuple[tuple[str, str, str], ...] = ()

    def counts(self) -> dict[str, int]:
        """Indicators per status, in :data:`STATUSES` order, the statuses that occur only."""
        found = [status for _, _, status in self.indicators]
        return {s: found.count(s) for s in STATUSES if s in found}


def unit_assessments(
    theory: ProgrammeTheory, units: list[Unit], cells: pd.DataFrame
) -> dict[str, pd.DataFrame]:
    """Unit id -> :func:`assess_all` of its cells, for the monitored units only (sparing the
    others keeps no-op builds quick); the overview and the summaries both read these."""
    return {
        unit.id: assess_all(theory, unit_cells(cells, unit, units), unit.name)
        for unit in units
        if unit.monitored
    }


def unit_entries(
    theory: ProgrammeTheory,
    unit: Unit,
    assessments: pd.DataFrame | None,
    facts: IndexFacts,
    pages: set[str],
) -> list[Entry]:
    """One :class:`Entry` per level of the programme theory for ``unit``, in theory order
    (``assessments``: the unit's :func:`assess_all`, None if it was not monitored; ``pages``:
    the chapter pages that exist, see :func:`chapter_pages`)."""
    lang = facts.lang
    own_chapters = {spec.level.id: spec for spec in report_chapters(unit, theory)}
    entries = []
    for number, level in enumerate(theory.levels, start=1):
        spec = own_chapters.get(level.id)
        if spec is None:  # a level the unit's report set does not have (Copenhagen)
            entries.append(Entry(level, number, NOT_IN_SET))
            continue
        href = f"{unit.id}/{spec.page}.html"
        exists = href in pages
        link = href if exists else None
        # A unit whose input is broken is marked even when not requested: its pages are
        # older than the data.
        if (unit.id, spec.page) in facts.failed or unit.id in facts.broken_units:
            entries.append(Entry(level, number, FAILED, link))
        elif not exists:
            entries.append(Entry(level, number, MISSING))
        elif spec.data == TRIAL_DATA:
            entries.append(Entry(level, number, TRIAL, link))
        elif assessments is None:
            entries.append(Entry(level, number, NOT_MONITORED, link))
        else:
            rows = assessments[assessments["level"] == level.id]
            titles = {i.id: i.title.get(lang) for i in level.indicators}
            indicators = tuple(
                (i, titles[i], s) for i, s in zip(rows["indicator"], rows["status"], strict=True)
            )
            entries.append(Entry(level, number, ASSESSED, link, indicators))
    return entries


def chapter_name(entry: Entry, lang: str) -> str:
    """A chapter's name as the navigation writes it: number and level title."""
    return f"{entry.number}. {entry.level.title.get(lang)}"


def _dot(theory: ProgrammeTheory, status: str, lang: str) -> str:
    colour, symbol = STATUS_STYLE[status]
    word = e(theory.status_words[status].get(lang))
    return f"<span class='dot' style='background:{colour}' title='{word}'>{symbol}</span>"


def _state_word(theory: ProgrammeTheory, entry: Entry, lang: str) -> str:
    """The word an entry shows instead of assessments (empty for an assessed entry)."""
    key = {
        NOT_MONITORED: "index_not_monitored",
        TRIAL: "trial_status",
        FAILED: "status_failed",
        MISSING: "status_missing",
        NOT_IN_SET: "not_in_set",
    }.get(entry.state)
    return theory.word(key, lang) if key else ""


def _overview_cell(theory: ProgrammeTheory, entry: Entry, lang: str) -> str:
    if entry.state == NOT_IN_SET:
        title = e(theory.word("not_in_set_title", lang))
        return f"<td class='not-in-set' title='{title}'>{e(_state_word(theory, entry, lang))}</td>"
    if entry.state != ASSESSED:
        return f"<td class='state-{entry.state}'>{e(_state_word(theory, entry, lang))}</td>"
    counts = "".join(
        f"<span class='count' data-status='{s}' data-count='{n}'>"
        f"{_dot(theory, s, lang)}&#8239;{n}</span>"
        for s, n in entry.counts().items()
    )
    return f"<td class='counts' data-level='{e(entry.level.id)}'>{counts}</td>"


def overview_table(theory: ProgrammeTheory, rows: list[tuple[Unit, list[Entry]]], lang: str) -> str:
    """Units x levels, each cell counting the level's indicators by assessment."""
    head = (
        "".join(f"<th scope='col'>{e(chapter_name(entry, lang))}</th>" for entry in rows[0][1])
        if rows
        else ""
    )
    body = "".join(
        f"<tr data-unit='{e(unit.id)}'><th scope='row'>"
        f"<a href='#unit-{e(unit.id)}'>{e(unit.display_name(theory, lang))}</a></th>"
        + "".join(_overview_cell(theory, entry, lang) for entry in entries)
        + "</tr>"
        for unit, entries in rows
    )
    return (
        f"<table class='cells index overview'><thead><tr><th scope='col'>"
        f"{e(theory.word('unit', lang))}</th>{head}</tr></thead><tbody>{body}</tbody></table>"
    )


def _chapter_row(theory: ProgrammeTheory, entry: Entry, lang: str) -> str:
    name = e(chapter_name(entry, lang))
    link = f"<a class='chapter-link' href='{e(entry.href)}'>{name}</a>" if entry.href else name
    if entry.state == ASSESSED:
        items = "".join(
            f"<li data-indicator='{e(i)}' data-status='{s}'>{_dot(theory, s, lang)} {e(title)}</li>"
            for i, title, s in entry.indicators
        )
        what = f"<ul class='indicators'>{items}</ul>"
    else:
        what = f"<span class='state-{entry.state}'>{e(_state_word(theory, entry, lang))}</span>"
    return (
        f"<tr data-level='{e(entry.level.id)}' data-state='{entry.state}'>"
        f"<th scope='row'>{link}</th><td>{what}</td></tr>"
    )


def unit_summary_html(unit: Unit, body: str = "") -> str:
    """A unit's short summary ("Kort fortalt") under its heading."""
    return f"<section class='unit-summary' id='summary-{e(unit.id)}'>{body}</section>"


def summaries(theory: ProgrammeTheory, units: list[Unit], assessed: dict[str, pd.DataFrame],
              lang: str) -> dict[str, str]:
    """Unit id -> its "Kort fortalt" for the index, from :func:`unit_assessments`."""
    from dsr_analysis.report import summary

    def results(unit: Unit) -> dict:
        frame = assessed[unit.id]
        return dict(zip(frame["indicator"], frame["assessment"], strict=True))

    pooled_unit = next((u for u in units if u.is_pooled), None)
    pooled = results(pooled_unit) if pooled_unit is not None else None
    found = {}
    for unit in units:
        name = unit.display_name(theory, lang)
        if unit.trial:
            text = theory.word("summary_trial_unit", lang).format(name=name)
            found[unit.id] = f"<p>{e(text)}</p>"
        elif not unit.monitored:
            text = theory.word("summary_not_monitored", lang).format(name=name)
            found[unit.id] = f"<p>{e(text)}</p>"
        else:
            own = pooled if unit.is_pooled else results(unit)
            other = None if unit.is_pooled else pooled
            found[unit.id] = summary.set_summary_html(own, other, name, theory, lang, True)
    return found


def unit_section(theory: ProgrammeTheory, unit: Unit, entries: list[Entry], lang: str,
                 summary_body: str = "") -> str:
    """A unit's heading, its summary's room and one row per chapter of its report set.

    Comments mark where the part below the heading begins and ends, so the PDF's cover can
    reuse it (:func:`unit_overview_of`) whatever the summary holds.
    """
    rows = "".join(_chapter_row(theory, x, lang) for x in entries if x.state != NOT_IN_SET)
    return (
        f"<section class='unit' id='unit-{e(unit.id)}' data-unit='{e(unit.id)}'>"
        f"<h2>{e(unit.display_name(theory, lang))}</h2>{_START.format(unit.id)}"
        f"{unit_summary_html(unit, summary_body)}"
        f"<table class='cells index unit-chapters'><thead><tr>"
        f"<th scope='col'>{e(theory.word('index_chapter', lang))}</th>"
        f"<th scope='col'>{e(theory.word('indicators', lang))}</th></tr></thead>"
        f"<tbody>{rows}</tbody></table>{_END.format(unit.id)}</section>"
    )


_START, _END = "<!-- unit {} -->", "<!-- /unit {} -->"


def unit_overview_of(index_html: str, unit_id: str) -> str:
    """A unit's summary and chapter table as a written index shows them ("" if it has none).

    Examples
    --------
    >>> unit_overview_of("<!-- unit a --><p>A</p><!-- /unit a -->", "a")
    '<p>A</p>'
    """
    start, end = _START.format(unit_id), _END.format(unit_id)
    head, found, rest = index_html.partition(start)
    return rest.partition(end)[0] if found and end in rest else ""


def legend_html(theory: ProgrammeTheory, lang: str) -> str:
    """What the symbols, the dash and "not monitored" mean, printed above the overview."""
    items = [
        f"<li>{_dot(theory, s, lang)} {e(theory.status_words[s].get(lang))}</li>" for s in STATUSES
    ]
    items.append(
        f"<li><span class='dash'>{e(theory.word('not_in_set', lang))}</span> "
        f"{e(theory.word('not_in_set_title', lang))}</li>"
    )
    return (
        f"<div class='legend'><strong>{e(theory.word('index_legend', lang))}:</strong>"
        f"<ul>{''.join(items)}</ul></div>"
    )


def report_sets_html(theory: ProgrammeTheory, links: tuple[SetLink, ...], lang: str) -> str:
    """The report sets the index belongs among, this one marked as the page the reader is on."""
    if not links:
        return ""
    items = "".join(
        f"<li><a href='{e(link.href)}'>{e(link.title)}</a>: {e(link.summary)}</li>"
        if link.href else
        f"<li aria-current='page'><strong>{e(link.title)}</strong> "
        f"({e(theory.word('this_page', lang))}): {e(link.summary)}</li>"
        for link in links
    )
    return (f"<nav class='report-sets' aria-label='{e(theory.word('report_sets', lang))}'>"
            f"<h2>{e(theory.word('report_sets', lang))}</h2><ul>{items}</ul></nav>")


def chapter_pages(theory: ProgrammeTheory, units: list[Unit], folder: Path) -> set[str]:
    """The chapter pages of every unit that exist in ``folder``, as the index links them
    (``<unit>/<chapter>.html``)."""
    return {
        href
        for unit in units
        for spec in report_chapters(unit, theory)
        if (folder / (href := f"{unit.id}/{spec.page}.html")).exists()
    }


def write_index(
    theory: ProgrammeTheory,
    units: list[Unit],
    cells: pd.DataFrame,
    facts: IndexFacts,
    reports_dir: Path,
) -> Path:
    """Write ``index.html`` in ``reports_dir``, linking the chapter pages found there."""
    pages = chapter_pages(theory, units, reports_dir)
    path = reports_dir / "index.html"
    atomic_write_text(path, index_html(theory, units, cells, facts, pages))
    return path


def index_html(
    theory: ProgrammeTheory,
    units: list[Unit],
    cells: pd.DataFrame,
    facts: IndexFacts,
    pages: set[str],
    assessed: dict[str, pd.DataFrame] | None = None,
) -> str:
    """The index page: the overview, then one section per unit; a chapter is linked if it is
    in ``pages`` (see :func:`chapter_pages`). ``assessed`` gives the units' assessments when
    the caller has them (the runner caches them per unit); by default they are made here."""
    lang = facts.lang
    if assessed is None:
        assessed = unit_assessments(theory, units, cells)
    rows = [
        (unit, unit_entries(theory, unit, assessed.get(unit.id), facts, pages))
        for unit in units
    ]
    briefs = summaries(theory, units, assessed, lang)
    body = (
        f"<h1>{e(theory.word('index_title', lang))}</h1>"
        f"<p>{e(theory.word('index_intro', lang))}</p>"
        f"<p class='design-note'>{e(theory.word('summary_design', lang))}</p>"
        f"{report_sets_html(theory, facts.report_sets, lang)}"
        f"<section class='overview'><h2>{e(theory.word('index_overview', lang))}</h2>"
        f"{legend_html(theory, lang)}{overview_table(theory, rows, lang)}</section>"
        + "".join(
            unit_section(theory, unit, entries, lang, briefs.get(unit.id, ""))
            for unit, entries in rows
        )
        + facts.practices
    )
    banner = theory.word("synthetic_banner", lang) if is_synthetic(cells) else ""
    page = Page(
        title=theory.word("index_title", lang),
        lang=lang,
        banner=banner,
        warning=not_for_publication(theory, lang, facts.min_cell),
        footer=(
            (theory.word("export_hash", lang), facts.export_hash[:16]),
            (theory.word("min_cell", lang), str(facts.min_cell)),
            (theory.word("version", lang), __version__),
            (theory.word("commit", lang), facts.commit),
        ),
    )
    return render_page(body, page)
