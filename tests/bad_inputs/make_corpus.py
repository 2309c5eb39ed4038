"""Write the bad-input corpus: one small export per mistake a municipality can make.

Run ``python tests/bad_inputs/make_corpus.py`` after a change to the codebook's columns; the
files are committed so that a reader can open them. Each file is the valid base export
(``valid.csv``) with one mistake, unless its name says otherwise; ``expected.yml`` holds the
message fragments each must produce.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import random
from pathlib import Path

from dsr_analysis.codebook import default_codebook

HERE = Path(__file__).parent
CHILD_IDS = ("ID7731", "ID7732", "ID7733", "ID7734")
CPR_VALUES = ("150211-1234", "2802094471", "102031234")


def base_rows() -> list[dict[str, str]]:
    """Eight valid registrations of four children in four monitored municipalities."""
    codebook = default_codebook()
    courses = [
        ("ID7731", "Odense", ["2011-02-15", "2011-05-16", "2011-08-15"], "3.5"),
        ("ID7732", "Kolding", ["2011-03-01", "2011-06-01"], "4.25"),
        ("ID7733", "Frederikshavn", ["2011-11-10"], "0.5"),
        ("ID7734", "Faaborg-Midtfyn", ["2012-02-01", "2012-05-02"], "6.9"),
    ]
    rows = []
    for number, (child, municipality, dates, age) in enumerate(courses):
        for wave, date in enumerate(dates, start=1):
            row = {column: "" for column in codebook.export_columns}
            row |= {"child_id": child, "municipality": municipality}
            row |= {"wave": str(wave), "registration_date": date}
            seed = number + wave
            for question in codebook.questions:
                if question.asked == "start" and wave > 1:
                    continue
                row |= answers(question, seed, age)
            rows.append(row)
    return rows


def answers(question, seed: int, age: str) -> dict[str, str]:
    """Plausible answers to one question, varied by ``seed``."""
    if question.type == "age":
        return {question.columns[0]: age}
    if question.is_multiple_choice:
        chosen = {seed % len(question.columns), (seed * 3) % len(question.columns)}
        return {c: str(int(i in chosen)) for i, c in enumerate(question.columns)}
    if question.is_scale:
        top = question.scale_maximum
        return {
            c: str(99 if (seed + i) % 5 == 0 else 1 + (seed + i) % top)
            for i, c in enumerate(question.columns)
        }
    codes = question.codes
    return {question.columns[0]: str(codes[seed % len(codes)])}


def csv_text(rows: list[dict[str, str]], delimiter: str = ",", header: list[str] | None = None):
    """The rows as CSV text with ``\\r\\n`` line ends, as Excel writes them."""
    header = header or list(rows[0])
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=delimiter, lineterminator="\r\n")
    writer.writerow(header)
    writer.writerows([[row.get(column, "") for column in header] for row in rows])
    return buffer.getvalue()


def write(name: str, rows: list[dict[str, str]], **options) -> None:
    encoding = options.pop("encoding", "utf-8")
    (HERE / name).write_bytes(csv_text(rows, **options).encode(encoding))


def changed(rows, index: int, **values) -> list[dict[str, str]]:
    """A copy of ``rows`` with row ``index`` (0 = spreadsheet row 2) changed."""
    rows = [dict(row) for row in rows]
    rows[index] |= values
    return rows


def danish_excel(rows: list[dict[str, str]]) -> list[dict[str, str]]:
    """Dates as dd-mm-yyyy and decimal commas, as Danish Excel writes them."""
    out = []
    for row in rows:
        year, month, day = row["registration_date"].split("-")
        out.append(
            row
            | {
                "registration_date": f"{day}-{month}-{year}",
                "age_years": row["age_years"].replace(".", ","),
            }
        )
    return out


def without(rows, column: str) -> list[dict[str, str]]:
    return [{c: v for c, v in row.items() if c != column} for row in rows]


def renamed(rows, old: str, new: str) -> list[dict[str, str]]:
    return [{(new if c == old else c): v for c, v in row.items()} for row in rows]


def write_xlsx(name: str, records: list[list[object]]) -> None:
    from openpyxl import Workbook

    workbook = Workbook()
    sheet = workbook.active
    for record in records:
        sheet.append(record)
    workbook.save(HERE / name)


def excel_value(column: str, value: str) -> object:
    """The value as Excel stores it: numbers as numbers, dates as dates."""
    if column == "registration_date":
        return dt.datetime.fromisoformat(value)
    if value.replace(".", "", 1).isdigit():
        return float(value)
    return value


def main() -> None:
    rows = base_rows()
    columns = list(rows[0])
    write("valid.csv", rows)
    (HERE / "empty.csv").write_bytes(b"")
    write("header_only.csv", rows[:0], header=columns)
    (HERE / "utf16_unicode_text.csv").write_bytes(csv_text(rows, delimiter="\t").encode("utf-16"))
    (HERE / "utf16_big_endian.csv").write_bytes(b"\xfe\xff" + csv_text(rows).encode("utf-16-be"))
    (HERE / "utf16_without_bom.csv").write_bytes(csv_text(rows).encode("utf-16-le"))
    (HERE / "random_bytes.csv").write_bytes(random.Random(2012).randbytes(4096))
    write("tab_separated.csv", rows, delimiter="\t")
    (HERE / "undecodable_bytes.csv").write_bytes(
        csv_text(rows, delimiter=";").encode("cp1252").replace(b"Odense", b"Od\x81nse")
    )
    text = csv_text(rows, delimiter=";")
    lines = text.split("\r\n")
    lines[3] = lines[3].replace(";", ",")
    (HERE / "row_with_other_separator.csv").write_text("\r\n".join(lines), encoding="utf-8")
    lines = csv_text(danish_excel(rows), delimiter=",").split("\r\n")
    lines[6] = lines[6].replace('"0,5"', "0,5")
    (HERE / "unquoted_decimal_comma.csv").write_text("\r\n".join(lines), encoding="utf-8")
    write("missing_column.csv", without(rows, "registration_date"))
    write("missing_municipality_column.csv", without(rows, "municipality"))
    write("missing_option_column.csv", without(rows, "problem_1"))
    write("missing_identifier_columns.csv", without(without(rows, "municipality"), "wave"))
    write("unknown_column_typo.csv", renamed(rows, "registration_date", "registraton_date"))
    write("duplicate_column.csv", rows, header=columns + ["wave"])
    write("missing_child_id.csv", changed(rows, 2, child_id=""))
    write(
        "municipality_did_not_monitor.csv",
        changed(changed(rows, 6, municipality="Mariagerfjord"), 7, municipality="Mariagerfjord"),
    )
    write("municipality_misspelt.csv", changed(rows, 5, municipality="Odence"))
    write("wave_out_of_range.csv", changed(rows, 1, wave="7"))
    write("no_start_registration.csv", [r for i, r in enumerate(rows) if i != 3])
    write("wave_gap.csv", [r for i, r in enumerate(rows) if i != 1])
    write("duplicate_child_wave.csv", changed(rows, 2, wave="2", registration_date="2011-05-16"))
    write("dates_backwards.csv", changed(rows, 2, registration_date="2011-04-01"))
    write("date_outside_window.csv", changed(rows, 7, registration_date="2012-09-03"))
    write("date_unreadable.csv", changed(rows, 0, registration_date="15/02/2011"))
    write("age_out_of_range.csv", changed(rows, 3, age_years="9"))
    write("age_not_a_number.csv", changed(rows, 0, age_years="3 år"))
    write("age_at_follow_up.csv", changed(rows, 1, age_years="3.75"))
    write("unknown_option_code.csv", changed(rows, 0, initiative="6"))
    write("scale_out_of_range.csv", changed(rows, 4, agreement_parents_staff="5"))
    write("multiple_choice_not_0_1.csv", changed(rows, 0, problem_3="2"))
    write("multiple_choice_partly_empty.csv", changed(rows, 1, dialogue_topics_2=""))
    write("municipality_changes.csv", changed(rows, 2, municipality="Kolding"))
    write("synthetic_flag_not_0_1.csv", [row | {"synthetic": "ja"} for row in rows])
    write(
        "cpr_numbers.csv",
        changed(
            changed(rows, 5, child_id=CPR_VALUES[0]),
            6,
            info_exchange=CPR_VALUES[1],
            notification_age=CPR_VALUES[2],
        ),
    )
    write("many_problems.csv", [row | {"age_years": "tre"} for row in rows] * 10)
    # Danish Excel's "CSV (semikolonsepareret)": ';', cp1252, dd-mm-yyyy, decimal commas.
    # Valid except one municipality; its Danish letters show that cp1252 was decoded.
    write(
        "danish_excel_cp1252.csv",
        changed(danish_excel(rows), 5, municipality="Ærø"),
        delimiter=";",
        encoding="cp1252",
    )
    write("utf8_bom.csv", changed(rows, 4, coherence_home_daycare="0"), encoding="utf-8-sig")
    (HERE / "workbook_named_csv.csv").write_bytes(b"PK\x03\x04" + b"\x00" * 60)
    write_xlsx(
        "names_in_one_cell.xlsx", [[";".join(columns)]] + [[";".join(row.values())] for row in rows]
    )
    write_xlsx(
        "bad_code.xlsx",
        [columns]
        + [
            [excel_value(column, value) for column, value in row.items()]
            for row in changed(rows, 1, info_exchange="3")
        ],
    )


if __name__ == "__main__":
    main()
