"""The page "Sådan læses rapporten" / "How to read this report" (report.method_page)."""

from __future__ import annotations

import html
import re

import pytest
import yaml
from fixtures.report_set import CELLS, PINNED_COMMIT

from dsr_analysis.cells import read_cells
from dsr_analysis.errors import ConfigurationError
from dsr_analysis.html import publishing_problems
from dsr_analysis.programme_theory import STATUSES, load_programme_theory
from dsr_analysis.report import method_page
from dsr_analysis.report.method_page import (
    ANCHORS,
    METHOD_PAGE,
    METHOD_TEXT_PATH,
    load_method_text,
    method_body,
    write_method_pages,
)
from dsr_analysis.report.units import load_units
from dsr_analysis.runner.model import Settings
from dsr_analysis.runner.plan import plan


@pytest.fixture(scope="module")
def units():
    return {unit.id: unit for unit in load_units()}


def body(unit, lang="da", min_cell=5):
    return method_body(load_programme_theory(), unit, load_units(), lang, min_cell)


class TestContent:
    @pytest.mark.parametrize("lang", ["da", "en"])
    def test_every_anchor_is_a_section_in_order(self, units, lang):
        ids = re.findall(r"<section id='([^']+)'>", body(units["kolding"], lang))
        assert ids == list(ANCHORS)

    def test_both_languages_have_the_same_shape(self, units):
        def shape(html):
            return re.findall(r"<(section|h2|p|li|dt|dd)\b", html)

        assert shape(body(units["odense"], "da")) == shape(body(units["odense"], "en"))

    def test_the_minimum_cell_size_and_group_size_are_stated(self, units):
        danish = body(units["kolding"], "da", min_cell=7)
        assert "færre end 7 børn" in danish and "grænsen 7 børn" in danish
        assert "færre end 10 børn" in danish  # the criteria's min_n
        assert "»skjult«" in danish
        assert "fewer than 7 children" in body(units["kolding"], "en", min_cell=7)

    def test_the_trial_is_linked_from_every_unit(self, units):
        for unit in ("kolding", "alle", "kobenhavn"):
            assert "<a href='../kobenhavn/05_long_term.html'>" in body(units[unit])

    def test_every_outcome_is_explained_with_its_badge(self, units):
        theory = load_programme_theory()
        html = body(units["kolding"], "en")
        for status in STATUSES:
            assert f"<dt data-status='{status}'><span class='badge'" in html
            assert theory.status_words[status].en in html

    def test_the_criteria_are_said_to_be_ours_not_niras(self, units):
        assert "not NIRAS's own" in html.unescape(body(units["kolding"], "en"))
        assert "ikke NIRAS' egne" in html.unescape(body(units["kolding"], "da"))

    def test_levels_link_only_to_the_units_own_chapters(self, units):
        levels = re.search(r"<ol class='levels'>(.*?)</ol>", body(units["kobenhavn"])).group(1)
        assert re.findall(r"href='([^']+)'", levels) == ["01_effort.html", "05_long_term.html"]
        assert levels.count("<li>") == 5

    def test_heading_names_the_unit(self, units):
        pooled = load_programme_theory().word("pooled_name", "da")
        assert body(units["alle"], "da").startswith(f"<h1>Sådan læses rapporten – {pooled}</h1>")


class TestText:
    def write(self, tmp_path, change):
        raw = yaml.safe_load(METHOD_TEXT_PATH.read_text("utf-8"))
        change(raw)
        path = tmp_path / "method_page.yml"
        path.write_text(yaml.safe_dump(raw, allow_unicode=True), encoding="utf-8")
        return path

    def test_the_bundled_text_loads(self):
        assert [s["id"] for s in load_method_text()["sections"]] == list(ANCHORS)

    def test_a_missing_anchor_is_named(self, tmp_path):
        path = self.write(tmp_path, lambda raw: raw["sections"].pop())
        with pytest.raises(ConfigurationError, match="method_page.yml: sections: expected the ids"):
            load_method_text(path)

    def test_a_missing_language_is_named(self, tmp_path):
        def drop(raw):
            del raw["sections"][5]["paragraphs"][1]["en"]

        with pytest.raises(ConfigurationError, match=r"section 'n', paragraphs 2: expected text"):
            load_method_text(self.write(tmp_path, drop))

    def test_braces_must_match_and_be_known(self, tmp_path):
        def mismatch(raw):
            raw["sections"][7]["paragraphs"][0]["en"] = "Some figures are hidden."
            raw["intro"]["da"] += " {antal}"
            raw["intro"]["en"] += " {antal}"

        with pytest.raises(ConfigurationError) as error:
            load_method_text(self.write(tmp_path, mismatch))
        assert "section 'hidden', paragraphs 1: da and en fill in different braces" in str(
            error.value
        )
        assert "intro: unknown brace {antal}" in str(error.value)


@pytest.fixture(scope="module")
def written(tmp_path_factory):
    """Method pages written for the tasks of an English plan of Kolding and Copenhagen."""
    root = tmp_path_factory.mktemp("method")
    theory, units = load_programme_theory(), load_units()
    settings = Settings(reports_dir=root / "reports", build_dir=root / "build")
    tasks = plan(theory, units, read_cells(CELLS), "en", 5, settings, "src", PINNED_COMMIT)
    tasks = [t for t in tasks if t.unit in ("kolding", "kobenhavn")]
    return tasks, write_method_pages(theory, units, tasks, settings.reports_dir)


class TestPages:
    def test_one_page_per_unit_built(self, written):
        _, paths = written
        assert [(p.parent.name, p.name) for p in paths] == [
            ("kolding", METHOD_PAGE),
            ("kobenhavn", METHOD_PAGE),
        ]

    def test_the_page_has_the_chapters_chrome(self, written):
        tasks, paths = written
        page = paths[0].read_text("utf-8")
        assert page.startswith("<!DOCTYPE html>\n<html lang='en'>")
        assert "<title>How to read this report – Kolding</title>" in page
        assert "Synthetic data:" in page  # the banner the chapters carry
        assert "<a href='../index.html'>To the overview</a>" in page
        assert "<a href='method.html' aria-current='page'>How to read this report</a>" in page
        assert "<a href='03_immediate.html'>3. Immediate results</a>" in page
        assert "Minimum cell size: <code>5</code>" in page and PINNED_COMMIT in page
        assert publishing_problems(page) == []

    def test_every_chapter_links_to_it(self, written):
        tasks, _ = written
        for task in tasks:
            assert task.page["chapters"][-1] == {
                "href": METHOD_PAGE,
                "text": "How to read this report",
            }

    def test_an_unchanged_page_is_not_rewritten(self, written, monkeypatch):
        tasks, paths = written
        calls = []
        monkeypatch.setattr(method_page, "atomic_write_text", lambda *a: calls.append(a))
        theory, units = load_programme_theory(), load_units()
        write_method_pages(theory, units, tasks, paths[0].parent.parent)
        assert calls == []
