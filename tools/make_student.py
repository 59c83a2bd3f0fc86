"""Student versions of the lessons, for instructors: every exercise's solution taken out, every output cleared.

    .venv/bin/python tools/make_student.py                 # notebooks/NN_*.ipynb -> student/NN_*.ipynb
    .venv/bin/python tools/make_student.py --run           # ... then run each one top to bottom to prove it works
    .venv/bin/python tools/make_student.py notebooks/03_npi_architecture.ipynb --out /tmp/class

(`make student` does the first.) It does, without a course directory or a database, what nbgrader's
`generate_assignment` does to the cells (`make assignment`, tools/nbgrader_course.py), and
tests/test_nbgrader.py checks that both give the same cells for every lesson:
- in a code cell, the lines from `### BEGIN SOLUTION` to `### END SOLUTION`, both included, become
  `# YOUR CODE HERE` and `raise NotImplementedError()` at the indentation of the BEGIN line (nbgrader's stub);
- the lines from `### BEGIN HIDDEN TESTS` to `### END HIDDEN TESTS` go: the cases only the grader runs.
Everything else is kept, the visible self-checks included: in a student version each check says "not
attempted yet" and carries on with the reference solution, so Run All goes through (`--run` checks exactly
that).

An unmatched marker (a BEGIN without its END, an END without a BEGIN, a BEGIN inside a solution) is an
error that names the notebook and the cell, and nothing is written for that notebook.
"""

from __future__ import annotations

import argparse
import copy
import re
import sys
from pathlib import Path

from npi_lib.exercises import NOT_ATTEMPTED  # what a check says of an exercise left as it is

ROOT = Path(__file__).resolve().parent.parent
BEGIN = re.compile(r"^(\s*)### BEGIN SOLUTION\s*$")
END = re.compile(r"^\s*### END SOLUTION\s*$")
BEGIN_HIDDEN = re.compile(r"^\s*### BEGIN HIDDEN TESTS\s*$")
END_HIDDEN = re.compile(r"^\s*### END HIDDEN TESTS\s*$")
STUB = ("# YOUR CODE HERE", "raise NotImplementedError()")  # nbgrader's ClearSolutions.code_stub for Python


class MarkerError(ValueError):
    """A solution region that does not open and close properly."""


def _replace_regions(source: str, begin: re.Pattern, end: re.Pattern, what: str, stub: tuple[str, ...]) -> tuple[str, int]:
    """The source with each region from a `begin` line to an `end` line (both included) replaced by the
    `stub` lines at the indentation of the begin line; and how many regions there were. `what` names the
    region in errors ("SOLUTION", "HIDDEN TESTS")."""
    out: list[str] = []
    regions, opened_at = 0, None
    for number, line in enumerate(source.splitlines(keepends=True), 1):
        opening = begin.match(line)
        if opening:
            if opened_at is not None:
                raise MarkerError(f"line {number}: BEGIN {what} inside the region opened on line {opened_at}")
            opened_at = number
            indent = re.match(r"\s*", line).group(0)
            out += [f"{indent}{text}\n" for text in stub]
        elif end.match(line):
            if opened_at is None:
                raise MarkerError(f"line {number}: END {what} without a BEGIN {what} before it")
            opened_at, regions = None, regions + 1
        elif opened_at is None:
            out.append(line)
    if opened_at is not None:
        raise MarkerError(f"line {opened_at}: BEGIN {what} is never closed by an END {what}")
    return "".join(out), regions


def strip_solutions(source: str) -> tuple[str, int]:
    """The source with each solution region replaced by nbgrader's stub, and how many there were.

    >>> text = "def f(x):\\n    ### BEGIN SOLUTION\\n    return 2 * x\\n    ### END SOLUTION\\n"
    >>> print(strip_solutions(text)[0])
    def f(x):
        # YOUR CODE HERE
        raise NotImplementedError()
    <BLANKLINE>
    """
    return _replace_regions(source, BEGIN, END, "SOLUTION", STUB)


def strip_hidden_tests(source: str) -> tuple[str, int]:
    """The source without its hidden-test regions (markers included), and how many there were.

    >>> print(strip_hidden_tests("ex1 = check(f)\\n### BEGIN HIDDEN TESTS\\nex1 += check(f, more)\\n### END HIDDEN TESTS\\nex1.points(2)")[0])
    ex1 = check(f)
    ex1.points(2)
    """
    return _replace_regions(source, BEGIN_HIDDEN, END_HIDDEN, "HIDDEN TESTS", ())


def student_version(notebook):
    """A copy of an nbformat notebook with the solutions taken out and every output cleared; and the number
    of solution regions taken out."""
    student = copy.deepcopy(notebook)
    total = 0
    for index, cell in enumerate(student.cells):
        if cell.cell_type != "code":
            continue
        try:
            cell.source, regions = strip_solutions(cell.source)
            cell.source, _ = strip_hidden_tests(cell.source)
        except MarkerError as e:
            raise MarkerError(f"code cell {index} (counting from 0): {e}") from None
        total += regions
        cell.outputs, cell.execution_count = [], None
        cell.metadata.pop("execution", None)
    student.metadata.pop("widgets", None)  # saved widget state belongs to the executed version
    return student, total


def run_notebook(notebook, cwd: Path, timeout: int = 600):
    """Execute a notebook in a fresh kernel (cells run from `cwd`); the executed copy."""
    from nbclient import NotebookClient

    executed = copy.deepcopy(notebook)
    NotebookClient(executed, timeout=timeout, kernel_name="python3", resources={"metadata": {"path": str(cwd)}}).execute()
    return executed


def outputs_text(notebook) -> str:
    """Everything the notebook's cells printed or displayed as text."""
    parts = []
    for cell in notebook.cells:
        for output in cell.get("outputs", []):
            if output.output_type == "stream":
                parts.append(output.text)
            elif "data" in output:
                parts.append(output.data.get("text/plain", ""))
    return "\n".join(parts)


def main(argv: list[str] | None = None) -> int:
    import nbformat

    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("notebooks", nargs="*", type=Path, help="default: notebooks/[0-9][0-9]_*.ipynb")
    parser.add_argument("--out", type=Path, default=ROOT / "student", help="where to write (default: student/)")
    parser.add_argument("--run", action="store_true", help="run each student version top to bottom afterwards")
    args = parser.parse_args(argv)
    paths = args.notebooks or sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))
    if not paths:
        return _fail("no notebooks found: give their paths, or run from the repository")
    args.out.mkdir(parents=True, exist_ok=True)
    failures = 0
    for path in paths:
        try:
            notebook = nbformat.read(path, as_version=4)
            student, regions = student_version(notebook)
        except (OSError, ValueError) as e:
            failures += 1
            print(f"{path}: {e}", file=sys.stderr)
            continue
        target = args.out / path.name
        nbformat.write(student, target)
        print(f"{target}: {regions} solution{'s' * (regions != 1)} taken out")
        if args.run:
            try:
                executed = run_notebook(student, path.parent)
            except Exception as e:  # a cell raised: the student version does not run through
                failures += 1
                print(f"  FAILED: it stops with {type(e).__name__}: {str(e).strip().splitlines()[-1][:300]}")
                continue
            skipped = outputs_text(executed).count(NOT_ATTEMPTED)
            print(f"  ran top to bottom; {skipped} check{'s' * (skipped != 1)} fell back to the reference solution")
    return 1 if failures else 0


def _fail(message: str) -> int:
    print(f"error: {message}", file=sys.stderr)
    return 1


if __name__ == "__main__":
    sys.exit(main())
