"""How the report's figures look: the Okabe–Ito colours, the matplotlib style, language ticks.

The colours come from Okabe & Ito's palette, chosen to stay apart under the common colour-vision
deficiencies; the pooled four always have the same blue, and each municipality keeps its own
colour across every report set. Ticks are written as the tables write numbers: decimal commas,
thousands dots and a proper minus sign in Danish, points and commas in English.
"""

from __future__ import annotations

from collections.abc import Sequence

from matplotlib.ticker import Formatter

from dsr_analysis.cells import POOLED_NAME
from dsr_analysis.report.text import number_text

#: Okabe & Ito (2008), "Color Universal Design".
OKABE_ITO = {
    "orange": "#E69F00",
    "sky_blue": "#56B4E9",
    "bluish_green": "#009E73",
    "yellow": "#F0E442",
    "blue": "#0072B2",
    "vermillion": "#D55E00",
    "reddish_purple": "#CC79A7",
    "black": "#000000",
}
#: The pooled "Alle" in every figure.
POOLED_COLOUR = OKABE_ITO["blue"]
#: The municipalities in the order of the municipalities file (the monitored ones first get the
#: four colours farthest from the pooled blue and from each other).
MUNICIPALITY_COLOURS = tuple(
    OKABE_ITO[name]
    for name in ("orange", "bluish_green", "reddish_purple", "vermillion", "sky_blue", "yellow")
)
INK = "#1f2933"
#: Edge and hatching of the placeholder that stands where a suppressed value would be.
HIDDEN_EDGE = "#6b7280"
#: The placeholder's length as a share of the value axis: fixed, never the hidden number.
HIDDEN_FRACTION = 0.22

#: The matplotlib settings every report figure is drawn with.
STYLE = {
    "font.family": "DejaVu Sans",
    "font.size": 10,
    "axes.titlesize": 11,
    "axes.titleweight": "bold",
    "axes.labelsize": 10,
    "axes.edgecolor": "#9aa5b1",
    "axes.labelcolor": INK,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.axisbelow": True,
    "axes.grid": False,
    "grid.color": "#e4e7eb",
    "grid.linewidth": 0.8,
    "xtick.color": INK,
    "ytick.color": INK,
    "text.color": INK,
    "axes.unicode_minus": True,
    "hatch.linewidth": 0.8,
    "legend.frameon": False,
    "legend.fontsize": 9,
}


def unit_colours(municipalities: list[str], order: Sequence[str] = ()) -> dict[str, str]:
    """A colour per municipality: the pooled blue for "Alle", a fixed colour for each other.

    ``order`` deals out the colours (:func:`~dsr_analysis.report.units.colour_order`: the
    project's municipalities in file order), so a municipality has the same colour in every
    report set; one it does not list (a hand-made test) gets the next free colour.

    Examples
    --------
    >>> order = ("Faaborg-Midtfyn", "Frederikshavn", "Kolding", "Odense")
    >>> unit_colours(["Kolding", "Alle"], order)
    {'Kolding': '#CC79A7', 'Alle': '#0072B2'}
    >>> unit_colours(["Kolding", "Alle"])
    {'Kolding': '#E69F00', 'Alle': '#0072B2'}
    """
    known = list(order)
    known += [m for m in municipalities if m not in known and m != POOLED_NAME]
    return {
        m: POOLED_COLOUR
        if m == POOLED_NAME
        else MUNICIPALITY_COLOURS[known.index(m) % len(MUNICIPALITY_COLOURS)]
        for m in municipalities
    }


def _decimals(locations) -> int:
    """The fewest decimals that write every tick exactly (0.5 steps need one)."""
    for decimals in range(4):
        if all(abs(round(x, decimals) - x) < 1e-9 for x in locations):
            return decimals
    return 4


class LocaleTicks(Formatter):
    """Tick labels in the report's language, all with the same number of decimals.

    Examples
    --------
    >>> ticks = LocaleTicks("da")
    >>> ticks.format_ticks([0, 2.5, 5, 1000])
    ['0,0', '2,5', '5,0', '1.000,0']
    """

    def __init__(self, lang: str):
        self.lang = lang
        self.decimals = 0

    def set_locs(self, locs) -> None:
        # The axis passes all tick locations before it asks for their labels.
        super().set_locs(locs)
        self.decimals = _decimals(locs)

    def __call__(self, x, pos=None) -> str:
        return number_text(x, self.decimals, self.lang)
