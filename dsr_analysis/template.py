"""``dsr template``: an .xlsx data-entry template generated from the codebook.

The first sheet is the export itself: row 1 holds the machine column names, which is what the
validator reads as the header, and the registrations go from row 2. A Danish label row cannot
sit under the header, because the validator reads every non-blank row after row 1 as a
registration (and a label row would fail every rule); so each column's Danish label and
question are its header cell's comment and the input message shown in each of its cells, and
the sheet "Spørgsmål og koder" lists them. A filled template is an export as it is: ``dsr
check`` and ``dsr tables --data`` read it with no conversion. Each column has a drop-down list
of its codes (or a whole-number, decimal or date rule) and a number or date format.
"""

from __future__ import annotations

from pathlib import Path

import click

from dsr_analysis import config
from dsr_analysis.cli_options import fail, language_option
from dsr_analysis.codebook import Codebook, default_codebook
from dsr_analysis.errors import DsrError
from dsr_analysis.export_columns import ColumnInfo, codes_in_words, column_infos
from dsr_analysis.files import atomic_write_bytes, read_yaml
from dsr_analysis.municipalities import load_municipalities
from dsr_analysis.xlsx_files import workbook_bytes

TEXT_PATH = config.DATA_DIR / "template_text.yml"
DEFAULT_NAME = "dsr_skabelon.xlsx"
ENTRY_ROWS = 20_000
"""Rows (from row 2) that carry the drop-down lists and rules."""
FORMATS = {"wave": "0", "date": "yyyy-mm-dd", "age": "0.00"}
PROMPT_LIMIT = 255  # Excel's limit on an input message


def template_words(language: str) -> dict:
    """The template's words in ``language`` (nested sections keep their keys)."""
    raw = (read_yaml(TEXT_PATH, "template words file") or {})["words"]

    def pick(value):
        if isinstance(value, dict) and set(value) == {"da", "en"}:
            return value[language]
        return {k: pick(v) for k, v in value.items()} if isinstance(value, dict) else value

    return pick(raw)


def allowed_values(info: ColumnInfo, codebook: Codebook, names: list[str], said: dict) -> str:
    """The values a column allows, in words.

    >>> cb = default_codebook()
    >>> said = template_words("en")
    >>> allowed_values(column_infos(cb, "en")["wave"], cb, [], said)
    '1 to 6 (1 = the start registration), without gaps'
    """
    values = said["values"]
    if info.kind == "wave":
        return values["wave"].format(max_waves=codebook.max_waves)
    if info.kind == "date":
        start, end = codebook.window_start.isoformat(), codebook.window_end.isoformat()
        return values["date"].format(start=start, end=end)
    if info.kind == "age":
        low, high = info.question.age_range
        return values["age"].format(low=low, high=high)
    if info.kind == "identifier":
        return values["identifier"]
    if info.kind == "municipality":
        return ", ".join(names)
    return codes_in_words(info).replace(" (", " = ").replace("),", ",").rstrip(")")


def _validation(info: ColumnInfo, codebook: Codebook, names: list[str], said: dict):
    """The column's data validation (drop-down list or rule), or None for free text."""
    from openpyxl.worksheet.datavalidation import DataValidation

    if info.kind == "wave":
        rule = DataValidation("whole", operator="between", formula1="1",
                              formula2=str(codebook.max_waves))
    elif info.kind == "date":
        start, end = codebook.window_start, codebook.window_end
        rule = DataValidation("date", operator="between",
                              formula1=f"DATE({start.year},{start.month},{start.day})",
                              formula2=f"DATE({end.year},{end.month},{end.day})")
    elif info.kind == "age":
        low, high = info.question.age_range
        rule = DataValidation("decimal", operator="between", formula1=f"{low:g}",
                              formula2=f"{high - 0.001:g}")
    elif info.kind == "municipality":
        rule = DataValidation("list", formula1='"' + ",".join(names) + '"')
    elif info.codes:
        rule = DataValidation("list", formula1='"' + ",".join(str(c) for c, _ in info.codes) + '"')
    else:
        rule = DataValidation("custom", formula1="TRUE")  # free text: only the message
    rule.allow_blank = True
    rule.showErrorMessage = info.kind != "identifier"
    rule.errorTitle, rule.error = said["error_title"], said["error"]
    rule.promptTitle = info.column[:32]
    # The codes first: a long question would push them past Excel's limit.
    rule.prompt = f"{allowed_values(info, codebook, names, said)}\n{info.label}"[:PROMPT_LIMIT]
    rule.showInputMessage = True
    return rule


def _data_sheet(book, codebook: Codebook, infos, names: list[str], said: dict) -> None:
    from openpyxl.comments import Comment
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter

    sheet = book.active
    sheet.title = said["sheet_data"]
    sheet.freeze_panes = "B2"
    for number, column in enumerate(codebook.export_columns, start=1):
        info = infos[column]
        letter = get_column_letter(number)
        cell = sheet.cell(1, number, column)
        cell.font = Font(bold=True)
        cell.fill = PatternFill("solid", fgColor="FFE8EEF7")
        cell.alignment = Alignment(text_rotation=0, wrap_text=False)
        note = Comment(f"{info.label}\n\n{allowed_values(info, codebook, names, said)}", "dsr")
        note.width, note.height = 320, 160
        cell.comment = note
        dimension = sheet.column_dimensions[letter]
        dimension.width = max(10, min(len(column) + 2, 30))
        kind = "date" if info.kind == "date" else ("age" if info.kind == "age" else "wave")
        dimension.number_format = "@" if info.kind in ("identifier", "municipality") else (
            FORMATS[kind]
        )
        rule = _validation(info, codebook, names, said)
        rule.add(f"{letter}2:{letter}{ENTRY_ROWS + 1}")
        sheet.add_data_validation(rule)


def _table_sheet(book, title: str, heading: list[str], rows: list[list], widths) -> None:
    from openpyxl.styles import Alignment, Font
    from openpyxl.utils import get_column_letter

    sheet = book.create_sheet(title)
    sheet.append(heading)
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for row in rows:
        sheet.append(row)
    for number, width in enumerate(widths, start=1):
        sheet.column_dimensions[get_column_letter(number)].width = width
    for row in sheet.iter_rows(min_row=2):
        for cell in row:
            cell.alignment = Alignment(wrap_text=True, vertical="top")
    sheet.freeze_panes = "A2"


def template_workbook(language: str = "da", codebook: Codebook | None = None,
                      municipalities_path: Path | str = config.MUNICIPALITIES_PATH) -> bytes:
    """The data-entry template as .xlsx bytes (the same every time).

    Examples
    --------
    >>> import io
    >>> from openpyxl import load_workbook
    >>> book = load_workbook(io.BytesIO(template_workbook()))
    >>> book.sheetnames
    ['Registreringer', 'Vejledning', 'Spørgsmål og koder', 'Kommuner']
    >>> [cell.value for cell in book.worksheets[0][1]][:3]
    ['child_id', 'municipality', 'wave']
    """
    from openpyxl import Workbook

    codebook = codebook or default_codebook()
    said = template_words(language)
    infos = column_infos(codebook, language)
    entries = load_municipalities(municipalities_path)
    names = sorted(str(e["name"]) for e in entries if e["monitored"])
    book = Workbook()
    _data_sheet(book, codebook, infos, names, said)
    _table_sheet(book, said["sheet_guide"], [said["sheet_guide"]],
                 [[line] for line in said["guide"]], [120])
    asked = {q.id: q.asked for q in codebook.questions}
    rows = [
        [
            number,
            column,
            infos[column].label,
            said["asked"][asked.get(getattr(infos[column].question, "id", ""), "every")],
            said["kinds"][infos[column].kind],
            allowed_values(infos[column], codebook, names, said),
        ]
        for number, column in enumerate(codebook.export_columns, start=1)
    ]
    _table_sheet(book, said["sheet_questions"], said["question_heading"], rows,
                 [6, 30, 70, 24, 26, 60])
    described = "description_en" if language == "en" else "description"
    places = [
        [str(e["name"]), said["monitored_yes"] if e["monitored"] else said["monitored_no"],
         " ".join(str(e.get(described) or "").split())]
        for e in entries
    ]
    _table_sheet(book, said["sheet_municipalities"], said["municipality_heading"], places,
                 [20, 18, 100])
    return workbook_bytes(book)


@click.command("template")
@click.option("--out", "out_path", type=click.Path(path_type=Path, dir_okay=False),
              default=Path(DEFAULT_NAME), show_default=True, help="The .xlsx to write.")
@language_option()
def template_command(out_path: Path, language: str) -> None:
    """Write an .xlsx data-entry template from the codebook."""
    if out_path.suffix.lower() != ".xlsx":
        fail(DsrError(f"--out {out_path}: expected a file name ending in .xlsx"))
    try:
        atomic_write_bytes(out_path, template_workbook(language))
    except DsrError as error:
        fail(error)
    click.echo(f"wrote the data-entry template to {out_path}")
