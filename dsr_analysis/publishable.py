"""Whether a page may be published: an allow-list of what the templates and the cells produce.

A report page is made of our page template (navigation, banner, footer, inline CSS) around
what the chapter's cells display: headings, text, tables, definition lists and inline SVG
figures. :func:`publishing_problems` parses the page (the standard library's ``html.parser``)
and accepts only that:

- elements from :data:`ALLOWED_ELEMENTS`: no ``script``, ``iframe``, ``img``, ``link``,
  ``object``, ``form``, ``base``...; no comments but the short labels the templates mark
  sections with (``<!-- unit kolding -->``; matplotlib's comments name its web site), no
  processing instructions or other declarations than ``<!DOCTYPE html>``;
- no event handler (``on...``) or refresh attribute; a reference (``href``, ``xlink:href``,
  ``src``...) only to a page of the set by a relative path (``../index.html``,
  ``kolding/01_effort.html``) or to a fragment (``#arrow``); ``url(...)`` in CSS only to a
  fragment (SVG clip paths); ``xmlns`` only the SVG and XLink namespaces;
- text, attribute values and CSS with no absolute path of any system (POSIX, Windows drive or
  UNC, ``~/`` home), no traceback fragment, no network reference (``scheme://``, ``www.``, an IP
  address, ``localhost``), no notebook or papermill metadata and no control characters (a
  traceback's colour codes).

A check for the user's name is kept as a last line: it is the one thing about the build
machine that no general rule finds. Everything else is general, so a page built on another
machine (``/srv/...``, ``C:\\Users\\...``) is judged the same way.
"""

from __future__ import annotations

import getpass
import re
from html.parser import HTMLParser

from dsr_analysis.errors import BuildError

#: Elements a page may contain: the page template, what nbconvert's ``basic`` template wraps
#: outputs in, the HTML the report helpers write, and inline SVG as matplotlib draws it.
ALLOWED_ELEMENTS = frozenset(
    """
    html head meta title style body header footer main nav section article aside div span p
    a h1 h2 h3 h4 h5 h6 ol ul li dl dt dd table caption colgroup col thead tbody tfoot tr th td
    figure figcaption strong em b i u s small sub sup abbr code pre kbd samp var q blockquote
    br hr wbr details summary mark time data del ins
    svg g defs symbol use path rect circle ellipse line polyline polygon text tspan textpath
    clippath mask marker pattern lineargradient radialgradient stop filter desc
    """.split()
)

#: Namespaces an inline SVG may declare.
ALLOWED_NAMESPACES = frozenset({"http://www.w3.org/2000/svg", "http://www.w3.org/1999/xlink"})

# Attributes whose value a browser follows or fetches.
_REFERENCES = frozenset(
    "href xlink:href src srcset action formaction poster data background cite longdesc ping "
    "manifest codebase profile usemap".split()
)
_FORBIDDEN_ATTRIBUTES = frozenset({"http-equiv", "srcdoc"})
# A page of the set, by a relative path without a scheme or a leading slash, or a fragment.
_RELATIVE_PAGE = re.compile(
    r"(?:\.\./)*(?:[A-Za-z0-9_-]+/)*[A-Za-z0-9_.-]+\.html(?:#[\w.-]+)?|#[\w.-]+"
)
# A comment the templates write: a short label, such as "unit kolding" or "/unit kolding".
_LABEL = re.compile(r"\s*/?[A-Za-z][A-Za-z0-9 _-]{0,59}\s*")
_CSS_URL = re.compile(r"url\(\s*(['\"]?)\s*(?!#)", re.IGNORECASE)
_CSS_ACTIVE = re.compile(r"@import|expression\s*\(|behavior\s*:|-moz-binding", re.IGNORECASE)

_OCTET = r"(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)"
# Each alternative starts with a literal character and checks what precedes it by lookbehind,
# which keeps a scan of a page's text to a few milliseconds. A path starts a token: not
# "børn/familier", "16px/1.5", "20 / 22" or "kr./år".
_PATTERNS: tuple[tuple[str, re.Pattern[str]], ...] = (
    (
        "a network reference",
        re.compile(
            r"://"  # http://, file://, smb://, ...
            r"|(?i::(?=\S)(?:(?<=\bmailto:)|(?<=\bfile:)|(?<=\bdata:)|(?<=\bjavascript:)"
            r"|(?<=\bvbscript:)))"
            r"|\.(?<=(?i:www)\.)(?<![\w.@-]...\.)[a-z0-9-]+\.[a-z]"
            r"|ocalhost(?<=[Ll]ocalhost)\b"
            # Four octets as an address is written (10.0.0.1), not a number (1.234.567.890).
            r"|\.(?:(?<=(?<![\w.])\d\.)|(?<=(?<![\w.])\d\d\.)|(?<=(?<![\w.])[12]\d\d\.))"
            rf"{_OCTET}\.{_OCTET}\.{_OCTET}(?![\w.])"
        ),
    ),
    (
        "a local path",
        re.compile(
            # POSIX: two segments (/srv/x), a file (/x.csv) or a well-known root (/mnt).
            r"/(?<![\w.~/\\-]/)(?:[A-Za-z_.~$][\w.~$@+-]*/"
            r"|[A-Za-z_~$][\w~$-]*\.[A-Za-z0-9]{1,5}\b"
            r"|(?:srv|mnt|home|tmp|var|opt|usr|etc|root|media|Users|Volumes|private|proc|run"
            r"|scratch|work|data)\b)"
            # Windows: C:\..., C:/..., \\server\share, \Users\...
            r"|:(?<![A-Za-z0-9][A-Za-z]:)(?<=[A-Za-z]:)[\\/]+[\w.$ -]"
            r"|\\(?:\\[\w.$?-]+\\|(?<![\w\\]\\)[A-Za-z_.$][\w.$ -]*\\)"
            # Home: ~/..., ~user/...
            r"|~(?<![\w~/.-]~)[\w.-]*/"
        ),
    ),
    (
        "a traceback fragment",
        re.compile(
            r"Traceback \(most recent call last\)"
            r"|File \"[^\"\n]*\", line \d+"
            r"|line \d+, in \S"
            r"|Cell In ?\[\d*\], line \d+"
            r"|<ipython-input-|Input In \[\d+\]"
            r"|--+> ?\d+ "
            r"|Error:(?<=\wError:)|Exception:(?<=\wException:)|Warning:(?<=\wWarning:)"
            r"|site-packages"
        ),
    ),
    (
        "papermill or notebook metadata",
        re.compile(
            r"apermill(?<=[Pp]apermill)|injected-parameters|celltag_|kernelspec|nbformat"
            r"|execution_count|ipykernel|data_path"
        ),
    ),
    ("a control character", re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")),
)

# SVG geometry (coordinates, path data, sizes) is most of a page's attributes and cannot hold
# any of the above; such values are not scanned.
_GEOMETRY = re.compile(r"[-\d\s.,eEMmLlHhVvCcSsQqTtAaZz%]*")

_MAX_PROBLEMS = 10


class _Page(HTMLParser):
    """Collects, in page order, every part of a page that the allow-list does not admit."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.problems: list[str] = []
        # (where, text, is CSS) of everything to scan for content; see content_problems.
        self.texts: list[tuple[str, str, bool]] = []
        self._in_style = 0

    def _add(self, problem: str) -> None:
        if problem not in self.problems:
            self.problems.append(problem)

    def content_problems(self) -> list[str]:
        """What the texts contain that a page must not: one scan of all of them together
        (most pages have nothing), then, only if that finds something, one scan per text to
        say where."""
        css = "\n".join(text for _, text, is_css in self.texts if is_css)
        everything = "\n".join(text for _, text, _ in self.texts)
        if not (
            _CSS_URL.search(css)
            or _CSS_ACTIVE.search(css)
            or any(pattern.search(everything) for _, pattern in _PATTERNS)
        ):
            return []
        problems = []
        for where, text, is_css in self.texts:
            if is_css and (_CSS_URL.search(text) or _CSS_ACTIVE.search(text)):
                problems.append(f"has CSS in {where} that loads or runs something: {text[:60]!r}")
            for kind, pattern in _PATTERNS:
                match = pattern.search(text)
                if match:
                    problems.append(f"contains {kind} in {where}: {_excerpt(text, match)}")
        return list(dict.fromkeys(problems))

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        # <x/> arrives here too (HTMLParser.handle_startendtag calls both handlers).
        if tag not in ALLOWED_ELEMENTS:
            self._add(f"has a <{tag}> element, which is not on the allow-list")
        if tag == "style":
            self._in_style += 1
        for name, value in attrs:
            self._attribute(tag, name, value or "")

    def handle_endtag(self, tag: str) -> None:
        if tag == "style" and self._in_style:
            self._in_style -= 1

    def _attribute(self, tag: str, name: str, value: str) -> None:
        where = f"<{tag} {name}>"
        if name.startswith("on") or name in _FORBIDDEN_ATTRIBUTES:
            self._add(f"has an attribute {where}, which is not on the allow-list")
        elif name == "xmlns" or name.startswith("xmlns:"):
            if value not in ALLOWED_NAMESPACES:
                self._add(f"declares a namespace that is not on the allow-list: {value[:60]!r}")
        elif name in _REFERENCES:
            if not _RELATIVE_PAGE.fullmatch(value):
                self._add(
                    f"has a link in {where} that is not a relative link to a page of the set:"
                    f" {value[:60]!r}"
                )
        elif not _GEOMETRY.fullmatch(value):
            # style="..." and SVG's presentation attributes (fill, clip-path) take url(...).
            self.texts.append((where, value, True))

    def handle_data(self, data: str) -> None:
        self.texts.append(("<style>", data, True) if self._in_style else ("the text", data, False))

    def handle_comment(self, data: str) -> None:
        # The templates mark sections with labels (<!-- unit kolding -->); anything else in a
        # comment is unseen by a reader and unreviewed, so it has no place on the page.
        if _LABEL.fullmatch(data):
            self.texts.append(("a comment", data, False))
        else:
            self._add(f"has a comment, which is not on the allow-list: {data.strip()[:60]!r}")

    def handle_decl(self, decl: str) -> None:
        if decl.strip().lower() != "doctype html":
            self._add(f"has a declaration other than <!DOCTYPE html>: {decl[:60]!r}")

    def handle_pi(self, data: str) -> None:
        self._add(f"has a processing instruction: {data[:60]!r}")

    def unknown_decl(self, data: str) -> None:
        # <![CDATA[...]]> in inline SVG: its content is judged as text.
        self.texts.append(("a CDATA section", data, False))


def _excerpt(text: str, match: re.Match[str]) -> str:
    start = max(0, match.start() - 20)
    return repr(" ".join(text[start : match.end() + 30].split()))


def publishing_problems(page: str, private: tuple[str, ...] | None = None) -> list[str]:
    """Reasons a page must not be published (empty when it is fine): structure, then content.

    ``private`` are further strings the page must not contain (default: the user's name, if
    it is long and specific enough not to be an ordinary word).

    Examples
    --------
    >>> publishing_problems("<p>n = 20 / 22 børn/familier, 16/5-2011</p>", private=())
    []
    >>> publishing_problems("<p>see /srv/dsr/kolding.csv</p>", private=())
    ["contains a local path in the text: 'see /srv/dsr/kolding.csv'"]
    >>> publishing_problems("<script src='https://cdn.example/x.js'></script>", private=())[0]
    'has a <script> element, which is not on the allow-list'
    """
    parser = _Page()
    parser.feed(page)
    parser.close()
    problems = parser.problems + parser.content_problems()
    for secret in _private_strings() if private is None else private:
        if secret and re.search(rf"(?<!\w){re.escape(secret)}(?!\w)", page):
            problems.append("contains the local user's name")
            break
    if len(problems) > _MAX_PROBLEMS:
        hidden = len(problems) - _MAX_PROBLEMS
        problems = [*problems[:_MAX_PROBLEMS], f"... and {hidden} more"]
    return problems


def _private_strings() -> tuple[str, ...]:
    try:
        user = getpass.getuser()
    except (KeyError, OSError):  # pragma: no cover - no user database
        return ()
    # Short or generic account names ("root") would match ordinary words; the path rules
    # already find home folders.
    if len(user) >= 4 and user not in ("root", "runner", "user", "admin", "jovyan"):
        return (user,)
    return ()


def check_publishable(page: str) -> None:
    """Raise BuildError if :func:`publishing_problems` finds anything.

    >>> check_publishable("<p>Indsats – Kolding</p>")  # fine: returns None
    """
    problems = publishing_problems(page)
    if problems:
        raise BuildError("refusing to publish a page that " + "; ".join(problems))
