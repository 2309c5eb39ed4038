"""The practice landscape: VIVE's 13 promising practices (``data/practices.yml``), as context.

The effort chapters and the index show the mapping's figures and the 13 practices, each with
its municipality and the kind of collaboration the source gives for it ("not stated" where it
gives none), and link a practice to the package's report set for it (Kolding's daycare social
worker to Kolding's DSR chapters). Names of practices and municipalities are proper names and
stay in Danish on the English pages, marked ``lang='da'``.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from dsr_analysis import config
from dsr_analysis.errors import ConfigurationError
from dsr_analysis.files import read_yaml
from dsr_analysis.programme_theory import ProgrammeTheory
from dsr_analysis.report.text import escape as e

PRACTICES_PATH = config.DATA_DIR / "practices.yml"


@lru_cache(maxsize=2)
def load_practices(path: Path = PRACTICES_PATH) -> dict:
    """The practices file as data (its ``summary``, ``kinds`` and ``practices``)."""
    raw = read_yaml(path, "practices file") or {}
    if not isinstance(raw.get("practices"), list) or not raw.get("kinds"):
        raise ConfigurationError(f"{Path(path).name}: expected 'kinds' and a 'practices' list")
    return raw


def set_href(entry: dict, folders: dict[str, str], root: str) -> str | None:
    """Where a practice's report set is, from a page ``root`` away from ``reports/``:
    the set's index at the unit's section (None when the package has no set for it).

    >>> set_href({"report_set": {"theory": "dsr", "unit": "kolding"}}, {"dsr": ""}, "../")
    '../index.html#unit-kolding'
    >>> set_href({"report_set": None}, {"dsr": ""}, "")
    """
    target = entry.get("report_set")
    if not target or target.get("theory") not in folders:
        return None
    folder = folders[target["theory"]]
    return f"{root}{folder + '/' if folder else ''}index.html#unit-{target['unit']}"


def practices_html(theory: ProgrammeTheory, lang: str, folders: dict[str, str], root: str,
                   path: Path = PRACTICES_PATH) -> str:
    """The landscape as a section: the mapping's figures, then one row per practice.

    ``folders`` maps a report set's id to its folder under ``reports/`` and ``root`` is the
    way from the page to ``reports/`` ("../" from a chapter of the DSR set).
    """
    raw = load_practices(path)
    kinds = raw["kinds"]

    def kind_text(entry: dict) -> str:
        if not entry.get("kinds"):
            return theory.word("practice_kind_unknown", lang)
        words = ", ".join(kinds[k][lang] for k in entry["kinds"])
        if entry.get("kind_from") == "name":
            return f"{words} ({theory.word('practice_kind_from_name', lang)})"
        return words

    rows = []
    for entry in raw["practices"]:
        name = f"<span lang='da'>{e(entry['name'])}</span>"
        href = set_href(entry, folders, root)
        if href:
            name += f" · <a href='{e(href)}'>{e(theory.word('practice_report_set', lang))}</a>"
        place = entry.get("municipality") or {}
        run_by = entry.get("run_by") or []
        organisations = ", ".join(run_by) if isinstance(run_by, list) else str(run_by)
        where = f"<span lang='da'>{e(place['name'] if place else organisations)}</span>"
        about = entry.get("description") or {}
        detail = f"<p class='practice-description'>{e(about[lang])}</p>" if about else ""
        rows.append(f"<tr data-practice='{e(entry['id'])}'><th scope='row'>{name}{detail}</th>"
                    f"<td>{where}</td><td>{e(kind_text(entry))}</td></tr>")
    return (
        f"<section class='practices' id='practices'>"
        f"<h2>{e(theory.word('practices_title', lang))}</h2>"
        f"<p>{e(raw['summary'][lang].strip())}</p>"
        f"<table class='cells practices'><thead><tr>"
        f"<th scope='col'>{e(theory.word('practice', lang))}</th>"
        f"<th scope='col'>{e(theory.word('practice_where', lang))}</th>"
        f"<th scope='col'>{e(theory.word('practice_kind', lang))}</th></tr></thead>"
        f"<tbody>{''.join(rows)}</tbody></table>"
        f"<p class='note'>{e(theory.word('practices_source', lang))}</p></section>"
    )
