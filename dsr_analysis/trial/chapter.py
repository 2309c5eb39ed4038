"""What the long-term chapter displays: its prose, formatted KBH tables, the comparison with the
published figures, a figure of the differences and the economy's assumptions.

The notebook ``notebooks/kbh_long_term.ipynb`` only calls these functions; all numbers come from
:func:`dsr_analysis.trial.cells.trial_cells`, so the chapter shows exactly the suppressed cells,
and all words from data (``data/trial/chapter_text.yml`` for the prose, ``tables.yml`` for the
labels), so ``language="en"`` gives the English edition. ``dsr reports`` runs it as the
long-term chapter of Copenhagen's report set, with the same parameters as the other chapters;
the ``*_html`` functions give the page the heading, diagram, tables and figure in the same form
as :mod:`dsr_analysis.report.chapter` gives the others.
"""

from __future__ import annotations

import math
from functools import lru_cache
from pathlib import Path

import matplotlib.pyplot as plt
import pandas as pd

from dsr_analysis.config import DEFAULT_MIN_CELL
from dsr_analysis.errors import ConfigurationError
from dsr_analysis.municipalities import load_municipalities
from dsr_analysis.programme_theory import ProgrammeTheory, load_programme_theory
from dsr_analysis.report.diagram import programme_theory_svg
from dsr_analysis.report.figures import accessible_svg, svg_from_figure
from dsr_analysis.report.html_tables import html_table
from dsr_analysis.report.text import escape, number_text
from dsr_analysis.trial import paths
from dsr_analysis.trial.cells import load_trial_tables, trial_cells
from dsr_analysis.trial.economy import load_economy
from dsr_analysis.trial.estimates import PRIMARY_OUTCOMES

_DECIMALS = {"count": 0, "percent": 1, "points": 1, "months": 1, "dkk": 0}
_RATIO_DECIMALS = {"icc": 3, "design_effect": 2, "variance_ratio": 2}
CHAPTER_TEXT_PATH = paths.TRIAL_DIR / "chapter_text.yml"
LANGUAGES = ("da", "en")


def trial_units() -> dict[str, str]:
    """Return unit id -> name of the municipalities with a trial (``trial: true``).

    Examples
    --------
    >>> trial_units()
    {'kobenhavn': 'København'}
    """
    return {str(e["id"]): str(e["name"]) for e in load_municipalities() if e.get("trial")}


def chapter_cells(
    municipality: str = "kobenhavn",
    data_path: Path | str | None = None,
    min_cell: int = DEFAULT_MIN_CELL,
    language: str = "da",
) -> pd.DataFrame:
    """Return the suppressed KBH cells for the chapter of ``municipality`` (a unit id).

    ``data_path`` is the folder of the trial's extract (``institutions.csv``, ``children.csv``);
    empty or ``None`` means the bundled synthetic trial.

    Raises
    ------
    ConfigurationError
        If ``municipality`` has no trial: only Copenhagen ran one.

    Examples
    --------
    >>> chapter_cells("odense")
    Traceback (most recent call last):
    ...
    dsr_analysis.errors.ConfigurationError: the trial exists only for kobenhavn, not 'odense'
    """
    units = trial_units()
    if municipality not in units:
        known = ", ".join(units)
        raise ConfigurationError(f"the trial exists only for {known}, not {municipality!r}")
    return trial_cells(data_dir=data_path or None, min_cell=min_cell, language=language)


@lru_cache(maxsize=1)
def chapter_theory() -> ProgrammeTheory:
    """The programme theory the chapter takes its titles and words from, read once per process
    (the notebook's functions and :mod:`~dsr_analysis.trial.summary` all ask for it)."""
    return load_programme_theory()


def heading_html(level_id: str, municipality: str = "kobenhavn", language: str = "da") -> str:
    """Return the chapter's heading as the other chapters print it: level title – unit name.

    Examples
    --------
    >>> heading_html("long_term")
    "<h1 class='chapter-title' data-level='long_term'>Virkning på lang sigt – København</h1>"
    """
    title = chapter_theory().level(level_id).title.get(language)
    name = trial_units().get(municipality, municipality)
    return (
        f"<h1 class='chapter-title' data-level='{escape(level_id)}'>"
        f"{escape(title)} – {escape(name)}</h1>"
    )


def diagram_html(level_id: str, municipality: str = "kobenhavn", language: str = "da") -> str:
    """Return the programme-theory diagram with ``level_id`` highlighted and no indicator dots.

    The trial answers the level's question itself; the monitoring's indicators are not
    assessed for Copenhagen, so none are drawn.

    Examples
    --------
    >>> "data-status" in diagram_html("long_term")
    False
    """
    theory = chapter_theory()
    svg = programme_theory_svg(theory, level_id, None, language)
    name = trial_units().get(municipality, municipality)
    caption = theory.word("diagram_caption_trial", language).format(name=name)
    return f"<figure class='diagram'>{svg}<figcaption>{escape(caption)}</figcaption></figure>"




@lru_cache(maxsize=4)
def load_chapter_text(path: Path | str = CHAPTER_TEXT_PATH) -> dict[str, dict]:
    """Read the chapter's prose: section id -> ``{"heading": {...} | None, "paragraphs": [...]}``.

    Raises
    ------
    ConfigurationError
        Naming the file and the section if a text lacks a language or is not text.

    Examples
    --------
    >>> list(load_chapter_text())[:3]
    ['intro', 'design', 'support']
    """
    path = Path(path)
    try:
        raw = paths.read_yaml(path)
    except OSError as error:
        raise ConfigurationError(f"cannot read {path.name}: {error.strerror}") from error
    sections = (raw or {}).get("sections") if isinstance(raw, dict) else None
    if not isinstance(sections, dict) or not sections:
        raise ConfigurationError(f"{path.name}: expected a mapping 'sections' of section ids")
    problems, checked = [], {}
    for key, section in sections.items():
        where = f"{path.name}: section {key!r}"
        if not isinstance(section, dict):
            problems.append(f"{where}: expected a mapping with heading and paragraphs")
            continue
        heading = section.get("heading")
        texts = ([("heading", heading)] if heading is not None else []) + [
            (f"paragraph {i + 1}", p) for i, p in enumerate(section.get("paragraphs") or [])
        ]
        for name, text in texts:
            if not isinstance(text, dict) or any(
                not isinstance(text.get(lang), str) or not text[lang].strip() for lang in LANGUAGES
            ):
                problems.append(f"{where}, {name}: expected text in both da and en")
        paragraphs = list(section.get("paragraphs") or [])
        checked[str(key)] = {"heading": heading, "paragraphs": paragraphs}
    if problems:
        raise ConfigurationError("\n".join(problems))
    return checked


def section_html(key: str, language: str = "da") -> str:
    """Return one section of the chapter's prose as HTML: its heading, then its paragraphs.

    Raises
    ------
    ConfigurationError
        If ``data/trial/chapter_text.yml`` has no section ``key``.

    Examples
    --------
    >>> section_html("design", "en")
    '<h2>How the trial was set up</h2>'
    >>> section_html("support")[:30]
    '<h2>Flere børn får støtte</h2>'
    """
    sections = load_chapter_text()
    if key not in sections:
        known = ", ".join(sections)
        raise ConfigurationError(f"chapter_text.yml has no section {key!r}; known: {known}")
    section = sections[key]
    heading = section["heading"]
    parts = [f"<h2>{escape(heading[language])}</h2>"] if heading else []
    parts += [f"<p>{escape(p[language])}</p>" for p in section["paragraphs"]]
    return "".join(parts)


def _scale(unit: str) -> float:
    return 100.0 if unit in ("percent", "points") else 1.0


def _decimals(unit: str, column_key: str) -> int:
    if unit == "ratio":
        return _RATIO_DECIMALS.get(column_key, 2)
    return _DECIMALS[unit]


def cell_text(cell: pd.Series, language: str = "da") -> str:
    """Return one cell as printed: value with its 95 % interval, or the word for a hidden cell.

    A hidden cell says so in the word the monitoring chapters use ("skjult" / "hidden").

    Examples
    --------
    >>> cell = pd.Series({"code": "support", "column_key": "intervention", "value": 0.0701,
    ...                   "ci_low": 0.0606, "ci_high": 0.081, "suppressed": False})
    >>> cell_text(cell), cell_text(cell, "en")
    ('7,0 (6,1; 8,1)', '7.0 (6.1 to 8.1)')
    >>> cell_text(cell.replace({False: True}), "en")
    'hidden'
    """
    layout = load_trial_tables()
    if cell["suppressed"]:
        return chapter_theory().word("suppressed", language)
    unit = layout["rows"][cell["code"]]["unit"]
    if cell["column_key"] in _RATIO_DECIMALS:
        unit = "ratio"
    scale, decimals = _scale(unit), _decimals(unit, cell["column_key"])
    text = number_text(cell["value"] * scale, decimals, language)
    if pd.isna(cell["ci_low"]) or pd.isna(cell["ci_high"]):
        return text
    bounds = [
        layout["text"]["infinite"][language]
        if math.isinf(bound)
        else number_text(bound * scale, decimals, language)
        for bound in (cell["ci_low"], cell["ci_high"])
    ]
    template = layout["text"]["with_interval"][language]
    return template.format(value=text, low=bounds[0], high=bounds[1])


def table_title(table_id: str, language: str = "da") -> str:
    """Return a KBH table's printed title.

    Examples
    --------
    >>> table_title("KBH-2")
    'Børn, der modtog støtte fra Socialforvaltningen i forsøgsperioden'
    """
    for table in load_trial_tables()["tables"]:
        if table["id"] == table_id:
            return table[f"title_{language}"]
    raise ConfigurationError(f"no trial table {table_id!r} in data/trial/tables.yml")


def table_caption(table_id: str, language: str = "da") -> str:
    """Return a KBH table's caption as Markdown: its number and title in bold.

    Examples
    --------
    >>> table_caption("KBH-1")
    '**Tabel KBH-1. Forsøgets design: institutioner og børn pr. arm**'
    """
    template = load_trial_tables()["text"]["caption"][language]
    return "**" + template.format(id=table_id, title=table_title(table_id, language)) + "**"


def data_note(cells: pd.DataFrame, language: str = "da") -> str:
    """Return the sentence saying what data the figures rest on (synthetic or register).

    Examples
    --------
    >>> data_note(pd.DataFrame({"synthetic": [True]}))[:11]
    '**Bemærk:**'
    """
    key = "synthetic_note" if bool(cells["synthetic"].any()) else "register_note"
    return load_trial_tables()["text"][key][language]


def display_table(cells: pd.DataFrame, table_id: str, language: str = "da") -> pd.DataFrame:
    """Return one KBH table as printed: rows by label, columns by header, text cells.

    ``cells`` are as :func:`chapter_cells` returns them.

    Examples
    --------
    >>> display_table(chapter_cells(), "KBH-4").columns.tolist()
    ['DSR-institutioner', 'Kontrolinstitutioner', 'Forskel']
    """
    layout = load_trial_tables()
    spec = next(t for t in layout["tables"] if t["id"] == table_id)
    keys = {layout["columns"][k][language]: k for k in spec["columns"]}
    part = cells[cells["table"].eq(table_id)].copy()
    part["column_key"] = part["column"].map(keys)
    part["text"] = [cell_text(row, language) for _, row in part.iterrows()]
    table = part.pivot(index="label", columns="column", values="text")
    rows = [layout["rows"][code][language] for code in spec["rows"]]
    # A row and column the table does not cover print "–", never a blank or "nan".
    dash = layout["text"]["not_covered"][language]
    table = table.reindex(index=rows, columns=list(keys), fill_value=dash).fillna(dash)
    table.index.name, table.columns.name = None, None
    return table


def table_html(cells: pd.DataFrame, table_id: str, language: str = "da") -> str:
    """Return one KBH table as the report's other tables look: HTML with its caption.

    Examples
    --------
    >>> table_html(chapter_cells(), "KBH-2")[:80]
    "<table class='cells'><caption>Tabel KBH-2. Børn, der modtog støtte fra Socialfor"
    """
    caption = load_trial_tables()["text"]["caption"][language]
    return html_table(
        display_table(cells, table_id, language),
        caption=caption.format(id=table_id, title=table_title(table_id, language)),
    )


def comparison_html(cells: pd.DataFrame, language: str = "da") -> str:
    """Return :func:`comparison_table` as an HTML table like the report's others."""
    figure = load_trial_tables()["text"]["figure"][language]
    return html_table(comparison_table(cells, language), first_header=figure)


def figure_html(figure: plt.Figure) -> str:
    """Return a figure as inline SVG the same on every run, as the other chapters show them,
    with the alt text and caption the figure carries (see :func:`effects_figure`)."""
    svg = svg_from_figure(figure)
    if getattr(figure, "dsr_title", ""):
        svg = accessible_svg(svg, "fig-trial-effects", figure.dsr_title, figure.dsr_description)
    caption = getattr(figure, "dsr_caption", "")
    caption = f"<figcaption>{escape(caption)}</figcaption>" if caption else ""
    return f"<figure class='chart'>{svg}{caption}</figure>"


def comparison_table(cells: pd.DataFrame, language: str = "da") -> pd.DataFrame:
    """Return every estimate the source published: estimate, interval, published figure.

    One row per published figure (KBH-6 repeats KBH-4 and is left out); the last column says
    whether the published figure lies inside the 95 % interval.

    Examples
    --------
    >>> table = comparison_table(chapter_cells())
    >>> len(table), table.iloc[:, -1].unique().tolist()
    (6, ['ja'])
    """
    layout = load_trial_tables()
    text = {key: words[language] for key, words in layout["text"].items()}
    shown = cells["published"].notna() & cells["ci_low"].notna() & ~cells["table"].eq("KBH-6")
    estimated = cells[shown].copy()
    keys = {v[language]: k for k, v in layout["columns"].items()}
    estimated["column_key"] = estimated["column"].map(keys)
    records = []
    for _, cell in estimated.iterrows():
        unit = layout["rows"][cell["code"]]["unit"]
        decimals = _decimals(unit, cell["column_key"])
        inside = cell["ci_low"] <= cell["published"] <= cell["ci_high"]
        records.append(
            {
                text["figure"]: f"{cell['table']}: {cell['label']}, {cell['column']}",
                text["estimate"]: cell_text(cell, language),
                text["published"]: number_text(
                    cell["published"] * _scale(unit), decimals, language
                ),
                text["inside"]: text["yes"] if inside else text["no"],
            }
        )
    return pd.DataFrame.from_records(records).set_index(text["figure"]).rename_axis(None)


def effects_figure(cells: pd.DataFrame, language: str = "da") -> plt.Figure:
    """Return a figure of each primary difference with its cluster-robust and naive intervals.

    One panel per outcome (their units differ), its n in the panel's title; a published figure
    is marked with a cross, a suppressed estimate with the report's hidden word. Drawn like
    the indicator figures: Okabe–Ito colours, ticks in the page's language. The figure carries
    its caption and alt text (``dsr_title``, ``dsr_description``, ``dsr_caption``) for
    :func:`figure_html`.

    Examples
    --------
    >>> from dsr_analysis.trial.cells import unsuppressed_trial_cells
    >>> from dsr_analysis.trial.synthetic import load_synthetic_spec, synthetic_trial
    >>> small = synthetic_trial(load_synthetic_spec().scaled(0.2))
    >>> figure = effects_figure(unsuppressed_trial_cells(small))
    >>> len(figure.axes), figure.dsr_caption.endswith("syntetiske data.")
    (4, True)
    """
    from dsr_analysis.report.figure_style import STYLE

    layout = load_trial_tables()
    theory = chapter_theory()
    part = cells[cells["table"].eq("KBH-6")]
    described = []
    with plt.rc_context(STYLE):
        figure, axes = plt.subplots(len(PRIMARY_OUTCOMES), 1, figsize=(7, 7), layout="constrained")
        for axis, outcome in zip(axes, PRIMARY_OUTCOMES, strict=True):
            rows = part[part["code"].eq(outcome)].set_index("column")
            said = _effect_panel(axis, rows, layout, outcome, theory, language)
            described.append(f"{layout['rows'][outcome][language]}: {'; '.join(said)}")
        figure.legend(handles=_effect_legend(theory, language), loc="outside lower center", ncols=2)
    plt.close(figure)
    synthetic = bool(cells["synthetic"].any())
    data = theory.word("fig_data_synthetic" if synthetic else "fig_data_register", language)
    figure.dsr_title = theory.word("fig_effects_title", language)
    figure.dsr_description = (
        theory.word("fig_effects_desc", language) + " " + ". ".join(described) + "."
    )
    figure.dsr_caption = theory.word("fig_effects_caption", language).format(
        table="KBH-6", data=data
    )
    return figure


def _effect_panel(axis, rows, layout, outcome, theory, language) -> list[str]:
    """Draw one outcome's two estimates; return them in words for the alt text."""
    from matplotlib.transforms import blended_transform_factory

    from dsr_analysis.report.figure_style import INK, OKABE_ITO, LocaleTicks

    scale = _scale(layout["rows"][outcome]["unit"])
    hidden = theory.word("suppressed", language)
    across = blended_transform_factory(axis.transAxes, axis.transData)
    said = []
    for position, key in ((1, "cluster"), (0, "naive")):
        column = layout["columns"][key][language]
        if column not in rows.index or rows.loc[column, "suppressed"]:
            axis.text(0.5, position, hidden, ha="center", va="center", transform=across)
            said.append(f"{column} {hidden}")
            continue
        row = rows.loc[column]
        bounds = [row["ci_low"] * scale, row["ci_high"] * scale]
        axis.plot(bounds, [position] * 2, color=INK, linewidth=1.6)
        axis.plot(row["value"] * scale, position, "o", color=OKABE_ITO["blue"], markersize=7)
        if pd.notna(row["published"]):
            axis.plot(
                row["published"] * scale,
                position,
                "x",
                color=OKABE_ITO["vermillion"],
                markersize=10,
                markeredgewidth=2,
            )
        said.append(f"{column} {_effect_text(row, key, language)}")
    axis.axvline(0, color="#9aa5b1", linewidth=0.8)
    names = [layout["columns"][key][language] for key in ("naive", "cluster")]
    axis.set_yticks([0, 1], names)
    axis.set_ylim(-0.6, 1.6)
    axis.xaxis.set_major_formatter(LocaleTicks(language))
    axis.grid(True, axis="x")
    n = rows["n"].max() if len(rows) else float("nan")
    n_text = "" if pd.isna(n) else f" · n = {number_text(n, 0, language)}"
    axis.set_title(layout["rows"][outcome][language] + n_text, fontsize=9.5, loc="left")
    return said


def _effect_legend(theory, language) -> list:
    from matplotlib.lines import Line2D

    from dsr_analysis.report.figure_style import INK, OKABE_ITO

    blue, vermillion = OKABE_ITO["blue"], OKABE_ITO["vermillion"]
    estimate = theory.word("fig_effects_estimate", language)
    published = theory.word("fig_effects_published", language)
    return [
        Line2D(
            [],
            [],
            color=INK,
            marker="o",
            markerfacecolor=blue,
            markeredgecolor=blue,
            label=estimate,
        ),
        Line2D(
            [],
            [],
            color=vermillion,
            marker="x",
            linestyle="none",
            markersize=9,
            markeredgewidth=2,
            label=published,
        ),
    ]


def _effect_text(row: pd.Series, column_key: str, language: str) -> str:
    """One KBH-6 estimate as its table prints it: value with its 95 % interval."""
    cell = row.copy()
    cell["column_key"] = column_key
    return cell_text(cell, language)


def assumptions_markdown(language: str = "da") -> str:
    """Return the economy's assumptions as a Markdown bullet list.

    Examples
    --------
    >>> assumptions_markdown().startswith("- Hele den årlige udgift på 5,8 mio. kr.")
    True
    """
    return "\n".join(f"- {text}" for text in load_economy().assumption_texts(language))


def suppression_note(min_cell: int = DEFAULT_MIN_CELL, language: str = "da") -> str:
    """Return the sentence explaining what a hidden cell is.

    Examples
    --------
    >>> suppression_note(5)[:50]
    'skjult: tallet vises ikke, fordi det bygger på fær'
    """
    word = chapter_theory().word("suppressed", language)
    note = load_trial_tables()["text"]["suppressed_note"][language]
    return note.format(min_cell=min_cell, suppressed=word)
