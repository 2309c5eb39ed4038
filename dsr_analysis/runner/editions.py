"""Editions of a report set side by side: where a build's pages and build files go.

The Danish, disclosure-controlled build of the bundled data is the set's edition in
``reports/``; a build in another language, with another minimum cell size or on other data is
another edition and goes to its own folder beside it (``reports/en-min-cell-1/``), unless
``dsr reports --out DIR`` names one. Each edition keeps its own executed notebooks, caches and
no-op stamp under ``build/``, so building one never makes another out of date.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Edition:
    """Where one edition's pages go: ``out`` if given, else ``folder`` under the reports
    folder ("" = the reports folder itself); its build files go in ``folder`` under build/."""

    out: Path | None = None
    folder: str = ""

    def roots(self, reports_dir: Path, build_dir: Path) -> tuple[Path, Path]:
        """The folders this edition's pages and build files go in."""
        if self.out is not None:
            digest = hashlib.sha256(str(Path(self.out).resolve()).encode()).hexdigest()[:16]
            return Path(self.out), build_dir / "out" / digest
        return reports_dir / self.folder, build_dir / self.folder


def edition_folder(lang: str, min_cell: int, data_path: Path | None = None) -> str:
    """The sub-folder name of a build's edition: "" for the default (Danish, the default
    minimum cell size, the bundled data), else its differences joined by "-".

    A tables file (``--cells``) is not an edition of its own: it is a release someone made
    and placed, with its minimum cell size and synthetic flag inside it (an unsuppressed one
    gets the not-for-publication banner all the same); ``--out`` places its pages.

    Examples
    --------
    >>> edition_folder("da", 5)
    ''
    >>> edition_folder("en", 1)
    'en-min-cell-1'
    >>> edition_folder("da", 5, Path("/data/Kolding export 2026.csv"))
    'data-kolding-export-2026'
    """
    from dsr_analysis import config

    parts = [lang] if lang != "da" else []
    if min_cell != config.DEFAULT_MIN_CELL:
        parts.append(f"min-cell-{min_cell}")
    if data_path is not None:
        slug = re.sub(r"[^a-z0-9æøå]+", "-", Path(data_path).stem.lower()).strip("-")
        parts.append(f"data-{slug or 'file'}")
    return "-".join(parts)
