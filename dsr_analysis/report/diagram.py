"""The programme theory as an SVG diagram: levels left to right, indicators as coloured dots."""

from __future__ import annotations

from dsr_analysis.programme_theory import (
    MET,
    NO_CLEAR_CHANGE,
    NOT_MET,
    TOO_LITTLE_DATA,
    ProgrammeTheory,
)
from dsr_analysis.report.text import escape as _e

#: Assessment colours (Okabe-Ito, distinguishable under deuteranopia, dark enough for white
#: text) and symbols; the symbol keeps the meaning without colour vision and on paper.
STATUS_STYLE = {
    MET: ("#007a5a", "✓"),
    NOT_MET: ("#b34700", "✗"),
    NO_CLEAR_CHANGE: ("#0868ac", "≈"),
    TOO_LITTLE_DATA: ("#6b6b6b", "?"),
}


def programme_theory_svg(
    theory: ProgrammeTheory,
    level_id: str,
    statuses: dict[str, str] | None,
    lang: str,
    label: str = "",
) -> str:
    """The programme theory as boxes left to right, ``level_id`` highlighted.

    Each level shows one dot per indicator coloured and marked by its assessment
    (``statuses`` maps indicator id to status; missing ids count as too little data).
    ``statuses=None`` draws no dots: the trial's chapter does not assess the monitoring's
    indicators, nor can an unmonitored unit's, and grey "too little data" dots would suggest
    they were tried. ``label`` is then written in each box where the dots would be ("not
    monitored"). The SVG is written by hand so it is small, deterministic and readable as text.

    Examples
    --------
    >>> from dsr_analysis.programme_theory import load_programme_theory
    >>> svg = programme_theory_svg(load_programme_theory(), "output", {}, "en")
    >>> svg.startswith("<svg") and "Output" in svg and "Frame conditions" in svg
    True
    >>> svg = programme_theory_svg(load_programme_theory(), "output", None, "en", "not monitored")
    >>> svg.count("not monitored"), "indicator-dot" in svg
    (5, False)
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
        if statuses is None and label:
            parts.append(
                f"<text class='level-label' x='{x + box_w / 2}' y='{top + 83}' "
                "text-anchor='middle' font-size='12' font-style='italic' "
                f"font-family='sans-serif' fill='#374151'>{_e(label)}</text>"
            )
        for k, indicator in enumerate(level.indicators if statuses is not None else ()):
            status = statuses.get(indicator.id, TOO_LITTLE_DATA)
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

