"""The question behind each published table, read from the file a programme theory names.

A theory's ``questions`` file is its design's codebook; the report side reads only the part
every codebook shares: a ``questions`` (or ``items``) list whose entries give the ``tables``
(or the one ``table``) they are published in, their wording (``text_da``, ``text_en``) and
their ``type`` (or ``scale``: ``scale10``, ``agreement``, …), and for a rating scale its top
(``scale_max``, or the N of a type ``scaleN``). So a chapter can quote the question, and draw
a mean on its scale, without knowing the design.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from dsr_analysis.files import read_yaml
from dsr_analysis.programme_theory import Text


@dataclass(frozen=True)
class TableQuestion:
    """The question a table answers: its wording in both languages and its type."""

    wording: Text
    type: str
    # The top of the rating scale a mean of the question lies on (None: not a scale).
    maximum: float | None = None

    def text(self, lang: str) -> str:
        return self.wording.get(lang)


def table_questions(path: Path | None) -> dict[str, TableQuestion]:
    """Table id -> the first question published in it ({} when the theory names no file).

    Examples
    --------
    >>> from dsr_analysis.programme_theory import load_programme_theory
    >>> questions = table_questions(load_programme_theory().questions_path)
    >>> questions["7-9"].type, questions["7-9"].text("en")
    ('single_choice', 'How old is the child when the notification is made?')
    """
    return _read(path) if path is not None else {}


@lru_cache(maxsize=8)
def _read(path: Path) -> dict[str, TableQuestion]:
    raw = read_yaml(path, "questions file") or {}
    found: dict[str, TableQuestion] = {}
    for entry in (raw.get("questions") or []) + (raw.get("items") or []):
        kind = str(entry.get("type", entry.get("scale", "")))
        scale = re.fullmatch(r"scale(\d+)", kind)
        top = entry.get("scale_max", int(scale.group(1)) if scale else None)
        wording = Text(str(entry.get("text_da", "")), str(entry.get("text_en", "")))
        question = TableQuestion(wording, kind, None if top is None else float(top))
        tables = entry.get("tables") or ([entry["table"]] if entry.get("table") else [])
        for table in tables:
            found.setdefault(str(table), question)
    return found
