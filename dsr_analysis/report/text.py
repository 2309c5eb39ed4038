"""How numbers and words appear on a page: formatting, escaping, and showing HTML in a kernel."""

from __future__ import annotations

import html
from functools import lru_cache

import pandas as pd

from dsr_analysis.errors import ConfigurationError
from dsr_analysis.programme_theory import ProgrammeTheory


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


def format_number(value: float | int | None, lang: str) -> str:
    """A figure from the municipalities file as printed: thousands separated, one decimal if any.

    Examples
    --------
    >>> format_number(5352, "da"), format_number(10.5, "da")
    ('5.352', '10,5')
    >>> format_number(5352, "en"), format_number(10.5, "en")
    ('5,352', '10.5')
    """
    if value is None:
        return ""
    text = f"{value:,.0f}" if float(value).is_integer() else f"{value:,.1f}"
    return text.translate(str.maketrans(",.", ".,")) if lang == "da" else text


def escape(text: object) -> str:
    return html.escape(str(text), quote=True)


def show(fragment: str) -> None:
    """Display an HTML fragment as a cell output (a no-op outside a kernel)."""
    from IPython import get_ipython
    from IPython.display import HTML, display

    if fragment and get_ipython() is not None:
        display(HTML(fragment))

