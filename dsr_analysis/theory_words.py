"""A theory's report words: the shared words (``config.REPORT_TEXT_PATH``) with the theory's
own ``report_text`` laid over them, and the display-label rules among them."""

from __future__ import annotations

from pathlib import Path

import yaml

from dsr_analysis import config
from dsr_analysis.errors import ConfigurationError
from dsr_analysis.theory_model import LANGUAGES, DisplayRules


def read_yaml(path: Path, what: str) -> object:
    """A YAML file's contents, or a ConfigurationError saying which file and why."""
    try:
        # The C loader when present: a no-op report rebuild reads these files and must be quick.
        loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
        return yaml.load(path.read_text(encoding="utf-8"), Loader=loader)  # noqa: S506 - safe
    except FileNotFoundError as exc:
        raise ConfigurationError(f"{what} not found: {path.name}") from exc
    except yaml.YAMLError as exc:
        raise ConfigurationError(f"{path.name} is not valid YAML: {exc}") from exc


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
