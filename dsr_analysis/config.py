"""Every path the package uses, relative to the project root."""

from __future__ import annotations

from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DATA_DIR = PROJECT_ROOT / "data"
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
NOTEBOOKS_DIR = PROJECT_ROOT / "notebooks"
REPORTS_DIR = PROJECT_ROOT / "reports"
TABLES_OUTPUT_PATH = REPORTS_DIR / "tables.csv"
# Papermill writes its output notebook cell by cell while it runs, so executed notebooks
# live here, never under reports/.
BUILD_DIR = PROJECT_ROOT / "build"
NATIONAL_EXPORT_PATH = BUILD_DIR / "national" / "monitoring_export.csv"

DEFAULT_MIN_CELL = 5
