"""A lesson's handout: its executed teacher edition as one offline HTML page.

The code is the lesson, so unlike a report chapter the handout shows every code cell (with
syntax colours, inline CSS) and its outputs. Figures are the inline SVG the lesson kernel
draws (:mod:`dsr_analysis.teaching.kernel`), cleaned as the reports' figures are: no XML
declaration, no matplotlib metadata or comments (they name its web site), ids made unique on
the page. The page is the reports' shell (:func:`dsr_analysis.html.render_page`) with the
synthetic-data banner, and it passes the same publishing check
(:func:`dsr_analysis.html.check_publishable`): no script, no external reference, no local
path or traceback. A figure only in PNG cannot be embedded under that check and is replaced
by a note.
"""

from __future__ import annotations

import copy
import re
from pathlib import Path
from typing import TYPE_CHECKING

from dsr_analysis.html import Page, check_publishable, clean_notebook, render_page

if TYPE_CHECKING:
    import nbformat

#: The banner: every lesson runs on the bundled synthetic data.
BANNER = {
    "da": "Syntetiske data: tallene i denne lektion er konstrueret til afprøvning og "
          "undervisning og beskriver ingen virkelige børn.",
    "en": "Synthetic data: the figures in this lesson are constructed for testing and "
          "teaching and describe no real children.",
}
_NO_PNG = {
    "da": "(En figur i PNG-format vises ikke her; kør notesbogen for at se den.)",
    "en": "(A figure in PNG format is not shown here; run the notebook to see it.)",
}
_CODE_STYLE = """
.jp-CodeCell .jp-InputArea { background: #f5f7fa; border-left: 3px solid #9aa5b1;
  margin: 1em 0 0.3em; padding: 0.2em 0.8em; overflow-x: auto; }
.jp-CodeCell pre { margin: 0.4em 0; font-size: 14px; }
.jp-OutputArea pre { background: #fff; border-left: 3px solid #d9e2ec; padding: 0.2em 0.8em;
  overflow-x: auto; font-size: 14px; }
.jp-OutputArea figure svg { max-width: 100%; height: auto; }
"""

_exporter = None


def _html_exporter():
    global _exporter
    if _exporter is None:
        from nbconvert import HTMLExporter

        _exporter = HTMLExporter(template_name="basic", exclude_anchor_links=True,
                                 exclude_input_prompt=True, exclude_output_prompt=True)
    return _exporter


def _highlight_css() -> str:
    from pygments.formatters import HtmlFormatter

    return HtmlFormatter(style="default").get_style_defs(".highlight")


def title_of(notebook: nbformat.NotebookNode) -> str:
    """The lesson's title: its first Markdown heading (``Lesson`` if it has none)."""
    for cell in notebook.cells:
        if cell.cell_type == "markdown":
            match = re.search(r"^#\s+(.+)$", cell.source, re.MULTILINE)
            if match:
                return match.group(1).strip()
    return "Lesson"


def handout_html(teacher: nbformat.NotebookNode, lang: str) -> str:
    """The executed teacher edition as a page; BuildError if the page may not be published."""
    notebook = _with_clean_figures(clean_notebook(teacher), lang)
    body, _ = _html_exporter().from_notebook_node(notebook)
    body = f"<style>{_highlight_css()}{_CODE_STYLE}</style>{body}"
    page = render_page(body, Page(title=title_of(teacher), lang=lang, banner=BANNER[lang]))
    check_publishable(page)
    return page


def write_handout(teacher: nbformat.NotebookNode, out: Path, lang: str, name: str) -> Path:
    """Write the handout of an executed teacher edition to ``out/handouts/<lang>/<name>.html``,
    atomically (an old handout stays whole if this one cannot be written)."""
    from dsr_analysis.files import atomic_write_text

    return atomic_write_text(out / "handouts" / lang / f"{name}.html", handout_html(teacher, lang))


def clean_svg(svg: str, figure_id: str) -> str:
    """An SVG output as inline markup: no declaration, metadata or comments; own ids.

    >>> clean_svg('<?xml version="1.0"?><!-- made --><svg><metadata>x</metadata>'
    ...           '<g id="a"><use xlink:href="#a"/></g></svg>', "fig1")
    '<svg><g id="fig1-a"><use xlink:href="#fig1-a"/></g></svg>'
    """
    svg = re.sub(r"<\?xml[^>]*\?>\s*", "", svg)
    svg = re.sub(r"<!DOCTYPE[^>]*>\s*", "", svg)
    svg = re.sub(r"<!--.*?-->\s*", "", svg, flags=re.S)
    svg = re.sub(r"<metadata>.*?</metadata>\s*", "", svg, flags=re.S)
    svg = re.sub(r'(\bid="|href="#|url\(#)([^")]+)',
                 lambda m: f"{m.group(1)}{figure_id}-{m.group(2)}", svg)
    return svg.strip()


def _with_clean_figures(notebook: nbformat.NotebookNode, lang: str) -> nbformat.NotebookNode:
    notebook = copy.deepcopy(notebook)
    number = 0
    for cell in notebook.cells:
        if cell.cell_type != "code":
            continue
        for output in cell.outputs:
            data = output.get("data", {})
            if "image/svg+xml" in data:
                number += 1
                svg = data["image/svg+xml"]
                svg = "".join(svg) if isinstance(svg, list) else svg
                # As HTML: nbconvert would show an SVG output as <img src="data:...">.
                output["data"] = {"text/html": f"<figure>{clean_svg(svg, f'fig{number}')}</figure>"}
            elif any(kind.startswith("image/") for kind in data):
                output["data"] = {"text/plain": _NO_PNG[lang]}
    return notebook
