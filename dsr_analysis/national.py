"""The national synthetic export: 98 municipalities resampled from the bundled one (SYNTHETIC).

Each municipality of ``data/national/municipalities.yml`` gets its ``children`` courses, each a
whole child course (every wave of one child) of the bundled calibrated export
(``data/synthetic/monitoring_export.csv``), drawn from the bundled municipalities its
``profiles`` name, in proportion to their weights. Only the child id and the municipality
change, so every row keeps the bundled export's validity: course rules, dates in the monitoring
window, no CPR-like cell, ``synthetic`` = 1.

Chance comes from SplitMix64 over (seed, municipality code, child number), computed with
numpy's wrapping uint64 arithmetic: no random-number stream and no ``hash()``, so the bytes
do not depend on the numpy version or on ``PYTHONHASHSEED``.

The export is cached: beside it a small JSON file records what it was made from (the generator
version and the SHA-256 of the settings file and of the bundled export, the seed and any
``children`` override) and the export's own SHA-256. A request with the same inputs reuses the
file when its bytes still have that hash; anything else regenerates it.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from dsr_analysis import config
from dsr_analysis.errors import ConfigurationError
from dsr_analysis.files import atomic_write_bytes, atomic_write_text
from dsr_analysis.national_settings import (
    MunicipalitySetting,
    NationalSettings,
    load_national_settings,
    scaled,
)

#: Bump when the generator would write other bytes for the same inputs (it voids every cache).
GENERATOR_VERSION = "1"
MASK = (1 << 64) - 1


def splitmix64(values: np.ndarray) -> np.ndarray:
    """SplitMix64's output function on each uint64 (wrapping arithmetic, as the C original).

    Examples
    --------
    >>> int(splitmix64(np.array([0], dtype=np.uint64))[0])
    16294208416658607535
    """
    z = values.astype(np.uint64) + np.uint64(0x9E3779B97F4A7C15)
    z = (z ^ (z >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
    z = (z ^ (z >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
    return z ^ (z >> np.uint64(31))


def draws(seed: int, code: int, stream: int, n: int) -> np.ndarray:
    """``n`` pseudo-random uint64 for one municipality and purpose (``stream``)."""
    key = np.array([(seed * 1_000_003 + code * 7 + stream) & MASK], dtype=np.uint64)
    start = splitmix64(key)[0]
    return splitmix64(start + np.arange(n, dtype=np.uint64))


@dataclass(frozen=True)
class Courses:
    """The bundled export as whole child courses: the header, and per bundled municipality
    its courses in file order, each a tuple of row texts without child id and municipality,
    with its start date (ISO text, so it sorts)."""

    header: str
    by_municipality: dict[str, list[tuple[tuple[str, ...], str]]]


def bundled_courses(path: Path | str = config.SYNTHETIC_EXPORT_PATH) -> Courses:
    """Read the bundled export (written by :mod:`dsr_analysis.synthetic`) as courses.

    Examples
    --------
    >>> courses = bundled_courses()
    >>> {name: len(c) for name, c in courses.by_municipality.items()}
    {'Faaborg-Midtfyn': 23, 'Frederikshavn': 62, 'Kolding': 68, 'Odense': 73}
    """
    header, *lines = Path(path).read_text(encoding="utf-8").splitlines()
    columns = header.split(",")
    if columns[:2] != ["child_id", "municipality"] or "registration_date" not in columns:
        raise ConfigurationError(f"{Path(path).name}: expected the bundled export's columns")
    date = columns.index("registration_date") - 2
    grouped: dict[str, dict[str, list[str]]] = {}
    for line in lines:
        child, municipality, rest = line.split(",", 2)
        grouped.setdefault(municipality, {}).setdefault(child, []).append(rest)
    by_municipality = {
        name: [(tuple(rows), rows[0].split(",")[date]) for rows in children.values()]
        for name, children in grouped.items()
    }
    return Courses(header, by_municipality)


def municipality_lines(
    setting: MunicipalitySetting, courses: Courses, seed: int
) -> list[str]:
    """The CSV lines of one municipality: its children's courses, ids in order of start.

    Raises
    ------
    ConfigurationError
        If a profile names a municipality the bundled export does not hold.
    """
    unknown = [name for name, _ in setting.profiles if name not in courses.by_municipality]
    if unknown:
        known = ", ".join(courses.by_municipality)
        raise ConfigurationError(
            f"{setting.name}: profile {unknown[0]!r} is not in the bundled export; "
            f"expected one of {known}"
        )
    pools = [courses.by_municipality[name] for name, _ in setting.profiles]
    bounds = np.cumsum([weight for _, weight in setting.profiles]).astype(np.uint64)
    n = setting.children
    which = np.searchsorted(bounds, draws(seed, setting.code, 0, n) % bounds[-1], side="right")
    sizes = np.array([len(pool) for pool in pools], dtype=np.uint64)[which]
    pick = draws(seed, setting.code, 1, n) % sizes
    chosen = [pools[w][p] for w, p in zip(which.tolist(), pick.tolist(), strict=True)]
    # Ids numbered in order of start (ties in draw order), as the bundled export numbers them.
    order = sorted(range(n), key=lambda i: (chosen[i][1], i))
    width = max(5, len(str(n)))
    lines = []
    for number, i in enumerate(order, start=1):
        # "N" + code + "-" + serial: never six digits in a row, so never CPR-like.
        prefix = f"N{setting.code}-{number:0{width}d},{setting.name},"
        lines += [prefix + row for row in chosen[i][0]]
    return lines


def national_export_text(settings: NationalSettings, courses: Courses) -> str:
    """The whole export as CSV text: the bundled header, then each municipality's rows in the
    settings file's order; LF line ends, UTF-8 when encoded."""
    lines = [courses.header]
    for setting in settings.municipalities:
        lines += municipality_lines(setting, courses, settings.seed)
    return "\n".join(lines) + "\n"


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def stamp_path(out: Path) -> Path:
    """Where the cache record of an export lives: beside it, ``<name>.inputs.json``."""
    return out.with_name(out.name + ".inputs.json")


def cache_inputs(
    settings_path: Path, source_path: Path, seed: int | None, children: int | None
) -> dict:
    """What an export is made from, as its cache record names it."""
    return {
        "generator_version": GENERATOR_VERSION,
        "settings_sha256": _sha256(settings_path),
        "source_sha256": _sha256(source_path),
        "seed": seed,
        "children": children,
    }


def is_up_to_date(out: Path, inputs: dict) -> bool:
    """Whether ``out`` exists, was made from ``inputs`` and still has the bytes it was written
    with (an edited or truncated export is made again)."""
    stamp = stamp_path(out)
    if not out.is_file() or not stamp.is_file():
        return False
    try:
        recorded = json.loads(stamp.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    return recorded.get("inputs") == inputs and recorded.get("export_sha256") == _sha256(out)


def write_national_export(
    out: Path | str = config.NATIONAL_EXPORT_PATH,
    settings_path: Path | str = config.NATIONAL_SETTINGS_PATH,
    children: int | None = None,
    seed: int | None = None,
    force: bool = False,
    source_path: Path | str = config.SYNTHETIC_EXPORT_PATH,
) -> tuple[Path, bool]:
    """Write the national export to ``out`` unless an up-to-date copy is there already.

    Parameters
    ----------
    children
        Generate this many children in all instead of the file's sizes (shared in
        proportion to them, at least one per municipality), e.g. for tests.
    seed
        Overrides the settings file's seed.
    force
        Regenerate even when the cached export is up to date.

    Returns
    -------
    (path, written)
        ``written`` is False when the cached export was reused.
    """
    out, settings_path, source_path = Path(out), Path(settings_path), Path(source_path)
    for path, what in ((settings_path, "national settings file"), (source_path, "bundled export")):
        if not path.is_file():
            raise ConfigurationError(f"{path}: the {what} does not exist")
    inputs = cache_inputs(settings_path, source_path, seed, children)
    if not force and is_up_to_date(out, inputs):
        return out, False
    settings = load_national_settings(settings_path)
    if children is not None:
        settings = scaled(settings, children)
    if seed is not None:
        settings = NationalSettings(seed, settings.municipalities)
    data = national_export_text(settings, bundled_courses(source_path)).encode("utf-8")
    atomic_write_bytes(out, data)
    record = {"inputs": inputs, "export_sha256": hashlib.sha256(data).hexdigest()}
    atomic_write_text(stamp_path(out), json.dumps(record, indent=2, sort_keys=True) + "\n")
    return out, True
