"""The trial's codebook (``data/trial/codebook.yml``) and the validation of a register extract.

An extract is two files (CSV or .xlsx): institutions (the unit of randomisation) and children
(the unit of analysis). :func:`read_trial` reads both as text with the monitoring export's reader
(:func:`dsr_analysis.export.export_cells`: encodings, ``;`` or ``,``, Excel), lists every problem
with its file, spreadsheet row (header = row 1) and column, and only then types the frames.
Identifiers and CPR-like cells are never echoed (:func:`dsr_analysis.validate.safe_value`).
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import pandas as pd

from dsr_analysis import export, validate
from dsr_analysis.errors import ConfigurationError, Problem
from dsr_analysis.trial import paths

_WHOLE_NUMBER = re.compile(r"^-?\d+$")
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
    raw = paths.read_yaml(path)
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

    @property
    def synthetic(self) -> bool:
        """Whether every child is marked synthetic (a register extract has no such column).

        Examples
        --------
        >>> Trial(pd.DataFrame(), pd.DataFrame({"synthetic": [1, 1]})).synthetic
        True
        >>> Trial(pd.DataFrame(), pd.DataFrame({"child_id": ["C1"]})).synthetic
        False
        """
        return bool(self.children.get("synthetic", pd.Series([0])).eq(1).all())


def _row(index) -> int:
    """The spreadsheet row of a cell: the frames are indexed by it (header = row 1)."""
    return int(index)


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

    ``raw`` is indexed by spreadsheet row, as :func:`dsr_analysis.export.export_cells` reads it.

    Examples
    --------
    >>> codebook = default_trial_codebook()
    >>> raw = pd.DataFrame(
    ...     {"institution_id": ["A"], "arm": ["treated"], "n_children": ["3"]}, index=[2]
    ... )
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
            shown = None if column.type == "identifier" else validate.safe_value(values[index])
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
    repeated = ids.ne("") & ids.duplicated(keep="first")
    if not repeated.any():
        return []
    first = {child: index for index, child in ids[~ids.duplicated(keep="first")].items()}
    problems = []
    for index in ids.index[repeated]:
        other = first[ids[index]]
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
            validate.safe_value(children["arm"][i]),
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
            validate.safe_value(institutions["n_children"][i]),
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
                validate.safe_value(children[column][i]),
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
                validate.safe_value(children[column][i]),
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
    problems: list[Problem] | None = None,
) -> Trial:
    """Validate two raw (all-text) frames and return them typed.

    The frames hold stripped strings indexed by spreadsheet row (header = row 1, so the first
    data row is 2), as :func:`dsr_analysis.export.export_cells` reads a file; ``problems`` are
    those found while reading. The typed frames have a fresh index.

    Raises
    ------
    InputValidationError
        Listing the problems (at most 50, taking turns between columns) with file, row, column.

    Examples
    --------
    >>> arms = ["intervention", "control"]
    >>> institutions = pd.DataFrame(
    ...     {"institution_id": ["A", "B"], "arm": arms, "n_children": ["1", "1"]}, index=[2, 3]
    ... )
    >>> children = pd.DataFrame(index=[2, 3], data={
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
    institutions = institutions.astype(str)
    children = children.astype(str)
    found = column_problems(institutions, codebook.institution_columns, institutions_file, codebook)
    found += column_problems(children, codebook.children_columns, children_file, codebook)
    if not any(p.row is None for p in found + list(problems or [])):
        found += _cross_problems(institutions, children, institutions_file, children_file, codebook)
    cpr = validate.cpr_problems(institutions, institutions_file)
    cpr += validate.cpr_problems(children, children_file)
    # A CPR-like cell is reported as such, not again as a bad value.
    flagged = {(p.file, p.row, p.column) for p in cpr}
    found = [p for p in found if (p.file, p.row, p.column) not in flagged]
    validate.raise_for_problems(list(problems or []) + cpr + found)
    return Trial(_typed_institutions(institutions), _typed_children(children))


def _extract_file(directory: Path, name: str) -> Path:
    """Return ``name`` in ``directory``, or its .xlsx twin when only that exists."""
    path = directory / name
    workbook = path.with_suffix(export.EXCEL_SUFFIX)
    return workbook if not path.is_file() and workbook.is_file() else path


def read_trial(data_dir: Path | str | None = None) -> Trial:
    """Read and validate ``institutions.csv`` and ``children.csv`` from ``data_dir``.

    ``data_dir`` defaults to the bundled synthetic trial in ``data/trial``. The files may be
    UTF-8 or Windows-1252 CSV separated by ``;`` or ``,`` (or .xlsx files of the same names).

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
    institutions_path = _extract_file(directory, paths.INSTITUTIONS_FILE)
    children_path = _extract_file(directory, paths.CHILDREN_FILE)
    institutions, problems = export.export_cells(institutions_path)
    children, more = export.export_cells(children_path)
    return trial_from_frames(
        institutions, children, institutions_path.name, children_path.name, problems=problems + more
    )
