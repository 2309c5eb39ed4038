"""The English edition is English: no Danish sentence, heading or label on an English page.

The fast tests run the chapter notebooks' own code without a kernel (their display calls are
collected instead of shown) on a small hand-made export and the bundled trial, wrap each
chapter in its page the way the runner does, and read every page as a reader sees it: the
visible text, not the markup. A slow test does the same on a real English build.

What an English page may still show in Danish is small and explicit (:func:`allowed_danish`):
the names of places and institutions, the title of a Danish source cited as printed, and the
programme's Danish name when quoted.
"""

from __future__ import annotations

import html
import re
from dataclasses import replace
from functools import lru_cache
from pathlib import Path
from unittest import mock

import nbformat
import pandas as pd
import pytest
import yaml
from fixtures.report_set import BUILT_UNITS, PINNED_COMMIT, pinned_build, real_build
from fixtures_export import hand_made_export

from dsr_analysis import config
from dsr_analysis.codebook import default_codebook
from dsr_analysis.html import Page, render_page
from dsr_analysis.municipalities import load_municipalities
from dsr_analysis.programme_theory import load_programme_theory
from dsr_analysis.report import chapter as chapter_module
from dsr_analysis.report import trial_text
from dsr_analysis.report.html_tables import table_frame
from dsr_analysis.report.index import IndexFacts, write_index
from dsr_analysis.report.method_page import method_body
from dsr_analysis.report.practices import load_practices
from dsr_analysis.report.sets import REPORT_SETS_PATH, report_set
from dsr_analysis.report.text import display_label, format_number, format_value, number_text
from dsr_analysis.report.units import load_units, report_chapters
from dsr_analysis.runner.model import Settings, set_settings
from dsr_analysis.runner.plan import plan
from dsr_analysis.tables import report_cells

VIVE_UNITS = config.DATA_DIR / "vive2023" / "municipalities.yml"
#: The theory whose display-label rules the label tests read.
THEORY = load_programme_theory()

#: Common Danish words that are not also English words (so "under", "for", "men", "at", "i",
#: "en", "et" are not here). Words with æ, ø or å are caught by their letters.
DANISH_WORDS = frozenset(
    """og ikke som der til af er det med den de har eller ved fra blev kan skal om hvis hvor
    hvad hvem hvordan hvornår hvilke hvilken hvorfor mellem efter fordi derfor mindst nogen
    andre andet skriv beskriv ingen alle barnet barnets forældre socialrådgiver periode
    måling tabel skjult ja nej jf fx bl kr mio""".split()
)
#: "Sparring" is English for boxing practice; in Danish it is coaching: a false friend.
FALSE_FRIENDS = frozenset({"sparring"})
#: The units whose pages the fast tests read: a municipality, the pool, one without
#: monitoring, and Copenhagen (monitoring-free effort chapter and the trial chapter).
UNITS = ("kolding", "alle", "mariagerfjord", "kobenhavn")


@lru_cache(maxsize=1)
def allowed_danish() -> tuple[str, ...]:
    """The Danish an English page may show, longest first: names of places and institutions
    (from the municipalities file), a Danish source's title cited as printed, and the
    programme's Danish name in quotation marks."""
    phrases = {'"Socialrådgiver i Dagtilbud"', "“Socialrådgiver i Dagtilbud”",
               "Social- og Boligstyrelsen"}
    # The practice landscape's practices, municipalities and organisations are names too.
    for practice in load_practices()["practices"]:
        phrases.add(str(practice["name"]))
        phrases.add(str((practice.get("municipality") or {}).get("name", "")))
        phrases.update(str(o) for o in practice.get("run_by") or [])
    phrases.discard("")
    for entry in [*load_municipalities(), *load_municipalities(VIVE_UNITS)]:
        phrases.add(str(entry["name"]))
        phrases.update(str(n) for n in (entry.get("institutions") or {}).get("names") or [])
        cited = (entry.get("trial_details") or {}).get("evaluation")
        if cited:
            phrases.add(str(cited))
    return tuple(sorted(phrases, key=len, reverse=True))


def visible_text(page: str) -> str:
    """What a reader sees or hears of a page: text and tooltips, no markup, scripts or styles."""
    page = re.sub(r"(?s)<!--.*?-->", " ", page)
    page = re.sub(r"(?is)<(script|style|metadata)\b.*?</\1>", " ", page)
    tips = re.findall(r"""\s(?:title|alt)=(?:'([^']*)'|"([^"]*)")""", page)
    page = re.sub(r"(?s)<[^>]*>", " ", page)
    text = " ".join([page, *(a or b for a, b in tips)])
    return re.sub(r"\s+", " ", html.unescape(text))


def danish_words(text: str) -> list[str]:
    """The words of ``text`` that are Danish, once the allowed names are taken out.

    >>> danish_words("The social worker advises staff og forældre; Kolding, Nørremarken.")
    ['forældre', 'og']
    >>> danish_words("Data (SHA-256): 3af1d7de")
    []
    """
    for phrase in allowed_danish():
        text = re.sub(rf"(?<!\w){re.escape(phrase)}(?!\w)", " ", text)
    # Whole words only: letters inside a hash or code ("d7af3") are not a word.
    words = re.findall(r"(?<!\w)[^\W\d_]+(?!\w)", text)
    return sorted(
        {
            w
            for w in words
            if w.lower() in DANISH_WORDS
            or w.lower() in FALSE_FRIENDS
            or re.search("[æøåÆØÅ]", w)
        }
    )


def headings(page: str) -> set[str]:
    """The page's headings (h1–h3) and table captions, as text."""
    found = re.findall(r"(?is)<(h[1-3]|caption)\b[^>]*>(.*?)</\1>", page)
    return {re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]*>", "", t))).strip() for _, t in found}


@lru_cache(maxsize=1)
def same_in_both() -> frozenset[str]:
    """Texts the data give the same in Danish and English ("Output", "ICC", "n", "Total")."""
    theory = load_programme_theory()
    texts = [*theory.words.values(), *theory.column_words.values()]
    texts += [level.title for level in theory.levels]
    same = {t.da for t in texts if t.da == t.en}
    layout = trial_text.load_trial_layout()
    for words in [*layout["columns"].values(), *layout["rows"].values(), *layout["text"].values()]:
        if words["da"] == words["en"]:
            same.add(words["da"])
    return frozenset(same)


def is_danish_heading(heading: str) -> bool:
    """Whether a heading of the Danish edition says something in Danish: what is left once
    names and the texts that are the same in both languages are taken out has letters."""
    rest = heading
    for phrase in (*allowed_danish(), *sorted(same_in_both(), key=len, reverse=True)):
        rest = re.sub(rf"(?<!\w){re.escape(phrase)}(?!\w)", " ", rest)
    rest = re.sub(r"\b(NIRAS|KBH|Tabel|Table)\b|[\d\W_]", " ", rest)
    return bool(rest.strip())


# ------------------------------------------------------------------------- the checker --


class TestTheChecker:
    def test_a_danish_sentence_is_caught(self):
        text = visible_text("<p>Forældrene <b>inddrages</b> tidligere, og det er godt.</p>")
        assert danish_words(text) == ["Forældrene", "det", "er", "og"]

    def test_danish_without_special_letters_is_caught(self):
        assert danish_words("Andet, beskriv her") == ["Andet", "beskriv"]
        assert danish_words("Parents receive sparring") == ["sparring"]

    def test_markup_scripts_styles_and_comments_are_not_text(self):
        page = (
            "<style>.og{}</style><script>var ikke = 1;</script><!-- Periode 1 -->"
            "<p class='og'>Hidden figures</p>"
        )
        assert danish_words(visible_text(page)) == []

    def test_tooltips_are_text(self):
        assert danish_words(visible_text("<td title='Indgår ikke i rapporten'>–</td>")) != []

    def test_names_of_places_institutions_and_sources_are_allowed(self):
        text = "Kolding (Nørremarken, Palmeallé) and København; the source: " + next(
            p for p in allowed_danish() if p.startswith("Københavns Kommune")
        )
        assert danish_words(text) == []
        assert danish_words("Københavns forsøg") == ["Københavns", "forsøg"]

    def test_a_heading_the_same_in_both_languages_is_not_danish(self):
        assert not is_danish_heading("Output – Kolding")
        assert is_danish_heading("Forsøgets design")
        assert is_danish_heading("Virkning på lang sigt – København")


# ------------------------------------------------------------------ the editions, rendered --


def _chapter_bodies(notebook: Path, parameters: dict) -> str:
    """Run a chapter notebook's code without a kernel and return what it displays, in order.

    The monitoring chapters show their HTML through ``report.chapter._show``; the trial
    chapter calls ``display`` itself. Both are collected instead.
    """
    shown: list[str] = []

    def display(*objects):
        for item in objects:
            shown.append(getattr(item, "data", str(item)))

    source = nbformat.read(notebook, as_version=4)
    namespace: dict = {}
    with mock.patch.object(chapter_module, "_show", shown.append):
        for cell in source.cells:
            if cell.cell_type != "code":
                continue
            if "parameters" in cell.metadata.get("tags", []):
                namespace.update(parameters)
                continue
            exec(compile(cell.source, str(notebook), "exec"), namespace)  # noqa: S102
            namespace["display"] = display
    return "".join(shown)


def _edition(lang: str, root: Path) -> dict[str, str]:
    """Every page of the fast edition in ``lang``: unit/page -> HTML."""
    theory, units = load_programme_theory(), load_units()
    cells = report_cells(hand_made_export(), min_cell=2, language=lang)
    cells = cells.assign(synthetic=True)
    settings = Settings(reports_dir=root / "reports", build_dir=root / "build")
    tasks = plan(theory, units, cells, lang, 2, settings, "src", PINNED_COMMIT)
    pages = {}
    for task in tasks:
        if task.unit not in UNITS:
            continue
        parameters = dict(task.parameters)
        body = _chapter_bodies(Path(task.notebook), parameters)
        page = replace(Page.from_context(task.page), lang=lang)
        pages[f"{task.unit}/{task.chapter}"] = render_page(body, page)
    for unit in units:
        if unit.id in UNITS:
            pages[f"{unit.id}/method"] = method_body(theory, unit, units, lang, 2)
    facts = IndexFacts(set(), set(), lang, "0" * 64, 2, PINNED_COMMIT)
    pages["index"] = write_index(theory, units, cells, facts, root / "index").read_text("utf-8")
    return pages


@pytest.fixture(scope="module")
def english(tmp_path_factory) -> dict[str, str]:
    return _edition("en", tmp_path_factory.mktemp("en"))


@pytest.fixture(scope="module")
def danish(tmp_path_factory) -> dict[str, str]:
    return _edition("da", tmp_path_factory.mktemp("da"))


class TestEnglishEdition:
    def test_every_unit_and_chapter_is_read(self, english):
        theory, units = load_programme_theory(), {u.id: u for u in load_units()}
        for unit in UNITS:
            for spec in report_chapters(units[unit], theory):
                assert len(english[f"{unit}/{spec.page}"]) > 2000, (unit, spec.page)
        trial = english["kobenhavn/05_long_term"]
        assert "Table KBH-7" in trial and "How the trial was set up" in trial

    def test_no_english_page_has_a_danish_word(self, english):
        found = {name: danish_words(visible_text(page)) for name, page in english.items()}
        assert {name: words for name, words in found.items() if words} == {}

    def test_no_english_page_repeats_a_danish_heading(self, english, danish):
        danish_headings = {h for page in danish.values() for h in headings(page)}
        danish_headings = {h for h in danish_headings if is_danish_heading(h)}
        assert len(danish_headings) > 40  # the check has something to check
        for name, page in english.items():
            text = visible_text(page)
            assert [h for h in danish_headings if h in text] == [], name

    def test_the_danish_edition_is_danish(self, danish):
        # The same check finds Danish where it belongs, so an empty list above means something.
        assert "Forsøgets" in danish_words(visible_text(danish["kobenhavn/05_long_term"]))
        assert "Forsøgets design" in headings(danish["kobenhavn/05_long_term"])
        assert len(danish_words(visible_text(danish["kolding/02_output"]))) > 30


def test_the_vive_set_in_english_has_no_danish(tmp_path):
    """The second report set, one municipality and its method page, in English."""
    vive = report_set("vive2023")
    settings = set_settings(vive, tmp_path / "reports", tmp_path / "build",
                            Settings(report_sets_path=REPORT_SETS_PATH))
    summary = pinned_build(["viborg"], jobs=2, lang="en", settings=settings, progress=False)
    assert not summary.failed and not summary.problems
    pages = sorted(settings.reports_dir.rglob("*.html"))
    assert len(pages) == 1 + 4 + 1
    for path in pages:
        assert danish_words(visible_text(path.read_text("utf-8"))) == [], path


@pytest.mark.slow
def test_a_real_english_build_has_no_danish(tmp_path):
    """Builds four units in English with the real notebooks (about a minute)."""
    settings = Settings(reports_dir=tmp_path / "reports", build_dir=tmp_path / "build")
    summary = pinned_build(BUILT_UNITS, jobs=2, lang="en", settings=settings, progress=False)
    assert not summary.failed
    danish_settings, _ = real_build()
    danish_headings = {
        h
        for page in danish_settings.reports_dir.rglob("*.html")
        for h in headings(page.read_text("utf-8"))
        if is_danish_heading(h)
    }
    pages = sorted(settings.reports_dir.rglob("*.html"))
    assert len(pages) == 1 + 5 * 3 + 2 + len(BUILT_UNITS)
    for path in pages:
        text = visible_text(path.read_text("utf-8"))
        assert danish_words(text) == [], path
        assert [h for h in danish_headings if h in text] == [], path


# ---------------------------------------------------------------------- labels and numbers --


class TestDisplayLabels:
    def test_no_display_label_carries_an_instruction_or_danish(self):
        instructions = re.compile(r"skriv|beskriv|describe|write", re.IGNORECASE)
        for question in default_codebook().questions:
            assert danish_words(question.text("en")) == [], question.id
            for option in (*question.options, *question.items):
                printed = [option.label_da, *getattr(option, "label_da_by_table", {}).values()]
                for label in printed:
                    assert not instructions.search(display_label(label, THEORY, "da")), label
                shown = display_label(option.label_en, THEORY, "en")
                assert not instructions.search(shown) and danish_words(shown) == [], shown

    def test_instructions_go_with_the_punctuation_before_them(self):
        assert display_label("Andet, beskriv her", THEORY, "da") == "Andet"
        assert display_label("Other, describe here", THEORY, "en") == "Other"
        assert (
            display_label("Indsats i dagtilbuddet (fx støttepædagog) Skriv hvilken", THEORY, "da")
            == "Indsats i dagtilbuddet (fx støttepædagog)"
        )

    def test_one_spelling_of_serviceloven_and_only_whole_words(self):
        assert display_label("tiltag efter Serviceloven", THEORY, "da") == (
            "tiltag efter serviceloven"
        )
        assert display_label("Der er fortaget en underretning", THEORY, "da") == (
            "Der er foretaget en underretning"
        )
        assert display_label("Servicelovens", THEORY, "da") == "Servicelovens"
        # English labels are left alone by the Danish spellings.
        assert display_label("the Social Services Act", THEORY, "en") == "the Social Services Act"

    def test_a_table_shows_display_labels_and_the_cells_keep_the_printed_ones(self):
        printed = "Der er iværksat en foranstaltning efter Serviceloven. Skriv hvilken"
        cells = pd.DataFrame(
            {
                "table": ["7-16"] * 2, "municipality": ["Kolding"] * 2, "column": ["Total"] * 2,
                "label": [printed, "Andet, beskriv her"], "code": [3, 13], "n": [40, 40],
                "count": [10, 5], "value": [0.25, 0.125], "suppressed": [False, False],
                "label_display": [printed, "Andet, beskriv her"], "column_display": ["Total"] * 2,
            }
        )
        frame = table_frame(cells, "7-16", "Kolding", load_programme_theory(), "da")
        assert frame.index.tolist() == [
            "Der er iværksat en foranstaltning efter serviceloven",
            "Andet",
        ]
        assert cells["label"].tolist() == [printed, "Andet, beskriv her"]
        assert default_codebook().question("measures_in_place").options[2].label(
            "da", "7-16"
        ).endswith("Skriv hvilken")

    def test_the_report_text_spells_serviceloven_one_way(self):
        # Texts we wrote (criteria, titles, words) write the law's short name in lower case;
        # the codebook's printed labels, which criteria name as printed, stay as they are.
        for path in (config.PROGRAMME_THEORY_PATH, *sorted(config.DATA_DIR.glob("*/*.yml"))):
            raw = yaml.safe_load(path.read_text("utf-8"))
            texts = [t.get("da") for where, t in _texts(raw) if not where.endswith("spelling")]
            assert not [t for t in texts if "Serviceloven" in str(t)], path.name


class TestNumbers:
    @pytest.mark.parametrize("lang", ["da", "en"])
    def test_negative_numbers_have_a_minus_sign(self, lang):
        assert format_value(-0.25, "mean", lang) == ("−0,25" if lang == "da" else "−0.25")
        assert format_value(-0.05, "share", lang).startswith("−5")
        assert format_number(-1200, lang) == ("−1.200" if lang == "da" else "−1,200")
        assert number_text(-4.0, 1, lang) == ("−4,0" if lang == "da" else "−4.0")
        assert "-" not in format_value(-3.0, "count", lang)

    @pytest.mark.parametrize("lang", ["da", "en"])
    def test_no_negative_zero(self, lang):
        assert format_value(-0.001, "mean", lang) in ("0,00", "0.00")
        assert format_value(-0.001, "share", lang) in ("0 %", "0%")
        assert number_text(-0.02, 1, lang) in ("0,0", "0.0")


# ------------------------------------------------------------------------------ the data --


def _texts(node, where=""):
    """Every mapping with a ``da`` or ``en`` key in parsed YAML, with where it is."""
    if isinstance(node, dict):
        if "da" in node or "en" in node:
            yield where, node
        for key, value in node.items():
            yield from _texts(value, f"{where}.{key}")
    elif isinstance(node, list):
        for i, value in enumerate(node):
            yield from _texts(value, f"{where}[{i}]")


@pytest.mark.parametrize(
    "path",
    [
        config.PROGRAMME_THEORY_PATH,
        config.DATA_DIR / "programme_theory" / "method_page.yml",
        config.DATA_DIR / "trial" / "tables.yml",
        config.DATA_DIR / "trial" / "chapter_text.yml",
    ],
    ids=lambda p: p.name,
)
def test_every_text_has_both_languages_and_nothing_else(path):
    # An unquoted comma in a flow mapping ({da: a, b, en: c}) makes "b" a key of its own, with
    # no value, and silently cuts the text short; so does a missing language.
    raw = yaml.safe_load(path.read_text("utf-8"))
    bad = [
        where
        for where, text in _texts(raw)
        if not where.endswith(("instructions", "spelling"))
        and (not {"da", "en"} <= set(text) or any(v is None for v in text.values()))
    ]
    assert bad == []
