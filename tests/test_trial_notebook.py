"""The long-term chapter for Copenhagen: notebook contract and display helpers
(report.trial_chapter), on published trial cells read back from their CSV as the chapter reads
them."""

from __future__ import annotations

import re
from unittest import mock

import nbformat
import pandas as pd
import papermill
import pytest

from dsr_analysis import config
from dsr_analysis.errors import ConfigurationError
from dsr_analysis.report import trial_chapter as chapter
from dsr_analysis.report import trial_text
from dsr_analysis.trial.cells import trial_cells
from dsr_analysis.trial.schema import Trial, read_trial
from dsr_analysis.trial.synthetic import write_trial

NOTEBOOK = config.NOTEBOOKS_DIR / "kbh_long_term.ipynb"
# A thin notebook's code: imports, the cells, and display calls of library functions.
THIN_LINE = re.compile(
    r"^(from [\w.]+ import [\w, ]+|import \w+|cells = trial_chapter\.\w+\(.*\)|display\(.*\)"
    r"|\w+ = .*  # .*|)$"
)


@pytest.fixture(scope="module")
def notebook() -> nbformat.NotebookNode:
    return nbformat.read(NOTEBOOK, as_version=4)


def cells_file(folder, data_dir=None, min_cell=5, language="da"):
    """The trial's cells as ``dsr trial cells --out`` writes them (and dsr reports caches)."""
    path = folder / f"cells-{min_cell}-{language}.csv"
    frame = trial_cells(data_dir, min_cell=min_cell, language=language)
    frame.to_csv(path, index=False, lineterminator="\n")
    return path


@pytest.fixture(scope="module")
def bundled_path(tmp_path_factory):
    return cells_file(tmp_path_factory.mktemp("bundled"))


@pytest.fixture(scope="module")
def bundled(bundled_path) -> pd.DataFrame:
    return chapter.chapter_cells(data_path=bundled_path)


class TestNotebookContract:
    def test_parameters(self):
        # The same names, in the same order, as every other chapter: dsr reports passes these.
        parameters = papermill.inspect_notebook(str(NOTEBOOK))
        defaults = {name: spec["default"] for name, spec in parameters.items()}
        assert defaults == {
            "level": '"long_term"',
            "municipality": '"kobenhavn"',
            "data_path": '""',
            "lang": '"da"',
            "min_cell": "5",
            "theory_path": '""',
            "units_path": '""',
        }

    def test_committed_without_outputs(self, notebook):
        for cell in notebook.cells:
            if cell.cell_type == "code":
                assert cell.outputs == [] and cell.execution_count is None

    def test_code_is_thin_and_hidden(self, notebook):
        for cell in notebook.cells:
            if cell.cell_type != "code":
                continue
            assert "hide-input" in cell.metadata.get("tags", [])
            for line in cell.source.splitlines():
                assert THIN_LINE.match(line), line

    def test_no_prose_in_the_notebook(self, notebook):
        # The chapter's words live in data/trial/chapter_text.yml, in both languages; the only
        # Markdown cell is the note for whoever opens the notebook, which is never published.
        markdown = [c for c in notebook.cells if c.cell_type == "markdown"]
        assert len(markdown) == 1 and "remove-cell" in markdown[0].metadata["tags"]

    def test_every_section_is_shown_once_in_order(self, notebook):
        code = "\n".join(c.source for c in notebook.cells if c.cell_type == "code")
        shown = re.findall(r'trial_chapter\.section_html\("(\w+)", lang\)', code)
        assert shown == list(chapter.load_chapter_text())


@pytest.mark.slow
def test_notebook_runs_offline(tmp_path):
    """Executes the chapter with papermill on a cells file (about 10 s: a kernel start)."""
    out = tmp_path / "kbh.ipynb"
    parameters = {"data_path": str(cells_file(tmp_path))}
    papermill.execute_notebook(
        str(NOTEBOOK), str(out), parameters=parameters, kernel_name="python3", progress_bar=False
    )
    executed = nbformat.read(out, as_version=4)
    outputs = [o for c in executed.cells if c.cell_type == "code" for o in c.outputs]
    assert not [o for o in outputs if o.get("output_type") == "error"]
    markdown = " ".join(o.get("data", {}).get("text/markdown", "") for o in outputs)
    html = " ".join(o.get("data", {}).get("text/html", "") for o in outputs)
    assert "Tabel KBH-7" in html and "skjult" in markdown
    assert "Virkning på lang sigt – København" in html
    assert "<svg" in html and not any("image/png" in o.get("data", {}) for o in outputs)


@pytest.fixture(scope="module")
def small_cells(tmp_path_factory) -> pd.DataFrame:
    bundled = read_trial()
    institutions = bundled.institutions.groupby("arm").head(2)
    children = bundled.children[
        bundled.children["institution_id"].isin(institutions["institution_id"])
    ]
    directory = tmp_path_factory.mktemp("small")
    write_trial(Trial(institutions, children), directory)
    return chapter.chapter_cells(data_path=cells_file(directory, directory, 20), min_cell=20)


class TestDisplay:
    def test_only_copenhagen_has_the_trial(self):
        with pytest.raises(ConfigurationError, match="only for kobenhavn"):
            chapter.chapter_cells("kolding")

    def test_the_chapter_reads_its_cells_exactly(self, bundled):
        # Read back from the CSV, the cells are the design's, number for number.
        made = trial_cells()
        for column in ("value", "ci_low", "ci_high", "published", "n"):
            pd.testing.assert_series_equal(
                bundled[column], made[column], check_names=False, check_dtype=False
            )
        assert bundled["suppressed"].tolist() == made["suppressed"].tolist()

    def test_no_cells_file_says_how_to_write_one(self, tmp_path):
        missing = tmp_path / "cells.csv"
        with pytest.raises(ConfigurationError, match="dsr trial cells --min-cell 5 --lang da"):
            chapter.chapter_cells(data_path=missing)
        with mock.patch.object(chapter, "DEFAULT_CELLS_PATH", missing):
            with pytest.raises(ConfigurationError, match=f"no trial cells at {missing}"):
                chapter.chapter_cells(data_path="")

    def test_cells_released_with_a_smaller_min_cell_are_refused(self, bundled_path):
        with pytest.raises(ConfigurationError, match="minimum cell size 10 or more"):
            chapter.chapter_cells(data_path=bundled_path, min_cell=10)

    def test_cells_in_another_language_are_refused(self, bundled_path):
        with pytest.raises(ConfigurationError, match="not labelled in 'en'"):
            chapter.chapter_cells(data_path=bundled_path, language="en")

    def test_suppressed_cells_reach_the_html_tables(self, small_cells):
        # Hidden cells say so in the monitoring chapters' word; "–" is kept for "not covered".
        html = chapter.table_html(small_cells, "KBH-3")
        assert "<td>skjult</td>" in html and html.startswith("<table class='cells'><caption>Tabel")

    def test_heading_and_diagram_match_the_other_chapters(self):
        heading = chapter.heading_html("long_term", "kobenhavn", "en")
        assert heading.endswith(">Long-term effect – København</h1>")
        diagram = chapter.diagram_html("long_term", "kobenhavn")
        assert "class='level current' data-level='long_term'" in diagram
        assert "indicator-dot" not in diagram and "København" in diagram

    def test_suppressed_cells_print_the_word(self, small_cells):
        table = chapter.display_table(small_cells, "KBH-3")
        assert (table == "skjult").to_numpy().any() and not (table == "–").to_numpy().any()
        assert table.loc["Underrettet om i de to år før forsøget (%)", "Forskel"] == "skjult"

    def test_a_cell_the_table_does_not_cover_prints_a_dash(self, small_cells):
        missing = small_cells[
            ~(small_cells["table"].eq("KBH-2") & small_cells["column"].eq("Forskel"))
        ]
        assert chapter.display_table(missing, "KBH-2").iloc[0].tolist()[-1] == "–"

    def test_table_rows_and_columns_come_from_the_layout(self, tmp_path):
        cells = chapter.chapter_cells(data_path=cells_file(tmp_path, language="en"), language="en")
        table = chapter.display_table(cells, "KBH-2", "en")
        assert table.index.tolist() == ["Received support (%)"]
        assert table.columns.tolist() == ["DSR institutions", "Control institutions", "Difference"]
        # "to", not a comma, between the bounds: English numbers use commas for thousands.
        assert table.iloc[0, 0] == "7.0 (6.1 to 8.1)"

    def test_the_bundled_tables_figure_and_summary(self, bundled):
        # Formerly the display module's doctests, on the design's cells.
        from dsr_analysis.report.trial_summary import summary_html

        columns = chapter.display_table(bundled, "KBH-4").columns.tolist()
        assert columns == ["DSR-institutioner", "Kontrolinstitutioner", "Forskel"]
        assert chapter.table_html(bundled, "KBH-2").startswith(
            "<table class='cells'><caption>Tabel KBH-2. Børn, der modtog støtte fra Socialfor"
        )
        table = chapter.comparison_table(bundled)
        assert len(table) == 6 and table.iloc[:, -1].unique().tolist() == ["ja"]
        figure = chapter.effects_figure(bundled)
        assert len(figure.axes) == 4 and figure.dsr_caption.endswith("syntetiske data.")
        assert "<svg" in chapter.figure_html(figure)
        html = summary_html(bundled)
        assert "Kort fortalt" in html and html.count("<li>") == 4

    def test_every_published_figure_is_compared(self, bundled):
        table = chapter.comparison_table(bundled)
        assert table["Inden for intervallet"].eq("ja").all()
        assert table["Offentliggjort"].tolist() == ["7,0", "5,5", "4,1", "1,2", "−4,0", "−7,5"]


class TestChapterText:
    def test_every_section_in_both_languages(self):
        for key in chapter.load_chapter_text():
            danish, english = chapter.section_html(key, "da"), chapter.section_html(key, "en")
            assert danish.startswith(("<h2>", "<p>")) and danish != english, key

    def test_the_text_is_escaped(self, tmp_path):
        path = tmp_path / "text.yml"
        path.write_text(
            "sections:\n  x:\n    paragraphs:\n      - {da: 'a < b', en: 'a & b'}\n",
            encoding="utf-8",
        )
        section = chapter.load_chapter_text(path)["x"]
        assert section["heading"] is None and len(section["paragraphs"]) == 1
        with mock.patch.object(trial_text, "load_chapter_text", lambda: {"x": section}):
            assert chapter.section_html("x", "en") == "<p>a &amp; b</p>"

    def test_a_missing_language_is_named(self, tmp_path):
        path = tmp_path / "text.yml"
        path.write_text(
            "sections:\n  intro:\n    heading: {da: Indledning}\n    paragraphs:\n"
            "      - {da: Tekst, en: Text}\n      - {da: Mere}\n",
            encoding="utf-8",
        )
        with pytest.raises(ConfigurationError) as error:
            chapter.load_chapter_text(path)
        message = str(error.value)
        assert "text.yml: section 'intro', heading" in message
        assert "section 'intro', paragraph 2: expected text in both da and en" in message

    def test_an_unknown_section_is_named(self):
        with pytest.raises(ConfigurationError, match="no section 'outro'; known: intro"):
            chapter.section_html("outro")
