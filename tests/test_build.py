"""Tests of the report runner: planning, keys, skipping, failure isolation, the command.

Atomic writes: tests/test_files.py; staging, locks, signals, write errors:
tests/test_build_safety.py.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from dataclasses import replace
from pathlib import Path

import pandas as pd
import papermill
import pytest
from click.testing import CliRunner
from fixtures.report_set import (
    BUILT_UNITS,
    CELLS,
    REAL_UNITS,
    TRIAL_CHAPTERS,
    TRIAL_UNIT,
    pinned_build,
    real_build,
    tiny_settings,
)

from dsr_analysis import config
from dsr_analysis.cells import cells_csv, read_cells
from dsr_analysis.errors import ConfigurationError
from dsr_analysis.html import read_build_key
from dsr_analysis.municipalities import load_municipalities
from dsr_analysis.programme_theory import load_programme_theory
from dsr_analysis.report.units import TRIAL_DATA, Unit, load_units, report_chapters
from dsr_analysis.runner import build, keys
from dsr_analysis.runner.build import Settings, build_reports
from dsr_analysis.runner.command import reports_command

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


def planned(tmp_path, cells=None, source="src", commit="abc", settings=None):
    """The bundled build's tasks (the cells file's unless ``cells`` are given)."""
    cells = read_cells(CELLS) if cells is None else cells
    settings = settings or Settings(build_dir=tmp_path)
    return build.plan(
        load_programme_theory(), load_units(), cells, "da", 5, settings, source, commit
    )


#: The parameters the runner passes every chapter notebook, in order.
PARAMETERS = ("level", "municipality", "data_path", "lang", "min_cell", "theory_path",
              "units_path")


class TestNotebookContract:
    """Every chapter notebook has the same thin shape and the parameters the runner passes."""

    def test_every_level_of_both_theories_uses_the_one_chapter_notebook(self):
        for path in (config.PROGRAMME_THEORY_PATH,
                     config.DATA_DIR / "programme_theory" / "vive2023.yml"):
            assert {lv.notebook for lv in load_programme_theory(path).levels} == {"chapter.ipynb"}

    def test_every_units_notebook_takes_the_same_parameters(self):
        # Copenhagen's long-term chapter has its own notebook; the runner passes it the same.
        theory = load_programme_theory()
        notebooks = {c.notebook for u in load_units() for c in report_chapters(u, theory)}
        assert notebooks == {"chapter.ipynb", "kbh_long_term.ipynb"}
        for name in notebooks:
            parameters = papermill.inspect_notebook(str(config.NOTEBOOKS_DIR / name))
            assert list(parameters) == [*PARAMETERS], name

    def test_committed_without_outputs(self):
        import nbformat

        notebook = nbformat.read(config.NOTEBOOKS_DIR / "chapter.ipynb", as_version=4)
        code = [c for c in notebook.cells if c.cell_type == "code"]
        assert all(not c.outputs and c.execution_count is None for c in code)
        # Thin: no cell longer than a few lines; the work is in dsr_analysis.report.chapter.
        work = [c for c in code if "parameters" not in c.metadata.get("tags", [])]
        assert max(len(c.source.splitlines()) for c in work) <= 4


class TestPlan:
    def test_one_task_per_unit_and_chapter_in_order(self, tmp_path):
        units = load_units()
        tasks = planned(tmp_path)
        assert [(t.unit, t.chapter) for t in tasks][:5] == [(units[0].id, c) for c in CHAPTERS]
        # Every unit has the five chapters but Copenhagen, which has two.
        assert len(tasks) == (len(units) - 1) * len(CHAPTERS) + len(TRIAL_CHAPTERS)
        # Papermill writes under build/, the page under reports/.
        assert all(Path(t.executed).is_relative_to(tmp_path) for t in tasks)
        assert all(Path(t.output).is_relative_to(config.REPORTS_DIR) for t in tasks)

    def test_key_covers_cells_but_not_other_units(self, tmp_path):
        cells = read_cells(CELLS)
        changed = cells.copy()
        changed.loc[changed["municipality"] == "Odense", "value"] += 0.01

        def keys(frame):
            return {(t.unit, t.chapter): t.key for t in planned(tmp_path, frame)}

        before, after = keys(cells), keys(changed)
        differ = {unit for (unit, _), key in before.items() if after[(unit, _)] != key}
        assert differ == {"odense", "alle"}

    def test_copenhagen_gets_the_trial_chapter_and_the_trial_cells(self, tmp_path):
        tasks = planned(tmp_path)
        own = {t.chapter: t for t in tasks if t.unit == TRIAL_UNIT}
        assert tuple(own) == TRIAL_CHAPTERS
        trial = own["05_long_term"]
        assert Path(trial.notebook).name == "kbh_long_term.ipynb"
        # The runner made the trial's cells (the design's, by dotted name) and passes the CSV.
        cells_path = Path(trial.parameters["data_path"])
        assert cells_path.parent == tmp_path / "cells"
        assert cells_path.name.startswith("trial-") and cells_path.suffix == ".csv"
        published = read_cells(cells_path)
        assert published["table"].unique().tolist()[:2] == ["KBH-1", "KBH-2"]
        assert published["min_cell"].eq(5).all() and not trial.input_error
        assert trial.parameters["municipality"] == TRIAL_UNIT
        # The effort chapter presents the organisation from the (empty) monitoring cells.
        assert Path(own["01_effort"].parameters["data_path"]).suffix == ".csv"
        # Navigation keeps the levels' numbers: chapter 1 and chapter 5, nothing between.
        links = [c["text"] for c in trial.page["chapters"]]
        assert links == ["1. Indsats", "5. Virkning på lang sigt", "Sådan læses rapporten"]
        assert trial.page["previous"]["href"] == "01_effort.html" and trial.page["next"] is None
        assert "Syntetiske data" in trial.page["banner"]
        assert trial.page["footer"][0][0].startswith("Forsøgsdata")

    def test_trial_key_covers_the_extract_and_nothing_else_changes(self, tmp_path):
        extract = tmp_path / "trial"
        shutil.copytree(Settings().trial_dir, extract, ignore=shutil.ignore_patterns("*.yml"))

        def keys():
            settings = Settings(build_dir=tmp_path / "build", trial_dir=extract)
            tasks = planned(tmp_path, settings=settings)
            return {(t.unit, t.chapter): t.key for t in tasks}

        before = keys()
        assert keys() == before
        children = extract / "children.csv"
        lines = children.read_text("utf-8").splitlines(keepends=True)
        children.write_text("".join(lines[:-1]), "utf-8")  # one child fewer
        after = keys()
        assert {k for k in before if before[k] != after[k]} == {(TRIAL_UNIT, "05_long_term")}

    def test_unknown_report_chapter_is_refused(self):
        theory = load_programme_theory()
        unit = load_units()[0]
        for chapters, message in (
            ([{"level": "nowhere"}], "unknown level"),
            ([{"level": "effort", "data": "register"}], "cells or trial"),
            ([{"level": "effort"}, {"level": "effort"}], "twice"),
        ):
            facts = unit.facts | {"report": {"chapters": chapters}}
            with pytest.raises(ConfigurationError, match=message):
                report_chapters(Unit(unit.id, unit.name, True, facts), theory)
        kinds = [c.data for c in report_chapters(load_units()[-1], theory)]
        assert kinds == ["cells", TRIAL_DATA]

    def test_unknown_unit_is_refused(self, tmp_path):
        with pytest.raises(build.BuildError, match="unknown unit"):
            build_reports(
                ["atlantis"], cells_path=CELLS, settings=tiny_settings(tmp_path), progress=False
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
                only, jobs=2, force=force, cells_path=data, settings=settings, progress=False
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
        # The stand-in notebook fails on the word; the cells stay a consistent release.
        cells.loc[cells["municipality"] == "Odense", "label_display"] = "BROKEN"
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


class TestTrialChapterFailure:
    def test_a_bad_trial_extract_fails_the_trial_chapter_alone(self, tmp_path):
        # The real trial notebook beside stand-ins; the runner's computing the cells stops at
        # validation, so the notebook is never executed.
        settings = replace(tiny_settings(tmp_path), trial_dir=tmp_path / "extract")
        shutil.copy(config.NOTEBOOKS_DIR / "kbh_long_term.ipynb", settings.notebooks_dir)
        shutil.copytree(
            Settings().trial_dir, settings.trial_dir, ignore=shutil.ignore_patterns("*.yml", "*.md")
        )
        children = settings.trial_dir / "children.csv"
        text = children.read_text("utf-8")
        children.write_text(text.replace("C0001,I01,intervention", "C0001,I01,control", 1), "utf-8")
        summary = pinned_build(
            [TRIAL_UNIT], jobs=2, cells_path=CELLS, settings=settings, progress=False
        )
        assert statuses(summary) == {
            (TRIAL_UNIT, "01_effort"): "built",
            (TRIAL_UNIT, "05_long_term"): "failed",
        }
        failure = summary.failed[0]
        assert failure.error.startswith("InputValidationError") and "arm" in failure.error
        assert failure.executed == ""  # nothing was executed
        assert not (settings.reports_dir / TRIAL_UNIT / "05_long_term.html").exists()
        assert not list((settings.build_dir / "cells").glob("trial-*.csv"))


class TestLibraryHash:
    def test_changes_with_a_data_file(self, tmp_path):
        extra = tmp_path / "theory.yml"
        extra.write_text("a", encoding="utf-8")
        first = build.library_hash([extra])
        assert build.library_hash([extra]) == first
        extra.write_text("b", encoding="utf-8")
        assert build.library_hash([extra]) != first


class TestKeys:
    """A page's key: package versions in, the commit out."""

    def keys(self, tmp_path, versions, commit="abc"):
        tasks = planned(tmp_path, source=keys.source_key("library", versions), commit=commit)
        return {(t.unit, t.chapter): t for t in tasks}

    def test_the_package_versions_are_read_as_installed(self):
        from importlib import metadata

        versions = keys.package_versions()
        assert set(versions) == {"python", *keys.PAGE_PACKAGES}
        for name in keys.PAGE_PACKAGES:
            assert versions[name] == metadata.version(name), name

    def test_a_package_upgrade_makes_every_page_stale(self, tmp_path, monkeypatch):
        before = self.keys(tmp_path, keys.package_versions())
        real = keys._installed_versions
        monkeypatch.setattr(keys, "_installed_versions", lambda: real() | {"seaborn": "9.9.9"})
        after = self.keys(tmp_path, keys.package_versions())
        assert all(after[name].key != task.key for name, task in before.items())

    def test_the_commit_is_in_the_footer_and_not_in_the_key(self, tmp_path):
        versions = keys.package_versions()
        before, after = self.keys(tmp_path, versions, "aaa"), self.keys(tmp_path, versions, "bbb")
        assert {name: t.key for name, t in before.items()} == {
            name: t.key for name, t in after.items()
        }
        footer = dict(map(tuple, after[("kolding", "01_effort")].page["footer"]))
        assert footer["Commit"] == "bbb" and footer["Version"]


def git(root, *arguments):
    subprocess.run(
        ["git", "-c", "user.name=t", "-c", "user.email=t@example.org", *arguments],
        cwd=root,
        check=True,
        capture_output=True,
    )


class TestGitCommit:
    def test_short_commit_with_dirty_marker(self):
        commit = build.git_commit()
        assert commit == "unknown" or re.fullmatch(r"[0-9a-f]{12}\+?", commit)

    @pytest.mark.skipif(shutil.which("git") is None, reason="needs git")
    def test_the_commit_of_the_library_source(self, tmp_path):
        for name in ("dsr_analysis/a.py", "notebooks/n.ipynb", "data/d.yml", "tests/t.py"):
            (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
            (tmp_path / name).write_text("1", encoding="utf-8")
        git(tmp_path, "init", "-q")
        git(tmp_path, "add", ".")
        git(tmp_path, "commit", "-qm", "first")
        source = keys.git_commit(tmp_path)
        assert re.fullmatch(r"[0-9a-f]{12}", source)

        # A commit of tests or documentation only: the same source, so the same footer.
        (tmp_path / "tests" / "t.py").write_text("2", encoding="utf-8")
        (tmp_path / "README.md").write_text("docs", encoding="utf-8")
        assert keys.git_commit(tmp_path) == source  # untracked and test edits: not dirty
        git(tmp_path, "add", ".")
        git(tmp_path, "commit", "-qm", "tests and docs")
        assert keys.git_commit(tmp_path) == source

        for name in ("dsr_analysis/a.py", "notebooks/n.ipynb", "data/d.yml"):
            (tmp_path / name).write_text("3", encoding="utf-8")
            assert keys.git_commit(tmp_path) == source + "+", name
            git(tmp_path, "commit", "-qam", f"change {name}")
            changed = keys.git_commit(tmp_path)
            assert re.fullmatch(r"[0-9a-f]{12}", changed) and changed != source, name
            source = changed

    def test_outside_git(self, tmp_path):
        assert keys.git_commit(tmp_path) == "unknown"


class TestCommand:
    def test_exit_code_names_failed_unit(self, tmp_path, monkeypatch):
        settings = tiny_settings(tmp_path)
        monkeypatch.setattr(build, "Settings", lambda: settings)
        monkeypatch.setattr(build, "library_hash", lambda: "pinned")
        cells = read_cells(CELLS)
        # The stand-in notebook fails on the word; the cells stay a consistent release.
        cells.loc[cells["municipality"] == "Odense", "label_display"] = "BROKEN"
        broken = write_cells(cells, tmp_path / "broken.csv")
        result = CliRunner().invoke(
            reports_command, ["--units", "odense", "--jobs", "1", "--cells", str(broken)]
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
        built = sorted(p.stem for p in (settings.reports_dir / TRIAL_UNIT).glob("0*.html"))
        assert tuple(built) == TRIAL_CHAPTERS

    def test_every_printed_n_is_an_n_of_the_release(self):
        """Each unit's pages print only group sizes its cells (or the pooled cells) have."""
        settings, _ = real_build()
        cells = read_cells(CELLS)
        units = {u.id: u for u in load_units()}
        checked = 0
        for unit in REAL_UNITS:
            # A municipality's pages show it beside the pooled four; the pooled set shows all.
            if units[unit].is_pooled:
                names = set(cells["municipality"])
            else:
                names = {units[unit].name, "Alle"}
            allowed = {f"{n:.0f}" for n in cells.loc[cells["municipality"].isin(names), "n"]
                       .dropna()}
            for chapter in CHAPTERS:
                page = (settings.reports_dir / unit / f"{chapter}.html").read_text("utf-8")
                for found in re.findall(r"n = ([\d /]+)", re.sub(r"<[^>]+>", "", page)):
                    for n in found.split("/"):
                        if n.strip():
                            checked += 1
                            assert n.strip() in allowed, (unit, chapter, found)
        assert checked > 50
        # Figure 6-1: a municipality's own number of children, not the pooled 226.
        kolding = (settings.reports_dir / "kolding" / "02_output.html").read_text("utf-8")
        assert "n = 68" in kolding and "n = 226" not in kolding

    def test_headings_follow_the_programme_theory(self):
        settings, _ = real_build()
        theory = load_programme_theory()
        for level, chapter in zip(theory.levels, CHAPTERS, strict=True):
            page = (settings.reports_dir / "alle" / f"{chapter}.html").read_text("utf-8")
            h1 = re.findall(r"<h1[^>]*>(.*?)</h1>", page)
            assert h1 == [f"{level.title.da} – {theory.word('pooled_name', 'da')}"]
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
        project = [e["name"] for e in load_municipalities() if not e.get("trial")]
        assert all(name in pooled for name in project)
        assert "København" not in pooled

    def test_copenhagen_long_term_chapter_presents_the_trial(self):
        settings, _ = real_build()
        page = (settings.reports_dir / TRIAL_UNIT / "05_long_term.html").read_text("utf-8")
        assert re.findall(r"<h1[^>]*>(.*?)</h1>", page) == ["Virkning på lang sigt – København"]
        h2 = [re.sub(r"<[^>]+>", "", h) for h in re.findall(r"<h2[^>]*>(.*?)</h2>", page)]
        assert h2 == [
            "Kort fortalt",
            "Forsøgets design",
            "Flere børn får støtte",
            "Flere børn bliver underrettet om: forskel i forskelle",
            "Børnene er yngre, når forvaltningen handler",
            "Sammenligning med de offentliggjorte tal",
            "Hvorfor institutionerne skal med i beregningen",
            "Økonomi",
        ]
        captions = re.findall(r"<caption>Tabel (KBH-\d)\.", page)
        assert captions == [f"KBH-{i}" for i in range(1, 8)]
        # Estimates with their 95 % intervals, e.g. the support difference and the age gaps.
        estimates = re.findall(r"<td>(−?[\d.]+,\d+) \((−?[\d.]+,\d+); (−?[\d.]+,\d+)\)</td>", page)
        assert len(estimates) >= 20
        for value, low, high in estimates:
            number = [
                float(x.replace(".", "").replace(",", ".").replace("−", "-"))
                for x in (value, low, high)
            ]
            assert number[1] <= number[0] <= number[2], (value, low, high)
        # Negative numbers with a minus sign (U+2212), not a hyphen.
        assert re.search(r"<td>−4,\d \(", page) and re.search(r"<td>−7,\d \(", page)
        assert page.count("<td>ja</td>") == 6 and "<td>nej</td>" not in page
        # No child-level rows: only the seven small aggregate tables, no ids of children or
        # institutions, and the figure as inline SVG, not an embedded image.
        assert not re.search(r"\b[CI]\d{2,5}\b", page)
        rows = [t.count("<tr>") for t in re.findall(r"<table.*?</table>", page, re.S)]
        assert len(rows) == 8 and max(rows) <= 10
        assert "<svg" in page and "data:image/png" not in page
        assert "kbh_long_term" not in page and "data_path" not in page

    def test_copenhagen_effort_chapter_presents_organisation_and_costs(self):
        settings, summary = real_build()
        assert by_unit(summary)[TRIAL_UNIT] == {"built"}
        page = (settings.reports_dir / TRIAL_UNIT / "01_effort.html").read_text("utf-8")
        assert re.findall(r"<h1[^>]*>(.*?)</h1>", page) == ["Indsats – København"]
        assert "Kommunens organisering" in page and "Forsøget og økonomien" in page
        assert "5,8 mio. kr." in page and "10,5 årsværk" in page and "5.352" in page
        assert "var ikke med i NIRAS-projektet" in page
        assert 'class="assessment"' not in page and "data-status" not in page

    def test_index_lists_copenhagen_with_its_two_chapters(self):
        settings, _ = real_build()
        index = (settings.reports_dir / "index.html").read_text("utf-8")
        row = re.search(rf"<tr data-unit='{TRIAL_UNIT}'>(.*?)</tr>", index).group(1)
        assert row.count("class='not-in-set'") == 3 and "Lodtrækningsforsøg" in row
        part = index.split(f"<section class='unit' id='unit-{TRIAL_UNIT}'", 1)[1]
        assert re.findall(r"class='chapter-link' href='([^']+)'", part) == [
            f"{TRIAL_UNIT}/{chapter}.html" for chapter in TRIAL_CHAPTERS
        ]
        # Copenhagen is not one of the project's municipalities: its row comes after "Alle".
        names = re.findall(r"<th scope='row'><a href='#unit-[^']+'>(.*?)</a></th>", index)
        assert names[-2:] == [load_programme_theory().word("pooled_name", "da"), "København"]

    def test_rebuilding_one_chapter_cold_is_byte_identical(self, tmp_path):
        settings, _ = real_build()
        again = Settings(reports_dir=tmp_path / "reports", build_dir=tmp_path / "build")
        pinned_build(["alle"], jobs=2, cells_path=CELLS, settings=again, progress=False)
        for chapter in CHAPTERS:
            first = (settings.reports_dir / "alle" / f"{chapter}.html").read_bytes()
            assert (again.reports_dir / "alle" / f"{chapter}.html").read_bytes() == first

    def test_noop_rebuild_executes_nothing(self, tmp_path):
        settings, _ = real_build()
        copy = Settings(reports_dir=tmp_path / "reports", build_dir=settings.build_dir)
        shutil.copytree(settings.reports_dir, copy.reports_dir)
        summary = pinned_build(BUILT_UNITS, cells_path=CELLS, settings=copy, progress=False)
        assert {o.status for o in summary.outcomes} == {"skipped"}
        assert len(summary.outcomes) == 5 * len(REAL_UNITS) + len(TRIAL_CHAPTERS)
