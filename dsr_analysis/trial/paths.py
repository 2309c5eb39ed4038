"""Where the trial's files live, derived from the project's one ``config``."""

from __future__ import annotations

import hashlib
from pathlib import Path

import yaml

from dsr_analysis import config

TRIAL_DIR = config.DATA_DIR / "trial"
CODEBOOK_PATH = TRIAL_DIR / "codebook.yml"
PUBLISHED_PATH = TRIAL_DIR / "published.yml"
SYNTHETIC_SPEC_PATH = TRIAL_DIR / "synthetic.yml"
ECONOMY_PATH = TRIAL_DIR / "economy.yml"
TABLES_PATH = TRIAL_DIR / "tables.yml"
INSTITUTIONS_FILE = "institutions.csv"
CHILDREN_FILE = "children.csv"


def read_yaml(path: Path | str) -> dict:
    """Return a YAML file of the trial's data as plain Python objects (libyaml when present).

    Examples
    --------
    >>> read_yaml(CODEBOOK_PATH)["trial"]["months"]
    24
    """
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    return yaml.load(Path(path).read_text(encoding="utf-8"), Loader=loader)  # noqa: S506


def extract_hash(data_dir: Path | str) -> str:
    """SHA-256 of what the trial's cells are made of: the extract in ``data_dir`` and the
    trial's data files (layout, labels, economy, published figures, codebook, chapter text).

    A missing file counts as missing, so the hash of a folder without an extract is stable.
    The runner calls this by its dotted name (``dsr_analysis.trial.paths:extract_hash``) to key
    the cached trial cells and the chapter's page.

    Examples
    --------
    >>> len(extract_hash(TRIAL_DIR)), extract_hash(TRIAL_DIR) == extract_hash(str(TRIAL_DIR))
    (64, True)
    """
    data_dir = Path(data_dir)
    digest = hashlib.sha256()
    extract = [
        data_dir / name if suffix == "" else (data_dir / name).with_suffix(suffix)
        for name in (INSTITUTIONS_FILE, CHILDREN_FILE)
        for suffix in ("", ".xlsx")
    ]
    for path in extract + sorted(TRIAL_DIR.glob("*.yml")):
        digest.update(path.name.encode())
        digest.update(path.read_bytes() if path.is_file() else b"<missing>")
    return digest.hexdigest()
