"""The trial's codebook (``data/trial/codebook.yml``) and the validation of a register extract.

An extract is two CSV files: institutions (the unit of randomisation) and children (the unit of
analysis). :func:`read_trial` reads both as text, lists every problem with its file, spreadsheet
row (header = row 1) and column, and only then converts them to typed frames.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import pandas as pd
import yaml

from dsr_analysis.errors import ConfigurationError, InputValidationError, Problem
from dsr_analysis.trial import paths

MAX_PROBLEMS_SHOWN = 50
_WHOLE_NUMBER = re.compile(r"^-?\d+$")
_MANY_DIGITS = re.compile(r"\d{6,}")
EVENT_COLUMNS = ("age_first_investigation_months", "age_first_measure_months")
FLAG_COLUMNS = ("notified_before", "notified_during", "support_received")


@dataclass(frozen=True)
class Column:
    """One documented column of an extract file."""

    column: str
    type: str
    required: bool
    text_da: str
    text_en: str
    min: int | None = None
    max: int | None = None


@dataclass(frozen=True)
class TrialCodebook:
    """The trial's dates, arms and the columns of its two files."""

    start: dt.date
    end: dt.date
    months: int
    pre_months: int
    arms: tuple[str, ...]
    arm_labels: dict[str, dict[str, str]]
    institution_columns: tuple[Column, ...]
    children_columns: tuple[Column, ...]
    optional_columns: tuple[str, ...]
    rules: dict[str, str]

    def arm_label(self, arm: str, language: str = "da") -> str:
        """Return the printed label of an arm code."""
        return self.arm_labels[arm][language]


def _columns(raw: list[dict]) -> tuple[Column, ...]:
    return tuple(
        Column(
            column=c["column"],
            type=c["type"],
            required=bool(c.get("required", True)),
            text_da=c["text_da"],
            text_en=c["text_en"],
            min=c.get("min"),
            max=c.get("max"),
        )
        for c in raw
    )


def load_trial_codebook(path: Path | str = paths.CODEBOOK_PATH) -> TrialCodebook:
    """Read and check the trial codebook.

    Raises
    ------
    ConfigurationError
        If a column has an unknown type or the trial length disagrees with its dates.

    Examples
    --------
    >>> codebook = load_trial_codebook()
    >>> codebook.arms, codebook.months
    (('intervention', 'control'), 24)
    """
    path = Path(path)
    raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    codebook = TrialCodebook(
        start=raw["trial"]["start"],
        end=raw["trial"]["end"],
        months=int(raw["trial"]["months"]),
        pre_months=int(raw["trial"]["pre_months"]),
        arms=tuple(a["code"] for a in raw["arms"]),
        arm_labels={a["code"]: {"da": a["label_da"], "en": a["label_en"]} for a in raw["arms"]},
        institution_columns=_columns(raw["files"]["institutions"]["columns"]),
        children_columns=_columns(raw["files"]["children"]["columns"]),
        optional_columns=tuple(raw.get("optional_columns", [])),
        rules={r["id"]: r["text_en"] for r in raw["rules"]},
    )
    known = {"identifier", "arm", "count", "flag", "months"}
    for column in codebook.institution_columns + codebook.children_columns:
        if column.type not in known:
            raise ConfigurationError(f"{path}: column {column.column!r} has unknown type")
    span = (
        (codebook.end.year - codebook.start.year) * 12 + codebook.end.month - codebook.start.month
    )
    if span + 1 != codebook.months:
        raise ConfigurationError(f"{path}: trial.months disagrees with trial.start and trial.end")
    return codebook


@lru_cache(maxsize=1)
def default_trial_codebook() -> TrialCodebook:
    """The project's trial codebook, read once per process."""
    return load_trial_codebook(paths.CODEBOOK_PATH)


@dataclass(frozen=True)
class Trial:
    """A validated extract: one frame of institutions, one of children."""

    institutions: pd.DataFrame
    children: pd.DataFrame


def _safe(value: str) -> str | None:
    """Return ``value`` if it may be echoed; long digit runs could be CPR numbers."""
    return None if _MANY_DIGITS.search(value) else value


def _row(index: int) -> int:
    return int(index) + 2


def _expected(column: Column, codebook: TrialCodebook) -> str:
    if column.type == "identifier":
        return "a non-empty identifier"
    if column.type == "arm":
        return "one of " + ", ".join(repr(a) for a in codebook.arms)
    if column.type == "flag":
        return "0 or 1"
    if column.type == "count":
        return f"a whole number of at least {column.min}"
    empty = "" if column.required else " (or empty if the event did not happen)"
    return f"a whole number of months from {column.min} to {column.max}{empty}"


def _bad_values(values: pd.Series, column: Column, codebook: TrialCodebook) -> pd.Series:
    """Return a boolean mask of the cells that break the column's type."""
    if column.type == "identifier":
        return values.eq("")
    if column.type == "arm":
        return ~values.isin(codebook.arms)
    if column.type == "flag":
        return ~values.isin(["0", "1"])
    if not column.required and column.type == "months":
        filled = values.ne("")
    else:
        filled = pd.Series(True, index=values.index)
    whole = values.str.match(_WHOLE_NUMBER)
    numbers = pd.to_numeric(values.where(whole), errors="coerce")
    in_range = numbers.ge(column.min if column.min is not None else -float("inf"))
    in_range &= numbers.le(column.max if column.max is not None else float("inf"))
    return filled & ~(whole & in_range)


def column_problems(
    raw: pd.DataFrame, columns: tuple[Column, ...], file: str, codebook: TrialCodebook
) -> list[Problem]:
    """List missing, unknown and badly typed columns and cells of one raw (all-text) file.

    Examples
    --------
    >>> codebook = default_trial_codebook()
    >>> raw = pd.DataFrame({"institution_id": ["A"], "arm": ["treated"], "n_children": ["3"]})
    >>> [str(p) for p in column_problems(raw, codebook.institution_columns, "i.csv", codebook)]
    ["i.csv, row 2, column 'arm': found 'treated'; expected one of 'intervention', 'control'"]
    """
    problems: list[Problem] = []
    names = [c.column for c in columns]
    for name in names:
        if name not in raw.columns:
            problems.append(Problem(file, None, name, "a column with this name (codebook.yml)"))
    for name in raw.columns:
        if name not in names and name not in codebook.optional_columns:
            problems.append(
                Problem(file, None, str(name), "only the codebook's columns; remove this one")
            )
    for column in columns:
        if column.column not in raw.columns:
            continue
        values = raw[column.column]
        bad = _bad_values(values, column, codebook)
        for index in values.index[bad]:
            shown = None if column.type == "identifier" else _safe(values[index])
            problems.append(
                Problem(file, _row(index), column.column, _expected(column, codebook), shown)
            )
    return problems


def _duplicate_problems(raw: pd.DataFrame, column: str, file: str, what: str) -> list[Problem]:
    ids = raw[column]
    repeated = ids.ne("") & ids.duplicated(keep="first")
    first_row = ids[~ids.duplicated(keep="first")]
    first_row = pd.Series(first_row.index, index=first_row.to_numpy())
    return [
        Problem(
            file,
            _row(i),
            column,
            f"each {what} once (the same id is on row {_row(first_row[ids[i]])})",
        )
        for i in ids.index[repeated]
    ]


def _child_duplicate_problems(raw: pd.DataFrame, file: str) -> list[Problem]:
    ids, homes = raw["child_id"], raw["institution_id"]
    problems = []
    first: dict[str, int] = {}
    for index, child in ids.items():
        if child == "":
            continue
        if child not in first:
            first[child] = index
            continue
        other = first[child]
        if homes[index] != homes[other]:
            expected = (
                "each child in one institution only (the same child_id is on row "
                f"{_row(other)} with another institution_id)"
            )
        else:
            expected = f"each child once (the same child_id is also on row {_row(other)})"
        problems.append(Problem(file, _row(index), "child_id", expected))
    return problems


def _integers(values: pd.Series) -> pd.Series:
    return pd.to_numeric(values.where(values.str.match(_WHOLE_NUMBER)), errors="coerce")


def _cross_problems(
    institutions: pd.DataFrame,
    children: pd.DataFrame,
    institutions_file: str,
    children_file: str,
    codebook: TrialCodebook,
) -> list[Problem]:
    problems: list[Problem] = []
    problems += _duplicate_problems(
        institutions, "institution_id", institutions_file, "institution"
    )
    problems += _child_duplicate_problems(children, children_file)

    known = institutions.drop_duplicates("institution_id").set_index("institution_id")["arm"]
    home = children["institution_id"]
    unknown = home.ne("") & ~home.isin(known.index)
    problems += [
        Problem(
            children_file,
            _row(i),
            "institution_id",
            f"an institution_id listed in {institutions_file}",
        )
        for i in children.index[unknown]
    ]
    their_arm = home.map(known)
    valid_arm = children["arm"].isin(codebook.arms) & their_arm.isin(codebook.arms)
    differs = valid_arm & children["arm"].ne(their_arm)
    problems += [
        Problem(
            children_file,
            _row(i),
            "arm",
            f"the arm of the child's institution in {institutions_file} ({their_arm[i]!r}); "
            "an institution has one arm",
            children["arm"][i],
        )
        for i in children.index[differs]
    ]

    sizes = _integers(institutions["n_children"])
    rows = home.value_counts()
    actual = institutions["institution_id"].map(rows).fillna(0).astype(int)
    mismatch = sizes.notna() & sizes.ne(actual) & ~institutions["institution_id"].duplicated()
    problems += [
        Problem(
            institutions_file,
            _row(i),
            "n_children",
            f"the institution's number of rows in {children_file} ({actual[i]})",
            institutions["n_children"][i],
        )
        for i in institutions.index[mismatch]
    ]

    age = _integers(children["age_months"])
    for column in EVENT_COLUMNS:
        event = _integers(children[column])
        late = event.gt(age)
        early = event.lt(age - codebook.months)
        problems += [
            Problem(
                children_file,
                _row(i),
                column,
                f"at most age_months ({int(age[i])}): an event after the trial's end "
                f"({codebook.end.isoformat()}) cannot be in the extract",
                children[column][i],
            )
            for i in children.index[late]
        ]
        problems += [
            Problem(
                children_file,
                _row(i),
                column,
                f"at least age_months - {codebook.months} ({int(age[i]) - codebook.months}): "
                f"only events during the trial (from {codebook.start.isoformat()}) are counted",
                children[column][i],
            )
            for i in children.index[early]
        ]
    support = children["support_received"]
    measure = children["age_first_measure_months"].ne("")
    inconsistent = (support.eq("1") & ~measure) | (support.eq("0") & measure)
    problems += [
        Problem(
            children_file,
            _row(i),
            "age_first_measure_months",
            "a value exactly when support_received is 1 (a measure is the support)",
        )
        for i in children.index[inconsistent]
    ]
    return problems


def _typed_institutions(raw: pd.DataFrame) -> pd.DataFrame:
    frame = raw.assign(n_children=raw["n_children"].astype("int64"))
    if "synthetic" in frame:
        frame["synthetic"] = frame["synthetic"].astype("int64")
    return frame.reset_index(drop=True)


def _typed_children(raw: pd.DataFrame) -> pd.DataFrame:
    frame = raw.assign(age_months=raw["age_months"].astype("int64"))
    for column in FLAG_COLUMNS:
        frame[column] = frame[column].astype("int64")
    for column in EVENT_COLUMNS:
        frame[column] = pd.to_numeric(frame[column].mask(frame[column].eq(""))).astype("Int64")
    if "synthetic" in frame:
        frame["synthetic"] = frame["synthetic"].astype("int64")
    return frame.reset_index(drop=True)


def trial_from_frames(
    institutions: pd.DataFrame,
    children: pd.DataFrame,
    institutions_file: str = paths.INSTITUTIONS_FILE,
    children_file: str = paths.CHILDREN_FILE,
    codebook: TrialCodebook | None = None,
) -> Trial:
    """Validate two raw (all-text) frames and return them typed.

    Raises
    ------
    InputValidationError
        Listing every problem (the first ``MAX_PROBLEMS_SHOWN``) with file, row and column.

    Examples
    --------
    >>> arms = ["intervention", "control"]
    >>> institutions = pd.DataFrame(
    ...     {"institution_id": ["A", "B"], "arm": arms, "n_children": ["1", "1"]}
    ... )
    >>> children = pd.DataFrame({
    ...     "child_id": ["c1", "c2"], "institution_id": ["A", "B"], "arm": arms,
    ...     "age_months": ["40", "50"], "notified_before": ["0", "0"],
    ...     "notified_during": ["1", "0"],
    ...     "support_received": ["1", "0"], "age_first_investigation_months": ["30", ""],
    ...     "age_first_measure_months": ["31", ""],
    ... })
    >>> trial_from_frames(institutions, children).children["age_first_measure_months"].tolist()
    [31, <NA>]
    """
    codebook = codebook or default_trial_codebook()
    institutions = institutions.astype(str).apply(lambda s: s.str.strip())
    children = children.astype(str).apply(lambda s: s.str.strip())
    problems = column_problems(
        institutions, codebook.institution_columns, institutions_file, codebook
    )
    problems += column_problems(children, codebook.children_columns, children_file, codebook)
    structural = [p for p in problems if p.row is None]
    if not structural:
        problems += _cross_problems(
            institutions, children, institutions_file, children_file, codebook
        )
    if problems:
        raise InputValidationError(problems[:MAX_PROBLEMS_SHOWN], total=len(problems))
    return Trial(_typed_institutions(institutions), _typed_children(children))


def _read_text_csv(path: Path) -> pd.DataFrame:
    if not path.is_file():
        raise InputValidationError(
            [Problem(path.name, None, None, f"a file at {path} (see data/trial/README.md)")]
        )
    return pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8")


def read_trial(data_dir: Path | str | None = None) -> Trial:
    """Read and validate ``institutions.csv`` and ``children.csv`` from ``data_dir``.

    ``data_dir`` defaults to the bundled synthetic trial in ``data/trial``.

    Raises
    ------
    InputValidationError
        If a file is missing or any rule of the codebook is broken.

    Examples
    --------
    >>> trial = read_trial()
    >>> len(trial.institutions), len(trial.children)
    (82, 9827)
    """
    directory = Path(data_dir) if data_dir is not None else paths.TRIAL_DIR
    institutions = _read_text_csv(directory / paths.INSTITUTIONS_FILE)
    children = _read_text_csv(directory / paths.CHILDREN_FILE)
    return trial_from_frames(institutions, children)
