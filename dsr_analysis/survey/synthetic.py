"""A synthetic implementation survey (SYNTHETIC DATA, not answers of real people).

The bundled ``data/vive2023/survey.csv`` is made here: three municipalities with schools and
daycare institutions of unequal size, staff who answer in one or both rounds, a few
social-professional workers who each serve two to four institutions, and answers drawn from a
latent agreement per person:

``latent = municipality level (item, round) + institution effect + person noise``

cut at fixed thresholds into the options of the item's scale. The institution effect makes
answers within one institution alike, as in a real survey, so the tables' clustered intervals
have something to correct. The municipal stories (Horsens improving, Næstved flat, Viborg's
social workers holding authority and trust rated lower) are the levels in :data:`LEVELS`;
``data/vive2023/municipalities.yml`` describes the set-up and ``data/vive2023/README.md`` how
the file was made.

Determinism: one :class:`random.Random` stream with a fixed seed, using only ``random()`` and
``gauss()``, whose sequences Python keeps the same across versions and machines; the CSV is
written by hand (LF, UTF-8, fixed column order), so a rerun gives the same bytes.
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass
from pathlib import Path

from dsr_analysis import config
from dsr_analysis.files import atomic_write_text
from dsr_analysis.municipalities import load_municipalities
from dsr_analysis.survey.codebook import (
    SYNTHETIC_COLUMN,
    Item,
    SurveyCodebook,
    default_survey_codebook,
)

SEED = 2023
DAYCARE, SCHOOL = 1, 2
PEDAGOGUE, TEACHER, MANAGER, SOCIAL_WORKER = 1, 2, 3, 4
#: Sizes (staff per institution) and response rates: schools are larger than daycares.
SIZES = {SCHOOL: (14, 25), DAYCARE: (8, 25)}
RESPONSE = {1: 0.93, 2: 0.90}
TURNOVER = 0.10  # staff replaced between the rounds (new respondents in round 2)
INSTITUTION_SD, PERSON_SD = 0.4, 0.9
DONT_KNOW, BLANK = 0.04, 0.02
#: Thresholds of the latent scale: five agreement options, four ordered categories.
AGREEMENT_CUTS = (-1.5, -0.5, 0.5, 1.5)
ORDERED_CUTS = (-1.0, 0.0, 1.0)
#: Each item's own level, whatever the municipality (the leadership frame is least known).
ITEM_OFFSET = {"F3": -0.4, "K1": 0.4, "K3": -0.2, "R2": -0.3}
#: Items about trust in and relations with the social worker (lower where they hold authority).
TRUST_ITEMS = ("K1", "K3", "K4A", "K4B", "K4C", "K4D")
SOCIAL_WORKER_SHIFT = 0.4  # the social workers see their own work more favourably
#: Per municipality: the base level of each round, the trust penalty, and P(B2 = Ja).
LEVELS = {
    "Horsens": {"round": {1: -0.1, 2: 0.8}, "trust": 0.0, "authority": 0.08},
    "Viborg": {"round": {1: 0.3, 2: 0.35}, "trust": -0.7, "authority": 0.85},
    "Næstved": {"round": {1: 0.6, 2: 0.6}, "trust": 0.0, "authority": 0.06},
}
#: P(F2 = Ja, fixed meetings) per municipality and round: Horsens introduces them.
MEETINGS = {"Horsens": {1: 0.35, 2: 0.85}, "Viborg": {1: 0.55, 2: 0.55},
            "Næstved": {1: 0.75, 2: 0.75}}


@dataclass(frozen=True)
class Person:
    """One respondent: where they work, their role, and the rounds they may answer in."""

    respondent_id: str
    municipality: str
    institution_id: str
    institution_type: int
    role: int
    rounds: tuple[int, ...]
    effect: float  # the institution's effect, shared by its staff


def _between(rng: random.Random, low: int, high: int) -> int:
    return low + int(rng.random() * (high - low + 1))


def _staff_roles(rng: random.Random, kind: int, size: int) -> list[int]:
    # A daycare has pedagogues and a manager; a school teachers, a few pedagogues, 1-2 managers.
    managers = 1 if kind == DAYCARE or size < 18 else 2
    rest = size - managers
    if kind == DAYCARE:
        return [MANAGER] * managers + [PEDAGOGUE] * rest
    pedagogues = int(rest * (0.15 + 0.15 * rng.random()))
    return [MANAGER] * managers + [TEACHER] * (rest - pedagogues) + [PEDAGOGUE] * pedagogues


def _rounds(rng: random.Random) -> tuple[int, ...]:
    return tuple(r for r in (1, 2) if rng.random() < RESPONSE[r])


def people(rng: random.Random, entries: list[dict]) -> list[Person]:
    """Everyone who may answer, municipality by municipality, institution by institution."""
    everyone: list[Person] = []
    serial = 0
    for entry in entries:
        name, setup = str(entry["name"]), entry["synthetic_setup"]
        prefix = str(entry["id"])[:3].upper()
        institutions = [(f"{prefix}-S{i:02d}", SCHOOL) for i in range(1, setup["schools"] + 1)]
        institutions += [(f"{prefix}-D{i:02d}", DAYCARE) for i in range(1, setup["daycares"] + 1)]
        effects = {}
        for institution, kind in institutions:
            effects[institution] = rng.gauss(0.0, INSTITUTION_SD)
            for role in _staff_roles(rng, kind, _between(rng, *SIZES[kind])):
                serial += 1
                answered = _rounds(rng)
                if len(answered) == 2 and rng.random() < TURNOVER:
                    # Replaced after round 1: the successor answers round 2 under a new id.
                    everyone.append(Person(f"R{serial:05d}", name, institution, kind, role, (1,),
                                           effects[institution]))
                    serial += 1
                    answered = (2,)
                everyone.append(Person(f"R{serial:05d}", name, institution, kind, role, answered,
                                       effects[institution]))
        # Each social worker is based at one of the two to four institutions they serve.
        step = len(institutions) / setup["social_workers"]
        for worker in range(setup["social_workers"]):
            institution, kind = institutions[int(worker * step)]
            serial += 1
            everyone.append(Person(f"R{serial:05d}", name, institution, kind, SOCIAL_WORKER,
                                   (1, 2), effects[institution]))
    return everyone


def _cut(latent: float, cuts: tuple[float, ...]) -> int:
    return sum(latent > cut for cut in cuts)


def answer(rng: random.Random, item: Item, person: Person, survey_round: int) -> str:
    """One person's answer to one item in one round, as the file holds it ("" = blank)."""
    chance = rng.random()
    if chance < BLANK:
        return ""
    if chance < BLANK + DONT_KNOW:
        return "9"
    level = LEVELS[person.municipality]
    if item.id == "B2":
        return "1" if rng.random() < level["authority"] else "0"
    if item.id == "F2":
        return "1" if rng.random() < MEETINGS[person.municipality][survey_round] else "0"
    latent = level["round"][survey_round] + ITEM_OFFSET.get(item.id, 0.0) + person.effect
    latent += level["trust"] if item.id in TRUST_ITEMS else 0.0
    latent += SOCIAL_WORKER_SHIFT if person.role == SOCIAL_WORKER else 0.0
    latent += rng.gauss(0.0, PERSON_SD)
    if item.scale.mean:
        return str(1 + _cut(latent, AGREEMENT_CUTS))
    category = _cut(latent, ORDERED_CUTS)  # 0 = worst ... 3 = best
    # K2 counts parent talks (0 = never); K4C codes the fastest contact as 1.
    return str(category if item.id == "K2" else 4 - category)


def _date(rng: random.Random, start: dt.date, end: dt.date) -> str:
    days = (end - start).days
    return (start + dt.timedelta(days=int(rng.random() * (days + 1)))).isoformat()


def synthetic_rows(seed: int = SEED, codebook: SurveyCodebook | None = None) -> list[list[str]]:
    """The synthetic survey as rows of texts, header first, sorted as the reader sorts.

    >>> rows = synthetic_rows()
    >>> rows[0][:3], rows[1][:2], 1500 <= len(rows) - 1 <= 2500
    (['respondent_id', 'municipality', 'institution_id'], ['R00001', 'Horsens'], True)
    """
    codebook = codebook or default_survey_codebook()
    rng = random.Random(seed)
    entries = load_municipalities(config.VIVE2023_MUNICIPALITIES_PATH)
    rows = []
    for person in people(rng, entries):
        for survey_round in person.rounds:
            window = codebook.round(survey_round)
            rows.append([
                person.respondent_id, person.municipality, person.institution_id,
                str(person.institution_type), str(person.role), str(survey_round),
                _date(rng, window.start, window.end),
                *(answer(rng, item, person, survey_round) for item in codebook.items),
                "1",
            ])
    rows.sort(key=lambda row: (row[1], row[0], row[5]))
    return [[*codebook.columns, SYNTHETIC_COLUMN], *rows]


def write_synthetic_survey(path: Path | str = config.VIVE2023_SURVEY_PATH,
                           seed: int = SEED) -> Path:
    """Write the synthetic survey CSV atomically; the same seed gives the same bytes."""
    text = "".join(",".join(row) + "\n" for row in synthetic_rows(seed))
    return atomic_write_text(path, text)
