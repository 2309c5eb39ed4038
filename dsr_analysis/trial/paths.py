"""Where the trial's files live, derived from the project's one ``config``."""

from __future__ import annotations

from dsr_analysis import config

TRIAL_DIR = config.DATA_DIR / "trial"
CODEBOOK_PATH = TRIAL_DIR / "codebook.yml"
PUBLISHED_PATH = TRIAL_DIR / "published.yml"
SYNTHETIC_SPEC_PATH = TRIAL_DIR / "synthetic.yml"
ECONOMY_PATH = TRIAL_DIR / "economy.yml"
TABLES_PATH = TRIAL_DIR / "tables.yml"
INSTITUTIONS_FILE = "institutions.csv"
CHILDREN_FILE = "children.csv"
