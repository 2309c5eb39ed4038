"""The programme theory as data: load it and check it.

The file (``config.PROGRAMME_THEORY_PATH``) lists the levels of the theory in order, each with its
expected results and indicators; every indicator carries a success criterion in data form, with
the expected result it operationalises and why its threshold. :mod:`dsr_analysis.report.assessment`
judges the indicators on published cells.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from dsr_analysis import config
from dsr_analysis.errors import ConfigurationError

#: Every table and figure of the NIRAS (2012) report that the monitoring pipeline publishes.
NIRAS_TABLES: tuple[str, ...] = ("4-1", "4-2", "6-1") + tuple(f"7-{i}" for i in range(1, 29))

#: Theories whose tables are a fixed printed set: every id must be in it and every one mapped.
#: Any other theory (a survey the package designs itself, such as ``vive2023``) names its own
#: tables, in the order it lists them.
TABLE_CATALOGUES: dict[str, tuple[str, ...]] = {"dsr": NIRAS_TABLES}

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
_REQUIRED_KEYS: dict[str, tuple[str, ...]] = {
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
    """A success criterion in data form; ``kind`` is one of the keys of ``_REQUIRED_KEYS``."""

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


@dataclass(frozen=True)
class TableInfo:
    """Where a table belongs and what its ``value`` column holds."""

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

    def level(self, level_id: str) -> Level:
        """Return the level called ``level_id``; raise ConfigurationError if there is none."""
        for level in self.levels:
            if level.id == level_id:
                return level
        known = ", ".join(level.id for level in self.levels)
        raise ConfigurationError(f"no level {level_id!r} in the programme theory; known: {known}")

    def word(self, key: str, lang: str) -> str:
        """Return the report word ``key`` in ``lang``."""
        if key not in self.words:
            raise ConfigurationError(f"report_text.words has no entry {key!r}")
        return self.words[key].get(lang)

    def column_label(self, column: str, lang: str) -> str:
        """Return the display label of a cells ``column`` (the column itself if unknown)."""
        text = self.column_words.get(column)
        return text.get(lang) if text else column


# ----------------------------------------------------------------------------------- loading --


def load_programme_theory(path: Path | str = config.PROGRAMME_THEORY_PATH) -> ProgrammeTheory:
    """Read and check the programme-theory YAML file.

    Parameters
    ----------
    path
        The YAML file; defaults to ``config.PROGRAMME_THEORY_PATH``.

    Returns
    -------
    ProgrammeTheory
        The levels in order, with their indicators and criteria.

    Raises
    ------
    ConfigurationError
        If the file is missing, is not valid YAML, or breaks a rule; all problems are listed.

    Examples
    --------
    >>> theory = load_programme_theory()
    >>> [level.id for level in theory.levels]
    ['effort', 'output', 'immediate', 'medium', 'long_term']
    """
    path = Path(path)
    try:
        # The C loader when present: a no-op report rebuild reads this file and must be quick.
        loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
        raw = yaml.load(path.read_text(encoding="utf-8"), Loader=loader)  # noqa: S506 - safe
    except FileNotFoundError as exc:
        raise ConfigurationError(f"programme theory file not found: {path.name}") from exc
    except yaml.YAMLError as exc:
        raise ConfigurationError(f"{path.name} is not valid YAML: {exc}") from exc
    return programme_theory_from_dict(raw, source_name=path.name)


def programme_theory_from_dict(
    raw: object, source_name: str = "programme theory"
) -> ProgrammeTheory:
    """Build a ProgrammeTheory from parsed YAML, collecting every problem before raising.

    Raises
    ------
    ConfigurationError
        Listing every problem found.
    """
    problems: list[str] = []
    if not isinstance(raw, dict):
        raise ConfigurationError(f"{source_name}: expected a mapping at the top level")
    defaults = raw.get("defaults") or {}

    def text(value: object, where: str) -> Text:
        if isinstance(value, dict) and set(value) - set(LANGUAGES):
            # An unquoted comma in a YAML flow mapping splits a text into extra keys.
            extra = ", ".join(sorted(str(k) for k in set(value) - set(LANGUAGES)))
            problems.append(f"{where}: unexpected key(s) {extra} (quote texts with commas)")
        if not isinstance(value, dict) or not all(
            isinstance(value.get(lang), str) and value.get(lang).strip() for lang in LANGUAGES
        ):
            problems.append(f"{where}: needs non-empty 'da' and 'en' texts")
            return Text(da="", en="")
        return Text(da=value["da"].strip(), en=value["en"].strip())

    tables: dict[str, TableInfo] = {}
    catalogue = TABLE_CATALOGUES.get(str(raw.get("id", "")))
    raw_tables = raw.get("tables") or {}
    if not isinstance(raw_tables, dict):
        problems.append("tables: expected a mapping from table id to its level")
        raw_tables = {}
    for table_id, info in raw_tables.items():
        table_id = str(table_id)
        if catalogue is not None and table_id not in catalogue:
            problems.append(f"tables: {table_id!r} is not a NIRAS table")
            continue
        info = info or {}
        kind = info.get("kind")
        if kind not in TABLE_KINDS:
            problems.append(f"tables.{table_id}: kind must be one of {TABLE_KINDS}, not {kind!r}")
        tables[table_id] = TableInfo(
            table_id,
            str(info.get("level")),
            str(kind),
            text(info.get("title"), f"tables.{table_id}.title"),
            str(info.get("unit", "")),
        )
    if catalogue is not None:
        unmapped = [t for t in catalogue if t not in tables]
        if unmapped:
            problems.append(f"tables: NIRAS tables without a level: {', '.join(unmapped)}")
    elif not tables:
        problems.append("tables: the programme theory lists no tables")
    order = catalogue if catalogue is not None else tuple(tables)

    levels: list[Level] = []
    seen_indicators: set[str] = set()
    raw_levels = raw.get("levels") or []
    if not raw_levels:
        problems.append("levels: the programme theory needs at least one level")
    level_ids = [str(level.get("id")) for level in raw_levels if isinstance(level, dict)]
    if len(set(level_ids)) != len(level_ids):
        problems.append("levels: level ids must be unique")
    for table in tables.values():
        if table.level not in level_ids:
            problems.append(f"tables.{table.id}: level {table.level!r} is not a level id")

    for position, raw_level in enumerate(raw_levels):
        if not isinstance(raw_level, dict):
            problems.append(f"levels[{position}]: expected a mapping")
            continue
        level_id = str(raw_level.get("id"))
        where = f"levels.{level_id}"
        if not str(raw_level.get("notebook", "")).endswith(".ipynb"):
            problems.append(f"{where}: 'notebook' must name an .ipynb file in notebooks/")
        level_tables = tuple(t for t in order if t in tables and tables[t].level == level_id)
        indicators = []
        for raw_indicator in raw_level.get("indicators") or []:
            indicator = _indicator(raw_indicator, where, defaults, level_tables, text, problems)
            if indicator is None:
                continue
            if indicator.id in seen_indicators:
                problems.append(f"{where}: indicator id {indicator.id!r} is used twice")
            seen_indicators.add(indicator.id)
            indicators.append(indicator)
        if not indicators:
            problems.append(f"{where}: every level needs at least one indicator")
        levels.append(
            Level(
                id=level_id,
                notebook=str(raw_level.get("notebook", "")),
                title=text(raw_level.get("title"), f"{where}.title"),
                summary=text(raw_level.get("summary"), f"{where}.summary"),
                expected_results=tuple(
                    text(item, f"{where}.expected_results")
                    for item in raw_level.get("expected_results") or []
                ),
                indicators=tuple(indicators),
                tables=level_tables,
                efforts=tuple(_elements(raw_level.get("efforts"), f"{where}.efforts", text)),
                frame_conditions=tuple(
                    _elements(raw_level.get("frame_conditions"), f"{where}.frame_conditions", text)
                ),
            )
        )

    report_text = raw.get("report_text") or {}
    words = {
        k: text(v, f"report_text.words.{k}") for k, v in (report_text.get("words") or {}).items()
    }
    status_words = {
        k: text(v, f"report_text.status.{k}") for k, v in (report_text.get("status") or {}).items()
    }
    missing_status = [s for s in STATUSES if s not in status_words]
    if missing_status:
        problems.append(f"report_text.status: missing {', '.join(missing_status)}")
    column_words = {
        str(k): text(v, f"report_text.columns.{k}")
        for k, v in (report_text.get("columns") or {}).items()
    }
    display_rules = _display_rules(report_text.get("display_labels"), problems)
    theory = ProgrammeTheory(
        id=str(raw.get("id", "")),
        title=text(raw.get("title"), "title"),
        source=text(raw.get("source"), "source"),
        levels=tuple(levels),
        tables=tables,
        words=words,
        status_words=status_words,
        column_words=column_words,
        display_rules=display_rules,
    )
    if problems:
        listing = "\n".join(f"  - {problem}" for problem in problems)
        raise ConfigurationError(f"{source_name}: {len(problems)} problem(s):\n{listing}")
    return theory


def _display_rules(raw: object, problems: list[str]) -> dict[str, DisplayRules]:
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


def _elements(raw: object, where: str, text) -> list[Element]:
    return [
        Element(
            str(item.get("id")),
            text(item.get("title"), f"{where}.title"),
            text(item.get("description"), f"{where}.description"),
        )
        for item in (raw or [])
    ]


def _indicator(raw, where, defaults, level_tables, text, problems) -> Indicator | None:
    if not isinstance(raw, dict) or not raw.get("id"):
        problems.append(f"{where}: every indicator needs an 'id'")
        return None
    where = f"{where}.indicators.{raw['id']}"
    tables = tuple(str(t) for t in raw.get("tables") or [])
    if not tables:
        problems.append(f"{where}: 'tables' must list the table(s) it reads")
    for table in tables:
        if table not in level_tables:
            problems.append(f"{where}: table {table} is not mapped to this level")
    raw_criterion = raw.get("criterion") or {}
    kind = raw_criterion.get("type")
    if kind not in _REQUIRED_KEYS:
        problems.append(
            f"{where}.criterion: type must be one of {sorted(_REQUIRED_KEYS)}, not {kind!r}"
        )
        return None
    for key in _REQUIRED_KEYS[kind] + ("table",):
        if raw_criterion.get(key) in (None, ""):
            problems.append(f"{where}.criterion: type {kind!r} needs {key!r}")
    table = str(raw_criterion.get("table"))
    if table not in tables:
        problems.append(f"{where}.criterion: table {table} is not among the indicator's tables")
    threshold = raw_criterion.get("threshold")
    if threshold is not None and not isinstance(threshold, (int, float)):
        problems.append(f"{where}.criterion: threshold must be a number")
        threshold = None
    field_name = raw_criterion.get("field", "value")
    if field_name not in ("value", "count"):
        problems.append(f"{where}.criterion: field must be 'value' or 'count'")
    return Indicator(
        id=str(raw["id"]),
        title=text(raw.get("title"), f"{where}.title"),
        tables=tables,
        criterion=Criterion(
            kind=kind,
            table=table,
            text=text(raw_criterion.get("text"), f"{where}.criterion.text"),
            label=raw_criterion.get("label"),
            column=raw_criterion.get("column"),
            start=raw_criterion.get("from"),
            end=raw_criterion.get("to"),
            threshold=None if threshold is None else float(threshold),
            field=field_name,
            min_n=int(raw_criterion.get("min_n", defaults.get("min_n", 10))),
            positive_labels=tuple(
                raw_criterion.get("positive_labels", defaults.get("positive_labels", ()))
            ),
            negative_labels=tuple(
                raw_criterion.get("negative_labels", defaults.get("negative_labels", ()))
            ),
            source=text(raw_criterion.get("source"), f"{where}.criterion.source"),
            why=text(raw_criterion.get("why"), f"{where}.criterion.why"),
        ),
    )
