"""Tests of dsr_analysis.html: cleaning executed notebooks and publishing pages safely."""

from __future__ import annotations

import re

import nbformat
import pytest
from fixtures.report_set import CELLS, real_build

from dsr_analysis import config
from dsr_analysis.cells import read_cells
from dsr_analysis.errors import BuildError
from dsr_analysis.html import (
    Link,
    Page,
    check_publishable,
    clean_notebook,
    notebook_to_html,
    publishing_problems,
    read_build_key,
    render_page,
)
from dsr_analysis.report.chapter import Chapter


def executed_notebook():
    """A notebook as papermill leaves it: metadata with paths, an injected cell, noise."""
    v4 = nbformat.v4
    parameters = v4.new_code_cell("municipality = 'alle'", metadata={"tags": ["parameters"]})
    injected = v4.new_code_cell(
        f"data_path = '{config.PROJECT_ROOT}/secret.csv'",
        metadata={"tags": ["injected-parameters"], "papermill": {"duration": 0.1}},
    )
    shown = v4.new_code_cell(
        "show()",
        execution_count=7,
        metadata={
            "execution": {"iopub.execute_input": "2026-01-01T10:00:00Z"},
            "papermill": {"start_time": "2026-01-01T10:00:00", "duration": 1.5},
        },
    )
    shown.outputs = [
        v4.new_output("display_data", data={"text/html": "<h1>Indsats – Kolding</h1>"}),
        v4.new_output("stream", name="stderr", text=f"warning in {config.PROJECT_ROOT}/x.py\n"),
        v4.new_output(
            "error",
            ename="ValueError",
            evalue="boom",
            traceback=["Traceback (most recent call last):", "ValueError: boom"],
        ),
    ]
    hidden = v4.new_markdown_cell("developer note", metadata={"tags": ["remove-cell"]})
    nb = v4.new_notebook(
        cells=[hidden, parameters, injected, shown],
        metadata={
            "papermill": {
                "input_path": str(config.PROJECT_ROOT / "notebooks" / "x.ipynb"),
                "parameters": {"data_path": "/home/someone/x.csv"},
                "start_time": "2026-01-01T10:00:00",
            },
            "kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"},
        },
    )
    for number, cell in enumerate(nb.cells):
        cell["id"] = f"random{number}"
    return nb


PAGE = Page(
    title="Indsats – Kolding",
    index=Link("../index.html", "Til oversigten"),
    chapters=(Link("01_effort.html", "1. Indsats", True), Link("02_output.html", "2. Output")),
    next=Link("02_output.html", "2. Output"),
    banner="Syntetiske data",
    footer=(("Datagrundlag", "abc123"), ("Version", "0.1.0"), ("Commit", "0123456789ab")),
    build_key="00ff",
)


class TestCleanNotebook:
    def test_strips_everything_run_specific(self):
        clean = clean_notebook(executed_notebook())
        assert dict(clean.metadata) == {}
        assert [c.source for c in clean.cells] == ["show()"]
        cell = clean.cells[0]
        assert cell.execution_count is None and dict(cell.metadata) == {}
        assert [o.output_type for o in cell.outputs] == ["display_data"]
        assert cell["id"] == "c0"

    def test_does_not_touch_its_input(self):
        nb = executed_notebook()
        clean_notebook(nb)
        assert "papermill" in nb.metadata and len(nb.cells) == 4


class TestPage:
    def test_page_has_banner_navigation_footer_and_key(self):
        page = notebook_to_html(executed_notebook(), PAGE)
        assert "<h1>Indsats – Kolding</h1>" in page
        assert "Syntetiske data" in page
        assert "href='../index.html'" in page and "aria-current='page'" in page
        assert "abc123" in page and "0123456789ab" in page
        assert read_build_key_from_text(page) == "00ff"

    def test_nothing_private_or_remote(self):
        page = notebook_to_html(executed_notebook(), PAGE)
        assert publishing_problems(page) == []
        for leak in (
            str(config.PROJECT_ROOT),
            "/home/",
            "Traceback",
            "injected-parameters",
            "papermill",
            "2026-01-01",
            "random0",
            "<script",
        ):
            assert leak not in page, leak

    def test_same_input_same_bytes(self):
        assert notebook_to_html(executed_notebook(), PAGE) == notebook_to_html(
            executed_notebook(), PAGE
        )

    def test_build_key_is_read_back(self, tmp_path):
        path = tmp_path / "p.html"
        path.write_text(render_page("<p>x</p>", PAGE), encoding="utf-8")
        assert read_build_key(path) == "00ff"
        assert read_build_key(tmp_path / "missing.html") is None


def read_build_key_from_text(page):
    match = re.search(r"name='dsr-build-key' content='([0-9a-f]+)'", page)
    return match.group(1) if match else None


class TestPublishingCheck:
    """The allow-list at work on a page (its own tests: tests/test_publishable.py)."""

    @pytest.mark.parametrize(
        "bad, reason",
        [
            ("<script src='https://cdnjs.cloudflare.com/require.js'></script>", "<script>"),
            ("<link rel='stylesheet' href='//fonts.example/x.css'>", "<link>"),
            ("<style>@import url(https://x/y.css);</style>", "network"),
            ('<img src="http://example.org/a.png">', "<img>"),
            ('<a href="http://example.org/a.html">x</a>', "relative link"),
            ("<pre>Traceback (most recent call last):</pre>", "traceback"),
            (f"<p>{config.PROJECT_ROOT}/data/x.csv</p>", "local path"),
            ("<div class='celltag_injected-parameters'></div>", "papermill"),
        ],
    )
    def test_refuses(self, bad, reason):
        assert any(reason in problem for problem in publishing_problems(bad))
        with pytest.raises(BuildError, match="refusing to publish"):
            check_publishable(bad)

    def test_svg_namespaces_are_not_requests(self):
        svg = "<svg xmlns='http://www.w3.org/2000/svg'><use xlink:href='#a'/></svg>"
        assert publishing_problems(svg) == []


class TestChapterRendering:
    """The chapter helpers render without a kernel, and identically every time."""

    def test_indicator_html_is_deterministic(self):
        cells = read_cells(CELLS)
        first = Chapter("immediate", "alle", cells=cells)
        second = Chapter("immediate", "alle", cells=cells)
        for indicator in first.level.indicators:
            assert first.render_indicator(indicator) == second.render_indicator(indicator)

    def test_english_edition(self):
        chapter = Chapter("long_term", "kolding", cells=read_cells(CELLS), lang="en")
        text = chapter.render_heading() + chapter.render_indicator(chapter.level.indicators[0])
        assert "Long-term effect – Kolding" in text and "package&#x27;s success criterion" in text
        assert "Period 1 (Jan–May 2011)" in text

    def test_suppressed_cells_show_a_mark_not_a_number(self):
        cells = read_cells(CELLS)
        hidden = cells[(cells["municipality"] == "Kolding") & cells["suppressed"]]
        assert not hidden.empty
        chapter = Chapter("long_term", "kolding", cells=cells)
        text = chapter.render_indicator(chapter.level.indicators[1])
        assert "<td class='hidden-cell'>skjult</td>" in text and "For få data" in text
        # The note right under the table says why, with the minimum cell size.
        assert "færre end 5 børn" in text


class TestPublishedReportSet:
    """Every page of the shared real build is fit to publish."""

    def test_every_page_is_publishable_and_marked_synthetic(self):
        settings, _ = real_build()
        pages = sorted(settings.reports_dir.rglob("*.html"))
        assert len(pages) == 22  # 5 chapters x 3 units, 2 for Copenhagen, 4 method pages, index
        for page in pages:
            text = page.read_text(encoding="utf-8")
            assert publishing_problems(text) == [], page
            assert "Syntetiske data" in text, page
            assert not re.search(r"""(src|href)=["'](https?:)?//""", text), page

    def test_no_code_is_shown(self):
        settings, _ = real_build()
        text = (settings.reports_dir / "alle" / "03_immediate.html").read_text("utf-8")
        assert "from dsr_analysis" not in text and "chapter.indicator" not in text
        assert "input_area" not in text and "In&nbsp;[" not in text
        trial = (settings.reports_dir / "kobenhavn" / "05_long_term.html").read_text("utf-8")
        assert "from dsr_analysis" not in trial and "chapter.table_html" not in trial
        assert "input_area" not in trial and "min_cell =" not in trial
        assert "Chapter notebook" not in trial  # the notebook's remove-cell note
