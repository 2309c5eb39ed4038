"""Checking a student's notebook: the teacher's hidden tests put back, every exercise run.

A student hands in a filled student edition. :func:`check_notebook` finds the lesson's source
of the same file name, replaces each test cell (matched by ``metadata.nbgrader.grade_id``)
with the teacher's full test, hidden tests included, executes the whole notebook with errors
allowed (a failing exercise stops none of the others) and says, per exercise, whether it
passed, is not done yet (the answer still raises ``NotImplementedError``) or failed, and why,
in plain words.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass
from pathlib import Path

from dsr_analysis.errors import DsrError
from dsr_analysis.teaching.source import grade_id, is_solution, is_test, read_notebook

NOT_DONE = "not done yet — the solution still raises NotImplementedError"


class CheckError(DsrError):
    """A notebook cannot be checked: not a notebook, or no lesson source matches it."""


@dataclass(frozen=True)
class Result:
    """One exercise's result: its number in the lesson, its grade id and what happened."""

    number: int
    exercise: str
    passed: bool
    message: str = "passed"

    def __str__(self) -> str:
        return f"Exercise {self.number} ({self.exercise}): {self.message}"


def check_notebook(path: Path | str, source_dir: Path | str) -> list[Result]:
    """Run the student's notebook at ``path`` against the hidden tests of the lesson of the
    same name in ``source_dir``; one result per exercise, in the lesson's order.

    Raises
    ------
    CheckError
        If ``path`` is not a notebook or ``source_dir`` has no lesson of its name.
    """
    from dsr_analysis.teaching import kernel

    path, source_path = Path(path), Path(source_dir) / Path(path).name
    if not path.is_file():
        raise CheckError(f"{path} does not exist")
    try:
        student = read_notebook(path)
    except ValueError as error:
        raise CheckError(str(error)) from None
    if not source_path.is_file():
        raise CheckError(f"no lesson {path.name} in {source_dir}: a student's notebook keeps "
                         "the file name of its lesson")
    tests = {grade_id(c): c.source for c in read_notebook(source_path).cells if is_test(c)}
    if not tests:
        raise CheckError(f"the lesson {path.name} has no test cells")
    graded = _with_hidden_tests(student, tests)
    try:
        executed = kernel.execute_all(graded)
    except Exception as error:  # noqa: BLE001 - a cell timing out, the kernel dying
        reason = getattr(error, "ename", None) or type(error).__name__
        raise CheckError(f"{path.name} could not be run to the end ({reason}): a cell that "
                         f"runs for more than {kernel.CELL_TIMEOUT} s, or a kernel that "
                         "died") from None
    return _results(executed, list(tests))


def _with_hidden_tests(student, tests: dict[str, str]):
    notebook = copy.deepcopy(student)
    for cell in notebook.cells:
        if cell.cell_type == "code":
            cell.outputs, cell.execution_count = [], None
            if grade_id(cell) in tests:
                cell.source = tests[grade_id(cell)]
    return notebook


def _results(executed, test_ids: list[str]) -> list[Result]:
    cells = {grade_id(c): c for c in executed.cells if c.cell_type == "code" and grade_id(c)}
    results = []
    for number, test_id in enumerate(test_ids, start=1):
        exercise = test_id.removesuffix("-tests")
        test = cells.get(test_id)
        if test is None:
            results.append(Result(number, exercise, False,
                                  "failed: its test cell is missing from the notebook"))
            continue
        solution = cells.get(exercise) or _solution_before(executed, test)
        results.append(_result(number, exercise, _error(solution), _error(test)))
    return results


def _solution_before(executed, test):
    before = executed.cells[: executed.cells.index(test)]
    return next((c for c in reversed(before) if is_solution(c)), None)


def _error(cell) -> tuple[str, str] | None:
    """The error a cell ended with: its exception's name and message, or None."""
    for output in (cell.outputs if cell is not None else []):
        if output.get("output_type") == "error":
            return output.get("ename", "Error"), output.get("evalue", "")
    return None


def _result(number: int, exercise: str, solution: tuple | None, test: tuple | None) -> Result:
    if test is None:
        return Result(number, exercise, True)
    if "NotImplementedError" in (test[0], (solution or ("",))[0]):
        return Result(number, exercise, False, NOT_DONE)
    if test[0] == "AssertionError":
        reason = test[1] or "an assert without a message did not hold"
        return Result(number, exercise, False, f"failed: {reason}")
    if solution is not None:
        return Result(number, exercise, False,
                      f"failed: the solution cell stopped with {_plain(*solution)}")
    return Result(number, exercise, False, f"failed: the test stopped with {_plain(*test)}")


def _plain(ename: str, evalue: str) -> str:
    """An exception in words.

    >>> _plain("NameError", "name 'x' is not defined")
    "NameError (a name is not defined — is the cell that defines it run?): name 'x' is not defined"
    >>> _plain("ValueError", "bad")
    'ValueError: bad'
    """
    hints = {
        "NameError": "a name is not defined — is the cell that defines it run?",
        "TypeError": "a value of the wrong type, or a call with the wrong arguments",
        "KeyError": "a key or column that is not there",
        "AttributeError": "a name that the object does not have",
        "ZeroDivisionError": "a division by zero",
    }
    hint = f" ({hints[ename]})" if ename in hints else ""
    return f"{ename}{hint}: {evalue}" if evalue else f"{ename}{hint}"
