"""Where the trial's files live, derived from the project's one ``config``."""

from __future__ import annotations

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
