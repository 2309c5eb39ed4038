"""Tests of dsr_analysis.build: planning, skipping, failure isolation, atomic pages, the command."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pandas as pd
import papermill
import pytest
from click.testing import CliRunner
from fixtures.report_set import CELLS, REAL_UNITS, pinned_build, real_build, tiny_settings

from dsr_analysis import build, config
from dsr_analysis.build import Settings, build_reports, cells_csv, reports_command
from dsr_analysis.chapter import load_units, read_cells
from dsr_analysis.html import read_build_key
from dsr_analysis.programme_theory import load_programme_theory

CHAPTERS = ["01_effort", "02_output", "03_immediate", "04_medium", "05_long_term"]


def statuses(summary):
    return {(o.unit, o.chapter): o.status for o in summary.outcomes}


def by_unit(summary):
    result = {}
    for outcome in summary.outcomes:
        result.setdefault(outcome.unit, set()).add(outcome.status)
    return result


def write_cells(frame: pd.DataFrame, path: Path) -> Path:
    path.write_text(cells_csv(frame), encoding="utf-8")
    return path


class TestNotebookContract:
    """Every chapter notebook has the same thin shape and the parameters the runner passes."""

    @pytest.mark.parametrize("level", load_programme_theory().levels, ids=lambda lv: lv.id)
    def test_parameters(self, level):
        notebook = config.NOTEBOOKS_DIR / level.notebook
        parameters = papermill.inspect_notebook(str(notebook))
        assert list(parameters) == ["municipality", "data_path", "lang", "min_cell"]

    @pytest.mark.parametrize("level", load_programme_theory().levels, ids=lambda lv: lv.id)
    def test_committed_without_outputs(self, level):
        import nbformat

        notebook = nbformat.read(config.NOTEBOOKS_DIR / level.notebook, as_version=4)
        code = [c for c in notebook.cells if c.cell_type == "code"]
        assert all(not c.outputs and c.execution_count is None for c in code)
        # Thin: no cell longer than a few lines; the work is in dsr_analysis.chapter.
        assert max(len(c.source.splitlines()) for c in code) <= 4


class TestPlan:
    def test_one_task_per_unit_and_chapter_in_order(self, tmp_path):
        theory = load_programme_theory()
        units = load_units()
        cells = read_cells(CELLS)
        tasks = build.plan(
            theory, units, cells, "da", 5, Settings(build_dir=tmp_path), "src", "abc"
        )
        assert [(t.unit, t.chapter) for t in tasks][:5] == [(units[0].id, c) for c in CHAPTERS]
        assert len(tasks) == len(units) * len(CHAPTERS)
        # Papermill writes under build/, the page under reports/.
        assert all(Path(t.executed).is_relative_to(tmp_path) for t in tasks)
        assert all(Path(t.output).is_relative_to(config.REPORTS_DIR) for t in tasks)

    def test_key_covers_cells_but_not_other_units(self, tmp_path):
        theory, units = load_programme_theory(), load_units()
        cells = read_cells(CELLS)
        changed = cells.copy()
        changed.loc[changed["municipality"] == "Odense", "value"] += 0.01

        def keys(frame):
            tasks = build.plan(
                theory, units, frame, "da", 5, Settings(build_dir=tmp_path), "src", "abc"
            )
            return {(t.unit, t.chapter): t.key for t in tasks}

        before, after = keys(cells), keys(changed)
        differ = {unit for (unit, _), key in before.items() if after[(unit, _)] != key}
        assert differ == {"odense", "alle"}

    def test_unknown_unit_is_refused(self, tmp_path):
        with pytest.raises(build.BuildError, match="unknown unit"):
            build_reports(
                ["atlantis"], data_path=CELLS, settings=tiny_settings(tmp_path), progress=False
            )


class TestTinyBuilds:
    """Runner mechanics on stand-in notebooks (each run costs little more than papermill)."""

    def test_incremental_builds_and_failure_isolation(self, tmp_path):
        # One sequence, because every build costs kernel starts: cold, no-op, one unit's
        # data changed, --force, then one unit broken on purpose.
        settings = tiny_settings(tmp_path)
        units = ["kolding", "odense"]

        def run(data=CELLS, only=units, force=False):
            return pinned_build(
                only, jobs=2, force=force, data_path=data, settings=settings, progress=False
            )

        cold = run()
        assert set(statuses(cold).values()) == {"built"}
        odense_page = settings.reports_dir / "odense" / "02_output.html"
        assert read_build_key(odense_page)

        assert set(statuses(run()).values()) == {"skipped"}  # no notebook executed

        cells = read_cells(CELLS)
        cells.loc[cells["municipality"] == "Kolding", "value"] *= 0.9
        changed = write_cells(cells, tmp_path / "changed.csv")
        assert by_unit(run(changed)) == {"kolding": {"built"}, "odense": {"skipped"}}

        assert set(statuses(run(changed, ["odense"], force=True)).values()) == {"built"}

        before = odense_page.read_bytes()
        cells.loc[cells["municipality"] == "Odense", "label"] = "BROKEN"
        cells.loc[cells["municipality"] == "Kolding", "value"] *= 0.9
        broken = run(write_cells(cells, tmp_path / "broken.csv"))
        assert {o.unit for o in broken.failed} == {"odense"}
        assert by_unit(broken)["kolding"] == {"built"}  # the others still build
        failure = broken.failed[0]
        assert "ValueError" in failure.error
        assert Path(failure.executed).exists()
        assert Path(failure.executed).is_relative_to(settings.build_dir)
        assert odense_page.read_bytes() == before  # the good page stays
        index = (settings.reports_dir / "index.html").read_text(encoding="utf-8")
        assert "Fejl ved seneste kørsel" in index
        leftovers = [p for p in settings.reports_dir.rglob("*") if p.name.endswith(".tmp")]
        assert leftovers == []


class TestAtomicWrite:
    def test_failed_write_leaves_old_file(self, tmp_path, monkeypatch):
        target = tmp_path / "page.html"
        target.write_text("old", encoding="utf-8")

        def refuse(*_):
            raise OSError("disk full")

        monkeypatch.setattr(build.os, "replace", refuse)
        with pytest.raises(OSError):
            build._atomic_write(target, "new")
        assert target.read_text(encoding="utf-8") == "old"
        assert [p.name for p in tmp_path.iterdir()] == ["page.html"]


class TestLibraryHash:
    def test_changes_with_a_data_file(self, tmp_path):
        extra = tmp_path / "theory.yml"
        extra.write_text("a", encoding="utf-8")
        first = build.library_hash([extra])
        assert build.library_hash([extra]) == first
        extra.write_text("b", encoding="utf-8")
        assert build.library_hash([extra]) != first


class TestGitCommit:
    def test_short_commit_with_dirty_marker(self):
        commit = build.git_commit()
        assert commit == "unknown" or re.fullmatch(r"[0-9a-f]{12}\+?", commit)


class TestCommand:
    def test_exit_code_names_failed_unit(self, tmp_path, monkeypatch):
        settings = tiny_settings(tmp_path)
        monkeypatch.setattr(build, "Settings", lambda: settings)
        monkeypatch.setattr(build, "library_hash", lambda: "pinned")
        cells = read_cells(CELLS)
        cells.loc[cells["municipality"] == "Odense", "label"] = "BROKEN"
        broken = write_cells(cells, tmp_path / "broken.csv")
        result = CliRunner().invoke(
            reports_command, ["--units", "odense", "--jobs", "1", "--data", str(broken)]
        )
        assert result.exit_code == 1
        assert "odense" in result.output and "executed notebook" in result.output
        assert "index.html" in result.output

    def test_bad_data_path_is_a_clear_error(self, tmp_path, monkeypatch):
        monkeypatch.setattr(build, "Settings", lambda: tiny_settings(tmp_path))
        result = CliRunner().invoke(reports_command, ["--data", str(tmp_path / "none.csv")])
        assert result.exit_code == 1
        assert "cannot read the data file" in result.output


class TestRealBuild:
    """The real chapter notebooks, built once per session (fixtures.report_set)."""

    def test_every_chapter_built(self):
        settings, summary = real_build()
        assert not summary.failed, [(o.unit, o.chapter, o.error) for o in summary.failed]
        for unit in REAL_UNITS:
            for chapter in CHAPTERS:
                assert (settings.reports_dir / unit / f"{chapter}.html").exists()

    def test_headings_follow_the_programme_theory(self):
        settings, _ = real_build()
        theory = load_programme_theory()
        for level, chapter in zip(theory.levels, CHAPTERS, strict=True):
            page = (settings.reports_dir / "alle" / f"{chapter}.html").read_text("utf-8")
            h1 = re.findall(r"<h1[^>]*>(.*?)</h1>", page)
            assert h1 == [f"{level.title.da} – Alle fire kommuner"]
            shown = re.findall(r"<section[^>]*data-indicator=\"([a-z_]+)\"", page)
            assert shown == [ind.id for ind in level.indicators]

    def test_every_level_shows_an_assessment(self):
        settings, _ = real_build()
        for chapter in CHAPTERS:
            page = (settings.reports_dir / "kolding" / f"{chapter}.html").read_text("utf-8")
            assert re.search(r"class=\"assessment\" data-status=\"(met|not_met|too_little)", page)

    def test_unmonitored_unit_says_so(self):
        settings, summary = real_build()
        assert by_unit(summary)["mariagerfjord"] == {"built"}
        for chapter in CHAPTERS:
            page = (settings.reports_dir / "mariagerfjord" / f"{chapter}.html").read_text("utf-8")
            assert "deltog ikke i monitoreringen" in page
            assert 'class="assessment"' not in page

    def test_effort_chapter_presents_organisation(self):
        settings, _ = real_build()
        page = (settings.reports_dir / "kolding" / "01_effort.html").read_text("utf-8")
        assert "Kommunens organisering" in page and "Tusindfryd" in page
        pooled = (settings.reports_dir / "alle" / "01_effort.html").read_text("utf-8")
        assert all(name in pooled for name in ("Faaborg-Midtfyn", "Mariagerfjord", "Odense"))
        assert "København" not in pooled

    def test_rebuilding_one_chapter_cold_is_byte_identical(self, tmp_path):
        settings, _ = real_build()
        again = Settings(reports_dir=tmp_path / "reports", build_dir=tmp_path / "build")
        pinned_build(["alle"], jobs=2, data_path=CELLS, settings=again, progress=False)
        for chapter in CHAPTERS:
            first = (settings.reports_dir / "alle" / f"{chapter}.html").read_bytes()
            assert (again.reports_dir / "alle" / f"{chapter}.html").read_bytes() == first

    def test_noop_rebuild_executes_nothing(self, tmp_path):
        settings, _ = real_build()
        copy = Settings(reports_dir=tmp_path / "reports", build_dir=settings.build_dir)
        shutil.copytree(settings.reports_dir, copy.reports_dir)
        summary = pinned_build(REAL_UNITS, data_path=CELLS, settings=copy, progress=False)
        assert {o.status for o in summary.outcomes} == {"skipped"}
