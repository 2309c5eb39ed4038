"""What a programme theory is made of: its levels, indicators, criteria and report words.

The data classes and the vocabulary (assessment statuses, table kinds, languages) every side
shares; :mod:`dsr_analysis.programme_theory` reads a theory file into them.
"""


from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path

from dsr_analysis.errors import ConfigurationError
from dsr_analysis.number_words import with_count

LANGUAGES: tuple[str, ...] = ("da", "en")
TABLE_KINDS: tuple[str, ...] = ("share", "mean", "count")

# The outcomes of an assessment, in the order a summary lists them. "No clear change": the
# 95 % interval straddles the criterion, so the data cannot tell met from not met.
MET = "met"
NOT_MET = "not_met"
NO_CLEAR_CHANGE = "no_clear_change"
TOO_LITTLE_DATA = "too_little_data"
STATUSES: tuple[str, ...] = (MET, NOT_MET, NO_CLEAR_CHANGE, TOO_LITTLE_DATA)

# Which keys each criterion type needs beyond ``type``, ``table`` and ``text``.
REQUIRED_KEYS: dict[str, tuple[str, ...]] = {
    "rises": ("from", "to"),
    "falls": ("from", "to"),
    "more_positive_than_negative": ("column",),
    "at_least": ("threshold",),
    "at_most": ("threshold",),
}


@dataclass(frozen=True)
class Text:
    """A piece of report text in Danish and English.

    Examples
    --------
    >>> Text(da="Indsats", en="Effort").get("en")
    'Effort'
    """

    da: str
    en: str

    def get(self, lang: str) -> str:
        """Return the text in ``lang`` ("da" or "en")."""
        if lang not in LANGUAGES:
            raise ConfigurationError(f"unknown language {lang!r}; expected one of {LANGUAGES}")
        return getattr(self, lang)


@dataclass(frozen=True)
class Criterion:
    """A success criterion in data form; ``kind`` is one of the keys of ``REQUIRED_KEYS``."""

    kind: str
    table: str
    text: Text
    label: str | None = None
    column: str | None = None
    start: str | None = None
    end: str | None = None
    threshold: float | None = None
    field: str = "value"
    min_n: int = 10
    positive_labels: tuple[str, ...] = ()
    negative_labels: tuple[str, ...] = ()
    # Which expected result of the evaluation the criterion operationalises, and why its
    # threshold: the criteria are this package's, and the report says so.
    source: Text | None = None
    why: Text | None = None


@dataclass(frozen=True)
class Indicator:
    """One indicator of a level: what it reads and how it is judged."""

    id: str
    title: Text
    tables: tuple[str, ...]
    criterion: Criterion


@dataclass(frozen=True)
class Element:
    """A kind of effort or a frame condition: a title and a description."""

    id: str
    title: Text
    description: Text


@dataclass(frozen=True)
class Level:
    """One level of the programme theory, which becomes one chapter."""

    id: str
    notebook: str
    title: Text
    summary: Text
    expected_results: tuple[Text, ...]
    indicators: tuple[Indicator, ...]
    tables: tuple[str, ...] = ()
    efforts: tuple[Element, ...] = ()
    frame_conditions: tuple[Element, ...] = ()
    # The chapter's page name, the same in every unit's set ("05_long_term"); a theory whose
    # levels share one notebook names each level's page.
    page: str = ""

    @property
    def page_name(self) -> str:
        """``page``, or the notebook's stem when the theory gives none."""
        return self.page or Path(self.notebook).stem


@dataclass(frozen=True)
class TableInfo:
    """Where a published table belongs and what its ``value`` column holds."""

    id: str
    level: str
    kind: str
    title: Text
    # What a mean is measured in ("years", "points"), so a change can be said in words.
    unit: str = ""


@dataclass(frozen=True)
class DisplayRules:
    """How a page shows a printed label in one language (``report_text.display_labels``): the
    questionnaire's instructions to the respondent it drops from a label's end, and the
    spellings it evens out, as (printed, shown) pairs."""

    instructions: tuple[str, ...] = ()
    spellings: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class ProgrammeTheory:
    """The whole programme theory: levels in order, the table map and the report's words."""

    id: str
    title: Text
    source: Text
    levels: tuple[Level, ...]
    tables: Mapping[str, TableInfo]
    words: Mapping[str, Text] = field(default_factory=dict)
    status_words: Mapping[str, Text] = field(default_factory=dict)
    column_words: Mapping[str, Text] = field(default_factory=dict)
    # Language -> its display-label rules; a language without rules shows labels as printed.
    display_rules: Mapping[str, DisplayRules] = field(default_factory=dict)
    # The YAML file whose ``questions`` give each table's question wording (None: the titles).
    questions_path: Path | None = None
    # How many municipalities the pooled unit pools (from the units file), for the words'
    # ``{count}``; None when the theory was loaded without units.
    unit_count: int | None = None

    def level(self, level_id: str) -> Level:
        """Return the level called ``level_id``; raise ConfigurationError if there is none."""
        for level in self.levels:
            if level.id == level_id:
                return level
        known = ", ".join(level.id for level in self.levels)
        raise ConfigurationError(f"no level {level_id!r} in the programme theory; known: {known}")

    def word(self, key: str, lang: str) -> str:
        """Return the report word ``key`` in ``lang``, its ``{count}`` filled with the number
        of pooled units (:func:`dsr_analysis.number_words.with_count`)."""
        if key not in self.words:
            raise ConfigurationError(f"report_text.words has no entry {key!r}")
        try:
            return with_count(self.words[key].get(lang), self.unit_count, lang)
        except ValueError as error:
            raise ConfigurationError(
                f"report_text.words.{key}: {error}; load the theory with its units file"
            ) from error

    def with_unit_count(self, count: int) -> ProgrammeTheory:
        """The same theory, its words counting ``count`` pooled units."""
        return replace(self, unit_count=count)

    def column_label(self, column: str, lang: str) -> str:
        """Return the display label of a cells ``column`` (the column itself if unknown)."""
        text = self.column_words.get(column)
        return text.get(lang) if text else column


