""""Kort fortalt": the answer to "does it work here, and how sure are we?" in a few lines.

Generated from the assessments, never written by hand, so it cannot say more than the
figures do: per level, how many indicators are met, not met, show no clear change or cannot be
assessed; how the unit compares with the municipalities pooled; and, always, that the
monitoring has no comparison group (the chapter's design note, right after the summary).
"""

from __future__ import annotations

from collections import Counter

from dsr_analysis.programme_theory import STATUSES, Level, ProgrammeTheory
from dsr_analysis.report.assessment import Assessment
from dsr_analysis.report.assessment_html import judged_text
from dsr_analysis.report.diagram import STATUS_STYLE
from dsr_analysis.report.text import escape as _e


def counts_text(results: list[Assessment], theory: ProgrammeTheory, lang: str) -> str:
    """"2 opfyldt, 1 uden klar ændring og 1 kan ikke vurderes" (statuses that occur only).

    Examples
    --------
    >>> from dsr_analysis.programme_theory import load_programme_theory
    >>> results = [Assessment("a", "met"), Assessment("b", "met"),
    ...            Assessment("c", "too_little_data")]
    >>> counts_text(results, load_programme_theory(), "en")
    '2 met and 1 that cannot be assessed (too few or hidden figures)'
    """
    counts = Counter(r.status for r in results)
    parts = [theory.word(f"count_{s}", lang).format(n=counts[s]) for s in STATUSES if counts[s]]
    if len(parts) < 2:
        return "".join(parts)
    return ", ".join(parts[:-1]) + f" {theory.word('and', lang)} " + parts[-1]


def symbol_counts(results: list[Assessment]) -> str:
    """Compact counts as symbols, e.g. "✓ 2 ≈ 1 ? 1", with the colours of the badges."""
    counts = Counter(r.status for r in results)
    return " ".join(
        f"<span class='count' style='color:{STATUS_STYLE[s][0]}'>{STATUS_STYLE[s][1]}&nbsp;"
        f"{counts[s]}</span>"
        for s in STATUSES
        if counts[s]
    )


def _pooled_line(results: list[Assessment], theory: ProgrammeTheory, lang: str) -> str:
    pooled = theory.word("summary_pooled", lang).format(pooled=theory.word("pooled_name", lang))
    return f"<p>{_e(pooled)} {_e(counts_text(results, theory, lang))}.</p>"


def level_summary_html(
    level: Level,
    own: dict[str, Assessment],
    pooled: dict[str, Assessment] | None,
    name: str,
    theory: ProgrammeTheory,
    lang: str,
) -> str:
    """A chapter's own summary: its level's outcomes, one line per indicator, the pooled four.

    ``own`` and ``pooled`` map indicator id to assessment (``pooled`` None for the pooled unit
    itself).
    """
    results = [own[i.id] for i in level.indicators]
    lines = [
        f"<p>{_e(theory.word('summary_level', lang).format(name=name, total=len(results)))} "
        f"{_e(counts_text(results, theory, lang))}.</p>"
    ]
    items = []
    for indicator in level.indicators:
        result = own[indicator.id]
        symbol = STATUS_STYLE[result.status][1]
        judged = judged_text(result, indicator, theory, lang)
        detail = f": {judged}" if judged else ""
        items.append(
            f"<li data-status='{result.status}'><span class='symbol'>{symbol}</span> "
            f"<a href='#ind-{_e(indicator.id)}'>{_e(indicator.title.get(lang))}</a>"
            f"{_e(detail)}</li>"
        )
    lines.append(f"<ul class='summary-indicators'>{''.join(items)}</ul>")
    if pooled is not None:
        pooled_results = [pooled[i.id] for i in level.indicators]
        lines.append(_pooled_line(pooled_results, theory, lang))
    return _section(theory, lang, "".join(lines))


def set_summary_html(
    own: dict[str, Assessment],
    pooled: dict[str, Assessment] | None,
    name: str,
    theory: ProgrammeTheory,
    lang: str,
    compact: bool = False,
) -> str:
    """A report set's summary: every level's outcomes for the unit beside the pooled four.

    ``compact`` leaves out the section heading (the index shows it under each unit's
    heading).
    """
    results = list(own.values())
    lead = theory.word("summary_set", lang).format(name=name, total=len(results))
    lines = [f"<p>{_e(lead)} {_e(counts_text(results, theory, lang))}.</p>"]
    if pooled is not None:
        lines.append(_pooled_line(list(pooled.values()), theory, lang))
    head = f"<th scope='col'>{_e(theory.word('level', lang))}</th><th scope='col'>{_e(name)}</th>"
    if pooled is not None:
        head += f"<th scope='col'>{_e(theory.word('pooled_name', lang))}</th>"
    rows = []
    for level in theory.levels:
        ids = [i.id for i in level.indicators]
        cells = f"<td>{symbol_counts([own[i] for i in ids])}</td>"
        if pooled is not None:
            cells += f"<td>{symbol_counts([pooled[i] for i in ids])}</td>"
        rows.append(f"<tr><th scope='row'>{_e(level.title.get(lang))}</th>{cells}</tr>")
    lines.append(
        f"<table class='cells summary-table'><thead><tr>{head}</tr></thead>"
        f"<tbody>{''.join(rows)}</tbody></table>"
    )
    if compact:
        return "".join(lines)
    return _section(theory, lang, "".join(lines))


def notice_summary_html(text: str, theory: ProgrammeTheory, lang: str) -> str:
    """A summary that is a single sentence (a unit with nothing to assess)."""
    return _section(theory, lang, f"<p>{_e(text)}</p>")


def _section(theory: ProgrammeTheory, lang: str, body: str) -> str:
    return (
        f"<section class='summary' aria-labelledby='summary-title'>"
        f"<h2 id='summary-title'>{_e(theory.word('summary_title', lang))}</h2>{body}</section>"
    )
