"""Accuracy against input size: does the network generalize to inputs longer than it was trained on?
Lessons 04 and 05 draw these curves; `python -m npi_lib eval` prints them.

    >>> from npi_lib.addition import TASK
    >>> from npi_lib.checkpoint import shipped_checkpoint
    >>> model = shipped_checkpoint("addition", "recursive").model
    >>> [(r["size"], r["accuracy"], r["n"]) for r in evaluate(model, TASK, sizes=[3, 20], per_size=5)]
    [(3, 1.0, 5), (20, 1.0, 5)]

As in Cai et al. (2017), a problem counts as solved when the final answer in the environment is exactly
right (`task.check(problem, task.output(env))`); the network must also stop on its own (`halted`). With
`match_trace=True` each record also says how many runs followed the reference trace step for step
(name, arguments, return flag and nesting), a stricter test.

Problems are drawn with `task.random_problem(size, rng)`, 30 per size by default (as in the paper), from a
random generator seeded by (seed, size): the same call gives the same problems on every machine.
`problems=` replaces them: a function (size, rng) -> problem such as `npi_lib.addition.starved_problem`,
or a dict {size: [problems]}.

Each run gets 4x its reference trace's steps + 100 (and as much depth): a network that loops forever
fails quickly instead of hanging the evaluation (see `npi_lib.interpreter.run`). The runs of one size go
as one batch (`npi_lib.batch.run_batch`): the same steps and results as running them one by one with
`run`, in a fraction of the time.
"""

from __future__ import annotations

import dataclasses
import random
import time
from dataclasses import dataclass
from typing import Any, Callable, Iterable, Mapping

from .batch import run_batch
from .interpreter import RunResult, StepFunction, as_step_function
from .model import NPI
from .progress import progress_reporter
from .task import Task, get_task
from .trace import first_difference

ProblemSource = Callable[[int, random.Random], Any] | Mapping[int, list]


@dataclass(frozen=True)
class EvalProgress:
    """What a progress callback receives after every run."""

    size: int
    done: int  # runs finished at this size
    n: int  # runs to do at this size
    correct: int  # correct so far at this size


def problems_for(task: Task, sizes: Iterable[int], per_size: int = 30, seed: int = 0, problems: ProblemSource | None = None) -> dict[int, list]:
    """The problems `evaluate` runs: {size: [problem, ...]}.

    >>> from npi_lib.addition import TASK
    >>> problems_for(TASK, [2], per_size=3, seed=1) == problems_for(TASK, [2], per_size=3, seed=1)
    True
    """
    if isinstance(problems, Mapping):
        return {int(size): list(ps) for size, ps in problems.items()}
    draw = problems or task.random_problem
    out = {}
    for size in sizes:
        rng = random.Random(f"{seed}:{size}")  # str seeds are hashed the same way everywhere
        out[size] = [draw(size, rng) for _ in range(per_size)]
    return out


def evaluate(
    model: NPI | StepFunction,
    task: Task | str,
    formulation: str | None = None,
    sizes: Iterable[int] = (5, 10, 100),
    per_size: int = 30,
    *,
    seed: int = 0,
    problems: ProblemSource | None = None,
    match_trace: bool = False,
    reset: bool = True,
    progress: str | Callable[[EvalProgress], Any] | None = None,
) -> list[dict]:
    """Accuracy at each size: a list of JSON-ready records, one per size, in the order of `sizes`:

    size         the problem size
    accuracy     fraction of the runs that halted on their own with the exact answer (0.0 to 1.0)
    n            number of runs
    correct      number of such runs (`RunResult.correct`)
    halted       number of runs in which the network returned on its own
    trace_match  (with match_trace) number of runs whose trace equals the reference trace
    steps        mean number of NPI steps per run
    seconds      time spent at this size
    failures     up to 3 failed problems with the reason, for a first look

    `progress`: None, "bar" (a tqdm bar on stderr), "lines" (a printed line as each size is done) or a
    callable receiving an `EvalProgress` after every run (in the order the runs of a batch end).
    """
    task = get_task(task)
    formulation = task.formulation(formulation)
    step_fn = as_step_function(model)  # one for all the runs: it caches its work per distinct input
    chosen = problems_for(task, sizes, per_size, seed, problems)
    report = progress_reporter(
        progress, sum(len(ps) for ps in chosen.values()), "evaluating", "run",
        lambda p: {"size": p.size, "correct": f"{p.correct}/{p.done}"},
        lambda p: f"size {p.size}: {p.correct} of {p.n} right" if p.done == p.n else None,
    )
    records = []
    for size, batch in chosen.items():
        start = time.perf_counter()
        ended = [0, 0]  # runs ended at this size, and how many of them right
        matches: dict[int, bool] = {}  # run -> its trace equals the reference (with match_trace)

        def done(i: int, result: RunResult, size: int = size, n: int = len(batch), ended: list = ended,
                 matches: dict = matches) -> None:
            ended[0] += 1
            ended[1] += bool(result.correct)
            if match_trace:  # compared as the run ends, then let go: a batch would hold every trace at once
                matches[i] = first_difference(result.trace, result.reference) is None
                result.trace = result.reference = None
            report(EvalProgress(size, ended[0], n, ended[1]))

        results = run_batch(step_fn, task, batch, formulation, reset=reset, record_trace=match_trace,
                            references=match_trace, on_done=done)
        correct = sum(bool(r.correct) for r in results)
        halted = sum(r.halted for r in results)
        steps = sum(r.steps for r in results)
        matched = sum(matches.values())
        failures = [
            {"problem": _jsonable(problem), "output": _jsonable(r.output), "reason": r.reason}
            for problem, r in zip(batch, results) if not r.correct
        ][:3]
        n = len(batch)
        record = {
            "size": size,
            "accuracy": correct / n if n else 0.0,
            "n": n,
            "correct": correct,
            "halted": halted,
            "steps": steps / n if n else 0.0,
            "seconds": round(time.perf_counter() - start, 3),
            "failures": failures,
        }
        if match_trace:
            record["trace_match"] = matched
        records.append(record)
    report(None)
    return records


def _jsonable(x: Any) -> Any:
    """Problems and outputs as JSON can hold them (tuples become lists, dataclasses dicts)."""
    if dataclasses.is_dataclass(x) and not isinstance(x, type):
        return _jsonable(dataclasses.asdict(x))
    if isinstance(x, (list, tuple)):
        return [_jsonable(v) for v in x]
    if isinstance(x, dict):
        return {str(k): _jsonable(v) for k, v in x.items()}
    if x is None or isinstance(x, (bool, int, float, str)):
        return x
    return repr(x)
