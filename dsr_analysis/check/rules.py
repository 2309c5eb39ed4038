"""Which rule each problem breaks, and its wording in Danish or English (``data/check_rules.yml``).

A :class:`~dsr_analysis.errors.Problem` carries the validator's English text of what was
expected, and no rule id: the validator's messages are its public API, so the rule is read
off that text (the first rule whose pattern matches it in full) rather than added to every
rule of the validator. The wording per language fills the rule's template from the pattern's
named groups and the column's facts in the codebook.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache

from dsr_analysis import config
from dsr_analysis.codebook import Codebook
from dsr_analysis.errors import ConfigurationError, Problem
from dsr_analysis.export_columns import codes_in_words, column_infos
from dsr_analysis.files import read_yaml

RULES_PATH = config.DATA_DIR / "check_rules.yml"
FALLBACK_RULE = "other"


@dataclass(frozen=True)
class Form:
    """One wording of a rule: the validator's text it matches and the page's text per language."""

    pattern: re.Pattern
    text: dict[str, str]
    values: dict[str, dict[str, dict[str, str]]]


@dataclass(frozen=True)
class Rule:
    """A rule of the export: its id, title and what to do, per language, and its wordings."""

    id: str
    title: dict[str, str]
    fix: dict[str, str]
    forms: tuple[Form, ...]


@dataclass(frozen=True)
class Finding:
    """A problem with the rule it breaks and the named parts of its text."""

    problem: Problem
    rule: Rule
    form: Form
    groups: dict[str, str]


@cache
def rule_book() -> tuple[tuple[Rule, ...], dict[str, dict[str, str]]]:
    """The rules in order (the fallback last) and the page's words, from the rules file."""
    raw = read_yaml(RULES_PATH, "check rules file") or {}
    try:
        rules = tuple(
            Rule(
                rule_id,
                dict(entry["title"]),
                dict(entry["fix"]),
                tuple(
                    Form(
                        re.compile(form["pattern"]),
                        {"da": form["da"], "en": form["en"]},
                        form.get("values") or {},
                    )
                    for form in entry["forms"]
                ),
            )
            for rule_id, entry in raw["rules"].items()
        )
        words = {key: dict(value) for key, value in raw["words"].items()}
    except (KeyError, TypeError, AttributeError, re.error) as error:
        where = RULES_PATH.name
        raise ConfigurationError(f"{where}: a rule or word is malformed ({error})") from error
    if not rules or rules[-1].id != FALLBACK_RULE:
        raise ConfigurationError(f"{RULES_PATH.name}: the last rule must be '{FALLBACK_RULE}'")
    return rules, words


def words(language: str) -> dict[str, str]:
    """The page's words in ``language`` (key: text)."""
    return {key: texts[language] for key, texts in rule_book()[1].items()}


def column_key(item: Finding, language: str) -> str:
    """The column a summary counts a problem under: its column, "the whole row" or "the
    whole file"."""
    said = words(language)
    if item.problem.column:
        return item.problem.column
    return said["whole_row"] if (item.problem.row or 0) >= 2 else said["whole_file"]


def finding(problem: Problem) -> Finding:
    """``problem`` with the first rule whose pattern matches its expected text in full.

    Examples
    --------
    >>> found = finding(Problem("x.csv", 3, "wave", "a whole number from 1 to 6 "
    ...                         "(1 = the start registration)", "7"))
    >>> found.rule.id, found.groups
    ('wave', {'top': '6'})
    """
    for rule in rule_book()[0]:
        for form in rule.forms:
            match = form.pattern.fullmatch(problem.expected)
            if match:
                groups = {k: v for k, v in match.groupdict().items() if v is not None}
                return Finding(problem, rule, form, groups)
    raise AssertionError("the fallback rule matches every text")  # pragma: no cover


def ordered_findings(problems) -> list[Finding]:
    """Each problem's finding, whole-file problems first, then row by row (stable within a
    row: the validator's order), as a data manager works through a file."""
    found = [finding(problem) for problem in problems]
    return sorted(found, key=lambda item: item.problem.row or 0)


def column_facts(codebook: Codebook, language: str) -> dict[str, dict[str, str]]:
    """Per export column the facts a rule's wording may name (see the rules file)."""
    general = {
        "dont_know": str(codebook.dont_know_code),
        "max_waves": str(codebook.max_waves),
        "window_start": codebook.window_start.isoformat(),
        "window_end": codebook.window_end.isoformat(),
    }
    facts = {}
    for column, info in column_infos(codebook, language).items():
        question_text = info.question.text(language) if info.question else info.label
        facts[column] = general | {
            "column": column,
            "label": info.label,
            "codes": codes_in_words(info),
            "question_text": question_text,
        }
    facts[""] = general | {"column": "", "label": "", "codes": "", "question_text": ""}
    return facts


def expected_text(found: Finding, language: str, facts: dict[str, dict[str, str]]) -> str:
    """What the rule expected, worded in ``language``.

    >>> from dsr_analysis.codebook import default_codebook
    >>> facts = column_facts(default_codebook(), "da")
    >>> problem = Problem("x.csv", 3, "info_exchange", "one of the codes 1 (Ja), 2 (Nej)")
    >>> expected_text(finding(problem), "da", facts)
    'en af koderne 1 (Ja), 2 (Nej), 99 (Ved ikke)'
    """
    groups = dict(found.groups)
    for name, translations in found.form.values.items():
        if name in groups and groups[name] in translations:
            groups[name] = translations[groups[name]][language]
    column = found.problem.column or ""
    known = facts.get(column, facts[""]) | {"column": column} | groups
    return found.form.text[language].format_map(_Missing(known))


class _Missing(dict):
    # A template naming a fact the column lacks shows the name, not a KeyError.
    def __missing__(self, key: str) -> str:
        return "{" + key + "}"
