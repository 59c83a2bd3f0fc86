"""The task interface and registry (npi_lib/task.py): what every task provides, the one generic
reference runner, and the proof that a new task needs one file and nothing else (tests/countdown_task.py)."""

from __future__ import annotations

import ast
import json
import os
import random
import subprocess
import sys
from pathlib import Path

import pytest

import npi_lib.task as task_module
from npi_lib.errors import ProblemError
from npi_lib.task import BUILTIN_TASKS, Probe, Task, get_task, register, task_names

ROOT = Path(__file__).resolve().parent.parent
TESTS = Path(__file__).resolve().parent


def test_unknown_task_lists_the_valid_names():
    with pytest.raises(ProblemError, match="unknown task 'multiplication'; choose one of addition"):
        get_task("multiplication")


def test_get_task_takes_a_name_or_a_task():
    task = get_task("addition")
    assert get_task(task) is task


def test_program_ids_follow_the_programs_tuple():
    task = get_task("addition")
    assert [task.program_id(p) for p in task.programs] == list(range(len(task.programs)))
    with pytest.raises(ProblemError, match="no program 'RSHIFT'"):
        task.program_id("RSHIFT")


@pytest.mark.parametrize("name", list(BUILTIN_TASKS))
def test_every_registered_task_is_consistent(name):
    task = get_task(name)
    assert task.name == name
    assert task.primitives <= set(task.programs)
    assert "NOP" in task.primitives  # base cases return through NOP
    assert len(task.arg_sizes) == 3 and all(s >= 1 for s in task.arg_sizes)
    assert task.default_formulation == "recursive"
    for formulation in task.formulations:
        entry, args = task.entry(formulation)
        assert entry in task.programs and entry not in task.primitives and args == (0, 0, 0)
    assert task.parse_input(json.loads(task.input_example)) is not None and task.input_help


@pytest.mark.parametrize("name", list(BUILTIN_TASKS))
def test_the_reference_answer_is_right_and_is_what_the_trace_leaves(name):
    """One generic runner for every task: its answer passes the task's check, and replaying the trace's
    primitives on a fresh environment leaves the same answer."""
    task = get_task(name)
    rng = random.Random(name)
    for size in (1, 2, 5):
        problem = task.random_problem(size, rng)
        for formulation in task.formulations:
            trace, env = task.traced(problem, formulation, record_states=False)
            assert task.check(problem, task.output(env)), (problem, formulation)
            replay = task.make_env(problem)
            for prim, args in trace.primitives():
                replay.apply(prim, args)
            assert task.output(replay) == task.output(env) == task.answer(problem, formulation)
            assert trace.root.name == task.entry(formulation)[0]


def test_the_default_formulation_and_a_wrong_one():
    task = get_task("addition")
    assert task.formulation(None) == "recursive" and task.formulation("non-recursive") == "non-recursive"
    with pytest.raises(ProblemError, match="no formulation 'partial'; choose one of non-recursive, recursive"):
        task.formulation("partial")
    loop_only = Task(**{**{f: getattr(task, f) for f in task.__dataclass_fields__},
                        "reference_programs": {"non-recursive": task.reference_programs["non-recursive"]}})
    assert loop_only.default_formulation == "non-recursive"


def test_importing_the_library_and_tasks_does_not_import_torch():
    code = ("import npi_lib.task as t, sys\nfor n in t.task_names(): t.get_task(n)\n"
            "print('torch' in sys.modules, 'matplotlib' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.split() == ["False", "False"]


# ---------------------------------------------------------------------------------------------- registering
@pytest.fixture
def countdown(monkeypatch):
    monkeypatch.syspath_prepend(str(TESTS))
    monkeypatch.setattr(task_module, "_registered", {})
    import countdown_task

    return countdown_task.TASK


def test_register_makes_a_task_known_in_this_process(countdown):
    assert "countdown" not in task_names()
    assert register(countdown) is countdown
    assert get_task("countdown") is countdown and task_names()[-1] == "countdown"
    assert countdown.formulations == ("loop", "recursive") and countdown.default_formulation == "recursive"


def test_a_builtin_name_cannot_be_taken(countdown):
    from dataclasses import replace

    with pytest.raises(ProblemError, match="'addition' is a built-in task; register yours under another name"):
        register(replace(countdown, name="addition"))
    register(get_task("addition"))  # the built-in task itself: harmless


def test_tasks_named_in_the_environment_are_found(countdown, monkeypatch):
    monkeypatch.setenv("NPI_LIB_TASKS", "countdown_task")
    assert task_names()[-1] == "countdown" and get_task("countdown").name == "countdown"


@pytest.mark.parametrize(
    "value, words",
    [("no_such_module", "cannot load the task 'no_such_module': ModuleNotFoundError"),
     ("countdown_task:NOPE", "AttributeError"),
     ("countdown_task:BLANK", "is a int, not an npi_lib Task")],
)
def test_a_bad_environment_entry_says_what_is_wrong(countdown, monkeypatch, value, words):
    monkeypatch.setenv("NPI_LIB_TASKS", value)
    with pytest.raises(ProblemError, match="NPI_LIB_TASKS: ") as e:
        get_task("countdown")
    assert words in str(e.value)


# ---------------------------------------------------------------------------------------------- one file, no other edit
def cli(*args: str, tasks: str = "countdown_task") -> subprocess.CompletedProcess:
    env = {**os.environ, "NPI_LIB_TASKS": tasks, "PYTHONPATH": os.pathsep.join([str(TESTS), str(ROOT)])}
    return subprocess.run([sys.executable, "-m", "npi_lib", *args], capture_output=True, text=True, cwd=ROOT,
                          env=env, timeout=300, stdin=subprocess.DEVNULL)


def test_a_new_task_runs_through_the_whole_command_line(tmp_path):
    help_text = cli("trace", "--help").stdout
    assert "countdown" in help_text and "a number of marks, n >= 0" in help_text and "loop, recursive" in help_text

    r = cli("trace", "countdown", "--input", "2")
    assert r.returncode == 0, r.stderr
    assert r.stdout.splitlines()[:3] == ["COUNTDOWN", "  STEP", "    ERASE"] and r.stdout.endswith("output: 0\n")
    r = cli("trace", "countdown", "--input", "3", "--formulation", "loop", "--json")
    assert json.loads(r.stdout)["longest_frame"] == 4  # three STEPs and the NOP in one frame

    checkpoint = tmp_path / "countdown.pt"
    r = cli("train", "countdown", "--max-epochs", "40", "--quiet", "--out", str(checkpoint))
    assert r.returncode == 0, r.stderr
    assert r.stdout.startswith("countdown recursive on 'paper' (4 problems") and checkpoint.is_file()

    r = cli("eval", "countdown", "--checkpoint", str(checkpoint), "--sizes", "1,20", "--per-size", "2", "--json")
    assert r.returncode == 0, r.stderr
    assert [(x["size"], x["n"]) for x in json.loads(r.stdout)] == [(1, 2), (20, 2)]

    r = cli("run", "countdown", "--checkpoint", str(checkpoint), "--input", "7", "--trace")
    assert r.returncode == 0, r.stderr
    out = json.loads(r.stdout)
    assert out["task"] == "countdown" and out["trace"]["name"] == "COUNTDOWN" and out["steps"] > 0


def test_a_new_task_reports_its_own_input_errors(tmp_path):
    r = cli("trace", "countdown", "--input", "-1")
    assert r.returncode == 1 and r.stderr.startswith("error: countdown takes a non-negative integer")
    r = cli("run", "countdown", "--input", "3")  # no checkpoint shipped for it: say how to train one
    assert r.returncode == 1 and "no shipped checkpoint for countdown" in r.stderr and "Traceback" not in r.stderr


def test_a_broken_task_list_is_one_error_line_not_a_traceback():
    r = cli("trace", "countdown", "--input", "2", tasks="no_such_module")
    assert r.returncode == 1 and r.stderr.startswith("error: NPI_LIB_TASKS: cannot load") and "Traceback" not in r.stderr
    r = cli("rpn", "1 2 +", tasks="no_such_module")  # commands that need no task do not read the list
    assert (r.returncode, r.stdout) == (0, "3\n")


# ---------------------------------------------------------------------------------------------- no task named elsewhere
TASK_WORDS = {"addition", "bubblesort", "toposort", "quicksort", "scratchpad", "bubblearray", "dagenv", "quicksortenv"}


def names_in_code(path: Path) -> set[str]:
    """The identifiers, imported module names and string constants of a module, docstrings left out
    (a docstring's example may use any task), split into lowercase words."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    docstrings = set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)) and ast.get_docstring(node):
            docstrings.add(id(node.body[0].value))  # type: ignore[attr-defined]
    words: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in docstrings:
            text = node.value
        elif isinstance(node, ast.Name):
            text = node.id
        elif isinstance(node, ast.Attribute):
            text = node.attr
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            text = " ".join([getattr(node, "module", None) or ""] + [a.name for a in node.names])
        else:
            continue
        words |= {w for w in "".join(c if c.isalnum() else " " for c in text.lower()).split()}
    return words


def test_no_module_outside_a_task_names_that_task():
    """Only a task's own module and the registry may name a task: everything else asks the `Task`."""
    own = {"addition.py": {"addition", "scratchpad"}, "bubblesort.py": {"bubblesort", "bubblearray"},
           "toposort.py": {"toposort", "dagenv"}, "quicksort.py": {"quicksort", "quicksortenv"}}
    offenders = {}
    for path in sorted((ROOT / "npi_lib").glob("*.py")):
        if path.name == "task.py":
            continue
        named = (names_in_code(path) & TASK_WORDS) - own.get(path.name, set())
        if named:
            offenders[path.name] = sorted(named)
    assert offenders == {}, f"these modules name tasks instead of asking the Task: {offenders}"


def test_the_name_check_sees_code_but_not_docstrings(tmp_path):
    sample = tmp_path / "sample.py"
    sample.write_text('"""Example: addition."""\nfrom .quicksort import TASK\nx = "bubblesort"\n# toposort\n')
    assert names_in_code(sample) & TASK_WORDS == {"quicksort", "bubblesort"}


def test_a_probe_with_the_wrong_number_of_paper_numbers_is_refused():
    with pytest.raises(ProblemError, match="2 paper numbers for 3 sizes"):
        Probe("random", (1, 2, 3), ("100", "90"))
