"""The municipalities of the project (``data/municipalities.yml``) and which of them monitored."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import yaml

from dsr_analysis import config
from dsr_analysis.errors import ConfigurationError

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
    >>> [m["name"] for m in load_municipalities() if m["monitored"]][:2]
    ['Faaborg-Midtfyn', 'Frederikshavn']
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


@lru_cache(maxsize=1)
def _names_by_monitoring() -> tuple[tuple[str, ...], tuple[str, ...]]:
    entries = load_municipalities(config.MUNICIPALITIES_PATH)
    monitored = sorted(str(e["name"]) for e in entries if e["monitored"])
    unmonitored = sorted(str(e["name"]) for e in entries if not e["monitored"])
    return tuple(monitored), tuple(unmonitored)


def monitored_names() -> tuple[str, ...]:
    """The Danish names of the municipalities that monitored children, sorted.

    Examples
    --------
    >>> monitored_names()
    ('Faaborg-Midtfyn', 'Frederikshavn', 'Kolding', 'Odense')
    """
    return _names_by_monitoring()[0]


def unmonitored_names() -> tuple[str, ...]:
    """The municipalities in the file that did not monitor (their rows cannot be in an export).

    Examples
    --------
    >>> "Mariagerfjord" in unmonitored_names()
    True
    """
    return _names_by_monitoring()[1]
