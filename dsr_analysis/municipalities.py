"""The municipalities of the project (``data/municipalities.yml``) and which of them monitored."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import yaml

from dsr_analysis import config
from dsr_analysis.errors import ConfigurationError
from dsr_analysis.files import read_yaml

REQUIRED_KEYS = ("id", "name", "monitored")


def load_municipalities(path: Path | str = config.MUNICIPALITIES_PATH) -> list[dict]:
    """Read the municipalities file: one dict per municipality, in the file's order.

    Raises
    ------
    ConfigurationError
        If the file has no ``municipalities`` list, an entry lacks ``id``, ``name`` or
        ``monitored``, ``monitored`` is not true/false, or an id or name occurs twice.

    Examples
    --------
    >>> entries = load_municipalities()
    >>> sum(e["monitored"] for e in entries) == len(monitored_names())
    True
    """
    path = Path(path)
    # The C loader when present: every report build, even one with nothing to do, reads this.
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    raw = yaml.load(path.read_text(encoding="utf-8"), Loader=loader) or {}  # noqa: S506 - safe
    entries = raw.get("municipalities") if isinstance(raw, dict) else None
    if not isinstance(entries, list) or not entries:
        raise ConfigurationError(f"{path}: expected a non-empty list under 'municipalities'")
    for number, entry in enumerate(entries, start=1):
        missing = [key for key in REQUIRED_KEYS if not isinstance(entry, dict) or key not in entry]
        if missing:
            raise ConfigurationError(f"{path}: entry {number} lacks {', '.join(missing)}")
        if not isinstance(entry["monitored"], bool):
            raise ConfigurationError(f"{path}: entry {number}: 'monitored' must be true or false")
    for key in ("id", "name"):
        values = [entry[key] for entry in entries]
        twice = sorted({str(v) for v in values if values.count(v) > 1})
        if twice:
            raise ConfigurationError(f"{path}: {key} given twice: {', '.join(twice)}")
    return entries


@lru_cache(maxsize=8)
def _names_by_monitoring(path: Path) -> tuple[tuple[str, ...], tuple[str, ...]]:
    entries = load_municipalities(path)
    monitored = sorted(str(e["name"]) for e in entries if e["monitored"])
    unmonitored = sorted(str(e["name"]) for e in entries if not e["monitored"])
    return tuple(monitored), tuple(unmonitored)


def monitored_names(path: Path | str | None = None) -> tuple[str, ...]:
    """The Danish names of the municipalities that monitored children, sorted (``path``: a
    units file; by default ``config.MUNICIPALITIES_PATH``).

    Examples
    --------
    >>> names = monitored_names()
    >>> names == tuple(sorted(e["name"] for e in load_municipalities() if e["monitored"]))
    True
    """
    return _names_by_monitoring(Path(path or config.MUNICIPALITIES_PATH))[0]


def unmonitored_names(path: Path | str | None = None) -> tuple[str, ...]:
    """The municipalities in the file that did not monitor (their rows cannot be in an export).

    Examples
    --------
    >>> "Mariagerfjord" in unmonitored_names()
    True
    """
    return _names_by_monitoring(Path(path or config.MUNICIPALITIES_PATH))[1]


def pooled_count(path: Path | str = config.MUNICIPALITIES_PATH) -> int:
    """How many municipalities the pooled unit ("Alle") pools: the monitored entries outside
    a trial (a trial, Copenhagen's, is never pooled with the project).

    Examples
    --------
    >>> pooled_count() == len([e for e in load_municipalities()
    ...                        if e["monitored"] and not e.get("trial")])
    True
    """
    return sum(1 for e in load_municipalities(path) if e["monitored"] and not e.get("trial"))


def paired_units_path(theory_path: Path | str) -> Path | None:
    """The units file ``data/report_sets.yml`` pairs with a programme theory (None if no
    report set names it).

    Examples
    --------
    >>> paired_units_path(config.PROGRAMME_THEORY_PATH) == config.MUNICIPALITIES_PATH
    True
    """
    if not config.REPORT_SETS_PATH.is_file():
        return None
    raw = read_yaml(config.REPORT_SETS_PATH, "report sets file") or {}
    base, wanted = config.REPORT_SETS_PATH.parent, Path(theory_path).resolve()
    for entry in raw.get("report_sets") or [] if isinstance(raw, dict) else []:
        if isinstance(entry, dict) and "theory" in entry and "units" in entry:
            if (base / str(entry["theory"])).resolve() == wanted:
                return base / str(entry["units"])
    return None
