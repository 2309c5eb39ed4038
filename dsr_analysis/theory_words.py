"""A theory's report words: the shared words (``config.REPORT_TEXT_PATH``) with the theory's
own ``report_text`` laid over them, and the display-label rules among them."""

from __future__ import annotations

from dsr_analysis import config
from dsr_analysis.files import read_yaml
from dsr_analysis.theory_model import LANGUAGES, DisplayRules


def _shared_report_text() -> dict:
    """The report words every theory starts from (``config.REPORT_TEXT_PATH``)."""
    raw = read_yaml(config.REPORT_TEXT_PATH, "report words file")
    return (raw or {}).get("report_text") or {}


def merged_report_text(own: object) -> dict:
    """The shared report words with a theory's own ``report_text`` laid over them, key by key
    within each section (words, status, columns; display_labels per language)."""
    merged = {k: dict(v or {}) for k, v in _shared_report_text().items()}
    for section, entries in (own or {}).items() if isinstance(own, dict) else ():
        merged.setdefault(section, {}).update(entries or {})
    return merged


def display_rules_of(raw: object, problems: list[str]) -> dict[str, DisplayRules]:
    """``report_text.display_labels``: per language, instructions (a list of texts) and
    spelling (printed text: shown text)."""
    where = "report_text.display_labels"
    if raw is None:
        return {}
    if not isinstance(raw, dict):
        problems.append(f"{where}: expected a mapping with instructions and spelling")
        return {}
    parts = {}
    for part in ("instructions", "spelling"):
        by_lang = raw.get(part) or {}
        if not isinstance(by_lang, dict) or set(by_lang) - set(LANGUAGES):
            problems.append(f"{where}.{part}: expected a mapping from da/en")
            by_lang = {}
        parts[part] = by_lang
    rules = {}
    for lang in LANGUAGES:
        instructions = parts["instructions"].get(lang) or []
        spelling = parts["spelling"].get(lang) or {}
        if not isinstance(instructions, list) or not all(_is_text(i) for i in instructions):
            problems.append(f"{where}.instructions.{lang}: expected a list of texts")
            instructions = []
        if not isinstance(spelling, dict) or not all(
            _is_text(k) and _is_text(v) for k, v in spelling.items()
        ):
            problems.append(f"{where}.spelling.{lang}: expected a mapping of texts to texts")
            spelling = {}
        rules[lang] = DisplayRules(tuple(instructions), tuple(spelling.items()))
    return rules


def _is_text(value: object) -> bool:
    return isinstance(value, str) and bool(value.strip())
