"""How many units a report speaks of, as its words say it: ``{count}`` in a report word.

A report word such as "Alle {count} kommuner" is filled from the units file (the number of
municipalities the pooled unit pools), so adding a municipality is one entry in that file and
no change of wording. Small numbers are written as words, as Danish and English prose does
(up to twelve), larger ones in digits: "Alle fire kommuner", "All 98 municipalities".
"""

from __future__ import annotations

#: The placeholder a report word writes where the number of pooled units goes.
COUNT_PLACEHOLDER = "{count}"

# "én" (not "en"): the stressed numeral, as in "én samlet rapport"; the common gender is the
# one the words use ("kommune", "institution").
_WORDS = {
    "da": ("nul", "én", "to", "tre", "fire", "fem", "seks", "syv", "otte", "ni", "ti",
           "elleve", "tolv"),
    "en": ("zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine",
           "ten", "eleven", "twelve"),
}


def number_word(n: int, lang: str) -> str:
    """``n`` as a report writes it: a word up to twelve, digits from 13.

    Examples
    --------
    >>> number_word(4, "da"), number_word(4, "en"), number_word(12, "da"), number_word(98, "en")
    ('fire', 'four', 'tolv', '98')
    """
    words = _WORDS.get(lang, _WORDS["en"])
    return words[n] if 0 <= n < len(words) else str(n)


def with_count(text: str, count: int | None, lang: str) -> str:
    """``text`` with ``{count}`` replaced by :func:`number_word` of ``count``.

    Other placeholders (``{name}``) are left for the caller's ``format``; a text without
    ``{count}`` is returned as it is, whatever ``count``.

    Raises
    ------
    ValueError
        If the text has ``{count}`` and no count is known.

    Examples
    --------
    >>> with_count("{name} sammenlignet med alle {count} kommuner", 5, "da")
    '{name} sammenlignet med alle fem kommuner'
    """
    if COUNT_PLACEHOLDER not in text:
        return text
    if count is None:
        raise ValueError(f"no number of units is known to fill {COUNT_PLACEHOLDER} in {text!r}")
    return text.replace(COUNT_PLACEHOLDER, number_word(count, lang))
