"""One PDF per report set, printed by headless Chromium, for readers who pass reports on.

A unit's chapters are joined into one print-only HTML document (a cover with the contents,
then each chapter from a new page) and printed once; the stylesheet's print rules
(``dsr_analysis.html``) give A4 pages, a page per indicator, the synthetic banner in the top
margin and page numbers. Links between chapters become links inside the PDF and every other
link is unwrapped, so the PDF points at no file on the machine that printed it.

Chromium stamps the time of printing into the PDF's /CreationDate and /ModDate; both entries
are blanked out (overwritten with spaces, which keeps every byte offset valid), so the same
pages printed by the same Chromium give byte-identical PDFs. The /Creator entry names the
Chromium version, and another version may lay text out differently.
"""

from __future__ import annotations

import html
import re
import shutil
import subprocess
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING

from dsr_analysis.errors import BuildError
from dsr_analysis.files import atomic_write_bytes
from dsr_analysis.html import Page, check_publishable, render_page
from dsr_analysis.programme_theory import ProgrammeTheory, load_programme_theory
from dsr_analysis.report.index import legend_html, unit_overview_of
from dsr_analysis.report.text import escape as e
from dsr_analysis.report.units import Unit, load_units, report_chapters

if TYPE_CHECKING:
    from dsr_analysis.runner.model import Summary

#: Where ``dsr reports --pdf`` writes, below the reports folder: ``pdf/<unit>.pdf``.
PDF_DIR = "pdf"
CHROMIUM_NAMES = ("chromium", "chromium-browser", "google-chrome")
#: Chromium without anything that reaches out: no updates, sync, first-run pages or crash reports.
CHROMIUM_FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-breakpad",
    "--no-first-run",
    "--no-pdf-header-footer",
)
PRINT_TIMEOUT = 180

_MAIN = re.compile(r"<main class='wrap'>(.*)</main>", re.S)
_PAGER = re.compile(r"<nav class='pager'.*?</nav>", re.S)
_FOOTER = re.compile(r"<footer class='site'><div class='wrap'>(.*?)</div></footer>", re.S)
_BANNER = re.compile(r"<div class='banner' role='note'><div class='wrap'>(.*?)</div></div>", re.S)
_WARNING = re.compile(
    r"<div class='banner warning' role='alert'><div class='wrap'>(.*?)</div></div>", re.S)
_LINK = re.compile(r"<a\b([^>]*?)\shref=(['\"])(.*?)\2([^>]*)>(.*?)</a>", re.S)
_FILE_LINK = re.compile(rb"/URI\s*\(file:")
_DATES = re.compile(rb"/(?:CreationDate|ModDate) \(D:[0-9+\-Z']*\)")


def find_chromium() -> str:
    """The path of a headless-capable Chromium; raise BuildError naming the fix if none."""
    for name in CHROMIUM_NAMES:
        found = shutil.which(name)
        if found:
            return found
    raise BuildError(
        "--pdf needs Chromium to print the reports, and none was found on PATH "
        f"(looked for {', '.join(CHROMIUM_NAMES)}); install it (Debian: apt-get install "
        "chromium) or build without --pdf"
    )


def chapter_parts(page_html: str) -> tuple[str, str, str]:
    """A built chapter page's content (without pager), footer facts and banner text."""
    main = _MAIN.search(page_html)
    if main is None:
        raise BuildError("not a report page: it has no <main class='wrap'>")
    footer = _FOOTER.search(page_html)
    banner = _BANNER.search(page_html)
    return (
        _PAGER.sub("", main.group(1)),
        footer.group(1) if footer else "",
        banner.group(1) if banner else "",
    )


def page_warning(page_html: str) -> str:
    """A built page's not-for-publication warning (escaped as on the page), or ""."""
    found = _WARNING.search(page_html)
    return found.group(1) if found else ""


def local_links(content: str, anchors: dict[str, str]) -> str:
    """``content`` with links to chapters pointed at their anchors and all others unwrapped.

    Examples
    --------
    >>> local_links("<a class='c' href='02_output.html'>2</a> <a href='../index.html'>i</a>",
    ...             {"02_output.html": "#chapter-02_output"})
    "<a class='c' href='#chapter-02_output'>2</a> i"
    """

    def relink(match: re.Match) -> str:
        before, href, after, text = match.group(1, 3, 4, 5)
        if href.startswith("#"):
            return match.group(0)
        target = anchors.get(href.split("#", 1)[0])
        return f"<a{before} href='{target}'{after}>{text}</a>" if target else text

    return _LINK.sub(relink, content)


def combined_html(
    theory: ProgrammeTheory,
    unit: Unit,
    pages: list[tuple[str, str, Path]],
    lang: str,
    overview: str = "",
) -> str:
    """One print-only document of a unit's chapters: a cover with contents, then each chapter.

    ``pages`` holds (page name, chapter name, built HTML file) in report order; ``overview``
    is the unit's part of the index (its summary and chapter table), which then serves as
    the contents, with the assessments' key above it.
    """
    anchors = {f"{page}.html": f"#chapter-{page}" for page, _, _ in pages}
    anchors |= {f"{unit.id}/{href}": target for href, target in anchors.items()}
    name = unit.display_name(theory, lang)
    toc, chapters, banner, warning = [], [], "", ""
    for page, title, path in pages:
        text = path.read_text(encoding="utf-8")
        try:
            content, facts, page_banner = chapter_parts(text)
        except BuildError as error:
            raise BuildError(f"{path}: {error}") from error
        banner = banner or page_banner
        warning = warning or page_warning(text)
        toc.append(f"<li><a href='#chapter-{page}'>{e(title)}</a></li>")
        provenance = f"<p class='note provenance'>{facts}</p>" if facts else ""
        chapters.append(
            f"<section class='chapter' id='chapter-{page}'>"
            f"{local_links(content, anchors)}{provenance}</section>"
        )
    contents = local_links(overview, anchors) or f"<ol class='toc'>{''.join(toc)}</ol>"
    if "class='dot'" in contents:  # the key, where there are symbols to explain
        contents = legend_html(theory, lang) + contents
    cover = (
        f"<section class='cover'><h1>{e(name)}</h1>"
        f"<p class='subtitle'>{e(theory.title.get(lang))}</p>"
        f"<h2>{e(theory.word('pdf_contents', lang))}</h2>{contents}"
        f"<p class='note'>{e(theory.source.get(lang))}</p></section>"
    )
    # The banner was escaped when its page was written; unescaped, render_page escapes it once.
    page = Page(title=f"{name} – {theory.title.get(lang)}", lang=lang, banner=html.unescape(banner),
                warning=html.unescape(warning))
    return render_page(cover + "".join(chapters), page)


def print_pdf(document: str, chromium: str) -> bytes:
    """``document`` printed to PDF by headless Chromium, with the print dates blanked out."""
    with tempfile.TemporaryDirectory(prefix="dsr-pdf-") as folder:
        source, target = Path(folder) / "set.html", Path(folder) / "set.pdf"
        source.write_text(document, encoding="utf-8")
        command = [
            chromium,
            *CHROMIUM_FLAGS,
            f"--user-data-dir={Path(folder) / 'profile'}",
            f"--print-to-pdf={target}",
            source.as_uri(),
        ]
        try:
            done = subprocess.run(command, capture_output=True, text=True, timeout=PRINT_TIMEOUT)
        except subprocess.TimeoutExpired as error:
            raise BuildError(f"Chromium did not finish printing in {PRINT_TIMEOUT} s") from error
        data = target.read_bytes() if target.exists() else b""
        if done.returncode != 0 or not data.startswith(b"%PDF"):
            tail = "\n".join(done.stderr.strip().splitlines()[-5:])
            raise BuildError(f"Chromium could not print the PDF (exit {done.returncode}): {tail}")
        if folder.encode() in data or _FILE_LINK.search(data):
            raise BuildError("refusing to write a PDF that names a local file")
    return stable_pdf(data)


def stable_pdf(data: bytes) -> bytes:
    """``data`` with its /CreationDate and /ModDate entries overwritten by spaces.

    The overwrite keeps the file's length, so the cross-reference offsets stay right.

    Examples
    --------
    >>> stable_pdf(b"<</Producer (Skia) /CreationDate (D:20260101120000+00'00')>>")
    b'<</Producer (Skia)                                        >>'
    """
    return _DATES.sub(lambda m: b" " * len(m.group(0)), data)


def write_pdfs(
    reports_dir: Path,
    chapters: dict[str, list[str]],
    lang: str,
    theory: ProgrammeTheory | None = None,
    units: list[Unit] | None = None,
    out_dir: Path | None = None,
) -> list[Path]:
    """Print each unit's built chapters into ``reports_dir/pdf/<unit>.pdf``; return the paths.

    ``chapters`` maps a unit id to its chapters' page names in report order; ``out_dir``
    replaces ``reports_dir/pdf``. A PDF replaces the old one only once it is complete.

    Raises
    ------
    BuildError
        If Chromium is missing or fails, or a chapter page is missing.
    """
    chromium = find_chromium()
    theory = theory or load_programme_theory()
    by_id = {unit.id: unit for unit in (units if units is not None else load_units())}
    index = reports_dir / "index.html"
    index_html = index.read_text(encoding="utf-8") if index.exists() else ""
    written = []
    for unit_id, pages in chapters.items():
        # Each chapter keeps its level's number, as the pages' navigation writes it.
        specs = {spec.page: spec for spec in report_chapters(by_id[unit_id], theory)}
        files = []
        for page in pages:
            path = reports_dir / unit_id / f"{page}.html"
            if not path.exists():
                raise BuildError(f"{unit_id}: cannot print {path.name}, it was not built")
            spec = specs[page]
            files.append((page, f"{spec.position + 1}. {spec.level.title.get(lang)}", path))
        overview = unit_overview_of(index_html, unit_id)
        document = combined_html(theory, by_id[unit_id], files, lang, overview)
        check_publishable(document)
        target = (out_dir or reports_dir / PDF_DIR) / f"{unit_id}.pdf"
        try:
            data = print_pdf(document, chromium)
        except BuildError as error:
            raise BuildError(f"{unit_id}: {error}; the previous PDF was left in place") from error
        written.append(atomic_write_bytes(target, data))
    return written


def write_build_pdfs(summary: Summary, lang: str, theory_path: Path | None = None,
                     units_path: Path | None = None) -> list[Path]:
    """The PDFs of a finished build of one report set (its theory and units; default DSR's):
    one per unit it built or found up to date, in the set's ``pdf/`` folder."""
    chapters: dict[str, list[str]] = {}
    for outcome in summary.outcomes:
        chapters.setdefault(outcome.unit, []).append(outcome.chapter)
    theory = load_programme_theory(theory_path, units_path) if theory_path else None
    units = load_units(units_path) if units_path else None
    return write_pdfs(summary.index.parent, chapters, lang, theory, units)
