"""The publishability allow-list (dsr_analysis.publishable): what a page may hold, and what not.

Leaks are given as a notebook's outputs would show them (a path printed by a cell, a traceback
frame without its header line) on every system a build may run on, and false alarms as the
real pages contain them: inline SVG, relative links, CSS, numbers with "/", dates.
"""

from __future__ import annotations

import pytest
from fixtures.report_set import real_build

from dsr_analysis.html import Page, render_page
from dsr_analysis.publishable import publishing_problems


def problems(body: str) -> list[str]:
    """Problems of a body inside the real page template, ignoring the user-name check."""
    return publishing_problems(render_page(body, Page(title="T")), private=())


LEAKS = {
    # Absolute paths of every system, in text, in <pre> (a printed value) and in attributes.
    "posix /srv": ("<p>read /srv/dsr/kolding/export.csv</p>", "local path"),
    "posix /mnt": ("<pre>data_dir = '/mnt/share/dsr'</pre>", "local path"),
    "posix /mnt root only": ("<p>mounted on /mnt</p>", "local path"),
    "posix /home": ("<td>/home/anna/monitoring.xlsx</td>", "local path"),
    "posix /tmp file": ("<p>wrote /tmpabc.csv</p>", "local path"),
    "posix single file": ("<p>see /export.csv</p>", "local path"),
    "macOS /Users": ("<p>/Users/anna/Desktop/dsr.csv</p>", "local path"),
    "macOS /Volumes": ("<p>/Volumes/USB/dsr.csv</p>", "local path"),
    "windows drive": ("<p>C:\\Users\\anna\\dsr\\export.csv</p>", "local path"),
    "windows drive, one file": ("<p>saved as C:\\export.csv</p>", "local path"),
    "windows drive, slashes": ("<p>D:/data/dsr.csv</p>", "local path"),
    "windows escaped": ("<pre>'C:\\\\Users\\\\anna'</pre>", "local path"),
    "windows UNC": ("<p>\\\\fileserver\\social\\dsr.csv</p>", "local path"),
    "windows rooted": ("<p>\\Users\\anna\\x</p>", "local path"),
    "home tilde": ("<p>~/dsr/export.csv</p>", "local path"),
    "home tilde user": ("<p>~anna/dsr.csv</p>", "local path"),
    "path in a title": ("<span title='/srv/dsr/x.csv'>x</span>", "local path"),
    # Tracebacks, with and without their header line.
    "traceback header": ("<pre>Traceback (most recent call last):</pre>", "traceback"),
    "frame without header": (
        '<pre>  File "chapter.py", line 3, in render\n    x = 1 / 0</pre>',
        "traceback",
    ),
    "frame tail": ("<pre>line 3, in &lt;module&gt;</pre>", "traceback"),
    "ipython frame": ("<pre>Cell In[4], line 2</pre>", "traceback"),
    "ipython arrow": ("<pre>----> 2 chapter.render()</pre>", "traceback"),
    "exception line": ("<pre>ZeroDivisionError: division by zero</pre>", "traceback"),
    "site-packages": ("<p>pandas/site-packages/x</p>", "traceback"),
    "ansi colours": ("<pre>\x1b[0;31mValueError\x1b[0m</pre>", "control character"),
    # The network.
    "script": ("<script>fetch('x')</script>", "<script>"),
    "script src": ("<script src='https://cdn.example/require.js'></script>", "<script>"),
    "stylesheet": ("<link rel='stylesheet' href='//fonts.example/x.css'>", "<link>"),
    "image": ('<img src="http://example.org/a.png">', "<img>"),
    "css import": ("<style>@import url(https://x/y.css);</style>", "loads or runs"),
    "css url": ("<div style='background: url(logo.png)'></div>", "loads or runs"),
    "svg url": ("<svg><rect fill='url(other.svg#g)'/></svg>", "loads or runs"),
    "absolute link": ("<a href='/kolding/01_effort.html'>x</a>", "relative link"),
    "remote link": ("<a href='https://example.org/x.html'>x</a>", "relative link"),
    "non-page link": ("<a href='../tables.csv'>x</a>", "relative link"),
    "javascript link": ("<a href='javascript:alert(1)'>x</a>", "relative link"),
    "url in text": ("<p>see https://example.org</p>", "network"),
    "www in text": ("<p>see www.example.org</p>", "network"),
    "data uri": ("<p>data:image/png;base64,iVBORw0KGgo=</p>", "network"),
    "ip address": ("<p>kernel at 127.0.0.1:5555</p>", "network"),
    "localhost": ("<p>localhost:8888</p>", "network"),
    "unknown namespace": ("<svg xmlns:dc='http://purl.org/dc/elements/1.1/'></svg>", "namespace"),
    "event handler": ("<p onclick='x()'>x</p>", "attribute"),
    "refresh": ("<meta http-equiv='refresh' content='0'>", "attribute"),
    "matplotlib comment": ("<!-- Created with matplotlib (https://matplotlib.org/) -->", "comment"),
    "numbers in a comment": ("<!-- n = 3 of 4 children -->", "comment"),
    "path in a label": ("<!-- unit /srv/x/ -->", "comment"),
    "xml declaration": ("<?xml version='1.0' encoding='utf-8'?>", "processing instruction"),
    "svg doctype": ("<!DOCTYPE svg PUBLIC '-//W3C//DTD SVG 1.1//EN'>", "declaration"),
    # Papermill and notebook metadata.
    "injected cell": ("<div class='celltag_injected-parameters'></div>", "papermill"),
    "papermill": ("<pre>{'papermill': {'duration': 1.2}}</pre>", "papermill"),
    "parameter name": ("<pre>data_path = 'x'</pre>", "papermill"),
}


@pytest.mark.parametrize("body, reason", LEAKS.values(), ids=LEAKS.keys())
def test_refuses(body, reason):
    found = problems(body)
    assert any(reason in problem for problem in found), found


FINE = {
    "inline svg": (
        "<figure><svg xmlns='http://www.w3.org/2000/svg' "
        "xmlns:xlink='http://www.w3.org/1999/xlink' viewBox='0 0 100 50'>"
        "<defs><clipPath id='p1'><rect x='0' y='0' width='10' height='5'/></clipPath></defs>"
        "<g clip-path='url(#p1)'><path d='M 0 0 L 10.5 20.25 z' style='fill: #1d4ed8'/>"
        "<use xlink:href='#p1' x='3'/></g><text x='1' y='2'>n = 20</text></svg></figure>"
    ),
    "relative links": (
        "<a href='../index.html'>Til oversigten</a> <a href='kolding/01_effort.html'>1.</a>"
        " <a href='02_output.html'>2.</a> <a href='#arrow'>x</a>"
    ),
    "css": "<style>body { font: 16px/1.5 system-ui; } /* comment */ a:hover { color: red }</style>",
    "numbers with slashes": "<p>n = 20 / 22; 20/22; 1/3 af børnene; kr./år; og/eller</p>",
    "dates": "<p>16/5-2011, 1.5.2011, 2011-05-16, Jan–May 2011, kl. 10:30</p>",
    "danish numbers": "<p>1.234.567.890 kr.; 5.352; 1.000.000 kr.; 10,5 årsværk</p>",
    "words like data and error": "<p>Syntetiske data: kalibreret. Data: <code>ab12</code>. "
    "Error: none. Warning: small cells.</p>",
    "a template's section labels": "<!-- unit faaborg-midtfyn --><p>x</p><!-- /unit odense -->",
    "a division in a table": "<table><tr><th scope='row'>Børn/familier</th><td>1</td></tr></table>",
}


@pytest.mark.parametrize("body", FINE.values(), ids=FINE.keys())
def test_accepts(body):
    assert problems(body) == []


def test_the_users_name_is_refused_as_a_word_only():
    page = "<p>built by annasvendsen on her laptop</p>"
    assert publishing_problems(page, private=("annasvendsen",)) == [
        "contains the local user's name"
    ]
    assert publishing_problems("<p>jannasvendsens</p>", private=("annasvendsen",)) == []


def test_many_problems_are_capped():
    body = "".join(f"<p>/srv/x{i}/y</p>" for i in range(30))
    found = problems(body)
    assert len(found) == 11 and found[-1] == "... and 20 more"


def test_every_page_of_a_real_build_passes():
    settings, _ = real_build()
    pages = sorted(settings.reports_dir.rglob("*.html"))
    assert len(pages) == 22  # 5 chapters x 3 units, 2 for Copenhagen, 4 method pages, index
    for page in pages:
        assert publishing_problems(page.read_text(encoding="utf-8")) == [], page


def test_a_real_page_with_a_leak_fails():
    # The same real page, once with a path a cell printed: the check must see it among the SVG.
    settings, _ = real_build()
    page = (settings.reports_dir / "kolding" / "03_immediate.html").read_text(encoding="utf-8")
    leaked = page.replace("</main>", "<pre>/srv/dsr/kolding.csv</pre></main>", 1)
    assert publishing_problems(page) == []
    assert any("local path" in p for p in publishing_problems(leaked))
