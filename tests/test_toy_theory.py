"""The engine is general: a third, toy programme theory builds a report set from data alone.

tests/fixtures/toy holds a theory (two levels), its units (two towns) and a few published
cells; nothing in dsr_analysis/ knows it. The build runs the real chapter notebook.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from fixtures.report_set import pinned_build

from dsr_analysis.runner.model import Settings

TOY = Path(__file__).parent / "fixtures" / "toy"


@pytest.fixture(scope="module")
def toy_build(tmp_path_factory):
    root = tmp_path_factory.mktemp("toy")
    settings = Settings(
        reports_dir=root / "reports",
        build_dir=root / "build",
        theory_path=TOY / "theory.yml",
        municipalities_path=TOY / "units.yml",
    )
    summary = pinned_build(None, jobs=2, cells_path=TOY / "cells.csv", settings=settings,
                           progress=False)
    return settings, summary


def test_every_unit_gets_a_chapter_per_level(toy_build):
    settings, summary = toy_build
    assert not summary.failed and not summary.problems
    pages = sorted(p.relative_to(settings.reports_dir).as_posix()
                   for p in settings.reports_dir.rglob("*.html"))
    assert pages == [
        "aby/01_start.html", "aby/02_finish.html", "aby/method.html",
        "alle/01_start.html", "alle/02_finish.html", "alle/method.html",
        "bby/01_start.html", "bby/02_finish.html", "bby/method.html",
        "index.html",
    ]


def test_the_toy_criteria_are_judged_on_its_cells(toy_build):
    settings, _ = toy_build
    aby = (settings.reports_dir / "aby" / "01_start.html").read_text(encoding="utf-8")
    bby = (settings.reports_dir / "bby" / "01_start.html").read_text(encoding="utf-8")
    # Aby: 75 % (60–86 %) against at least 50 %: met; Bby: 30 % (15–52 %) straddles it.
    assert "data-status='met'" in aby or 'data-status="met"' in aby
    assert re.search(r"data-status=.no_clear_change", bby)
    assert "Tabel T-1" in aby  # the toy's own way of citing a table
    assert "NIRAS" not in aby


def test_the_index_lists_the_toy_units(toy_build):
    settings, _ = toy_build
    index = (settings.reports_dir / "index.html").read_text(encoding="utf-8")
    for unit in ("aby", "bby", "alle"):
        assert f"data-unit='{unit}'" in index
    assert "Begge byer" in index
