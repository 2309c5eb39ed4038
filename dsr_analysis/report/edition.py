"""What an edition of a report set must say about itself on every page.

A build with minimum cell size 1 hides nothing: it is for analysts entitled to see every cell,
and its pages can point to single children. Every page of it (chapters, method pages, index)
carries a red warning above the synthetic-data banner, and printed pages repeat it in the bottom
margin, so a page sent on by mistake says what it is.
"""

from __future__ import annotations

from dsr_analysis.programme_theory import ProgrammeTheory


def is_unsuppressed(min_cell: int) -> bool:
    """Whether a build with this minimum cell size publishes every cell (hides nothing).

    >>> is_unsuppressed(1), is_unsuppressed(5)
    (True, False)
    """
    return int(min_cell) <= 1


def not_for_publication(theory: ProgrammeTheory, lang: str, min_cell: int) -> str:
    """The warning an unsuppressed build's pages carry, or "" for a disclosure-controlled one.

    >>> from dsr_analysis.programme_theory import load_programme_theory
    >>> theory = load_programme_theory()
    >>> not_for_publication(theory, "en", 1).startswith("NOT FOR PUBLICATION")
    True
    >>> not_for_publication(theory, "da", 5)
    ''
    """
    return theory.word("not_for_publication", lang) if is_unsuppressed(min_cell) else ""
