"""Calibrated synthetic monitoring export: the bundled default data (SYNTHETIC, not case data).

The generator builds a monitoring export of the four monitored municipalities in the codebook's
format, one row per registration, such that the measures of ``docs/method.md`` reproduce every
value NIRAS (2012) published (``data/reference/niras_2012_tables.csv``) with the published n.

It does so with exact quotas, not random draws: from each published share and its n it computes
the number of children (or registrations) that must give the answer, choosing per-period counts
so that the period cells and their "Total" all round to the printed percentage. Only *which*
children give an answer is left to chance, and that chance is a weighted pseudo-random order
derived from SHA-256 hashes of the seed and the child's id, so municipalities differ in plausible
ways (their organisation differs, NIRAS Table 1-1 and ch. 08) while the pooled totals hold
exactly. No numpy random stream is used, so the committed file regenerates byte for byte on any
platform and library version.

One function per concern, in the order the export is built:

=======================  ====================================================================
roster                   children, municipality, start round, period, empty start, known age
ages                     whole-year groups per period and decimal ages tuned to the means
schedule                 registration rounds (attrition, school start, Faaborg-Midtfyn's gap)
start answers            the start-only questions (Tables 7-1 to 7-7, 7-14 to 7-19)
notifications            who had a notification, at what age, with what receipt (7-9, 7-10)
course answers           questions of every registration (7-8, 7-11, 7-12, 7-13)
scales                   the eight scale items and their development sets (7-22, 7-25, 7-28)
=======================  ====================================================================

Design choices (municipal counts, attrition, propensities) are module constants documented in
``data/synthetic/README.md`` and ``docs/calibration.md``.
"""

from __future__ import annotations

import calendar
import csv
import datetime as dt
import hashlib
import io
import math
from collections.abc import Callable, Hashable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from dsr_analysis import config
from dsr_analysis.codebook import Codebook, default_codebook, option_column
from dsr_analysis.errors import ConfigurationError

DEFAULT_SEED = 2012
DONT_KNOW = 99

# ---------------------------------------------------------------------------------------------
# Design constants
# ---------------------------------------------------------------------------------------------

ROUNDS = ((2011, 2), (2011, 5), (2011, 8), (2011, 11), (2012, 2), (2012, 5))
"""The quarterly registration rounds (year, month), February 2011 to May 2012 (NIRAS 6.3.1)."""

PERIOD_OF_ROUND = {1: 1, 2: 2, 3: 2, 4: 3, 5: 3, 6: 3}
"""Project period of a start in each round (codebook periods: Jan-Apr, May-Oct, Nov-Jun)."""

START_ROUNDS = {
    # Children with a start registration per round. Faaborg-Midtfyn: 23 children and no new
    # starts in August-November 2011, when its project staff were replaced (NIRAS 6.3.1).
    "Faaborg-Midtfyn": (10, 4, 0, 0, 5, 4),
    "Frederikshavn": (20, 11, 10, 8, 7, 6),
    "Kolding": (22, 12, 12, 8, 8, 6),
    "Odense": (23, 13, 13, 9, 8, 7),
}

ID_PREFIX = {"Faaborg-Midtfyn": "FMI", "Frederikshavn": "FRH", "Kolding": "KOL", "Odense": "ODE"}

BLOCKED_ROUNDS = {"Faaborg-Midtfyn": frozenset({3, 4})}
"""Rounds in which a municipality registered nobody (Faaborg-Midtfyn's change of staff)."""

SURVIVAL = (1.0, 0.72, 0.45, 0.25, 0.13, 0.07)
"""Share of a round's starters with at least 1, 2, ... 6 registrations (before the school rule)."""

SKIP_PROBABILITY = 0.08
"""Chance that a child's course misses one quarterly round (a gap) when there is room."""

SCHOOL_START = dt.date(2011, 8, 1)
"""Children who turn 6 in 2011 start school in August 2011 and leave the daycare (attrition)."""

AGE_GROUPS_BY_PERIOD = {
    # Children per whole-year age group (<1, 1, ..., 6 years) and period. Column sums reproduce
    # Table 7-1 (n = 214), row sums the period n of Table 7-14 (70/70/74); the row means of the
    # whole years leave a mean fractional year of about a third in every period, so that the
    # decimal ages reach the published period means (4.30, 3.95, 3.69).
    1: (0, 3, 9, 12, 16, 23, 7),
    2: (1, 4, 10, 17, 17, 16, 5),
    3: (1, 6, 13, 20, 16, 15, 3),
}

LENGTH_PROPENSITY = {"Faaborg-Midtfyn": 0.5, "Frederikshavn": 1.1, "Kolding": 0.8, "Odense": 1.4}
"""Municipal propensity for long courses: Odense's full-time social worker follows children
longest; registration suffered most where social workers were only partly released from their
authority tasks (Kolding; NIRAS 6.3.1), and Faaborg-Midtfyn's change of staff cut courses short."""

EMPTY_PROPENSITY = {"Faaborg-Midtfyn": 3.0, "Frederikshavn": 1.0, "Kolding": 1.0, "Odense": 1.0}
"""Propensity to leave the start questions or the age unanswered."""

PROPENSITY: dict[tuple[str, int], dict[str, float]] = {
    # (question, option code) -> municipality -> weight (default 1). Kolding's social workers are
    # district social workers with authority (myndighed): notifications, measures under the
    # Social Services Act, their own initiative and known families are likelier there, and its
    # institutions serve the housing areas with most residents of other ethnic origin.
    # Frederikshavn's purely advisory social workers spend 8 hours a week in each institution and
    # its target group names speech, motor and crisis problems; it developed a detection model.
    # Odense targets children with specific and significant needs (diagnoses, special needs).
    # Faaborg-Midtfyn targets family circumstances and acute crises; its staff changed halfway.
    ("problem", 2): {"Faaborg-Midtfyn": 1.5},
    ("problem", 3): {"Faaborg-Midtfyn": 1.4, "Kolding": 1.2},
    ("problem", 4): {"Frederikshavn": 1.8, "Odense": 1.2},
    ("problem", 6): {"Kolding": 2.5, "Frederikshavn": 1.2, "Faaborg-Midtfyn": 0.6},
    ("problem", 8): {"Faaborg-Midtfyn": 2.0, "Frederikshavn": 1.3},
    ("problem", 9): {"Frederikshavn": 1.6, "Odense": 1.3},
    ("problem", 10): {"Odense": 1.8},
    ("problem", 11): {"Odense": 2.0},
    ("measures_in_place", 2): {"Odense": 1.5},
    ("measures_in_place", 3): {"Kolding": 2.2, "Faaborg-Midtfyn": 1.2},
    ("measures_in_place", 4): {"Frederikshavn": 1.3, "Odense": 1.2, "Kolding": 0.6},
    ("measures_in_place", 5): {"Kolding": 2.5, "Frederikshavn": 0.8},
    ("parents_involved_when", 2): {"Frederikshavn": 1.4},
    ("parents_involved_when", 99): {"Faaborg-Midtfyn": 1.8},
    ("initiative", 1): {"Frederikshavn": 1.3, "Odense": 1.2, "Kolding": 0.7},
    ("initiative", 2): {"Odense": 1.4},
    ("initiative", 3): {"Kolding": 3.0, "Frederikshavn": 0.7, "Odense": 0.7},
    ("spotted_how", 3): {"Kolding": 1.8},
    ("spotted_how", 4): {"Frederikshavn": 1.8, "Odense": 1.3},
    ("spotted_how", 5): {"Frederikshavn": 3.0},
    ("info_exchange", 1): {"Kolding": 2.0},
    ("info_exchange", 99): {"Faaborg-Midtfyn": 1.8},
    ("dialogue_topics", 4): {"Kolding": 2.0},
    ("dialogue_topics", 5): {"Frederikshavn": 1.3, "Odense": 1.3},
    ("collaboration_led_to", 3): {"Odense": 1.3},
    ("collaboration_led_to", 4): {"Faaborg-Midtfyn": 1.4},
    ("parent_involvement_how", 3): {"Kolding": 1.6},
    ("parent_involvement_how", 4): {"Kolding": 1.6, "Odense": 1.2},
    ("parent_involvement_how", 5): {"Odense": 1.3},
}


@dataclass(frozen=True)
class ItemDesign:
    """How one scale item behaves outside its calibrated development set.

    ``valid`` is the chance that a child outside the development set gives a valid score at the
    start; ``start`` weights the start scores; ``municipal`` weights membership of the set.
    """

    valid: float
    start: dict[int, float]
    municipal: dict[str, float] = field(default_factory=dict)


_FOUR = {1: 3.0, 2: 4.0, 3: 1.8, 4: 0.6}
_TEN = {1: 0.3, 2: 0.8, 3: 1.5, 4: 2.5, 5: 3.0, 6: 3.0, 7: 2.5, 8: 1.5, 9: 0.8, 10: 0.3}
SCALE_DESIGN = {
    "agreement_staff_social_worker": ItemDesign(0.85, {1: 4.0, 2: 4.0, 3: 1.5, 4: 0.5}),
    "agreement_parents_staff": ItemDesign(0.80, _FOUR),
    # Parents meet the social worker only where the social worker works with the family:
    # most often in Kolding, where the social workers hold three-party talks and authority.
    "agreement_parents_social_worker": ItemDesign(0.20, _FOUR, {"Kolding": 3.0}),
    "parents_involved": ItemDesign(0.85, _TEN),
    "parents_attitude": ItemDesign(0.80, {**_TEN, 7: 3.0, 8: 2.0}),
    "coherence_home_daycare": ItemDesign(0.80, _FOUR),
    "coherence_home_services": ItemDesign(0.25, _FOUR, {"Kolding": 2.5}),
    "coherence_daycare_services": ItemDesign(0.30, _FOUR, {"Kolding": 2.0, "Frederikshavn": 1.3}),
}

SKIPPED_LATEST_PROBABILITY = 0.12
"""Chance that a child in a development set skips the item (or says "ved ikke") at its last
registration, so its latest valid score is an earlier follow-up."""

ROUNDING = 0.005
"""A count reproduces a printed percentage when its share is within half a percentage point."""


class CalibrationError(ConfigurationError):
    """The published targets cannot be met by the generator's design."""


# ---------------------------------------------------------------------------------------------
# Deterministic chance
# ---------------------------------------------------------------------------------------------


def uniform(seed: int, *parts: Hashable) -> float:
    """A number in (0, 1) fixed by the seed and the parts (SHA-256, platform-independent).

    >>> uniform(2012, "age", "KOL-0001") == uniform(2012, "age", "KOL-0001")
    True
    >>> 0 < uniform(1, "x") < 1
    True
    """
    text = "|".join(str(part) for part in (seed, *parts))
    digest = hashlib.sha256(text.encode("utf-8")).digest()
    return (int.from_bytes(digest[:8], "big") + 0.5) / 2**64


def ranked(items: Iterable, seed: int, tag: str,
           weight: Callable[[object], float] | None = None) -> list:
    """``items`` in a weighted pseudo-random order: heavier items tend to come first.

    Each item gets the key log(u) / w (Efraimidis and Spirakis), u from :func:`uniform`; taking
    the first k of the order is a weighted sample of k without replacement.

    >>> ranked(["a", "b", "c"], 2012, "demo") == ranked(["c", "b", "a"], 2012, "demo")
    True
    """
    def key(item) -> tuple[float, str]:
        w = weight(item) if weight is not None else 1.0
        return (-math.log(uniform(seed, tag, item)) / w, str(item))

    return sorted(items, key=key)


def pick(items: Sequence, k: int, seed: int, tag: str,
         weight: Callable[[object], float] | None = None) -> list:
    """The first ``k`` items of :func:`ranked`.

    Raises
    ------
    CalibrationError
        If fewer than ``k`` items are available.
    """
    if k > len(items):
        raise CalibrationError(f"{tag}: need {k} candidates, only {len(items)} available")
    return ranked(items, seed, tag, weight)[:k]


# ---------------------------------------------------------------------------------------------
# Calibration targets: counts that reproduce the published shares
# ---------------------------------------------------------------------------------------------


def cell_cost(count: int, n: int, value: float) -> float:
    """How far ``count / n`` is from a printed share; +1000 if it would not round to it.

    >>> cell_cost(20, 220, 0.09) < 1
    True
    >>> cell_cost(22, 220, 0.09) > 1000
    True
    """
    deviation = abs(count / n - value) if n else abs(value)
    return deviation + (1000.0 if deviation > ROUNDING + 1e-9 else 0.0)


def _candidates(value: float, n: int, spread: int = 2) -> range:
    centre = round(value * n)
    return range(max(0, centre - spread), min(n, centre + spread) + 1)


def share_count(value: float, n: int) -> int:
    """The count of ``n`` whose share is closest to a printed share.

    >>> share_count(0.43, 220)
    95
    """
    return min(_candidates(value, n), key=lambda k: (cell_cost(k, n, value), k))


def exclusive_counts(values: Sequence[float], n: int) -> list[int]:
    """Counts for mutually exclusive options that add up to ``n`` and match every share.

    >>> exclusive_counts([0.0, 0.0, 0.06, 0.23, 0.26, 0.39, 0.06], 31)
    [0, 0, 2, 7, 8, 12, 2]
    """
    best: dict[int, tuple[float, tuple[int, ...]]] = {0: (0.0, ())}
    for value in values:
        step: dict[int, tuple[float, tuple[int, ...]]] = {}
        for total, (cost, counts) in best.items():
            for k in _candidates(value, n, spread=3):
                if total + k > n:
                    continue
                entry = (cost + cell_cost(k, n, value), counts + (k,))
                if total + k not in step or entry < step[total + k]:
                    step[total + k] = entry
        best = step
    if n not in best:
        raise CalibrationError(f"no counts of {n} reproduce the shares {list(values)}")
    return list(best[n][1])


def _triple_cost(ks: Sequence[int], ns: Sequence[int], values: Sequence[float]) -> float:
    """Cost of per-period counts: the three period cells plus the "Total" cell."""
    cost = sum(cell_cost(k, n, v) for k, n, v in zip(ks, ns, values[:3], strict=True))
    return cost + cell_cost(sum(ks), sum(ns), values[3])


def period_counts(values: Sequence[float], ns: Sequence[int]) -> tuple[int, ...]:
    """Per-period counts matching the period shares and, summed, the "Total" share.

    ``values`` are the shares of periods 1-3 and the total; ``ns`` the period n.

    >>> period_counts([0.59, 0.44, 0.27, 0.43], [73, 73, 74])
    (43, 32, 20)
    """
    options = [_candidates(v, n) for v, n in zip(values[:3], ns, strict=True)]
    best = None
    for k1 in options[0]:
        for k2 in options[1]:
            for k3 in options[2]:
                ks = (k1, k2, k3)
                cost = _triple_cost(ks, ns, values)
                if best is None or (cost, ks) < best:
                    best = (cost, ks)
    return best[1]


def exclusive_period_counts(rows: Sequence[Sequence[float]],
                            ns: Sequence[int]) -> list[tuple[int, ...]]:
    """Per-period counts of exclusive options: every cell matched, each period adds up to n.

    ``rows`` holds, per option, the shares of periods 1-3 and the total.
    """
    best: dict[tuple[int, ...], tuple[float, tuple]] = {(0, 0, 0): (0.0, ())}
    for values in rows:
        triples = []
        for k1 in _candidates(values[0], ns[0], 3):
            for k2 in _candidates(values[1], ns[1], 3):
                for k3 in _candidates(values[2], ns[2], 3):
                    ks = (k1, k2, k3)
                    triples.append((_triple_cost(ks, ns, values), ks))
        cheapest = min(cost for cost, _ in triples)
        # Keep only the exact (or the least bad) triples: the search stays small.
        triples = [t for t in triples if t[0] < max(1000.0, cheapest + 1.0)]
        step: dict[tuple[int, ...], tuple[float, tuple]] = {}
        for sums, (cost, chosen) in best.items():
            for triple_cost, ks in triples:
                new = tuple(s + k for s, k in zip(sums, ks, strict=True))
                if any(s > n for s, n in zip(new, ns, strict=True)):
                    continue
                entry = (cost + triple_cost, chosen + (ks,))
                if new not in step or entry < step[new]:
                    step[new] = entry
        best = step
    if tuple(ns) not in best:
        raise CalibrationError(f"no per-period counts reproduce the rows {rows}")
    return list(best[tuple(ns)][1])


@dataclass(frozen=True)
class Targets:
    """The published values, keyed by (table, column, label), with helpers to read them."""

    cells: dict[tuple[str, str, str], tuple[float, int]]

    def value(self, table: str, column: str, label: str) -> float:
        return self.cells[(table, column, label)][0]

    def n(self, table: str, column: str = "Total") -> int:
        for (t, c, _), (_, n) in self.cells.items():
            if t == table and c == column:
                return n
        raise CalibrationError(f"the reference has no column {column!r} in table {table}")


PERIOD_COLUMNS = ("Periode 1", "Periode 2", "Periode 3", "Total")


def load_targets(path: Path | str = config.PUBLISHED_REFERENCE_PATH) -> Targets:
    """Read the published NIRAS values (``data/reference/niras_2012_tables.csv``)."""
    frame = pd.read_csv(path, dtype={"table": str, "column": str, "label": str})
    cells = {
        (row.table, row.column, row.label): (float(row.value), int(row.n))
        for row in frame.itertuples(index=False)
    }
    return Targets(cells)


def _option_labels(codebook: Codebook, question_id: str, table: str) -> dict[int, str]:
    question = codebook.question(question_id)
    return {option.code: option.label("da", table) for option in question.options}


def period_quotas(targets: Targets, codebook: Codebook, question_id: str, table: str,
                  ns: Sequence[int], exclusive: bool) -> dict[int, tuple[int, ...]]:
    """Per-period counts for every option of a by-period start question (7-15 to 7-19)."""
    labels = _option_labels(codebook, question_id, table)
    rows = {code: [targets.value(table, c, label) for c in PERIOD_COLUMNS]
            for code, label in labels.items()}
    if exclusive:
        return dict(zip(rows, exclusive_period_counts(list(rows.values()), ns), strict=True))
    return {code: period_counts(values, ns) for code, values in rows.items()}


def total_quotas(targets: Targets, codebook: Codebook, question_id: str, table: str,
                 exclusive: bool, n: int | None = None) -> dict[int, int]:
    """Counts for every option of a single-column table (n from the table unless given)."""
    labels = _option_labels(codebook, question_id, table)
    n = targets.n(table) if n is None else n
    values = [targets.value(table, "Total", label) for label in labels.values()]
    if exclusive:
        return dict(zip(labels, exclusive_counts(values, n), strict=True))
    return {code: share_count(value, n) for code, value in zip(labels, values, strict=True)}


DEVELOPMENT_LABELS = ("Stor negativ udvikling", "Mindre negativ udvikling", "Status quo",
                      "Mindre positiv udvikling", "Stor positiv udvikling")
DEVELOPMENT_TABLE = {"agreement": "7-22", "parents": "7-25", "coherence": "7-28"}


def development_quotas(targets: Targets, codebook: Codebook) -> dict[str, tuple[int, list[int]]]:
    """Per scale item: the development set's n and its counts per category (negative first)."""
    quotas = {}
    for question_id, table in DEVELOPMENT_TABLE.items():
        for item in codebook.question(question_id).items:
            n = targets.n(table, item.label_da)
            values = [targets.value(table, item.label_da, label) for label in DEVELOPMENT_LABELS]
            quotas[item.column] = (n, exclusive_counts(values, n))
    return quotas


# ---------------------------------------------------------------------------------------------
# Roster
# ---------------------------------------------------------------------------------------------


@dataclass
class Child:
    """One synthetic child and everything decided about it so far."""

    child_id: str
    municipality: str
    start_round: int
    empty_start: bool = False
    age: float | None = None
    rounds: list[int] = field(default_factory=list)
    dates: list[dt.date] = field(default_factory=list)

    @property
    def period(self) -> int:
        return PERIOD_OF_ROUND[self.start_round]

    @property
    def answered(self) -> bool:
        return not self.empty_start

    @property
    def waves(self) -> range:
        return range(1, len(self.rounds) + 1)

    @property
    def age_group(self) -> int | None:
        return None if self.age is None else int(math.floor(self.age))


def build_roster() -> list[Child]:
    """Every child with a start registration, numbered per municipality in order of start.

    >>> roster = build_roster()
    >>> len(roster), roster[0].child_id
    (226, 'FMI-0001')
    """
    children = []
    for municipality, per_round in START_ROUNDS.items():
        serial = 0
        for round_number, count in enumerate(per_round, start=1):
            for _ in range(count):
                serial += 1
                child_id = f"{ID_PREFIX[municipality]}-{serial:04d}"
                children.append(Child(child_id, municipality, round_number))
    return children


def _by_period(children: Iterable[Child]) -> dict[int, list[Child]]:
    groups: dict[int, list[Child]] = {1: [], 2: [], 3: []}
    for child in children:
        groups[child.period].append(child)
    return groups


def mark_missing_starts(children: list[Child], answered_n: Sequence[int], aged_n: Sequence[int],
                        seed: int) -> set[str]:
    """Leave the start questions of the surplus children empty; return who also has no age.

    ``answered_n`` (73/73/74) and ``aged_n`` (70/70/74) are the published period n: the other
    children of a period left every start question empty, and a few more gave no age.
    """
    without_age: set[str] = set()
    index = {c.child_id: c for c in children}
    for period, members in _by_period(children).items():
        surplus = len(members) - answered_n[period - 1]
        ids = [c.child_id for c in members]
        weight = lambda cid: EMPTY_PROPENSITY[index[cid].municipality]  # noqa: E731
        empty = pick(ids, surplus, seed, f"empty-start:{period}", weight)
        for cid in empty:
            index[cid].empty_start = True
        rest = [cid for cid in ids if cid not in empty]
        no_age = pick(rest, answered_n[period - 1] - aged_n[period - 1], seed,
                      f"no-age:{period}", weight)
        without_age.update(empty)
        without_age.update(no_age)
    return without_age


# ---------------------------------------------------------------------------------------------
# Ages
# ---------------------------------------------------------------------------------------------


def _fractions(us: Sequence[float], target_mean: float) -> list[float]:
    """Fractional years u**gamma with gamma chosen so that their mean is ``target_mean``."""
    low, high = 0.05, 20.0
    for _ in range(80):
        gamma = (low + high) / 2
        mean = sum(u**gamma for u in us) / len(us)
        # The mean of u**gamma falls as gamma grows.
        low, high = (gamma, high) if mean > target_mean else (low, gamma)
    return [min(u ** ((low + high) / 2), 0.99) for u in us]


def assign_ages(children: list[Child], without_age: set[str], means: Sequence[float],
                seed: int) -> None:
    """Give every child with a known age a decimal start age (years, two decimals).

    Whole years follow :data:`AGE_GROUPS_BY_PERIOD`; the fractional years are tuned per period
    so that the period's mean age is the published one.
    """
    for period, members in _by_period(children).items():
        known = [c for c in members if c.child_id not in without_age]
        groups = AGE_GROUPS_BY_PERIOD[period]
        if len(known) != sum(groups):
            raise CalibrationError(
                f"period {period}: {len(known)} children with an age, age groups give "
                f"{sum(groups)}"
            )
        order = ranked([c.child_id for c in known], seed, f"age-group:{period}")
        whole = [g for g, count in enumerate(groups) for _ in range(count)]
        index = {c.child_id: c for c in known}
        us = [uniform(seed, "age-fraction", cid) for cid in order]
        wanted = means[period - 1] - sum(whole) / len(whole)
        for cid, year, fraction in zip(order, whole, _fractions(us, wanted), strict=True):
            index[cid].age = round(year + fraction, 2)


def _age_on(child: Child, date: dt.date) -> float:
    return child.age + (date - child.dates[0]).days / 365.25


# ---------------------------------------------------------------------------------------------
# Schedule: registration rounds and dates
# ---------------------------------------------------------------------------------------------


def _available_rounds(child: Child) -> list[int]:
    """Rounds after the start in which the child can still be registered."""
    blocked = BLOCKED_ROUNDS.get(child.municipality, frozenset())
    rounds = [r for r in range(child.start_round + 1, len(ROUNDS) + 1) if r not in blocked]
    start_date = dt.date(*ROUNDS[child.start_round - 1], 15)
    if child.age is not None and child.start_round < 3:
        # Danish children start school in August of the year they turn 6.
        age_at_new_year = child.age + (dt.date(2011, 12, 31) - start_date).days / 365.25
        if age_at_new_year >= 6:
            rounds = [r for r in rounds if dt.date(*ROUNDS[r - 1], 1) < SCHOOL_START]
    return rounds


def _length_quota(starters: int, max_length: int) -> list[int]:
    """Number of a round's starters with 1, 2, ... registrations (largest remainder)."""
    shares = [SURVIVAL[w] - (SURVIVAL[w + 1] if w + 1 < max_length else 0.0)
              for w in range(max_length)]
    raw = [starters * s for s in shares]
    counts = [math.floor(x) for x in raw]
    by_remainder = sorted(range(max_length), key=lambda w: (-(raw[w] - counts[w]), w))
    for w in by_remainder[: starters - sum(counts)]:
        counts[w] += 1
    return counts


def assign_lengths(children: list[Child], seed: int) -> dict[str, int]:
    """How many registrations each child gets: quotas per start round, long courses first.

    The longest courses go to the children with the highest weighted order among those who can
    still be registered that often; children with an empty start get one registration.
    """
    lengths: dict[str, int] = {}
    for round_number in range(1, len(ROUNDS) + 1):
        starters = [c for c in children if c.start_round == round_number]
        if not starters:
            continue
        quota = _length_quota(len(starters), len(ROUNDS) + 1 - round_number)
        room = {c.child_id: 1 + len(_available_rounds(c)) for c in starters}
        municipality = {c.child_id: c.municipality for c in starters}
        for c in starters:
            if c.empty_start:
                lengths[c.child_id] = 1
                quota[0] -= 1
        open_ids = [c.child_id for c in starters if not c.empty_start]
        order = ranked(open_ids, seed, f"length:{round_number}",
                       lambda cid, where=municipality: LENGTH_PROPENSITY[where[cid]])
        for length in range(len(quota), 0, -1):
            fits = [cid for cid in order if cid not in lengths and room[cid] >= length]
            for cid in fits[: max(quota[length - 1], 0)]:
                lengths[cid] = length
            # Quota left unfilled (too little room) passes down to the next shorter length.
            if length > 1:
                quota[length - 2] += max(quota[length - 1], 0) - len(fits[: quota[length - 1]])
        for cid in order:
            lengths.setdefault(cid, 1)
    return lengths


def _weekdays(year: int, month: int) -> list[dt.date]:
    last = calendar.monthrange(year, month)[1]
    days = (dt.date(year, month, d) for d in range(1, last + 1))
    return [day for day in days if day.weekday() < 5]


def assign_schedule(children: list[Child], lengths: dict[str, int], seed: int) -> None:
    """Choose each child's rounds (with an occasional gap) and a weekday in each round month."""
    for child in children:
        available = _available_rounds(child)
        follow_ups = lengths[child.child_id] - 1
        chosen = available[:follow_ups]
        gap = uniform(seed, "gap", child.child_id) < SKIP_PROBABILITY
        if gap and 0 < follow_ups < len(available):
            skipped = int(uniform(seed, "gap-at", child.child_id) * follow_ups)
            chosen = available[:skipped] + available[skipped + 1: follow_ups + 1]
        child.rounds = [child.start_round, *chosen]
        child.dates = []
        for r in child.rounds:
            days = _weekdays(*ROUNDS[r - 1])
            child.dates.append(days[int(uniform(seed, "date", child.child_id, r) * len(days))])


# ---------------------------------------------------------------------------------------------
# Allocation: who gives which answer
# ---------------------------------------------------------------------------------------------

Key = tuple[str, int]
"""A registration: (child_id, wave)."""

Cells = dict[Key, dict[str, int]]
"""Registration -> export column -> code; an absent column is not answered."""


def _municipal(question: str, code: int) -> Callable[[Child], float]:
    weights = PROPENSITY.get((question, code), {})
    return lambda child: weights.get(child.municipality, 1.0)


def assign_single(ids: Sequence[str], counts: dict[int, int], seed: int, tag: str,
                  weight: Callable[[str, int], float],
                  eligible: Callable[[str, int], bool] | None = None) -> dict[str, int]:
    """Give each id one option so that option ``c`` goes to exactly ``counts[c]`` ids.

    Rare options are placed first, where they are likeliest to find eligible ids; the commonest
    option takes the ids left over.

    >>> answers = assign_single(["a", "b", "c"], {1: 2, 2: 1}, 2012, "demo", lambda i, c: 1.0)
    >>> sorted(answers.values())
    [1, 1, 2]
    """
    if sum(counts.values()) != len(ids):
        raise CalibrationError(f"{tag}: counts add up to {sum(counts.values())}, not {len(ids)}")
    order = sorted(counts, key=lambda code: (counts[code], code))
    left = list(ids)
    result: dict[str, int] = {}
    for code in order[:-1]:
        pool = [i for i in left if eligible is None or eligible(i, code)]
        for i in pick(pool, counts[code], seed, f"{tag}:{code}",
                      lambda i, code=code: weight(i, code)):
            result[i] = code
        left = [i for i in left if i not in result]
    result.update(dict.fromkeys(left, order[-1]))
    return result


def assign_multiple(ids: Sequence[str], counts: dict[int, int], seed: int, tag: str,
                    weight: Callable[[str, int], float], exclusive: Sequence[int] = (),
                    preset: dict[int, set[str]] | None = None) -> dict[str, set[int]]:
    """Tick options so that option ``c`` is ticked for exactly ``counts[c]`` ids.

    ``exclusive`` options (e.g. "Ved ikke") are ticked alone; ``preset`` holders are fixed in
    advance. Then every id ticks at least one option: an id left without one takes an option
    from an id that ticked two or more, so the counts stay exact.

    >>> ticks = assign_multiple(["a", "b", "c"], {1: 2, 2: 2}, 2012, "demo", lambda i, c: 1.0)
    >>> all(ticks.values()), sum(len(t) for t in ticks.values())
    (True, 4)
    """
    preset = preset or {}
    ticks: dict[str, set[int]] = {i: set() for i in ids}
    for code, holders in preset.items():
        for i in holders:
            ticks[i].add(code)
    locked: set[str] = set()
    for code in exclusive:
        pool = [i for i in ids if not ticks[i] and i not in locked]
        for i in pick(pool, counts[code], seed, f"{tag}:{code}",
                      lambda i, code=code: weight(i, code)):
            ticks[i].add(code)
            locked.add(i)
    free = [code for code in sorted(counts, key=lambda c: (counts[c], c))
            if code not in exclusive and code not in preset]
    open_ids = [i for i in ids if i not in locked]
    for code in free:
        for i in pick(open_ids, counts[code], seed, f"{tag}:{code}",
                      lambda i, code=code: weight(i, code)):
            ticks[i].add(code)
    for i in open_ids:
        if not ticks[i]:
            _take_from_donor(i, ticks, open_ids, list(reversed(free)), seed, tag)
    return ticks


def _take_from_donor(receiver: str, ticks: dict[str, set[int]], ids: Sequence[str],
                     codes: Sequence[int], seed: int, tag: str) -> None:
    """Move one of ``codes`` to ``receiver`` from an id that holds two or more of them."""
    for code in codes:
        donors = [d for d in ids if code in ticks[d] and len(ticks[d] & set(codes)) >= 2]
        if donors:
            donor = max(ranked(donors, seed, f"{tag}:donor:{receiver}"),
                        key=lambda d: len(ticks[d]))
            ticks[donor].discard(code)
            ticks[receiver].add(code)
            return
    raise CalibrationError(f"{tag}: no option left to give to an id without one")


def _set_multiple(cells: Cells, key: Key, question, ticked: Iterable[int]) -> None:
    ticked = set(ticked)
    row = cells.setdefault(key, {})
    for code in question.codes:
        row[option_column(question.id, code)] = int(code in ticked)


@dataclass
class Plan:
    """The roster and the decisions later steps build on."""

    seed: int
    codebook: Codebook
    targets: Targets
    children: list[Child]
    notifications: Notifications | None = None
    start: dict[str, dict] = field(default_factory=dict)

    @property
    def index(self) -> dict[str, Child]:
        return {c.child_id: c for c in self.children}

    @property
    def answered(self) -> list[Child]:
        return [c for c in self.children if c.answered]

    def keys(self, first_wave: int = 1) -> list[Key]:
        """Registrations of the answered children, from ``first_wave`` on."""
        return [(c.child_id, w) for c in self.answered for w in c.waves if w >= first_wave]


# ---------------------------------------------------------------------------------------------
# Notifications (Tables 7-9, 7-10 and the notification rows of 7-3/7-16 and 7-11)
# ---------------------------------------------------------------------------------------------


@dataclass
class Notifications:
    """Who had a notification to the social services, when and at what age.

    ``at_start``: made before the start (7-16 "Der er fortaget en underretning"); ``led_to``:
    the cooperation led to it (7-11 "Udarbejdelse af en underretning"), at the start or later.
    ``wave`` and ``age`` give the registration that reports it and the child's whole years then.
    """

    wave: dict[str, int]
    age: dict[str, int]
    at_start: set[str]
    led_to: set[str]


def _spread_ages(remaining: dict[int, int], sizes: Sequence[int]) -> dict[int, dict[int, int]]:
    """Share a multiset of ages over periods of given sizes, oldest ages to the fullest room.

    >>> _spread_ages({3: 1, 5: 2}, [2, 1])
    {1: {5: 1, 3: 1}, 2: {5: 1}}
    """
    used = [0] * len(sizes)
    result: dict[int, dict[int, int]] = {p: {} for p in range(1, len(sizes) + 1)}
    for age in sorted((a for a, k in remaining.items() for _ in range(k)), reverse=True):
        period = max(range(len(sizes)),
                     key=lambda p: ((sizes[p] - used[p]) / sizes[p] if sizes[p] else -1, -p))
        used[period] += 1
        result[period + 1][age] = result[period + 1].get(age, 0) + 1
    return result


def plan_notifications(plan: Plan, ns: Sequence[int]) -> Notifications:
    """Choose the children with a notification so that 7-9, 7-11 and 7-16 all hold.

    The 31 children of Table 7-9 are those whose start registration reports a notification
    already made (7-16, 29 children) and those whose cooperation led to one in a later
    registration (the remaining 2); the age at a notification is the child's age then, in whole
    years, so a notification reported at the start has the child's start age.
    """
    seed, targets, codebook, index = plan.seed, plan.targets, plan.codebook, plan.index
    age_quota = total_quotas(targets, codebook, "notification_age", "7-9", exclusive=True)
    by_period = period_quotas(targets, codebook, "measures_in_place", "7-16", ns, False)[5]
    led_to_n = total_quotas(targets, codebook, "collaboration_led_to", "7-11", False)[5]
    later_n = sum(age_quota.values()) - sum(by_period)
    if not 0 <= later_n <= led_to_n:
        raise CalibrationError(f"7-9 has n = {sum(age_quota.values())}, 7-16 gives "
                               f"{sum(by_period)} and 7-11 {led_to_n} notifications")
    weight = lambda cid: _municipal("measures_in_place", 5)(index[cid])  # noqa: E731
    aged = [c for c in plan.answered if c.age is not None]
    remaining = dict(age_quota)
    wave: dict[str, int] = {}
    age: dict[str, int] = {}
    for cid in ranked([c.child_id for c in aged if len(c.rounds) >= 2], seed,
                      "notification-later", weight):
        if len(wave) == later_n:
            break
        child = index[cid]
        w = 2 + int(uniform(seed, "notification-wave", cid) * (len(child.rounds) - 1))
        years = math.floor(_age_on(child, child.dates[w - 1]))
        if remaining.get(years, 0) > 0:
            wave[cid], age[cid] = w, years
            remaining[years] -= 1
    later = set(wave)
    at_start: set[str] = set()
    for period, ages in _spread_ages(remaining, list(by_period)).items():
        for years, count in sorted(ages.items()):
            pool = [c.child_id for c in aged
                    if c.period == period and c.age_group == years and c.child_id not in later]
            for cid in pick(pool, count, seed, f"notification-start:{period}:{years}", weight):
                at_start.add(cid)
                wave[cid], age[cid] = 1, years
    led_to = set(pick(sorted(at_start), led_to_n - later_n, seed, "notification-led-to", weight))
    return Notifications(wave=wave, age=age, at_start=at_start, led_to=led_to | later)


def notification_cells(plan: Plan) -> Cells:
    """Age at notification where one is reported; receipts for 7-10 ("Ja" if ever "Ja")."""
    seed, index, notes = plan.seed, plan.index, plan.notifications
    age_column = plan.codebook.question("notification_age").columns[0]
    receipt_column = plan.codebook.question("notification_receipt").columns[0]
    cells: Cells = {}
    for cid, w in notes.wave.items():
        cells.setdefault((cid, w), {})[age_column] = notes.age[cid]
    counts = total_quotas(plan.targets, plan.codebook, "notification_receipt", "7-10", True)
    weight = lambda cid: {"Kolding": 1.5}.get(index[cid].municipality, 1.0)  # noqa: E731
    answering = pick(sorted(notes.wave), counts[1] + counts[2], seed, "receipt", weight)
    yes = set(pick(answering, counts[1], seed, "receipt-yes", weight))
    for cid in answering:
        w = notes.wave[cid]
        later = [x for x in index[cid].waves if x > w]
        late = bool(later) and uniform(seed, "receipt-late", cid) < 0.35
        # A receipt that arrives after the quarter of the notification is first "Nej", then "Ja".
        cells.setdefault((cid, w), {})[receipt_column] = 1 if cid in yes and not late else 2
        if late:
            cells.setdefault((cid, later[0]), {})[receipt_column] = 1 if cid in yes else 2
    return cells


# ---------------------------------------------------------------------------------------------
# Start answers (Tables 7-1 to 7-7 and 7-14 to 7-19)
# ---------------------------------------------------------------------------------------------


def _start_single(plan: Plan, question_id: str, table: str, groups: dict[int, list[Child]],
                  eligible: Callable[[str, int], bool] | None = None) -> dict[str, int]:
    ns = [len(groups[p]) for p in (1, 2, 3)]
    quotas = period_quotas(plan.targets, plan.codebook, question_id, table, ns, exclusive=True)
    index = plan.index
    answers: dict[str, int] = {}
    for period, members in groups.items():
        counts = {code: ks[period - 1] for code, ks in quotas.items()}
        answers.update(assign_single(
            [c.child_id for c in members], counts, plan.seed, f"{question_id}:{period}",
            lambda cid, code: _municipal(question_id, code)(index[cid]), eligible))
    return answers


def _start_multiple(plan: Plan, question_id: str, table: str, groups: dict[int, list[Child]],
                    exclusive: Sequence[int], preset: set[str] | None = None,
                    preset_code: int | None = None) -> dict[str, set[int]]:
    ns = [len(groups[p]) for p in (1, 2, 3)]
    quotas = period_quotas(plan.targets, plan.codebook, question_id, table, ns, exclusive=False)
    index = plan.index
    answers: dict[str, set[int]] = {}
    for period, members in groups.items():
        counts = {code: ks[period - 1] for code, ks in quotas.items()}
        fixed = None
        if preset is not None:
            fixed = {preset_code: {c.child_id for c in members if c.child_id in preset}}
            if len(fixed[preset_code]) != counts[preset_code]:
                raise CalibrationError(f"{table}, period {period}: {len(fixed[preset_code])} "
                                       f"preset children, the table needs {counts[preset_code]}")
        answers.update(assign_multiple(
            [c.child_id for c in members], counts, plan.seed, f"{question_id}:{period}",
            lambda cid, code: _municipal(question_id, code)(index[cid]), exclusive, fixed))
    return answers


def start_answers(plan: Plan) -> Cells:
    """The start-only questions of every answered child, with per-period quotas.

    Keeps the answers coherent: "Efter underretning" only where a notification was made,
    "Forældre er endnu ikke inddraget" never where the parents took the initiative, "Ved ikke"
    and "Der er ikke iværksat nogen indsats" ticked alone.
    """
    groups = _by_period(plan.answered)
    notified = plan.notifications.at_start
    start = plan.start
    start["initiative"] = _start_single(plan, "initiative", "7-18", groups)

    def eligible_when(cid: str, code: int) -> bool:
        if code == 5:
            return cid in notified
        if code == 3:
            return start["initiative"][cid] != 4
        return True

    start["parents_involved_when"] = _start_single(plan, "parents_involved_when", "7-17",
                                                   groups, eligible_when)
    start["problem"] = _start_multiple(plan, "problem", "7-15", groups, (DONT_KNOW,))
    start["measures_in_place"] = _start_multiple(plan, "measures_in_place", "7-16", groups,
                                                 (DONT_KNOW, 4), notified, 5)
    start["spotted_how"] = _start_multiple(plan, "spotted_how", "7-19", groups, (DONT_KNOW,))
    start["info_exchange"], start["info_later_known"] = start_info_exchange(plan)

    codebook = plan.codebook
    cells: Cells = {}
    for child in plan.children:
        key = (child.child_id, 1)
        row = cells.setdefault(key, {})
        if child.age is not None:
            row[codebook.question("age").columns[0]] = child.age
        if not child.answered:
            continue
        for question_id in ("initiative", "parents_involved_when", "info_exchange"):
            row[codebook.question(question_id).columns[0]] = start[question_id][child.child_id]
        for question_id in ("problem", "measures_in_place", "spotted_how"):
            _set_multiple(cells, key, codebook.question(question_id),
                          start[question_id][child.child_id])
    return cells


def start_info_exchange(plan: Plan) -> tuple[dict[str, int], set[str]]:
    """Table 7-5 (information exchanged, § 49a) at the start; pooled quotas.

    Table 7-13 counts 212 children with a yes/no answer in some registration: the 198 who
    answered yes or no at the start plus 14 of the 22 "Ved ikke" children, who answer yes or no
    at their next registration (returned as the second value); the other 8 have a single
    registration.
    """
    seed, index = plan.seed, plan.index
    counts = total_quotas(plan.targets, plan.codebook, "info_exchange", "7-5", exclusive=True)
    known_n = plan.targets.n("7-13")
    later_known_n = known_n - counts[1] - counts[2]
    never_n = counts[DONT_KNOW] - later_known_n
    notified = plan.notifications.at_start

    def weight(code: int) -> Callable[[str], float]:
        return lambda cid: (_municipal("info_exchange", code)(index[cid])
                            * (2.0 if code == 1 and cid in notified else 1.0))

    ids = [c.child_id for c in plan.answered]
    result = dict.fromkeys(pick(ids, counts[1], seed, "info-exchange:1", weight(1)), 1)
    rest = [cid for cid in ids if cid not in result]
    several = [cid for cid in rest if len(index[cid].rounds) >= 2]
    single = [cid for cid in rest if len(index[cid].rounds) == 1]
    later_known = pick(several, later_known_n, seed, "info-exchange:99:later", weight(DONT_KNOW))
    never = pick(single, never_n, seed, "info-exchange:99:never", weight(DONT_KNOW))
    result.update(dict.fromkeys(later_known + never, DONT_KNOW))
    for cid in rest:
        result.setdefault(cid, 2)
    return result, set(later_known)


# ---------------------------------------------------------------------------------------------
# Course answers: every registration (Tables 7-8, 7-11, 7-12, 7-13)
# ---------------------------------------------------------------------------------------------

TICK_PROBABILITY = 0.5
"""Chance that a child's "at least once" option is ticked again in another registration."""

LATER_DONT_KNOW = 0.05
"""Share of follow-up registrations answering "Ved ikke" to the § 49a question."""


def ever_sets(ids: Sequence[str], counts: dict[int, int], seed: int, tag: str,
              weight: Callable[[str, int], float],
              eligible: Callable[[str], bool] | None = None) -> dict[int, set[str]]:
    """For each option, the children who tick it at least once (exactly ``counts`` of them)."""
    pool = [i for i in ids if eligible is None or eligible(i)]
    return {code: set(pick(pool, k, seed, f"{tag}:{code}", lambda i, code=code: weight(i, code)))
            for code, k in counts.items()}


def cover(sets: dict[int, set[str]], needing: Sequence[str], seed: int, tag: str) -> None:
    """Make every id in ``needing`` hold an option, moving one from an id that holds two."""
    codes = sorted(sets, key=lambda c: (-len(sets[c]), c))
    held = {i: {c for c in codes if i in sets[c]} for i in {*needing, *set().union(*sets.values())}}
    for receiver in needing:
        if held[receiver]:
            continue
        for code in codes:
            donors = sorted(d for d in sets[code] if len(held[d]) >= 2)
            if donors:
                donor = ranked(donors, seed, f"{tag}:cover:{receiver}")[0]
                sets[code].discard(donor)
                held[donor].discard(code)
                sets[code].add(receiver)
                held[receiver].add(code)
                break
        else:
            raise CalibrationError(f"{tag}: no option left for a child without one")


def spread(sets: dict[int, set[str]], waves_of: Callable[[str], list[int]], seed: int,
           tag: str) -> dict[Key, set[int]]:
    """Tick each child's options in some of its registrations, at least once each."""
    ticks: dict[Key, set[int]] = {}
    for code, holders in sorted(sets.items()):
        for cid in sorted(holders):
            waves = waves_of(cid)
            hit = [w for w in waves if uniform(seed, tag, code, cid, w) < TICK_PROBABILITY]
            if not hit:
                hit = [waves[int(uniform(seed, tag, "once", code, cid) * len(waves))]]
            for w in hit:
                ticks.setdefault((cid, w), set()).add(code)
    return ticks


def fill(ticks: dict[Key, set[int]], keys: Iterable[Key], sets: dict[int, set[str]]) -> None:
    """Give each registration with no tick the child's commonest option (counts unchanged)."""
    for key in keys:
        if ticks.get(key):
            continue
        own = [code for code in sets if key[0] in sets[code]]
        ticks[key] = {max(own, key=lambda code: (len(sets[code]), -code))}


def _ticks_to_cells(ticks: dict[Key, set[int]], keys: Iterable[Key], question) -> Cells:
    cells: Cells = {}
    for key in keys:
        _set_multiple(cells, key, question, ticks.get(key, set()))
    return cells


def _length_weight(child: Child) -> float:
    # A child followed for more quarters has more chances to have had a topic at least once.
    return 1.0 + 0.5 * (len(child.rounds) - 1)


def dialogue_topics(plan: Plan) -> Cells:
    """Table 7-8: what the dialogues were about, at least once per child (n = 220)."""
    question = plan.codebook.question("dialogue_topics")
    counts = total_quotas(plan.targets, plan.codebook, question.id, "7-8", exclusive=False)
    index, start, notes = plan.index, plan.start, plan.notifications

    def weight(cid: str, code: int) -> float:
        child = index[cid]
        w = _municipal(question.id, code)(child) * _length_weight(child)
        if code == 5 and cid in notes.wave:  # guidelines for notifications
            w *= 2.5
        if code == 4 and 3 in start["measures_in_place"][cid]:  # measures under the act
            w *= 2.5
        if code == 3 and 2 in start["measures_in_place"][cid]:  # special-needs measures
            w *= 2.0
        return w

    ids = [c.child_id for c in plan.answered]
    sets = ever_sets(ids, counts, plan.seed, question.id, weight)
    cover(sets, ids, plan.seed, question.id)
    ticks = spread(sets, lambda cid: list(index[cid].waves), plan.seed, question.id)
    keys = plan.keys()
    fill(ticks, keys, sets)
    return _ticks_to_cells(ticks, keys, question)


def collaboration_led_to(plan: Plan) -> Cells:
    """Table 7-11: what the cooperation led to, at least once per child (n = 220).

    "Udarbejdelse af en underretning" is ticked where the notification is reported;
    "Samarbejdet har ikke ført til konkrete tiltag" is ticked alone in its registrations
    (always the start, sometimes later), never for a child with a notification.
    """
    question = plan.codebook.question("collaboration_led_to")
    counts = total_quotas(plan.targets, plan.codebook, question.id, "7-11", exclusive=False)
    seed, index, start, notes = plan.seed, plan.index, plan.start, plan.notifications
    if counts[5] != len(notes.led_to):
        raise CalibrationError(f"7-11 needs {counts[5]} notifications, planned {len(notes.led_to)}")
    ticks: dict[Key, set[int]] = {(cid, notes.wave[cid]): {5} for cid in notes.led_to}

    def weight_none(cid: str) -> float:
        child = index[cid]
        w = _municipal(question.id, 4)(child)
        w *= 3.0 if 4 in start["measures_in_place"][cid] else 1.0
        return w * (2.0 if len(child.rounds) == 1 else 1.0)

    ids = [c.child_id for c in plan.answered]
    nothing = pick([cid for cid in ids if cid not in notes.wave], counts[4], seed,
                   f"{question.id}:4", weight_none)
    alone = {(cid, 1) for cid in nothing}
    alone |= {(cid, w) for cid in nothing for w in index[cid].waves
              if w > 1 and uniform(seed, question.id, "nothing-again", cid, w) < 0.2}
    for key in alone:
        ticks[key] = {4}

    def free_waves(cid: str) -> list[int]:
        return [w for w in index[cid].waves if (cid, w) not in alone]

    free_codes = {code: k for code, k in counts.items() if code not in (4, 5) and k > 0}
    sets = ever_sets(ids, free_codes, seed, question.id,
                     lambda cid, code: _municipal(question.id, code)(index[cid])
                     * _length_weight(index[cid]),
                     eligible=lambda cid: bool(free_waves(cid)))
    needing = [cid for cid in ids if any((cid, w) not in ticks for w in free_waves(cid))]
    cover(sets, needing, seed, question.id)
    for key, codes in spread(sets, free_waves, seed, question.id).items():
        ticks.setdefault(key, set()).update(codes)
    fill(ticks, [(cid, w) for cid in ids for w in free_waves(cid)], sets)
    return _ticks_to_cells(ticks, plan.keys(), question)


def parent_involvement_how(plan: Plan) -> Cells:
    """Table 7-12: how parents were involved, as shares of all answered registrations.

    "Forældre er ikke blevet inddraget" is ticked alone: at the start wherever the parents were
    "endnu ikke inddraget" (7-4), and in a few more registrations, mostly early ones.
    """
    question = plan.codebook.question("parent_involvement_how")
    seed, index, start = plan.seed, plan.index, plan.start
    keys = plan.keys()
    labels = _option_labels(plan.codebook, question.id, "7-12")
    counts = {code: share_count(plan.targets.value("7-12", "Total", label), len(keys))
              for code, label in labels.items()}
    when = start["parents_involved_when"]
    forced = [key for key in keys if key[1] == 1 and when[key[0]] == 3]
    involved_at_start = {2, 4, 5}  # "at the first concern", "after an effort", "after a notif."

    def weight_none(name: str) -> float:
        cid, wave = name.split("#")
        if when[cid] == 3 and wave == "2":
            return 4.0
        return 1.0 if wave == "1" else 0.3

    names = {f"{cid}#{w}": (cid, w) for cid, w in keys}
    pool = [name for name, (cid, w) in names.items()
            if (cid, w) not in forced and not (w == 1 and when[cid] in involved_at_start)]
    none = set(forced) | {names[n] for n in pick(pool, counts[6] - len(forced), seed,
                                                 f"{question.id}:6", weight_none)}
    rest = [name for name, key in names.items() if key not in none]
    other = {code: k for code, k in counts.items() if code != 6}
    ticks = assign_multiple(rest, other, seed, question.id,
                            lambda name, code: _municipal(question.id, code)(
                                index[names[name][0]]))
    by_key = {names[name]: codes for name, codes in ticks.items()}
    by_key.update({key: {6} for key in none})
    return _ticks_to_cells(by_key, keys, question)


def course_info_exchange(plan: Plan) -> Cells:
    """Follow-up answers to the § 49a question, calibrated to Table 7-13 (n = 212).

    Table 7-13 is the share of registrations with a yes/no answer that say "Ja"; the follow-ups
    get the "Ja" count that, with the start answers, reproduces it.
    """
    seed, index, start = plan.seed, plan.index, plan.start
    column = plan.codebook.question("info_exchange").columns[0]
    later = plan.keys(first_wave=2)
    forced_known = {(cid, 2) for cid in start["info_later_known"]}
    names = {f"{cid}#{w}": (cid, w) for cid, w in later}
    dont_know_n = math.floor(LATER_DONT_KNOW * len(later) + 0.5)
    dont_know = {names[n] for n in pick(
        [n for n, key in names.items() if key not in forced_known], dont_know_n, seed,
        "info-exchange-later:99", lambda n: _municipal("info_exchange", DONT_KNOW)(
            index[names[n][0]]))}
    start_codes = list(start["info_exchange"].values())
    yes_no = [n for n, key in names.items() if key not in dont_know]
    known = start_codes.count(1) + start_codes.count(2) + len(yes_no)
    yes_total = share_count(plan.targets.value("7-13", "Total", "Ja"), known)
    yes_later = yes_total - start_codes.count(1)
    if yes_later < 0:
        raise CalibrationError("7-13 needs fewer 'Ja' than 7-5 has at the start")

    def weight_yes(name: str) -> float:
        cid, wave = names[name]
        w = _municipal("info_exchange", 1)(index[cid])
        w *= 4.0 if start["info_exchange"][cid] == 1 else 1.0
        return w * (3.0 if plan.notifications.wave.get(cid) == wave else 1.0)

    yes = {names[n] for n in pick(yes_no, yes_later, seed, "info-exchange-later:1", weight_yes)}
    cells: Cells = {}
    for key in later:
        code = DONT_KNOW if key in dont_know else 1 if key in yes else 2
        cells[key] = {column: code}
    return cells


# ---------------------------------------------------------------------------------------------
# Scales (Tables 7-20 to 7-28)
# ---------------------------------------------------------------------------------------------


def development_index(change: int, small_max_steps: int) -> int:
    """Category of a change in favourable steps: 0 = large negative ... 4 = large positive.

    >>> [development_index(c, 3) for c in (-4, -1, 0, 3, 4)]
    [0, 1, 2, 3, 4]
    """
    if change == 0:
        return 2
    small = abs(change) <= small_max_steps
    if change < 0:
        return 1 if small else 0
    return 3 if small else 4


def _weighted_choice(options: Sequence[tuple[object, float]], u: float):
    total = sum(w for _, w in options)
    running = 0.0
    for value, w in options:
        running += w
        if u * total < running:
            return value
    return options[-1][0]


def start_and_latest(category: int, maximum: int, better: str, weights: dict[int, float],
                     u: float) -> tuple[int, int]:
    """A start and a latest score whose change falls in ``category``; small changes likelier.

    >>> start_and_latest(4, 4, "lower", {1: 1, 2: 1, 3: 1, 4: 1}, 0.5)[0] >= 3
    True
    """
    small = 1 if maximum == 4 else 3
    pairs = []
    for first in range(1, maximum + 1):
        for last in range(1, maximum + 1):
            change = first - last if better == "lower" else last - first
            if development_index(change, small) == category:
                pairs.append(((first, last), weights.get(first, 0.1) * 0.55 ** abs(change)))
    return _weighted_choice(pairs, u)


def _improved(score: int, maximum: int, better: str, u: float) -> int:
    """A follow-up score: the same as before or one step better (slow improvement)."""
    if u < 0.3:
        return max(1, score - 1) if better == "lower" else min(maximum, score + 1)
    return score


def _invalid(seed: int, *parts) -> int | None:
    return DONT_KNOW if uniform(seed, "invalid-kind", *parts) < 0.6 else None


def development_course(child: Child, category: int, maximum: int, better: str,
                       weights: dict[int, float], seed: int, tag: str) -> dict[int, int | None]:
    """Scores of a child in a development set: valid start, valid latest follow-up.

    Sometimes the last registration skips the item or says "ved ikke", so that the latest
    valid score is an earlier follow-up; scores in between move from start to latest.
    """
    cid, length = child.child_id, len(child.rounds)
    # Own tags: the set itself was drawn with uniform(seed, tag, cid), and reusing that number
    # would tie the scores to the selection.
    first, last = start_and_latest(category, maximum, better, weights,
                                   uniform(seed, tag, "pair", cid))
    latest_wave = length
    scores: dict[int, int | None] = {1: first}
    if length >= 3 and uniform(seed, tag, "skip-latest", cid) < SKIPPED_LATEST_PROBABILITY:
        latest_wave = length - 1
        scores[length] = _invalid(seed, tag, cid, length)
    scores[latest_wave] = last
    for w in range(2, latest_wave):
        u = uniform(seed, tag, "between", cid, w)
        if u < 0.12:
            scores[w] = _invalid(seed, tag, cid, w)
            continue
        step = first + (last - first) * (w - 1) / (latest_wave - 1)
        jitter = -1 if u > 0.94 else 1 if u > 0.88 else 0
        scores[w] = min(maximum, max(1, math.floor(step + 0.5) + jitter))
    return scores


def other_course(child: Child, eligible: bool, design: ItemDesign, maximum: int, better: str,
                 seed: int, tag: str) -> dict[int, int | None]:
    """Scores of a child outside the development set: it must not enter it.

    A child with follow-ups has an invalid start (ved ikke or skipped) or only invalid
    follow-ups; a child with one registration gives a valid start score as often as the item
    is usually answered.
    """
    cid = child.child_id
    u = uniform(seed, tag, "reason", cid)
    start_score = _weighted_choice(sorted(design.start.items()), uniform(seed, tag, "start", cid))
    if not eligible:
        valid = u < design.valid
        return {1: start_score if valid else _invalid(seed, tag, cid, 1)}
    scores: dict[int, int | None] = {}
    if u < 1 - design.valid * 0.6:
        scores[1] = _invalid(seed, tag, cid, 1)
        score = start_score
        for w in child.waves[1:]:
            if uniform(seed, tag, "later-valid", cid, w) < design.valid:
                score = _improved(score, maximum, better, uniform(seed, tag, "step", cid, w))
                scores[w] = score
            else:
                scores[w] = _invalid(seed, tag, cid, w)
    else:
        scores[1] = start_score
        for w in child.waves[1:]:
            scores[w] = _invalid(seed, tag, cid, w)
    return scores


def scale_cells(plan: Plan) -> Cells:
    """All scale items: development sets of exactly the published n and category counts.

    The development set of an item is drawn among the answered children with a follow-up; its
    children get start and latest scores whose change falls in their assigned category.
    """
    seed, index = plan.seed, plan.index
    quotas = development_quotas(plan.targets, plan.codebook)
    eligible = [c.child_id for c in plan.answered if len(c.rounds) >= 2]
    cells: Cells = {}
    for question in plan.codebook.questions:
        if not question.is_scale:
            continue
        maximum = question.scale_maximum
        for item in question.items:
            n, category_counts = quotas[item.column]
            design = SCALE_DESIGN[item.column]
            tag = f"scale:{item.column}"

            def weight(cid: str, design=design) -> float:
                child = index[cid]
                return design.municipal.get(child.municipality, 1.0) * (
                    1.0 + 0.15 * (len(child.rounds) - 2))

            members = pick(eligible, n, seed, tag, weight)
            categories = assign_single(
                members, dict(enumerate(category_counts)), seed, f"{tag}:category",
                lambda cid, cat: 1.0 + (0.2 * (len(index[cid].rounds) - 2) if cat >= 3 else 0))
            in_set = set(members)
            for child in plan.answered:
                cid = child.child_id
                if cid in in_set:
                    scores = development_course(child, categories[cid], maximum,
                                                question.better, design.start, seed, tag)
                else:
                    scores = other_course(child, cid in eligible, design, maximum,
                                          question.better, seed, tag)
                for w, score in scores.items():
                    if score is not None:
                        cells.setdefault((cid, w), {})[item.column] = score
    return cells


# ---------------------------------------------------------------------------------------------
# Assembly and output
# ---------------------------------------------------------------------------------------------


def _merge(target: Cells, part: Cells) -> None:
    for key, row in part.items():
        target.setdefault(key, {}).update(row)


def check_age_groups(targets: Targets, codebook: Codebook) -> None:
    """Check that :data:`AGE_GROUPS_BY_PERIOD` reproduces Tables 7-1 and 7-14's n."""
    labels = _option_labels(codebook, "age", "7-1")
    n = targets.n("7-1")
    for code, label in labels.items():
        count = sum(groups[code] for groups in AGE_GROUPS_BY_PERIOD.values())
        if cell_cost(count, n, targets.value("7-1", "Total", label)) >= 1000:
            raise CalibrationError(f"7-1 {label}: {count} of {n} does not round to the table")
    for period, groups in AGE_GROUPS_BY_PERIOD.items():
        if sum(groups) != targets.n("7-14", PERIOD_COLUMNS[period - 1]):
            raise CalibrationError(f"period {period}: age groups do not add up to 7-14's n")


def build_cells(seed: int, codebook: Codebook, targets: Targets) -> tuple[list[Child], Cells]:
    """Run every step and return the roster and every answered cell."""
    answered_n = [targets.n("7-15", column) for column in PERIOD_COLUMNS[:3]]
    aged_n = [targets.n("7-14", column) for column in PERIOD_COLUMNS[:3]]
    means = [targets.value("7-14", column, "Gennemsnitsalder") for column in PERIOD_COLUMNS[:3]]
    check_age_groups(targets, codebook)
    children = build_roster()
    without_age = mark_missing_starts(children, answered_n, aged_n, seed)
    assign_ages(children, without_age, means, seed)
    assign_schedule(children, assign_lengths(children, seed), seed)
    plan = Plan(seed, codebook, targets, children)
    plan.notifications = plan_notifications(plan, answered_n)
    cells: Cells = {}
    for step in (start_answers, notification_cells, dialogue_topics, collaboration_led_to,
                 parent_involvement_how, course_info_exchange, scale_cells):
        _merge(cells, step(plan))
    return children, cells


def generate_export(seed: int = DEFAULT_SEED, codebook: Codebook | None = None) -> pd.DataFrame:
    """Generate the calibrated synthetic monitoring export.

    Parameters
    ----------
    seed
        Fixes every pseudo-random choice (which child gives which answer); the quotas, and so
        the pooled published tables, are the same for every seed.
    codebook
        Defaults to the project's codebook.

    Returns
    -------
    pandas.DataFrame
        One row per registration, columns ``codebook.export_columns`` then ``synthetic`` (1 on
        every row); answers as nullable ``Int64``, ``age_years`` float, dates as datetimes;
        sorted by municipality, child and wave.

    Raises
    ------
    CalibrationError
        If the published targets cannot be met by the generator's design.

    Examples
    --------
    >>> export = generate_export()
    >>> export["child_id"].nunique(), int(export["synthetic"].min())
    (226, 1)
    """
    codebook = codebook or default_codebook()
    targets = load_targets()
    children, cells = build_cells(seed, codebook, targets)
    answer_columns = list(codebook.answer_columns)
    age_column = codebook.question("age").columns[0]
    rows = []
    for child in children:
        for wave, date in zip(child.waves, child.dates, strict=True):
            row = {"child_id": child.child_id, "municipality": child.municipality,
                   "wave": wave, "registration_date": pd.Timestamp(date)}
            row.update(cells.get((child.child_id, wave), {}))
            rows.append(row)
    frame = pd.DataFrame(rows).reindex(columns=[*codebook.export_columns, "synthetic"])
    frame["synthetic"] = 1
    integer_columns = [c for c in answer_columns if c != age_column]
    frame[integer_columns] = frame[integer_columns].astype("Int64")
    frame = frame.astype({"wave": "int64", "age_years": "float64", "synthetic": "int64",
                          "child_id": "object", "municipality": "object"})
    frame["registration_date"] = pd.to_datetime(frame["registration_date"])
    return frame.sort_values(["municipality", "child_id", "wave"]).reset_index(drop=True)


def _format_cell(value, column: str, age_column: str) -> str:
    if value is None or value is pd.NA or (isinstance(value, float) and math.isnan(value)):
        return ""
    if isinstance(value, pd.Timestamp):
        return value.strftime("%Y-%m-%d")
    if column == age_column:
        return f"{float(value):.2f}"
    if isinstance(value, str):
        return value
    return str(int(value))


def export_csv_text(frame: pd.DataFrame, codebook: Codebook | None = None) -> str:
    """The export as deterministic CSV text (see :func:`write_export`)."""
    codebook = codebook or default_codebook()
    age_column = codebook.question("age").columns[0]
    ordered = frame.sort_values(["municipality", "child_id", "wave"], kind="stable")
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(list(frame.columns))
    for record in ordered.itertuples(index=False, name=None):
        writer.writerow([_format_cell(value, column, age_column)
                         for value, column in zip(record, frame.columns, strict=True)])
    return buffer.getvalue()


def write_export(frame: pd.DataFrame, path: Path | str) -> Path:
    """Write an export as CSV that regenerates byte for byte.

    UTF-8, comma-separated, "." decimals, ISO dates, LF line endings, an empty cell for "not
    answered", integers without ".0", ages with two decimals, rows sorted by municipality,
    child and wave.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(export_csv_text(frame).encode("utf-8"))
    return path
