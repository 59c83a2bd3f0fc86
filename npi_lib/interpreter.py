"""Neural execution: a step function runs a task on a live environment, with the RUN procedure of Reed &
de Freitas (2016). Lessons 03 to 05.

    >>> from npi_lib.addition import TASK
    >>> from npi_lib.checkpoint import shipped_checkpoint
    >>> model = shipped_checkpoint("addition", "recursive").model
    >>> result = run(model, TASK, (96, 125))
    >>> result.output, result.halted, result.steps, result.correct
    (221, True, 33, True)

The network's decisions come from a step function, step(obs, args, prog, state) -> ((ret, next_prog,
next_args), new_state), state None for a fresh frame: for a trained `NPI`, its `npi_lib.model.FastStep`
(`model.fast_step()`, made here when `execute` or `run` is given the model itself). Any function with
that signature runs too, such as lesson 03's lookup table answering from a reference trace; this loop is
lesson 03's RUN with its recursion replaced by an explicit stack of frames:

    push a frame for the entry program (fresh controller state)
    while the stack is not empty:
        frame = top of the stack
        one step: observe the environment, step(obs, frame's args, frame's program, frame's state)
                  gives r, the next program and its args, and the frame's new state
        a primitive:  apply it to the environment; if r > 0.5 the frame returns (pop)
        a program:    push a frame for it (fresh state); when it returns, the caller continues, or also
                      returns if its call step carried r > 0.5 (a tail call)

Choices (lesson 03 explains them, tests/test_interpreter.py tests them):
- The return flag rides on the step, as in the reference traces: the step (a primitive, or a whole
  sub-call) is carried out first, then the frame returns. A tail call is a call step with r > 0.5.
- No Python recursion: a 5,000-digit recursive addition is 5,000 frames deep. No tail-call elimination
  either: the recorded trace nests exactly like the reference Tracer's, and a stack of a few thousand
  small frames costs nothing.
- Limits turn a runaway network into a failed `RunResult`, never a hang: `max_steps` (default 4x the
  reference trace's steps + 100) and `max_depth` (4x the reference depth + 100). A primitive the
  environment rejects (`ActionError`) also ends the run with `halted=False`.
- `reset=False` hands the caller's controller state to the callee instead of a fresh one: the ablation
  of lesson 05 (the reset is what makes recursion generalize).
- The loop runs under `npi_lib.model.stepping`: torch's inference mode and one thread by default, the
  settings of the check `npi_lib.training.step_errors` too, so that a check and a run compute alike.
- Speed: a `FastStep` caches its work per distinct input and costs two `torch.lstm_cell` calls and one
  matrix product per step; a 1,000-digit addition (about 10,000 steps) takes well under the course's
  2 s budget on one core (`tools/bench_npi.py speed` measures it). Pass the same `FastStep` to several
  runs to keep its cache (as `npi_lib.evaluation.evaluate` does). Many problems at once, with the same
  steps and results: `npi_lib.batch.run_batch`.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

from .errors import ActionError
from .model import NPI, StepFunction, stepping
from .task import Task, get_task
from .trace import Environment, Step, Trace, pad_args


# ---------------------------------------------------------------------------------------------- running
@dataclass
class RunResult:
    """How a neural run ended.

    output    what the environment holds at the end (`task.output(env)`), whether or not the run halted
    steps     NPI steps taken (each primitive and each call counts one)
    halted    True when the entry program returned normally; False when a limit or an invalid action
              stopped it
    reason    why it stopped, in words
    trace     what the network did, in the same `Trace` type as the reference (None when
              `npi_lib.batch.run_batch` was told not to record it)
    depth     the deepest call nesting reached: 1 while only the entry call runs (its steps are at
              depth 1 in `trace.walk()`), 2 inside a call it made, ...
    correct   when the problem is known (see `run`): True when the network halted on its own *and* the
              output is exactly right (`task.check(problem, output)`); a right answer left behind by a run
              that a limit stopped does not count. None when the problem is not known
    reference the reference trace, when `run` computed it
    """

    output: Any
    steps: int
    halted: bool
    reason: str
    trace: Trace | None
    depth: int = 1
    seconds: float = 0.0
    correct: bool | None = None
    reference: Trace | None = field(default=None, repr=False)


@dataclass
class _Frame:
    prog: int
    args: tuple[int, ...]
    node: Step  # the call step whose children this frame records
    state: Any = None  # the step function's state for this frame; None: fresh
    ret_after_call: bool = False  # the call step this frame is waiting on carried the return flag


def execute(
    model: NPI | StepFunction,
    task: Task,
    env: Environment,
    program: str,
    args: tuple[int, ...] = (),
    *,
    max_steps: int = 1_000_000,
    max_depth: int = 100_000,
    reset: bool = True,
    record_states: bool = False,
    threads: int | None = 1,
) -> RunResult:
    """Run the network from `program(args)` on `env` (mutated in place) until the program returns or a
    limit or an invalid action stops it. `model`: an `NPI` (run by its `fast_step()`) or any step function
    step(obs, args, prog, state) -> ((ret, next_prog, next_args), new_state). `threads`: torch threads
    for the run (one is fastest for one small step at a time); None leaves torch's setting alone."""
    step_fn = as_step_function(model)
    names = task.programs
    is_primitive = [name in task.primitives for name in names]
    root = Step(program, pad_args(args), children=[])
    trace = Trace(root, env.snapshot() if record_states else None, task.name)
    stack = [_Frame(task.program_id(program), pad_args(args), root)]
    steps, deepest, reason, halted = 0, 1, "", False
    start = time.perf_counter()
    with stepping(threads):
        while True:
            frame = stack[-1]
            if steps >= max_steps:
                reason = f"step limit: {steps} steps without the entry program returning (max_steps={max_steps})"
                break
            obs = env.observe()
            (ret, nxt, nargs), frame.state = step_fn(obs, frame.args, frame.prog, frame.state)
            steps += 1
            name = names[nxt]
            if is_primitive[nxt]:
                step = Step(name, nargs, ret, obs)
                frame.node.children.append(step)  # type: ignore[union-attr]
                try:
                    env.apply(name, nargs)
                except ActionError as e:
                    step.note = f"invalid action: {e}"
                    reason = f"invalid action at step {steps}, {_spell(task, name, nargs)}: {e}"
                    break
                if record_states:
                    step.state = env.snapshot()
                if ret and _return(stack, env, record_states):
                    halted, reason = True, f"{program} returned"
                    break
            else:
                node = Step(name, nargs, ret, obs, children=[])
                frame.node.children.append(node)  # type: ignore[union-attr]
                if len(stack) >= max_depth:
                    node.note = "not run: depth limit"
                    reason = f"depth limit: {name} called at depth {len(stack)} (max_depth={max_depth})"
                    break
                frame.ret_after_call = ret
                stack.append(_Frame(nxt, nargs, node, None if reset else frame.state))
                deepest = max(deepest, len(stack))
    if record_states:
        root.state = env.snapshot()
    return RunResult(
        output=task.output(env),
        steps=steps,
        halted=halted,
        reason=reason,
        trace=trace,
        depth=deepest,
        seconds=time.perf_counter() - start,
    )


def _return(stack: list[_Frame], env: Environment, record_states: bool) -> bool:
    """Pop the returning frame, and every caller whose call step carried the return flag too (tail
    calls). True when the entry frame itself returned."""
    while True:
        frame = stack.pop()
        if record_states:
            frame.node.state = env.snapshot()
        if not stack:
            return True
        if not stack[-1].ret_after_call:
            return False


def _spell(task: Task, name: str, args: tuple[int, ...]) -> str:
    return task.describe(name, args) if task.describe else f"{name}{args}"


def run(
    model: NPI | StepFunction,
    task: Task | str,
    problem: Any,
    formulation: str | None = None,
    *,
    max_steps: int | None = None,
    max_depth: int | None = None,
    reset: bool = True,
    record_states: bool = False,
    threads: int | None = 1,
) -> RunResult:
    """Run the network on a fresh environment holding `problem`, from the task's entry program, and check
    the answer. Limits not given are set from the reference trace of the same problem: 4x its steps + 100
    and 4x its depth + 100 (so a long input gets proportionally more room, a runaway network a clear
    failure). `formulation` (default: the task's recursive one) chooses the entry program and the
    reference: give the one the model was trained on. `model`: an `NPI` or a step function (see `execute`)."""
    task = get_task(task)
    formulation = task.formulation(formulation)
    reference = None
    if max_steps is None or max_depth is None:
        reference = task.reference(problem, formulation, record_states=False)
        steps, depth = step_limits(reference)
        max_steps = steps if max_steps is None else max_steps
        max_depth = depth if max_depth is None else max_depth
    program, args = task.entry(formulation)
    env = task.make_env(problem)
    result = execute(
        model, task, env, program, args,
        max_steps=max_steps, max_depth=max_depth, reset=reset, record_states=record_states, threads=threads,
    )
    result.correct = result.halted and bool(task.check(problem, result.output))
    result.reference = reference
    return result


def step_limits(reference: Trace) -> tuple[int, int]:
    """(max_steps, max_depth) for a run whose reference trace is given: 4x its steps + 100, 4x its depth + 100.

    >>> from npi_lib.addition import reference
    >>> step_limits(reference((96, 125)))
    (232, 116)
    """
    depth = max(d for d, _ in reference.walk())
    return 4 * len(reference) + 100, 4 * depth + 100


def limits_for(task: Task, problem: Any, formulation: str | None = None) -> tuple[int, int]:
    """`step_limits` of the reference run of `problem`, from its counts alone (`Task.reference_size`):
    the same numbers, without recording the trace.

    >>> from npi_lib.addition import TASK
    >>> limits_for(TASK, (96, 125))
    (232, 116)
    """
    steps, depth = task.reference_size(problem, formulation)
    return 4 * steps + 100, 4 * depth + 100


def as_step_function(model: NPI | StepFunction) -> StepFunction:
    """The step function that runs `model`: an `NPI`'s `fast_step()`, or `model` itself if it is one.

    >>> from npi_lib.model import NPIConfig
    >>> from npi_lib.addition import TASK
    >>> type(as_step_function(NPI.for_task(TASK, NPIConfig(hidden_size=8)))).__name__
    'FastStep'
    """
    if isinstance(model, NPI):
        return model.fast_step()
    if not callable(model):
        raise TypeError(f"expected an NPI or a step function step(obs, args, prog, state), got {type(model).__name__}")
    return model
