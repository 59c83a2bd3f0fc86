"""What every task module provides, so the model, training, evaluation and the command line stay
task-agnostic. Adding a fifth task means writing one module that defines a `TASK = Task(...)` and adding
its name to `TASK_MODULES`.

    >>> from npi_lib.task import get_task
    >>> t = get_task("addition")
    >>> t.check(t.parse_input([96, 125]), 221)
    True
"""

from __future__ import annotations

import importlib
import random
from dataclasses import dataclass
from typing import Any, Callable

from .errors import ProblemError
from .trace import Environment, Trace

TASK_MODULES = {
    "addition": "npi_lib.addition",
    "bubblesort": "npi_lib.bubblesort",
    "toposort": "npi_lib.toposort",
    "quicksort": "npi_lib.quicksort",
    "bubblesort-compare": "npi_lib.bubblesort:TASK_COMPARE",  # the comparison-bit encoder (CAI A.6)
}


@dataclass(frozen=True)
class Task:
    """A task of Cai, Shin & Song (2017): its environment, its programs and its reference traces.

    programs      every program and primitive name; the position in this tuple is the program id
    primitives    the names that act on the environment directly (NOP included) instead of opening a frame
    arg_sizes     how many values each of the 3 argument slots takes (0 .. size-1; unused slots are 0)
    obs_sizes     how many values each observation field takes: the encoder one-hot codes each field
    formulations  e.g. ("non-recursive", "recursive"); the first recursive one is the default
    make_env      problem -> a fresh Environment holding it
    reference     (problem, formulation) -> the reference Trace (run on a fresh environment)
    entry         formulation -> (program name, args) that starts a run: what the interpreter calls first
    output        env -> what the environment holds as the answer (the sum, the array, an order)
    check         (problem, output) -> is the output the correct answer?
    parse_input   JSON-decoded value -> a validated problem (raises ProblemError)
    random_problem (size, rng) -> a problem of that size
    training_set  (name, seed) -> list of problems; name is one of `training_sets`
    training_sets names understood by `training_set`, "paper" first
    observation_fields  a short name for each observation field
    describe      (name, args) -> "PTR(IN1, LEFT)": a step spelled out for people
    draw          (state, ax=None, title="") -> matplotlib axes with a picture of an environment snapshot
    """

    name: str
    programs: tuple[str, ...]
    primitives: frozenset[str]
    arg_sizes: tuple[int, int, int]
    obs_sizes: tuple[int, ...]
    formulations: tuple[str, ...]
    make_env: Callable[[Any], Environment]
    reference: Callable[[Any, str], Trace]
    entry: Callable[[str], tuple[str, tuple[int, ...]]]
    output: Callable[[Environment], Any]
    check: Callable[[Any, Any], bool]
    parse_input: Callable[[Any], Any]
    random_problem: Callable[[int, random.Random], Any]
    training_set: Callable[[str, int], list]
    training_sets: tuple[str, ...] = ("paper",)
    observation_fields: tuple[str, ...] = ()  # a short name per observation field, for viewers
    describe: Callable[[str, tuple[int, ...]], str] | None = None  # spells out a step's arguments
    draw: Callable[..., Any] | None = None  # draw(state, ax=None, title="") -> axes: a picture of a snapshot

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

    def check_formulation(self, formulation: str) -> str:
        if formulation not in self.formulations:
            raise ProblemError(
                f"task {self.name!r} has no formulation {formulation!r}; choose one of {', '.join(self.formulations)}"
            )
        return formulation


def code_name(names: tuple[str, ...], code: int) -> str:
    """The name of an argument code, for `describe`; an out-of-range code (a network's mistake) stays a number.

    >>> code_name(("LEFT", "RIGHT"), 1), code_name(("LEFT", "RIGHT"), 7)
    ('RIGHT', '7')
    """
    return names[code] if 0 <= code < len(names) else str(code)


def get_task(name: str) -> Task:
    """The `Task` of that name (importing its module on first use)."""
    if name not in TASK_MODULES:
        raise ProblemError(f"unknown task {name!r}; choose one of {', '.join(TASK_MODULES)}")
    module, _, attr = TASK_MODULES[name].partition(":")
    return getattr(importlib.import_module(module), attr or "TASK")
