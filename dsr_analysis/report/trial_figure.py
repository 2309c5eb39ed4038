"""The trial chapter's figure: each primary difference with its two intervals (table KBH-6).

Drawn from the published cells alone, like the indicator figures: Okabe–Ito colours, ticks in
the page's language, inline SVG that is the same on every run.
"""

from __future__ import annotations

import matplotlib.pyplot as plt
import pandas as pd

from dsr_analysis.report.figures import accessible_svg, svg_from_figure
from dsr_analysis.report.text import escape, number_text
from dsr_analysis.report.trial_text import (
    EFFECTS_TABLE,
    cell_text,
    chapter_theory,
    load_trial_layout,
    primary_outcomes,
    scale,
)


def figure_html(figure: plt.Figure) -> str:
    """Return a figure as inline SVG the same on every run, as the other chapters show them,
    with the alt text and caption the figure carries (see :func:`effects_figure`)."""
    svg = svg_from_figure(figure)
    if getattr(figure, "dsr_title", ""):
        svg = accessible_svg(svg, "fig-trial-effects", figure.dsr_title, figure.dsr_description)
    caption = getattr(figure, "dsr_caption", "")
    caption = f"<figcaption>{escape(caption)}</figcaption>" if caption else ""
    return f"<figure class='chart'>{svg}{caption}</figure>"


def effects_figure(cells: pd.DataFrame, language: str = "da") -> plt.Figure:
    """Return a figure of each primary difference with its cluster-robust and naive intervals.

    One panel per outcome (their units differ), its n in the panel's title; a published figure
    is marked with a cross, a suppressed estimate with the report's hidden word. The figure
    carries its caption and alt text (``dsr_title``, ``dsr_description``, ``dsr_caption``) for
    :func:`figure_html`. ``cells`` are published trial cells (only table KBH-6 is drawn).

    Examples
    --------
    >>> cells = pd.DataFrame({"table": "KBH-6", "code": "support",
    ...     "column": ["Med hensyn til institutionerne"],
    ...     "value": [0.03], "ci_low": [0.01], "ci_high": [0.05], "published": [float("nan")],
    ...     "n": [100.0], "suppressed": [False], "synthetic": [True]})
    >>> figure = effects_figure(cells)
    >>> len(figure.axes), figure.dsr_caption.endswith("syntetiske data.")
    (4, True)
    """
    from dsr_analysis.report.figure_style import STYLE

    layout = load_trial_layout()
    theory = chapter_theory()
    outcomes = primary_outcomes()
    part = cells[cells["table"].eq(EFFECTS_TABLE)]
    described = []
    with plt.rc_context(STYLE):
        figure, axes = plt.subplots(len(outcomes), 1, figsize=(7, 7), layout="constrained")
        for axis, outcome in zip(axes, outcomes, strict=True):
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
        table=EFFECTS_TABLE, data=data
    )
    return figure


def _effect_panel(axis, rows, layout, outcome, theory, language) -> list[str]:
    """Draw one outcome's two estimates; return them in words for the alt text."""
    from matplotlib.transforms import blended_transform_factory

    from dsr_analysis.report.figure_style import INK, OKABE_ITO, LocaleTicks

    factor = scale(layout["rows"][outcome]["unit"])
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
        bounds = [row["ci_low"] * factor, row["ci_high"] * factor]
        axis.plot(bounds, [position] * 2, color=INK, linewidth=1.6)
        axis.plot(row["value"] * factor, position, "o", color=OKABE_ITO["blue"], markersize=7)
        if pd.notna(row["published"]):
            axis.plot(
                row["published"] * factor,
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
