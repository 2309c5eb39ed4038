"""Per-unit up-to-date keys (runner/plan.py's unit_view), the no-op stamp (runner/uptodate.py)
and the index's cached assessments (runner/assessments.py)."""

from __future__ import annotations

import json
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import pandas as pd
from fixtures.report_set import CELLS, pinned_build, tiny_settings

from dsr_analysis import config
from dsr_analysis.cells import cells_csv, read_cells
from dsr_analysis.programme_theory import load_programme_theory
from dsr_analysis.report.chapter import Chapter
from dsr_analysis.report.units import load_units
from dsr_analysis.runner import uptodate

NEW_ENTRY = """
  - id: nyby
    name: Nyby
    monitored: true
    trial: false
"""


def statuses(summary) -> dict[str, set[str]]:
    found: dict[str, set[str]] = {}
    for outcome in summary.outcomes:
        found.setdefault(outcome.unit, set()).add(outcome.status)
    return found


def with_new_municipality(units_path: Path, cells_path: Path) -> None:
    """One more municipality entry, and its cells (Kolding's, renamed); the pool as it was."""
    units_path.write_text(units_path.read_text(encoding="utf-8") + NEW_ENTRY, encoding="utf-8")
    cells = read_cells(cells_path)
    own = cells[cells["municipality"] == "Kolding"].assign(municipality="Nyby")
    cells_path.write_text(cells_csv(pd.concat([cells, own], ignore_index=True)),
                          encoding="utf-8")


def test_a_new_entry_rebuilds_only_its_unit_and_the_pooled_one(tmp_path):
    units_path, cells_path = tmp_path / "municipalities.yml", tmp_path / "cells.csv"
    units_path.write_bytes(config.MUNICIPALITIES_PATH.read_bytes())
    cells_path.write_bytes(CELLS.read_bytes())
    settings = replace(tiny_settings(tmp_path), municipalities_path=units_path)

    def build():
        return pinned_build(cells_path=cells_path, settings=settings, progress=False, jobs=2)

    assert set().union(*statuses(build()).values()) == {"built"}
    with_new_municipality(units_path, cells_path)
    after = statuses(build())
    built = {unit for unit, found in after.items() if "built" in found}
    assert built == {"nyby", "alle"}
    assert all(found == {"skipped"} for unit, found in after.items() if unit not in built)


def test_a_municipalitys_chapter_reads_nothing_of_another_entry():
    # What unit_view leaves out must not show on the page: Kolding's chapters are the same
    # HTML whether or not another municipality is in the file (a word that counted the
    # municipalities would fail this, and would have to be added to unit_view).
    theory = load_programme_theory()
    units = load_units()
    cells = read_cells(CELLS)
    extra = units[:-2] + [replace(units[2], id="nyby", name="Nyby", facts={})] + units[-2:]

    def rendered(all_units):
        html = []
        for level in theory.levels:
            chapter = Chapter(level.id, "kolding", theory=theory, units=all_units, cells=cells)
            html += [chapter.render_summary(), chapter.render_design_note(),
                     chapter.render_introduction(), chapter.render_organisation()]
            html += [chapter.render_indicator(i) for i in level.indicators]
        return html

    assert rendered(units) == rendered(extra)


def test_a_no_op_build_plans_nothing_and_imports_no_pandas(tmp_path):
    settings = tiny_settings(tmp_path)
    first = pinned_build(cells_path=CELLS, settings=settings, progress=False, jobs=2)
    record = json.loads((settings.build_dir / uptodate.STAMP_FILE).read_text())
    assert len(record["chapters"]) == len(first.outcomes)
    script = (
        "import sys\n"
        "from pathlib import Path\n"
        "from dsr_analysis.runner.build import build_reports\n"
        "from dsr_analysis.runner.model import Settings\n"
        f"settings = Settings(reports_dir=Path({str(settings.reports_dir)!r}),\n"
        f"    build_dir=Path({str(settings.build_dir)!r}),\n"
        f"    notebooks_dir=Path({str(settings.notebooks_dir)!r}))\n"
        f"summary = build_reports(cells_path=Path({str(CELLS)!r}), settings=settings,\n"
        "    progress=False)\n"
        "print(sorted({o.status for o in summary.outcomes}), 'pandas' in sys.modules)\n"
    )
    # The pinned build's library hash is the real one unless the tree changes meanwhile.
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                          timeout=120, check=True)
    assert done.stdout.strip() == "['skipped'] False", done.stderr
    # A page touched since is no longer the build's: the stamp no longer holds.
    page = Path(first.outcomes[0].executed)  # any file the record does not list changes nothing
    assert page.exists()
    index = settings.reports_dir / "index.html"
    index.write_bytes(index.read_bytes() + b" ")
    current, found = uptodate.check(
        uptodate.Request((), "da", 5, "", str(CELLS), ""), settings)
    assert found is None and current == record["stamp"]


def test_the_index_assesses_only_units_whose_cells_changed(tmp_path, monkeypatch):
    from dsr_analysis.runner import assessments

    theory, units, cells = load_programme_theory(), load_units(), read_cells(CELLS)
    keys = {u.id: f"hash-{u.id}" for u in units}
    first = assessments.cached_assessments(theory, units, cells, keys, "lib", tmp_path)
    assessed = []
    real = assessments.assess_all
    monkeypatch.setattr(assessments, "assess_all",
                        lambda t, c, name: assessed.append(name) or real(t, c, name))
    again = assessments.cached_assessments(theory, units, cells, keys | {"kolding": "new"},
                                           "lib", tmp_path)
    assert assessed == ["Kolding"]
    columns = ["indicator", "status"]
    assert all(again[u][columns].equals(first[u][columns]) for u in first)
