"""One chapter of a report set: a level of the programme theory for one unit.

A notebook opens a :class:`Chapter` and calls a few of its methods; each method displays HTML
(headings, indicator tables, assessments) or an inline SVG figure and also returns it, so the
rendering can be tested without a kernel. Every number shown comes from the published cells,
which are already disclosure-controlled; all words come from the programme-theory file, the
codebook or the municipalities file, so ``lang="en"`` gives an English edition.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from dsr_analysis import config
from dsr_analysis.cells import (
    POOLED_ID,
    TOTAL_COLUMN,
    is_synthetic,
    read_cells,
    released_min_cell,
)
from dsr_analysis.cells import POOLED_NAME as POOLED
from dsr_analysis.errors import ConfigurationError
from dsr_analysis.programme_theory import Indicator, Level, ProgrammeTheory, load_programme_theory
from dsr_analysis.report import summary
from dsr_analysis.report.assessment import Assessment, assess
from dsr_analysis.report.assessment_html import assessment_html, criterion_html, method_link
from dsr_analysis.report.diagram import programme_theory_svg
from dsr_analysis.report.figures import indicator_chart, indicator_figure
from dsr_analysis.report.html_tables import (
    column_display,
    comparison_frame,
    hidden_share,
    html_table,
    side_by_side_frame,
    table_frame,
)
from dsr_analysis.report.organisation import organisation_html
from dsr_analysis.report.outline import Markdown, outline_markdown, shown_in_notebook
from dsr_analysis.report.practices import practices_html
from dsr_analysis.report.text import escape as _e
from dsr_analysis.report.text import question_text, table_lead
from dsr_analysis.report.text import show as _show
from dsr_analysis.report.units import (
    Unit,
    colour_order,
    load_units,
    pooled_members,
    trial_chapter_href,
    unit_cells,
)

#: Above this share of hidden cells a unit's table is replaced by a sentence and the
#: comparison that can be published (the unit's total beside the pool).
MOSTLY_HIDDEN = 0.5


def chapter_cells(data_path: Path | str | None) -> pd.DataFrame:
    """The cells a chapter shows: a published-cells file, or, with none, the bundled DSR
    release (``reports/tables.csv``, which ``make reports`` writes first).

    The report runner always passes a cells file it wrote; a researcher who opens a chapter
    notebook without one reads the bundled release, so the chapter never computes cells itself
    and knows no design.
    """
    path = Path(data_path) if data_path else config.TABLES_OUTPUT_PATH
    if not path.is_file():
        raise ConfigurationError(
            f"no published cells at {path}: run `make reports` (or `dsr tables`) first, "
            "or pass data_path"
        )
    return read_cells(path)


# -------------------------------------------------------------------------------- chapter --


class Chapter:
    """One chapter (a level of the programme theory) for one unit.

    Parameters
    ----------
    level_id
        The level, e.g. ``"effort"``.
    municipality
        The unit id from the units file (e.g. ``"kolding"``) or ``"alle"``.
    data_path
        A published-cells CSV (as `dsr tables` or the report runner writes it); empty for
        the bundled DSR release.
    lang
        ``"da"`` or ``"en"``.
    min_cell
        Minimum cell size to state when the cells do not say (a cells file carries its own).
    theory_path, units_path
        The programme theory and the units file (empty: DSR's); any theory's level renders
        through the same class.
    """

    def __init__(
        self,
        level_id: str,
        municipality: str = POOLED_ID,
        data_path: Path | str | None = None,
        lang: str = "da",
        min_cell: int = config.DEFAULT_MIN_CELL,
        theory: ProgrammeTheory | None = None,
        units: list[Unit] | None = None,
        cells: pd.DataFrame | None = None,
        theory_path: Path | str | None = None,
        units_path: Path | str | None = None,
    ):
        if units is None:
            units = load_units(units_path or config.MUNICIPALITIES_PATH)
        # Where the outline tells a researcher to edit the narrative (None: given as an object).
        self.theory_path = None if theory else Path(theory_path or config.PROGRAMME_THEORY_PATH)
        theory = theory or load_programme_theory(theory_path or config.PROGRAMME_THEORY_PATH)
        # The words count the municipalities this chapter's pool holds ("Alle fire kommuner").
        self.theory = theory.with_unit_count(len(pooled_members(units)))
        self.level: Level = self.theory.level(level_id)
        self.lang = lang
        matches = [u for u in units if u.id == municipality]
        if not matches:
            known = ", ".join(u.id for u in units)
            raise ConfigurationError(f"unknown unit {municipality!r}; known: {known}")
        self.unit = matches[0]
        self.all_units = units
        cells = cells if cells is not None else chapter_cells(data_path)
        # The figures draw a municipality beside the pool; its tables show its own cells only.
        self.figure_cells = unit_cells(cells, self.unit, units)
        own = self.figure_cells["municipality"] == self.unit.name
        self.cells = self.figure_cells if self.unit.is_pooled else self.figure_cells[own]
        self.synthetic = is_synthetic(cells)
        # The cells say which disclosure control released them; the parameter is a fallback.
        self.min_cell = released_min_cell(cells, min_cell)
        self._assessments: dict[tuple[str, str], Assessment] = {}

    @property
    def has_data(self) -> bool:
        """Whether the unit has any published cells (Mariagerfjord has none)."""
        return self.unit.monitored and not self.cells.empty

    @property
    def name(self) -> str:
        return self.unit.display_name(self.theory, self.lang)

    def word(self, key: str) -> str:
        return self.theory.word(key, self.lang)

    def table_ref(self, table: str) -> str:
        """How the chapter cites a table of its source ("NIRAS 7-5")."""
        return self.word("table_ref").format(table=table)

    @property
    def own_name(self) -> str:
        """The unit's name in the cells' ``municipality`` column ("Alle" for the pooled unit)."""
        return self.unit.name

    def assessment(self, indicator: Indicator) -> Assessment:
        """The indicator's assessment on this unit's published cells."""
        key = (indicator.id, self.own_name)
        if key not in self._assessments:
            self._assessments[key] = assess(indicator, self.cells, self.own_name)
        return self._assessments[key]

    def pooled_assessment(self, indicator: Indicator) -> Assessment | None:
        """The same indicator for the monitored municipalities pooled (None for the pooled unit)."""
        if self.unit.is_pooled or not self.has_data:
            return None
        key = (indicator.id, POOLED)
        if key not in self._assessments:
            self._assessments[key] = assess(indicator, self.figure_cells, POOLED)
        return self._assessments[key]

    def statuses(self) -> dict[str, str]:
        """Assessment status of every indicator of every level, for the diagram."""
        return {
            ind.id: self.assessment(ind).status
            for level in self.theory.levels
            for ind in level.indicators
        }

    # ---------------------------------------------------------------- displayed sections --

    def render_summary(self) -> str:
        """"Kort fortalt": the report set's outcomes in the first chapter, the level's in the
        others; for a unit without monitoring, where its evidence is."""
        lang, theory = self.lang, self.theory
        if self.unit.trial:
            text = self.word("summary_trial_unit").format(name=self.name)
            return summary.notice_summary_html(text, theory, lang)
        if not self.has_data:
            text = self.word("summary_not_monitored").format(name=self.name)
            return summary.notice_summary_html(text, theory, lang)
        indicators = [i for level in theory.levels for i in level.indicators]
        own = {i.id: self.assessment(i) for i in indicators}
        pooled = None if self.unit.is_pooled else {
            i.id: self.pooled_assessment(i) for i in indicators
        }
        if self.level.id == theory.levels[0].id:
            return summary.set_summary_html(own, pooled, self.name, theory, lang)
        return summary.level_summary_html(self.level, own, pooled, self.name, theory, lang)

    def render_design_note(self) -> str:
        """Once per chapter: what monitoring without a comparison group can and cannot show."""
        if not self.has_data:
            return ""
        note = self.word("design_note")
        if self.level.id == self.theory.levels[-1].id:
            # The last level is the effect: say where the evidence on it is.
            words = _e(self.word("design_note_trial_link"))
            href = trial_chapter_href(self.theory, self.all_units)
            link = f"<a href='{_e(href)}'>{words}</a>" if href else words
            note_html = f"{_e(note)} {_e(self.word('design_note_long_term'))} {link}."
        else:
            note_html = _e(note)
        more = method_link("no-comparison-group", self.word("method_more"))
        return f"<aside class='design-note' role='note'><p>{note_html} {more}</p></aside>"

    def render_heading(self) -> str:
        """The chapter heading: the level's title and the unit's name."""
        return (
            f"<h1 class='chapter-title' data-level='{_e(self.level.id)}'>"
            f"{_e(self.level.title.get(self.lang))} – {_e(self.name)}</h1>"
        )

    def render_diagram(self) -> str:
        """The programme theory with this level highlighted, indicators coloured."""
        if self.unit.trial:
            # No dots: the monitoring's indicators are not assessed where there is a trial.
            svg = programme_theory_svg(self.theory, self.level.id, None, self.lang)
            caption = self.word("diagram_caption_trial").format(name=self.unit.name)
        elif not self.unit.monitored:
            # A label, not grey "too little data" dots: nothing was measured to be too little.
            label = self.word("index_not_monitored")
            svg = programme_theory_svg(self.theory, self.level.id, None, self.lang, label)
            caption = self.word("diagram_caption_not_monitored").format(name=self.unit.name)
        else:
            svg = programme_theory_svg(self.theory, self.level.id, self.statuses(), self.lang)
            caption = self.word("diagram_caption")
        return f"<figure class='diagram'>{svg}<figcaption>{_e(caption)}</figcaption></figure>"

    def render_introduction(self) -> str:
        """The level's summary, expected results and (for the effort) its parts."""
        lang = self.lang
        parts = [f"<p class='summary'>{_e(self.level.summary.get(lang))}</p>"]
        if self.level.efforts:
            parts.append(self._elements("kinds_of_effort", self.level.efforts))
        if self.level.frame_conditions:
            parts.append(self._elements("frame_conditions", self.level.frame_conditions))
        items = "".join(f"<li>{_e(r.get(lang))}</li>" for r in self.level.expected_results)
        parts.append(f"<h2>{_e(self.word('expected_results'))}</h2><ul>{items}</ul>")
        if not self.has_data:
            # A trial municipality has evidence, just not this kind: say where it is.
            key = "no_monitoring_trial" if self.unit.trial else "no_monitoring"
            parts.append(
                f"<p class='no-data'><strong>"
                f"{_e(self.word(key).format(name=self.unit.name))}"
                "</strong></p>"
            )
        return "".join(parts)

    def _elements(self, heading_key: str, elements) -> str:
        items = "".join(
            f"<dt>{_e(e.title.get(self.lang))}</dt><dd>{_e(e.description.get(self.lang))}</dd>"
            for e in elements
        )
        return f"<h2>{_e(self.word(heading_key))}</h2><dl>{items}</dl>"

    def render_organisation(self) -> str:
        """How the unit's municipality (or each municipality, for "Alle") organised the work:
        in the first chapter, the effort, only."""
        if self.level.id != self.theory.levels[0].id:
            return ""
        return organisation_html(self.unit, self.all_units, self.cells, self.theory, self.lang)

    def render_practices(self) -> str:
        """The practice landscape (VIVE's 13 promising practices), in the first chapter of a
        report set the sets file lists; linked from the chapter's folder."""
        if self.level.id != self.theory.levels[0].id:
            return ""
        from dsr_analysis.report.sets import load_report_sets, way_to_reports

        folders = {s.id: s.folder for s in load_report_sets()}
        if self.theory.id not in folders:
            return ""
        root = way_to_reports(folders[self.theory.id], below=1)
        return practices_html(self.theory, self.lang, folders, root)

    def indicator_of(self, indicator: Indicator | str) -> Indicator:
        """The level's indicator called ``indicator`` (an Indicator is returned as it is)."""
        if isinstance(indicator, Indicator):
            return indicator
        for candidate in self.level.indicators:
            if candidate.id == indicator:
                return candidate
        known = ", ".join(i.id for i in self.level.indicators)
        raise ConfigurationError(
            f"no indicator {indicator!r} in level {self.level.id!r}; known: {known}"
        )

    def render_indicator(self, indicator: Indicator | str) -> str:
        """One indicator: question, the package's criterion, assessment, table and figure."""
        indicator = self.indicator_of(indicator)
        lang, c = self.lang, indicator.criterion
        parts = [
            f"<section class='indicator' id='ind-{_e(indicator.id)}' "
            f"data-indicator='{_e(indicator.id)}'>",
            f"<h2>{_e(indicator.title.get(lang))}</h2>",
            f"<p class='question'><strong>{_e(table_lead(self.theory, c.table, lang))}:</strong> "
            f"{_e(question_text(self.theory, c.table, lang))} "
            f"<span class='table-ref'>({_e(self.table_ref(c.table))})</span></p>",
            criterion_html(indicator, self.theory, lang),
        ]
        if not self.has_data:
            parts.append(f"<p class='no-data'>{_e(self.word('no_cells'))}</p></section>")
            return "".join(parts)
        parts.append(assessment_html(self.assessment(indicator), indicator, self.theory, lang))
        parts.append(self._table_block(c.table, self.theory.tables[c.table].title.get(lang),
                                       c.column))
        if self.unit.is_pooled:
            frame = side_by_side_frame(self.cells, indicator, self.unit, self.theory, lang)
            if not frame.empty:
                parts.append(self._table_html(frame, self.word("by_municipality"),
                                              self.word("municipality")))
        parts.append(indicator_figure(self.figure_cells, indicator, self.unit, self.theory, lang,
                                      colour_order(self.all_units), self.synthetic))
        parts.append("</section>")
        return "".join(parts)

    def _table_html(self, frame: pd.DataFrame, caption: str = "", first: str = "") -> str:
        """A table, with the note on hidden cells right under it when it has any."""
        mark = self.word("suppressed")
        html = html_table(frame, caption=caption, first_header=first, hidden_mark=mark)
        if (frame == mark).to_numpy().any() or mark in " ".join(map(str, frame.columns)):
            html += self._hidden_note()
        return html

    def _hidden_note(self) -> str:
        note = self.word("suppressed_note").format(mark=self.word("suppressed"),
                                                   min_cell=self.min_cell)
        more = method_link("hidden", self.word("method_more"))
        return f"<p class='note hidden-note'>{_e(note)} {more}</p>"

    def _table_block(self, table: str, caption: str, column: str | None = None) -> str:
        """A unit's table, or, when most of it is hidden, a sentence and what can be shown."""
        frame = table_frame(self.cells, table, self.own_name, self.theory, self.lang)
        if frame.empty:
            return ""
        if self.unit.is_pooled or hidden_share(self.cells, table, self.own_name) <= MOSTLY_HIDDEN:
            return self._table_html(frame, caption)
        sentence = self.word("mostly_hidden").format(name=self.name)
        columns = set(self.cells.loc[self.cells["table"] == table, "column"])
        total = TOTAL_COLUMN if TOTAL_COLUMN in columns else column
        if total is None or total not in columns:
            return f"<p class='mostly-hidden'>{_e(sentence)}</p>" + self._hidden_note()
        names = (self.name, self.theory.word("pooled_name", self.lang))
        comparison = comparison_frame(self.figure_cells, table, self.own_name, total, names,
                                      self.theory, self.lang)
        label = column_display(self.cells, table, total, self.theory, self.lang)
        title = f"{caption}: {label}" if total != TOTAL_COLUMN else caption
        return (f"<p class='mostly-hidden'>{_e(sentence)}</p>"
                + self._table_html(comparison, title))

    def render_other_tables(self) -> str:
        """The level's other tables, so the pooled set reproduces the whole source report."""
        used = {t for ind in self.level.indicators for t in ind.tables}
        rest = [t for t in self.level.tables if t not in used]
        if not rest or not self.has_data:
            return ""
        parts = [f"<h2>{_e(self.word('other_tables'))}</h2>"]
        for table in rest:
            block = self._table_block(table, "")
            if not block:
                continue
            title = f"{self.theory.tables[table].title.get(self.lang)} ({self.table_ref(table)})"
            parts.append(
                f"<section class='other-table'><h3>{_e(title)}</h3>"
                f"<p class='question'>{_e(question_text(self.theory, table, self.lang))}</p>"
                f"{block}</section>"
            )
        return "".join(parts)

    def render(self) -> str:
        """The whole chapter's HTML, in the order the chapter notebook shows it."""
        return "".join([
            self.render_heading(), self.render_summary(), self.render_design_note(),
            self.render_diagram(), self.render_introduction(), self.render_organisation(),
            self.render_practices(),
            *(self.render_indicator(i) for i in self.level.indicators),
            self.render_other_tables(),
        ])

    def _repr_html_(self) -> str:
        # A notebook cell whose value is the chapter shows the chapter.
        return self.render()

    # ------------------------------------------------ what a researcher calls in a notebook --

    def table(self, table: str) -> pd.DataFrame:
        """One of the unit's published tables as the chapter shows it: rows x columns, values
        formatted, hidden cells marked (an empty frame when the unit has none)."""
        return table_frame(self.cells, table, self.own_name, self.theory, self.lang)

    def figure(self, indicator: Indicator | str):
        """The indicator's figure as a matplotlib Figure, or None when the page draws none."""
        return shown_in_notebook(indicator_chart(
            self.figure_cells, self.indicator_of(indicator), self.unit, self.theory, self.lang,
            colour_order(self.all_units)))

    def outline(self) -> Markdown:
        """The level's narrative from the programme theory and, per indicator, the calls that
        produce it (Markdown; a notebook cell renders it)."""
        return Markdown(outline_markdown(self.theory, self.level, self.name, self.lang,
                                         self.theory_path))

    # ---------------------------------------------- what the notebooks call (display only) --

    def heading(self) -> None:
        """Show the chapter heading."""
        _show(self.render_heading())

    def summary(self) -> None:
        """Show "Kort fortalt" and the note on what the monitoring can show."""
        _show(self.render_summary() + self.render_design_note())

    def diagram(self) -> None:
        """Show the programme-theory diagram with this level highlighted."""
        _show(self.render_diagram())

    def introduction(self) -> None:
        """Show the level's summary and expected results (and the no-data notice)."""
        _show(self.render_introduction())

    def organisation(self) -> None:
        """Show how the municipality (or each municipality) organised the work, and the
        practice landscape it belongs to (the first chapter only)."""
        _show(self.render_organisation() + self.render_practices())

    def indicator(self, indicator: Indicator | str) -> None:
        """Show one indicator (an Indicator or its id) with its table, figure and assessment."""
        _show(self.render_indicator(indicator))

    def other_tables(self) -> None:
        """Show the level's remaining tables."""
        _show(self.render_other_tables())
