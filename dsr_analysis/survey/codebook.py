"""The survey's codebook (``data/vive2023/codebook.yml``) as typed, read-only objects.

The codebook is the one source of the survey's columns, option codes, labels, round windows and
table ids; the reader, the tables and the synthetic generator all read it from here.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import yaml

from dsr_analysis import config
from dsr_analysis.codebook import Option as Label
from dsr_analysis.codebook import Period as Round
from dsr_analysis.errors import ConfigurationError

ID_COLUMN = "respondent_id"
MUNICIPALITY_COLUMN = "municipality"
INSTITUTION_COLUMN = "institution_id"
TYPE_COLUMN = "institution_type"
ROLE_COLUMN = "role"
ROUND_COLUMN = "round"
DATE_COLUMN = "response_date"
IDENTIFIER_COLUMNS = (ID_COLUMN, MUNICIPALITY_COLUMN, INSTITUTION_COLUMN, TYPE_COLUMN,
                      ROLE_COLUMN, ROUND_COLUMN, DATE_COLUMN)
#: A column a file may carry besides the codebook's: 1 marks generated data (as the monitoring).
SYNTHETIC_COLUMN = "synthetic"
# A coded answer or attribute (code, Danish and English label) is the monitoring's Option, and
# a round with its answer window (inclusive dates) is the monitoring's Period: the same things.


@dataclass(frozen=True)
class Scale:
    """An answer scale: its options and the key row (the options an indicator adds up)."""

    id: str
    options: tuple[Label, ...]
    key: Label
    key_codes: tuple[int, ...]
    mean: bool = False

    @property
    def codes(self) -> tuple[int, ...]:
        return tuple(option.code for option in self.options)

    @property
    def key_is_option(self) -> bool:
        """A key of one option is that option's row; otherwise it is a sum row of its own."""
        return len(self.key_codes) == 1


@dataclass(frozen=True)
class Item:
    """One survey question: its column (= its id), scale, table and words."""

    id: str
    table: str
    scale: Scale
    element: str
    short_da: str
    short_en: str
    text_da: str
    text_en: str

    def short(self, language: str = "da") -> str:
        return self.short_en if language == "en" else self.short_da

    def text(self, language: str = "da") -> str:
        return self.text_en if language == "en" else self.text_da


@dataclass(frozen=True)
class SurveyCodebook:
    """The whole survey codebook."""

    dont_know_code: int
    rounds: tuple[Round, ...]
    institution_types: tuple[Label, ...]
    roles: tuple[Label, ...]
    staff_roles: tuple[int, ...]
    items: tuple[Item, ...]
    tables: dict[str, dict]
    labels: dict[str, dict[str, str]]

    @property
    def columns(self) -> tuple[str, ...]:
        """Every column a survey file must have, in the documented order."""
        return IDENTIFIER_COLUMNS + tuple(item.id for item in self.items)

    @property
    def export_columns(self) -> tuple[str, ...]:
        """The same columns, by the name :func:`dsr_analysis.validate.column_problems` reads."""
        return self.columns

    def item(self, item_id: str) -> Item:
        for item in self.items:
            if item.id == item_id:
                return item
        raise KeyError(f"the survey codebook has no item {item_id!r}")

    def round(self, round_id: int) -> Round:
        for survey_round in self.rounds:
            if survey_round.id == round_id:
                return survey_round
        raise KeyError(f"the survey codebook has no round {round_id!r}")

    def word(self, key: str, language: str = "da") -> str:
        """A fixed word of the tables (``labels`` in the codebook), e.g. "Ændring"."""
        return self.labels[key][language]

    @property
    def agreement_items(self) -> tuple[Item, ...]:
        """The items on the 1–5 agreement scale (rows of VIVE-16 and VIVE-17)."""
        return tuple(item for item in self.items if item.scale.mean)


def _label(raw: dict) -> Label:
    return Label(int(raw["code"]), str(raw["label_da"]), str(raw["label_en"]))


def _scale(scale_id: str, raw: dict) -> Scale:
    key = raw["key"]
    return Scale(
        id=scale_id,
        options=tuple(_label(o) for o in raw["options"]),
        key=Label(-1, str(key["label_da"]), str(key["label_en"])),
        key_codes=tuple(int(c) for c in key["codes"]),
        mean=bool(raw.get("mean", False)),
    )


def _check(codebook: SurveyCodebook, path: Path) -> None:
    ids = [item.id for item in codebook.items] + [item.table for item in codebook.items]
    twice = sorted({i for i in ids if ids.count(i) > 1})
    if twice:
        raise ConfigurationError(f"{path}: item or table ids given twice: {', '.join(twice)}")
    for item in codebook.items:
        scale = item.scale
        if not set(scale.key_codes) <= set(scale.codes) or codebook.dont_know_code in scale.codes:
            raise ConfigurationError(f"{path}: scale {scale.id!r}: key codes must be options, "
                                     "and no option may use the 'Ved ikke' code")
        labels = [o.label_da for o in scale.options]
        if not scale.key_is_option:
            labels.append(scale.key.label_da)
        if len(set(labels)) != len(labels):
            # Each row label is part of a published cell's key.
            raise ConfigurationError(f"{path}: scale {scale.id!r}: row labels must differ")


def load_survey_codebook(path: Path | str = config.VIVE2023_CODEBOOK_PATH) -> SurveyCodebook:
    """Read and check the survey codebook.

    Raises
    ------
    ConfigurationError
        If an id is given twice, a key row names codes that are no options, or two rows of a
        table would have the same label.

    Examples
    --------
    >>> codebook = load_survey_codebook()
    >>> codebook.item("F1").scale.key.label_da, codebook.item("F1").table
    ('Enig eller helt enig', 'VIVE-2')
    >>> codebook.round(2).start.isoformat(), len(codebook.columns)
    ('2025-03-01', 21)
    """
    path = Path(path)
    raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    scales = {scale_id: _scale(scale_id, entry) for scale_id, entry in raw["scales"].items()}
    try:
        items = tuple(
            Item(id=str(i["id"]), table=str(i["table"]), scale=scales[i["scale"]],
                 element=str(i["element"]), short_da=str(i["short_da"]),
                 short_en=str(i["short_en"]), text_da=str(i["text_da"]),
                 text_en=str(i["text_en"]))
            for i in raw["items"]
        )
    except KeyError as error:
        raise ConfigurationError(f"{path}: an item lacks or names an unknown {error}") from error
    codebook = SurveyCodebook(
        dont_know_code=int(raw["dont_know_code"]),
        rounds=tuple(Round(int(r["id"]), r["label_da"], r["label_en"], r["start"], r["end"])
                     for r in raw["rounds"]),
        institution_types=tuple(_label(t) for t in raw["institution_types"]),
        roles=tuple(_label(r) for r in raw["roles"]),
        staff_roles=tuple(int(r["code"]) for r in raw["roles"] if r.get("staff")),
        items=items,
        tables=dict(raw["tables"]),
        labels=dict(raw["labels"]),
    )
    _check(codebook, path)
    return codebook


@lru_cache(maxsize=1)
def default_survey_codebook() -> SurveyCodebook:
    """The project's survey codebook, read once per process."""
    return load_survey_codebook(config.VIVE2023_CODEBOOK_PATH)
