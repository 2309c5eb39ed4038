"""The index page: every unit's report set, one row each, with its chapters' assessments."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from dsr_analysis import __version__
from dsr_analysis.cells import POOLED_NAME as POOLED
from dsr_analysis.cells import is_synthetic
from dsr_analysis.files import atomic_write_text
from dsr_analysis.html import Page, render_page
from dsr_analysis.programme_theory import STATUSES, ProgrammeTheory, assess_all
from dsr_analysis.report.diagram import STATUS_STYLE
from dsr_analysis.report.text import escape
from dsr_analysis.report.units import TRIAL_DATA, Unit, report_chapters, unit_cells


@dataclass(frozen=True)
class IndexFacts:
    """What the index says about a build: which pages failed and what the data were."""

    failed: set[tuple[str, str]]
    broken_units: set[str]
    lang: str
    export_hash: str
    min_cell: int
    commit: str


def write_index(
    theory: ProgrammeTheory,
    units: list[Unit],
    cells: pd.DataFrame,
    facts: IndexFacts,
    reports_dir: Path,
) -> Path:
    """Write ``index.html`` in ``reports_dir``: units x chapters with their assessments."""
    lang, failed = facts.lang, facts.failed
    chapters = [(level, Path(level.notebook).stem) for level in theory.levels]
    e = escape
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
            page = reports_dir / unit.id / f"{chapter}.html"
            # A unit whose input is broken is marked even when not requested: its pages are
            # older than the data.
            if (unit.id, chapter) in failed or unit.id in facts.broken_units:
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
        for s in STATUSES
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
            (theory.word("export_hash", lang), facts.export_hash[:16]),
            (theory.word("min_cell", lang), str(facts.min_cell)),
            (theory.word("version", lang), __version__),
            (theory.word("commit", lang), facts.commit),
        ),
    )
    path = reports_dir / "index.html"
    atomic_write_text(path, render_page(body, page))
    return path
