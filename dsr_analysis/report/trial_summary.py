""""Kort fortalt" for Copenhagen's trial chapter: each effect with its interval, in words.

The same first screen as the monitoring chapters (a ``section.summary``), from the trial's
published cells: the difference between DSR and control institutions in each primary outcome,
with its 95 % interval allowing for the institutions, and whether the interval excludes no
difference.
"""

from __future__ import annotations

import math

import pandas as pd

from dsr_analysis.report.text import escape
from dsr_analysis.report.trial_text import EFFECTS_TABLE, cell_text, chapter_theory


def summary_html(cells: pd.DataFrame, language: str = "da") -> str:
    """The trial chapter's "Kort fortalt" (an empty string if its table is missing).

    Examples
    --------
    >>> cells = pd.DataFrame({"table": "KBH-6", "code": "support", "label": "Received support",
    ...     "value": [0.03], "ci_low": [0.01], "ci_high": [0.05], "suppressed": [False]})
    >>> html = summary_html(cells, "en")
    >>> "In brief" in html and "3.0 (1.0 to 5.0) – a clear difference" in html
    True
    """
    theory = chapter_theory()

    def word(key: str) -> str:
        return theory.word(key, language)

    effects = cells[cells["table"] == EFFECTS_TABLE].drop_duplicates("code")  # the cluster column
    if effects.empty:
        return ""
    items = []
    for row in effects.itertuples(index=False):
        cell = pd.Series({**row._asdict(), "column_key": "cluster"})
        if row.suppressed or math.isnan(row.ci_low):
            verdict = word("trial_summary_hidden")
        elif row.ci_low > 0 or row.ci_high < 0:
            verdict = word("trial_summary_clear")
        else:
            verdict = word("trial_summary_unclear")
        items.append(f"<li>{escape(row.label)}: {escape(cell_text(cell, language))} – "
                     f"{escape(verdict)}</li>")
    return (
        "<section class='summary' aria-labelledby='summary-title'>"
        f"<h2 id='summary-title'>{escape(word('summary_title'))}</h2>"
        f"<p>{escape(word('trial_summary_lead'))}</p>"
        f"<ul class='summary-indicators'>{''.join(items)}</ul>"
        f"<p>{escape(word('trial_summary_note'))}</p></section>"
    )
