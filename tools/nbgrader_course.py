"""The lessons as nbgrader assignments: release them, grade submissions, and prove the grading works.

    .venv/bin/python tools/nbgrader_course.py release              # make assignment: course/release/NN_slug/NN_slug.ipynb
    .venv/bin/python tools/nbgrader_course.py grade                # autograde course/submitted/*/*, print each student's points
    .venv/bin/python tools/nbgrader_course.py selftest --course /tmp/c [01_stack_machines ...]
    .venv/bin/python tools/nbgrader_course.py points               # the exercises and their points (INSTRUCTORS.md)

Every lesson with exercises is one assignment, named like its notebook (`01_stack_machines`). The course
directory (`course/` by default, not part of the repository) is laid out as nbgrader expects:

    course/nbgrader_config.py                   a copy of tools/nbgrader_config.py
    course/source/NN_slug/NN_slug.ipynb         the lesson as it is in notebooks/ (solutions and hidden tests)
    course/release/NN_slug/NN_slug.ipynb        what students get: nbgrader's generate_assignment output
    course/submitted/STUDENT/NN_slug/...        what they hand in (nbgrader collect, or copied there by hand)
    course/autograded/STUDENT/NN_slug/...       the graded copies, run from top to bottom
    course/gradebook.db                         the points

Inside the course directory the usual nbgrader commands work as well (`nbgrader autograde 03_npi_architecture`,
`nbgrader formgrader`, `nbgrader export`); this tool only runs them in order and reads the gradebook.

`selftest` is what tests/test_nbgrader.py runs: for each lesson it releases the assignment, submits three
students' work and grades it with nbgrader:
- `reference`: the lesson with its solutions, which must earn every point;
- `blank`: the release version untouched, which must run to the end and earn 0;
- `wrong`: every exercise answered with the reference solution except one, answered with the realistic
  mistake of tests/wrong_answers/NN_slug.py, which must earn exactly the points that file states.
It prints the points table and exits 1 if any of that does not hold.
"""

from __future__ import annotations

import argparse
import copy
import importlib.util
import os
import re
import shutil
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from npi_lib.exercises import NOT_ATTEMPTED  # what a check says of an exercise left as it is

ROOT = Path(__file__).resolve().parent.parent
CONFIG = ROOT / "tools" / "nbgrader_config.py"
WRONG_ANSWERS = ROOT / "tests" / "wrong_answers"
STUDENTS = ("reference", "blank", "wrong")


class CourseError(RuntimeError):
    """Something an instructor has to fix: a missing lesson, a failed nbgrader command."""


def lessons_with_exercises(names: list[str] | None = None) -> list[Path]:
    """The lessons that hold graded cells (lesson 00 has none), all of them or those named (`01_stack_machines`
    or a path to the notebook)."""
    import nbformat

    if names:
        paths = []
        for name in names:
            path = Path(name) if name.endswith(".ipynb") else ROOT / "notebooks" / f"{Path(name).stem}.ipynb"
            if not path.exists():
                known = ", ".join(p.stem for p in sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb")))
                raise CourseError(f"no lesson {name!r}: the lessons are {known}")
            paths.append(path.resolve())
    else:
        paths = sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))
    graded = []
    for path in paths:
        cells = nbformat.read(path, as_version=4).cells
        if any(c.metadata.get("nbgrader", {}).get("grade") for c in cells):
            graded.append(path)
        elif names:
            raise CourseError(f"{path.stem} has no graded cells, so it is not an assignment")
    return graded


def with_venv_on_path() -> None:
    """Put this Python's bin directory first on PATH. nbgrader runs the `alembic` command of its environment
    by name whenever it opens a gradebook, which fails ("No such file or directory: 'alembic'") when the
    virtualenv is used without being activated, as the Makefile uses it."""
    bin_dir = str(Path(sys.executable).parent)
    if os.environ.get("PATH", "").split(os.pathsep)[0] != bin_dir:
        os.environ["PATH"] = bin_dir + os.pathsep + os.environ.get("PATH", "")


def nbgrader(course: Path, *args: str, log: Path | None = None) -> None:
    """Run one nbgrader command in the course directory; its output goes to `log` (appended)."""
    with_venv_on_path()
    command = [str(Path(sys.executable).with_name("nbgrader")), *args]
    if not Path(command[0]).exists():
        command = [sys.executable, "-m", "nbgrader", *args]
    done = subprocess.run(command, cwd=course, capture_output=True, text=True)
    if log is not None:
        with log.open("a") as f:
            f.write(f"$ nbgrader {' '.join(args)}\n{done.stdout}{done.stderr}\n")
    if done.returncode != 0:
        tail = "\n".join((done.stdout + done.stderr).strip().splitlines()[-15:])
        raise CourseError(f"`nbgrader {' '.join(args)}` in {course} failed (exit {done.returncode}):\n{tail}")


def make_course(course: Path, lessons: list[Path]) -> None:
    """A course directory holding the lessons as assignment sources and the course's nbgrader config."""
    course.mkdir(parents=True, exist_ok=True)
    shutil.copy(CONFIG, course / "nbgrader_config.py")
    for lesson in lessons:
        target = course / "source" / lesson.stem
        target.mkdir(parents=True, exist_ok=True)
        shutil.copy(lesson, target / lesson.name)


def release(course: Path, lessons: list[Path], log: Path | None = None) -> list[Path]:
    """nbgrader's generate_assignment for each lesson; the release notebooks."""
    make_course(course, lessons)
    out = []
    for lesson in lessons:
        nbgrader(course, "generate_assignment", lesson.stem, "--force", log=log)
        out.append(course / "release" / lesson.stem / lesson.name)
    return out


def reference_submission(source):
    """The lesson with its solutions, outputs cleared, as a student who got everything right hands it in."""
    submission = copy.deepcopy(source)
    for cell in submission.cells:
        if cell.cell_type == "code":
            cell.outputs, cell.execution_count = [], None
    return submission


def load_wrong_answer(lesson: str):
    """tests/wrong_answers/<lesson>.py as a module (GRADE_ID, SOURCE, WHY, POINTS)."""
    path = WRONG_ANSWERS / f"{lesson}.py"
    if not path.exists():
        raise CourseError(f"{path} is missing: every lesson with exercises needs one realistic wrong answer")
    spec = importlib.util.spec_from_file_location(f"wrong_answer_{lesson}", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def wrong_submission(released, source, grade_id: str, wrong_source: str):
    """The release version with every solution cell answered as the reference does, except `grade_id`,
    answered with `wrong_source`."""
    solutions = {c.metadata["nbgrader"]["grade_id"]: c.source for c in source.cells
                 if c.metadata.get("nbgrader", {}).get("solution")}
    if grade_id not in solutions:
        raise CourseError(f"the wrong answer replaces {grade_id!r}, which is not a solution cell of the lesson "
                          f"(they are {', '.join(solutions)})")
    submission = copy.deepcopy(released)
    for cell in submission.cells:
        gid = cell.metadata.get("nbgrader", {}).get("grade_id")
        if gid in solutions:
            cell.source = wrong_source if gid == grade_id else solutions[gid]
    return submission


def submit(course: Path, lessons: list[Path]) -> dict[str, tuple[str, float]]:
    """Put the three students' work for each lesson where nbgrader collects submissions; for each lesson, the
    solution cell its wrong answer replaces and the points that exercise must then earn."""
    import nbformat

    expected = {}
    for lesson in lessons:
        source = nbformat.read(lesson, as_version=4)
        released = nbformat.read(course / "release" / lesson.stem / lesson.name, as_version=4)
        wrong = load_wrong_answer(lesson.stem)
        work = {
            "reference": reference_submission(source),
            "blank": released,
            "wrong": wrong_submission(released, source, wrong.GRADE_ID, wrong.SOURCE),
        }
        expected[lesson.stem] = (wrong.GRADE_ID, wrong.POINTS)
        for student, notebook in work.items():
            target = course / "submitted" / student / lesson.stem
            target.mkdir(parents=True, exist_ok=True)
            nbformat.write(notebook, target / lesson.name)
    return expected


@dataclass
class Graded:
    """The points of one student's submission of one lesson, per graded cell."""

    lesson: str
    student: str
    score: float
    max_score: float
    cells: dict[str, tuple[float, float]] = field(default_factory=dict)  # grade_id -> (score, max)
    errors: list[str] = field(default_factory=list)  # cells of the graded copy that stopped with an error
    not_attempted: int = 0  # checks that said "not attempted yet"


def autograde(course: Path, lessons: list[Path], jobs: int = 1, log: Path | None = None, progress=print) -> float:
    """nbgrader autograde for every lesson (all students who submitted it); the seconds it took.

    With jobs > 1 the lessons are graded side by side, each in its own copy of the course directory (one
    gradebook per copy: SQLite does not take concurrent writers well), and the gradebooks are read back
    from there by `results`."""
    start = time.perf_counter()

    def one(lesson: Path) -> None:
        t0 = time.perf_counter()
        where = course if jobs == 1 else _lesson_course(course, lesson)
        nbgrader(where, "autograde", lesson.stem, "--force", log=log)
        progress(f"  graded {lesson.stem} in {time.perf_counter() - t0:.0f} s")

    if jobs == 1:
        for lesson in lessons:
            one(lesson)
    else:
        for lesson in lessons:
            _split_course(course, lesson)
        with ThreadPoolExecutor(jobs) as pool:
            list(pool.map(one, lessons))
    return time.perf_counter() - start


def _lesson_course(course: Path, lesson: Path) -> Path:
    return course / "by_lesson" / lesson.stem


def _split_course(course: Path, lesson: Path) -> None:
    """A course directory for one lesson: config, source, release, submissions and a copy of the gradebook,
    which already knows the assignment (generate_assignment recorded it) and has no grades yet."""
    where = _lesson_course(course, lesson)
    shutil.rmtree(where, ignore_errors=True)
    where.mkdir(parents=True)
    for name in ("nbgrader_config.py", "gradebook.db"):
        shutil.copy(course / name, where)
    for part in ("source", "release"):
        shutil.copytree(course / part / lesson.stem, where / part / lesson.stem)
    for student_dir in sorted((course / "submitted").iterdir()):
        if (student_dir / lesson.stem).exists():
            shutil.copytree(student_dir / lesson.stem, where / "submitted" / student_dir.name / lesson.stem)


def results(course: Path, lessons: list[Path], by_lesson: bool = False) -> list[Graded]:
    """What the gradebook says for every lesson and student, with what the graded copies show."""
    import nbformat
    from nbgrader.api import Gradebook, MissingEntry

    with_venv_on_path()
    out = []
    for lesson in lessons:
        where = _lesson_course(course, lesson) if by_lesson else course
        with Gradebook(f"sqlite:///{where / 'gradebook.db'}") as gb:
            for student in sorted(p.name for p in (where / "submitted").iterdir()):
                try:
                    nb = gb.find_submission_notebook(lesson.stem, lesson.stem, student)
                except MissingEntry:
                    continue
                graded = Graded(lesson.stem, student, nb.score, nb.max_score,
                                {g.name: (g.score, g.max_score) for g in nb.grades})
                copy_path = where / "autograded" / student / lesson.stem / lesson.name
                for index, cell in enumerate(nbformat.read(copy_path, as_version=4).cells):
                    for output in cell.get("outputs", []):
                        if output.output_type == "error":
                            graded.errors.append(f"cell {index}: {output.ename}: {output.evalue}"[:300])
                        elif output.output_type == "stream":
                            graded.not_attempted += output.text.count(NOT_ATTEMPTED)
                out.append(graded)
    return out


def problems_of(graded: list[Graded], expected_wrong: dict[str, tuple[str, float]]) -> list[str]:
    """What the self-test expects, as messages; empty when all holds. `expected_wrong` maps a lesson to the
    graded cell its wrong answer must cost points in and the points that cell must then earn."""
    problems = []
    by_key = {(g.lesson, g.student): g for g in graded}
    for lesson in sorted({g.lesson for g in graded}):
        ref, blank, wrong = (by_key.get((lesson, s)) for s in STUDENTS)
        if None in (ref, blank, wrong):
            problems.append(f"{lesson}: not every student was graded")
            continue
        if ref.score != ref.max_score:
            lost = {k: v for k, v in ref.cells.items() if v[0] != v[1]}
            problems.append(f"{lesson}: the reference solutions earn {ref.score:g} of {ref.max_score:g} (lost in {lost})")
        if ref.errors or wrong.errors or blank.errors:
            problems.append(f"{lesson}: a graded copy stopped with an error: {(ref.errors + blank.errors + wrong.errors)[:3]}")
        if blank.score != 0:
            problems.append(f"{lesson}: the untouched release version earns {blank.score:g} points, not 0")
        if blank.not_attempted == 0:
            problems.append(f"{lesson}: no check of the untouched release version said '{NOT_ATTEMPTED}'")
        cell, points = expected_wrong[lesson]
        check_id = cell.replace("_answer", "_check")
        got = wrong.cells.get(check_id, (None, None))[0]
        if got is None or abs(got - points) > 1e-6:
            problems.append(f"{lesson}: the wrong answer to {cell} earns {got} in {check_id}, its file says {points}")
        if not 0 < wrong.score < wrong.max_score:
            problems.append(f"{lesson}: the wrong submission earns {wrong.score:g} of {wrong.max_score:g}: not partial")
    return problems


def points_table(graded: list[Graded]) -> str:
    """The points per lesson and student, as a Markdown table."""
    by_key = {(g.lesson, g.student): g for g in graded}
    lessons = sorted({g.lesson for g in graded})
    rows = ["| lesson | points | reference | blank | wrong answer |", "|---|---:|---:|---:|---:|"]
    for lesson in lessons:
        cells = [by_key.get((lesson, s)) for s in STUDENTS]
        possible = next((c.max_score for c in cells if c), 0)
        rows.append(f"| {lesson} | {possible:g} | " + " | ".join("—" if c is None else f"{c.score:g}" for c in cells) + " |")
    totals = [sum(by_key[(lesson, s)].score for lesson in lessons if (lesson, s) in by_key) for s in STUDENTS]
    possible = sum(next(g.max_score for g in graded if g.lesson == lesson) for lesson in lessons)
    rows.append(f"| **all** | **{possible:g}** | " + " | ".join(f"**{t:g}**" for t in totals) + " |")
    return "\n".join(rows)


def grades_table(graded: list[Graded]) -> str:
    """The points of every student who handed work in, one row per student and one column per lesson (with
    the points possible), as a Markdown table: what `grade` prints. A lesson a student did not hand in is —."""
    lessons = sorted({g.lesson for g in graded})
    students = sorted({g.student for g in graded})
    by_key = {(g.lesson, g.student): g for g in graded}
    possible = {lesson: next(g.max_score for g in graded if g.lesson == lesson) for lesson in lessons}
    rows = ["| student | " + " | ".join(f"{lesson} ({possible[lesson]:g})" for lesson in lessons)
            + f" | total ({sum(possible.values()):g}) |",
            "|---|" + "---:|" * (len(lessons) + 1)]
    for student in students:
        cells = [by_key.get((lesson, student)) for lesson in lessons]
        total = sum(c.score for c in cells if c is not None)
        rows.append(f"| {student} | " + " | ".join("—" if c is None else f"{c.score:g}" for c in cells) + f" | {total:g} |")
    return "\n".join(rows)


def selftest(course: Path, lessons: list[Path], jobs: int = 1, progress=print) -> tuple[list[Graded], list[str], str]:
    """Release, submit, grade; (what was graded, what does not hold, the points table)."""
    if course.exists() and any(course.iterdir()):
        raise CourseError(f"{course} is not empty: the self-test needs a directory of its own")
    log = course / "nbgrader.log"
    course.mkdir(parents=True, exist_ok=True)
    progress(f"releasing {len(lessons)} lessons with nbgrader generate_assignment (log: {log})")
    release(course, lessons, log=log)
    expected = submit(course, lessons)
    progress(f"grading {len(STUDENTS)} students' submissions of each with nbgrader autograde, {jobs} at a time")
    seconds = autograde(course, lessons, jobs=jobs, log=log, progress=progress)
    progress(f"graded in {seconds:.0f} s")
    graded = results(course, lessons, by_lesson=jobs > 1)
    return graded, problems_of(graded, expected), points_table(graded)


HEADING = re.compile(r"^### Exercise (\d+)\s*[—-]\s*(.*?)\s*\((\d+) points?\)\s*$", re.M)


def exercises_table(lessons: list[Path]) -> str:
    """Every exercise of the lessons with its points and whether the grader runs hidden cases, as the
    Markdown table INSTRUCTORS.md shows (tests/test_nbgrader.py checks that it is up to date)."""
    import nbformat

    rows = ["| lesson | exercise | points | hidden cases |", "|---|---|---:|:---:|"]
    total = 0
    for lesson in lessons:
        cells = nbformat.read(lesson, as_version=4).cells
        titles = {f"ex{n}": title for c in cells if c.cell_type == "markdown"
                  for n, title, _ in HEADING.findall(c.source)}
        graded = [c for c in cells if c.metadata.get("nbgrader", {}).get("grade")]
        subtotal = 0
        for cell in graded:
            meta = cell.metadata["nbgrader"]
            key = meta["grade_id"].removesuffix("_check")
            title = titles.get(key, "?")
            hidden = "yes" if "### BEGIN HIDDEN TESTS" in cell.source else "—"
            rows.append(f"| {lesson.stem} | {key[2:]}. {title} | {meta['points']:g} | {hidden} |")
            subtotal += meta["points"]
        rows.append(f"| **{lesson.stem}** | **all** | **{subtotal:g}** | |")
        total += subtotal
    rows.append(f"| **course** | **all** | **{total:g}** | |")
    return "\n".join(rows)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0],
                                     epilog=__doc__.split("\n\n", 1)[1], formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("command", choices=["release", "grade", "selftest", "points"])
    parser.add_argument("lessons", nargs="*", help="lesson names such as 01_stack_machines (default: all with exercises)")
    parser.add_argument("--course", type=Path, default=ROOT / "course", help="the course directory (default: course/)")
    parser.add_argument("--jobs", type=int, default=1, help="selftest: lessons graded side by side")
    args = parser.parse_intermixed_args(argv)
    try:
        lessons = lessons_with_exercises(args.lessons)
        if args.command == "points":
            print(exercises_table(lessons))
        elif args.command == "release":
            for path in release(args.course, lessons, log=args.course / "nbgrader.log"):
                print(f"released {path.relative_to(args.course)}")
            print(f"students get {args.course / 'release'}/NN_slug/NN_slug.ipynb; nbgrader's output is in {args.course / 'nbgrader.log'}")
        elif args.command == "grade":
            if not (args.course / "submitted").is_dir():
                raise CourseError(f"nothing to grade: put submissions in {args.course}/submitted/STUDENT/NN_slug/NN_slug.ipynb")
            submitted = [p for p in lessons if any((s / p.stem).is_dir() for s in (args.course / "submitted").iterdir())]
            autograde(args.course, submitted, log=args.course / "nbgrader.log")
            graded = results(args.course, submitted)
            print(grades_table(graded))
            for g in graded:
                for error in g.errors:
                    print(f"note: {g.student}'s {g.lesson} ran into an error, {error}")
        else:
            graded, problems, table = selftest(args.course, lessons, jobs=args.jobs)
            print(table)
            for problem in problems:
                print("FAILED:", problem, file=sys.stderr)
            return 1 if problems else 0
    except CourseError as e:
        print(f"error: {e}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
