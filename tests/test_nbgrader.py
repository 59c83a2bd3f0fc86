"""The lessons as nbgrader assignments.

First the cells themselves (fast, no nbgrader needed): every exercise is a solution cell followed by a graded
test cell whose points agree everywhere they are written (nbgrader's metadata, the cell's last line
`exN.points(P)`, the exercise's heading), and the stored outputs show the reference solutions earning every
point. Then nbgrader itself, end to end, on a throw-away course directory (see `test_nbgrader_grades_...`).
"""

from __future__ import annotations

import importlib.util
import json
import os
import re
import sys
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parent.parent
_spec = importlib.util.spec_from_file_location("nbgrader_course", ROOT / "tools" / "nbgrader_course.py")
course_tool = importlib.util.module_from_spec(_spec)
sys.modules["nbgrader_course"] = course_tool
_spec.loader.exec_module(course_tool)
_spec = importlib.util.spec_from_file_location("make_student", ROOT / "tools" / "make_student.py")
make_student = importlib.util.module_from_spec(_spec)
sys.modules.setdefault("make_student", make_student)
_spec.loader.exec_module(make_student)
LESSONS = sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))
POINTS_LINE = re.compile(r"^(ex\d+)\.points\((\d+(?:\.\d+)?)\)$")
NBGRADER_KEYS = {"grade", "grade_id", "locked", "schema_version", "solution", "task"}


def nbgrader_cells(notebook) -> list[tuple[int, object, dict]]:
    """(index, cell, nbgrader metadata) of every cell that has nbgrader metadata."""
    return [(i, c, c.metadata["nbgrader"]) for i, c in enumerate(notebook.cells) if "nbgrader" in c.metadata]


def structure_problems(notebook) -> list[str]:
    """Everything that keeps a notebook from being an nbgrader assignment whose points agree, as messages
    that say which cell (counting from 0) and what to change. An empty list: nothing."""
    problems: list[str] = []
    cells = notebook.cells
    ids: dict[str, int] = {}
    for i, cell in enumerate(cells):
        meta = cell.metadata.get("nbgrader")
        source = cell.source
        where = f"cell {i}"
        if cell.cell_type != "code":
            for marker in ("BEGIN SOLUTION", "END SOLUTION", "BEGIN HIDDEN TESTS", "END HIDDEN TESTS"):
                if marker in source:  # nbgrader looks for the words anywhere in any cell
                    problems.append(f"{where}: a {cell.cell_type} cell says {marker!r}, which nbgrader takes for a marker; reword it")
            if meta:
                problems.append(f"{where}: only code cells are graded here, but this {cell.cell_type} cell has nbgrader metadata")
            continue
        has_solution = "### BEGIN SOLUTION" in source
        has_hidden = "### BEGIN HIDDEN TESTS" in source
        if meta is None:
            if has_solution:
                problems.append(f"{where}: a solution region in a cell without nbgrader metadata (make it a solution cell)")
            if has_hidden:
                problems.append(f"{where}: hidden tests in a cell without nbgrader metadata (make it a graded test cell)")
            continue
        if missing := NBGRADER_KEYS - set(meta):
            problems.append(f"{where}: nbgrader metadata lacks {sorted(missing)}")
            continue
        if meta["schema_version"] != 3:
            problems.append(f"{where}: nbgrader schema_version {meta['schema_version']}, expected 3 (nbgrader 0.9)")
        gid = meta["grade_id"]
        if gid in ids:
            problems.append(f"{where}: grade_id {gid!r} is used by cell {ids[gid]} too")
        ids[gid] = i
        if meta["solution"] and not meta["grade"]:  # an autograded answer
            if not re.fullmatch(r"ex\d+_answer", gid):
                problems.append(f"{where}: a solution cell's grade_id should be exN_answer, not {gid!r}")
            if not has_solution or meta["locked"]:
                problems.append(f"{where}: a solution cell must hold a solution region and stay unlocked")
            if has_hidden:
                problems.append(f"{where}: hidden tests belong in the graded test cell, not in the solution cell")
            following = next((c for c in cells[i + 1:] if c.cell_type == "code"), None)
            fmeta = following.metadata.get("nbgrader", {}) if following is not None else {}
            if not (fmeta.get("grade") and fmeta.get("grade_id") == gid.replace("_answer", "_check")):
                problems.append(f"{where}: the next code cell must be the graded test cell {gid.replace('_answer', '_check')!r}")
        elif meta["grade"] and not meta["solution"]:  # autograder tests
            if not re.fullmatch(r"ex\d+_check", gid):
                problems.append(f"{where}: a graded test cell's grade_id should be exN_check, not {gid!r}")
            if has_solution or not meta["locked"]:
                problems.append(f"{where}: a graded test cell holds no solution and is locked")
            points = meta.get("points")
            if not isinstance(points, (int, float)) or points <= 0:
                problems.append(f"{where}: a graded test cell needs points above 0, not {points!r}")
                continue
            last = [line for line in source.strip().splitlines() if line.strip()][-1]
            match = POINTS_LINE.match(last)
            if match is None:
                problems.append(f"{where}: the last line must be `{gid.split('_')[0]}.points({points})`, the points nbgrader reads, "
                                f"not {last!r}")
            elif match[1] != gid.split("_")[0] or float(match[2]) != float(points):
                problems.append(f"{where}: the last line says {last!r}, the metadata {gid} is worth {points}")
            if has_hidden and source.index("### END HIDDEN TESTS") > source.index(last):
                problems.append(f"{where}: the hidden tests must end before the points line")
        else:
            problems.append(f"{where}: nbgrader metadata that is neither a solution cell nor a graded test cell: {meta}")
    return problems


def points_of(notebook) -> dict[str, float]:
    """grade_id -> points of every graded test cell."""
    return {m["grade_id"]: m["points"] for _, _, m in nbgrader_cells(notebook) if m.get("grade")}


def heading_points(notebook) -> dict[str, int]:
    """exN -> the points the exercise's heading promises, e.g. `### Exercise 3 — define a word (2 points)`."""
    found = {}
    for cell in notebook.cells:
        if cell.cell_type == "markdown":
            for number, _, points in course_tool.HEADING.findall(cell.source):
                found[f"ex{number}"] = int(points)
    return found


@pytest.mark.parametrize("path", LESSONS, ids=lambda p: p.stem)
def test_every_exercise_is_a_solution_cell_and_a_graded_test_cell(path):
    notebook = nbformat.read(path, as_version=4)
    assert structure_problems(notebook) == []


@pytest.mark.parametrize("path", LESSONS, ids=lambda p: p.stem)
def test_each_exercise_heading_states_the_points_of_its_graded_cell(path):
    notebook = nbformat.read(path, as_version=4)
    graded = {gid.removesuffix("_check"): p for gid, p in points_of(notebook).items()}
    assert heading_points(notebook) == graded


@pytest.mark.parametrize("path", [p for p in LESSONS if points_of(nbformat.read(p, as_version=4))], ids=lambda p: p.stem)
def test_each_lesson_with_exercises_has_hidden_tests(path):
    sources = [c.source for c in nbformat.read(path, as_version=4).cells]
    assert any("### BEGIN HIDDEN TESTS" in s for s in sources)


@pytest.mark.parametrize("path", LESSONS, ids=lambda p: p.stem)
def test_stored_outputs_show_the_reference_solutions_earning_every_point(path):
    """What nbgrader would read from the committed (reference) notebook: the full points of every test cell,
    and nothing on stderr (nbgrader gives 0 for a test cell that wrote to stderr). nbval proves the stored
    outputs are what the code produces."""
    notebook = nbformat.read(path, as_version=4)
    for index, cell, meta in nbgrader_cells(notebook):
        if not meta.get("grade"):
            continue
        assert not any(o.output_type == "error" or o.get("name") == "stderr" for o in cell.outputs), f"cell {index}"
        results = [o for o in cell.outputs if o.output_type == "execute_result"]
        assert len(results) == 1, f"cell {index}: expected one result, the points"
        assert float(results[0].data["text/plain"]) == meta["points"], f"cell {index} ({meta['grade_id']})"


# -- the structure check can fail --------------------------------------------------------------------------

def _cell(source: str, **nbgrader) -> nbformat.NotebookNode:
    cell = nbformat.v4.new_code_cell(source)
    if nbgrader:
        cell.metadata["nbgrader"] = {"schema_version": 3, "task": False, "locked": False, **nbgrader}
    return cell


def _exercise(points_line: str = "ex1.points(2)", points: int = 2) -> list:
    return [
        _cell("def f():\n    ### BEGIN SOLUTION\n    return 1\n    ### END SOLUTION", grade=False, solution=True, grade_id="ex1_answer"),
        _cell(f"ex1 = check(f)\n### BEGIN HIDDEN TESTS\nex1 += check(f, more)\n### END HIDDEN TESTS\n{points_line}",
              grade=True, solution=False, grade_id="ex1_check", points=points, locked=True),
    ]


def test_a_well_formed_exercise_has_no_problems():
    assert structure_problems(nbformat.v4.new_notebook(cells=_exercise())) == []


@pytest.mark.parametrize(
    "cells, expected",
    [
        ([_cell("def f():\n    ### BEGIN SOLUTION\n    return 1\n    ### END SOLUTION")], "cell 0: a solution region in a cell without nbgrader metadata"),
        (_exercise("ex1.points(3)"), "cell 1: the last line says 'ex1.points(3)', the metadata ex1_check is worth 2"),
        (_exercise("print(ex1)"), "cell 1: the last line must be `ex1.points(2)`"),
        (_exercise()[:1], "cell 0: the next code cell must be the graded test cell 'ex1_check'"),
        ([nbformat.v4.new_markdown_cell("write it between ### BEGIN SOLUTION and ...")], "which nbgrader takes for a marker"),
        (_exercise() + _exercise(), "cell 2: grade_id 'ex1_answer' is used by cell 0 too"),
    ],
)
def test_structure_problems_say_which_cell_and_what(cells, expected):
    problems = structure_problems(nbformat.v4.new_notebook(cells=cells))
    assert any(p.startswith(expected) or expected in p for p in problems), problems


def test_a_heading_without_points_is_not_read_as_one():
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell("### Exercise 2 — count (3 points)\n\n### Exercise 3 — x")])
    assert heading_points(nb) == {"ex2": 3}


# -- nbgrader itself, end to end ---------------------------------------------------------------------------

GRADED_LESSONS = course_tool.lessons_with_exercises()


@pytest.fixture(scope="module")
def graded_course(tmp_path_factory):
    """Every lesson released by nbgrader, three students' work submitted and autograded (a few minutes:
    each lesson runs three times). Lessons are graded two at a time when there are two cores."""
    course = tmp_path_factory.mktemp("nbgrader") / "course"
    jobs = min(2, os.cpu_count() or 1)
    graded, problems, table = course_tool.selftest(course, GRADED_LESSONS, jobs=jobs, progress=lambda _: None)
    return course, graded, problems, table


def test_nbgrader_grades_every_lesson_reference_full_blank_zero_wrong_partial(graded_course, capsys):
    course, graded, problems, table = graded_course
    with capsys.disabled():  # the points per lesson, in make test's output
        print("\nnbgrader points per lesson (what tools/nbgrader_course.py selftest prints):\n" + table)
    assert {g.lesson for g in graded} == {p.stem for p in GRADED_LESSONS}
    assert problems == []


def test_the_blank_release_version_runs_to_the_end_each_check_saying_not_attempted(graded_course):
    _, graded, _, _ = graded_course
    for g in graded:
        if g.student == "blank":
            lesson = nbformat.read(ROOT / "notebooks" / f"{g.lesson}.ipynb", as_version=4)
            assert g.errors == [], g.lesson
            assert g.not_attempted >= len(points_of(lesson)), g.lesson  # every exercise's check, at least


def test_make_student_gives_the_cells_nbgrader_releases(graded_course):
    """`make student` (no nbgrader needed) and `make assignment` (nbgrader's generate_assignment) agree."""
    course, _, _, _ = graded_course
    for lesson in GRADED_LESSONS:
        mine, _ = make_student.student_version(nbformat.read(lesson, as_version=4))
        released = nbformat.read(course / "release" / lesson.stem / lesson.name, as_version=4)
        assert [c.cell_type for c in mine.cells] == [c.cell_type for c in released.cells], lesson.stem
        for index, (a, b) in enumerate(zip(mine.cells, released.cells)):
            assert a.source.rstrip("\n") == b.source.rstrip("\n"), f"{lesson.stem} cell {index}"
            if a.cell_type == "code":
                assert b.outputs == [] and a.outputs == []


# -- the end-to-end expectations can fail ------------------------------------------------------------------

def _graded(student, score, cells, errors=(), not_attempted=0):
    return course_tool.Graded("01_x", student, score, 7, cells, list(errors), not_attempted)


def test_problems_name_each_broken_expectation():
    graded = [
        _graded("reference", 5, {"ex1_check": (1, 1), "ex2_check": (0, 2)}),
        _graded("blank", 1, {"ex1_check": (1, 1)}, not_attempted=0),
        _graded("wrong", 7, {"ex2_check": (2, 2)}, errors=["cell 3: NameError: f"]),
    ]
    problems = course_tool.problems_of(graded, {"01_x": ("ex2_answer", 1)})
    text = "\n".join(problems)
    assert "the reference solutions earn 5 of 7 (lost in {'ex2_check': (0, 2)})" in text
    assert "the untouched release version earns 1 points, not 0" in text
    assert "no check of the untouched release version said" in text
    assert "the wrong answer to ex2_answer earns 2 in ex2_check, its file says 1" in text
    assert "the wrong submission earns 7 of 7: not partial" in text
    assert "stopped with an error" in text


def test_points_table_has_a_row_per_lesson_and_totals():
    graded = [_graded("reference", 7, {}), _graded("blank", 0, {}), _graded("wrong", 4.5, {})]
    table = course_tool.points_table(graded)
    assert "| 01_x | 7 | 7 | 0 | 4.5 |" in table and "| **all** | **7** | **7** | **0** | **4.5** |" in table


def test_a_wrong_answer_for_a_cell_that_is_not_a_solution_cell_is_refused():
    source = nbformat.v4.new_notebook(cells=_exercise())
    with pytest.raises(course_tool.CourseError, match="'ex9_answer', which is not a solution cell"):
        course_tool.wrong_submission(source, source, "ex9_answer", "x = 1")


def test_an_unknown_lesson_is_refused_with_the_known_ones():
    with pytest.raises(course_tool.CourseError, match="no lesson '42_nothing': the lessons are 00_course_index, "):
        course_tool.lessons_with_exercises(["42_nothing"])


if __name__ == "__main__":  # a quick report while converting lessons: python tests/test_nbgrader.py
    for lesson in LESSONS:
        nb = nbformat.read(lesson, as_version=4)
        print(lesson.stem, json.dumps(points_of(nb)), structure_problems(nb) or "ok")
