"""The index page as an overview: counts per unit and level, named indicators and chapters.

Most tests write the index straight from the fixture cells into a temporary folder whose
chapter pages are empty files (the index only asks whether a page exists), so no notebook
runs; one test reads the index of the shared real build.
"""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

import pytest
from fixtures.report_set import CELLS, real_build

from dsr_analysis.cells import read_cells
from dsr_analysis.programme_theory import STATUSES, load_programme_theory
from dsr_analysis.report.assessment import assess_all
from dsr_analysis.report.diagram import STATUS_STYLE, programme_theory_svg
from dsr_analysis.report.index import IndexFacts, unit_overview_of, write_index
from dsr_analysis.report.units import load_units, report_chapters, unit_cells

THEORY = load_programme_theory()
UNITS = load_units()
BY_ID = {unit.id: unit for unit in UNITS}
LEVEL_NAMES = {
    f"{i}. {level.title.get('da')}": level.id for i, level in enumerate(THEORY.levels, start=1)
}


@pytest.fixture(scope="module")
def cells():
    return read_cells(CELLS)


def write(folder: Path, cells, lang="da", failed=(), broken=(), missing=()) -> str:
    """The index for ``cells`` in ``folder``, every chapter page present but ``missing``."""
    for unit in UNITS:
        for spec in report_chapters(unit, THEORY):
            if (unit.id, spec.page) not in missing:
                page = folder / unit.id / f"{spec.page}.html"
                page.parent.mkdir(parents=True, exist_ok=True)
                page.write_text("<p>page</p>", encoding="utf-8")
    facts = IndexFacts(set(failed), set(broken), lang, "ab" * 32, 5, "0123456789ab")
    return write_index(THEORY, UNITS, cells, facts, folder).read_text(encoding="utf-8")


def overview_row(index: str, unit_id: str) -> str:
    return re.search(rf"<tr data-unit='{unit_id}'>(.*?)</tr>", index, re.S).group(1)


def section(index: str, unit_id: str) -> str:
    found = re.search(
        rf"<section class='unit' id='unit-{unit_id}'.*?<!-- /unit {unit_id} -->", index, re.S
    )
    return found.group(0)


def expected_counts(cells, unit_id: str) -> dict[str, dict[str, int]]:
    unit = BY_ID[unit_id]
    frame = assess_all(THEORY, unit_cells(cells, unit, UNITS), unit.name)
    return {
        level: dict(Counter(group["status"])) for level, group in frame.groupby("level", sort=False)
    }


@pytest.mark.parametrize("unit_id", ["kolding", "odense", "alle"])
def test_overview_counts_per_level_match_the_assessments(tmp_path, cells, unit_id):
    row = overview_row(write(tmp_path, cells), unit_id)
    shown = {
        level: {s: int(n) for s, n in re.findall(r"data-status='(\w+)' data-count='(\d+)'", cell)}
        for level, cell in re.findall(r"<td class='counts' data-level='(\w+)'>(.*?)</td>", row)
    }
    assert shown == expected_counts(cells, unit_id)
    # Each count carries its symbol, so it reads without colour.
    for status, _ in re.findall(r"data-status='(\w+)' data-count='(\d+)'", row):
        assert f">{STATUS_STYLE[status][1]}</span>" in row


def test_each_indicator_is_named_in_visible_text_with_its_status(tmp_path, cells):
    part = section(write(tmp_path, cells), "kolding")
    frame = assess_all(THEORY, unit_cells(cells, BY_ID["kolding"], UNITS), "Kolding")
    items = re.findall(
        r"<li data-indicator='(\w+)' data-status='(\w+)'>"
        r"<span class='dot'[^>]*>(.)</span> ([^<]+)</li>",
        part,
    )
    titles = {i.id: i.title.get("da") for level in THEORY.levels for i in level.indicators}
    assert [(i, s) for i, s, _, _ in items] == list(
        zip(frame["indicator"], frame["status"], strict=True)
    )
    assert all(title == titles[i] and symbol == STATUS_STYLE[s][1] for i, s, symbol, title in items)


def test_chapter_links_are_named_after_their_chapter(tmp_path, cells):
    index = write(tmp_path, cells)
    links = re.findall(r"<a class='chapter-link' href='([\w-]+)/(\w+)\.html'>([^<]+)</a>", index)
    chapters = sum(len(report_chapters(unit, THEORY)) for unit in UNITS)
    assert len(links) == chapters
    for unit_id, page, text in links:
        level = LEVEL_NAMES[text]
        assert page == THEORY.level(level).page_name
        assert (tmp_path / unit_id / f"{page}.html").exists()
    assert "Bygget" not in index and "→" not in index


def test_an_unmonitored_unit_says_so_instead_of_question_marks(tmp_path, cells):
    index = write(tmp_path, cells)
    row, part = overview_row(index, "mariagerfjord"), section(index, "mariagerfjord")
    assert row.count("ikke monitoreret") == len(THEORY.levels)
    assert part.count("ikke monitoreret") == len(THEORY.levels)
    assert "class='dot'" not in row + part and "?" not in row + part
    english = write(tmp_path / "en", cells, lang="en")
    assert overview_row(english, "mariagerfjord").count("not monitored") == len(THEORY.levels)


def test_dash_marks_only_the_levels_a_set_lacks(tmp_path, cells):
    index = write(tmp_path, cells)
    body = index.split("<section class='overview'>", 1)[1]
    dashes = re.findall(r"<td class='([\w-]+)'[^>]*>–</td>", body)
    assert dashes == ["not-in-set"] * 3 and body.count("–</td>") == 3
    kobenhavn = overview_row(index, "kobenhavn")
    assert kobenhavn.count("class='not-in-set'") == 3 and "Lodtrækningsforsøg" in kobenhavn
    # Hidden cells are a mark of the chapters' tables, never of the index.
    assert "class='hidden-cell'" not in index and "<td>skjult" not in index


def test_failed_missing_and_broken_are_marked(tmp_path, cells):
    index = write(
        tmp_path,
        cells,
        failed={("kolding", "03_immediate")},
        broken={"odense"},
        missing={("alle", "02_output")},
    )
    kolding = overview_row(index, "kolding")
    assert kolding.count("Fejl ved seneste kørsel") == 1
    assert "<td class='state-failed'>" in kolding
    # The old page is still linked from the unit's section, under its chapter's name.
    assert re.search(
        r"href='kolding/03_immediate.html'>3\. Umiddelbare resultater</a></th><td>"
        r"<span class='state-failed'>Fejl ved seneste kørsel",
        section(index, "kolding"),
    )
    assert overview_row(index, "odense").count("Fejl ved seneste kørsel") == len(THEORY.levels)
    assert "Ikke bygget" in overview_row(index, "alle")
    assert "href='alle/02_output.html'" not in index


def test_every_unit_has_its_summary_below_its_heading(tmp_path, cells):
    index = write(tmp_path, cells)
    for unit in UNITS:
        part = section(index, unit.id)
        assert re.search(
            rf"^<section class='unit' id='unit-{unit.id}'[^>]*><h2>[^<]+</h2>"
            rf"<!-- unit {unit.id} -->"
            rf"<section class='unit-summary' id='summary-{unit.id}'><p>",
            part,
        )
        assert "<table class='cells index unit-chapters'>" in unit_overview_of(index, unit.id)
    # A monitored unit's summary counts its outcomes per level beside the pool.
    kolding = section(index, "kolding")
    assert "Af programteoriens 14 indikatorer har Kolding" in kolding
    assert "summary-table" in kolding and THEORY.word("pooled_name", "da") in kolding
    assert "deltog ikke i monitoreringen" in section(index, "mariagerfjord")
    assert "lodtrækningsforsøget" in section(index, "kobenhavn")


def test_legend_names_every_status_and_the_dash(tmp_path, cells):
    legend = re.search(r"<div class='legend'>.*?</div>", write(tmp_path, cells), re.S).group(0)
    for status in STATUSES:
        assert STATUS_STYLE[status][1] in legend
        assert THEORY.status_words[status].get("da") in legend
    assert "–" in legend and "Indgår ikke i kommunens rapport" in legend


def test_real_build_index_links_its_built_chapters():
    settings, _ = real_build()
    index = (settings.reports_dir / "index.html").read_text("utf-8")
    hrefs = re.findall(r"class='chapter-link' href='([^']+)'", index)
    built = {
        str(p.relative_to(settings.reports_dir))
        for p in settings.reports_dir.glob("*/*.html")
        if p.name != "method.html"
    }
    assert set(hrefs) == built
    assert overview_row(index, "mariagerfjord").count("ikke monitoreret") == len(THEORY.levels)


# ------------------------------------------------------------ the chapters' diagram --


def test_diagram_of_an_unmonitored_unit_has_a_label_and_no_dots():
    from dsr_analysis.report.chapter import Chapter

    figure = Chapter("immediate", "mariagerfjord", CELLS).render_diagram()
    assert "indicator-dot" not in figure and "data-status" not in figure
    assert figure.count("class='level-label'") == len(THEORY.levels)
    assert "ikke monitoreret" in figure and "Mariagerfjord deltog ikke" in figure
    monitored = Chapter("immediate", "kolding", CELLS).render_diagram()
    assert monitored.count("indicator-dot") == sum(len(lv.indicators) for lv in THEORY.levels)
    assert "level-label" not in monitored and "≈ ingen klar ændring" in monitored


def test_diagram_without_statuses_or_label_draws_neither():
    svg = programme_theory_svg(THEORY, "long_term", None, "da")
    assert "indicator-dot" not in svg and "level-label" not in svg
