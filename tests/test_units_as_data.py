"""Units as data: adding or removing a monitored municipality is one entry in the units file.

Each test works on a temporary copy of a units file with one entry more (or fewer) and checks
that the names, the pool, the colours, validation and the report words follow it without any
change of code or wording.
"""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd
import pytest

from dsr_analysis import config
from dsr_analysis.codebook import default_codebook
from dsr_analysis.errors import ConfigurationError
from dsr_analysis.export import load_export
from dsr_analysis.files import read_yaml
from dsr_analysis.municipalities import (
    load_municipalities,
    monitored_names,
    paired_units_path,
    pooled_count,
)
from dsr_analysis.number_words import number_word, with_count
from dsr_analysis.programme_theory import load_programme_theory, programme_theory_from_dict
from dsr_analysis.report.chapter import Chapter
from dsr_analysis.report.units import colour_order, load_units, pooled_members

VIVE_THEORY = config.DATA_DIR / "programme_theory" / "vive2023.yml"
# A complete entry, as data/municipalities.yml documents one (the reference-data tests ask
# every entry for these keys).
AARHUS = """
  - id: aarhus
    name: Aarhus
    monitored: true
    trial: false
    description: Et tænkt eksempel til testen.
    description_en: A made-up example for the test.
    source: none (test)
    notes: none
"""


@pytest.fixture
def five(tmp_path) -> Path:
    """data/municipalities.yml with a fifth monitored municipality, Aarhus, at the end."""
    path = tmp_path / "municipalities.yml"
    path.write_text(config.MUNICIPALITIES_PATH.read_text(encoding="utf-8") + AARHUS,
                    encoding="utf-8")
    return path


@pytest.fixture
def two(tmp_path) -> Path:
    """The VIVE survey's units file without its last municipality."""
    text = (config.VIVE2023_MUNICIPALITIES_PATH).read_text(encoding="utf-8")
    path = tmp_path / "vive_units.yml"
    path.write_text(text[: text.rindex("\n  - id: ")] + "\n", encoding="utf-8")
    return path


class TestAFifthMunicipality:
    def test_it_is_one_of_the_monitored_names_and_the_pool(self, five):
        assert monitored_names(five) == tuple(sorted([*monitored_names(), "Aarhus"]))
        assert pooled_count(five) == pooled_count() + 1
        units = load_units(five)
        assert [u.name for u in pooled_members(units)][-1] == "Aarhus"
        assert colour_order(units) == (*colour_order(load_units()), "Aarhus")
        # The project's municipalities, then the pool, then the trial.
        ids = [u.id for u in units]
        assert ids.index("aarhus") < ids.index("alle") < ids.index("kobenhavn")

    def test_the_words_count_it(self, five):
        theory = load_programme_theory(units_path=five)
        count = pooled_count() + 1
        assert theory.word("pooled_name", "da") == f"Alle {number_word(count, 'da')} kommuner"
        assert theory.word("pooled_name", "en") == f"All {number_word(count, 'en')} municipalities"
        for key in ("all_municipalities", "index_intro", "fig_subtitle_pooled", "summary_pooled",
                    "mostly_hidden", "fig_subtitle_municipality"):
            for lang in ("da", "en"):
                assert "{count}" not in theory.word(key, lang)
                assert number_word(count, lang) in theory.word(key, lang), (key, lang)

    def test_the_pooled_chapter_shows_it_under_the_counted_name(self, five):
        rows = [
            {"table": "7-8", "municipality": who, "column": "Total",
             "label": "Håndtering af forældreinddragelse", "code": 1, "n": n,
             "count": round(0.8 * n), "value": 0.8, "kind": "share", "suppressed": False,
             "synthetic": True, "label_display": "Håndtering af forældreinddragelse",
             "column_display": "Total"}
            for who, n in (("Kolding", 66), ("Aarhus", 40), ("Alle", 260))
        ]
        chapter = Chapter("output", "alle", cells=pd.DataFrame(rows), units=load_units(five))
        assert set(chapter.figure_cells["municipality"]) == {"Kolding", "Aarhus", "Alle"}
        words = chapter.theory.word("pooled_name", "da")
        assert words == f"Alle {number_word(pooled_count(five), 'da')} kommuner"
        indicator = next(i for i in chapter.level.indicators if i.id == "parent_involvement_topic")
        html = chapter.render_indicator(indicator)
        assert "Aarhus" in html and words in html

    def test_an_export_may_hold_its_rows(self, five, tmp_path):
        columns = default_codebook().export_columns
        row = {c: "" for c in columns} | {"child_id": "A1", "municipality": "Aarhus",
                                           "wave": "1", "registration_date": "2011-03-01"}
        path = tmp_path / "export.csv"
        path.write_text(";".join(columns) + "\n" + ";".join(row.values()) + "\n",
                        encoding="utf-8")
        names = [e["name"] for e in load_municipalities(five) if e["monitored"]]
        assert load_export(path, municipalities=names)["municipality"].tolist() == ["Aarhus"]


class TestOneFewer:
    def test_the_survey_words_count_two(self, two):
        theory = load_programme_theory(VIVE_THEORY, units_path=two)
        assert theory.word("pooled_name", "da") == "Alle to kommuner"
        assert theory.word("fig_subtitle_pooled", "en") == (
            "Each of the two municipalities and all two together")

    def test_the_bundled_sets_count_their_own_units(self):
        assert paired_units_path(config.PROGRAMME_THEORY_PATH) == config.MUNICIPALITIES_PATH
        assert paired_units_path(VIVE_THEORY) == config.VIVE2023_MUNICIPALITIES_PATH
        vive = load_programme_theory(VIVE_THEORY)
        assert vive.unit_count == len(load_municipalities(config.VIVE2023_MUNICIPALITIES_PATH))


class TestNumberWords:
    @pytest.mark.parametrize(("n", "da", "en"), [
        (1, "én", "one"), (2, "to", "two"), (4, "fire", "four"), (5, "fem", "five"),
        (12, "tolv", "twelve"), (13, "13", "13"), (98, "98", "98"),
    ])
    def test_words_up_to_twelve_digits_after(self, n, da, en):
        assert (number_word(n, "da"), number_word(n, "en")) == (da, en)

    def test_other_placeholders_are_left_for_format(self):
        assert with_count("{name} og alle {count}", 98, "da") == "{name} og alle 98"

    def test_a_counted_word_without_units_is_a_clear_error(self):
        # Built from the theory's data alone, no units file is paired with it.
        raw = read_yaml(config.PROGRAMME_THEORY_PATH)
        theory = programme_theory_from_dict(raw, "dsr.yml", config.PROGRAMME_THEORY_PATH.parent)
        assert theory.unit_count is None
        with pytest.raises(ConfigurationError, match=re.escape(
                "report_text.words.pooled_name: no number of units is known")):
            theory.word("pooled_name", "da")
