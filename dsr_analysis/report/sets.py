"""Report sets: one per programme theory, each with its units, its design and its folder.

``data/report_sets.yml`` lists them. The report side and the runner know a design only by the
two functions a set names there (``module:function``): one turns the design's data into
published cells, the other says how its tables relate for the attacker's audit. They are
looked up when a build needs them, so no module of the report side imports a design.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from dsr_analysis import config
from dsr_analysis.errors import ConfigurationError
from dsr_analysis.files import read_yaml
from dsr_analysis.programme_theory import Text

REPORT_SETS_PATH = config.REPORT_SETS_PATH


@dataclass(frozen=True)
class ReportSet:
    """One report set: a theory's chapters for each of its units, in ``reports/<folder>``."""

    id: str
    # What the index's list of sets says of it, per language.
    title: Text
    summary: Text
    theory_path: Path
    units_path: Path
    # Below reports/ ("" for reports/ itself, where the DSR set has always been).
    folder: str
    method_text_path: Path
    # The design's bundled data, and its two functions as module:function names.
    data_path: Path
    cells: str
    specs: str

    def text(self, field: str, lang: str) -> str:
        return getattr(self, field).get(lang)


def load_report_sets(path: Path | str = REPORT_SETS_PATH) -> list[ReportSet]:
    """The report sets in file order; paths are relative to the file's folder.

    Examples
    --------
    >>> [(s.id, s.folder) for s in load_report_sets()]
    [('dsr', ''), ('vive2023', 'vive2023')]
    """
    path = Path(path)
    raw = read_yaml(path, "report sets file") or {}
    base = path.parent
    sets = []
    for position, entry in enumerate(raw.get("report_sets") or []):
        try:
            sets.append(ReportSet(
                id=str(entry["id"]),
                title=_texts(entry["title"]),
                summary=_texts(entry["summary"]),
                theory_path=base / entry["theory"],
                units_path=base / entry["units"],
                folder=str(entry.get("folder") or ""),
                method_text_path=base / entry["method_text"],
                data_path=base / entry["data"],
                cells=str(entry["cells"]),
                specs=str(entry["specs"]),
            ))
        except (KeyError, TypeError) as error:
            raise ConfigurationError(
                f"{path.name}: report set {position + 1} lacks {error}"
            ) from error
    folders = [s.folder for s in sets]
    if len(set(folders)) != len(folders) or len({s.id for s in sets}) != len(sets):
        raise ConfigurationError(f"{path.name}: every report set needs its own id and folder")
    return sets


def way_to_reports(folder: str, below: int = 0) -> str:
    """The relative way from a page to ``reports/``: the page lies ``below`` folders under
    its set's ``folder`` (0 for the set's index, 1 for a unit's chapter).

    >>> way_to_reports(""), way_to_reports("", 1), way_to_reports("vive2023", 1)
    ('', '../', '../../')
    """
    return "../" * (len(Path(folder).parts) + below)


def set_index_href(report_set: ReportSet) -> str:
    """A set's index, relative to ``reports/``.

    >>> set_index_href(load_report_sets()[1])
    'vive2023/index.html'
    """
    return f"{report_set.folder}/index.html" if report_set.folder else "index.html"


def report_set(set_id: str, path: Path | str = REPORT_SETS_PATH) -> ReportSet:
    """The report set called ``set_id``."""
    sets = load_report_sets(path)
    for found in sets:
        if found.id == set_id:
            return found
    known = ", ".join(s.id for s in sets)
    raise ConfigurationError(f"no report set {set_id!r}; known: {known}")


def _texts(value: object) -> Text:
    if not isinstance(value, dict) or not all(value.get(lang) for lang in ("da", "en")):
        raise TypeError("'da' and 'en' texts")
    return Text(str(value["da"]).strip(), str(value["en"]).strip())


def design_function(name: str) -> Callable:
    """The function a report set names (``module:function``), imported when called for."""
    module, _, function = name.partition(":")
    try:
        return getattr(importlib.import_module(module), function)
    except (ImportError, AttributeError) as error:
        raise ConfigurationError(f"report set names {name!r}, which cannot be found") from error
