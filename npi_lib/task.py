"""What a task is, and where tasks are found: the one extension point of `npi_lib`.

A task module (addition.py, bubblesort.py, ...) builds its environment and its reference programs, then
describes itself in one `Task`: programs, sizes, the reference program of each formulation, how to read
and check a problem, its training sets, how a playground asks for input, which of the paper's results
it reproduces and, for `npi_lib.verify`, a finite model of its environment as one call sees it. The model, training, evaluation, the command line, the widgets and `reproduce` ask the
`Task` and never name a task themselves (tests/test_task.py checks it). Lesson 02 explains the tasks.

    >>> t = get_task("addition")
    >>> t.check(t.parse_input([96, 125]), t.answer((96, 125)))
    True
    >>> t.entry("recursive"), t.default_formulation
    (('ADD', (0, 0, 0)), 'recursive')

Adding a task: write a module that defines `TASK = Task(...)`, then make it known in one of three ways.
In a notebook or script, `register(TASK)`. For the command line and for worker processes, which start
fresh interpreters, name the module in the environment variable `NPI_LIB_TASKS` (comma-separated
`module` or `module:ATTRIBUTE` entries; the attribute defaults to `TASK`):

    NPI_LIB_TASKS=my_tasks.countdown python -m npi_lib trace countdown --input 3

Or, to ship it with the course, add it to `BUILTIN_TASKS` below. tests/countdown_task.py is a complete
small example.
"""

from __future__ import annotations

import importlib
import os
import random
from dataclasses import dataclass, field
from typing import Any, Callable, Mapping

from .errors import ProblemError
from .trace import Environment, Trace, Tracer, pad_args

# name -> "module:attribute" of its Task, imported on first use (so that importing npi_lib stays cheap)
BUILTIN_TASKS = {
    "addition": "npi_lib.addition:TASK",
    "bubblesort": "npi_lib.bubblesort:TASK",
    "bubblesort-compare": "npi_lib.bubblesort:TASK_COMPARE",  # the comparison-bit encoder (CAI A.6)
    "toposort": "npi_lib.toposort:TASK",
    "quicksort": "npi_lib.quicksort:TASK",
}
ENV_VARIABLE = "NPI_LIB_TASKS"


# ---------------------------------------------------------------------------------------------- results as data
@dataclass(frozen=True)
class Probe:
    """One line of a results table: a trained model run on problems of some sizes.

    label     what the problems are, as the table prints it ("random", "seen columns")
    sizes     the problem sizes (the table's columns)
    paper     the paper's result on this line, as the paper states it ("100", "fails"): one for every size,
              or a tuple with one per size, None where the paper has no number (a size past the paper's)
    problems  (size, rng) -> a problem; None: the task's `random_problem`

        >>> Probe("random", (3, 500), ("6.7", None)).paper_at(3)
        '6.7'
    """

    label: str
    sizes: tuple[int, ...]
    paper: str | tuple[str | None, ...] | None = None
    problems: Callable[[int, random.Random], Any] | None = None

    def __post_init__(self) -> None:
        if isinstance(self.paper, tuple) and len(self.paper) != len(self.sizes):
            raise ProblemError(
                f"probe {self.label!r}: {len(self.paper)} paper numbers for {len(self.sizes)} sizes; give one per size"
            )

    def paper_at(self, size: int) -> str | None:
        """The paper's number at `size` (None: the paper has none, or the probe has no such size)."""
        if size not in self.sizes:
            return None
        if isinstance(self.paper, tuple):
            return self.paper[self.sizes.index(size)]
        return self.paper


@dataclass(frozen=True)
class Experiment:
    """One model of a paper's results table: a formulation trained on a training set, then probed."""

    formulation: str
    train_set: str
    probes: tuple[Probe, ...]


@dataclass(frozen=True)
class PaperResults:
    """The results of a paper that `python -m npi_lib reproduce TASK` regenerates for a task."""

    title: str  # the table's name: "Addition"
    source: str  # where the numbers come from: "Cai, Shin & Song (ICLR 2017), Table 1"
    experiments: tuple[Experiment, ...]
    notes: str = ""  # what the probes' labels mean, printed under the table's title

    @property
    def sizes(self) -> tuple[int, ...]:
        """Every size any probe uses, in increasing order: the table's columns."""
        return tuple(sorted({s for e in self.experiments for p in e.probes for s in p.sizes}))


@dataclass(frozen=True)
class FrameModel:
    """A finite model of a task's environment as one call frame sees it: what `npi_lib.verify` builds the
    set V from (lesson 09). A state is any hashable value; it holds what the frame's future observations
    depend on, nothing more, so that there are finitely many.

    entries   the states the entry program can start in (a fresh environment, as far as it is observed)
    observe   state -> the observation the encoder gets in that state
    apply     (state, primitive, args) -> every state the primitive can lead to: more than one where the
              model does not know what comes under a pointer that moved (it must list every possibility)
    enter     (state, program, args) -> (the callee's starting state, what the caller keeps aside while the
              callee runs); None: the callee starts from the caller's state as it is
    leave     (what the caller kept, the callee's final state) -> the caller's state after the call; None:
              the callee's final state
    """

    entries: Callable[[], Any]
    observe: Callable[[Any], tuple[int, ...]]
    apply: Callable[[Any, str, tuple[int, ...]], Any]
    enter: Callable[[Any, str, tuple[int, ...]], tuple[Any, Any]] | None = None
    leave: Callable[[Any, Any], Any] | None = None


@dataclass(frozen=True)
class VerificationSpec:
    """What `npi_lib.verify` needs of a task to prove a trained recursive model correct on every input.

    model          the `FrameModel` the fixed point runs the reference programs on
    candidates     () -> concrete problems, small ones first, from which the verification inputs S_V are
                   picked (every sequence of V must occur in one of them)
    paper          the verification set of Cai, Shin & Song (2017), in words: "20,181 problems"
    formulations   the formulations whose V is finite (the recursive ones)
    """

    model: FrameModel
    candidates: Callable[[], Any]
    paper: str = ""
    formulations: tuple[str, ...] = ("recursive",)


@dataclass(frozen=True)
class InputForm:
    """How a playground asks for a problem when JSON would be clumsy: one text box per part.

    boxes      the parts' names, one box each; what is typed is handed to `parse_input` as a list of strings
    separator  how the parts are shown together ("96 + 125")
    hint       what an empty box asks for ("a number with the digits 0-9")
    ignore     characters dropped from what is typed, e.g. digit-group separators (" ,_")
    """

    boxes: tuple[str, ...]
    separator: str = ", "
    hint: str = "a value"
    ignore: str = ""


# ---------------------------------------------------------------------------------------------- the task
@dataclass(frozen=True)
class Task:
    """A task of Cai, Shin & Song (2017): its environment, its programs and its reference traces.

    programs        every program and primitive name; the position in this tuple is the program id
    primitives      the names that act on the environment directly (NOP included) instead of opening a frame
    arg_sizes       how many values each of the 3 argument slots takes (0 .. size-1; unused slots are 0)
    obs_sizes       how many values each observation field takes: the encoder one-hot codes each field
    reference_programs  formulation -> the reference program (a function `PROG(t, env)`) that a run
                    starts with; the keys are the formulations, "recursive" being the default if present
    make_env        problem -> a fresh Environment holding it
    check           (problem, output) -> is the output the correct answer?
    parse_input     JSON-decoded value -> a validated problem (raises ProblemError)
    random_problem  (size, rng) -> a problem of that size
    training_set    (name, seed) -> list of problems; name is one of `training_sets`
    output          env -> what the environment holds as the answer (default: `env.output()`)
    training_sets   names understood by `training_set`, "paper" first
    input_example   a problem as JSON, for help texts and playgrounds: '[96, 125]'
    input_help      what a problem is, in words: 'two non-negative integers'
    input_form      boxes for a playground instead of one JSON box (None: JSON)
    results         the paper's results that `reproduce` regenerates for this task (None: none yet)
    verification    how `npi_lib.verify` proves a trained model correct on every input (None: it cannot)
    observation_fields  a short name for each observation field, for viewers
    describe        (name, args) -> "PTR(IN1, LEFT)": a step spelled out for people
    draw            (state, ax=None, title="") -> matplotlib axes with a picture of an environment snapshot
    """

    name: str
    programs: tuple[str, ...]
    primitives: frozenset[str]
    arg_sizes: tuple[int, int, int]
    obs_sizes: tuple[int, ...]
    reference_programs: Mapping[str, Callable[..., None]]
    make_env: Callable[[Any], Environment]
    check: Callable[[Any, Any], bool]
    parse_input: Callable[[Any], Any]
    random_problem: Callable[[int, random.Random], Any]
    training_set: Callable[[str, int], list]
    output: Callable[[Environment], Any] = field(default=lambda env: env.output())  # noqa: E731
    training_sets: tuple[str, ...] = ("paper",)
    input_example: str = ""
    input_help: str = ""
    input_form: InputForm | None = None
    results: PaperResults | None = None
    verification: VerificationSpec | None = None
    observation_fields: tuple[str, ...] = ()
    describe: Callable[[str, tuple[int, ...]], str] | None = None
    draw: Callable[..., Any] | None = None

    # -------------------------------------------------------------------------------------- formulations
    @property
    def formulations(self) -> tuple[str, ...]:
        """The formulations, e.g. ("non-recursive", "recursive")."""
        return tuple(self.reference_programs)

    @property
    def default_formulation(self) -> str:
        """"recursive" when the task has it (the course's subject), else its first formulation."""
        return "recursive" if "recursive" in self.reference_programs else self.formulations[0]

    def formulation(self, formulation: str | None = None) -> str:
        """`formulation` checked against the task's (None: the default one).

        >>> get_task("addition").formulation("sideways")
        Traceback (most recent call last):
        ...
        npi_lib.errors.ProblemError: task 'addition' has no formulation 'sideways'; choose one of non-recursive, recursive
        """
        if formulation is None:
            return self.default_formulation
        if formulation not in self.reference_programs:
            raise ProblemError(
                f"task {self.name!r} has no formulation {formulation!r}; choose one of {', '.join(self.formulations)}"
            )
        return formulation

    def entry(self, formulation: str | None = None) -> tuple[str, tuple[int, ...]]:
        """(program name, args) that starts a run of `formulation`: what the interpreter calls first."""
        prog = self.reference_programs[self.formulation(formulation)]
        return getattr(prog, "program_name", prog.__name__), pad_args(())

    # -------------------------------------------------------------------------------------- reference
    def traced(self, problem: Any, formulation: str | None = None, record_states: bool = True) -> tuple[Trace, Environment]:
        """Run the reference program on a fresh environment holding `problem`: its trace, and the
        environment it leaves. `record_states=False` skips the per-step snapshots (long inputs stay cheap)."""
        prog = self.reference_programs[self.formulation(formulation)]
        env = self.make_env(problem)
        return Tracer(env, self.name, record_states=record_states).run(prog), env

    def reference_size(self, problem: Any, formulation: str | None = None) -> tuple[int, int]:
        """(steps, deepest frame) of the reference run on `problem`, counted without recording a trace."""
        from .trace import StepCounter

        return StepCounter(self.make_env(problem)).count(self.reference_programs[self.formulation(formulation)])

    def reference(self, problem: Any, formulation: str | None = None, record_states: bool = True) -> Trace:
        """The reference trace of one problem."""
        return self.traced(problem, formulation, record_states)[0]

    def run_reference(self, problem: Any, formulation: str | None = None) -> Environment:
        """The environment after the reference program ran on `problem`."""
        return self.traced(problem, formulation, record_states=False)[1]

    def answer(self, problem: Any, formulation: str | None = None) -> Any:
        """What the reference program leaves as the answer (`output` of its final environment)."""
        return self.output(self.run_reference(problem, formulation))

    # -------------------------------------------------------------------------------------- text
    def format(self, trace: Trace, max_lines: int | None = None) -> str:
        """The trace as an indented tree with this task's argument names."""
        from .trace import format_tree

        return format_tree(trace, max_lines=max_lines, describe=self.describe)

    def program_id(self, name: str) -> int:
        try:
            return self.programs.index(name)
        except ValueError:
            raise ProblemError(
                f"task {self.name!r} has no program {name!r}; its programs are {', '.join(self.programs)}"
            ) from None


def code_name(names: tuple[str, ...], code: int) -> str:
    """The name of an argument code, for `describe`; an out-of-range code (a network's mistake) stays a number.

    >>> code_name(("LEFT", "RIGHT"), 1), code_name(("LEFT", "RIGHT"), 7)
    ('RIGHT', '7')
    """
    return names[code] if 0 <= code < len(names) else str(code)


# ---------------------------------------------------------------------------------------------- the registry
_registered: dict[str, Task] = {}  # tasks made known by `register` in this process


def register(task: Task) -> Task:
    """Make `task` known by its name in this process (the command line and `get_task` find it); returns it.

    A built-in task's name cannot be taken: give yours another name.
    """
    if not isinstance(task, Task):
        raise ProblemError(f"register takes a Task, got {type(task).__name__}")
    if task.name in BUILTIN_TASKS and _load(BUILTIN_TASKS[task.name]) is not task:
        raise ProblemError(f"{task.name!r} is a built-in task; register yours under another name")
    _registered[task.name] = task
    return task


def task_names() -> tuple[str, ...]:
    """Every task name that `get_task` knows: built-in ones, then `NPI_LIB_TASKS`, then `register`ed ones.

    >>> task_names()[:3]
    ('addition', 'bubblesort', 'bubblesort-compare')
    """
    names = list(BUILTIN_TASKS)
    for task in [*_from_environment(), *_registered.values()]:
        if task.name not in names:
            names.append(task.name)
    return tuple(names)


def shared_task_names() -> tuple[str, ...]:
    """The task names a new interpreter (a worker process) finds too: the built-in ones and those of
    `NPI_LIB_TASKS`, not those `register`ed in this process."""
    return tuple(dict.fromkeys([*BUILTIN_TASKS, *(t.name for t in _from_environment())]))


def get_task(task: Task | str) -> Task:
    """The `Task` of that name (importing its module on first use); a `Task` is returned as it is."""
    if isinstance(task, Task):
        return task
    if task in BUILTIN_TASKS:
        return _load(BUILTIN_TASKS[task])
    if task in _registered:
        return _registered[task]
    for found in _from_environment():
        if found.name == task:
            return found
    raise ProblemError(f"unknown task {task!r}; choose one of {', '.join(task_names())}")


def _load(spec: str) -> Task:
    """The Task at "module:attribute" (attribute TASK if not given)."""
    module, _, attribute = spec.partition(":")
    try:
        found = getattr(importlib.import_module(module), attribute or "TASK")
    except (ImportError, AttributeError) as e:
        raise ProblemError(f"cannot load the task {spec!r}: {type(e).__name__}: {e}") from None
    if not isinstance(found, Task):
        raise ProblemError(f"{spec!r} is a {type(found).__name__}, not an npi_lib Task")
    return found


def _from_environment() -> list[Task]:
    """The tasks named in NPI_LIB_TASKS."""
    entries = [e.strip() for e in os.environ.get(ENV_VARIABLE, "").split(",")]
    tasks = []
    for spec in filter(None, entries):
        try:
            tasks.append(_load(spec))
        except ProblemError as e:
            raise ProblemError(f"{ENV_VARIABLE}: {e}. Give importable modules, e.g. {ENV_VARIABLE}=my_tasks.countdown") from None
    return tasks
