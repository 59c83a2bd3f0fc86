"""Tests of tools/make_student.py: the student versions of the lessons lose their solutions, hidden tests and
outputs. That they still run from top to bottom, every self-check falling back to the reference solution, is
proven by tests/test_nbgrader.py: nbgrader grades the same release versions (it checks the cells are the same)
as a blank submission of every lesson."""

from __future__ import annotations

import importlib.util
import re
import sys
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parent.parent
LESSONS = sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))

_spec = importlib.util.spec_from_file_location("make_student", ROOT / "tools" / "make_student.py")
make_student = importlib.util.module_from_spec(_spec)
sys.modules["make_student"] = make_student
_spec.loader.exec_module(make_student)


def test_a_solution_becomes_one_raise_at_its_indentation():
    source = (
        "def f(x):\n    '''doc'''\n    ### BEGIN SOLUTION\n    y = 2 * x\n    return y\n    ### END SOLUTION\n\n"
        "class A:\n    def g(self):\n        ### BEGIN SOLUTION\n        return 1\n        ### END SOLUTION\n"
        "check(f)\n"
    )
    stripped, regions = make_student.strip_solutions(source)
    assert regions == 2
    assert stripped == (
        "def f(x):\n    '''doc'''\n    # YOUR CODE HERE\n    raise NotImplementedError()\n\n"
        "class A:\n    def g(self):\n        # YOUR CODE HERE\n        raise NotImplementedError()\ncheck(f)\n"
    )
    compile(stripped, "<student>", "exec")


def test_hidden_tests_are_taken_out_with_their_markers():
    source = "ex = check(f)\n### BEGIN HIDDEN TESTS\nex += check(f, more)\n### END HIDDEN TESTS\nex.points(2)\n"
    assert make_student.strip_hidden_tests(source) == ("ex = check(f)\nex.points(2)\n", 1)


@pytest.mark.parametrize(
    "source, message",
    [
        ("### BEGIN HIDDEN TESTS\nx = 1\n", "line 1: BEGIN HIDDEN TESTS is never closed"),
        ("x = 1\n### END HIDDEN TESTS\n", "line 2: END HIDDEN TESTS without a BEGIN"),
    ],
)
def test_unmatched_hidden_test_markers_are_errors(source, message):
    with pytest.raises(make_student.MarkerError, match=re.escape(message)):
        make_student.strip_hidden_tests(source)


def test_a_cell_without_solutions_is_unchanged():
    assert make_student.strip_solutions("x = 1\n# ## BEGIN SOLUTION is not a marker\n") == (
        "x = 1\n# ## BEGIN SOLUTION is not a marker\n", 0)


@pytest.mark.parametrize(
    "source, message",
    [
        ("    ### BEGIN SOLUTION\n    x = 1\n", "line 1: BEGIN SOLUTION is never closed"),
        ("x = 1\n### END SOLUTION\n", "line 2: END SOLUTION without a BEGIN"),
        ("### BEGIN SOLUTION\n### BEGIN SOLUTION\n### END SOLUTION\n", "line 2: BEGIN SOLUTION inside the region opened on line 1"),
    ],
)
def test_unmatched_markers_are_errors_that_say_where(source, message):
    with pytest.raises(make_student.MarkerError, match=re.escape(message)):
        make_student.strip_solutions(source)


def test_the_error_names_the_cell():
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("x = 1"), nbformat.v4.new_code_cell("### END SOLUTION")])
    with pytest.raises(make_student.MarkerError, match=r"code cell 1 \(counting from 0\): line 1"):
        make_student.student_version(nb)


@pytest.mark.parametrize("path", LESSONS, ids=lambda p: p.stem)
def test_student_version_has_no_solution_and_no_output(path):
    notebook = nbformat.read(path, as_version=4)
    student, regions = make_student.student_version(notebook)
    code = [(c.source, s.source) for c, s in zip(notebook.cells, student.cells) if c.cell_type == "code"]
    assert regions == sum(src.count("### BEGIN SOLUTION") for src, _ in code)
    for original, stripped in code:
        assert "### BEGIN SOLUTION" not in stripped and "### END SOLUTION" not in stripped
        assert "HIDDEN TESTS" not in stripped
        for hidden in re.findall(r"### BEGIN HIDDEN TESTS\n(.*?)\n### END HIDDEN TESTS", original, re.S):
            assert hidden.strip() and hidden not in stripped
        for solution in re.findall(r"### BEGIN SOLUTION\n(.*?)\n\s*### END SOLUTION", original, re.S):
            assert solution.strip() and solution not in stripped
    assert all(not c.get("outputs") and c.get("execution_count") is None for c in student.cells if c.cell_type == "code")
    assert [c.source for c in student.cells if c.cell_type == "markdown"] == [
        c.source for c in notebook.cells if c.cell_type == "markdown"]
    assert notebook.cells[0].source == nbformat.read(path, as_version=4).cells[0].source  # the original is untouched


def test_command_writes_the_student_notebooks(tmp_path, capsys):
    lesson = ROOT / "notebooks" / "01_stack_machines.ipynb"
    assert make_student.main([str(lesson), "--out", str(tmp_path)]) == 0
    written = nbformat.read(tmp_path / lesson.name, as_version=4)
    assert "raise NotImplementedError()" in "".join(c.source for c in written.cells)
    assert "4 solutions taken out" in capsys.readouterr().out


def test_command_reports_a_broken_notebook_and_writes_nothing_for_it(tmp_path, capsys):
    broken = tmp_path / "99_broken.ipynb"
    nbformat.write(nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("### BEGIN SOLUTION\nx = 1")]), broken)
    assert make_student.main([str(broken), "--out", str(tmp_path / "out")]) == 1
    assert "never closed" in capsys.readouterr().err and not (tmp_path / "out" / broken.name).exists()
