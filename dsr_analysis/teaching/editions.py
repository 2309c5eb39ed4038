"""The four editions of a lesson: student and teacher, in Danish and in English.

The student edition is what a student fills in: one language's Markdown, every answer between
the solution markers replaced by ``raise NotImplementedError()``, the hidden tests removed,
no outputs. The teacher edition keeps the answers and the hidden tests and is executed (with
papermill, ``lang`` injected), outputs kept.

Both are deterministic: the same source gives the same bytes. Cell ids are the source's
(or ``cell-N`` where it has none); the teacher edition is stripped of papermill's and
nbclient's run records (timings, paths, parameters), papermill's injected-parameters cell is
folded back into the parameters cell and execution counts are renumbered 1, 2, ....
"""

from __future__ import annotations

import copy
from typing import TYPE_CHECKING

from dsr_analysis.teaching import kernel
from dsr_analysis.teaching.source import (
    in_language,
    is_solution,
    is_test,
    set_lang,
    tags,
    without_hidden_tests,
    without_solution,
)

if TYPE_CHECKING:
    import nbformat

#: Notebook metadata an edition keeps (papermill's records and the authors' editors' are not).
KEPT_METADATA = ("kernelspec", "language_info")
#: Cell metadata an edition keeps: the tags and nbgrader's grade ids the checker matches by.
KEPT_CELL_METADATA = ("tags", "nbgrader")


def student_edition(source: nbformat.NotebookNode, lang: str) -> nbformat.NotebookNode:
    """The edition a student fills in, in ``lang``."""
    edition = _tidy(in_language(source, lang))
    for cell in edition.cells:
        if is_solution(cell):
            cell.source = without_solution(cell.source)
        elif is_test(cell):
            cell.source = without_hidden_tests(cell.source)
        if cell.cell_type == "code":
            cell.outputs = []
            cell.execution_count = None
    return edition


def teacher_source(source: nbformat.NotebookNode, lang: str) -> nbformat.NotebookNode:
    """The teacher edition in ``lang`` before it is executed: answers and hidden tests kept."""
    # The parameters cell keeps the source's default; papermill injects the edition's language.
    edition = _tidy(in_language(source, lang, set_parameters=False))
    for cell in edition.cells:
        if cell.cell_type == "code":
            cell.outputs = []
            cell.execution_count = None
    return edition


def teacher_edition(source: nbformat.NotebookNode, lang: str) -> nbformat.NotebookNode:
    """The executed teacher edition in ``lang``.

    Raises papermill's execution error if a cell fails (its ``ename``/``evalue`` say why).
    """
    executed = kernel.execute(teacher_source(source, lang), parameters={"lang": lang})
    return _without_run_records(executed, lang)


def _tidy(notebook: nbformat.NotebookNode) -> nbformat.NotebookNode:
    """Only the metadata that belongs in an edition, and a stable id on every cell."""
    import nbformat

    notebook.metadata = nbformat.NotebookNode(
        {k: v for k, v in notebook.metadata.items() if k in KEPT_METADATA})
    notebook.nbformat, notebook.nbformat_minor = 4, max(notebook.get("nbformat_minor", 5), 5)
    for number, cell in enumerate(notebook.cells):
        cell.metadata = nbformat.NotebookNode(
            {k: v for k, v in cell.metadata.items() if k in KEPT_CELL_METADATA and v})
        if "attachments" in cell and not cell.attachments:
            del cell["attachments"]
        if not cell.get("id"):
            cell["id"] = f"cell-{number}"
    return notebook


def _without_run_records(executed: nbformat.NotebookNode, lang: str) -> nbformat.NotebookNode:
    """The executed notebook as if it had been written so: no papermill, no timings."""
    notebook = copy.deepcopy(executed)
    notebook.cells = [c for c in notebook.cells if "injected-parameters" not in tags(c)]
    number = 0
    for cell in notebook.cells:
        if "parameters" in tags(cell):
            cell.source = set_lang(cell.source, lang)
        if cell.cell_type != "code":
            continue
        if cell.execution_count is not None:
            number += 1
            cell.execution_count = number
        for output in cell.outputs:
            if "execution_count" in output:
                output.execution_count = cell.execution_count
    return _tidy(notebook)
