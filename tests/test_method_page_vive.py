"""The "How to read this report" page of the VIVE 2023 survey (vive2023_method.yml)."""

from __future__ import annotations

import re

import pytest
import yaml
from test_language import _texts, danish_words, visible_text

from dsr_analysis import config
from dsr_analysis.programme_theory import load_programme_theory
from dsr_analysis.report.method_page import ANCHORS, load_method_text, method_body
from dsr_analysis.report.units import load_units

PATH = config.DATA_DIR / "programme_theory" / "vive2023_method.yml"


@pytest.fixture(scope="module")
def texts() -> list[tuple[str, dict]]:
    """Every da/en text of the file, with where it is."""
    return list(_texts(yaml.safe_load(PATH.read_text("utf-8"))))


def test_it_loads_with_every_anchor_in_order():
    text = load_method_text(PATH)
    assert [section["id"] for section in text["sections"]] == list(ANCHORS)


def test_every_text_has_both_languages_and_nothing_else(texts):
    assert len(texts) > 40  # the check has something to check
    assert [w for w, t in texts if set(t) != {"da", "en"} or not all(t.values())] == []


def test_english_has_no_danish_letters_or_words(texts):
    found = {where: t["en"] for where, t in texts if re.search("[æøåÆØÅ]", t["en"])}
    assert found == {}
    assert {where: danish_words(t["en"]) for where, t in texts if danish_words(t["en"])} == {}


def test_the_renderer_fills_the_braces_it_needs_and_no_trial_link(texts):
    used = {name for _, t in texts for name in re.findall(r"\{(\w+)\}", t["da"] + t["en"])}
    assert used == {"min_cell", "min_n", "suppressed"}


def test_it_says_nothing_of_the_other_report_set(texts):
    words = re.compile(r"NIRAS|periode|period|København|Copenhagen|registrer", re.IGNORECASE)
    assert [where for where, t in texts if words.search(t["da"] + t["en"])] == []


@pytest.mark.parametrize("lang", ["da", "en"])
def test_the_page_renders_every_section(lang):
    units = load_units()
    body = method_body(load_programme_theory(), units[0], units, lang, 7, load_method_text(PATH))
    assert re.findall(r"<section id='([^']+)'>", body) == list(ANCHORS)
    assert "{" not in body
    if lang == "en":
        assert "fewer than 7 answers" in body
        assert danish_words(visible_text(body)) == []
    else:
        assert "færre end 7 svar" in body and "grænsen 7 svar" in body
