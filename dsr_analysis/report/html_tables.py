"""Published tables as HTML: one table of cells, values formatted and hidden cells marked."""

from __future__ import annotations

import pandas as pd

from dsr_analysis.programme_theory import ProgrammeTheory
from dsr_analysis.report.text import display_label, format_value, shown_numbers
from dsr_analysis.report.text import escape as _e


def table_frame(
    cells: pd.DataFrame, table: str, municipality: str, theory: ProgrammeTheory, lang: str
) -> pd.DataFrame:
    """One published table as rows (labels) x columns, values formatted, hidden cells marked.

    Column headers carry the n of their column, as the NIRAS tables do. Row and column labels
    are display labels (:func:`~dsr_analysis.report.text.display_label`): printed labels
    without the questionnaire's instructions.
    """
    part = cells[(cells["table"] == table) & (cells["municipality"] == municipality)]
    if part.empty:
        return pd.DataFrame()
    kind = theory.tables[table].kind
    mark = theory.word("suppressed", lang)
    shown = part.assign(
        shown=[
            mark if s else format_value(v, kind, lang)
            for s, v in zip(part["suppressed"], shown_numbers(part, kind), strict=True)
        ]
    )
    columns = list(dict.fromkeys(shown["column"]))
    rows = list(dict.fromkeys(shown["label"]))
    wide = shown.pivot_table(index="label", columns="column", values="shown", aggfunc="first")
    wide = wide.reindex(index=rows, columns=columns).fillna("")
    n_by_column = shown.groupby("column", sort=False)["n"].max()
    headers = []
    for column in columns:
        n = n_by_column.get(column)
        label = _column_display(shown, column, theory, lang)
        headers.append(label if pd.isna(n) or kind == "count" else f"{label} (n = {n:.0f})")
    wide.columns = headers
    label_display = shown.drop_duplicates("label").set_index("label")["label_display"]
    wide.index = [display_label(label_display.get(row, row), lang) for row in wide.index]
    return wide


def _column_display(part: pd.DataFrame, column: str, theory: ProgrammeTheory, lang: str) -> str:
    if column in theory.column_words:
        return theory.column_label(column, lang)
    shown = part.loc[part["column"] == column, "column_display"]
    return display_label(str(shown.iloc[0]) if len(shown) else column, lang)


def html_table(frame: pd.DataFrame, caption: str = "", first_header: str = "") -> str:
    """A small, deterministic HTML table (no generated ids, no inline styles)."""
    head = "".join(f"<th scope='col'>{_e(c)}</th>" for c in frame.columns)
    body = "".join(
        f"<tr><th scope='row'>{_e(index)}</th>"
        + "".join(f"<td>{_e(v)}</td>" for v in row)
        + "</tr>"
        for index, row in zip(frame.index, frame.itertuples(index=False), strict=True)
    )
    cap = f"<caption>{_e(caption)}</caption>" if caption else ""
    return (
        f"<table class='cells'>{cap}<thead><tr><th scope='col'>{_e(first_header)}</th>"
        f"{head}</tr></thead><tbody>{body}</tbody></table>"
    )

