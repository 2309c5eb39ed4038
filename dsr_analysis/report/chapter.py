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
from dsr_analysis.cells import POOLED_ID, is_synthetic, read_cells
from dsr_analysis.cells import POOLED_NAME as POOLED
from dsr_analysis.errors import ConfigurationError
from dsr_analysis.programme_theory import (
    Assessment,
    Indicator,
    Level,
    ProgrammeTheory,
    assess,
    load_programme_theory,
    series_cells,
)
from dsr_analysis.report.diagram import STATUS_STYLE, programme_theory_svg
from dsr_analysis.report.figures import indicator_figure, municipalities_shown, unit_name
from dsr_analysis.report.html_tables import html_table, table_frame
from dsr_analysis.report.organisation import organisation_html
from dsr_analysis.report.text import escape as _e
from dsr_analysis.report.text import format_value, question_text, shown_numbers, table_lead
from dsr_analysis.report.text import show as _show
from dsr_analysis.report.units import Unit, load_units


def chapter_cells(
    data_path: Path | str | None, min_cell: int = config.DEFAULT_MIN_CELL, lang: str = "da"
) -> pd.DataFrame:
    """The cells a chapter shows: a published-cells file, or, with none, the bundled data's.

    The report runner always passes a cells file it wrote; a researcher who opens a chapter
    notebook without one gets the bundled synthetic export's cells, computed on the spot.
    """
    if data_path:
        return read_cells(data_path)
    from dsr_analysis.tables import report_cells_of_export

    return report_cells_of_export(config.SYNTHETIC_EXPORT_PATH, min_cell, lang)


# -------------------------------------------------------------------------------- chapter --


class Chapter:
    """One chapter (a level of the programme theory) for one unit.

    Parameters
    ----------
    level_id
        The level, e.g. ``"effort"``.
    municipality
        The unit id from the municipalities file (e.g. ``"kolding"``) or ``"alle"``.
    data_path
        A published-cells CSV (as `dsr tables` or the report runner writes it); empty for
        the bundled synthetic data.
    lang
        ``"da"`` or ``"en"``.
    min_cell
        Minimum cell size for the bundled data's cells (a cells file carries its own).
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
    ):
        self.theory = theory or load_programme_theory()
        self.level: Level = self.theory.level(level_id)
        self.lang = lang
        units = units if units is not None else load_units()
        matches = [u for u in units if u.id == municipality]
        if not matches:
            known = ", ".join(u.id for u in units)
            raise ConfigurationError(f"unknown unit {municipality!r}; known: {known}")
        self.unit = matches[0]
        self.all_units = units
        cells = cells if cells is not None else chapter_cells(data_path, min_cell, lang)
        self.cells = cells[cells["municipality"].isin(self._municipality_names())]
        self.figure_cells = cells[cells["municipality"].isin([*self._municipality_names(), POOLED])]
        self.synthetic = is_synthetic(cells)

    def _municipality_names(self) -> list[str]:
        if self.unit.is_pooled:
            return [u.name for u in self.all_units if u.monitored]
        return [self.unit.name]

    @property
    def has_data(self) -> bool:
        """Whether the unit has any published cells (Mariagerfjord has none)."""
        return self.unit.monitored and not self.cells.empty

    @property
    def name(self) -> str:
        return self.unit.display_name(self.theory, self.lang)

    def word(self, key: str) -> str:
        return self.theory.word(key, self.lang)

    def assessment(self, indicator: Indicator) -> Assessment:
        """The indicator's assessment on this unit's published cells."""
        return assess(indicator, self.cells, POOLED if self.unit.is_pooled else self.unit.name)

    def statuses(self) -> dict[str, str]:
        """Assessment status of every indicator of every level, for the diagram."""
        return {
            ind.id: self.assessment(ind).status
            for level in self.theory.levels
            for ind in level.indicators
        }

    # ---------------------------------------------------------------- displayed sections --

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
        """How the unit's municipality (or each municipality, for "Alle") organised the work."""
        return organisation_html(self.unit, self.all_units, self.cells, self.theory, self.lang)

    def render_indicator(self, indicator: Indicator) -> str:
        """One indicator: question, success criterion, table, figure and assessment."""
        lang, c = self.lang, indicator.criterion
        parts = [
            f"<section class='indicator' id='ind-{_e(indicator.id)}' "
            f"data-indicator='{_e(indicator.id)}'>",
            f"<h2>{_e(indicator.title.get(lang))}</h2>",
            f"<p class='question'><strong>{_e(table_lead(self.theory, c.table, lang))}:</strong> "
            f"{_e(question_text(self.theory, c.table, lang))} "
            f"<span class='table-ref'>(NIRAS {_e(c.table)})</span></p>",
            f"<p class='criterion'><strong>{_e(self.word('criterion'))}:</strong> "
            f"{_e(c.text.get(lang))}</p>",
        ]
        if not self.has_data:
            parts.append(f"<p class='no-data'>{_e(self.word('no_cells'))}</p></section>")
            return "".join(parts)
        parts.append(self._assessment_html(indicator))
        own = POOLED if self.unit.is_pooled else self.unit.name
        frame = table_frame(self.cells, c.table, own, self.theory, lang)
        if not frame.empty:
            parts.append(html_table(frame, caption=self.theory.tables[c.table].title.get(lang)))
        if self.unit.is_pooled:
            parts.append(self._side_by_side(indicator))
        parts.append(indicator_figure(self.figure_cells, indicator, self.unit, self.theory, lang))
        parts.append(f"<p class='note'>{_e(self.word('suppressed_note'))}</p></section>")
        return "".join(parts)

    def _assessment_html(self, indicator: Indicator) -> str:
        result = self.assessment(indicator)
        colour, symbol = STATUS_STYLE[result.status]
        word = self.theory.status_words[result.status].get(self.lang)
        n_text = " / ".join(str(n) for n in result.n)
        detail = ""
        if result.reason:
            detail = " – " + self.word(f"reason_{result.reason}").format(
                min_n=indicator.criterion.min_n
            )
        return (
            f"<p class='assessment' data-status='{result.status}'>"
            f"<strong>{_e(self.word('assessment'))}:</strong> "
            f"<span class='badge' style='background:{colour}'>{symbol} {_e(word)}</span> "
            f"(n = {_e(n_text)}){_e(detail)}</p>"
        )

    def _side_by_side(self, indicator: Indicator) -> str:
        """For "Alle": the indicator's figures per municipality, one row each."""
        c = indicator.criterion
        part = self.cells[self.cells["table"] == c.table]
        if c.kind == "more_positive_than_negative":
            part = part[part["column"] == c.column]
            pivot_on = "label"
        elif c.kind in ("rises", "falls"):
            part = series_cells(part, c.table, c.label)
            part = part[part["point"].isin([c.start, c.end])]
            pivot_on = "point"
        else:
            if c.label is not None:
                part = part[part["label"] == c.label]
            part = part[part["column"] == (c.column or "Total")]
            pivot_on = "column"
        if part.empty:
            return ""
        kind = self.theory.tables[c.table].kind
        mark = self.word("suppressed")
        shown = part.assign(
            shown=[
                mark if s else format_value(v, kind, self.lang)
                for s, v in zip(part["suppressed"], shown_numbers(part, kind), strict=True)
            ],
            who=part["municipality"].map(lambda m: unit_name(m, self.theory, self.lang)),
        )
        shown_units = municipalities_shown(part, self.unit)
        order = [unit_name(m, self.theory, self.lang) for m in shown_units]
        heads = list(dict.fromkeys(shown[pivot_on]))
        wide = shown.pivot_table(index="who", columns=pivot_on, values="shown", aggfunc="first")
        wide = wide.reindex(index=[o for o in order if o in wide.index], columns=heads).fillna("")
        n = shown.groupby("who")["n"].max()
        if pivot_on == "label":
            names = shown.drop_duplicates("label").set_index("label")["label_display"]
            wide.columns = [names[h] for h in heads]
        else:
            wide.columns = [self.theory.column_label(h, self.lang) for h in heads]
        wide[self.word("n")] = [f"{n[who]:.0f}" if pd.notna(n[who]) else "" for who in wide.index]
        return html_table(
            wide, caption=self.word("by_municipality"), first_header=self.word("municipality")
        )

    def render_other_tables(self) -> str:
        """The level's other NIRAS tables, so the pooled set reproduces the whole report."""
        used = {t for ind in self.level.indicators for t in ind.tables}
        rest = [t for t in self.level.tables if t not in used]
        if not rest or not self.has_data:
            return ""
        own = POOLED if self.unit.is_pooled else self.unit.name
        parts = [f"<h2>{_e(self.word('other_tables'))}</h2>"]
        for table in rest:
            frame = table_frame(self.cells, table, own, self.theory, self.lang)
            if frame.empty:
                continue
            title = f"{self.theory.tables[table].title.get(self.lang)} (NIRAS {table})"
            parts.append(
                f"<h3>{_e(title)}</h3>"
                f"<p class='question'>{_e(question_text(self.theory, table, self.lang))}</p>"
                + html_table(frame)
            )
        parts.append(f"<p class='note'>{_e(self.word('suppressed_note'))}</p>")
        return "".join(parts)

    # ---------------------------------------------- what the notebooks call (display only) --

    def heading(self) -> None:
        """Show the chapter heading."""
        _show(self.render_heading())

    def diagram(self) -> None:
        """Show the programme-theory diagram with this level highlighted."""
        _show(self.render_diagram())

    def introduction(self) -> None:
        """Show the level's summary and expected results (and the no-data notice)."""
        _show(self.render_introduction())

    def organisation(self) -> None:
        """Show how the municipality (or each municipality) organised the work."""
        _show(self.render_organisation())

    def indicator(self, indicator: Indicator) -> None:
        """Show one indicator with its table, figure and assessment."""
        _show(self.render_indicator(indicator))

    def other_tables(self) -> None:
        """Show the level's remaining NIRAS tables."""
        _show(self.render_other_tables())
