"""What each export column holds, in words: its label, its kind and the values it allows.

The data manager's check page and workbook (:mod:`dsr_analysis.check`) and the data-entry
template (:mod:`dsr_analysis.template`) describe the columns the same way, from the codebook
only, in Danish or English.
"""

from __future__ import annotations

from dataclasses import dataclass

from dsr_analysis.codebook import OPTIONAL_COLUMNS, Codebook, Question

SYNTHETIC_LABEL = {
    "da": "Syntetiske data (0 = rigtige data, 1 = genererede data)",
    "en": "Synthetic data (0 = real data, 1 = generated data)",
}
DONT_KNOW = {"da": "ved ikke", "en": "don't know"}


@dataclass(frozen=True)
class ColumnInfo:
    """One export column described: ``kind`` is the identifier type (``identifier``,
    ``municipality``, ``wave``, ``date``), the question type, or ``flag``; ``codes`` are the
    allowed whole-number codes with their labels (empty for free values)."""

    column: str
    kind: str
    label: str
    question: Question | None = None
    codes: tuple[tuple[int, str], ...] = ()


def _codes(question: Question, codebook: Codebook, language: str) -> tuple[tuple[int, str], ...]:
    if question.is_multiple_choice:
        chosen = {"da": ("ikke valgt", "valgt"), "en": ("not chosen", "chosen")}[language]
        return ((0, chosen[0]), (1, chosen[1]))
    if question.is_scale:
        anchors = {o.code: o.label(language) for o in question.options}
        scores = [(s, anchors.get(s, "")) for s in range(1, question.scale_maximum + 1)]
        return (*scores, (codebook.dont_know_code, DONT_KNOW[language]))
    if question.type == "age":
        return ()
    return tuple((o.code, o.label(language)) for o in question.options)


def _question_label(question: Question, column: str, language: str) -> str:
    text = question.text(language)
    if question.is_multiple_choice:
        code = int(column.rsplit("_", 1)[1])
        return f"{text} – {question.option(code).label(language)}"
    if question.is_scale:
        item = next(i for i in question.items if i.column == column)
        return f"{text} – {item.label(language)}"
    return text


def column_infos(codebook: Codebook, language: str = "da") -> dict[str, ColumnInfo]:
    """Every export column (and the optional ``synthetic``) described, in export order.

    Examples
    --------
    >>> from dsr_analysis.codebook import default_codebook
    >>> infos = column_infos(default_codebook())
    >>> infos["info_exchange"].codes
    ((1, 'Ja'), (2, 'Nej'), (99, 'Ved ikke'))
    >>> infos["problem_99"].label
    'Hvordan vil du beskrive barnets problemstilling? – Ved ikke'
    >>> column_infos(default_codebook(), "en")["wave"].kind
    'wave'
    """
    infos = {
        i.column: ColumnInfo(i.column, i.type, i.text(language)) for i in codebook.identifiers
    }
    for question in codebook.questions:
        codes = _codes(question, codebook, language)
        for column in question.columns:
            label = _question_label(question, column, language)
            infos[column] = ColumnInfo(column, question.type, label, question, codes)
    for column in OPTIONAL_COLUMNS:
        infos[column] = ColumnInfo(
            column, "flag", SYNTHETIC_LABEL[language], None, ((0, "0"), (1, "1"))
        )
    return infos


def codes_in_words(info: ColumnInfo) -> str:
    """The allowed codes as a page shows them: ``1 (Ja), 2 (Nej), 99 (Ved ikke)``.

    >>> codes_in_words(ColumnInfo("x", "yes_no", "X", None, ((1, "Ja"), (2, ""))))
    '1 (Ja), 2'
    """
    return ", ".join(f"{code} ({label})" if label else str(code) for code, label in info.codes)
