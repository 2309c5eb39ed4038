"""Indicator figures: seaborn charts of the published cells, as inline SVG that never changes."""

from __future__ import annotations

import io
import re

import pandas as pd

from dsr_analysis.cells import POOLED_NAME as POOLED
from dsr_analysis.programme_theory import Indicator, ProgrammeTheory, series_cells
from dsr_analysis.report.units import Unit


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
    who = municipalities_shown(cells, unit)
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
        x = part["municipality"].map(lambda m: unit_name(m, theory, lang))
    field_name = c.field if c.kind in ("at_least", "at_most") else "value"
    values = part[field_name].where(~part["suppressed"].astype(bool))
    names = part["municipality"].map(lambda m: unit_name(m, theory, lang))
    return pd.DataFrame(
        {"x": x.to_numpy(), "value": values.to_numpy(dtype=float), "who": names.to_numpy()}
    )


def unit_name(municipality: str, theory: ProgrammeTheory, lang: str) -> str:
    return theory.word("pooled_name", lang) if municipality == POOLED else municipality


def municipalities_shown(cells: pd.DataFrame, unit: Unit) -> list[str]:
    if not unit.is_pooled:
        return [unit.name]
    others = sorted(m for m in cells["municipality"].unique() if m != POOLED)
    return others + [POOLED]

