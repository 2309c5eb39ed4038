"""Indicator figures: bar charts of the published cells, as a ``<figure>`` whose SVG never changes.

:func:`indicator_figure` draws what :func:`~dsr_analysis.report.figure_data.figure_bars` selects:
the unit beside the pool, or the pooled municipalities beside "Alle". A suppressed cell is a
hatched placeholder of a fixed length marked with the report's hidden word, findable in the SVG
by its id, so it never reads as a zero. The ``<figure>`` lists every drawn cell in
``data-cells`` (hidden ones again in ``data-hidden-cells``) so an audit can check each against
the published cells; its caption names the source table and the n behind each bar, and the SVG
carries a ``<title>`` and a ``<desc>`` saying in words what the chart shows.
"""

from __future__ import annotations

import io
import re
import textwrap
from collections.abc import Sequence
from dataclasses import dataclass

import pandas as pd

from dsr_analysis.cells import is_synthetic
from dsr_analysis.programme_theory import Indicator, ProgrammeTheory
from dsr_analysis.report import figure_text
from dsr_analysis.report.figure_data import (
    entirely_hidden,
    figure_bars,
    municipalities_shown,
    unit_name,
)
from dsr_analysis.report.figure_style import (
    HIDDEN_EDGE,
    HIDDEN_FRACTION,
    INK,
    STYLE,
    LocaleTicks,
    unit_colours,
)
from dsr_analysis.report.text import escape as _e
from dsr_analysis.report.units import Unit

__all__ = [
    "indicator_chart", "indicator_figure", "municipalities_shown", "svg_from_figure", "unit_name",
]

#: The figure's width in inches and, roughly, its plot area's (after labels and margins).
FIGURE_WIDTH = 7.6
PLOT_WIDTH = 5.8


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


def accessible_svg(svg: str, figure_id: str, title: str, description: str) -> str:
    """The SVG as an image with a name and a description a screen reader announces.

    Examples
    --------
    >>> accessible_svg("<svg width='1'><g/></svg>", "f", "T", "D")  # doctest: +NORMALIZE_WHITESPACE
    '<svg role="img" aria-labelledby="f-title f-desc" width=\\'1\\'><title
    id="f-title">T</title><desc id="f-desc">D</desc><g/></svg>'
    """
    svg = _own_ids(svg, figure_id)
    opening = re.match(r"<svg\b[^>]*>", svg)
    if opening is None:
        raise ValueError("not an SVG document")
    labelled = f'<svg role="img" aria-labelledby="{figure_id}-title {figure_id}-desc"'
    return (
        opening.group(0).replace("<svg", labelled, 1)
        + f'<title id="{figure_id}-title">{_e(title)}</title>'
        + f'<desc id="{figure_id}-desc">{_e(description)}</desc>'
        + svg[opening.end() :]
    )


def _own_ids(svg: str, figure_id: str) -> str:
    """The SVG with every id (and every reference to one) prefixed by the figure's id.

    matplotlib names its groups ``figure_1``, ``axes_1`` … in every figure; a page holds
    several figures, and ids must be unique on a page.

    Examples
    --------
    >>> _own_ids('<g id="axes_1"><use xlink:href="#m1"/><path clip-path="url(#p2)"/></g>', "f")
    '<g id="f-axes_1"><use xlink:href="#f-m1"/><path clip-path="url(#f-p2)"/></g>'
    """
    prefix = figure_id + "-"

    def own(match: re.Match) -> str:
        name = match.group(2)
        return match.group(0) if name.startswith(prefix) else f"{match.group(1)}{prefix}{name}"

    return re.sub(r'(\bid="|href="#|url\(#)([^")]+)', own, svg)


def figure_id(indicator: Indicator) -> str:
    """The figure's id on the page; its SVG's ids start with it, so figures never clash."""
    return "fig-" + re.sub(r"[^A-Za-z0-9_-]", "-", indicator.id)


def indicator_figure(
    cells: pd.DataFrame,
    indicator: Indicator,
    unit: Unit,
    theory: ProgrammeTheory,
    lang: str,
    order: Sequence[str] = (),
    synthetic: bool | None = None,
) -> str:
    """The indicator's chart as a complete ``<figure>`` (SVG and caption), or "" if none.

    ``cells`` hold the unit's cells and the pooled ones (for the pooled unit: its
    municipalities' and the pooled). No chart is drawn when the unit publishes no visible cell
    of the indicator's table, or when every bar would be hidden. ``order`` deals out the
    municipalities' colours (:func:`~dsr_analysis.report.units.colour_order`); ``synthetic``
    says whether the caption marks the data as synthetic (None: as ``cells`` say).
    """
    bars = drawn_bars(cells, indicator, unit, theory, lang)
    if bars is None:
        return ""
    ident = figure_id(indicator)
    heading = figure_text.title(cells, indicator, theory, lang)
    sub = figure_text.subtitle(unit, theory, lang)
    svg = svg_from_figure(_chart(bars, indicator, theory, lang, ident, heading, sub, order))
    svg = accessible_svg(
        svg, ident, f"{heading} – {sub}", figure_text.description(bars, indicator, theory, lang)
    )
    drawn = ";".join(sorted(bars["key"]))
    hidden = ";".join(sorted(bars.loc[bars["hidden"], "key"]))
    if synthetic is None:
        synthetic = is_synthetic(cells)
    caption = figure_text.caption_html(bars, indicator, theory, lang, synthetic)
    return (
        f"<figure class='chart' id='{ident}' data-cells='{_e(drawn)}' "
        f"data-hidden-cells='{_e(hidden)}'>{svg}{caption}</figure>"
    )


def drawn_bars(cells: pd.DataFrame, indicator: Indicator, unit: Unit, theory: ProgrammeTheory,
               lang: str) -> pd.DataFrame | None:
    """The bars the indicator's chart draws, or None when no chart is drawn (see
    :func:`indicator_figure`)."""
    c = indicator.criterion
    if c.table not in theory.tables or entirely_hidden(cells, c.table, unit):
        return None
    bars = figure_bars(cells, indicator, unit, theory, lang)
    if bars.empty or bars["value"].notna().sum() == 0:
        return None
    return bars


def indicator_chart(
    cells: pd.DataFrame,
    indicator: Indicator,
    unit: Unit,
    theory: ProgrammeTheory,
    lang: str,
    order: Sequence[str] = (),
):
    """The indicator's chart as a matplotlib Figure (what :func:`indicator_figure` turns into
    SVG), or None when no chart is drawn; for a notebook, which shows the Figure itself."""
    bars = drawn_bars(cells, indicator, unit, theory, lang)
    if bars is None:
        return None
    heading = figure_text.title(cells, indicator, theory, lang)
    sub = figure_text.subtitle(unit, theory, lang)
    return _chart(bars, indicator, theory, lang, figure_id(indicator), heading, sub, order)


# ------------------------------------------------------------------------------- drawing --


def axis_top(bars: pd.DataFrame, indicator: Indicator, theory: ProgrammeTheory) -> float:
    """The end of the value axis: 100 % for shares, a rating scale's top, else a round number
    above the highest bar, interval and threshold (never a hidden number: those are NaN)."""
    from matplotlib.ticker import MaxNLocator

    kind = figure_text.number_kind(indicator, theory)
    if kind == "share":
        return 100.0
    scale = figure_text.scale_maximum(indicator, theory) if kind == "mean" else None
    if scale is not None:
        return float(scale)
    c = indicator.criterion
    highest = [bars["value"].max(), bars["high"].max()]
    if c.kind in ("at_least", "at_most"):
        highest.append(c.threshold)
    top = max((h for h in highest if pd.notna(h)), default=0.0)
    return float(MaxNLocator(nbins=5).tick_values(0, top * 1.08 or 1.0)[-1])


def _chart(bars, indicator, theory, lang, ident, heading, sub, order):
    # A Figure of its own, not pyplot's: drawing a chart never switches the backend of the
    # session it runs in (a researcher's notebook keeps its inline plots) and leaves no
    # figure open for the kernel to show.
    from matplotlib import rc_context
    from matplotlib.figure import Figure

    c = indicator.criterion
    categories = list(dict.fromkeys(bars["category"]))
    units = list(dict.fromkeys(bars["municipality"]))
    threshold = c.kind in ("at_least", "at_most")
    # Development categories are long and many: they read best as rows.
    horizontal = c.kind == "more_positive_than_negative"
    groups = 1 if threshold else len(units)
    slot = 0.6 if groups == 1 else 0.84 / groups
    thickness = slot * 0.9  # a small gap keeps neighbouring boxes apart
    top = axis_top(bars, indicator, theory)
    colours = unit_colours(units, order)
    hidden_word = theory.word("suppressed", lang)
    with rc_context(STYLE):
        if horizontal:
            size = (FIGURE_WIDTH, 1.6 + 0.24 * len(bars) + 0.12 * len(categories))
        else:
            size = (FIGURE_WIDTH, 4.0)
        fig = Figure(figsize=size, layout="constrained")
        ax = fig.subplots()
        # Whether the hidden word fits across a box or must run along it.
        across = horizontal or thickness * PLOT_WIDTH / len(categories) > 0.1 * len(hidden_word)
        for i, row in enumerate(bars.itertuples(index=False)):
            offset = 0.0 if groups == 1 else units.index(row.municipality) - (groups - 1) / 2
            place = categories.index(row.category) + offset * slot
            if row.hidden:
                box = Box(place, thickness, horizontal, f"{ident}-suppressed-{i}")
                _placeholder(ax, box, HIDDEN_FRACTION * top, hidden_word, across)
            else:
                box = Box(place, thickness, horizontal, f"{ident}-ci-{i}")
                _bar(ax, box, row, colours[row.municipality])
        # Units side by side need narrow labels; periods and categories have room.
        width = 28 if horizontal else 14 if threshold else 22
        names = [_wrap(str(name), width) for name in categories]
        _axes(ax, names, top, horizontal, indicator, theory, lang)
        if threshold:
            _threshold_line(ax, indicator, theory, lang)
        if groups > 1:
            _legend(fig, units, colours, theory, lang)
        fig.suptitle(textwrap.fill(heading, 75), x=0.0, ha="left", fontweight="bold", fontsize=11)
        ax.set_title(sub, loc="left", fontsize=9.5, fontweight="normal", color="#52606d", pad=8)
    return fig


@dataclass(frozen=True)
class Box:
    """Where one bar goes: its centre on the category axis, its thickness, its SVG id."""

    place: float
    thickness: float
    horizontal: bool
    gid: str

    def draw(self, ax, length: float, **style):
        if self.horizontal:
            return ax.barh(self.place, length, height=self.thickness, **style)[0]
        return ax.bar(self.place, length, width=self.thickness, **style)[0]


def _bar(ax, box: Box, row, colour: str) -> None:
    box.draw(ax, row.value, color=colour, linewidth=0)
    if row.value == 0:
        # A published zero has no bar: a stroke on the baseline says "0", not "nothing".
        ends = [box.place - box.thickness / 2, box.place + box.thickness / 2]
        xs, ys = ([0, 0], ends) if box.horizontal else (ends, [0, 0])
        ax.plot(xs, ys, color=colour, linewidth=3.5, solid_capstyle="butt", clip_on=False)
    if pd.notna(row.low) and pd.notna(row.high):
        error = [[max(0.0, row.value - row.low)], [max(0.0, row.high - row.value)]]
        options = {"fmt": "none", "ecolor": INK, "elinewidth": 1.1, "capsize": 3}
        if box.horizontal:
            container = ax.errorbar(row.value, box.place, xerr=error, **options)
        else:
            container = ax.errorbar(box.place, row.value, yerr=error, **options)
        for lines in container.lines[2]:
            lines.set_gid(box.gid)


def _placeholder(ax, box: Box, length: float, word: str, across: bool) -> None:
    """A hatched box of fixed length with the hidden word in it: never a value, never zero."""
    patch = box.draw(
        ax,
        length,
        facecolor="#f5f7fa",
        edgecolor=HIDDEN_EDGE,
        hatch="///",
        linewidth=0.8,
        linestyle="--",
    )
    patch.set_gid(box.gid)
    x, y = (length / 2, box.place) if box.horizontal else (box.place, length / 2)
    rotation = 0 if across else 90
    ax.text(
        x,
        y,
        word,
        rotation=rotation,
        ha="center",
        va="center",
        fontsize=9,
        color=INK,
        bbox={"facecolor": "white", "edgecolor": "none", "pad": 1.0},
    )


def _axes(ax, names, top, horizontal, indicator, theory, lang):
    label = figure_text.axis_label(indicator, theory, lang)
    positions = list(range(len(names)))
    value_axis, category_axis = (ax.xaxis, ax.yaxis) if horizontal else (ax.yaxis, ax.xaxis)
    value_axis.set_major_formatter(LocaleTicks(lang))
    value_axis.grid(True)
    if horizontal:
        ax.set_xlim(0, top)
        ax.set_yticks(positions, names)
        ax.set_ylim(len(names) - 0.5, -0.5)  # the first category on top
        ax.set_xlabel(label)
    else:
        ax.set_ylim(0, top)
        ax.set_xticks(positions, names)
        ax.set_xlim(-0.5, len(names) - 0.5)
        ax.set_ylabel(label)
    category_axis.set_tick_params(length=0)


def _wrap(label: str, width: int) -> str:
    """A category label on lines of at most ``width``, a parenthesis on a line of its own.

    Examples
    --------
    >>> print(_wrap("Periode 3 (nov. 2011–jun. 2012)", 22))
    Periode 3
    (nov. 2011–jun. 2012)
    """
    head, bracket, rest = label.partition(" (")
    parts = [head] + ([f"({rest}"] if bracket else [])
    return "\n".join(textwrap.fill(part, width) for part in parts)


def _threshold_line(ax, indicator, theory, lang):
    from matplotlib.transforms import blended_transform_factory

    c = indicator.criterion
    scale = 100.0 if figure_text.number_kind(indicator, theory) == "share" else 1.0
    level = c.threshold * scale
    ax.axhline(level, color=INK, linestyle="--", linewidth=1.2)
    label = figure_text.criterion_label(indicator, theory, lang)
    # In the right margin, so it never covers a bar.
    ax.text(
        1.01,
        level,
        textwrap.fill(label, 16),
        ha="left",
        va="center",
        fontsize=9,
        transform=blended_transform_factory(ax.transAxes, ax.transData),
    )


def _legend(fig, units, colours, theory, lang):
    from matplotlib.patches import Patch

    handles = [Patch(color=colours[m], label=unit_name(m, theory, lang)) for m in units]
    # Below the chart: beside it the legend would squeeze the bars and clash with the subtitle.
    fig.legend(handles=handles, loc="outside lower center", ncols=min(len(handles), 3))
