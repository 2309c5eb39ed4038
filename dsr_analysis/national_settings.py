"""The national synthetic export's settings (``data/national/municipalities.yml``), checked.

The file lists the 98 municipalities with the generator's settings for each: how many children
to generate and which municipalities of the bundled calibrated export to resample whole child
courses from, with weights. It is also the units file of the export it describes
(``dsr tables --units``), so each entry carries ``id``, ``name`` and ``monitored`` too.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from dsr_analysis import config
from dsr_analysis.errors import ConfigurationError
from dsr_analysis.files import read_yaml
from dsr_analysis.municipalities import load_municipalities


@dataclass(frozen=True)
class MunicipalitySetting:
    """What the generator makes for one municipality: ``children`` courses, each resampled
    from the bundled municipality ``profiles`` names, chosen in proportion to its weight."""

    name: str
    code: int
    children: int
    profiles: tuple[tuple[str, int], ...]


@dataclass(frozen=True)
class NationalSettings:
    """The whole settings file: the seed and one setting per municipality, in file order."""

    seed: int
    municipalities: tuple[MunicipalitySetting, ...]

    @property
    def children(self) -> int:
        """The number of children the settings ask for in all."""
        return sum(m.children for m in self.municipalities)


def _whole(value: object, minimum: int) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value >= minimum


def _profiles(value: object, where: str) -> tuple[tuple[str, int], ...]:
    if not isinstance(value, dict) or not value:
        raise ConfigurationError(
            f"{where}: 'profiles' must map bundled municipalities to whole-number weights, "
            "e.g. {Odense: 3, Kolding: 1}"
        )
    for name, weight in value.items():
        if not _whole(weight, 1):
            raise ConfigurationError(
                f"{where}: profile {name!r} has weight {weight!r}; expected a whole number >= 1"
            )
    return tuple((str(name), int(weight)) for name, weight in value.items())


def load_national_settings(
    path: Path | str = config.NATIONAL_SETTINGS_PATH,
) -> NationalSettings:
    """Read and check the national settings file.

    Raises
    ------
    ConfigurationError
        Naming the file, the entry (number and name), the key and what was expected.

    Examples
    --------
    >>> settings = load_national_settings()
    >>> len(settings.municipalities), settings.children
    (98, 300000)
    >>> settings.municipalities[0].name, settings.municipalities[0].code
    ('København', 101)
    """
    path = Path(path)
    # The units file's own checks first: id, name and monitored, none twice.
    entries = load_municipalities(path)
    raw = read_yaml(path, "national settings file")
    seed = raw.get("seed", 2012)
    if not _whole(seed, 0):
        raise ConfigurationError(f"{path.name}: 'seed' must be a whole number >= 0, not {seed!r}")
    settings = []
    for number, entry in enumerate(entries, start=1):
        where = f"{path.name}: entry {number} ({entry['name']})"
        for key, minimum in (("code", 1), ("children", 1)):
            if not _whole(entry.get(key), minimum):
                raise ConfigurationError(
                    f"{where}: {key!r} must be a whole number >= {minimum}, "
                    f"not {entry.get(key)!r}"
                )
        if entry["monitored"] is not True:
            raise ConfigurationError(f"{where}: 'monitored' must be true in a national export")
        settings.append(MunicipalitySetting(
            str(entry["name"]), int(entry["code"]), int(entry["children"]),
            _profiles(entry.get("profiles"), where),
        ))
    codes = [s.code for s in settings]
    twice = sorted({c for c in codes if codes.count(c) > 1})
    if twice:
        raise ConfigurationError(f"{path.name}: code given twice: {', '.join(map(str, twice))}")
    total = raw.get("total_children")
    if total is not None and total != sum(s.children for s in settings):
        raise ConfigurationError(
            f"{path.name}: 'total_children' is {total!r} but the entries' children add up to "
            f"{sum(s.children for s in settings)}"
        )
    return NationalSettings(int(seed), tuple(settings))


def scaled(settings: NationalSettings, children: int) -> NationalSettings:
    """The settings with exactly ``children`` children in all: one for every municipality,
    the rest shared in proportion to the file's sizes by largest remainder.

    Raises
    ------
    ConfigurationError
        If ``children`` is smaller than the number of municipalities.

    Examples
    --------
    >>> small = scaled(load_national_settings(), 1000)
    >>> small.children, min(m.children for m in small.municipalities)
    (1000, 1)
    """
    sizes = [m.children for m in settings.municipalities]
    if children < len(sizes):
        raise ConfigurationError(
            f"the number of children must be at least {len(sizes)} (one per municipality), "
            f"not {children}"
        )
    whole, rest = sum(sizes), children - len(sizes)
    shares = [1 + size * rest // whole for size in sizes]
    remainders = [size * rest % whole for size in sizes]
    # Ties go to the earlier entry, so the result depends on the file alone.
    order = sorted(range(len(sizes)), key=lambda i: (-remainders[i], i))
    for i in order[: children - sum(shares)]:
        shares[i] += 1
    return NationalSettings(settings.seed, tuple(
        MunicipalitySetting(m.name, m.code, n, m.profiles)
        for m, n in zip(settings.municipalities, shares, strict=True)
    ))
