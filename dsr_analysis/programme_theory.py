"""The programme theory as data: load it and check it.

A theory file (``config.PROGRAMME_THEORY_PATH`` for DSR, ``vive2023.yml`` beside it) lists the
levels of the theory in order, each with its expected results and indicators; every indicator
carries a success criterion in data form, with the expected result it operationalises and why
its threshold. :mod:`dsr_analysis.report.assessment` judges the indicators on published cells.

Nothing here knows a particular theory or design: a theory names its tables (any ids its
design publishes), the file holding its questions' wording (``questions``), and overrides as
many of the shared report words (``config.REPORT_TEXT_PATH``) as it needs in ``report_text``.
"""

from __future__ import annotations

from pathlib import Path

from dsr_analysis import config
from dsr_analysis.errors import ConfigurationError
from dsr_analysis.files import read_yaml
from dsr_analysis.municipalities import paired_units_path, pooled_count
from dsr_analysis.theory_model import (  # noqa: F401 - the names readers import from here
    LANGUAGES,
    MET,
    NO_CLEAR_CHANGE,
    NOT_MET,
    REQUIRED_KEYS,
    STATUSES,
    TABLE_KINDS,
    TOO_LITTLE_DATA,
    Criterion,
    DisplayRules,
    Element,
    Indicator,
    Level,
    ProgrammeTheory,
    TableInfo,
    Text,
)
from dsr_analysis.theory_words import display_rules_of, merged_report_text

# ----------------------------------------------------------------------------------- loading --


def load_programme_theory(
    path: Path | str = config.PROGRAMME_THEORY_PATH, units_path: Path | str | None = None
) -> ProgrammeTheory:
    """Read and check the programme-theory YAML file.

    Parameters
    ----------
    path
        The YAML file; defaults to ``config.PROGRAMME_THEORY_PATH``.
    units_path
        The units file whose pooled municipalities the words' ``{count}`` counts; by default
        the one ``data/report_sets.yml`` pairs with this theory (none if no set names it).

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
    >>> from dsr_analysis.municipalities import monitored_names
    >>> theory.unit_count == len(monitored_names())
    True
    """
    path = Path(path)
    raw = read_yaml(path, "programme theory file")
    theory = programme_theory_from_dict(raw, source_name=path.name, folder=path.parent)
    units_path = units_path if units_path is not None else paired_units_path(path)
    return theory if units_path is None else theory.with_unit_count(pooled_count(units_path))


def programme_theory_from_dict(
    raw: object, source_name: str = "programme theory", folder: Path | None = None
) -> ProgrammeTheory:
    """Build a ProgrammeTheory from parsed YAML, collecting every problem before raising.

    ``folder`` is where the theory file lies: its ``questions`` path is relative to it.

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
    raw_tables = raw.get("tables") or {}
    if not isinstance(raw_tables, dict):
        problems.append("tables: expected a mapping from table id to its level")
        raw_tables = {}
    for table_id, info in raw_tables.items():
        table_id = str(table_id)
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
        # In the order the file lists them: the chapter shows its tables in that order.
        level_tables = tuple(t for t, info in tables.items() if info.level == level_id)
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
                page=str(raw_level.get("page") or ""),
            )
        )

    pages = [level.page_name for level in levels]
    if len(set(pages)) != len(pages):
        problems.append("levels: every level needs its own page (give 'page' where levels share "
                        "a notebook)")
    report_text = merged_report_text(raw.get("report_text"))
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
    display_rules = display_rules_of(report_text.get("display_labels"), problems)
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
        questions_path=_questions_path(raw.get("questions"), folder, problems),
    )
    if problems:
        listing = "\n".join(f"  - {problem}" for problem in problems)
        raise ConfigurationError(f"{source_name}: {len(problems)} problem(s):\n{listing}")
    return theory


def _questions_path(raw: object, folder: Path | None, problems: list[str]) -> Path | None:
    """The theory's ``questions`` file, relative to the theory file; it must exist."""
    if raw in (None, ""):
        return None
    path = (folder or config.PROGRAMME_THEORY_PATH.parent) / str(raw)
    if not path.is_file():
        problems.append(f"questions: no file {raw!r} beside the theory")
        return None
    return path.resolve()


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
    if kind not in REQUIRED_KEYS:
        problems.append(
            f"{where}.criterion: type must be one of {sorted(REQUIRED_KEYS)}, not {kind!r}"
        )
        return None
    for key in REQUIRED_KEYS[kind] + ("table",):
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
