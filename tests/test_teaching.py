"""The teaching edition (``dsr teach``): editions, handouts, the checker and the CLI.

The fast tests run on a tiny example lesson (tests/fixtures/teaching/00_example.ipynb: two
exercises, one hidden test, da/en Markdown); the generic tests check every real lesson in
notebooks/teaching/ against the source format, and (slow) that its teacher edition passes the
checker while its student edition fails every exercise.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import nbformat
import pytest
from click.testing import CliRunner
from test_language import danish_words, visible_text
from test_layering import import_graph

from dsr_analysis import config
from dsr_analysis.cli import main
from dsr_analysis.errors import BuildError
from dsr_analysis.teaching.check import NOT_DONE, check_notebook
from dsr_analysis.teaching.editions import student_edition, teacher_edition
from dsr_analysis.teaching.handout import handout_html
from dsr_analysis.teaching.source import (
    BEGIN_HIDDEN,
    BEGIN_SOLUTION,
    END_HIDDEN,
    END_SOLUTION,
    LESSON_GLOB,
    LESSONS_DIR,
    grade_id,
    has_block,
    is_solution,
    is_test,
    tags,
    write_notebook,
)

FIXTURES = Path(__file__).parent / "fixtures" / "teaching"
EXAMPLE = FIXTURES / "00_example.ipynb"
LESSONS = sorted((config.PROJECT_ROOT / "notebooks" / "teaching").glob(LESSON_GLOB))


def read(path: Path) -> nbformat.NotebookNode:
    return nbformat.read(str(path), as_version=4)


def block_lines(source: str, begin: str, end: str) -> list[str]:
    """The non-empty lines inside every ``begin``…``end`` block of ``source``."""
    found, inside = [], False
    for line in source.splitlines():
        if line.strip() == begin:
            inside = True
        elif line.strip() == end:
            inside = False
        elif inside and line.strip():
            found.append(line.strip())
    return found


def all_text(notebook: nbformat.NotebookNode) -> str:
    return "\n".join(cell.source for cell in notebook.cells)


def markdown_text(notebook: nbformat.NotebookNode) -> str:
    """The lesson's prose: its markdown without code spans (`"Alle"`, a row label used as a
    key is code, as the code cells are)."""
    return "\n".join(re.sub(r"`[^`]*`", " ", c.source)
                     for c in notebook.cells if c.cell_type == "markdown")


def solved(student: nbformat.NotebookNode, teacher: nbformat.NotebookNode, ids: set[str]):
    """The student edition with the teacher's answers for the exercises ``ids``."""
    answers = {grade_id(c): c.source for c in teacher.cells if is_solution(c)}
    notebook = nbformat.from_dict(student)
    for cell in notebook.cells:
        if is_solution(cell) and grade_id(cell) in ids:
            cell.source = answers[grade_id(cell)]
    return notebook


# ---- The structure of a lesson's editions: the example and every real lesson ----------------


def assert_source_format(path: Path) -> None:
    source = read(path)
    for cell in source.cells:
        if cell.cell_type == "code":
            assert cell.outputs == [] and cell.execution_count is None, (
                f"{path.name}: committed with outputs")
        if cell.cell_type == "markdown":
            assert len(tags(cell) & {"da", "en"}) == 1, f"{path.name}: untagged Markdown"
    solutions = [c for c in source.cells if is_solution(c)]
    tests = [c for c in source.cells if is_test(c)]
    assert solutions and tests, f"{path.name}: no exercises"
    for cell in solutions:
        assert has_block(cell.source, BEGIN_SOLUTION, END_SOLUTION), (
            f"{path.name}: a solution cell without markers: {cell.source[:60]!r}")
        assert grade_id(cell) and cell.metadata.nbgrader.get("solution") is True
    for cell in tests:
        assert grade_id(cell), f"{path.name}: a test cell without grade_id"
    assert len({grade_id(c) for c in solutions + tests}) == len(solutions + tests)


def lines_outside_blocks(text: str) -> list[str]:
    """A cell's lines that are in no solution and no hidden-test block."""
    kept, inside = [], False
    for line in text.splitlines():
        if line.strip() in (BEGIN_SOLUTION, BEGIN_HIDDEN):
            inside = True
        elif line.strip() in (END_SOLUTION, END_HIDDEN):
            inside = False
        elif not inside:
            kept.append(line)
    return kept


def assert_student_editions(path: Path) -> None:
    source = read(path)
    answers = [line for c in source.cells if is_solution(c)
               for line in block_lines(c.source, BEGIN_SOLUTION, END_SOLUTION)]
    hidden = [line for c in source.cells if is_test(c)
              for line in block_lines(c.source, BEGIN_HIDDEN, END_HIDDEN)]
    # A line the lesson also has outside its answers ('"criterion": {') gives nothing away.
    outside = {line.strip() for c in source.cells if c.cell_type == "code"
               for line in lines_outside_blocks(c.source)}
    answers = [line for line in answers if line.strip() and line.strip() not in outside]
    hidden = [line for line in hidden if line.strip() and line.strip() not in outside]
    for lang in ("da", "en"):
        student = student_edition(source, lang)
        text = all_text(student)
        for marker in (BEGIN_SOLUTION, END_SOLUTION, BEGIN_HIDDEN, END_HIDDEN):
            assert marker not in text
        code = [c for c in student.cells if c.cell_type == "code"]
        code_lines = {line.strip() for c in code for line in c.source.splitlines()}
        assert not code_lines & set(answers), f"{path.name} ({lang}): solution text left"
        assert not code_lines & set(hidden), f"{path.name} ({lang}): hidden test left"
        assert all(c.outputs == [] and c.execution_count is None for c in code)
        assert sum("raise NotImplementedError()" in c.source for c in code) == len(
            [c for c in source.cells if is_solution(c)])
        other = {"da": "en", "en": "da"}[lang]
        assert not [c for c in student.cells if other in tags(c)]
        parameters = [c for c in student.cells if "parameters" in tags(c)]
        assert parameters and f'lang = "{lang}"' in parameters[0].source
    english = markdown_text(student_edition(source, "en"))
    assert danish_words(english) == [], f"{path.name}: Danish in the English edition"


def test_the_example_follows_the_source_format():
    assert_source_format(EXAMPLE)


def test_the_example_student_editions_hold_no_solution_hidden_test_or_output():
    assert_student_editions(EXAMPLE)


def test_the_solution_keeps_its_indentation():
    student = student_edition(read(EXAMPLE), "en")
    share = next(c for c in student.cells if grade_id(c) == "00_example-share")
    assert share.source.splitlines()[-1] == "    raise NotImplementedError()"
    assert share.source.startswith("def share(count, total):")


def test_the_student_edition_is_byte_identical_on_every_build(tmp_path):
    first = write_notebook(student_edition(read(EXAMPLE), "da"), tmp_path / "a.ipynb")
    second = write_notebook(student_edition(read(EXAMPLE), "da"), tmp_path / "b.ipynb")
    assert first.read_bytes() == second.read_bytes()
    assert b"papermill" not in first.read_bytes()


@pytest.mark.parametrize("lesson", LESSONS, ids=lambda p: p.stem)
def test_a_lesson_follows_the_source_format(lesson):
    assert_source_format(lesson)


@pytest.mark.parametrize("lesson", LESSONS, ids=lambda p: p.stem)
def test_a_lessons_student_editions_hold_no_solution_hidden_test_or_output(lesson):
    assert_student_editions(lesson)


# ---- Building, checking and the CLI on the example ---------------------------------------------


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    """``dsr teach`` on the example and a lesson that fails: (result, output folder)."""
    lessons = tmp_path_factory.mktemp("lessons")
    shutil.copy(EXAMPLE, lessons / EXAMPLE.name)
    broken = read(EXAMPLE)
    broken.cells.insert(3, nbformat.v4.new_code_cell("1 / 0"))
    broken.cells[3]["id"] = "broken"
    nbformat.write(broken, str(lessons / "01_broken.ipynb"))
    out = tmp_path_factory.mktemp("teaching")
    result = CliRunner().invoke(main, ["teach", "--out", str(out), "--lessons", str(lessons)])
    return result, out


def test_one_failing_lesson_stops_no_other_and_is_named(built):
    result, out = built
    assert result.exit_code == 1
    assert "01_broken" in result.output and "ZeroDivisionError" in result.output
    assert "Traceback" not in result.output
    assert "built 00_example (da, en)" in result.output
    def written(edition):
        return sorted(str(p.relative_to(out / edition)) for p in (out / edition).rglob("*.*"))

    # The broken lesson's student editions are written before its teacher edition fails.
    assert written("student") == ["da/00_example.ipynb", "da/01_broken.ipynb",
                                  "en/00_example.ipynb", "en/01_broken.ipynb"]
    assert written("teacher") == ["da/00_example.ipynb", "en/00_example.ipynb"]
    assert sorted(str(p.relative_to(out)) for p in (out / "handouts").rglob("*.html")) == [
        "handouts/da/00_example.html", "handouts/en/00_example.html"]


def test_the_teacher_edition_is_executed_without_run_records(built):
    _, out = built
    teacher = read(out / "teacher" / "en" / "00_example.ipynb")
    text = (out / "teacher" / "en" / "00_example.ipynb").read_text(encoding="utf-8")
    assert "papermill" not in text and "injected-parameters" not in text
    assert "start_time" not in text and "duration" not in text
    counts = [c.execution_count for c in teacher.cells if c.cell_type == "code"]
    assert counts == list(range(1, len(counts) + 1))
    assert BEGIN_HIDDEN in all_text(teacher)  # the teacher sees the hidden tests
    outputs = [o for c in teacher.cells if c.cell_type == "code" for o in c.outputs]
    assert any("image/svg+xml" in o.get("data", {}) for o in outputs)
    assert 'lang = "en"' in all_text(teacher)


def test_the_teacher_edition_is_byte_identical_on_every_build(built, tmp_path):
    _, out = built
    again = write_notebook(teacher_edition(read(EXAMPLE), "en"), tmp_path / "t.ipynb")
    assert again.read_bytes() == (out / "teacher" / "en" / "00_example.ipynb").read_bytes()


def test_the_handout_shows_code_and_outputs_offline(built):
    _, out = built
    page = (out / "handouts" / "en" / "00_example.html").read_text(encoding="utf-8")
    assert "def" in page and "share" in page and "3 institutions" in page  # code and output
    assert "<svg" in page and "Synthetic data" in page
    assert not re.search(r"<script|<img|<link|https?://(?!www\.w3\.org/)", page)
    assert danish_words(visible_text(page)) == []
    danish = (out / "handouts" / "da" / "00_example.html").read_text(encoding="utf-8")
    assert "Syntetiske data" in danish and "Opgave 1" in danish


def test_the_handout_refuses_what_may_not_be_published():
    teacher = read(EXAMPLE)
    teacher.cells[5].outputs = [nbformat.v4.new_output(
        "display_data", data={"text/html": "<script>alert(1)</script>"})]
    with pytest.raises(BuildError, match="script"):
        handout_html(teacher, "en")


def test_the_student_edition_fails_every_exercise_as_delivered(built):
    _, out = built
    results = check_notebook(out / "student" / "en" / "00_example.ipynb", FIXTURES)
    assert [r.exercise for r in results] == ["00_example-share", "00_example-total"]
    assert [r.passed for r in results] == [False, False]
    assert all(r.message == NOT_DONE for r in results)
    assert str(results[1]) == f"Exercise 2 (00_example-total): {NOT_DONE}"


def test_the_teacher_edition_passes_the_check(built):
    _, out = built
    results = check_notebook(out / "teacher" / "da" / "00_example.ipynb", FIXTURES)
    assert [r.passed for r in results] == [True, True]


def test_exactly_the_solved_exercise_passes_and_hidden_tests_count(built, tmp_path):
    _, out = built
    student = read(out / "student" / "en" / "00_example.ipynb")
    teacher = read(out / "teacher" / "en" / "00_example.ipynb")
    attempt = solved(student, teacher, {"00_example-total"})
    share = next(c for c in attempt.cells if grade_id(c) == "00_example-share")
    # Passes the visible test, fails the hidden one.
    share.source = share.source.replace("raise NotImplementedError()", "return 0.25")
    path = tmp_path / "00_example.ipynb"
    nbformat.write(attempt, str(path))
    results = check_notebook(path, FIXTURES)
    assert [r.passed for r in results] == [False, True]
    assert results[0].message == "failed: share(0, 5) should be 0"


def test_dsr_teach_check_exit_codes(built, tmp_path):
    _, out = built
    runner = CliRunner()

    def check(path):
        return runner.invoke(main, ["teach", "check", str(path), "--lessons", str(FIXTURES)])

    failing = check(out / "student" / "da" / "00_example.ipynb")
    assert failing.exit_code == 1 and "0 of 2 exercises passed" in failing.output
    assert "Exercise 1 (00_example-share): not done yet" in failing.output
    passing = check(out / "teacher" / "en" / "00_example.ipynb")
    assert passing.exit_code == 0 and "2 of 2 exercises passed" in passing.output
    (tmp_path / "00_example.ipynb").write_text("not json", encoding="utf-8")
    broken = check(tmp_path / "00_example.ipynb")
    assert broken.exit_code == 1 and "is not a Jupyter notebook" in broken.output
    stray = tmp_path / "99_unknown.ipynb"
    shutil.copy(EXAMPLE, stray)
    unknown = check(stray)
    assert unknown.exit_code == 1 and "no lesson 99_unknown.ipynb" in unknown.output
    for result in (failing, passing, broken, unknown):
        assert "Traceback" not in result.output
        assert not isinstance(result.exception, Exception) or isinstance(
            result.exception, SystemExit)


def test_dsr_teach_with_no_lessons_builds_nothing(tmp_path):
    result = CliRunner().invoke(main, ["teach", "build", "--out", str(tmp_path / "o"),
                                       "--lessons", str(tmp_path)])
    assert result.exit_code == 0 and "no lessons" in result.output


def test_nothing_but_the_cli_imports_the_teaching_package():
    graph = import_graph()
    importers = sorted(m for m, targets in graph.items() if not m.startswith(
        "dsr_analysis.teaching") and any(t.startswith("dsr_analysis.teaching") for t in targets))
    assert importers == ["dsr_analysis.cli"]
    assert LESSONS_DIR == config.NOTEBOOKS_DIR / "teaching"


# ---- Every real lesson runs (slow) ---------------------------------------------------------------


def reader_text(notebook) -> str:
    """The markdown and the outputs of an executed notebook, as a reader sees them; code
    spans in the markdown (`"Alle"`, a row label) are code, as the code cells are."""
    parts = []
    for cell in notebook.cells:
        if cell.cell_type == "markdown":
            parts.append(re.sub(r"`[^`]*`", " ", cell.source))
        for output in cell.get("outputs", []):
            parts.append(output.get("text", ""))
            data = output.get("data", {})
            parts.append(visible_text(data.get("text/html", "")) or data.get("text/plain", ""))
    return "\n".join(parts)


@pytest.mark.slow
@pytest.mark.parametrize("lesson", LESSONS, ids=lambda p: p.stem)
@pytest.mark.parametrize("lang", ["da", "en"])
def test_a_lessons_teacher_edition_passes_and_its_student_edition_fails(lesson, lang, tmp_path):
    source = read(lesson)
    teacher = write_notebook(teacher_edition(source, lang), tmp_path / "teacher" / lesson.name)
    student = write_notebook(student_edition(source, lang), tmp_path / "student" / lesson.name)
    passed = check_notebook(teacher, LESSONS_DIR)
    assert all(r.passed for r in passed), [str(r) for r in passed if not r.passed]
    failed = check_notebook(student, LESSONS_DIR)
    assert failed and not any(r.passed for r in failed), [str(r) for r in failed if r.passed]
    if lang == "en":
        # What the reader reads besides the code: the lesson's text and every output. The code
        # is the same in both editions and may hold Danish data (a criterion's Danish text,
        # a printed row label used as a key), as the programme-theory file does.
        executed = read(teacher)
        assert danish_words(reader_text(executed)) == [], lesson.name
        assert "<html" in handout_html(executed, "en")
