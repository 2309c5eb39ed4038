"""The words and number formats of Copenhagen's trial chapter, read as data.

Everything here comes from data files, never from the trial design's code: the prose from
``data/trial/chapter_text.yml``, the tables' layout and labels from ``data/trial/tables.yml``,
the economy's assumptions from ``data/trial/economy.yml`` and the report's words from the
programme theory (:func:`chapter_theory`). :mod:`~dsr_analysis.report.trial_chapter` uses them
to print the published cells.
"""

from __future__ import annotations

import math
from functools import lru_cache
from pathlib import Path

import pandas as pd

from dsr_analysis import config
from dsr_analysis.config import DEFAULT_MIN_CELL
from dsr_analysis.errors import ConfigurationError
from dsr_analysis.files import read_yaml
from dsr_analysis.programme_theory import ProgrammeTheory, load_programme_theory
from dsr_analysis.report.text import escape, number_text

TRIAL_DATA_DIR = config.DATA_DIR / "trial"
CHAPTER_TEXT_PATH = TRIAL_DATA_DIR / "chapter_text.yml"
TABLES_PATH = TRIAL_DATA_DIR / "tables.yml"
ECONOMY_PATH = TRIAL_DATA_DIR / "economy.yml"
LANGUAGES = ("da", "en")
#: The table whose rows are the primary outcomes (each with its two intervals).
EFFECTS_TABLE = "KBH-6"
_DECIMALS = {"count": 0, "percent": 1, "points": 1, "months": 1, "dkk": 0}
_RATIO_DECIMALS = {"icc": 3, "design_effect": 2, "variance_ratio": 2}


@lru_cache(maxsize=1)
def chapter_theory() -> ProgrammeTheory:
    """The programme theory the chapter takes its titles and words from, read once per process
    (the chapter's functions and :mod:`~dsr_analysis.report.trial_summary` all ask for it)."""
    return load_programme_theory()


@lru_cache(maxsize=4)
def load_trial_layout(path: Path | str = TABLES_PATH) -> dict:
    """The trial's table layout and labels (``data/trial/tables.yml``), as data.

    Examples
    --------
    >>> [t["id"] for t in load_trial_layout()["tables"]][:2]
    ['KBH-1', 'KBH-2']
    """
    return read_yaml(path)


def primary_outcomes() -> tuple[str, ...]:
    """The primary outcomes' codes: the rows of the effects table, in its order.

    Examples
    --------
    >>> primary_outcomes()[:2]
    ('support', 'notification_change')
    """
    spec = next(t for t in load_trial_layout()["tables"] if t["id"] == EFFECTS_TABLE)
    return tuple(spec["rows"])


def column_keys(language: str = "da") -> dict[str, str]:
    """Column header in ``language`` -> the layout's column key.

    Examples
    --------
    >>> column_keys("en")["Difference"]
    'difference'
    """
    return {words[language]: key for key, words in load_trial_layout()["columns"].items()}


@lru_cache(maxsize=4)
def load_chapter_text(path: Path | str = CHAPTER_TEXT_PATH) -> dict[str, dict]:
    """Read the chapter's prose: section id -> ``{"heading": {...} | None, "paragraphs": [...]}``.

    Raises
    ------
    ConfigurationError
        Naming the file and the section if a text lacks a language or is not text.

    Examples
    --------
    >>> list(load_chapter_text())[:3]
    ['intro', 'design', 'support']
    """
    path = Path(path)
    try:
        raw = read_yaml(path)
    except OSError as error:
        raise ConfigurationError(f"cannot read {path.name}: {error.strerror}") from error
    sections = (raw or {}).get("sections") if isinstance(raw, dict) else None
    if not isinstance(sections, dict) or not sections:
        raise ConfigurationError(f"{path.name}: expected a mapping 'sections' of section ids")
    problems, checked = [], {}
    for key, section in sections.items():
        where = f"{path.name}: section {key!r}"
        if not isinstance(section, dict):
            problems.append(f"{where}: expected a mapping with heading and paragraphs")
            continue
        heading = section.get("heading")
        texts = ([("heading", heading)] if heading is not None else []) + [
            (f"paragraph {i + 1}", p) for i, p in enumerate(section.get("paragraphs") or [])
        ]
        for name, text in texts:
            if not isinstance(text, dict) or any(
                not isinstance(text.get(lang), str) or not text[lang].strip() for lang in LANGUAGES
            ):
                problems.append(f"{where}, {name}: expected text in both da and en")
        paragraphs = list(section.get("paragraphs") or [])
        checked[str(key)] = {"heading": heading, "paragraphs": paragraphs}
    if problems:
        raise ConfigurationError("\n".join(problems))
    return checked


def section_html(key: str, language: str = "da") -> str:
    """Return one section of the chapter's prose as HTML: its heading, then its paragraphs.

    Raises
    ------
    ConfigurationError
        If ``data/trial/chapter_text.yml`` has no section ``key``.

    Examples
    --------
    >>> section_html("design", "en")
    '<h2>How the trial was set up</h2>'
    >>> section_html("support")[:30]
    '<h2>Flere børn får støtte</h2>'
    """
    sections = load_chapter_text()
    if key not in sections:
        known = ", ".join(sections)
        raise ConfigurationError(f"chapter_text.yml has no section {key!r}; known: {known}")
    section = sections[key]
    heading = section["heading"]
    parts = [f"<h2>{escape(heading[language])}</h2>"] if heading else []
    parts += [f"<p>{escape(p[language])}</p>" for p in section["paragraphs"]]
    return "".join(parts)


def scale(unit: str) -> float:
    """What a row's fractions are multiplied by to print (percent and points: 100)."""
    return 100.0 if unit in ("percent", "points") else 1.0


def decimals(unit: str, column_key: str) -> int:
    """How many decimals a row's unit (or a ratio column) prints with."""
    if unit == "ratio":
        return _RATIO_DECIMALS.get(column_key, 2)
    return _DECIMALS[unit]


def cell_text(cell: pd.Series, language: str = "da") -> str:
    """Return one cell as printed: value with its 95 % interval, or the word for a hidden cell.

    A hidden cell says so in the word the monitoring chapters use ("skjult" / "hidden").

    Examples
    --------
    >>> cell = pd.Series({"code": "support", "column_key": "intervention", "value": 0.0701,
    ...                   "ci_low": 0.0606, "ci_high": 0.081, "suppressed": False})
    >>> cell_text(cell), cell_text(cell, "en")
    ('7,0 (6,1; 8,1)', '7.0 (6.1 to 8.1)')
    >>> cell_text(cell.replace({False: True}), "en")
    'hidden'
    """
    layout = load_trial_layout()
    if cell["suppressed"]:
        return chapter_theory().word("suppressed", language)
    unit = layout["rows"][cell["code"]]["unit"]
    if cell["column_key"] in _RATIO_DECIMALS:
        unit = "ratio"
    factor, places = scale(unit), decimals(unit, cell["column_key"])
    text = number_text(cell["value"] * factor, places, language)
    if pd.isna(cell["ci_low"]) or pd.isna(cell["ci_high"]):
        return text
    bounds = [
        layout["text"]["infinite"][language]
        if math.isinf(bound)
        else number_text(bound * factor, places, language)
        for bound in (cell["ci_low"], cell["ci_high"])
    ]
    template = layout["text"]["with_interval"][language]
    return template.format(value=text, low=bounds[0], high=bounds[1])


def table_title(table_id: str, language: str = "da") -> str:
    """Return a KBH table's printed title.

    Examples
    --------
    >>> table_title("KBH-2")
    'Børn, der modtog støtte fra Socialforvaltningen i forsøgsperioden'
    """
    for table in load_trial_layout()["tables"]:
        if table["id"] == table_id:
            return table[f"title_{language}"]
    raise ConfigurationError(f"no trial table {table_id!r} in data/trial/tables.yml")


def table_caption(table_id: str, language: str = "da") -> str:
    """Return a KBH table's caption as Markdown: its number and title in bold.

    Examples
    --------
    >>> table_caption("KBH-1")
    '**Tabel KBH-1. Forsøgets design: institutioner og børn pr. arm**'
    """
    template = load_trial_layout()["text"]["caption"][language]
    return "**" + template.format(id=table_id, title=table_title(table_id, language)) + "**"


def data_note(cells: pd.DataFrame, language: str = "da") -> str:
    """Return the sentence saying what data the figures rest on (synthetic or register).

    Examples
    --------
    >>> data_note(pd.DataFrame({"synthetic": [True]}))[:11]
    '**Bemærk:**'
    """
    key = "synthetic_note" if bool(cells["synthetic"].any()) else "register_note"
    return load_trial_layout()["text"][key][language]


def assumptions_markdown(language: str = "da", path: Path | str = ECONOMY_PATH) -> str:
    """Return the economy's assumptions (``data/trial/economy.yml``) as a Markdown bullet list.

    Examples
    --------
    >>> assumptions_markdown().startswith("- Hele den årlige udgift på 5,8 mio. kr.")
    True
    """
    assumptions = read_yaml(path)["assumptions"]
    return "\n".join(f"- {a[f'text_{language}']}" for a in assumptions)


def suppression_note(min_cell: int = DEFAULT_MIN_CELL, language: str = "da") -> str:
    """Return the sentence explaining what a hidden cell is.

    Examples
    --------
    >>> suppression_note(5)[:50]
    'skjult: tallet vises ikke, fordi det bygger på fær'
    """
    word = chapter_theory().word("suppressed", language)
    note = load_trial_layout()["text"]["suppressed_note"][language]
    return note.format(min_cell=min_cell, suppressed=word)
