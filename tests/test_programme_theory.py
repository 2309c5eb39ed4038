"""Tests of dsr_analysis.programme_theory: the YAML file and its checks."""

from __future__ import annotations

import copy

import pytest
import yaml

from dsr_analysis import config
from dsr_analysis.errors import ConfigurationError
from dsr_analysis.programme_theory import (
    load_programme_theory,
    programme_theory_from_dict,
)
from dsr_analysis.tables import load_tables_spec

#: Every table and figure of the NIRAS (2012) report that the monitoring publishes.
NIRAS_TABLES = ("4-1", "4-2", "6-1") + tuple(f"7-{i}" for i in range(1, 29))

LEVEL_ORDER = ["effort", "output", "immediate", "medium", "long_term"]


@pytest.fixture(scope="module")
def theory():
    return load_programme_theory()


@pytest.fixture(scope="module")
def raw():
    return yaml.safe_load(config.PROGRAMME_THEORY_PATH.read_text(encoding="utf-8"))


class TestFile:
    def test_levels_follow_niras_order(self, theory):
        assert [level.id for level in theory.levels] == LEVEL_ORDER

    def test_every_niras_table_has_exactly_one_level(self, theory):
        placed = [t for level in theory.levels for t in level.tables]
        assert sorted(placed) == sorted(NIRAS_TABLES)
        assert len(placed) == len(set(placed))

    def test_the_theory_places_every_table_the_monitoring_publishes(self, theory):
        published = {t.id for t in load_tables_spec().tables} | {"4-1", "4-2"}
        assert published <= set(theory.tables)

    def test_issue_mapping_examples(self, theory):
        where = {table: info.level for table, info in theory.tables.items()}
        assert where["7-18"] in ("immediate", "medium")
        assert where["7-17"] in ("immediate", "medium")
        assert where["7-14"] == where["7-16"] == "long_term"
        assert where["6-1"] == where["7-8"] == where["7-11"] == where["7-12"] == "output"

    def test_effort_has_three_kinds_of_effort_and_four_frame_conditions(self, theory):
        effort = theory.level("effort")
        assert [e.id for e in effort.efforts] == [
            "parents",
            "children_families",
            "cross_disciplinary",
        ]
        assert len(effort.frame_conditions) == 4

    def test_every_level_has_indicators_and_expected_results(self, theory):
        for level in theory.levels:
            assert level.indicators, level.id
            assert level.expected_results, level.id

    def test_texts_exist_in_both_languages(self, theory):
        for level in theory.levels:
            for ind in level.indicators:
                assert ind.title.get("da") and ind.title.get("en")
                assert ind.criterion.text.get("da") and ind.criterion.text.get("en")

    def test_notebooks_named_by_levels_exist(self, theory):
        for level in theory.levels:
            assert (config.NOTEBOOKS_DIR / level.notebook).name == level.notebook

    def test_unknown_level_is_a_configuration_error(self, theory):
        with pytest.raises(ConfigurationError, match="no level 'nope'"):
            theory.level("nope")


class TestValidation:
    def test_all_problems_reported_at_once(self, raw):
        broken = copy.deepcopy(raw)
        del broken["tables"]["7-8"]  # read by an indicator of the output level
        broken["levels"][0]["indicators"][0]["criterion"]["type"] = "grows"
        broken["levels"][1]["indicators"][0]["title"] = {"da": "kun dansk"}
        with pytest.raises(ConfigurationError) as info:
            programme_theory_from_dict(broken)
        message = str(info.value)
        assert "3 problem(s)" in message
        assert "7-8 is not mapped" in message and "'grows'" in message and "'en'" in message

    def test_indicator_must_read_a_table_of_its_own_level(self, raw):
        broken = copy.deepcopy(raw)
        broken["levels"][0]["indicators"][0]["tables"] = ["7-14"]
        with pytest.raises(ConfigurationError, match="7-14 is not mapped to this level"):
            programme_theory_from_dict(broken)

    def test_rises_needs_from_and_to(self, raw):
        broken = copy.deepcopy(raw)
        del broken["levels"][2]["indicators"][0]["criterion"]["to"]
        with pytest.raises(ConfigurationError, match="needs 'to'"):
            programme_theory_from_dict(broken)

    def test_missing_file(self, tmp_path):
        with pytest.raises(ConfigurationError, match="not found"):
            load_programme_theory(tmp_path / "none.yml")


class TestCriteriaSayWhereTheyComeFrom:
    def test_every_criterion_names_its_source_and_why(self, theory):
        for level in theory.levels:
            for indicator in level.indicators:
                c = indicator.criterion
                for text in (c.source, c.why):
                    assert text is not None and text.da and text.en, indicator.id
                assert "kap." in c.source.da and "ch." in c.source.en, indicator.id

    def test_a_criterion_without_source_is_refused(self, raw):
        broken = copy.deepcopy(raw)
        del broken["levels"][1]["indicators"][0]["criterion"]["source"]
        with pytest.raises(ConfigurationError, match="criterion.source"):
            programme_theory_from_dict(broken)

    def test_an_unquoted_comma_in_a_text_is_refused(self, raw):
        broken = copy.deepcopy(raw)
        broken["title"] = {"da": "Programteori", "en": "Programme theory", "i dagtilbud": None}
        with pytest.raises(ConfigurationError, match="quote texts with commas"):
            programme_theory_from_dict(broken)

    def test_display_label_rules_are_read_and_checked(self, theory, raw):
        assert "Skriv hvilken" in theory.display_rules["da"].instructions
        assert ("Serviceloven", "serviceloven") in theory.display_rules["da"].spellings
        broken = copy.deepcopy(raw)
        # A theory's own report_text is laid over the shared words, and checked the same.
        broken["report_text"] = {"display_labels": {"instructions": {"da": [], "en": [None]}}}
        with pytest.raises(ConfigurationError, match="display_labels.instructions.en"):
            programme_theory_from_dict(broken)

    def test_a_theory_overrides_shared_words_key_by_key(self, raw):
        own = copy.deepcopy(raw)
        own["report_text"] = {"words": {"pooled_name": {"da": "Alle tre", "en": "All three"}}}
        theory = programme_theory_from_dict(own)
        assert theory.word("pooled_name", "en") == "All three"
        assert theory.word("expected_results", "en") == "Expected results"  # shared, kept

    def test_levels_sharing_a_notebook_need_their_own_pages(self, raw):
        shared = copy.deepcopy(raw)
        for level in shared["levels"]:
            level["notebook"] = "chapter.ipynb"
            del level["page"]
        with pytest.raises(ConfigurationError, match="its own page"):
            programme_theory_from_dict(shared)
        for level in shared["levels"]:
            level["page"] = f"page_{level['id']}"
        theory = programme_theory_from_dict(shared)
        assert [level.page_name for level in theory.levels][0] == "page_effort"


class TestTableCatalogues:
    """A theory (a survey) names its own tables; its chapters list them in its order."""

    def test_another_theory_names_its_own_tables_in_its_order(self, raw):
        survey = copy.deepcopy(raw)
        survey["id"] = "survey"
        survey["tables"] = {"S-2": survey["tables"]["7-3"], "S-1": survey["tables"]["7-7"]}
        survey["levels"] = survey["levels"][:1]
        for indicator, table in zip(survey["levels"][0]["indicators"], ["S-2", "S-1"], strict=True):
            indicator["tables"] = [table]
            indicator["criterion"]["table"] = table
        theory = programme_theory_from_dict(survey)
        assert theory.level("effort").tables == ("S-2", "S-1")
