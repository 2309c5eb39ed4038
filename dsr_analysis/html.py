"""Executed notebook -> one self-contained HTML page a municipality can trust.

nbconvert's ``basic`` template renders only the cells, so the page around them (styles,
navigation, banner, footer) is ours and loads nothing from the internet: no require.js, no
MathJax, no fonts. Before export the notebook is cleaned of everything run-specific or private
(papermill's metadata and injected-parameters cell, execution counts and timestamps, error and
stderr outputs), which also makes rebuilds byte-identical. A final check
(:mod:`dsr_analysis.publishable`, an allow-list) refuses to publish a page that holds anything
but what the template and the cells produce: no local path, traceback, network reference or
notebook metadata.
"""

from __future__ import annotations

import copy
import html
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

# publishing_problems is re-exported: callers check pages through this module.
from dsr_analysis.publishable import check_publishable, publishing_problems  # noqa: F401

if TYPE_CHECKING:  # nbformat pulls in jsonschema, seconds of import a no-op rebuild must not pay
    import nbformat

#: Cells with these tags never reach a published page.
REMOVED_TAGS = ("parameters", "injected-parameters", "remove-cell", "remove_cell")

BUILD_KEY_META = "dsr-build-key"

_STYLE = """
:root { --ink: #1f2933; --muted: #52606d; --line: #d9e2ec; --accent: #1d4ed8; }
* { box-sizing: border-box; }
body { margin: 0; font: 16px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif;
       color: var(--ink); background: #fff; }
header.site, footer.site { background: #f5f7fa; border-bottom: 1px solid var(--line); }
footer.site { border-top: 1px solid var(--line); border-bottom: 0; color: var(--muted);
              font-size: 13px; margin-top: 3em; }
.wrap { max-width: 1000px; margin: 0 auto; padding: 0.8em 1.2em; }
.banner { background: #fff4ce; border-bottom: 2px solid #d97706; font-weight: 600; }
.banner.warning { background: #b91c1c; color: #fff; border-bottom-color: #7f1d1d; }
nav.chapters ol { list-style: none; display: flex; flex-wrap: wrap; gap: 0.4em 1.2em;
                  margin: 0.4em 0 0; padding: 0; }
nav.chapters a[aria-current] { font-weight: 700; color: var(--ink); text-decoration: none; }
nav.pager { display: flex; justify-content: space-between; margin-top: 2em; }
a { color: var(--accent); }
h1 { font-size: 1.8em; margin: 0.6em 0 0.4em; }
h2 { font-size: 1.3em; margin-top: 1.6em; border-bottom: 1px solid var(--line); }
table.cells { border-collapse: collapse; margin: 0.8em 0; font-size: 14px; }
table.cells caption { text-align: left; font-weight: 600; padding-bottom: 0.3em; }
table.cells th, table.cells td { border-bottom: 1px solid var(--line); padding: 0.25em 0.7em;
                                 text-align: right; vertical-align: top; }
table.cells th[scope=row], table.cells thead th:first-child { text-align: left; }
.badge { color: #fff; border-radius: 4px; padding: 0.05em 0.5em; font-weight: 600; }
figure { margin: 1em 0; } figure svg { max-width: 100%; height: auto; }
figcaption, .note { color: var(--muted); font-size: 14px; }
.practice-description {
  font-weight: normal; color: var(--muted); font-size: 14px; margin: 4px 0 0;
}
.no-data { background: #f1f5f9; border-left: 4px solid #64748b; padding: 0.6em 0.9em; }
table.index td, table.index th, table.practices td { text-align: left; }
table.index .state-failed { color: #b42318; font-weight: 600; }
table.index .state-not_monitored, table.index .state-missing, table.index .not-in-set
  { color: var(--muted); font-style: italic; }
table.overview { width: 100%; table-layout: fixed; }
table.overview th:first-child { width: 11em; }
table.overview .count { white-space: nowrap; margin-right: 0.7em; }
table.unit-chapters { width: 100%; }
table.unit-chapters th[scope=row] { width: 15em; font-weight: 600; }
ul.indicators { list-style: none; margin: 0; padding: 0; }
ul.indicators li { margin: 0.1em 0; padding-left: 1.8em; text-indent: -1.8em; }
.legend ul { list-style: none; display: flex; flex-wrap: wrap; gap: 0.2em 1.4em;
             margin: 0.3em 0 0; padding: 0; }
.legend { font-size: 14px; }
.legend .dash { display: inline-block; min-width: 1.5em; text-align: center; font-weight: 700; }
section.unit h2 { margin-top: 1.8em; }
.unit-summary:empty { display: none; }
section.summary { background: #f0f6ff; border: 1px solid #bfd4f2; border-radius: 6px;
                  padding: 0.2em 1em 0.6em; margin: 1em 0; }
section.summary h2 { border: 0; margin-top: 0.6em; }
section.summary ul.summary-indicators { list-style: none; padding-left: 0; }
section.summary ul.summary-indicators .symbol { display: inline-block; width: 1.3em;
                                                font-weight: 700; }
table.summary-table td { text-align: left; } .count { white-space: nowrap; margin-right: 0.6em; }
.design-note { background: #fffbea; border-left: 4px solid #d9a400; padding: 0.5em 0.9em;
               font-size: 15px; }
td.hidden-cell, .mostly-hidden { color: #595959; font-style: italic; }
.criterion-source { color: var(--muted); font-size: 14px; }
.method-link { font-size: 14px; white-space: nowrap; }
.n { white-space: nowrap; }
.dot { display: inline-block; min-width: 1.5em; line-height: 1.5em; text-align: center;
       text-indent: 0; color: #fff; border-radius: 50%; font-size: 12px; font-weight: 700; }
/* Print: A4, no navigation, a page per indicator, colours kept where they carry a symbol. */
@page { size: A4; margin: 16mm 15mm 17mm;
  @top-center { font: 600 8pt system-ui, sans-serif; color: #7c4a03; }
  @bottom-right { content: counter(page) " / " counter(pages);
                  font: 8pt system-ui, sans-serif; color: #52606d; } }
@media print {
  :root { --line: #9aa5b1; --muted: #3e4c59; }
  body { font-size: 10.5pt; line-height: 1.4; }
  .wrap { max-width: none; padding: 0; }
  header.site, nav.chapters, nav.pager { display: none; }
  .banner { border: 1.5pt solid #d97706; margin-bottom: 0.8em; }
  .banner .wrap { padding: 0.4em 0.7em; }
  .banner, .dot, .badge, .no-data, section.summary, .design-note
    { -webkit-print-color-adjust: exact; print-color-adjust: exact; }
  footer.site { background: none; margin-top: 1.5em; font-size: 8pt; }
  a { color: inherit; text-decoration: none; }
  h1 { font-size: 1.6em; margin-top: 0; }
  h1, h2, h3, caption, .question, .criterion { break-after: avoid; }
  section.indicator, section.chapter { break-before: page; }
  /* Without data an indicator is a few lines: no page of its own, just not split. */
  section.indicator:has(> .no-data) { break-before: auto; break-inside: avoid; }
  section.cover .subtitle { font-size: 1.3em; }
  ol.toc { list-style: none; padding: 0; font-size: 1.1em; line-height: 1.8; }
  table, figure, tr, ul, dd, .assessment, .legend, section.unit, .no-data, section.summary
    { break-inside: avoid; }
  table.cells, .legend, figcaption, .note { font-size: 9pt; }
}
""".strip()


@dataclass(frozen=True)
class Link:
    """A navigation link: where it goes (relative href) and what it says."""

    href: str
    text: str
    current: bool = False


@dataclass(frozen=True)
class Page:
    """Everything around a chapter's cells: title, navigation, banner and footer facts."""

    title: str
    lang: str = "da"
    index: Link | None = None
    chapters: tuple[Link, ...] = ()
    previous: Link | None = None
    next: Link | None = None
    banner: str = ""
    # A red warning above everything (an unsuppressed build is not for publication).
    warning: str = ""
    footer: tuple[tuple[str, str], ...] = ()
    build_key: str = ""
    extra_meta: dict = field(default_factory=dict)

    @classmethod
    def from_context(cls, context: dict, build_key: str = "") -> Page:
        """The page a plan's picklable page context (:mod:`dsr_analysis.runner.plan`) stands for.

        Examples
        --------
        >>> page = Page.from_context({"title": "T", "lang": "da", "index": None, "chapters": [
        ...     {"href": "a.html", "text": "A", "current": True}], "previous": None,
        ...     "next": None, "banner": "", "footer": [["k", "v"]]})
        >>> page.chapters[0].current, page.footer
        (True, (('k', 'v'),))
        """

        def link(d):
            return Link(d["href"], d["text"], d.get("current", False)) if d else None

        return cls(
            title=context["title"],
            lang=context["lang"],
            index=link(context["index"]),
            chapters=tuple(link(c) for c in context["chapters"]),
            previous=link(context["previous"]),
            next=link(context["next"]),
            banner=context["banner"],
            warning=context.get("warning", ""),
            footer=tuple((k, v) for k, v in context["footer"]),
            build_key=build_key,
        )


def clean_notebook(notebook: nbformat.NotebookNode) -> nbformat.NotebookNode:
    """A copy of an executed notebook with nothing run-specific or private left in it.

    Removes cells tagged ``parameters``/``injected-parameters``/``remove-cell``, error and
    stderr outputs, execution counts, and all notebook, cell and output metadata (papermill
    records input and output paths, parameters, timestamps and durations there); cell ids are
    renumbered so they never depend on papermill's random ids.

    Examples
    --------
    >>> import nbformat
    >>> nb = nbformat.v4.new_notebook(metadata={"papermill": {"input_path": "/x"}})
    >>> nb.cells = [nbformat.v4.new_code_cell("x = 1", metadata={"tags": ["parameters"]})]
    >>> clean = clean_notebook(nb)
    >>> clean.cells, dict(clean.metadata)
    ([], {})
    """
    import nbformat

    clean = copy.deepcopy(notebook)
    clean.metadata = nbformat.NotebookNode({})
    kept = []
    for cell in clean.cells:
        tags = set(cell.get("metadata", {}).get("tags", []))
        if tags & set(REMOVED_TAGS):
            continue
        cell.metadata = nbformat.NotebookNode({})
        if cell.cell_type == "code":
            cell.execution_count = None
            cell.outputs = [_clean_output(o) for o in cell.outputs if _publishable_output(o)]
        kept.append(cell)
    for number, cell in enumerate(kept):
        cell["id"] = f"c{number}"
    clean.cells = kept
    return clean


def _publishable_output(output) -> bool:
    if output.get("output_type") == "error":
        return False
    return not (output.get("output_type") == "stream" and output.get("name") == "stderr")


def _clean_output(output):
    import nbformat

    if "metadata" in output:
        output.metadata = nbformat.NotebookNode({})
    if "execution_count" in output:
        output.execution_count = None
    return output


_exporter = None


def _html_exporter():
    # Building the exporter loads its templates; one per process is enough.
    global _exporter
    if _exporter is None:
        from nbconvert import HTMLExporter

        # No anchor links: nbconvert appends a visible "¶" to every Markdown heading.
        _exporter = HTMLExporter(
            template_name="basic",
            exclude_anchor_links=True,
            exclude_input=True,
            exclude_input_prompt=True,
            exclude_output_prompt=True,
        )
    return _exporter


def notebook_body(notebook: nbformat.NotebookNode) -> str:
    """The cleaned notebook's outputs as an HTML fragment (nbconvert's ``basic`` template)."""
    body, _ = _html_exporter().from_notebook_node(clean_notebook(notebook))
    return body


def _e(text: object) -> str:
    return html.escape(str(text), quote=True)


def _css_string(text: str) -> str:
    r"""``text`` as a quoted CSS string that cannot close the ``<style>`` element around it.

    Examples
    --------
    >>> print(_css_string('a "b" </style>'))
    "a \22 b\22  \3c /style>"
    """
    escaped = "".join(f"\\{ord(c):x} " if c in '"\\<\n' else c for c in text)
    return f'"{escaped}"'


def _link(link: Link) -> str:
    current = " aria-current='page'" if link.current else ""
    return f"<a href='{_e(link.href)}'{current}>{_e(link.text)}</a>"


def render_page(body: str, page: Page) -> str:
    """Wrap an HTML fragment in the report's page: banner, navigation, footer, inline CSS.

    Examples
    --------
    >>> out = render_page("<p>x</p>", Page(title="T", banner="Syntetiske data"))
    >>> "<p>x</p>" in out and "Syntetiske data" in out and "http" not in out
    True
    """
    meta = "".join(
        f"<meta name='{_e(k)}' content='{_e(v)}'>"
        for k, v in sorted({**page.extra_meta, BUILD_KEY_META: page.build_key}.items())
        if v
    )
    banner = (
        f"<div class='banner' role='note'><div class='wrap'>{_e(page.banner)}</div></div>"
        if page.banner
        else ""
    )
    # On paper the banner is printed on the first page and in the top margin of every other.
    banner_css = (
        f"<style>@page {{ @top-center {{ content: {_css_string(page.banner)}; }} }}"
        "@page :first { @top-center { content: none; } }</style>"
        if page.banner
        else ""
    )
    warning, warning_css = "", ""
    if page.warning:
        warning = (f"<div class='banner warning' role='alert'><div class='wrap'>"
                   f"{_e(page.warning)}</div></div>")
        # On paper in the bottom margin of every page, the first included.
        warning_css = (f"<style>@page {{ @bottom-center {{ content: {_css_string(page.warning)};"
                       " color: #b91c1c; font-weight: 700; } }</style>")
    nav = ""
    if page.index or page.chapters:
        items = "".join(f"<li>{_link(c)}</li>" for c in page.chapters)
        index = f"<div>{_link(page.index)}</div>" if page.index else ""
        nav = (
            f"<header class='site'><div class='wrap'>{index}"
            f"<nav class='chapters' aria-label='chapters'><ol>{items}</ol></nav></div></header>"
        )
    pager = ""
    if page.previous or page.next:
        left = (
            f"<span class='prev'>← {_link(page.previous)}</span>"
            if page.previous
            else "<span></span>"
        )
        right = f"<span class='next'>{_link(page.next)} →</span>" if page.next else "<span></span>"
        pager = f"<nav class='pager' aria-label='pager'>{left}{right}</nav>"
    facts = " · ".join(f"{_e(k)}: <code>{_e(v)}</code>" for k, v in page.footer)
    footer = f"<footer class='site'><div class='wrap'>{facts}</div></footer>" if facts else ""
    return (
        "<!DOCTYPE html>\n"
        f"<html lang='{_e(page.lang)}'><head><meta charset='utf-8'>"
        "<meta name='viewport' content='width=device-width, initial-scale=1'>"
        f"{meta}<title>{_e(page.title)}</title><style>{_STYLE}</style>{banner_css}"
        f"{warning_css}</head><body>{warning}{banner}{nav}"
        f"<main class='wrap'>{body}{pager}</main>{footer}</body></html>\n"
    )


def notebook_to_html(notebook: nbformat.NotebookNode, page: Page) -> str:
    """Clean, export and wrap an executed notebook; refuse it if anything private leaks.

    Raises
    ------
    BuildError
        If the page would refer to the network, a local path, a user name or a traceback.
    """
    result = render_page(notebook_body(notebook), page)
    check_publishable(result)
    return result


def read_build_key(path: Path) -> str | None:
    """The build key stamped into a published page, or None if the page is absent or unstamped."""
    try:
        with path.open(encoding="utf-8") as stream:
            head = stream.read(4096)
    except OSError:
        return None
    match = re.search(rf"<meta name='{BUILD_KEY_META}' content='([0-9a-f]+)'>", head)
    return match.group(1) if match else None
