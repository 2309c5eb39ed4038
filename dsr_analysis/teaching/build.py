"""Building every lesson's editions and handouts; one failing lesson stops none of the others.

For each ``NN_topic.ipynb`` in the lessons folder and each language asked for::

    <out>/student/<lang>/NN_topic.ipynb    (deterministic, no outputs)
    <out>/teacher/<lang>/NN_topic.ipynb    (executed)
    <out>/handouts/<lang>/NN_topic.html    (the teacher edition as an offline page)
"""

from __future__ import annotations

import traceback
from dataclasses import dataclass, field
from pathlib import Path

from dsr_analysis import config
from dsr_analysis.teaching.source import LESSONS_DIR, lessons

#: Where ``dsr teach`` writes by default.
DEFAULT_OUT = config.BUILD_DIR / "teaching"


@dataclass
class LessonOutcome:
    """What became of one lesson: the files written, and the errors by language."""

    lesson: str
    written: list[Path] = field(default_factory=list)
    errors: dict[str, str] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not self.errors


def build_lesson(path: Path, out: Path, langs: tuple[str, ...]) -> LessonOutcome:
    """Write one lesson's editions and handouts in ``langs``; never raises."""
    from dsr_analysis.teaching.editions import student_edition, teacher_edition
    from dsr_analysis.teaching.handout import write_handout
    from dsr_analysis.teaching.source import read_notebook, write_notebook

    outcome = LessonOutcome(path.stem)
    for lang in langs:
        try:
            source = read_notebook(path)
            outcome.written.append(
                write_notebook(student_edition(source, lang), out / "student" / lang / path.name))
            teacher = teacher_edition(source, lang)
            outcome.written.append(
                write_notebook(teacher, out / "teacher" / lang / path.name))
            outcome.written.append(write_handout(teacher, out, lang, path.stem))
        except Exception as error:  # noqa: BLE001 - reported; the other lessons go on
            outcome.errors[lang] = summarise(error)
    return outcome


def build_all(out: Path = DEFAULT_OUT, langs: tuple[str, ...] = ("da", "en"),
              folder: Path = LESSONS_DIR, progress=None) -> list[LessonOutcome]:
    """Build every lesson in ``folder``; ``progress`` (if given) is called with each outcome."""
    outcomes = []
    for path in lessons(folder):
        outcome = build_lesson(path, out, langs)
        if progress is not None:
            progress(outcome)
        outcomes.append(outcome)
    return outcomes


def summarise(error: Exception) -> str:
    """One line saying why: a failing cell's exception (papermill carries it), else the error.

    >>> summarise(ValueError("bad cell"))
    'ValueError: bad cell'
    """
    ename = getattr(error, "ename", None)
    if ename:
        return f"a cell stopped with {ename}: {getattr(error, 'evalue', '')}".strip()
    return traceback.format_exception_only(type(error), error)[-1].strip()
