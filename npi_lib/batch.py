"""Many neural runs at once: the RUN loop of `npi_lib.interpreter` for a batch of problems, each with its
own environment, call stack, frame states and limits, and one network step for the top frames of all
the runs that need one. `npi_lib.evaluation.evaluate` runs each size this way.

    >>> from npi_lib.addition import TASK
    >>> from npi_lib.checkpoint import shipped_checkpoint
    >>> model = shipped_checkpoint("addition", "recursive").model
    >>> [(r.output, r.steps, r.correct) for r in run_batch(model, TASK, [(96, 125), (5, 7)])]
    [(221, 33, True), (12, 21, True)]

Every run takes exactly the steps that `npi_lib.interpreter.run` takes on its problem alone, and ends
with the same `RunResult` (output, steps, halted, reason, trace, depth, correct); tests/test_batch.py
pins the two equal. Two things make that exact rather than close:
- A batched network step computes each row as a product of one row (`FastStep.outputs_batch`): a
  matrix product of many rows may group its sums differently, and a decision within rounding of a tie
  could then go the other way in a batch.
- Transitions are remembered (`cache_size`). A frame's controller state is a function of where it
  started and of the inputs (observation, arguments, program) it has been given since, so the steps a
  frame takes from one state on one input always lead to the same decision and the same next state.
  With the reset at every call of Cai et al. (2017) every frame starts from h = 0, and a recursive
  program's frames are short and repeat: ADD1 on the same column, BSTEP on the same pair. The runs share
  a tree of states (a trie, like `npi_lib.training.step_errors`'s), root the zero state, one edge per
  (observation, arguments, program) input, holding the decision and the state it leads to: a step found
  there costs a dictionary look-up instead of a network step, and gives the stored, identical numbers.
  A frame that leaves the tree (a new input where no more entries fit) goes on with the network. The
  tree holds at most `cache_size` edges, about 2 KB each (for H = 64): a non-recursive program's long
  frames rarely repeat, and fill it with edges no run takes again, so it is bounded.

Choices:
- A run that needs the network waits for the others: each round, every run advances through the tree
  until it needs a network step (or ends); then one batched step serves all of them, identical inputs
  from the same state computed once.
- Limits are per run, as in `run`: `max_steps` and `max_depth` default to 4x the reference trace's steps
  + 100 and 4x its depth + 100 (`npi_lib.interpreter.step_limits`), and can be given (one number for
  all, or one per problem) to skip computing the references. `correct` checks the answer with
  `task.check`, never with the reference.
- `RunResult.seconds` is the time from the start of the batch to the end of that run.
- A step function that is not a `FastStep` (lesson 03's lookup table) runs too, one step at a time
  (nothing is known about its state), through the same loop.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from typing import Any

import torch

from .errors import ActionError
from .interpreter import (
    RunResult,
    _Frame,
    _return,
    _spell,
    as_step_function,
    limits_for,
    step_limits,
)
from .model import NPI, FastStep, StepFunction, stepping
from .task import Task, get_task
from .trace import Environment, Step, Trace, pad_args
from .training import _collector_paused

CACHE_SIZE = 100_000  # edges of the tree of states: at most about 200 MB for H = 64


class _Node:
    """A controller state in the tree: `state` (packed, see `FastStep.pack`; None for h = 0) and its edges
    {(obs, args, prog): (decision, next node)}, or None for a state that is not in the tree."""

    __slots__ = ("next", "state")

    def __init__(self, state: torch.Tensor | None, in_tree: bool):
        self.state = state
        self.next: dict | None = {} if in_tree else None


class _Run:
    """One problem's run: its environment, its call stack and its counters (what `execute` keeps in locals)."""

    __slots__ = (
        "deepest",
        "env",
        "halted",
        "index",
        "max_depth",
        "max_steps",
        "problem",
        "program",
        "reason",
        "reference",
        "seconds",
        "stack",
        "steps",
        "trace",
    )

    def __init__(self, index: int, problem: Any, env: Environment, frame: _Frame, program: str, trace: Trace | None,
                 max_steps: int, max_depth: int, reference: Trace | None):
        self.index, self.problem, self.env, self.stack = index, problem, env, [frame]
        self.program, self.trace, self.max_steps, self.max_depth = program, trace, max_steps, max_depth
        self.steps, self.deepest, self.reason, self.halted = 0, 1, "", False
        self.reference, self.seconds = reference, 0.0


def run_batch(
    model: NPI | StepFunction,
    task: Task | str,
    problems: Sequence[Any],
    formulation: str | None = None,
    *,
    max_steps: int | Sequence[int] | None = None,
    max_depth: int | Sequence[int] | None = None,
    reset: bool = True,
    record_trace: bool = True,
    record_states: bool = False,
    references: bool = False,
    threads: int | None = 1,
    cache_size: int = CACHE_SIZE,
    on_done: Callable[[int, RunResult], Any] | None = None,
) -> list[RunResult]:
    """Run the network on every problem, as `npi_lib.interpreter.run` does on each alone; the results in
    the order of `problems`.

    `max_steps`/`max_depth`: one limit for all runs, one per problem, or None (from each problem's
    reference trace, as `run` sets them). `record_trace=False` leaves `RunResult.trace` None (a long run's
    trace is large, and a batch holds all of them at once); `references=True` keeps each reference trace
    in `RunResult.reference` (computing it if the limits were given). `cache_size`: edges of the tree of
    remembered transitions (0: none, every step is a network step). `on_done(index, result)` is called as
    each run ends, in the order they end. `threads`, `reset`, `record_states`: as in `run`.

        >>> from npi_lib.addition import TASK
        >>> from npi_lib.model import NPIConfig
        >>> untrained = NPI.for_task(TASK, NPIConfig(hidden_size=8))
        >>> [r.halted for r in run_batch(untrained, TASK, [(1, 2), (3, 4)], max_steps=50, max_depth=10)]
        [False, False]
    """
    task = get_task(task)
    formulation = task.formulation(formulation)
    step_fn = as_step_function(model)
    if record_states and not record_trace:
        raise ValueError("record_states=True needs record_trace=True: the states are recorded in the trace")
    if cache_size < 0:
        raise ValueError(f"cache_size is {cache_size}; give 0 (no cache) or a positive number of entries")
    steps_limits = _per_problem(max_steps, len(problems), "max_steps")
    depth_limits = _per_problem(max_depth, len(problems), "max_depth")
    program, args = task.entry(formulation)
    entry = task.program_id(program)
    network = isinstance(step_fn, FastStep)
    root = _Node(None, in_tree=cache_size > 0) if network else None

    machine = _Machine(task, reset, record_states, root)
    results: list[RunResult | None] = [None] * len(problems)
    start = time.perf_counter()

    def begin(i: int, problem: Any) -> _Run:
        reference = None
        if references:
            reference = task.reference(problem, formulation, record_states=False)
        if steps_limits[i] is None or depth_limits[i] is None:
            limit_steps, limit_depth = step_limits(reference) if reference else limits_for(task, problem, formulation)
            steps_limits[i] = limit_steps if steps_limits[i] is None else steps_limits[i]
            depth_limits[i] = limit_depth if depth_limits[i] is None else depth_limits[i]
        env = task.make_env(problem)
        call = Step(program, pad_args(args), children=[]) if record_trace else None
        trace = Trace(call, env.snapshot() if record_states else None, task.name) if call else None
        frame = _Frame(entry, pad_args(args), call, root)  # type: ignore[arg-type]
        return _Run(i, problem, env, frame, program, trace, steps_limits[i], depth_limits[i],  # type: ignore[arg-type]
                    reference if references else None)

    def finish(run: _Run) -> None:
        if record_states:
            run.trace.root.state = run.env.snapshot()  # type: ignore[union-attr]
        output = task.output(run.env)
        result = RunResult(
            output=output, steps=run.steps, halted=run.halted, reason=run.reason, trace=run.trace,  # type: ignore[arg-type]
            depth=run.deepest, seconds=time.perf_counter() - start,
            correct=run.halted and bool(task.check(run.problem, output)), reference=run.reference,
        )
        results[run.index] = result
        if on_done is not None:
            on_done(run.index, result)

    # The cycle collector is paused: traces are many small objects, none in a cycle, and the collector
    # would scan them all again and again.
    with stepping(threads), _collector_paused():
        runs = [begin(i, problem) for i, problem in enumerate(problems)]
        if not network:
            for run in runs:
                machine.run_alone(run, step_fn)
                finish(run)
        else:
            cache = _Cache(step_fn, cache_size, machine.is_primitive)
            active = runs
            while active:
                waiting = []  # runs whose top frame needs a network step: (run, (obs, input, node))
                for run in active:
                    need = machine.advance(run)
                    if need is None:
                        finish(run)
                    else:
                        waiting.append((run, need))
                active = []
                for (run, (obs, _, _)), (decision, node) in zip(waiting, cache.compute([w[1][1:] for w in waiting])):
                    if machine.take(run, obs, decision, node):
                        finish(run)
                    else:
                        active.append(run)
    return results  # type: ignore[return-value]


def _per_problem(limit: int | Sequence[int] | None, n: int, name: str) -> list[int | None]:
    if limit is None or isinstance(limit, int):
        return [limit] * n
    limits = list(limit)
    if len(limits) != n:
        raise ValueError(f"{name} has {len(limits)} limits for {n} problems; give one number, one per problem, or None")
    return limits


class _Machine:
    """The RUN loop's moves on one run, shared by every run of a batch: what `execute` does after a step."""

    def __init__(self, task: Task, reset: bool, record_states: bool, root: _Node | None):
        self.task, self.reset, self.record_states, self.root = task, reset, record_states, root
        self.names = task.programs
        self.is_primitive = [name in task.primitives for name in task.programs]

    def advance(self, run: _Run) -> tuple[Any, tuple, _Node] | None:
        """Step `run` through remembered transitions until its top frame needs the network: then the
        observation, the (obs, args, prog) input and the frame's node; None when the run has ended."""
        stack = run.stack
        while True:
            if run.steps >= run.max_steps:
                run.reason = f"step limit: {run.steps} steps without the entry program returning (max_steps={run.max_steps})"
                return None
            frame = stack[-1]
            obs = run.env.observe()
            key = (obs if type(obs) is tuple else tuple(obs), frame.args, frame.prog)
            node = frame.state
            edges = node.next
            hit = edges.get(key) if edges is not None else None
            if hit is None:
                return obs, key, node
            decision, frame.state = hit
            if self.apply(run, obs, decision):
                return None

    def take(self, run: _Run, obs: tuple, decision: tuple, node: _Node) -> bool:
        """Apply a network step to `run`'s top frame (its new state `node`); True when the run has ended."""
        run.stack[-1].state = node
        return self.apply(run, obs, decision)

    def run_alone(self, run: _Run, step_fn: StepFunction) -> None:
        """The whole run with a plain step function (its state opaque), one step at a time."""
        stack = run.stack
        while run.steps < run.max_steps:
            frame = stack[-1]
            obs = run.env.observe()
            decision, frame.state = step_fn(obs, frame.args, frame.prog, frame.state)
            if self.apply(run, obs, decision):
                return
        run.reason = f"step limit: {run.steps} steps without the entry program returning (max_steps={run.max_steps})"

    def apply(self, run: _Run, obs: tuple, decision: tuple) -> bool:
        """The move after one step (as in `npi_lib.interpreter.execute`); True when the run has ended."""
        ret, nxt, nargs = decision
        stack = run.stack
        frame = stack[-1]
        run.steps += 1
        name = self.names[nxt]
        if self.is_primitive[nxt]:
            step = None
            if frame.node is not None:
                step = Step(name, nargs, ret, obs)
                frame.node.children.append(step)
            try:
                run.env.apply(name, nargs)
            except ActionError as e:
                if step is not None:
                    step.note = f"invalid action: {e}"
                run.reason = f"invalid action at step {run.steps}, {_spell(self.task, name, nargs)}: {e}"
                return True
            if self.record_states:
                step.state = run.env.snapshot()  # type: ignore[union-attr]
            if ret and _return(stack, run.env, self.record_states):
                run.halted, run.reason = True, f"{run.program} returned"
                return True
            return False
        node = None
        if frame.node is not None:
            node = Step(name, nargs, ret, obs, children=[])
            frame.node.children.append(node)
        if len(stack) >= run.max_depth:
            if node is not None:
                node.note = "not run: depth limit"
            run.reason = f"depth limit: {name} called at depth {len(stack)} (max_depth={run.max_depth})"
            return True
        frame.ret_after_call = ret
        stack.append(_Frame(nxt, nargs, node, self.root if self.reset else frame.state))  # type: ignore[arg-type]
        run.deepest = max(run.deepest, len(stack))
        return False


class _Cache:
    """The tree of remembered transitions and the batched network step behind it."""

    def __init__(self, step: FastStep, size: int, is_primitive: list[bool]):
        self.step, self.room, self.is_primitive = step, size, is_primitive
        self.zero = step.pack(None)

    def compute(self, waiting: list[tuple[tuple, _Node]]) -> list[tuple[tuple, _Node]]:
        """One network step for every (input, node) waiting: (decision, next node) each. Identical inputs
        from the same node are computed once; new transitions from nodes in the tree are added while there
        is room."""
        rows: dict[tuple[int, tuple], int] = {}
        order = []
        for key, node in waiting:
            ident = (id(node), key)
            if ident not in rows:
                rows[ident] = len(order)
                order.append((key, node))
        if not order:
            return []
        step = self.step
        x = torch.cat([step.core_input(*key) for key, _ in order])
        states = torch.stack([self.zero if node.state is None else node.state for _, node in order])
        out, new_states = step.outputs_batch(x, states)
        decisions = step.decide_batch(out)
        # A new state is kept beyond this round if it enters the tree or if its frame calls (the caller waits
        # for its callee): those rows are copied out together, so that they do not hold on to the rest.
        keep = [node.next is not None and self.room > i or not self.is_primitive[d[1]] for i, ((_, node), d) in enumerate(zip(order, decisions))]
        if not all(keep):
            kept = [i for i, k in enumerate(keep) if k]
            rows_kept = dict(zip(kept, new_states.index_select(0, torch.tensor(kept)).unbind(0))) if kept else {}
            states_out = [rows_kept[i] if k else row for i, (k, row) in enumerate(zip(keep, new_states.unbind(0)))]
        else:
            states_out = new_states.unbind(0)
        made = []
        for (key, node), decision, state in zip(order, decisions, states_out):
            if node.next is not None and self.room > 0:
                child = _Node(state, in_tree=True)
                node.next[key] = (decision, child)
                self.room -= 1
            else:
                child = _Node(state, in_tree=False)
            made.append((decision, child))
        return [made[rows[(id(node), key)]] for key, node in waiting]
