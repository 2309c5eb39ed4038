"""The published tables: every NIRAS table as rows of one long frame of cells.

``data/tables.yml`` says which measure of which question fills each table; this module runs the
measures for every municipality and for "Alle", names rows and columns as the report prints them,
and sends the result through small-cell suppression. The measures are computed from the
export's panel (:mod:`dsr_analysis.panel`): counts once per municipality x start period and
the pooled groups as their sums (:mod:`dsr_analysis.group_shares`), means one grouped reduction
per group (:mod:`dsr_analysis.group_means`); tests/test_group_measures.py holds them equal, bit
for bit, to :mod:`dsr_analysis.measures` on the stacked tidy tables. One row per published cell:

``table, municipality, column, label, code, n, count, value, denominator, kind, suppressed,
suppression, synthetic``
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from dsr_analysis import cells as cells_contract
from dsr_analysis import config, contrasts, group_means, group_shares
from dsr_analysis.cells import POOLED_NAME as POOLED
from dsr_analysis.cells import TOTAL_COLUMN
from dsr_analysis.codebook import Codebook, Question, default_codebook
from dsr_analysis.disclosure.model import Contrast, TableSpec
from dsr_analysis.disclosure.release import suppress
from dsr_analysis.errors import ConfigurationError
from dsr_analysis.panel import Panel
from dsr_analysis.tables_spec import Table, TablesSpec, closed_columns, load_tables_spec

# `suppression` (primary or secondary) is deliberately not published: it would tell a reader
# which hidden counts are the small ones.
CELL_COLUMNS = list(cells_contract.COLUMNS)
_WHOLE_NUMBERS = {"count": "Int64", "n": "Int64", "denominator": "Int64"}


@dataclass(frozen=True)
class MonitoringData:
    """A validated export's panel (:mod:`dsr_analysis.panel`): what every measure reads."""

    panel: Panel
    synthetic: bool


def monitoring_data(export: pd.DataFrame, codebook: Codebook) -> MonitoringData:
    """The export's panel, made once for every table."""
    synthetic = bool(export["synthetic"].any()) if "synthetic" in export else False
    return MonitoringData(Panel.of(export, codebook), synthetic)


def _period_labels(codebook: Codebook, language: str) -> dict:
    labels = {period.id: period.label(language) for period in codebook.periods}
    labels[TOTAL_COLUMN] = TOTAL_COLUMN  # the same word, "Total", in both editions
    return labels


def _option_labels(question: Question, table: Table, language: str) -> Callable[[int], str]:
    return lambda code: question.option(int(code)).label(language, table.id)


def _share_cells(result: pd.DataFrame, table: Table, question: Question, codebook: Codebook,
                 language: str) -> pd.DataFrame:
    """Rows of a table of option shares, named as the report names them."""
    if table.by_period:
        column = result["period"].map(_period_labels(codebook, language))
    else:
        column = TOTAL_COLUMN
    return result.assign(
        column=column,
        label=result["code"].map(_option_labels(question, table, language)),
        code=result["code"].astype(str),
        kind="share",
    )


def _cells_for_table(table: Table, data: MonitoringData, codebook: Codebook, spec: TablesSpec,
                     language: str) -> pd.DataFrame:
    question = codebook.question(table.question) if table.question else None
    panel, by_period = data.panel, table.by_period
    if table.measure == "children":
        # Figure 6-1 counts the registered children of each municipality: a count whose n is
        # itself (a municipality's n is its own children, never the pooled total).
        result = group_shares.children_count(panel)
        label = table.label_en if language == "en" else table.label_da
        return result.assign(n=result["count"], value=result["count"].astype(float),
                             column=TOTAL_COLUMN, label=label, code="children", kind="count")
    if table.measure == "age_groups":
        result = group_shares.age_group_shares(panel, question, by_period)
        return _share_cells(result, table, question, codebook, language)
    if table.measure == "mean_age":
        result = group_means.mean_age(panel, question, by_period)
        columns = result["period"].map(_period_labels(codebook, language))
        return result.assign(column=columns, label=spec.label("mean_age", language),
                             code="mean_age", count=pd.NA, kind="mean")
    if table.measure in ("start", "ever", "first", "ever_yes", "quarters"):
        if table.measure == "quarters":
            exclude = [codebook.dont_know_code] if table.exclude_dont_know else []
            result = group_shares.quarter_shares(panel, question, by_period, exclude)
        else:
            measure = getattr(group_shares, _SHARE_MEASURES[table.measure])
            result = measure(panel, question, by_period)
        return _share_cells(result, table, question, codebook, language)
    return _scale_cells(table, data, question, codebook, spec, language)


_SHARE_MEASURES = {"start": "start_shares", "ever": "ever_shares",
                   "first": "first_answer_shares", "ever_yes": "ever_yes_shares"}


def _contrast_rows(table: Table, cells: pd.DataFrame, data: MonitoringData, codebook: Codebook,
                   spec: TablesSpec, language: str) -> pd.DataFrame:
    """The table's contrast rows (see dsr_analysis.contrasts), named as the report prints
    and as :func:`_contrasts` tells the disclosure control."""
    if table.change:
        question = codebook.question(table.question)
        change = group_means.start_latest_change(data.panel, question,
                                                 codebook.dont_know_code)
        change = change.assign(column=change["item"].map(_item_labels(question, language)))
        return contrasts.change_rows(change, spec.label("change", language))
    if table.contrast:
        (contrast,) = _contrasts(table, codebook, spec, language)
        return contrasts.period_contrasts(cells, contrast.start, contrast.end, contrast.name)
    if table.balance:
        (contrast,) = _contrasts(table, codebook, spec, language)
        positive, negative = contrast.end, contrast.start
        parts = _sum_rows(table, spec, language)
        return contrasts.balance_rows(
            cells, parts[positive], parts[negative], (positive, negative, contrast.name)
        )
    return pd.DataFrame()


def _contrast_column(table: Table, codebook: Codebook, spec: TablesSpec, language: str) -> str:
    return spec.label("change_periods", language, start=table.contrast["from"],
                      end=table.contrast["to"])


def _item_labels(question: Question, language: str) -> dict[str, str]:
    return {item.column: item.label(language) for item in question.items}


def _scale_cells(table: Table, data: MonitoringData, question: Question, codebook: Codebook,
                 spec: TablesSpec, language: str) -> pd.DataFrame:
    items = _item_labels(question, language)
    panel, dont_know = data.panel, codebook.dont_know_code
    if table.measure == "wave_means":
        result = group_means.wave_means(panel, question, dont_know)
        return result.assign(
            column=result["item"].map(items),
            label=[spec.label("wave", language, wave=w) for w in result["wave"]],
            code=[f"wave_{w}" for w in result["wave"]],
            count=pd.NA, kind="mean",
        )
    if table.measure == "start_latest":
        result = group_means.start_latest_means(panel, question, dont_know)
        return result.assign(
            column=result["item"].map(items),
            label=[spec.label(code, language) for code in result["code"]],
            count=pd.NA, kind="mean",
        )
    if table.measure == "development":
        steps = spec.development_small_max_steps[question.type]
        result = group_means.development_shares(panel, question, dont_know, steps)
        return result.assign(
            column=result["item"].map(items),
            label=[spec.development_label(code, language) for code in result["code"]],
            kind="share",
        )
    raise ValueError(f"table {table.id}: unknown measure {table.measure!r}")


def _column_order(codebook: Codebook, language: str) -> dict[str, int]:
    """Rank of each column as the report prints them: periods, Total, changes, scale items."""
    names = list(_period_labels(codebook, language).values())
    spec = load_tables_spec()
    names += sorted({_contrast_column(t, codebook, spec, language)
                     for t in spec.tables if t.contrast})
    names += [item.label(language) for q in codebook.questions for item in q.items]
    return {name: rank for rank, name in enumerate(names)}


def _ordered(cells: pd.DataFrame, spec: TablesSpec, codebook: Codebook,
             language: str) -> pd.DataFrame:
    """Sort cells by table order, "Alle" first, then municipality, column and row order."""
    table_rank = {table.id: rank for rank, table in enumerate(spec.tables)}
    cells = cells.assign(
        _table=cells["table"].map(table_rank),
        _pooled=cells["municipality"] != POOLED,
        _column=cells["column"].map(_column_order(codebook, language)),
        _row=cells.groupby(["table", "municipality", "column"], sort=False).cumcount(),
    )
    order = ["_table", "_pooled", "municipality", "_column", "_row"]
    return cells.sort_values(order, kind="stable").drop(
        columns=["_table", "_pooled", "_row", "_column"]
    ).reset_index(drop=True)


def _population(table: Table) -> str:
    """The group a table's n counts; tables counting the same group share their n."""
    q = table.question
    excluded = "-excl-dont-know" if table.exclude_dont_know else ""
    return {
        "children": "registered",
        "age_groups": "age",
        "mean_age": "age",
        "start": f"start:{q}",
        "ever": f"answered:{q}",
        "first": f"answered:{q}",
        "ever_yes": f"yes-or-no:{q}",
        "quarters": f"answered{excluded}:{q}",
        "wave_means": f"valid:{q}",
        "start_latest": f"development:{q}",
        "development": f"development:{q}",
    }[table.measure]


def _value_range(table: Table, codebook: Codebook) -> tuple[float, float] | None:
    if table.measure == "mean_age":
        return codebook.question(table.question).age_range
    if table.measure in ("wave_means", "start_latest"):
        return (1.0, float(codebook.question(table.question).scale_maximum))
    return None


def _sum_rows(table: Table, spec: TablesSpec, language: str) -> dict[str, list[str]]:
    if not table.balance:
        return {}
    return {
        spec.label(f"{side}_total", language): [
            spec.development_label(f"{size}_{side}", language) for size in ("small", "large")
        ]
        for side in ("positive", "negative")
    }


def _contrasts(table: Table, codebook: Codebook, spec: TablesSpec,
               language: str) -> tuple[Contrast, ...]:
    if table.contrast:
        periods = _period_labels(codebook, language)
        return (Contrast("column", _contrast_column(table, codebook, spec, language),
                         periods[table.contrast["from"]], periods[table.contrast["to"]]),)
    if table.change:
        return (Contrast("label", spec.label("change", language), spec.label("start", language),
                         spec.label("latest", language)),)
    if table.balance:
        return (Contrast("label", spec.label("balance", language),
                         spec.label("negative_total", language),
                         spec.label("positive_total", language)),)
    return ()


def suppression_specs(spec: TablesSpec, codebook: Codebook,
                      language: str = "da") -> dict[str, TableSpec]:
    """What disclosure control needs to know of each table: its groups and its arithmetic."""
    periods = _period_labels(codebook, language)
    total = periods.pop(TOTAL_COLUMN)
    by_period = {total: list(periods.values())}
    specs = {}
    for table in spec.tables:
        population = _population(table)
        within = None
        if population != "registered":
            # Every group is among the registered children; the development set of an item
            # is among the children with a valid score at the first measurement.
            within = ("registered", None)
            if table.measure in ("start_latest", "development"):
                within = (f"valid:{table.question}", "wave_1")
        specs[table.id] = TableSpec(
            sum_rows=_sum_rows(table, spec, language),
            contrasts=_contrasts(table, codebook, spec, language),
            population=population,
            n_by_label=table.measure == "wave_means",
            exclusive=table.exclusive,
            additive_columns=by_period if table.by_period else None,
            same_as=(table.same_as or {}).get("table"),
            same_as_column=(table.same_as or {}).get("column"),
            value_range=_value_range(table, codebook),
            denominator=f"registrations:{population}" if table.measure == "quarters" else None,
            max_per_member=codebook.max_waves if table.measure == "quarters" else None,
            within=within,
            at_least=tuple(
                other.id for other in spec.tables
                if table.measure == "quarters" and other.measure == "start"
                and other.question == table.question and not other.by_period
                and other.same_as is None
            ),
        )
    return specs


def release_specs(language: str = "da") -> dict[str, TableSpec]:
    """:func:`suppression_specs` of the bundled tables and codebook: what the audit of a DSR
    release needs (named in data/report_sets.yml)."""
    return suppression_specs(load_tables_spec(), default_codebook(), language)


def unsuppressed_cells(export: pd.DataFrame, codebook: Codebook | None = None,
                       language: str = "da") -> pd.DataFrame:
    """Every published cell of every table, before suppression (for audits and tests)."""
    codebook = codebook or default_codebook()
    spec = load_tables_spec()
    data = monitoring_data(export, codebook)
    parts = []
    for table in spec.tables:
        cells = contrasts.with_intervals(_cells_for_table(table, data, codebook, spec, language))
        extra = _contrast_rows(table, cells, data, codebook, spec, language)
        parts.append(pd.concat([cells, extra], ignore_index=True).assign(table=table.id))
    cells = pd.concat(parts, ignore_index=True)
    if "denominator" not in cells:
        cells["denominator"] = pd.NA
    ordinary = cells["kind"] != "difference"
    cells["denominator"] = cells["denominator"].where(~ordinary, cells["denominator"].fillna(
        cells["n"]))
    cells = cells.astype({"count": "Float64", "n": "Float64", "denominator": "Float64"})
    cells = cells.astype({"count": "Int64", "n": "Int64", "denominator": "Int64"})
    for column in ("ci_low", "ci_high", "published"):
        if column not in cells:
            cells[column] = float("nan")
    cells = cells.assign(synthetic=data.synthetic, suppressed=False, min_cell=1)
    return _ordered(cells[CELL_COLUMNS], spec, codebook, language)


def published_cells(export_path: Path | str | None = None, min_cell: int = config.DEFAULT_MIN_CELL,
                    language: str = "da", codebook: Codebook | None = None) -> pd.DataFrame:
    """Validate an export and return every published cell, small cells suppressed.

    ``export_path`` defaults to the bundled synthetic export; ``min_cell=1`` turns suppression
    off for analysts entitled to see every cell.

    Raises
    ------
    dsr_analysis.errors.InputValidationError
        If the export breaks any rule of ``docs/method.md`` / ``data/README.md``.
    """
    from dsr_analysis.export import load_export

    codebook = codebook or default_codebook()
    export = load_export(export_path or config.SYNTHETIC_EXPORT_PATH, codebook)
    return published_cells_of(export, min_cell, language, codebook)


def published_cells_of(export: pd.DataFrame, min_cell: int = config.DEFAULT_MIN_CELL,
                       language: str = "da", codebook: Codebook | None = None,
                       previous: tuple[pd.DataFrame, str] | None = None) -> pd.DataFrame:
    """Every published cell of an export already validated and typed, small cells suppressed.

    The report runner validates the export once (see
    :func:`dsr_analysis.export.load_export_by_municipality`) and computes the cells from the
    rows that pass. ``previous`` is an earlier release (its published cells and its data
    cut-off): the groups that cannot have changed since keep its suppression pattern.
    """
    codebook = codebook or default_codebook()
    cells = unsuppressed_cells(export, codebook, language)
    specs = suppression_specs(load_tables_spec(), codebook, language)
    earlier, closed = None, set()
    if previous is not None:
        earlier, cutoff = previous
        closed = closed_columns(cutoff, codebook, language)
    published = suppress(cells, specs, min_cell, earlier, closed).assign(min_cell=min_cell)
    return published[CELL_COLUMNS].astype(_WHOLE_NUMBERS)


def report_cells(export: pd.DataFrame, min_cell: int = config.DEFAULT_MIN_CELL,
                 language: str = "da", codebook: Codebook | None = None) -> pd.DataFrame:
    """The published cells the chapters read: Danish labels plus the words to show.

    Labels stay Danish, because the programme theory's criteria name Danish rows; the columns
    ``label_display`` and ``column_display`` hold the words in ``language``.
    """
    cells = published_cells_of(export, min_cell, "da", codebook)
    cells = cells.assign(label_display=cells["label"], column_display=cells["column"])
    if language != "da":
        # The same measures in the same order give the same rows, so the other edition's
        # words line up with the Danish cells position by position. Only its words are
        # wanted: suppression keeps the rows' order and is not solved again.
        other = unsuppressed_cells(export, codebook or default_codebook(), language)
        if len(other) != len(cells) or not other["table"].equals(cells["table"]):
            raise ConfigurationError(f"the {language} cells do not line up with the Danish ones")
        cells["label_display"] = other["label"].to_numpy()
        cells["column_display"] = other["column"].to_numpy()
    return cells


def report_cells_of_export(export_path: Path | str, min_cell: int = config.DEFAULT_MIN_CELL,
                           language: str = "da") -> pd.DataFrame:
    """Validate a monitoring export and return the cells the chapters read (see report_cells).

    Raises
    ------
    dsr_analysis.errors.InputValidationError
        If the export breaks any rule.
    """
    from dsr_analysis.export import load_export

    return report_cells(load_export(export_path), min_cell, language)


def report_cells_by_municipality(
    export_path: Path | str, min_cell: int = config.DEFAULT_MIN_CELL, language: str = "da",
    units_path: Path | str | None = None,
) -> tuple[pd.DataFrame, dict]:
    """The chapters' cells of the municipalities whose rows pass, and the errors of the others.

    As :func:`report_cells_of_export`, but a problem confined to one municipality's rows leaves
    out that municipality instead of rejecting the export (see
    :func:`dsr_analysis.export.load_export_by_municipality`); the pooled "Alle" cells then pool
    the others only. ``units_path`` is the report set's municipalities file: the export may
    hold its monitored municipalities (default: data/municipalities.yml's).

    Raises
    ------
    dsr_analysis.errors.InputValidationError
        When a problem concerns the whole export.
    """
    from dsr_analysis.export import load_export_by_municipality
    from dsr_analysis.municipalities import monitored_names

    names = monitored_names(units_path) if units_path is not None else None
    export, broken = load_export_by_municipality(export_path, municipalities=names)
    return report_cells(export, min_cell, language), broken
