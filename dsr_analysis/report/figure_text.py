"""The words of an indicator figure: title, axis label, criterion line, caption and alt text.

All words come from ``report_text.words`` of the programme theory (the ``fig_*`` entries), so
the English edition needs no code; every number written here is a drawn cell's, formatted as the
tables format it, or the criterion's threshold.
"""

from __future__ import annotations

import pandas as pd

from dsr_analysis.programme_theory import Indicator, ProgrammeTheory
from dsr_analysis.report.figure_data import display, value_field
from dsr_analysis.report.questions import table_questions
from dsr_analysis.report.text import escape as _e
from dsr_analysis.report.text import format_value
from dsr_analysis.report.units import Unit


def _question_type(theory: ProgrammeTheory, table: str) -> str:
    """The type of the question behind ``table`` (``age``, ``scale10`` …; "" if none)."""
    question = table_questions(theory.questions_path).get(table)
    return question.type if question is not None else ""


def number_kind(indicator: Indicator, theory: ProgrammeTheory) -> str:
    """How the drawn numbers are written: "count" for a threshold on a count, else the table's."""
    if value_field(indicator) == "count":
        return "count"
    return theory.tables[indicator.criterion.table].kind


def axis_label(indicator: Indicator, theory: ProgrammeTheory, lang: str) -> str:
    """What the value axis measures, e.g. "Andel af børnene (%)" or "Gennemsnit (1–10)".

    Examples
    --------
    >>> from dsr_analysis.programme_theory import load_programme_theory
    >>> theory = load_programme_theory()
    >>> [axis_label(i, theory, "da") for i in theory.level("long_term").indicators][:2]
    ['Gennemsnitsalder (år)', 'Andel af børnene (%)']
    """
    kind = number_kind(indicator, theory)
    if kind == "mean":
        specific = f"fig_axis_mean_{_question_type(theory, indicator.criterion.table)}"
        if specific in theory.words:
            return theory.word(specific, lang)
    return theory.word(f"fig_axis_{kind}", lang)


def scale_maximum(indicator: Indicator, theory: ProgrammeTheory) -> float | None:
    """The top of a rating scale behind a mean (10 for a 1–10 scale), None for other numbers."""
    question = table_questions(theory.questions_path).get(indicator.criterion.table)
    return question.maximum if question is not None else None


def title(cells: pd.DataFrame, indicator: Indicator, theory: ProgrammeTheory, lang: str) -> str:
    """The table's title and the row or series the criterion reads ("Dialogens temaer i løbet
    af forløbet: Håndtering af forældreinddragelse"); the title alone for a one-row table."""
    c = indicator.criterion
    part = cells[cells["table"] == c.table]
    table_title = theory.tables[c.table].title.get(lang)
    if c.kind == "more_positive_than_negative":
        shown = display(part[part["column"] == c.column], "column", theory, lang)
        return f"{table_title}: {shown.iloc[0]}" if len(shown) else table_title
    if c.label is not None:
        for column in ("label", "column"):
            shown = display(part[part[column] == c.label], column, theory, lang)
            if len(shown):
                return f"{table_title}: {shown.iloc[0]}"
    return table_title


def subtitle(unit: Unit, theory: ProgrammeTheory, lang: str) -> str:
    """Who is compared: the municipality with the pooled four, or every municipality."""
    if unit.is_pooled:
        return theory.word("fig_subtitle_pooled", lang)
    return theory.word("fig_subtitle_municipality", lang).format(name=unit.name)


def criterion_label(indicator: Indicator, theory: ProgrammeTheory, lang: str) -> str:
    """The threshold line's label, e.g. "Kriterium: mindst 50 %"."""
    c = indicator.criterion
    threshold = format_value(c.threshold, number_kind(indicator, theory), lang)
    return theory.word(f"fig_criterion_{c.kind}", lang).format(threshold=threshold)


def caption_html(
    bars: pd.DataFrame, indicator: Indicator, theory: ProgrammeTheory, lang: str, synthetic: bool
) -> str:
    """The ``<figcaption>``: what the marks mean, the n behind each bar, the source table."""
    c = indicator.criterion

    def word(key: str) -> str:
        return theory.word(key, lang)

    sentences = []
    if c.kind in ("at_least", "at_most"):
        sentences.append(word("fig_threshold_note"))
    if bars["hidden"].any():
        sentences.append(word("fig_hidden_note").format(hidden=word("suppressed")))
    if bars["high"].notna().any():
        sentences.append(word("fig_ci_note"))
    # On a count the bar is the number of children itself; elsewhere n says what it rests on.
    if number_kind(indicator, theory) != "count":
        sentences.append(n_sentence(bars, theory, lang))
    data = word("fig_data_synthetic" if synthetic else "fig_data_monitoring")
    sentences.append(word("fig_source").format(table=c.table, data=data))
    return f"<figcaption>{_e(' '.join(sentences))}</figcaption>"


def _n_text(n: float, mark: str) -> str:
    # A blank n is a hidden group size: say so, never draw it as a dash or a zero.
    return mark if pd.isna(n) else f"{n:.0f}"


def n_sentence(bars: pd.DataFrame, theory: ProgrammeTheory, lang: str) -> str:
    """The n behind each bar: one per unit when they agree, else one per category.

    Examples
    --------
    >>> from dsr_analysis.programme_theory import load_programme_theory
    >>> bars = pd.DataFrame({"who": ["Kolding", "Kolding"], "category": ["P1", "P2"],
    ...                      "n": [20.0, 24.0]})
    >>> n_sentence(bars, load_programme_theory(), "da")
    'Antal børn (n) i P1 / P2: Kolding 20 / 24.'
    """
    categories = list(dict.fromkeys(bars["category"]))
    mark = theory.word("suppressed", lang)
    per_unit = dict(tuple(bars.groupby("who", sort=False)))
    if all(rows["n"].nunique(dropna=False) <= 1 for rows in per_unit.values()):
        items = [f"{who} {_n_text(rows['n'].iloc[0], mark)}" for who, rows in per_unit.items()]
        return theory.word("fig_n", lang).format(items="; ".join(items))
    items = [
        f"{who} "
        + " / ".join(
            _n_text(n, mark)
            for n in rows.drop_duplicates("category").set_index("category")["n"].reindex(categories)
        )
        for who, rows in per_unit.items()
    ]
    return theory.word("fig_n_by", lang).format(
        categories=" / ".join(categories), items="; ".join(items)
    )


def description(
    bars: pd.DataFrame, indicator: Indicator, theory: ProgrammeTheory, lang: str
) -> str:
    """The alt text: the chart's values in words, each hidden one said to be hidden."""
    kind = number_kind(indicator, theory)
    hidden_word = theory.word("suppressed", lang)
    parts = []
    for who, rows in bars.groupby("who", sort=False):
        items = []
        for row in rows.itertuples(index=False):
            shown = hidden_word if row.hidden else format_value(row.number, kind, lang)
            items.append(shown if row.category == who else f"{row.category} {shown}")
        parts.append(f"{who}: {', '.join(items)}")
    axis = axis_label(indicator, theory, lang)
    text = theory.word("fig_bar_chart", lang).format(axis=axis[:1].lower() + axis[1:])
    text += " " + "; ".join(parts) + "."
    if indicator.criterion.kind in ("at_least", "at_most"):
        text += " " + criterion_label(indicator, theory, lang) + "."
    if bars["hidden"].any():
        text += " " + theory.word("fig_desc_hidden", lang).format(hidden=hidden_word)
    return text
