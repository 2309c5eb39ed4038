"""An assessment as a reader sees it: the outcome, the figure judged with its interval, n.

Every line links to the paragraph of the report set's method page that explains it
(``method.html#assessment``, ``#n``, ``#criterion``), and the criterion is called what it is:
the package's operationalisation of an expected result of the evaluation, with its source and
the reason for its threshold.
"""

from __future__ import annotations

import math

from dsr_analysis.programme_theory import Indicator, ProgrammeTheory
from dsr_analysis.report.assessment import Assessment
from dsr_analysis.report.diagram import STATUS_STYLE
from dsr_analysis.report.text import display_label, format_bound, format_change, format_value
from dsr_analysis.report.text import escape as _e
from dsr_analysis.report.units import METHOD_PAGE


def method_link(anchor: str, text: str) -> str:
    """A link to a paragraph of the unit's method page."""
    return f"<a class='method-link' href='{METHOD_PAGE}#{_e(anchor)}'>{_e(text)}</a>"


def badge(status: str, theory: ProgrammeTheory, lang: str) -> str:
    """The outcome as a coloured badge with its symbol (readable without colour)."""
    colour, symbol = STATUS_STYLE[status]
    word = theory.status_words[status].get(lang)
    return f"<span class='badge' style='background:{colour}'>{symbol} {_e(word)}</span>"


def _in_sentence(label: str) -> str:
    """A column label inside a sentence: without its dates, lower-case ("periode 1")."""
    label = label.split(" (")[0]
    return label[:1].lower() + label[1:]


def judged_text(result: Assessment, indicator: Indicator, theory: ProgrammeTheory,
                lang: str) -> str:
    """The figure the criterion judges, in words, with its interval ("" if there is none)."""
    if math.isnan(result.estimate):
        return ""
    c = indicator.criterion
    info = theory.tables[c.table]
    kind = info.kind

    def word(key: str) -> str:
        return theory.word(key, lang)

    if result.exact:
        return word("assess_count").format(value=format_value(result.estimate, "count", lang))
    if c.kind in ("rises", "falls"):
        unit = (word("unit_percentage_points") if kind == "share"
                else word(f"unit_{info.unit or 'points'}"))
        text = word("assess_change").format(
            start=_in_sentence(theory.column_label(c.start, lang)),
            end=_in_sentence(theory.column_label(c.end, lang)),
            change=format_change(result.estimate, kind, lang),
            unit=unit,
        )
        change = True
    elif c.kind == "more_positive_than_negative":
        text = word("assess_balance").format(change=format_change(result.estimate, "share", lang))
        kind, change = "share", True
    else:
        text = word("assess_share").format(value=format_value(result.estimate, kind, lang))
        change = False
    interval = word("assess_interval").format(
        low=format_bound(result.low, kind, lang, change),
        high=format_bound(result.high, kind, lang, change),
    )
    return f"{text} ({interval})"


def assessment_html(result: Assessment, indicator: Indicator, theory: ProgrammeTheory,
                    lang: str) -> str:
    """The assessment line of an indicator.

    Examples
    --------
    >>> from dsr_analysis.programme_theory import load_programme_theory
    >>> theory = load_programme_theory()
    >>> indicator = theory.level("immediate").indicators[0]
    >>> result = Assessment(indicator.id, "met", (73, 74), (0.52, 0.77), 0.25, 0.095, 0.389)
    >>> html = assessment_html(result, indicator, theory, "da")
    >>> "+25 procentpoint" in html and "+10 til +39" in html and "n = 73 / 74" in html
    True
    """

    def word(key: str) -> str:
        return theory.word(key, lang)

    parts = [
        f"<p class='assessment' data-status='{result.status}'>",
        f"<strong>{_e(word('assessment'))}:</strong> {badge(result.status, theory, lang)} ",
    ]
    judged = judged_text(result, indicator, theory, lang)
    if judged:
        parts.append(f"{_e(judged)}. ")
    if result.reason:
        reason = word(f"reason_{result.reason}").format(min_n=indicator.criterion.min_n)
        parts.append(f"{_e(reason[:1].upper() + reason[1:])}. ")
    if result.n and any(n != 0 for n in result.n):
        mark = word("suppressed")
        n_text = " / ".join(mark if n is None else str(n) for n in result.n)
        explained = word("n_two" if len(result.n) == 2 else "n_one")
        parts.append(f"<span class='n'>n = {_e(n_text)} ({_e(explained.split('= ', 1)[-1])})"
                     "</span>. ")
    parts.append(method_link("assessment", word("method_more")))
    parts.append("</p>")
    return "".join(parts)


def criterion_html(indicator: Indicator, theory: ProgrammeTheory, lang: str) -> str:
    """The success criterion, named as the package's, with the result it stands for."""
    c = indicator.criterion

    def word(key: str) -> str:
        return theory.word(key, lang)

    source = display_label(c.source.get(lang), theory, lang) if c.source else ""
    why = c.why.get(lang) if c.why else ""
    details = " ".join(t for t in (source, why) if t)
    return (
        f"<p class='criterion'><strong>{_e(word('criterion_package'))}:</strong> "
        f"{_e(c.text.get(lang))}"
        + (f" <span class='criterion-source'>{_e(details)}</span>" if details else "")
        + f" {method_link('criterion', word('criterion_more'))}</p>"
    )
