"""The monitoring codebook (``data/codebook.yml``) as typed, read-only objects.

The codebook is the single source of truth for the export's columns, option codes and labels;
validation, tidying, measures, the tables and the synthetic generator all read it from here.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import yaml

from dsr_analysis import config
from dsr_analysis.errors import ConfigurationError

CHOICE_TYPES = ("single_choice", "yes_no")
SCALE_TYPES = ("scale4", "scale10")
SCALE_MAXIMUM = {"scale4": 4, "scale10": 10}


@dataclass(frozen=True)
class Option:
    """One answer option: a stable integer code and its labels."""

    code: int
    label_da: str
    label_en: str
    label_da_by_table: dict[str, str] = field(default_factory=dict, hash=False, compare=False)

    def label(self, language: str = "da", table: str | None = None) -> str:
        """Return the label in ``language``, in ``table``'s own spelling where it has one."""
        if language == "en":
            return self.label_en
        return self.label_da_by_table.get(table, self.label_da)


@dataclass(frozen=True)
class ScaleItem:
    """One item of a scale question, stored in its own export column."""

    column: str
    label_da: str
    label_en: str

    def label(self, language: str = "da") -> str:
        return self.label_en if language == "en" else self.label_da


@dataclass(frozen=True)
class Question:
    """One monitoring question and how the export stores it."""

    id: str
    type: str
    asked: str
    text_da: str
    text_en: str
    tables: tuple[str, ...]
    options: tuple[Option, ...] = ()
    items: tuple[ScaleItem, ...] = ()
    column: str | None = None
    better: str | None = None
    age_range: tuple[float, float] | None = None

    @property
    def is_multiple_choice(self) -> bool:
        return self.type == "multiple_choice"

    @property
    def is_scale(self) -> bool:
        return self.type in SCALE_TYPES

    @property
    def scale_maximum(self) -> int:
        return SCALE_MAXIMUM[self.type]

    @property
    def columns(self) -> tuple[str, ...]:
        """The export columns that hold this question's answers, in export order."""
        if self.is_multiple_choice:
            return tuple(option_column(self.id, option.code) for option in self.options)
        if self.is_scale:
            return tuple(item.column for item in self.items)
        return (self.column or self.id,)

    @property
    def codes(self) -> tuple[int, ...]:
        return tuple(option.code for option in self.options)

    def option(self, code: int) -> Option:
        for option in self.options:
            if option.code == code:
                return option
        raise KeyError(f"question {self.id!r} has no option with code {code}")

    def text(self, language: str = "da") -> str:
        return self.text_en if language == "en" else self.text_da


@dataclass(frozen=True)
class Identifier:
    """One identifier column of the export (child, municipality, wave, date) and its texts."""

    column: str
    type: str
    text_da: str
    text_en: str

    def text(self, language: str = "da") -> str:
        return self.text_en if language == "en" else self.text_da


@dataclass(frozen=True)
class Period:
    """A project period (NIRAS ch. 7.3), inclusive dates."""

    id: int
    label_da: str
    label_en: str
    start: dt.date
    end: dt.date

    def label(self, language: str = "da") -> str:
        return self.label_en if language == "en" else self.label_da


@dataclass(frozen=True)
class Codebook:
    """The whole codebook: identifier columns, questions, periods and global codes."""

    dont_know_code: int
    max_waves: int
    window_start: dt.date
    window_end: dt.date
    periods: tuple[Period, ...]
    identifier_columns: tuple[str, ...]
    questions: tuple[Question, ...]
    identifiers: tuple[Identifier, ...] = ()

    def question(self, question_id: str) -> Question:
        for question in self.questions:
            if question.id == question_id:
                return question
        raise KeyError(f"the codebook has no question {question_id!r}")

    @property
    def answer_columns(self) -> tuple[str, ...]:
        return tuple(column for q in self.questions for column in q.columns)

    @property
    def export_columns(self) -> tuple[str, ...]:
        """Every column an export must have, in the documented order."""
        return self.identifier_columns + self.answer_columns

    def column_question(self) -> dict[str, Question]:
        """Map every answer column to the question it belongs to."""
        return {column: q for q in self.questions for column in q.columns}


OPTIONAL_COLUMNS = ("synthetic",)
"""Columns an export may carry besides the codebook's: ``synthetic`` marks generated data."""


def option_column(question_id: str, code: int) -> str:
    """Name of the 0/1 export column of one option of a multiple-choice question.

    >>> option_column("problem", 99)
    'problem_99'
    """
    return f"{question_id}_{code}"


def _option(raw: dict) -> Option:
    return Option(
        code=int(raw["code"]),
        label_da=str(raw["label_da"]),
        label_en=str(raw["label_en"]),
        label_da_by_table={str(k): str(v) for k, v in raw.get("label_da_by_table", {}).items()},
    )


def _question(raw: dict) -> Question:
    qtype = raw["type"]
    options = raw.get("options") or raw.get("anchors") or raw.get("age_groups") or []
    age_range = None
    if qtype == "age":
        age_range = (float(raw["range"]["min"]), float(raw["range"]["max"]))
    return Question(
        id=raw["id"],
        type=qtype,
        asked=raw["asked"],
        text_da=raw["text_da"],
        text_en=raw["text_en"],
        tables=tuple(str(t) for t in raw.get("tables", [])),
        options=tuple(_option(o) for o in options),
        items=tuple(
            ScaleItem(column=i["column"], label_da=i["label_da"], label_en=i["label_en"])
            for i in raw.get("items", [])
        ),
        column=raw.get("column"),
        better=raw.get("better"),
        age_range=age_range,
    )


def _check(codebook: Codebook, path: Path) -> None:
    columns = codebook.export_columns
    duplicated = sorted({c for c in columns if columns.count(c) > 1})
    if duplicated:
        raise ConfigurationError(f"{path}: columns defined twice: {', '.join(duplicated)}")
    for question in codebook.questions:
        if question.asked not in ("start", "every"):
            raise ConfigurationError(
                f"{path}: question {question.id!r}: 'asked' must be 'start' or 'every'"
            )
        if question.is_scale and question.better not in ("lower", "higher"):
            raise ConfigurationError(
                f"{path}: scale {question.id!r}: 'better' must be 'lower' or 'higher'"
            )


def load_codebook(path: Path | str = config.CODEBOOK_PATH) -> Codebook:
    """Read and check the codebook YAML.

    Raises
    ------
    ConfigurationError
        If the file defines a column twice or a question lacks a required setting.

    Examples
    --------
    >>> codebook = load_codebook()
    >>> codebook.question("initiative").option(1).label()
    'Det pædagogiske personale'
    """
    path = Path(path)
    raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    codebook = Codebook(
        dont_know_code=int(raw["dont_know_code"]),
        max_waves=int(raw["max_waves"]),
        window_start=raw["monitoring_window"]["start"],
        window_end=raw["monitoring_window"]["end"],
        periods=tuple(
            Period(
                id=int(p["id"]),
                label_da=p["label_da"],
                label_en=p["label_en"],
                start=p["start"],
                end=p["end"],
            )
            for p in raw["periods"]
        ),
        identifier_columns=tuple(i["column"] for i in raw["identifiers"]),
        questions=tuple(_question(q) for q in raw["questions"]),
        identifiers=tuple(
            Identifier(str(i["column"]), str(i["type"]), str(i["text_da"]), str(i["text_en"]))
            for i in raw["identifiers"]
        ),
    )
    _check(codebook, path)
    return codebook


@lru_cache(maxsize=1)
def default_codebook() -> Codebook:
    """The project's codebook, read once per process."""
    return load_codebook(config.CODEBOOK_PATH)
