"""The page "Sådan læses rapporten" / "How to read this report", one in every report set.

``reports/<unit>/method.html`` explains in plain words what the chapters' levels, indicators,
success criteria and assessments are, how the intervals are calculated, what n and the hidden
figures mean, why the monitoring cannot prove an effect, and what synthetic data are. Its words
come from ``data/programme_theory/method_page.yml`` (Danish and English side by side) and the
programme-theory file, never from a notebook; the page has the chapters' banner, navigation and
footer. Its sections carry fixed ids (:data:`ANCHORS`), so a chapter can link to one
paragraph: ``method.html#n``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import lru_cache
from pathlib import Path

from dsr_analysis import __version__, config
from dsr_analysis.errors import ConfigurationError
from dsr_analysis.files import atomic_write_text
from dsr_analysis.html import Link, Page, check_publishable, render_page
from dsr_analysis.programme_theory import STATUSES, ProgrammeTheory
from dsr_analysis.report.assessment_html import badge
from dsr_analysis.report.text import escape
from dsr_analysis.report.units import METHOD_PAGE, Unit, report_chapters, trial_chapter_href

METHOD_TEXT_PATH = config.DATA_DIR / "programme_theory" / "method_page.yml"
#: The section ids, in the order a reader meets them; chapters link to them as anchors.
ANCHORS = (
    "level",
    "indicator",
    "criterion",
    "assessment",
    "intervals",
    "n",
    "no-comparison-group",
    "hidden",
    "synthetic",
)
LANGUAGES = ("da", "en")
_PLACEHOLDER = re.compile(r"\{(\w+)\}")
_PLACEHOLDERS = {"min_cell", "min_n", "suppressed", "trial_link"}


# ------------------------------------------------------------------------------- the text --


@lru_cache(maxsize=4)
def load_method_text(path: Path | str = METHOD_TEXT_PATH) -> dict:
    """Read and check the page's text: every anchor once, every text in both languages.

    Raises
    ------
    ConfigurationError
        Listing every problem, each with the file and the place in it.

    Examples
    --------
    >>> [section["id"] for section in load_method_text()["sections"]] == list(ANCHORS)
    True
    """
    import yaml

    path = Path(path)
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    try:
        raw = yaml.load(path.read_text(encoding="utf-8"), Loader=loader)  # noqa: S506 - safe
    except OSError as error:
        raise ConfigurationError(f"cannot read {path.name}: {error.strerror}") from error
    except yaml.YAMLError as error:
        raise ConfigurationError(f"{path.name} is not valid YAML: {error}") from error
    if not isinstance(raw, dict):
        raise ConfigurationError(f"{path.name}: expected a mapping with title, intro, sections")
    problems: list[str] = []
    for key in ("title", "intro", "trial_link"):
        _check_text(raw.get(key), key, problems)
    sections = raw.get("sections") if isinstance(raw.get("sections"), list) else []
    ids = [str(s.get("id")) if isinstance(s, dict) else "?" for s in sections]
    if sorted(ids) != sorted(ANCHORS):
        problems.append(f"sections: expected the ids {', '.join(ANCHORS)} once each")
    for section, section_id in zip(sections, ids, strict=True):
        if isinstance(section, dict):
            _check_section(section, f"section {section_id!r}", problems)
    if problems:
        raise ConfigurationError(f"{path.name}: " + "; ".join(problems))
    return raw


def _check_section(section: dict, where: str, problems: list[str]) -> None:
    _check_text(section.get("heading"), f"{where}, heading", problems)
    for part in ("paragraphs", "after"):
        for i, text in enumerate(section.get(part) or []):
            _check_text(text, f"{where}, {part} {i + 1}", problems)
    statuses = section.get("statuses")
    if statuses is not None:
        if not isinstance(statuses, dict) or sorted(statuses) != sorted(STATUSES):
            problems.append(f"{where}, statuses: expected {', '.join(STATUSES)}")
        else:
            for status in STATUSES:
                _check_text(statuses[status], f"{where}, statuses.{status}", problems)
    for i, item in enumerate(section.get("items") or []):
        item = item if isinstance(item, dict) else {}
        _check_text(item.get("term"), f"{where}, item {i + 1} term", problems)
        _check_text(item.get("text"), f"{where}, item {i + 1} text", problems)


def _check_text(text: object, where: str, problems: list[str]) -> None:
    if not isinstance(text, dict) or any(
        not isinstance(text.get(lang), str) or not text[lang].strip() for lang in LANGUAGES
    ):
        problems.append(f"{where}: expected text in both da and en")
        return
    names = [set(_PLACEHOLDER.findall(text[lang])) for lang in LANGUAGES]
    if names[0] != names[1]:
        problems.append(f"{where}: da and en fill in different braces")
    unknown = sorted(names[0] - _PLACEHOLDERS)
    if unknown:
        problems.append(f"{where}: unknown brace {{{unknown[0]}}}")


# ------------------------------------------------------------------------------- the page --


def method_body(
    theory: ProgrammeTheory,
    unit: Unit,
    units: list[Unit],
    lang: str,
    min_cell: int,
    text: dict | None = None,
) -> str:
    """The page's content: heading, introduction and one ``<section id=…>`` per anchor.

    Examples
    --------
    >>> from dsr_analysis.programme_theory import load_programme_theory
    >>> from dsr_analysis.report.units import load_units
    >>> units = load_units()
    >>> body = method_body(load_programme_theory(), units[2], units, "en", 5)
    >>> body[:50]
    '<h1>How to read this report – Kolding</h1><p>This '
    >>> "<section id='n'>" in body and "fewer than 5 children" in body
    True
    """
    text = text or load_method_text()
    fill = _Filler(theory, units, lang, min_cell, text)
    name = unit.display_name(theory, lang)
    parts = [f"<h1>{escape(text['title'][lang])} – {escape(name)}</h1>", fill.p(text["intro"])]
    for section in text["sections"]:
        parts.append(f"<section id='{escape(section['id'])}'>")
        parts.append(f"<h2>{escape(section['heading'][lang])}</h2>")
        parts += [fill.p(p) for p in section.get("paragraphs") or []]
        if section.get("levels"):
            parts.append(_levels_html(theory, unit, lang))
        if section.get("statuses"):
            parts.append(_statuses_html(theory, section["statuses"], fill, lang))
        if section.get("items"):
            items = "".join(
                f"<dt><strong>{escape(item['term'][lang])}</strong></dt>"
                f"<dd>{fill(item['text'])}</dd>"
                for item in section["items"]
            )
            parts.append(f"<dl class='methods'>{items}</dl>")
        parts += [fill.p(p) for p in section.get("after") or []]
        parts.append("</section>")
    return "".join(parts)


class _Filler:
    """Escapes a text of the page and fills in its braces (the trial link is HTML)."""

    def __init__(self, theory, units, lang, min_cell, text):
        self.lang = lang
        min_n = max(
            (i.criterion.min_n for level in theory.levels for i in level.indicators), default=0
        )
        words = escape(text["trial_link"][lang])
        href = trial_chapter_href(theory, units)
        self.values = {
            "min_cell": escape(min_cell),
            "min_n": escape(min_n),
            "suppressed": escape(theory.word("suppressed", lang)),
            "trial_link": f"<a href='{escape(href)}'>{words}</a>" if href else words,
        }

    def __call__(self, text: dict) -> str:
        # Escaping leaves braces alone, so the escaped text is filled in afterwards.
        return _PLACEHOLDER.sub(lambda m: self.values[m.group(1)], escape(text[self.lang]))

    def p(self, text: dict) -> str:
        return f"<p>{self(text)}</p>"


def _levels_html(theory: ProgrammeTheory, unit: Unit, lang: str) -> str:
    own = {spec.level.id: spec.page for spec in report_chapters(unit, theory)}
    items = []
    for level in theory.levels:
        title = escape(level.title.get(lang))
        page = own.get(level.id)
        link = f"<a href='{escape(page)}.html'>{title}</a>" if page else title
        items.append(f"<li>{link}</li>")
    return f"<ol class='levels'>{''.join(items)}</ol>"


def _statuses_html(theory: ProgrammeTheory, texts: dict, fill: _Filler, lang: str) -> str:
    rows = "".join(
        f"<dt data-status='{status}'>{badge(status, theory, lang)}</dt>"
        f"<dd>{fill(texts[status])}</dd>"
        for status in STATUSES
    )
    return f"<dl class='statuses'>{rows}</dl>"


# ------------------------------------------------------------------------------ the files --


def write_method_pages(
    theory: ProgrammeTheory,
    units: list[Unit],
    tasks: Iterable,
    reports_dir: Path,
    text_path: Path | str = METHOD_TEXT_PATH,
) -> list[Path]:
    """Write ``method.html`` into the folder of every unit that has a task in this build.

    The page takes its language, minimum cell size, banner, navigation and commit from the
    unit's chapter tasks (:class:`~dsr_analysis.runner.model.Task`), so it matches the
    chapters around it; a page whose text is unchanged is left alone.
    """
    by_unit: dict[str, list] = {}
    for task in tasks:
        by_unit.setdefault(task.unit, []).append(task)
    known = {unit.id: unit for unit in units}
    text = load_method_text(text_path) if by_unit else None
    written = []
    for unit_id, own in by_unit.items():
        first = own[0]
        lang, min_cell = first.parameters["lang"], int(first.parameters["min_cell"])
        unit = known[first.parameters["municipality"]]
        page = _page(theory, unit, own, lang, min_cell)
        html = render_page(method_body(theory, unit, units, lang, min_cell, text), page)
        check_publishable(html)
        path = Path(reports_dir) / unit_id / METHOD_PAGE
        if not path.exists() or path.read_text(encoding="utf-8") != html:
            atomic_write_text(path, html)
        written.append(path)
    return written


def _page(theory: ProgrammeTheory, unit: Unit, tasks: list, lang: str, min_cell: int) -> Page:
    context = tasks[0].page
    title = theory.word("method_title", lang)

    def link(d: dict) -> Link:
        return Link(d["href"], d["text"], d["href"] == METHOD_PAGE)

    # The plan's page context already lists this page last (runner.plan._page_context).
    return Page(
        title=f"{title} – {unit.display_name(theory, lang)}",
        lang=lang,
        index=Link(context["index"]["href"], context["index"]["text"]),
        chapters=tuple(link(c) for c in context["chapters"]),
        # The unit's chapters may rest on different data (Copenhagen: monitoring and trial).
        banner=next((t.page["banner"] for t in tasks if t.page["banner"]), ""),
        warning=context.get("warning", ""),
        footer=(
            (theory.word("min_cell", lang), str(min_cell)),
            (theory.word("version", lang), __version__),
            (theory.word("commit", lang), context["commit"]),
        ),
    )
