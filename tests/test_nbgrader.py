"""The lessons as nbgrader assignments.

First the cells themselves (fast, no nbgrader needed): every exercise is a solution cell followed by a graded
test cell whose points agree everywhere they are written (nbgrader's metadata, the cell's last line
`exN.points(P)`, the exercise's heading), and the stored outputs show the reference solutions earning every
point. Then nbgrader itself, end to end, on a throw-away course directory (see `test_nbgrader_grades_...`).
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parent.parent
LESSONS = sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))
POINTS_LINE = re.compile(r"^(ex\d+)\.points\((\d+(?:\.\d+)?)\)$")
HEADING = re.compile(r"^### Exercise (\d+)\b.*\((\d+) points?\)\s*$", re.M)
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
            for number, points in HEADING.findall(cell.source):
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


if __name__ == "__main__":  # a quick report while converting lessons: python tests/test_nbgrader.py
    for lesson in LESSONS:
        nb = nbformat.read(lesson, as_version=4)
        print(lesson.stem, json.dumps(points_of(nb)), structure_problems(nb) or "ok")
