"""The check's workbook: a summary sheet, every problem, and a copy of the file with each bad
cell highlighted and commented.

The copy shows the cells as read (text), at their spreadsheet rows. It never shows an
identifier: the ``child_id`` column, any column the codebook does not know (it may be a
misnamed id column), cells beyond the header, cells that look like a CPR number and rows
written with another separator (the whole line, id included, sits in one cell) are blanked
and shaded grey. A problem at a cell highlights that cell; a problem at a row without a
column (a row the reader could not split) highlights the whole row and comments its first
cell; a problem of the whole file has no cell and is listed on the summary and problem sheets.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict

from dsr_analysis import validate
from dsr_analysis.check.findings import CheckedExport
from dsr_analysis.check.rules import (
    Finding,
    column_facts,
    column_key,
    expected_text,
    ordered_findings,
    words,
)
from dsr_analysis.codebook import OPTIONAL_COLUMNS, Codebook, default_codebook
from dsr_analysis.xlsx_files import workbook_bytes

HIGHLIGHT = "FFFFC7CE"
"""The fill of a cell with a problem (Excel's "bad" red)."""
BLANKED = "FFE5E7EB"
"""The fill of a cell whose value is not shown."""
CHUNK_ROWS = 20_000
_LABEL = re.compile(r"\(column ([A-Z]+)\)")
_WHOLE_ROW = "whole row"


def problem_cells(
    findings: list[Finding], header: list[str]
) -> dict[tuple[int, int | str], list[Finding]]:
    """(spreadsheet row, column number from 1, or "whole row") -> the findings there.

    Problems without a row, or without a column outside a data row, concern the whole file.

    >>> from dsr_analysis.check.rules import finding
    >>> from dsr_analysis.errors import Problem
    >>> found = [finding(Problem("x.csv", 3, "wave", "a whole number from 1 to 6")),
    ...          finding(Problem("x.csv", None, "wave", "a column"))]
    >>> list(problem_cells(found, ["child_id", "wave"]))
    [(3, 2)]
    """
    from openpyxl.utils import column_index_from_string

    position = {}
    for number, name in enumerate(header, start=1):
        position.setdefault(name, number)
    cells: dict[tuple[int, int | str], list[Finding]] = defaultdict(list)
    for found in findings:
        row, column = found.problem.row, found.problem.column
        if row is None:
            continue
        if column is None:
            if row >= 2:
                cells[(row, _WHOLE_ROW)].append(found)
            continue
        label = _LABEL.fullmatch(column)
        number = column_index_from_string(label[1]) if label else position.get(column)
        if number is not None:
            cells[(row, number)].append(found)
    return dict(cells)


def _comment_text(found: list[Finding], language: str, facts) -> str:
    said = words(language)
    lines = []
    for number, item in enumerate(found, start=1):
        prefix = f"{number}. " if len(found) > 1 else ""
        lines.append(f"{prefix}{said['rule']}: {item.rule.title[language]}")
        lines.append(f"{said['expected']}: {expected_text(item, language, facts)}")
        lines.append(f"{said['what_to_do']}: {item.rule.fix[language]}")
    return "\n".join(lines)


def _shown_columns(header: list[str], codebook: Codebook) -> set[int]:
    """Positions (from 0) of the columns whose values the copy may show."""
    known = set(codebook.export_columns) | set(OPTIONAL_COLUMNS)
    first = {}
    for number, name in enumerate(header):
        first.setdefault(name, number)
    return {
        number
        for number, name in enumerate(header)
        if name in known and name != validate.ID_COLUMN and first[name] == number
    }


def _copy_sheet(book, checked: CheckedExport, findings, language, codebook, facts) -> None:
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.comments import Comment
    from openpyxl.styles import Font, PatternFill

    sheet = book.create_sheet(words(language)["sheet_copy"])
    sheet.freeze_panes = "A2"
    grid = checked.grid
    header = list(grid.header)
    marked = problem_cells(findings, header)
    rows_marked = {row for row, column in marked if column == _WHOLE_ROW}
    separated = {
        item.problem.row for item in findings if item.rule.id == "separator" and item.problem.row
    }
    shown = _shown_columns(header, codebook)
    red, grey = PatternFill("solid", fgColor=HIGHLIGHT), PatternFill("solid", fgColor=BLANKED)
    bold = Font(bold=True)

    def cell(row: int, number: int, text: str, hidden: bool):
        value = "" if hidden or validate.looks_like_cpr(text) else text
        here = marked.get((row, number), [])
        whole = marked.get((row, _WHOLE_ROW), []) if number == 1 else []
        if not here and row not in rows_marked and not (hidden and row > 1) and value == text:
            return value if row > 1 else WriteOnlyCell(sheet, value=value)
        made = WriteOnlyCell(sheet, value=value or None)
        if here or row in rows_marked:
            made.fill = red
        elif value != text or (hidden and row > 1):
            made.fill = grey
        if here + whole:
            note = Comment(_comment_text(here + whole, language, facts), "dsr check")
            note.width, note.height = 360, 60 + 50 * len(here + whole)
            made.comment = note
        return made

    titles = []
    for number, name in enumerate(header, start=1):
        made = cell(1, number, name, validate.looks_like_cpr(name))
        made.font = bold
        titles.append(made)
    sheet.append(titles)
    last = 1
    for start in range(0, len(grid.rows), CHUNK_ROWS):
        chunk = grid.rows.iloc[start : start + CHUNK_ROWS].astype(object)
        for row, *texts in chunk.itertuples(name=None):
            for _ in range(last + 1, row):
                sheet.append([])
            last = row
            texts = [str(text) for text in texts]
            # A row is as wide as the header, or as its last value beyond the header.
            filled = max((n for n, text in enumerate(texts, 1) if text), default=0)
            texts = texts[: max(filled, len(header))]
            sheet.append(
                [
                    cell(row, number, text, number - 1 not in shown or row in separated)
                    for number, text in enumerate(texts, start=1)
                ]
            )


def _table_sheet(book, title: str, heading: list[str], rows: list[list]) -> None:
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font

    sheet = book.create_sheet(title)
    sheet.freeze_panes = "A2"
    for letter, width in zip("ABCDEFG", (10, 28, 28, 60, 14, 60, 40), strict=False):
        sheet.column_dimensions[letter].width = width
    titles = []
    for text in heading:
        made = WriteOnlyCell(sheet, value=text)
        made.font = Font(bold=True)
        titles.append(made)
    sheet.append(titles)
    for row in rows:
        sheet.append(row)


def summary_rows(
    checked: CheckedExport, findings: list[Finding], language: str, workbook: str
) -> list[list]:
    """The summary sheet's rows after its heading: the file's facts, then counts by rule
    and by column."""
    said = words(language)
    rows = [
        [said["file"], checked.file],
        [said["rows"], said["rows_unread"] if checked.rows is None else checked.rows],
        [said["problems"], len(findings)],
        [],
        [said["by_rule"], said["count"]],
    ]
    by_rule = Counter(item.rule.id for item in findings)
    titles = {item.rule.id: item.rule.title[language] for item in findings}
    rows += [[titles[rule], count] for rule, count in by_rule.items()]
    rows += [[], [said["by_column"], said["count"]]]
    by_column = Counter(column_key(item, language) for item in findings)
    rows += [[column, count] for column, count in by_column.items()]
    note = said["workbook_note"] if checked.grid is not None else said["no_copy"]
    rows += [[], [note.format(workbook=workbook)], [said["blanked"]] if checked.grid else []]
    return rows


def problem_rows(findings: list[Finding], language: str, facts) -> list[list]:
    """One row per problem: row, column, rule, expected, found, what to do."""
    said = words(language)
    return [
        [
            item.problem.row if item.problem.row is not None else said["whole_file"],
            item.problem.column or (said["whole_row"] if item.problem.row else ""),
            item.rule.title[language],
            expected_text(item, language, facts),
            item.problem.value if item.problem.value is not None else "",
            item.rule.fix[language],
        ]
        for item in findings
    ]


def check_workbook(
    checked: CheckedExport,
    language: str = "da",
    codebook: Codebook | None = None,
    name: str = "",
) -> bytes:
    """The check's workbook as .xlsx bytes: summary, problems and (when the rows could be
    placed) the highlighted copy; ``name`` is the workbook's file name, as the summary says.

    Examples
    --------
    >>> import io
    >>> from openpyxl import load_workbook
    >>> from dsr_analysis.check.findings import CheckedExport
    >>> from dsr_analysis.errors import Problem
    >>> empty = CheckedExport("x.csv", None, None, (Problem("x.csv", None, None,
    ...     "a header row and at least one data row; the file is empty"),))
    >>> load_workbook(io.BytesIO(check_workbook(empty))).sheetnames
    ['Overblik', 'Problemer']
    """
    from openpyxl import Workbook

    codebook = codebook or default_codebook()
    said = words(language)
    facts = column_facts(codebook, language)
    findings = ordered_findings(checked.problems)
    book = Workbook(write_only=True)
    _table_sheet(book, said["sheet_summary"], [said["summary"], ""],
                 summary_rows(checked, findings, language, name))
    heading = [said[k] for k in ("row", "column", "rule", "expected", "found", "what_to_do")]
    _table_sheet(book, said["sheet_problems"], heading, problem_rows(findings, language, facts))
    if checked.grid is not None:
        _copy_sheet(book, checked, findings, language, codebook, facts)
    return workbook_bytes(book)
