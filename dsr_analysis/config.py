"""Every path the package uses: the resources it reads and the project folder it writes to.

Two roots, because an installed package must not write into itself:

- the **resources** (``data/`` and ``notebooks/``) are read-only inputs that ship with the
  package. In a checkout they are the folders beside the package; in an installed wheel they are
  package data, ``dsr_analysis/data`` and ``dsr_analysis/notebooks`` (pyproject.toml maps the
  checkout's folders there, so the repository keeps one copy of each file);
- the **project** is where outputs go (``reports/``, ``build/``): the folder named by the
  environment variable ``DSR_PROJECT`` (``dsr --project DIR`` sets it), else the checkout, else
  the current folder.
"""

from __future__ import annotations

import os
from importlib.resources import files
from pathlib import Path

PACKAGE_DIR = Path(str(files("dsr_analysis")))
PROJECT_ENVIRONMENT_VARIABLE = "DSR_PROJECT"


def checkout_root(package_dir: Path = PACKAGE_DIR) -> Path | None:
    """The source checkout holding the package, or None when it runs installed."""
    root = package_dir.parent
    if (root / "pyproject.toml").is_file() and (root / "data").is_dir():
        return root
    return None


def resource_root(package_dir: Path = PACKAGE_DIR) -> Path:
    """Where ``data/`` and ``notebooks/`` are: the checkout, or the installed package itself."""
    return checkout_root(package_dir) or package_dir


def project_root(package_dir: Path = PACKAGE_DIR) -> Path:
    """Where outputs go: ``$DSR_PROJECT``, else the checkout, else the current folder."""
    named = os.environ.get(PROJECT_ENVIRONMENT_VARIABLE)
    if named:
        return Path(named).resolve()
    return checkout_root(package_dir) or Path.cwd().resolve()


RESOURCE_ROOT = resource_root()
PROJECT_ROOT = project_root()
DATA_DIR = RESOURCE_ROOT / "data"
REFERENCE_DIR = DATA_DIR / "reference"
CODEBOOK_PATH = DATA_DIR / "codebook.yml"
MUNICIPALITIES_PATH = DATA_DIR / "municipalities.yml"
PROGRAMME_THEORY_PATH = DATA_DIR / "programme_theory" / "dsr.yml"
REPORT_TEXT_PATH = DATA_DIR / "programme_theory" / "report_text.yml"
SYNTHETIC_EXPORT_PATH = DATA_DIR / "synthetic" / "monitoring_export.csv"
PUBLISHED_REFERENCE_PATH = REFERENCE_DIR / "niras_2012_tables.csv"
TABLES_SPEC_PATH = DATA_DIR / "tables.yml"
# Which theory goes with which units file (and design): dsr_analysis.report.sets reads it.
REPORT_SETS_PATH = DATA_DIR / "report_sets.yml"
# The second design: an implementation survey of VIVE's (2023) model (dsr_analysis.survey).
VIVE2023_DIR = DATA_DIR / "vive2023"
VIVE2023_CODEBOOK_PATH = VIVE2023_DIR / "codebook.yml"
VIVE2023_SURVEY_PATH = VIVE2023_DIR / "survey.csv"
VIVE2023_MUNICIPALITIES_PATH = VIVE2023_DIR / "municipalities.yml"
# The national synthetic export (dsr_analysis.national): its settings, which are also its
# units file; the export itself is made on demand under build/ and never committed.
NATIONAL_SETTINGS_PATH = DATA_DIR / "national" / "municipalities.yml"
NOTEBOOKS_DIR = RESOURCE_ROOT / "notebooks"
REPORTS_DIR = PROJECT_ROOT / "reports"
TABLES_OUTPUT_PATH = REPORTS_DIR / "tables.csv"
# `dsr data` writes here: the bundled export in a checkout, the project's own copy when
# installed (an installed package is never written to).
SYNTHETIC_EXPORT_OUTPUT_PATH = PROJECT_ROOT / "data" / "synthetic" / "monitoring_export.csv"
# Papermill writes its output notebook cell by cell while it runs, so executed notebooks
# live here, never under reports/.
BUILD_DIR = PROJECT_ROOT / "build"
NATIONAL_EXPORT_PATH = BUILD_DIR / "national" / "monitoring_export.csv"

DEFAULT_MIN_CELL = 5
