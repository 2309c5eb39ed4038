"""Every problem found in an input file, held as arrays until one is shown.

A rule over a million rows may find a million problems, but an error shows at most
:data:`MAX_PROBLEMS`. So a rule returns a :class:`RowProblems` batch -- the spreadsheet rows
(and columns) it found, as integer arrays, and how to word one -- and a :class:`Problem` is made
only for the problems an error lists. :class:`Problems` is a file's problems in the order the
rules found them; it behaves as a read-only sequence of :class:`Problem`.
"""

from __future__ import annotations

import operator
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from itertools import chain, islice, zip_longest

import numpy as np

from dsr_analysis.errors import Problem

MAX_PROBLEMS = 50
"""How many problems an error lists; the total is always given."""


def _position(index, length: int) -> int:
    """``index`` of a sequence of ``length`` as a position from 0, counting back if negative.

    >>> _position(-1, 3), _position(2, 3)
    (2, 2)
    >>> _position(3, 3)
    Traceback (most recent call last):
    ...
    IndexError: index 3 is out of range for 3 problems
    """
    position = operator.index(index)
    if position < 0:
        position += length
    if not 0 <= position < length:
        raise IndexError(f"index {index} is out of range for {length} problems")
    return position


@dataclass(frozen=True, eq=False)
class RowProblems(Sequence):
    """Problems of one rule, one per entry of ``rows``, each made only when asked for.

    ``labels`` are the columns the batch may name; ``codes`` gives each entry's position in
    ``labels`` (None: every entry names ``labels[0]``). ``expected`` is the text, or a function
    of the entry's ``payload`` values returning it; ``value(row, column)`` gives the cell to show
    (None: show none).

    Examples
    --------
    >>> batch = RowProblems("x.csv", np.array([3, 5]), ("wave",), "a whole number")
    >>> len(batch), str(batch[1])
    (2, "x.csv, row 5, column 'wave': expected a whole number")
    >>> waves = RowProblems("x.csv", np.array([4]), ("wave",), lambda wave: f"wave {wave - 1}",
    ...                     payload={"wave": np.array([3])})
    >>> waves[0].expected
    'wave 2'
    """

    file: str
    rows: np.ndarray
    labels: tuple[str, ...]
    expected: str | Callable[..., str]
    codes: np.ndarray | None = None
    payload: Mapping[str, np.ndarray] = field(default_factory=dict)
    value: Callable[[int, str], str | None] | None = None

    def __len__(self) -> int:
        return len(self.rows)

    def __iter__(self) -> Iterator[Problem]:
        # Sequence's default calls __getitem__ until IndexError: a bounds check per problem.
        return map(self.problem, range(len(self)))

    def __getitem__(self, index):
        if isinstance(index, slice):
            return [self.problem(i) for i in range(*index.indices(len(self)))]
        return self.problem(_position(index, len(self)))

    def column(self, index: int) -> str:
        return self.labels[0 if self.codes is None else int(self.codes[index])]

    def problem(self, index: int) -> Problem:
        """The entry ``index`` as a :class:`Problem`."""
        row, column = int(self.rows[index]), self.column(index)
        if isinstance(self.expected, str):
            expected = self.expected
        else:
            expected = self.expected(**{name: v[index] for name, v in self.payload.items()})
        value = self.value(row, column) if self.value is not None else None
        return Problem(self.file, row, column, expected, value)

    def subset(self, keep: np.ndarray) -> RowProblems:
        """The entries where the boolean array ``keep`` is true, in their order."""
        return RowProblems(
            self.file,
            self.rows[keep],
            self.labels,
            self.expected,
            None if self.codes is None else self.codes[keep],
            {name: values[keep] for name, values in self.payload.items()},
            self.value,
        )

    def first_by_column(self, limit: int) -> list[tuple[str, np.ndarray]]:
        """Each column named, in order of its first entry, with its first ``limit`` entries."""
        if self.codes is None:
            return [(self.labels[0], np.arange(min(limit, len(self))))] if len(self) else []
        distinct, first = np.unique(self.codes, return_index=True)
        return [
            (self.labels[int(code)], np.flatnonzero(self.codes == code)[:limit])
            for code in distinct[np.argsort(first)]
        ]


def batch_at(
    file: str,
    rows: np.ndarray,
    columns: np.ndarray,
    labels: Sequence[str],
    expected: str,
    value: Callable[[int, str], str | None] | None = None,
) -> RowProblems:
    """Problems at cells given by row numbers and column positions, in row-major order.

    >>> batch = batch_at("x.csv", np.array([5, 2, 5]), np.array([0, 1, 1]), ["a", "b"], "x")
    >>> [(p.row, p.column) for p in batch]
    [(2, 'b'), (5, 'a'), (5, 'b')]
    """
    order = np.lexsort((columns, rows))
    return RowProblems(
        file,
        np.asarray(rows)[order],
        tuple(labels),
        expected,
        np.asarray(columns, dtype=np.int32)[order],
        value=value,
    )


Part = RowProblems | Sequence[Problem]


class Problems(Sequence):
    """A file's problems in the order found: lists of :class:`Problem` and row batches.

    Examples
    --------
    >>> found = Problems([[Problem("x.csv", None, "wave", "a column")]])
    >>> found += RowProblems("x.csv", np.arange(2, 100), ("age_years",), "a number")
    >>> len(found), found[1].row
    (99, 2)
    >>> [(p.row, p.column) for p in found.shown(limit=3)]
    [(None, 'wave'), (2, 'age_years'), (3, 'age_years')]
    """

    def __init__(self, parts: Iterable[Part] = ()):
        self.parts: list[Part] = [part for part in parts if len(part)]

    def __len__(self) -> int:
        return sum(len(part) for part in self.parts)

    def __iter__(self) -> Iterator[Problem]:
        return chain.from_iterable(self.parts)

    def __getitem__(self, index):
        if isinstance(index, slice):
            return list(islice(self, *index.indices(len(self))))
        index = _position(index, len(self))
        for part in self.parts:
            if index < len(part):
                return part[index]
            index -= len(part)
        raise IndexError(index)  # pragma: no cover - _position raised already

    def __add__(self, other: Problems | Part) -> Problems:
        return Problems(self.parts + as_problems(other).parts)

    def __iadd__(self, other: Problems | Part) -> Problems:
        self.parts += [part for part in as_problems(other).parts if len(part)]
        return self

    def __repr__(self) -> str:
        return f"Problems({len(self)} in {len(self.parts)} part(s))"

    def shown(self, limit: int = MAX_PROBLEMS) -> list[Problem]:
        """At most ``limit`` problems, taken in turn from each column, then in row order.

        Taking turns keeps one systematically wrong column from hiding every other problem.
        Only the problems chosen are made; a column contributes at most ``limit`` candidates.
        """
        by_column: dict[str | None, list[tuple[int, Part, int]]] = {}
        offset = 0
        for part in self.parts:
            if isinstance(part, RowProblems):
                for column, entries in part.first_by_column(limit):
                    taken = by_column.setdefault(column, [])
                    room = limit - len(taken)
                    taken += [(offset + int(i), part, int(i)) for i in entries[:room]]
            else:
                for i, problem in enumerate(part):
                    taken = by_column.setdefault(problem.column, [])
                    if len(taken) < limit:
                        taken.append((offset + i, part, i))
            offset += len(part)
        in_turn = (e for rank in zip_longest(*by_column.values()) for e in rank if e is not None)
        chosen = [(position, part[i]) for position, part, i in islice(in_turn, limit)]
        chosen.sort(key=lambda item: (item[1].row or 0, item[0]))
        return [problem for _, problem in chosen]


def as_problems(found: Problems | Part) -> Problems:
    """``found`` as :class:`Problems`: itself, one batch as one part (none of its problems
    made), or a sequence of :class:`Problem` as one part.

    >>> batch = RowProblems("x.csv", np.array([2, 3]), ("wave",), "1 to 6")
    >>> as_problems(batch).parts == [batch], len(as_problems([batch[0]]))
    (True, 1)
    """
    if isinstance(found, Problems):
        return found
    if isinstance(found, RowProblems):
        return Problems([found])
    return Problems([list(found)])
