"""A hand-worked survey fixture: a few respondents whose every number can be counted by hand.

Horsens, round 2, item F1, staff (roles 1-3) with a valid answer:

=============  =========  ======  ====
institution    type       answer  role
=============  =========  ======  ====
H-D1           Dagtilbud  4       1
H-D1           Dagtilbud  5       1
H-D1           Dagtilbud  2       3
H-D1           Dagtilbud  9       1     "Ved ikke" everywhere (R0004): not valid
H-S1           Skole      4       2
H-S1           Skole      1       2
H-S1           Skole      (blank) 2     not answered: not valid
H-D1           Dagtilbud  5       4     a social worker: not staff
=============  =========  ======  ====

so n = 5 and "Enig eller helt enig" counts 3 (4, 5, 4). Round 1 has three staff answers.
Dates include the last day of each round's window.
"""

from __future__ import annotations

from pathlib import Path

from dsr_analysis.survey.codebook import SYNTHETIC_COLUMN, default_survey_codebook

COLUMNS = [*default_survey_codebook().columns]
ITEMS = [item.id for item in default_survey_codebook().items]


def row(respondent, institution, kind, role, survey_round, date, municipality="Horsens",
        **answers) -> dict:
    """One row of a survey file as texts (items not given are blank)."""
    base = {"respondent_id": respondent, "municipality": municipality,
            "institution_id": institution, "institution_type": str(kind), "role": str(role),
            "round": str(survey_round), "response_date": date}
    return base | {item: str(answers.get(item, "")) for item in ITEMS}


def hand_rows() -> list[dict]:
    everything_unknown = {item: 9 for item in ITEMS}
    return [
        row("R0001", "H-D1", 1, 1, 1, "2024-03-01", F1=2, B2=0),
        row("R0002", "H-D1", 1, 1, 1, "2024-04-30", F1=3, B2=1),
        row("R0005", "H-S1", 2, 2, 1, "2024-04-30", F1=4),
        row("R0001", "H-D1", 1, 1, 2, "2025-04-30", F1=4, B2=0),
        row("R0002", "H-D1", 1, 1, 2, "2025-03-01", F1=5, B2=1),
        row("R0003", "H-D1", 1, 3, 2, "2025-03-15", F1=2),
        row("R0004", "H-D1", 1, 1, 2, "2025-04-30", **everything_unknown),
        row("R0005", "H-S1", 2, 2, 2, "2025-04-01", F1=4),
        row("R0006", "H-S1", 2, 2, 2, "2025-04-02", F1=1),
        row("R0007", "H-S1", 2, 2, 2, "2025-04-03"),
        row("R0008", "H-D1", 1, 4, 2, "2025-04-04", F1=5),
    ]


def write_survey(path: Path, rows: list[dict], columns: list[str] | None = None,
                 separator: str = ";", synthetic: bool = False) -> Path:
    """Write rows as a survey CSV (``columns`` default: the codebook's, in order)."""
    columns = list(columns or COLUMNS) + ([SYNTHETIC_COLUMN] if synthetic else [])
    lines = [separator.join(columns)]
    for values in rows:
        values = values | ({SYNTHETIC_COLUMN: "1"} if synthetic else {})
        lines.append(separator.join(values.get(c, "") for c in columns))
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path
