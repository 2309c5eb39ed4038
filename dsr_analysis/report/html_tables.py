"""Published tables as HTML: one table of cells, values formatted and hidden cells marked."""

from __future__ import annotations

import pandas as pd

from dsr_analysis.cells import DIFFERENCE, POOLED_NAME, TOTAL_COLUMN, ordinary_cells
from dsr_analysis.programme_theory import ProgrammeTheory
from dsr_analysis.report.text import (
    display_label,
    format_bound,
    format_change,
    format_value,
    shown_numbers,
)
from dsr_analysis.report.text import escape as _e


def cell_texts(part: pd.DataFrame, kind: str, theory: ProgrammeTheory, lang: str) -> list[str]:
    """How each cell of a table reads: its number, a change with its interval, or the mark.

    Examples
    --------
    >>> from dsr_analysis.programme_theory import load_programme_theory
    >>> part = pd.DataFrame({"kind": ["share", "difference", "share"], "suppressed": [
    ...     False, False, True], "value": [0.52, 0.25, None], "count": [38, None, None],
    ...     "ci_low": [0.41, 0.095, None], "ci_high": [0.63, 0.389, None]})
    >>> cell_texts(part, "share", load_programme_theory(), "da")
    ['52 %', '+25 (+10 til +39)', 'skjult']
    """
    mark = theory.word("suppressed", lang)
    texts = []
    for row, number in zip(part.itertuples(index=False), shown_numbers(part, kind), strict=True):
        if row.suppressed or pd.isna(row.value):
            texts.append(mark)
        elif getattr(row, "kind", "") == DIFFERENCE:
            bounds = theory.word("interval_short", lang).format(
                low=format_bound(row.ci_low, kind, lang, True),
                high=format_bound(row.ci_high, kind, lang, True),
            )
            interval = f" ({bounds})" if pd.notna(row.ci_low) else ""
            texts.append(format_change(row.value, kind, lang) + interval)
        else:
            texts.append(format_value(number, kind, lang))
    return texts


def table_frame(
    cells: pd.DataFrame, table: str, municipality: str, theory: ProgrammeTheory, lang: str
) -> pd.DataFrame:
    """One published table as rows (labels) x columns, values formatted, hidden cells marked.

    Column headers carry the n of their column, as the NIRAS tables do. Row and column labels
    are display labels (:func:`~dsr_analysis.report.text.display_label`): printed labels
    without the questionnaire's instructions. Contrast rows read as changes with their 95 %
    interval.
    """
    part = cells[(cells["table"] == table) & (cells["municipality"] == municipality)]
    if part.empty:
        return pd.DataFrame()
    kind = theory.tables[table].kind
    shown = part.assign(shown=cell_texts(part, kind, theory, lang))
    columns = list(dict.fromkeys(shown["column"]))
    rows = list(dict.fromkeys(shown["label"]))
    wide = shown.pivot_table(index="label", columns="column", values="shown", aggfunc="first")
    wide = wide.reindex(index=rows, columns=columns).fillna("")
    ordinary = ordinary_cells(shown)
    n_by_column = ordinary.groupby("column", sort=False)["n"].max()
    hidden_n = ordinary.groupby("column", sort=False)["n"].apply(lambda n: n.isna().all())
    mark = theory.word("suppressed", lang)
    headers = []
    for column in columns:
        n = n_by_column.get(column)
        label = _column_display(shown, column, theory, lang)
        if kind == "count" or column not in n_by_column.index:
            headers.append(label)
        elif hidden_n.get(column, False):
            headers.append(f"{label} (n: {mark})")
        else:
            headers.append(f"{label} (n = {n:.0f})")
    wide.columns = headers
    label_display = shown.drop_duplicates("label").set_index("label")["label_display"]
    wide.index = [display_label(label_display.get(row, row), theory, lang) for row in wide.index]
    return wide


def hidden_share(cells: pd.DataFrame, table: str, municipality: str) -> float:
    """The share of a unit's cells of a table that are hidden (contrast rows left out)."""
    own = cells[(cells["table"] == table) & (cells["municipality"] == municipality)]
    part = ordinary_cells(own)
    return float(part["suppressed"].astype(bool).mean()) if len(part) else 0.0


def comparison_frame(
    cells: pd.DataFrame, table: str, municipality: str, column: str, names: tuple[str, str],
    theory: ProgrammeTheory, lang: str,
) -> pd.DataFrame:
    """A table's rows in one column (its total) for the unit beside the pooled unit."""
    part = ordinary_cells(cells[(cells["table"] == table) & (cells["column"] == column)])
    kind = theory.tables[table].kind
    frames = {}
    for who, name in ((municipality, names[0]), (POOLED_NAME, names[1])):
        own = part[part["municipality"] == who]
        texts = cell_texts(own, kind, theory, lang)
        n = own["n"].max()
        header = name if pd.isna(n) or kind == "count" else f"{name} (n = {n:.0f})"
        frames[header] = pd.Series(texts, index=own["label"].to_numpy())
    wide = pd.DataFrame(frames)
    rows = list(dict.fromkeys(part["label"]))
    wide = wide.reindex(rows).fillna("")
    displays = part.drop_duplicates("label").set_index("label")["label_display"]
    wide.index = [display_label(displays.get(row, row), theory, lang) for row in wide.index]
    return wide


def _column_display(part: pd.DataFrame, column: str, theory: ProgrammeTheory, lang: str) -> str:
    if column in theory.column_words:
        return theory.column_label(column, lang)
    shown = part.loc[part["column"] == column, "column_display"]
    return display_label(str(shown.iloc[0]) if len(shown) else column, theory, lang)


def column_display(
    cells: pd.DataFrame, table: str, column: str, theory: ProgrammeTheory, lang: str
) -> str:
    """A table column's name in the page's language."""
    return _column_display(cells[cells["table"] == table], column, theory, lang)


def html_table(
    frame: pd.DataFrame, caption: str = "", first_header: str = "", hidden_mark: str = ""
) -> str:
    """A small, deterministic HTML table (no generated ids, no inline styles).

    Cells that read ``hidden_mark`` get the class ``hidden-cell``, so the mark stands out.
    """
    head = "".join(f"<th scope='col'>{_e(c)}</th>" for c in frame.columns)

    def cell(value) -> str:
        if hidden_mark and value == hidden_mark:
            return f"<td class='hidden-cell'>{_e(value)}</td>"
        return f"<td>{_e(value)}</td>"

    body = "".join(
        f"<tr><th scope='row'>{_e(index)}</th>" + "".join(cell(v) for v in row) + "</tr>"
        for index, row in zip(frame.index, frame.itertuples(index=False), strict=True)
    )
    cap = f"<caption>{_e(caption)}</caption>" if caption else ""
    return (
        f"<table class='cells'>{cap}<thead><tr><th scope='col'>{_e(first_header)}</th>"
        f"{head}</tr></thead><tbody>{body}</tbody></table>"
    )



def side_by_side_frame(
    cells: pd.DataFrame, indicator, unit, theory: ProgrammeTheory, lang: str
) -> pd.DataFrame:
    """For the pooled unit: the figures an indicator compares, one row per municipality."""
    from dsr_analysis.report.assessment import series_cells
    from dsr_analysis.report.figure_data import municipalities_shown, unit_name

    c = indicator.criterion
    part = ordinary_cells(cells[cells["table"] == c.table])
    if c.kind == "more_positive_than_negative":
        part = part[part["column"] == c.column]
        pivot_on = "label"
    elif c.kind in ("rises", "falls"):
        part = series_cells(part, c.table, c.label)
        part = part[part["point"].isin([c.start, c.end])]
        pivot_on = "point"
    else:
        if c.label is not None:
            part = part[part["label"] == c.label]
        part = part[part["column"] == (c.column or TOTAL_COLUMN)]
        pivot_on = "column"
    if part.empty:
        return pd.DataFrame()
    kind = theory.tables[c.table].kind
    shown = part.assign(
        shown=cell_texts(part, kind, theory, lang),
        who=part["municipality"].map(lambda m: unit_name(m, theory, lang)),
    )
    order = [unit_name(m, theory, lang) for m in municipalities_shown(part, unit)]
    heads = list(dict.fromkeys(shown[pivot_on]))
    wide = shown.pivot_table(index="who", columns=pivot_on, values="shown", aggfunc="first")
    wide = wide.reindex(index=[o for o in order if o in wide.index], columns=heads).fillna("")
    n = shown.groupby("who")["n"].max()
    if pivot_on == "label":
        names = shown.drop_duplicates("label").set_index("label")["label_display"]
        wide.columns = [display_label(names[h], theory, lang) for h in heads]
    else:
        wide.columns = [theory.column_label(h, lang) for h in heads]
    mark = theory.word("suppressed", lang)
    wide[theory.word("n", lang)] = [
        f"{n[who]:.0f}" if pd.notna(n[who]) else mark for who in wide.index
    ]
    return wide


def printed_texts(cells: pd.DataFrame, theory: ProgrammeTheory) -> list[str]:
    """Every text the chapters' tables may print for ``cells``, in both editions.

    The audit of a release (:func:`dsr_analysis.disclosure.audit.page_findings`) reads the
    numbers of the pages' tables against these: a number the cells do not give is a leak.
    """
    texts: list[str] = []
    tables = cells[cells["table"].isin(list(theory.tables))]
    for table, part in tables.groupby("table", sort=False):
        kind = theory.tables[table].kind
        for lang in ("da", "en"):
            texts += cell_texts(part, kind, theory, lang)
        texts += [f"{n:.0f}" for n in part["n"].dropna()]
    return texts
