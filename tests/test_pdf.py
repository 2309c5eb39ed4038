"""``dsr reports --pdf``: one A4 PDF per report set, printed by headless Chromium.

The printing tests are skipped, with the reason, when Chromium is not installed (Debian
package ``chromium``; ``.ci/run`` installs it); the HTML they print and the error without
Chromium are tested everywhere.
"""

from __future__ import annotations

import re
import shutil

import pytest
from click.testing import CliRunner
from fixtures.report_set import TRIAL_CHAPTERS, TRIAL_UNIT, real_build

from dsr_analysis import pdf
from dsr_analysis.cli import main
from dsr_analysis.errors import BuildError
from dsr_analysis.html import publishing_problems
from dsr_analysis.programme_theory import load_programme_theory
from dsr_analysis.report.index import unit_overview_of
from dsr_analysis.report.units import load_units, report_chapters

THEORY = load_programme_theory()
UNITS = {unit.id: unit for unit in load_units()}
CHROMIUM = next((shutil.which(n) for n in pdf.CHROMIUM_NAMES if shutil.which(n)), None)
needs_chromium = pytest.mark.skipif(
    CHROMIUM is None, reason="headless Chromium not installed: apt-get install chromium"
)
PRINTED = ("kolding", "mariagerfjord")


def pages_of(unit_id: str) -> list[str]:
    return [spec.page for spec in report_chapters(UNITS[unit_id], THEORY)]


def headings(unit_id: str) -> list[str]:
    name = UNITS[unit_id].display_name(THEORY, "da")
    return [
        f"{spec.level.title.get('da')} – {name}" for spec in report_chapters(UNITS[unit_id], THEORY)
    ]


def combined(unit_id: str) -> str:
    settings, _ = real_build()
    reports = settings.reports_dir
    files = [(page, page, reports / unit_id / f"{page}.html") for page in pages_of(unit_id)]
    overview = unit_overview_of((reports / "index.html").read_text("utf-8"), unit_id)
    return pdf.combined_html(THEORY, UNITS[unit_id], files, "da", overview)


# ------------------------------------------------------------------ without Chromium --


def test_combined_document_links_only_inside_itself():
    document = combined("kolding")
    hrefs = re.findall(r"href='([^']*)'", document)
    assert hrefs and all(h.startswith("#") for h in hrefs)
    for page in pages_of("kolding"):
        assert f"id='chapter-{page}'" in document and f"href='#chapter-{page}'" in document
    # Neither navigation nor pager comes along; the cover carries the unit's overview.
    assert "<nav" not in document and "unit-chapters'>" in document
    assert document.count("<div class='banner'") == 1
    assert publishing_problems(document) == []


def test_copenhagen_document_has_its_two_chapters_in_order():
    document = combined(TRIAL_UNIT)
    found = re.findall(r"<section class='chapter' id='chapter-(\w+)'>", document)
    assert tuple(found) == TRIAL_CHAPTERS


def test_a_page_that_is_not_a_chapter_is_named(tmp_path):
    page = tmp_path / "01_effort.html"
    page.write_text("<p>not a report page</p>", encoding="utf-8")
    with pytest.raises(BuildError, match=r"01_effort\.html: not a report page"):
        pdf.combined_html(THEORY, UNITS["kolding"], [("01_effort", "1. Indsats", page)], "da")


def test_missing_chromium_is_a_clear_error(monkeypatch):
    monkeypatch.setattr(pdf.shutil, "which", lambda name: None)
    with pytest.raises(BuildError, match="apt-get install chromium"):
        pdf.find_chromium()


def test_reports_pdf_without_chromium_fails_before_building(monkeypatch, tmp_path):
    monkeypatch.setattr(pdf.shutil, "which", lambda name: None)
    built = []
    monkeypatch.setattr(
        "dsr_analysis.runner.build.build_reports", lambda *a, **k: built.append(1)
    )
    result = CliRunner().invoke(main, ["reports", "--pdf", "--units", "kolding"])
    assert result.exit_code == 1 and not built
    assert "error: --pdf needs Chromium" in result.output
    assert "Traceback" not in result.output


def test_stable_pdf_blanks_both_dates_and_keeps_the_length():
    data = b"1 0 obj\n<</CreationDate (D:20260101120000+00'00')\n/ModDate (D:20260101120001Z)>>"
    stable = pdf.stable_pdf(data)
    assert len(stable) == len(data) and b"Date" not in stable and b"2026" not in stable


# --------------------------------------------------------------------- with Chromium --


@pytest.fixture(scope="module")
def printed(tmp_path_factory):
    if CHROMIUM is None:
        pytest.skip("headless Chromium not installed: apt-get install chromium")
    settings, _ = real_build()
    out = tmp_path_factory.mktemp("pdf")
    chapters = {unit_id: pages_of(unit_id) for unit_id in PRINTED}
    paths = pdf.write_pdfs(settings.reports_dir, chapters, "da", out_dir=out)
    return settings, chapters, {p.stem: p for p in paths}


def page_texts(path) -> list[str]:
    from pypdf import PdfReader

    return [page.extract_text() for page in PdfReader(path).pages]


@needs_chromium
def test_one_pdf_per_set_named_after_the_unit(printed):
    _, _, paths = printed
    assert sorted(paths) == sorted(PRINTED)
    assert all(p.read_bytes().startswith(b"%PDF") for p in paths.values())


@needs_chromium
@pytest.mark.parametrize("unit_id", PRINTED)
def test_every_page_is_a4(printed, unit_id):
    from pypdf import PdfReader

    for page in PdfReader(printed[2][unit_id]).pages:
        width, height = float(page.mediabox.width), float(page.mediabox.height)
        assert abs(width - 595) <= 1 and abs(height - 842) <= 1


@needs_chromium
@pytest.mark.parametrize("unit_id", PRINTED)
def test_text_layer_has_every_chapter_heading_in_order(printed, unit_id):
    text = "\n".join(page_texts(printed[2][unit_id]))
    positions = [text.find(heading) for heading in headings(unit_id)]
    assert -1 not in positions and positions == sorted(positions)


@needs_chromium
def test_banner_on_every_page_and_no_navigation(printed):
    texts = page_texts(printed[2]["kolding"])
    banner = THEORY.word("synthetic_banner", "da")[:40]
    assert all(banner in " ".join(t.split()) for t in texts)
    total = len(texts)
    assert all(f"{n} / {total}" in t for n, t in enumerate(texts, start=1))
    joined = "\n".join(texts)
    for word in ("back_to_index", "previous", "next"):
        assert THEORY.word(word, "da") not in joined


@needs_chromium
def test_each_indicator_of_a_monitored_unit_starts_a_page(printed):
    texts = page_texts(printed[2]["kolding"])
    # A page's text opens with the banner and page number from the margins, then the page.
    tops = [" ".join(t.splitlines()[:4]) for t in texts]
    for level in THEORY.levels:
        for indicator in level.indicators:
            assert any(indicator.title.get("da") in top for top in tops), indicator.id


@needs_chromium
def test_unmonitored_indicators_do_not_get_a_page_each(printed):
    texts = page_texts(printed[2]["mariagerfjord"])
    indicators = sum(len(level.indicators) for level in THEORY.levels)
    assert len(texts) < indicators


@needs_chromium
def test_pdf_names_no_local_path(printed):
    settings, _, paths = printed
    for path in paths.values():
        data = path.read_bytes()
        assert b"file:" not in data and str(settings.reports_dir).encode() not in data
        assert b"/tmp/" not in data


@needs_chromium
def test_printing_again_gives_the_same_bytes(printed, tmp_path):
    settings, chapters, paths = printed
    again = pdf.write_pdfs(
        settings.reports_dir, {"kolding": chapters["kolding"]}, "da", out_dir=tmp_path
    )
    assert again[0].read_bytes() == paths["kolding"].read_bytes()
