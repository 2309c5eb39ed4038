"""How numbers and words appear on a page: formatting, escaping, and showing HTML in a kernel."""

from __future__ import annotations

import html
import re
from functools import lru_cache

import pandas as pd

from dsr_analysis.programme_theory import DisplayRules, ProgrammeTheory
from dsr_analysis.report.questions import table_questions

#: The minus sign (U+2212) every negative number is printed with; a hyphen is too short.
MINUS = "\u2212"


def number_text(value: float, decimals: int, lang: str) -> str:
    """A number as the report's language writes it: a decimal comma and a thousands dot in
    Danish, a point and a comma in English, a true minus sign, and never a negative zero.

    Examples
    --------
    >>> number_text(1234.5, 1, "da"), number_text(-0.25, 2, "da"), number_text(-0.25, 2, "en")
    ('1.234,5', '−0,25', '−0.25')
    >>> number_text(75121.16, 0, "da"), number_text(2.885, 1, "en")
    ('75.121', '2.9')
    >>> number_text(-0.001, 1, "da"), number_text(-0.02, 1, "en")
    ('0,0', '0.0')
    """
    text = f"{abs(value):,.{decimals}f}"
    if lang == "da":
        text = text.translate(str.maketrans(",.", ".,"))
    # float(): numpy's round scales by ten and can miss a tie the printed digits round up;
    # Python's rounds as the format does, so the sign follows the digits shown.
    negative = value < 0 and round(abs(float(value)), decimals) != 0
    return (MINUS if negative else "") + text


def question_text(theory: ProgrammeTheory, table: str, lang: str) -> str:
    """The question behind ``table`` in ``lang``, or the table's title if it has no question."""
    question = table_questions(theory.questions_path).get(table)
    if question is not None:
        return display_label(question.text(lang), theory, lang)
    return theory.tables[table].title.get(lang)


def table_lead(theory: ProgrammeTheory, table: str, lang: str) -> str:
    """The word before :func:`question_text`: "Spørgsmål" only before a question.

    A table that answers no question of the questionnaire (Figure 6-1 counts registrations)
    shows its title, introduced as what it is.

    Examples
    --------
    >>> from dsr_analysis.programme_theory import load_programme_theory
    >>> theory = load_programme_theory()
    >>> table_lead(theory, "7-9", "da"), table_lead(theory, "6-1", "da")
    ('Spørgsmål', 'Opgørelse')
    >>> table_lead(theory, "6-1", "en")
    'Figures'
    """
    asked = table in table_questions(theory.questions_path)
    return theory.word("question" if asked else "table_basis", lang)


# ----------------------------------------------------------------------------- display labels --


@lru_cache(maxsize=8)
def _instructions_pattern(fragments: tuple[str, ...]) -> re.Pattern | None:
    """The instructions to drop from a label's end, as one pattern (None if there are none)."""
    if not fragments:
        return None
    # An instruction follows its option after a space, comma or full stop: drop those too.
    return re.compile(r"[\s,.]*\b(?:" + "|".join(map(re.escape, fragments)) + r")[\s.]*$")


def display_label(text: str, theory: ProgrammeTheory, lang: str) -> str:
    """A printed label as a page shows it: without the questionnaire's instructions to the
    respondent, and with one spelling of a word the source spells two ways.

    ``tables.csv`` keeps the label as printed; only the pages use this. The instructions and
    spellings are data (``report_text.display_labels`` in the programme-theory file, read into
    ``theory.display_rules``).

    Examples
    --------
    >>> from dsr_analysis.programme_theory import load_programme_theory
    >>> theory = load_programme_theory()
    >>> display_label("Andet, beskriv her", theory, "da")
    'Andet'
    >>> display_label("Other, describe here", theory, "en")
    'Other'
    >>> display_label("Der er iværksat en foranstaltning efter Serviceloven. Skriv hvilken",
    ...               theory, "da")
    'Der er iværksat en foranstaltning efter serviceloven'
    >>> display_label("Ved ikke", theory, "da")
    'Ved ikke'
    """
    rules = theory.display_rules.get(lang, DisplayRules())
    shown = str(text)
    pattern = _instructions_pattern(rules.instructions)
    if pattern is not None:
        shown = pattern.sub("", shown)
    for printed, wanted in rules.spellings:
        shown = re.sub(rf"\b{re.escape(printed)}\b", wanted, shown)
    return shown


# ------------------------------------------------------------------------------ formatting --


def format_value(value: float, kind: str, lang: str) -> str:
    """Format a published value: shares as whole percentages, means with two decimals.

    A negative number gets a minus sign (U+2212), and a value that rounds to zero no sign.

    Examples
    --------
    >>> format_value(0.523, "share", "da"), format_value(4.3, "mean", "da")
    ('52 %', '4,30')
    >>> format_value(0.523, "share", "en"), format_value(4.3, "mean", "en")
    ('52%', '4.30')
    >>> format_value(-0.25, "mean", "da"), format_value(-0.001, "mean", "en")
    ('−0,25', '0.00')
    """
    if pd.isna(value):
        return ""
    if kind == "share":
        text = _signed(f"{value * 100:.0f}")
        return f"{text} %" if lang == "da" else f"{text}%"
    if kind == "count":
        return _signed(f"{value:.0f}")
    text = _signed(f"{value:.2f}")
    return text.replace(".", ",") if lang == "da" else text


def format_change(value: float, kind: str, lang: str) -> str:
    """A change or a difference, always signed: shares in percentage points, means as numbers.

    Examples
    --------
    >>> format_change(0.2497, "share", "da"), format_change(-0.5, "mean", "da")
    ('+25', '−0,50')
    >>> format_change(0.0, "share", "en")
    '0'
    """
    if pd.isna(value):
        return ""
    if kind == "share":
        text = _signed(f"{value * 100:.0f}")
    else:
        text = _signed(f"{value:.2f}")
        text = text.replace(".", ",") if lang == "da" else text
    return text if text.startswith(MINUS) or not re.search(r"[1-9]", text) else "+" + text


def format_bound(value: float, kind: str, lang: str, change: bool) -> str:
    """One bound of an interval, in the unit of the figure it bounds (no % sign)."""
    if change:
        return format_change(value, kind, lang)
    text = format_value(value, kind, lang)
    return text.replace(" %", "").replace("%", "")


def _signed(text: str) -> str:
    """A formatted number with a minus sign instead of a hyphen, and never a negative zero."""
    if not text.startswith("-"):
        return text
    return text[1:] if not re.search(r"[1-9]", text) else MINUS + text[1:]


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
    >>> format_number(-1.5, "da")
    '−1,5'
    """
    if value is None:
        return ""
    return number_text(value, 0 if float(value).is_integer() else 1, lang)


def escape(text: object) -> str:
    return html.escape(str(text), quote=True)


def show(fragment: str) -> None:
    """Display an HTML fragment as a cell output (a no-op outside a kernel)."""
    from IPython import get_ipython
    from IPython.display import HTML, display

    if fragment and get_ipython() is not None:
        display(HTML(fragment))

