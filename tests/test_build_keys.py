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
from dsr_analysis.runner.plan import unit_view

NEW_ENTRY = """
  - id: nyby
    name: Nyby
    monitored: {monitored}
    trial: false
"""


def statuses(summary) -> dict[str, set[str]]:
    found: dict[str, set[str]] = {}
    for outcome in summary.outcomes:
        found.setdefault(outcome.unit, set()).add(outcome.status)
    return found


def with_new_municipality(units_path: Path, cells_path: Path, monitored: bool) -> None:
    """One more municipality entry, and its cells (Kolding's, renamed); the pool as it was."""
    entry = NEW_ENTRY.format(monitored=str(monitored).lower())
    units_path.write_text(units_path.read_text(encoding="utf-8") + entry, encoding="utf-8")
    cells = read_cells(cells_path)
    own = cells[cells["municipality"] == "Kolding"].assign(municipality="Nyby")
    cells_path.write_text(cells_csv(pd.concat([cells, own], ignore_index=True)),
                          encoding="utf-8")


def rebuilt_after_new_entry(tmp_path: Path, monitored: bool) -> tuple[set[str], set[str]]:
    """(units rebuilt, all units) after adding one entry to a built set."""
    units_path, cells_path = tmp_path / "municipalities.yml", tmp_path / "cells.csv"
    units_path.write_bytes(config.MUNICIPALITIES_PATH.read_bytes())
    cells_path.write_bytes(CELLS.read_bytes())
    settings = replace(tiny_settings(tmp_path), municipalities_path=units_path)

    def build():
        return pinned_build(cells_path=cells_path, settings=settings, progress=False, jobs=2)

    assert set().union(*statuses(build()).values()) == {"built"}
    with_new_municipality(units_path, cells_path, monitored)
    after = statuses(build())
    built = {unit for unit, found in after.items() if "built" in found}
    assert all(found == {"skipped"} for unit, found in after.items() if unit not in built)
    return built, set(after)


def test_an_entry_outside_the_pool_rebuilds_only_its_unit_and_the_pooled_one(tmp_path):
    built, _ = rebuilt_after_new_entry(tmp_path, monitored=False)
    assert built == {"nyby", "alle"}


def test_a_pooled_entry_rebuilds_every_page_that_names_the_pool_by_its_size(tmp_path):
    # "Kolding sammenlignet med alle fire kommuner samlet" becomes "... fem ...": a page
    # left as it was would be wrong, so no key may leave the count out.
    built, units = rebuilt_after_new_entry(tmp_path, monitored=True)
    monitored = {u.id for u in load_units() if u.monitored and not u.trial}
    assert {"nyby", "alle"} | monitored <= built


def test_a_municipalitys_chapter_reads_of_another_entry_only_the_pools_size():
    # What unit_view leaves out must not show on the page: Kolding's chapters are the same
    # HTML whether or not another entry is in the file as long as the pool's size is the same
    # (an unmonitored one), and differ when it is not (the count is in unit_view).
    theory = load_programme_theory()
    units = load_units()
    cells = read_cells(CELLS)

    def rendered(all_units):
        html = []
        for level in theory.levels:
            chapter = Chapter(level.id, "kolding", theory=theory, units=all_units, cells=cells)
            html += [chapter.render_summary(), chapter.render_design_note(),
                     chapter.render_introduction(), chapter.render_organisation()]
            html += [chapter.render_indicator(i) for i in level.indicators]
        return html

    def with_extra(monitored: bool):
        extra = replace(units[2], id="nyby", name="Nyby", facts={}, monitored=monitored)
        return units[:-2] + [extra] + units[-2:]

    assert rendered(units) == rendered(with_extra(False))
    assert rendered(units) != rendered(with_extra(True))
    view = unit_view(units[2], units, theory)
    assert view != unit_view(units[2], with_extra(True), theory)
    assert view == unit_view(units[2], with_extra(False), theory)


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
