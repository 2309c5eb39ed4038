"""The check's HTML page: a summary of the file and every problem, in the reports' style.

The page is one self-contained file (the reports' page shell, :func:`dsr_analysis.html.
render_page`): it opens offline and loads nothing. It shows only what the validator's problems
show -- row, column, the rule and, where the validator deems it safe, the value found -- so no
child id or CPR-like value can reach it.
"""

from __future__ import annotations

import html
from collections import Counter

from dsr_analysis.check.findings import CheckedExport
from dsr_analysis.check.rules import (
    Finding,
    column_facts,
    column_key,
    expected_text,
    ordered_findings,
    words,
)
from dsr_analysis.codebook import Codebook, default_codebook
from dsr_analysis.export_columns import column_infos
from dsr_analysis.html import Page, render_page

# The reports' tables align numbers right; the check's are mostly text.
_STYLE = (
    "<style>table.check td, table.check th { text-align: left; }"
    "table.check .n { text-align: right; } table.check { width: 100%; }"
    ".all-clear { background: #ecfdf3; border-left: 4px solid #12b76a; padding: 0.6em 0.9em; }"
    ".problems-found { background: #fef3f2; border-left: 4px solid #d92d20;"
    " padding: 0.6em 0.9em; } .label { color: var(--muted); font-size: 13px; }</style>"
)


def _e(text: object) -> str:
    return html.escape(str(text), quote=True)


def _table(caption: str, heading: list[str], rows: list[list[str]], numeric=()) -> str:
    head = "".join(
        f"<th scope='col'{' class=n' if n in numeric else ''}>{_e(text)}</th>"
        for n, text in enumerate(heading)
    )
    body = "".join(
        "<tr>"
        + "".join(
            f"<td class='n'>{cell}</td>" if n in numeric else f"<td>{cell}</td>"
            for n, cell in enumerate(row)
        )
        + "</tr>"
        for row in rows
    )
    return (
        f"<table class='cells check'><caption>{_e(caption)}</caption>"
        f"<thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"
    )


def _column_cell(column: str, labels: dict[str, str]) -> str:
    label = labels.get(column)
    if not label:
        return f"<code>{_e(column)}</code>" if column else ""
    return f"<code>{_e(column)}</code><br><span class='label'>{_e(label)}</span>"


def _summary(checked: CheckedExport, findings: list[Finding], language: str,
             labels: dict[str, str]) -> str:
    said = words(language)
    rows = said["rows_unread"] if checked.rows is None else str(checked.rows)
    facts = (
        f"<table class='cells check'><tbody>"
        f"<tr><th scope='row'>{_e(said['file'])}</th><td><code>{_e(checked.file)}</code></td></tr>"
        f"<tr><th scope='row'>{_e(said['rows'])}</th><td>{_e(rows)}</td></tr>"
        f"<tr><th scope='row'>{_e(said['problems'])}</th><td>{len(findings)}</td></tr>"
        f"<tr><th scope='row'>{_e(said['checked'])}</th><td>{_e(said['codebook'])}</td></tr>"
        "</tbody></table>"
    )
    if not findings:
        return facts + f"<p class='all-clear'>{_e(said['no_problems'])}</p>"
    by_rule = Counter(item.rule.id for item in findings)
    titles = {item.rule.id: item.rule.title[language] for item in findings}
    rules = _table(said["by_rule"], [said["rule"], said["count"]],
                   [[_e(titles[rule]), str(count)] for rule, count in by_rule.items()], (1,))
    by_column = Counter(column_key(item, language) for item in findings)
    columns = _table(
        said["by_column"],
        [said["column"], said["count"]],
        [[_column_cell(column, labels), str(count)] for column, count in by_column.items()],
        (1,),
    )
    return facts + rules + columns


def check_page(
    checked: CheckedExport,
    language: str = "da",
    codebook: Codebook | None = None,
    workbook: str = "",
) -> str:
    """The check's page as HTML text; ``workbook`` is the highlighted copy's file name.

    Examples
    --------
    >>> page = check_page(CheckedExport("x.csv", None, 3, ()), "en")
    >>> "No problems" in page and "Ingen" not in page
    True
    """
    codebook = codebook or default_codebook()
    said = words(language)
    facts = column_facts(codebook, language)
    labels = {column: info.label for column, info in column_infos(codebook, language).items()}
    findings = ordered_findings(checked.problems)
    parts = [
        _STYLE,
        f"<h1>{_e(said['title'])}</h1>",
        f"<p>{_e(said['intro'])}</p>",
        f"<h2>{_e(said['summary'])}</h2>",
        _summary(checked, findings, language, labels),
    ]
    if findings:
        note = said["workbook_note"] if checked.grid is not None else said["no_copy"]
        parts.append(f"<p class='problems-found'>{_e(note.format(workbook=workbook))}</p>")
        rows = [
            [
                _e(item.problem.row) if item.problem.row is not None else _e(said["whole_file"]),
                _column_cell(column_key(item, language), labels),
                _e(item.rule.title[language]),
                _e(expected_text(item, language, facts)),
                "" if item.problem.value is None else f"<code>{_e(item.problem.value)}</code>",
                _e(item.rule.fix[language]),
            ]
            for item in findings
        ]
        heading = [said[k] for k in ("row", "column", "rule", "expected", "found", "what_to_do")]
        parts.append(f"<h2>{_e(said['every_problem'])}</h2>")
        parts.append(_table(f"{said['every_problem']} ({len(findings)})", heading, rows, (0,)))
    page = Page(title=f"{said['title']}: {checked.file}", lang=language)
    return render_page("".join(parts), page)
