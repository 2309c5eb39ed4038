"""The researcher's notebook: ``import dsr_analysis as dsr``, the README's lines, the chapter
notebook's outline.

The bundled data's cells are computed once per session (dsr_analysis.api caches them), so the
tests of the default (``min_cell=5``, Danish) share one computation.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

import dsr_analysis as dsr
from dsr_analysis import config
from dsr_analysis.programme_theory import load_programme_theory
from dsr_analysis.report.chapter import Chapter
from dsr_analysis.report.outline import outline_markdown

ROOT = Path(__file__).resolve().parent.parent
README = ROOT / "README.md"
CHAPTER_NOTEBOOK = ROOT / "notebooks" / "chapter.ipynb"
VIVE_THEORY = config.DATA_DIR / "programme_theory" / "vive2023.yml"


def readme_notebook_lines() -> list[str]:
    """The code block of the README's "Use it in a notebook" section, line by line."""
    text = README.read_text(encoding="utf-8")
    section = re.search(r"^## Use it in a notebook\n(.*?)(?=^## )", text, re.S | re.M)
    assert section, "the README has no section 'Use it in a notebook'"
    blocks = re.findall(r"```python\n(.*?)```", section.group(1), re.S)
    assert len(blocks) == 1, "the section should hold exactly one python block"
    return blocks[0].splitlines()


def test_the_readme_lines_run_as_written_and_give_a_table():
    lines = readme_notebook_lines()
    # Three lines to a table: an import, a load and an expression whose value is the table.
    assert len(lines) == 3, lines
    assert lines[0] == "import dsr_analysis as dsr"
    namespace: dict = {}
    exec(compile("\n".join(lines[:-1]), "README.md", "exec"), namespace)
    shown = eval(compile(lines[-1], "README.md", "eval"), namespace)
    assert isinstance(shown, pd.DataFrame)
    table = re.search(r'table\("([^"]+)"', lines[-1]).group(1)
    assert set(shown["table"]) == {table}
    assert shown["suppressed"].any() and shown["value"].notna().any()


def test_importing_the_package_imports_no_api():
    # The CLI starts through the package: its start-up must not pay for pandas.
    code = ("import sys, dsr_analysis; "
            "print('pandas' in sys.modules, 'dsr_analysis.api' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["False", "False"]
    assert set(dsr.API) <= set(dir(dsr))
    with pytest.raises(AttributeError):
        dsr.no_such_function  # noqa: B018


def test_a_table_is_suppressed_by_default_and_min_cell_one_shows_everything():
    hidden = dsr.table("7-18")
    assert hidden["suppressed"].any()
    assert hidden.loc[hidden["suppressed"], "value"].isna().all()
    every = dsr.table("7-18", min_cell=1)
    assert not every["suppressed"].any() and every["value"].notna().all()
    assert len(every) == len(hidden)


def test_a_table_for_one_unit_and_wide_as_the_chapter_shows_it():
    kolding = dsr.table("7-18", municipality="kolding")
    assert set(kolding["municipality"]) == {"Kolding"}
    wide = dsr.table("7-18", municipality="Kolding", wide=True)
    chapter = dsr.chapter("immediate", "kolding")
    pd.testing.assert_frame_equal(wide, chapter.table("7-18"))
    assert (wide == "skjult").to_numpy().any()


def test_an_unknown_table_names_the_known_ones():
    with pytest.raises(ValueError, match="known: 6-1, 7-1, 7-2"):
        dsr.table("9-99")


def test_a_measure_hides_small_counts_and_groups():
    shares = dsr.measure("start_shares", question="initiative", by=("municipality", "period"))
    counts = shares["count"].dropna()
    assert not ((counts > 0) & (counts < 5)).any()
    assert shares["suppressed"].any()
    everything = dsr.measure("start_shares", question="initiative",
                             by=("municipality", "period"), min_cell=1)
    small = everything["count"]
    assert ((small > 0) & (small < 5)).any()
    assert "Alle" in set(shares["municipality"])


def test_a_measure_needs_its_question():
    with pytest.raises(ValueError, match="needs a question"):
        dsr.measure("start_shares")
    with pytest.raises(ValueError, match="no measure"):
        dsr.measure("median")
    assert "sd" not in dsr.measure("mean_age").columns


def test_a_figure_of_a_table_or_an_indicator():
    by_table = dsr.figure("7-18", unit="kolding")
    by_indicator = dsr.figure("staff_take_initiative", unit="kolding")
    assert type(by_table).__name__ == "Figure" and by_table.axes
    assert len(by_table.axes) == len(by_indicator.axes)
    with pytest.raises(ValueError, match="notification_before_dialogue_falls"):
        dsr.figure("7-16")  # two indicators draw table 7-16
    with pytest.raises(ValueError, match="no figure"):
        dsr.figure("4-1")


def test_an_indicator_renders_as_its_chapter_shows_it():
    shown = dsr.indicator("staff_take_initiative", "kolding")
    chapter = dsr.chapter("immediate", "kolding")
    assert shown._repr_html_() == chapter.render_indicator("staff_take_initiative")
    assert "data-indicator='staff_take_initiative'" in str(shown)


def test_a_chapter_renders_whole_in_a_notebook_cell():
    chapter = dsr.chapter("immediate", "alle")
    html = chapter._repr_html_()
    assert html.startswith("<h1 class='chapter-title'")
    for indicator in chapter.level.indicators:
        assert f"data-indicator='{indicator.id}'" in html
    with pytest.raises(Exception, match="no indicator 'nope'"):
        chapter.indicator_of("nope")


def test_the_data_never_print_a_child():
    data = dsr.load()
    shown = repr(data)
    assert "226 children" in shown
    assert not any(child in shown for child in data.children["child_id"].head(20))


def test_the_chapter_notebook_shows_the_outline_in_a_cell_the_page_drops():
    cells = json.loads(CHAPTER_NOTEBOOK.read_text(encoding="utf-8"))["cells"]
    outline = [c for c in cells if "chapter.outline()" in "".join(c["source"])]
    assert len(outline) == 1
    assert "remove-cell" in outline[0]["metadata"].get("tags", [])
    assert "remove-cell" in cells[0]["metadata"].get("tags", [])
    assert "data/programme_theory/" in "".join(cells[0]["source"])
    # After the chapter exists, before anything else is shown of it.
    sources = ["".join(c["source"]) for c in cells]
    made = next(i for i, s in enumerate(sources) if "chapter = Chapter(" in s)
    assert cells.index(outline[0]) == made + 1


@pytest.mark.parametrize("path", [config.PROGRAMME_THEORY_PATH, VIVE_THEORY],
                         ids=["dsr", "vive2023"])
def test_the_outline_quotes_each_level_and_names_each_indicators_calls(path):
    theory = load_programme_theory(path)
    for level in theory.levels:
        for lang in ("da", "en"):
            text = outline_markdown(theory, level, "X", lang, path)
            assert level.summary.get(lang) in text
            assert f"data/programme_theory/{path.name}" in text
            for indicator in level.indicators:
                assert f'chapter.indicator("{indicator.id}")' in text
                assert f'chapter.table("{indicator.criterion.table}")' in text


def test_a_chapter_from_published_cells_outlines_its_own_theory_file():
    chapter = Chapter("immediate", "kolding", cells=dsr.load().cells())
    assert "data/programme_theory/dsr.yml" in str(chapter.outline())
    assert chapter.outline()._repr_markdown_().startswith("# Umiddelbare resultater – Kolding")
