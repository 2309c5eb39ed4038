"""data/practices.yml: VIVE's 13 promising practices of collaboration in daycare (seed 003)."""

from __future__ import annotations

import csv

import pytest
import yaml
from test_language import _texts, danish_words

from dsr_analysis import config
from dsr_analysis.programme_theory import load_programme_theory
from dsr_analysis.report.units import load_units

PATH = config.DATA_DIR / "practices.yml"
MUNICIPALITIES_CSV = config.REFERENCE_DIR / "danish_municipalities.csv"
DESCRIBED = {"familiegrupper_aarhus", "ung_mor_slagelse", "forebyggelsesteam_aeroe"}


@pytest.fixture(scope="module")
def data():
    return yaml.safe_load(PATH.read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def municipalities() -> dict[int, str]:
    with MUNICIPALITIES_CSV.open(encoding="utf-8", newline="") as handle:
        return {int(row["code"]): row["name"] for row in csv.DictReader(handle)}


def test_the_reference_list_has_the_98_municipalities(municipalities):
    assert len(municipalities) == 98


def test_thirteen_practices_with_unique_ids(data):
    ids = [p["id"] for p in data["practices"]]
    assert len(ids) == 13 == data["figures"]["practices_promising"]
    assert len(set(ids)) == 13


def test_the_mappings_figures(data):
    assert data["figures"] == {"practices_mapped": 125, "practices_promising": 13, "studies": 58}
    for lang in ("da", "en"):
        for figure in ("125", "13", "58"):
            assert figure in data["summary"][lang]


def test_municipality_codes_exist_and_match_their_names(data, municipalities):
    for practice in data["practices"]:
        where = practice["municipality"]
        if where is None:
            assert practice["run_by"] == ["Red Barnet", "Mary Fonden"], practice["id"]
            continue
        assert municipalities.get(where["code"]) == where["name"], practice["id"]
    assert sum(p["municipality"] is None for p in data["practices"]) == 1


def test_kinds_and_where_they_come_from(data):
    kinds = set(data["kinds"])
    assert kinds == {"parents", "health_visitors", "social_workers", "volunteers"}
    for practice in data["practices"]:
        origin = practice["kind_from"]
        assert origin in ("description", "name", None), practice["id"]
        assert (practice["kinds"] is None) == (origin is None), practice["id"]
        assert set(practice["kinds"] or ()) <= kinds, practice["id"]
        # Only the three the source describes have a description, and their kinds come from it.
        described = practice["id"] in DESCRIBED
        assert (practice["description"] is not None) == described, practice["id"]
        assert (origin == "description") == described, practice["id"]


def test_koldings_daycare_social_worker_links_to_the_dsr_report_set(data):
    linked = {p["id"]: p["report_set"] for p in data["practices"] if p["report_set"]}
    assert linked == {"dagtilbudssocialraadgiver_kolding": {"theory": "dsr", "unit": "kolding"}}
    assert load_programme_theory().id == "dsr"
    assert "kolding" in {unit.id for unit in load_units()}


def test_every_text_has_both_languages_and_the_english_is_english(data):
    texts = list(_texts(data))
    assert len(texts) > 4 + len(DESCRIBED)
    for where, text in texts:
        assert set(text) == {"da", "en"} and all(text.values()), where
    # The source's English text cites the Danish report title as printed, so it is not checked.
    english = [text["en"] for where, text in texts if where != ".source"]
    assert [words for text in english if (words := danish_words(text))] == []
