"""A griffe extension for the documentation site: doctests outside an Examples section are code.

Many docstrings show a doctest right under their summary (``>>> f(1)`` and its output), with
no numpydoc "Examples" heading. The numpy parser renders such lines as Markdown, where ``>>>``
is a nested quote and an output like ``['a', 'b']`` a link to nowhere (a warning, so a failed
``mkdocs build --strict``). This extension fences each such block as ``pycon`` before parsing,
so the site shows it as the console session it is, and the docstrings stay as they are (the
doctests run from them). Blocks inside an Examples section are left to the numpy parser, which
already reads them as code.
"""

from __future__ import annotations

import re
from typing import Any

import griffe

_FENCE = re.compile(r"^\s*(```|~~~)")
_UNDERLINE = re.compile(r"^\s*-{3,}\s*$")


def fence_doctests(text: str) -> str:
    """``text`` with every doctest block outside an Examples section fenced as ``pycon``.

    A block starts at a ``>>>`` line and runs to the next blank line, as doctest reads it.

    >>> fence_doctests("Sum.\\n\\n>>> 1 + 1\\n2\\n\\nMore.").splitlines()
    ['Sum.', '', '```pycon', '>>> 1 + 1', '2', '```', '', 'More.']
    >>> fence_doctests("Examples\\n--------\\n>>> 1\\n1") == "Examples\\n--------\\n>>> 1\\n1"
    True
    """
    lines = text.split("\n")
    out: list[str] = []
    in_examples = in_fence = in_block = False
    indent = ""
    for i, line in enumerate(lines):
        following = lines[i + 1] if i + 1 < len(lines) else ""
        if in_block and not line.strip():
            out.append(indent + "```")
            in_block = False
        if not in_block and _UNDERLINE.match(following) and line.strip():
            # A numpydoc section heading: is it the Examples section?
            in_examples = line.strip() == "Examples"
        if _FENCE.match(line):
            in_fence = not in_fence
        elif (not in_block and not in_fence and not in_examples
              and line.lstrip().startswith(">>>")):
            indent = line[: len(line) - len(line.lstrip())]
            out.append(indent + "```pycon")
            in_block = True
        out.append(line)
    if in_block:
        out.append(indent + "```")
    return "\n".join(out)


class DoctestBlocks(griffe.Extension):
    """Fence the doctests of every docstring griffe reads (see :func:`fence_doctests`)."""

    def on_instance(self, *, obj: griffe.Object, **kwargs: Any) -> None:
        if obj.docstring is not None:
            obj.docstring.value = fence_doctests(obj.docstring.value)
