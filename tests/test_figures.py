"""Indicator figures: hidden cells drawn as hidden, the pooled bar beside a municipality's,
captions naming table and n, ticks in the page's language, byte-identical SVG.

Every fixture is a handful of hand-made cells for one real indicator of the programme theory,
so each expected number or word below can be read off the fixture.
"""

import re
from xml.etree import ElementTree

import pandas as pd
import pytest

from dsr_analysis.programme_theory import load_programme_theory
from dsr_analysis.report.chapter import Chapter
from dsr_analysis.report.figure_data import figure_bars
from dsr_analysis.report.figure_style import HIDDEN_FRACTION, LocaleTicks, unit_colours
from dsr_analysis.report.figures import indicator_figure
from dsr_analysis.report.units import Unit, colour_order, load_units

SVG = "{http://www.w3.org/2000/svg}"
THEORY = load_programme_theory()
KOLDING = Unit("kolding", "Kolding", True)
POOLED = Unit("alle", "Alle", True)
# The pool as the pages name it ("Alle fire kommuner"), counted from the units file.
POOLED_DA = THEORY.word("pooled_name", "da")
TOPIC = "Håndtering af forældreinddragelse"  # 7-8, criterion: at least 50 %
OTHER = "Andet"  # a second row of 7-8, so hiding Kolding's topic leaves the table visible
STAFF = "Det pædagogiske personale"  # 7-18, criterion: rises from period 1 to period 3


def indicator(indicator_id):
    return next(i for level in THEORY.levels for i in level.indicators if i.id == indicator_id)


def cell(table, municipality, label, value, n, column="Total", suppressed=False, **extra):
    row = {
        "table": table,
        "municipality": municipality,
        "column": column,
        "label": label,
        "code": 1,
        "n": n,
        "count": None if suppressed else round(value * n),
        "value": float("nan") if suppressed else value,
        "kind": "share",
        "suppressed": suppressed,
        "synthetic": True,
        "label_display": label,
        "column_display": column,
    }
    return row | extra


def topic_cells(kolding_hidden=False, hidden_value=None, **extra):
    """7-8 for Kolding (n 66) and the pool (n 220); Kolding's share optionally hidden."""
    kolding = cell("7-8", "Kolding", TOPIC, 0.803, 66, suppressed=kolding_hidden, **extra)
    if hidden_value is not None:  # what a careless export might leave behind a hidden cell
        kolding["value"] = hidden_value
    rows = [kolding, cell("7-8", "Alle", TOPIC, 0.8, 220, **extra)]
    rows += [cell("7-8", "Kolding", OTHER, 0.2, 66), cell("7-8", "Alle", OTHER, 0.18, 220)]
    return pd.DataFrame(rows)


def render(cells, indicator_id="parent_involvement_topic", unit=KOLDING, lang="da"):
    return indicator_figure(cells, indicator(indicator_id), unit, THEORY, lang)


def caption(html):
    return re.search(r"<figcaption>(.*?)</figcaption>", html, re.S).group(1)


def data_cells(html):
    return re.search(r"data-cells='([^']*)'", html).group(1).split(";")


def tick_labels(html):
    """The texts of the SVG's tick labels (matplotlib's ``xtick_*``/``ytick_*`` groups)."""
    svg = ElementTree.fromstring(re.search(r"<svg.*</svg>", html, re.S).group(0))
    return [
        text.text
        for group in svg.iter(f"{SVG}g")
        if re.search(r"[xy]tick_\d+$", group.get("id", ""))
        for text in group.iter(f"{SVG}text")
    ]


class TestHiddenCells:
    def test_a_suppressed_value_is_a_labelled_placeholder(self):
        html = render(topic_cells(kolding_hidden=True))
        assert 'id="fig-parent_involvement_topic-suppressed-0"' in html
        svg_text = re.findall(r">([^<>]+)</text>", html)
        assert "skjult" in svg_text
        assert "parent_involvement_topic-suppressed-1" not in html  # the pool is shown

    def test_the_hidden_number_never_shapes_the_drawing(self):
        # Whatever the hidden cell holds, the figure is the same: its size is fixed.
        drawings = {render(topic_cells(True, hidden)) for hidden in (0.05, 0.37, 0.91, None)}
        assert len(drawings) == 1

    def test_the_placeholder_has_a_fixed_length_not_the_value(self):
        bars = figure_bars(
            topic_cells(True, 0.37), indicator("parent_involvement_topic"), KOLDING, THEORY, "da"
        )
        hidden = bars[bars["hidden"]]
        assert hidden["value"].isna().all() and hidden["number"].isna().all()
        assert HIDDEN_FRACTION * 100 != pytest.approx(37)  # would look like the hidden share

    def test_a_published_zero_is_a_bar_not_a_placeholder(self):
        cells = topic_cells()
        cells.loc[0, ["value", "count"]] = 0.0
        html = render(cells)
        assert "-suppressed-" not in html and "skjult" not in html

    def test_entirely_hidden_table_gives_no_chart(self):
        cells = topic_cells(kolding_hidden=True)
        other = (cells["municipality"] == "Kolding") & (cells["label"] == OTHER)
        cells.loc[other, ["suppressed", "value"]] = [True, float("nan")]
        assert render(cells) == ""
        # Hidden for the pool, the pooled chart is not drawn either.
        pooled = topic_cells()
        pooled.loc[pooled["municipality"] == "Alle", ["suppressed", "value"]] = [True, None]
        assert render(pooled, unit=POOLED) == ""

    def test_a_visible_other_row_keeps_the_chart(self):
        assert render(topic_cells(kolding_hidden=True)).startswith("<figure class='chart'")

    def test_the_alt_text_names_the_hidden_value(self):
        html = render(topic_cells(kolding_hidden=True))
        desc = re.search(r"<desc[^>]*>(.*?)</desc>", html).group(1)
        assert "Kolding: skjult" in desc and f"{POOLED_DA}: 80 %" in desc
        assert 'role="img"' in html and "<title id=" in html


class TestWhoIsShown:
    def test_a_municipality_stands_beside_the_pool(self):
        html = render(topic_cells())
        assert data_cells(html) == [f"7-8|Alle|Total|{TOPIC}", f"7-8|Kolding|Total|{TOPIC}"]
        assert POOLED_DA in " ".join(tick_labels(html))

    def test_the_pooled_unit_shows_every_municipality(self):
        rows = [cell("7-8", m, TOPIC, 0.7, 60) for m in ("Odense", "Kolding", "Alle")]
        html = render(pd.DataFrame(rows), unit=POOLED)
        assert [key.split("|")[1] for key in data_cells(html)] == ["Alle", "Kolding", "Odense"]
        labels = tick_labels(html)
        assert labels.index("Kolding") < labels.index("Odense")  # the pool comes last

    def test_difference_rows_are_not_bars(self):
        contrast = cell("7-8", "Kolding", TOPIC, 0.003, 66, kind="difference")
        html = render(pd.concat([topic_cells(), pd.DataFrame([contrast])]))
        assert len(data_cells(html)) == 2

    def test_the_pool_has_one_colour_everywhere(self):
        order = colour_order(load_units())
        assert (unit_colours(["Kolding", "Alle"], order)["Alle"]
                == unit_colours(["Odense", "Alle"], order)["Alle"])
        assert (unit_colours(["Kolding", "Alle"], order)["Kolding"]
                != unit_colours(["Odense"], order)["Odense"])

    def test_the_chapter_gives_the_figure_the_pool_and_the_table_its_own(self):
        cells = pd.concat([topic_cells(), pd.DataFrame([cell("7-8", "Odense", TOPIC, 0.8, 72)])])
        chapter = Chapter("output", "kolding", cells=cells, theory=THEORY)
        assert set(chapter.cells["municipality"]) == {"Kolding"}
        assert set(chapter.figure_cells["municipality"]) == {"Kolding", "Alle"}
        html = chapter.render_indicator(indicator("parent_involvement_topic"))
        assert html.count("<figure class='chart'") == 1 and f"7-8|Alle|Total|{TOPIC}" in html


class TestWords:
    def test_the_caption_names_the_table_the_n_and_the_data(self):
        text = caption(render(topic_cells()))
        assert "NIRAS-tabel 7-8" in text and "syntetiske data" in text
        assert "Kolding 66" in text and f"{POOLED_DA} 220" in text

    def test_a_series_gives_n_per_period(self):
        rows = [
            cell("7-18", who, STAFF, 0.5, n, column=f"Periode {p}")
            for who, ns in (("Kolding", (20, 24, 22)), ("Alle", (73, 73, 74)))
            for p, n in zip((1, 2, 3), ns, strict=True)
        ]
        text = caption(render(pd.DataFrame(rows), "staff_take_initiative"))
        assert "Kolding 20 / 24 / 22" in text and f"{POOLED_DA} 73 / 73 / 74" in text
        assert "Periode 1 (jan.–maj 2011)" in text

    def test_the_threshold_line_is_labelled(self):
        html = render(topic_cells())
        assert "Kriterium: mindst" in html and "50 %" in html
        assert "Criterion: at least" in render(topic_cells(), lang="en")

    def test_english_edition(self):
        html = render(topic_cells(kolding_hidden=True), lang="en")
        text = caption(html)
        assert "NIRAS table 7-8" in text and "Number of children (n)" in text
        assert "Share of the children (%)" in html and "hidden" in html

    def test_danish_ticks_use_decimal_commas_and_english_points(self):
        # A count chart up to 1,500 children: thousands separators on the value axis.
        rows = [
            cell("6-1", "Kolding", "Registrerede børn/familier", 0.5, 3000),
            cell("6-1", "Alle", "Registrerede børn/familier", 1.0, 3000),
        ]
        for row in rows:
            row["count"] = row["value"] * 3000
        danish = tick_labels(render(pd.DataFrame(rows), "children_registered"))
        english = tick_labels(render(pd.DataFrame(rows), "children_registered", lang="en"))
        assert "3.000" in danish and "3,000" in english
        ticks = LocaleTicks("da").format_ticks([-0.5, 0.0, 0.5])
        assert ticks == ["−0,5", "0,0", "0,5"]
        assert LocaleTicks("en").format_ticks([-0.5, 0.0, 0.5]) == ["−0.5", "0.0", "0.5"]

    def test_mean_ticks_in_danish(self):
        rows = [
            cell("7-14", who, "Gennemsnitsalder", v, 20, column=f"Periode {p}", kind="mean")
            for who in ("Kolding", "Alle")
            for p, v in ((1, 0.42), (2, 0.35), (3, 0.3))
        ]
        labels = tick_labels(render(pd.DataFrame(rows), "age_at_first_dialogue_falls"))
        assert "0,1" in labels and "0.1" not in labels
        assert "Gennemsnitsalder (år)" in render(pd.DataFrame(rows), "age_at_first_dialogue_falls")


class TestIntervalsAndDeterminism:
    def test_two_renders_are_byte_identical(self):
        assert render(topic_cells(kolding_hidden=True)) == render(topic_cells(kolding_hidden=True))

    def test_error_bars_when_the_cells_carry_intervals(self):
        with_ci = render(topic_cells(ci_low=0.7, ci_high=0.9))
        assert 'id="fig-parent_involvement_topic-ci-0"' in with_ci
        assert 'id="fig-parent_involvement_topic-ci-1"' in with_ci
        assert "95 %-konfidensintervallet" in caption(with_ci)

    def test_no_error_bars_without_intervals(self):
        for cells in (topic_cells(), topic_cells(ci_low=float("nan"), ci_high=float("nan"))):
            html = render(cells)
            assert "-ci-" not in html and "konfidens" not in caption(html)

    def test_a_hidden_cell_has_no_interval(self):
        html = render(topic_cells(kolding_hidden=True, ci_low=0.7, ci_high=0.9))
        assert "-ci-0" not in html and 'id="fig-parent_involvement_topic-ci-1"' in html

    def test_ids_are_unique_to_the_figure(self):
        html = render(topic_cells())
        ids = re.findall(r'\bid="([^"]+)"', html)
        assert len(ids) == len(set(ids))
        assert all(i.startswith("fig-parent_involvement_topic-") for i in ids)


def test_unit_cells_give_a_municipality_the_pool():
    from dsr_analysis.report.units import unit_cells

    cells = pd.DataFrame({"municipality": ["Kolding", "Odense", "Alle", "Mariagerfjord"]})
    units = {u.id: u for u in load_units()}
    assert unit_cells(cells, units["kolding"], list(units.values()))["municipality"].tolist() == [
        "Kolding",
        "Alle",
    ]
    # A municipality without monitoring draws no figures and gets no pooled cells.
    assert unit_cells(cells, units["mariagerfjord"], list(units.values()))[
        "municipality"
    ].tolist() == ["Mariagerfjord"]
