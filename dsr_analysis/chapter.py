"""Display helpers for the chapter notebooks: one chapter per level of the programme theory.

A notebook opens a :class:`Chapter` and calls a few of its methods; each method displays HTML
(headings, indicator tables, assessments) or an inline SVG figure and also returns it, so the
rendering can be tested without a kernel. Every number shown comes from the published cells,
which are already small-cell suppressed; all words come from the programme-theory file, the
codebook or the municipalities file, so ``lang="en"`` gives an English edition.
"""

from __future__ import annotations

import html
import io
import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import pandas as pd

from dsr_analysis import config
from dsr_analysis.errors import ConfigurationError, InputValidationError
from dsr_analysis.programme_theory import (
    CELL_COLUMNS,
    MET,
    NOT_MET,
    Assessment,
    Indicator,
    Level,
    ProgrammeTheory,
    assess,
    load_programme_theory,
    series_cells,
)

POOLED = "Alle"
POOLED_ID = "alle"

#: Assessment colours and symbols; the symbol keeps the meaning without colour vision.
STATUS_STYLE = {
    MET: ("#1a7f37", "✓"),
    NOT_MET: ("#b42318", "✗"),
    "too_little_data": ("#6b7280", "?"),
}

_CELLS_HEADER = "table,municipality,column,label"


# -------------------------------------------------------------------------------- the data --


def load_cells(
    data_path: Path | str | None = None, min_cell: int = config.DEFAULT_MIN_CELL, lang: str = "da"
) -> pd.DataFrame:
    """Published cells for the chapters: the one adapter between notebooks and the tables.

    ``data_path`` is either a monitoring export (validated and turned into suppressed cells by
    ``dsr_analysis.tables.report_cells``) or a published-cells CSV written earlier (as the
    report runner does, so each notebook does not recompute every table). ``None`` means the
    bundled synthetic export. Labels stay Danish, because the criteria name Danish rows; the
    columns ``label_display`` and ``column_display`` hold the words to show in ``lang``.

    Examples
    --------
    >>> cells = load_cells(config.PROJECT_ROOT / "tests" / "fixtures" / "published_cells.csv")
    >>> sorted(cells["municipality"].unique())
    ['Alle', 'Kolding', 'Odense']
    """
    path = Path(data_path) if data_path else config.SYNTHETIC_EXPORT_PATH
    if _is_cells_file(path):
        return read_cells(path)
    from dsr_analysis.export import load_export
    from dsr_analysis.tables import report_cells

    return report_cells(load_export(path), min_cell, lang)


def load_cells_by_municipality(
    data_path: Path | str | None = None, min_cell: int = config.DEFAULT_MIN_CELL, lang: str = "da"
) -> tuple[pd.DataFrame, dict[str, InputValidationError]]:
    """Published cells of the municipalities whose rows pass, and the errors of the others.

    As :func:`load_cells`, but a problem confined to one municipality's rows leaves out that
    municipality instead of rejecting the export (see
    :func:`dsr_analysis.export.load_export_by_municipality`); the pooled "Alle" cells then pool
    the others only. A published-cells CSV is taken as it is, with no errors.

    Raises
    ------
    InputValidationError
        When a problem concerns the whole export.
    """
    path = Path(data_path) if data_path else config.SYNTHETIC_EXPORT_PATH
    if _is_cells_file(path):
        return read_cells(path), {}
    from dsr_analysis.export import load_export_by_municipality
    from dsr_analysis.tables import report_cells

    export, broken = load_export_by_municipality(path)
    return report_cells(export, min_cell, lang), broken


def _is_cells_file(path: Path) -> bool:
    if path.suffix.lower() != ".csv" or not path.exists():
        return False
    with path.open(encoding="utf-8-sig") as stream:
        return stream.readline().startswith(_CELLS_HEADER)


def read_cells(path: Path | str) -> pd.DataFrame:
    """Read a published-cells CSV, keeping labels as text (e.g. "<1", "NA" stay labels).

    Raises
    ------
    ConfigurationError
        If a required column is missing.
    """
    text_columns = (
        "table",
        "municipality",
        "column",
        "label",
        "code",
        "label_display",
        "column_display",
    )
    cells = pd.read_csv(
        path,
        dtype={c: str for c in text_columns},
        keep_default_na=False,
        na_values={"n": [""], "count": [""], "value": [""]},
        encoding="utf-8",
    )
    missing = [c for c in CELL_COLUMNS if c not in cells.columns]
    if missing:
        raise ConfigurationError(f"{Path(path).name}: published cells lack {', '.join(missing)}")
    cells["suppressed"] = cells["suppressed"].astype(str).str.lower().isin(["true", "1"])
    for column in ("n", "count", "value"):
        cells[column] = pd.to_numeric(cells[column], errors="coerce")
    if "label_display" not in cells:
        cells["label_display"] = cells["label"]
    if "column_display" not in cells:
        cells["column_display"] = cells["column"]
    return cells


def is_synthetic(cells: pd.DataFrame) -> bool:
    """True when the cells say they come from synthetic data (or do not say otherwise).

    Examples
    --------
    >>> is_synthetic(pd.DataFrame({"synthetic": [False, False]}))
    False
    """
    if "synthetic" not in cells or cells.empty:
        return True
    return bool(cells["synthetic"].astype(str).str.lower().isin(["true", "1"]).any())


@dataclass(frozen=True)
class Unit:
    """One report set: a municipality of the project, the four pooled ("Alle"), or Copenhagen.

    ``trial`` marks a municipality outside the NIRAS project whose evidence is a randomised
    trial (Copenhagen): it is never pooled with the project's municipalities.
    """

    id: str
    name: str
    monitored: bool
    facts: dict = field(default_factory=dict, hash=False, compare=False)
    trial: bool = False

    @property
    def is_pooled(self) -> bool:
        return self.id == POOLED_ID

    def display_name(self, theory: ProgrammeTheory, lang: str) -> str:
        return theory.word("pooled_name", lang) if self.is_pooled else self.name


def load_units(path: Path | str = config.MUNICIPALITIES_PATH) -> list[Unit]:
    """The report units: the project's municipalities in file order, the pooled "Alle", then
    the municipalities with a trial (``trial: true``, i.e. Copenhagen).

    Examples
    --------
    >>> [unit.id for unit in load_units()]
    ['faaborg-midtfyn', 'frederikshavn', 'kolding', 'mariagerfjord', 'odense', 'alle', 'kobenhavn']
    """
    from dsr_analysis.municipalities import load_municipalities

    units = [
        Unit(str(e["id"]), str(e["name"]), bool(e["monitored"]), dict(e), bool(e.get("trial")))
        for e in load_municipalities(path)
    ]
    # "Alle" closes the project's municipalities; a trial is a report set of its own after it.
    project = [u for u in units if not u.trial]
    return project + [Unit(POOLED_ID, POOLED, True, {})] + [u for u in units if u.trial]


#: What a chapter notebook gets as ``data_path``: the unit's published monitoring cells, or the
#: trial's register extract (a folder with institutions.csv and children.csv).
CELLS_DATA = "cells"
TRIAL_DATA = "trial"


@dataclass(frozen=True)
class ReportChapter:
    """One chapter of a unit's report set.

    ``page`` is the level's page name, the same in every unit's set (``05_long_term``), so the
    index's columns and the links line up even when a unit renders a level with its own
    notebook; ``position`` is the level's place in the programme theory (0 for the effort).
    """

    position: int
    level: Level
    page: str
    notebook: str
    data: str = CELLS_DATA


def report_chapters(unit: Unit, theory: ProgrammeTheory) -> list[ReportChapter]:
    """The chapters of a unit's report set, in programme-theory order.

    By default every level, rendered by its own notebook from the unit's published cells. A
    municipality's ``report.chapters`` in the municipalities file lists the levels its set has
    instead (Copenhagen: the effort and the long-term effect), each optionally with its own
    ``notebook`` and ``data: trial``.

    Raises
    ------
    ConfigurationError
        If the list names an unknown level, a level twice, or an unknown kind of data.

    Examples
    --------
    >>> theory = load_programme_theory()
    >>> units = {unit.id: unit for unit in load_units()}
    >>> [c.page for c in report_chapters(units["kobenhavn"], theory)]
    ['01_effort', '05_long_term']
    >>> [c.notebook for c in report_chapters(units["kobenhavn"], theory)]
    ['01_effort.ipynb', 'kbh_long_term.ipynb']
    >>> len(report_chapters(units["kolding"], theory))
    5
    """
    levels = {level.id: (i, level) for i, level in enumerate(theory.levels)}
    listed = (unit.facts.get("report") or {}).get("chapters")
    if listed is None:
        listed = [{"level": level.id} for level in theory.levels]
    chapters = []
    for entry in listed:
        level_id = str(entry.get("level"))
        if level_id not in levels:
            raise ConfigurationError(f"{unit.id}: report chapter for unknown level {level_id!r}")
        data = entry.get("data", CELLS_DATA)
        if data not in (CELLS_DATA, TRIAL_DATA):
            raise ConfigurationError(f"{unit.id}: report chapter data must be cells or trial")
        position, level = levels[level_id]
        notebook = str(entry.get("notebook") or level.notebook)
        chapters.append(ReportChapter(position, level, Path(level.notebook).stem, notebook, data))
    if len({c.level.id for c in chapters}) != len(chapters):
        raise ConfigurationError(f"{unit.id}: a level is listed twice in report.chapters")
    return sorted(chapters, key=lambda c: c.position)


@lru_cache(maxsize=1)
def _question_texts() -> dict[str, tuple[str, str]]:
    """NIRAS table id -> (Danish, English) question wording from the codebook."""
    from dsr_analysis.codebook import default_codebook

    texts: dict[str, tuple[str, str]] = {}
    try:
        codebook = default_codebook()
    except (OSError, ConfigurationError):
        return texts
    for question in codebook.questions:
        for table in question.tables:
            texts.setdefault(table, (question.text("da"), question.text("en")))
    return texts


def question_text(theory: ProgrammeTheory, table: str, lang: str) -> str:
    """The question behind ``table`` in ``lang``, or the table's title if it has no question."""
    texts = _question_texts()
    if table in texts:
        return texts[table][0 if lang == "da" else 1]
    return theory.tables[table].title.get(lang)


# ------------------------------------------------------------------------------ formatting --


def format_value(value: float, kind: str, lang: str) -> str:
    """Format a published value: shares as whole percentages, means with two decimals.

    Examples
    --------
    >>> format_value(0.523, "share", "da"), format_value(4.3, "mean", "da")
    ('52 %', '4,30')
    >>> format_value(0.523, "share", "en"), format_value(4.3, "mean", "en")
    ('52%', '4.30')
    """
    if pd.isna(value):
        return ""
    if kind == "share":
        return f"{value * 100:.0f} %" if lang == "da" else f"{value * 100:.0f}%"
    if kind == "count":
        return f"{value:.0f}"
    text = f"{value:.2f}"
    return text.replace(".", ",") if lang == "da" else text


def shown_numbers(cells: pd.DataFrame, kind: str) -> pd.Series:
    """The column a table shows: counts for a count table (Figure 6-1), else values.

    Figure 6-1's ``value`` is each municipality's share of all registered children; a page
    about one municipality shows how many children it registered.
    """
    return cells["count"] if kind == "count" else cells["value"]


def _number(value: float | int | None, lang: str) -> str:
    """A figure from the municipalities file as printed: thousands separated, one decimal if any.

    Examples
    --------
    >>> _number(5352, "da"), _number(10.5, "da"), _number(5352, "en"), _number(10.5, "en")
    ('5.352', '10,5', '5,352', '10.5')
    """
    if value is None:
        return ""
    text = f"{value:,.0f}" if float(value).is_integer() else f"{value:,.1f}"
    return text.translate(str.maketrans(",.", ".,")) if lang == "da" else text


def _e(text: object) -> str:
    return html.escape(str(text), quote=True)


def _show(fragment: str) -> None:
    """Display an HTML fragment as a cell output (a no-op outside a kernel)."""
    from IPython import get_ipython
    from IPython.display import HTML, display

    if fragment and get_ipython() is not None:
        display(HTML(fragment))


# --------------------------------------------------------------------------------- tables --


def table_frame(
    cells: pd.DataFrame, table: str, municipality: str, theory: ProgrammeTheory, lang: str
) -> pd.DataFrame:
    """One published table as rows (labels) x columns, values formatted, suppressed as "·".

    Column headers carry the n of their column, as the NIRAS tables do.
    """
    part = cells[(cells["table"] == table) & (cells["municipality"] == municipality)]
    if part.empty:
        return pd.DataFrame()
    kind = theory.tables[table].kind
    mark = theory.word("suppressed", lang)
    shown = part.assign(
        shown=[
            mark if s else format_value(v, kind, lang)
            for s, v in zip(part["suppressed"], shown_numbers(part, kind), strict=True)
        ]
    )
    columns = list(dict.fromkeys(shown["column"]))
    rows = list(dict.fromkeys(shown["label"]))
    wide = shown.pivot_table(index="label", columns="column", values="shown", aggfunc="first")
    wide = wide.reindex(index=rows, columns=columns).fillna("")
    n_by_column = shown.groupby("column", sort=False)["n"].max()
    headers = []
    for column in columns:
        n = n_by_column.get(column)
        label = _column_display(shown, column, theory, lang)
        headers.append(label if pd.isna(n) or kind == "count" else f"{label} (n = {n:.0f})")
    wide.columns = headers
    label_display = shown.drop_duplicates("label").set_index("label")["label_display"]
    wide.index = [label_display.get(row, row) for row in wide.index]
    return wide


def _column_display(part: pd.DataFrame, column: str, theory: ProgrammeTheory, lang: str) -> str:
    if column in theory.column_words:
        return theory.column_label(column, lang)
    shown = part.loc[part["column"] == column, "column_display"]
    return str(shown.iloc[0]) if len(shown) else column


def html_table(frame: pd.DataFrame, caption: str = "", first_header: str = "") -> str:
    """A small, deterministic HTML table (no generated ids, no inline styles)."""
    head = "".join(f"<th scope='col'>{_e(c)}</th>" for c in frame.columns)
    body = "".join(
        f"<tr><th scope='row'>{_e(index)}</th>"
        + "".join(f"<td>{_e(v)}</td>" for v in row)
        + "</tr>"
        for index, row in zip(frame.index, frame.itertuples(index=False), strict=True)
    )
    cap = f"<caption>{_e(caption)}</caption>" if caption else ""
    return (
        f"<table class='cells'>{cap}<thead><tr><th scope='col'>{_e(first_header)}</th>"
        f"{head}</tr></thead><tbody>{body}</tbody></table>"
    )


# -------------------------------------------------------------------------------- figures --


def svg_from_figure(fig) -> str:
    """Serialise a matplotlib figure as inline SVG that is identical on every run."""
    import matplotlib.pyplot as plt
    from matplotlib import rc_context

    buffer = io.StringIO()
    # A fixed hash salt gives fixed element ids; Date None drops the timestamp.
    with rc_context({"svg.hashsalt": "dsr-analysis", "svg.fonttype": "none"}):
        fig.savefig(buffer, format="svg", metadata={"Date": None}, bbox_inches="tight")
    plt.close(fig)
    svg = buffer.getvalue()
    svg = re.sub(r"<\?xml[^>]*\?>\s*", "", svg)
    svg = re.sub(r"<!DOCTYPE[^>]*>\s*", "", svg)
    svg = re.sub(r"<metadata>.*?</metadata>\s*", "", svg, flags=re.S)
    return svg.strip()


def indicator_figure(
    cells: pd.DataFrame, indicator: Indicator, unit: Unit, theory: ProgrammeTheory, lang: str
) -> str:
    """A seaborn bar chart of the figures an indicator compares, as inline SVG ("" if none).

    For the pooled unit the municipalities stand side by side with "Alle"; suppressed figures
    are simply absent, never estimated.
    """
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import seaborn as sns

    data = _figure_data(cells, indicator, unit, theory, lang)
    if data.empty or data["value"].notna().sum() == 0:
        return ""
    criterion = indicator.criterion
    kind = theory.tables[criterion.table].kind
    if kind == "share":
        data = data.assign(value=data["value"] * 100)
    # Threshold charts already put the municipalities on the x axis.
    threshold_chart = criterion.kind in ("at_least", "at_most")
    hue = "who" if data["who"].nunique() > 1 and not threshold_chart else None
    sns.set_theme(style="whitegrid", context="notebook")
    fig, ax = plt.subplots(figsize=(7.5, 3.4))
    hue_order = [w for w in dict.fromkeys(data["who"])] if hue else None
    if hue and theory.word("pooled_name", lang) in hue_order:
        pooled = theory.word("pooled_name", lang)
        hue_order = [w for w in hue_order if w != pooled] + [pooled]
    sns.barplot(
        data=data,
        x="x",
        y="value",
        hue=hue,
        hue_order=hue_order,
        ax=ax,
        color="#2f6f9f",
        palette="colorblind" if hue else None,
        errorbar=None,
    )
    if threshold_chart and criterion.field == "value":
        threshold = criterion.threshold * (100 if kind == "share" else 1)
        ax.axhline(threshold, color="#444444", linestyle="--", linewidth=1)
    ax.set_xlabel("")
    ax.set_ylabel(
        {"share": "%", "mean": theory.word("value", lang), "count": theory.word("n", lang)}[kind]
    )
    if hue:
        ax.legend(title="", fontsize=8, frameon=False, bbox_to_anchor=(1.01, 1), loc="upper left")
    ax.tick_params(axis="x", labelsize=8)
    fig.tight_layout()
    return svg_from_figure(fig)


def _figure_data(cells, indicator, unit, theory, lang) -> pd.DataFrame:
    c = indicator.criterion
    who = _municipalities_shown(cells, unit)
    part = cells[(cells["table"] == c.table) & cells["municipality"].isin(who)]
    if c.kind in ("rises", "falls"):
        part = series_cells(part, c.table, c.label)
        x = part["point"].map(lambda point: theory.column_label(point, lang))
    elif c.kind == "more_positive_than_negative":
        part = part[part["column"] == c.column]
        x = part["label_display"]
    else:
        part = part[part["column"] == (c.column or "Total")]
        if c.label is not None:
            part = part[part["label"] == c.label]
        x = part["municipality"].map(lambda m: _name(m, theory, lang))
    field_name = c.field if c.kind in ("at_least", "at_most") else "value"
    values = part[field_name].where(~part["suppressed"].astype(bool))
    names = part["municipality"].map(lambda m: _name(m, theory, lang))
    return pd.DataFrame(
        {"x": x.to_numpy(), "value": values.to_numpy(dtype=float), "who": names.to_numpy()}
    )


def _name(municipality: str, theory: ProgrammeTheory, lang: str) -> str:
    return theory.word("pooled_name", lang) if municipality == POOLED else municipality


def _municipalities_shown(cells: pd.DataFrame, unit: Unit) -> list[str]:
    if not unit.is_pooled:
        return [unit.name]
    others = sorted(m for m in cells["municipality"].unique() if m != POOLED)
    return others + [POOLED]


# ------------------------------------------------------------------------ the diagram (SVG) --


def programme_theory_svg(
    theory: ProgrammeTheory, level_id: str, statuses: dict[str, str] | None, lang: str
) -> str:
    """The programme theory as boxes left to right, ``level_id`` highlighted.

    Each level shows one dot per indicator coloured and marked by its assessment
    (``statuses`` maps indicator id to status; missing ids count as too little data).
    ``statuses=None`` draws no dots: the trial's chapter does not assess the monitoring's
    indicators, and grey "too little data" dots would suggest it tried.
    The SVG is written by hand so it is small, deterministic and readable as text.

    Examples
    --------
    >>> svg = programme_theory_svg(load_programme_theory(), "output", {}, "en")
    >>> svg.startswith("<svg") and "Output" in svg and "Frame conditions" in svg
    True
    """
    width, box_w, box_h, gap, top = 900, 155, 118, 22, 10
    parts = [
        f"<svg xmlns='http://www.w3.org/2000/svg' viewBox='0 0 {width} 190' role='img' "
        f"class='theory-diagram' aria-label='{_e(theory.title.get(lang))}'>",
        "<defs><marker id='arrow' markerWidth='8' markerHeight='8' refX='7' refY='4' "
        "orient='auto'><path d='M0,0 L8,4 L0,8 z' fill='#555'/></marker></defs>",
    ]
    for i, level in enumerate(theory.levels):
        x = 10 + i * (box_w + gap)
        current = level.id == level_id
        fill, stroke, weight = ("#dbeafe", "#1d4ed8", 3) if current else ("#f8fafc", "#94a3b8", 1)
        parts.append(
            f"<g class='level{' current' if current else ''}' data-level='{_e(level.id)}'>"
            f"<rect x='{x}' y='{top}' width='{box_w}' height='{box_h}' rx='8' fill='{fill}' "
            f"stroke='{stroke}' stroke-width='{weight}'/>"
        )
        for j, line in enumerate(_wrap(level.title.get(lang), 18)):
            parts.append(
                f"<text x='{x + box_w / 2}' y='{top + 24 + j * 17}' text-anchor='middle' "
                f"font-size='14' font-weight='{'bold' if current else 'normal'}' "
                f"font-family='sans-serif' fill='#111'>{_e(line)}</text>"
            )
        for k, indicator in enumerate(level.indicators if statuses is not None else ()):
            status = statuses.get(indicator.id, "too_little_data")
            colour, symbol = STATUS_STYLE[status]
            cx, cy = x + 22 + (k % 5) * 29, top + 78 + (k // 5) * 28
            parts.append(
                f"<g class='indicator-dot' data-indicator='{_e(indicator.id)}' "
                f"data-status='{status}'><title>{_e(indicator.title.get(lang))}</title>"
                f"<circle cx='{cx}' cy='{cy}' r='11' fill='{colour}'/>"
                f"<text x='{cx}' y='{cy + 5}' text-anchor='middle' font-size='13' "
                f"font-family='sans-serif' fill='#fff'>{symbol}</text></g>"
            )
        parts.append("</g>")
        if i + 1 < len(theory.levels):
            ay = top + box_h / 2
            parts.append(
                f"<line x1='{x + box_w + 2}' y1='{ay}' x2='{x + box_w + gap - 3}' y2='{ay}' "
                "stroke='#555' stroke-width='2' marker-end='url(#arrow)'/>"
            )
    effort = theory.levels[0]
    frame_titles = " · ".join(f.title.get(lang) for f in effort.frame_conditions)
    parts.append(
        f"<rect x='10' y='{top + box_h + 14}' width='{width - 20}' height='40' rx='6' "
        "fill='#fef9c3' stroke='#ca8a04'/>"
        f"<text x='{width / 2}' y='{top + box_h + 31}' text-anchor='middle' font-size='12' "
        f"font-family='sans-serif' font-weight='bold' fill='#111'>"
        f"{_e(theory.word('frame_conditions', lang))}</text>"
        f"<text x='{width / 2}' y='{top + box_h + 47}' text-anchor='middle' font-size='11' "
        f"font-family='sans-serif' fill='#111'>{_e(frame_titles)}</text></svg>"
    )
    return "".join(parts)


def _wrap(text: str, width: int) -> list[str]:
    words, lines, line = text.split(), [], ""
    for word in words:
        if line and len(line) + 1 + len(word) > width:
            lines.append(line)
            line = word
        else:
            line = f"{line} {word}".strip()
    return lines + [line] if line else lines


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
        A monitoring export or a published-cells CSV; ``None`` for the bundled data.
    lang
        ``"da"`` or ``"en"``.
    min_cell
        Minimum cell size for suppression (used when ``data_path`` is an export).
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
        cells = cells if cells is not None else load_cells(data_path, min_cell, lang)
        self.cells = cells[cells["municipality"].isin(self._municipality_names())]
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
        # "Alle" compares the project's municipalities; a trial municipality is not one of them.
        units = [u for u in self.all_units if not u.is_pooled and not u.trial]
        if not self.unit.is_pooled:
            units = [self.unit]
        rows = {u.name: self._organisation_row(u) for u in units}
        frame = pd.DataFrame.from_dict(rows, orient="index")
        heading = self.word("organisations" if self.unit.is_pooled else "organisation")
        parts = [f"<h2>{_e(heading)}</h2>"]
        if not self.unit.is_pooled:
            key = "description" if self.lang == "da" else "description_en"
            if self.unit.facts.get(key):
                parts.append(f"<p>{_e(self.unit.facts[key])}</p>")
        parts.append(html_table(frame, first_header=self.word("municipality")))
        if self.unit.trial:
            parts.append(self._trial_facts())
        return "".join(parts)

    def _trial_facts(self) -> str:
        """The trial's design and costs as the sources print them (municipalities file)."""
        facts, w, lang = self.unit.facts, self.word, self.lang
        trial = facts.get("trial_details") or {}
        costs = facts.get("costs") or {}
        expansion = facts.get("expansion") or {}

        def value(entry):
            return entry.get("value") if isinstance(entry, dict) else entry

        rows = {}
        if trial:
            rows[w("trial_design")] = w("trial_design_lottery")
            period = trial.get("project_period") or {}
            years = value(trial.get("duration_years"))
            if period.get("start") and period.get("end"):
                text = f"{str(period['start'])[:4]}–{str(period['end'])[:4]}"
                rows[w("trial_period")] = (
                    f"{text} ({_number(years, lang)} {w('years')})" if years else text
                )
            for key in ("institutions", "children_intervention", "children_control"):
                if value(trial.get(key)) is not None:
                    rows[w(f"trial_{key}")] = _number(value(trial[key]), lang)
        if value(costs.get("yearly_cost_mio_dkk")) is not None:
            rows[w("yearly_cost")] = (
                f"{_number(value(costs['yearly_cost_mio_dkk']), lang)} {w('million_dkk')}"
            )
        for key in ("social_worker_fte", "project_management_and_evaluation_fte"):
            if value(costs.get(key)) is not None:
                rows[w(key)] = _number(value(costs[key]), lang)
        if value(expansion.get("social_workers_to")) is not None:
            rows[w("expansion")] = w("expansion_text").format(
                start=_number(value(expansion.get("social_workers_from")), lang),
                end=_number(value(expansion["social_workers_to"]), lang),
                institutions=_number(value(expansion.get("institutions")), lang),
            )
        if not rows:
            return ""
        frame = pd.DataFrame({w("value"): list(rows.values())}, index=list(rows))
        note_key = "note" if lang == "en" else "note_da"
        note = costs.get(note_key, "")
        source = trial.get("evaluation", "")
        notes = " ".join(t for t in (note, f"{w('source')}: {source}." if source else "") if t)
        return (
            f"<h2>{_e(w('trial_facts'))}</h2>"
            + html_table(frame, first_header="")
            + (f"<p class='note'>{_e(notes)}</p>" if notes else "")
        )

    def _organisation_row(self, unit: Unit) -> dict[str, str]:
        facts, w = unit.facts, self.word
        institutions = facts.get("institutions") or {}
        names = institutions.get("names") or []
        workers = facts.get("social_workers") or {}
        role = workers.get("role_in_project")
        if self.lang == "da" and workers.get("function_as_printed"):
            function = workers["function_as_printed"]
        else:
            function = w(f"role_{role}") if role in ("advisory", "authority_and_advisory") else ""
        monitoring = facts.get("monitoring") or {}
        registered = monitoring.get("registered_children")
        if registered is None:
            # The report's Figure 6-1 lost its bars; the published cells carry the count.
            registered = self._registered_count(unit.name)
        if not unit.monitored:
            registered_text = w("not_monitored")
        else:
            registered_text = "" if registered is None else str(registered)
        return {
            w("institutions"): f"{institutions.get('count', '')}"
            + (f" ({', '.join(names)})" if names else ""),
            w("social_workers"): str(workers.get("count", "")),
            w("function"): function,
            w("time"): self._time_text(facts.get("time") or {}),
            w("registered_children"): registered_text,
        }

    def _registered_count(self, name: str) -> int | None:
        rows = self.cells[(self.cells["table"] == "6-1") & (self.cells["municipality"] == name)]
        if len(rows) != 1 or bool(rows["suppressed"].iloc[0]) or pd.isna(rows["count"].iloc[0]):
            return None
        return int(rows["count"].iloc[0])

    def _time_text(self, time: dict) -> str:
        w = self.word
        if not time.get("hours"):
            # Copenhagen states its staffing in full-time equivalents, not hours.
            fte = time.get("fte")
            return f"{_number(fte, self.lang)} {w('fte')}" if fte else ""
        hours = format_value(float(time["hours"]), "count", self.lang)
        per = {"week": w("per_week"), "fortnight": w("per_fortnight")}.get(time.get("per"), "")
        scope = {
            "per_institution": w("scope_per_institution"),
            "all_institutions": w("scope_all_institutions"),
        }.get(time.get("scope"), "")
        admin = {"included": w("admin_included"), "in_addition": w("admin_in_addition")}.get(
            time.get("admin_time"), ""
        )
        text = f"{w('about')} {hours} {w('hours')} {per} {scope}".strip()
        return f"{text} ({admin})" if admin else text

    def render_indicator(self, indicator: Indicator) -> str:
        """One indicator: question, success criterion, table, figure and assessment."""
        lang, c = self.lang, indicator.criterion
        parts = [
            f"<section class='indicator' id='ind-{_e(indicator.id)}' "
            f"data-indicator='{_e(indicator.id)}'>",
            f"<h2>{_e(indicator.title.get(lang))}</h2>",
            f"<p class='question'><strong>{_e(self.word('question'))}:</strong> "
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
        svg = indicator_figure(self.cells, indicator, self.unit, self.theory, lang)
        if svg:
            parts.append(f"<figure class='chart'>{svg}</figure>")
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
            who=part["municipality"].map(lambda m: _name(m, self.theory, self.lang)),
        )
        order = [_name(m, self.theory, self.lang) for m in _municipalities_shown(part, self.unit)]
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
