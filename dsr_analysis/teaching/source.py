"""A lesson's source notebook: its cells' roles, languages and nbgrader markers.

The format (fixed; see the package docstring): Markdown cells carry one language tag, ``da``
or ``en``; code cells are shared. A solution cell is tagged ``solution`` and holds its answer
between ``### BEGIN SOLUTION`` and ``### END SOLUTION``; a test cell is tagged ``tests``, has
``metadata.nbgrader.grade_id`` and may hold lines between ``### BEGIN HIDDEN TESTS`` and
``### END HIDDEN TESTS`` that only the teacher sees.
"""

from __future__ import annotations

import copy
import re
from pathlib import Path
from typing import TYPE_CHECKING

from dsr_analysis import config

if TYPE_CHECKING:  # nbformat pulls in jsonschema: not at import time of the CLI
    import nbformat

#: Where the lesson sources live, and the names they have.
LESSONS_DIR = config.NOTEBOOKS_DIR / "teaching"
LESSON_GLOB = "[0-9][0-9]_*.ipynb"
LANGUAGES = ("da", "en")

BEGIN_SOLUTION = "### BEGIN SOLUTION"
END_SOLUTION = "### END SOLUTION"
BEGIN_HIDDEN = "### BEGIN HIDDEN TESTS"
END_HIDDEN = "### END HIDDEN TESTS"

_LANG_LINE = re.compile(r"^lang\s*=.*$", re.MULTILINE)


def lessons(folder: Path = LESSONS_DIR) -> list[Path]:
    """The lesson sources in ``folder`` (``NN_topic.ipynb``), in their order."""
    return sorted(folder.glob(LESSON_GLOB))


def read_notebook(path: Path) -> nbformat.NotebookNode:
    """The notebook at ``path``; ValueError with a plain reason if it is not one."""
    import nbformat

    try:
        return nbformat.read(str(path), as_version=4)
    except OSError as error:
        raise ValueError(f"cannot read {path}: {error.strerror or error}") from None
    except Exception:  # noqa: BLE001 - nbformat raises JSON, validation and other errors
        raise ValueError(f"{path} is not a Jupyter notebook (.ipynb)") from None


def tags(cell) -> set[str]:
    return set(cell.get("metadata", {}).get("tags", []))


def grade_id(cell) -> str | None:
    return cell.get("metadata", {}).get("nbgrader", {}).get("grade_id")


def is_solution(cell) -> bool:
    return cell.cell_type == "code" and "solution" in tags(cell)


def is_test(cell) -> bool:
    return cell.cell_type == "code" and "tests" in tags(cell)


def cell_language(cell) -> str | None:
    """The language a Markdown cell is written in (None for a shared cell)."""
    found = tags(cell) & set(LANGUAGES)
    return next(iter(found)) if len(found) == 1 else None


def in_language(notebook: nbformat.NotebookNode, lang: str,
                set_parameters: bool = True) -> nbformat.NotebookNode:
    """A copy with only ``lang``'s Markdown (shared cells kept) and, if ``set_parameters``,
    ``lang = "<lang>"`` in the parameters cell."""
    edition = copy.deepcopy(notebook)
    edition.cells = [c for c in edition.cells if cell_language(c) in (None, lang)]
    for cell in edition.cells:
        if set_parameters and "parameters" in tags(cell):
            cell.source = set_lang(cell.source, lang)
    return edition


def set_lang(source: str, lang: str) -> str:
    """The parameters cell's source with ``lang`` set (appended if it had none).

    >>> set_lang('lang = "da"  # da or en', "en")
    'lang = "en"'
    >>> set_lang("seed = 1", "en")
    'seed = 1\\nlang = "en"'
    """
    line = f'lang = "{lang}"'
    if _LANG_LINE.search(source):
        return _LANG_LINE.sub(line, source, count=1)
    return f"{source}\n{line}" if source else line


def without_solution(source: str) -> str:
    """The answer between the solution markers (inclusive) replaced by ``raise
    NotImplementedError()`` at the markers' indentation.

    >>> print(without_solution("def f():\\n    ### BEGIN SOLUTION\\n    return 1\\n"
    ...                        "    ### END SOLUTION\\nx = 1"))
    def f():
        raise NotImplementedError()
    x = 1
    """
    return _replace_blocks(source, BEGIN_SOLUTION, END_SOLUTION, "raise NotImplementedError()")


def without_hidden_tests(source: str) -> str:
    """The test cell's source without its hidden tests (markers included).

    >>> without_hidden_tests("assert a\\n### BEGIN HIDDEN TESTS\\nassert b\\n### END HIDDEN TESTS")
    'assert a'
    """
    return _replace_blocks(source, BEGIN_HIDDEN, END_HIDDEN, None)


def has_block(source: str, begin: str, end: str) -> bool:
    """Whether ``source`` holds a complete ``begin``…``end`` block."""
    lines = [line.strip() for line in source.splitlines()]
    return begin in lines and end in lines and lines.index(begin) < lines.index(end)


def _replace_blocks(source: str, begin: str, end: str, replacement: str | None) -> str:
    out: list[str] = []
    inside = False
    for line in source.splitlines():
        stripped = line.strip()
        if not inside and stripped == begin:
            inside = True
            if replacement is not None:
                out.append(line[: len(line) - len(line.lstrip())] + replacement)
        elif inside and stripped == end:
            inside = False
        elif not inside:
            out.append(line)
    if inside:
        raise ValueError(f"{begin!r} without {end!r}")
    return "\n".join(out)


def write_notebook(notebook: nbformat.NotebookNode, path: Path) -> Path:
    """Write a notebook atomically; the same notebook always gives the same bytes."""
    import nbformat

    from dsr_analysis.files import atomic_write_text

    return atomic_write_text(path, nbformat.writes(notebook) + "\n")
