"""Editions side by side (issue 13): another language, minimum cell size or data builds into its
own folder unless --out names one, and an unsuppressed build says on every page that it is not
for publication."""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner
from fixtures.report_set import CELLS, tiny_settings

from dsr_analysis.audit_command import _other_set_folders
from dsr_analysis.cells import read_cells, write_cells
from dsr_analysis.html import Page, render_page
from dsr_analysis.report.sets import report_set
from dsr_analysis.runner import build
from dsr_analysis.runner.command import reports_command
from dsr_analysis.runner.editions import edition_folder

WARNING_DA = "IKKE TIL OFFENTLIGGØRELSE / NOT FOR PUBLICATION"
WARNING_EN = "NOT FOR PUBLICATION"


def _build(tmp_path, monkeypatch, *arguments: str):
    monkeypatch.setattr(build, "Settings", lambda: tiny_settings(tmp_path))
    monkeypatch.setattr(build, "library_hash", lambda: "pinned")
    result = CliRunner().invoke(reports_command, ["--set", "dsr", "--units", "kolding",
                                                  "--jobs", "1", *arguments])
    assert result.exit_code == 0, result.output
    return result


def _pages(folder: Path) -> list[Path]:
    return sorted(folder.rglob("*.html"))


def test_an_english_build_goes_beside_the_danish_one(tmp_path, monkeypatch):
    _build(tmp_path, monkeypatch, "--cells", str(CELLS), "--lang", "en")
    edition = tmp_path / "reports" / edition_folder("en", 5)
    assert edition.name == "en"
    assert (edition / "kolding" / "01_effort.html").is_file()
    assert not (tmp_path / "reports" / "kolding").exists()
    assert all("lang='en'" in p.read_text(encoding="utf-8") for p in _pages(edition))
    # Its own build files too: the default edition's caches and stamp are untouched.
    assert (tmp_path / "build" / edition.name).is_dir()


def test_out_names_the_folder(tmp_path, monkeypatch):
    out = tmp_path / "elsewhere"
    _build(tmp_path, monkeypatch, "--cells", str(CELLS), "--out", str(out))
    assert (out / "kolding" / "01_effort.html").is_file() and (out / "index.html").is_file()
    assert not (tmp_path / "reports").exists()


def test_an_unsuppressed_build_says_so_on_every_page(tmp_path, monkeypatch):
    unsuppressed = write_cells(read_cells(CELLS).assign(min_cell=1), tmp_path / "all.csv")
    _build(tmp_path, monkeypatch, "--cells", str(unsuppressed), "--min-cell", "1")
    edition = tmp_path / "reports" / "min-cell-1"
    pages = _pages(edition)
    assert len(pages) >= 6  # five chapters, the method page and the index
    for page in pages:
        text = page.read_text(encoding="utf-8")
        assert "<div class='banner warning' role='alert'>" in text, page
        assert WARNING_DA in text, page


def test_a_suppressed_build_carries_no_warning(tmp_path, monkeypatch):
    _build(tmp_path, monkeypatch, "--cells", str(CELLS))
    pages = _pages(tmp_path / "reports")
    assert pages and not any("role='alert'" in p.read_text(encoding="utf-8") for p in pages)


def test_the_warning_is_in_the_pages_language_and_printed_on_every_sheet():
    english = render_page("<p>x</p>", Page(title="T", lang="en", warning=WARNING_EN + ". x"))
    assert WARNING_EN in english and "@bottom-center" in english
    assert render_page("<p>x</p>", Page(title="T")).count("role='alert'") == 0


def test_the_audit_leaves_other_editions_to_their_own_release(tmp_path):
    for folder in ("", "vive2023", "en", "min-cell-1/vive2023"):
        (tmp_path / folder).mkdir(parents=True, exist_ok=True)
        (tmp_path / folder / "index.html").write_text("x", encoding="utf-8")
    skipped = _other_set_folders(report_set("dsr"), tmp_path)
    assert {"vive2023", "en", "min-cell-1"} <= set(skipped)
    assert "" not in skipped and "." not in skipped
