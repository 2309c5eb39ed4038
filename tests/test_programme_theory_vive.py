"""The second programme theory, VIVE's 2023 model (data/programme_theory/vive2023.yml).

The file is read by the same loader as dsr.yml; these tests check what that loader does not:
both languages everywhere, English without Danish, every level with a page, and every criterion
one the assessment can judge on cells shaped like the implementation survey's (VIVE-1 to
VIVE-17: a key row across "Runde 1" and "Runde 2" and a contrast row "Ændring").
"""

from __future__ import annotations

import re

import pandas as pd
import pytest
import yaml
from test_language import _texts, danish_words

from dsr_analysis import config
from dsr_analysis.cells import DIFFERENCE, POOLED_NAME
from dsr_analysis.programme_theory import MET, NOT_MET, TOO_LITTLE_DATA, load_programme_theory
from dsr_analysis.report.assessment import assess, unmatched_references

PATH = config.DATA_DIR / "programme_theory" / "vive2023.yml"
LEVELS = ["frame", "foundations", "core_elements", "results"]
PAGES = ["01_frame", "02_foundations", "03_core_elements", "04_results"]
#: The Danish an English text of this file may name: the agency the source is from.
CITED_NAMES = ("Social- og Boligstyrelsen",)
#: The survey's rounds and its contrast column.
ROUND_1, ROUND_2, CHANGE = "Runde 1", "Runde 2", "Ændring"


@pytest.fixture(scope="module")
def theory():
    return load_programme_theory(PATH)


@pytest.fixture(scope="module")
def raw():
    return yaml.safe_load(PATH.read_text(encoding="utf-8"))


def _english_danish(text: str) -> list[str]:
    for name in CITED_NAMES:
        text = text.replace(name, " ")
    return danish_words(text)


class TestFile:
    def test_loads_with_the_shared_loader(self, theory):
        assert theory.id == "vive2023"
        assert [level.id for level in theory.levels] == LEVELS

    def test_every_level_has_a_page_and_the_shared_notebook(self, raw):
        assert [level.get("page") for level in raw["levels"]] == PAGES
        assert {level["notebook"] for level in raw["levels"]} == {"chapter.ipynb"}

    def test_the_seventeen_survey_tables(self, theory):
        assert list(theory.tables) == [f"VIVE-{i}" for i in range(1, 18)]
        assert theory.tables["VIVE-1"].kind == "count"
        assert theory.tables["VIVE-1"].level == "frame"
        assert theory.tables["VIVE-17"].kind == "mean"
        assert theory.tables["VIVE-17"].unit == "points"
        assert {theory.tables[t].level for t in ("VIVE-16", "VIVE-17")} == {"results"}
        shares = [t for t, info in theory.tables.items() if info.kind == "share"]
        assert len(shares) == 15

    def test_the_frame_names_the_effort_and_its_frame_conditions(self, theory):
        frame = theory.level("frame")
        assert frame.efforts and frame.frame_conditions
        assert "aligned_leadership" in [e.id for e in frame.frame_conditions]

    def test_the_file_says_the_model_is_untested_and_the_criteria_are_ours(self, theory):
        assert "ikke afprøvet i praksis" in theory.source.da
        assert "not been tested in practice" in theory.source.en
        assert "pakkens valg" in theory.source.da and "package's choice" in theory.source.en


class TestLanguages:
    def test_every_text_has_both_languages_and_nothing_else(self, raw):
        bad = [
            where
            for where, text in _texts(raw)
            if set(text) != {"da", "en"} or not all(isinstance(v, str) and v for v in text.values())
        ]
        assert bad == []

    def test_no_english_text_has_danish(self, raw):
        found = {where: _english_danish(text["en"]) for where, text in _texts(raw)}
        assert {where: words for where, words in found.items() if words} == {}

    def test_the_check_finds_danish(self):
        assert _english_danish("Socialfaglige medarbejdere i skole og dagtilbud") != []
        assert _english_danish("Social- og Boligstyrelsen (2023) on VIVE's model") == []


class TestCriteria:
    def test_every_criterion_reads_a_listed_table_of_its_own_level(self, theory):
        for level in theory.levels:
            for indicator in level.indicators:
                table = indicator.criterion.table
                assert table in theory.tables, indicator.id
                assert theory.tables[table].level == level.id, indicator.id
                assert table in level.tables, indicator.id

    def test_every_criterion_cites_the_source_and_says_why(self, theory):
        for level in theory.levels:
            for indicator in level.indicators:
                c = indicator.criterion
                assert "Social- og Boligstyrelsen (2023)" in c.source.da, indicator.id
                assert "Social- og Boligstyrelsen (2023)" in c.source.en, indicator.id
                assert "pakkens valg" in c.why.da.lower(), indicator.id
                assert "package's choice" in c.why.en.lower(), indicator.id

    def test_the_columns_the_criteria_name_have_words(self, theory):
        for level in theory.levels:
            for indicator in level.indicators:
                c = indicator.criterion
                for column in (c.start, c.end, c.column):
                    if column is not None:
                        assert column in theory.column_words, (indicator.id, column)
        assert CHANGE in theory.column_words

    @pytest.mark.parametrize("outcome", [MET, NOT_MET])
    def test_every_criterion_is_judged_on_survey_shaped_cells(self, theory, outcome):
        cells = _survey_cells(theory, good=outcome == MET)
        assert unmatched_references(theory, cells) == []
        for level in theory.levels:
            for indicator in level.indicators:
                result = assess(indicator, cells, POOLED_NAME)
                assert result.status == outcome, (indicator.id, result)

    def test_too_few_respondents_are_too_little_data(self, theory):
        cells = _survey_cells(theory, good=True, n=5)
        statuses = {
            assess(indicator, cells, POOLED_NAME).status
            for level in theory.levels
            for indicator in level.indicators
        }
        assert statuses == {TOO_LITTLE_DATA}


class TestReportText:
    def test_the_loader_needs_the_status_words(self, theory):
        assert set(theory.status_words) == {"met", "not_met", "no_clear_change", "too_little_data"}

    def test_the_overridden_words_are_about_this_survey(self, theory):
        assert theory.word("pooled_name", "da") == "Alle tre kommuner"
        assert theory.word("pooled_name", "en") == "All three municipalities"
        # The theory's own words (the shared ones it leaves alone are generic or the trial's,
        # which no VIVE page shows).
        own = yaml.safe_load(PATH.read_text(encoding="utf-8"))["report_text"]["words"]
        for key in own:
            text = theory.words[key]
            assert not re.search(r"NIRAS|fire kommuner|monitorering", text.da), key
            assert not re.search(r"NIRAS|four municipalities|monitoring", text.en), key
        assert "sammenligningsgruppe" in theory.word("design_note", "da")
        assert "comparison group" in theory.word("summary_design", "en")


def _survey_cells(theory, good: bool, n: int = 80) -> pd.DataFrame:
    """Cells as the survey publishes them for the pooled unit: for each criterion's table its
    key row in both rounds (and a contrast row), with values on the side ``good`` asks for."""
    rows = []

    def cell(table, column, label, value, low, high, kind="share", count=None):
        rows.append(
            {"table": table, "municipality": POOLED_NAME, "column": column, "label": label,
             "code": "", "n": None if kind == DIFFERENCE else n, "count": count,
             "value": value, "ci_low": low, "ci_high": high, "kind": kind, "suppressed": False}
        )

    for level in theory.levels:
        for indicator in level.indicators:
            c = indicator.criterion
            if c.kind in ("rises", "falls"):
                up = good == (c.kind == "rises")
                before, after = (0.4, 0.6) if up else (0.6, 0.4)
                cell(c.table, ROUND_1, c.label, before, before - 0.1, before + 0.1)
                cell(c.table, ROUND_2, c.label, after, after - 0.1, after + 0.1)
                change = after - before
                cell(c.table, CHANGE, c.label, change, change - 0.1, change + 0.1, DIFFERENCE)
            else:
                above = good == (c.kind == "at_least")
                value = c.threshold + (0.1 if above else -0.1)
                cell(c.table, ROUND_1, c.label, 0.5, 0.45, 0.55)
                cell(c.table, c.column, c.label, value, value - 0.05, value + 0.05)
    return pd.DataFrame(rows)
