"""Neural execution: a trained NPI runs a task on a live environment, with the RUN procedure of Reed & de
Freitas (2016). Lessons 03 to 05.

    >>> from npi_lib.addition import TASK
    >>> from npi_lib.checkpoint import shipped_checkpoint
    >>> model = shipped_checkpoint("addition", "recursive").model
    >>> result = run(model, TASK, (96, 125))
    >>> result.output, result.halted, result.steps, result.correct
    (221, True, 33, True)

The loop is the paper's RUN, with its recursion replaced by an explicit stack of frames:

    push a frame for the entry program (fresh controller state)
    while the stack is not empty:
        frame = top of the stack
        one NPI step: observe the environment, update the frame's state, read r, the next program, its args
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
- Speed: `Controller` holds the same weights as the `NPI`, arranged for one step at a time. The LSTM's
  input fuse(f_enc(e, a), M_prog[p]) depends only on (observation, arguments, program), a small set, so
  it is computed once per distinct triple and cached; the decoders f_end, f_prog·M_key and f_arg are
  stacked into one matrix. A step is then two `torch.lstm_cell` calls and one matrix product: about
  80 µs per step on one core, environment and trace included, for the default sizes; a 1,000-digit
  addition (about 10,000 steps) takes 0.9 s (tools/bench_npi.py speed), within the course's 2 s budget.
"""

from __future__ import annotations

import inspect
import time
from dataclasses import dataclass, field
from typing import Any

import torch
from torch import Tensor

from .errors import ActionError
from .model import NPI
from .task import Task, get_task
from .trace import Environment, Step, Trace, pad_args
from .training import default_formulation

State = tuple[tuple[Tensor, Tensor], ...] | None  # per LSTM layer (h, c), each (1, H); None: a fresh frame


# ---------------------------------------------------------------------------------------------- one step
class Controller:
    """An `NPI` prepared for fast step-by-step execution: the same weights, the same decisions.

    `step(obs, args, prog, state)` returns (ret, next_program, next_args) and the frame's new state.
    It copies the weights when it is made: after training the model further, make a new one.

        >>> from npi_lib.addition import TASK
        >>> from npi_lib.model import NPI, NPIConfig
        >>> c = Controller(NPI.for_task(TASK, NPIConfig(hidden_size=8)))
        >>> (ret, prog, args), state = c.step((6, 5, 10, 10), (0, 0, 0), 0, None)
        >>> isinstance(ret, bool), 0 <= prog < len(TASK.programs), len(args), len(state)
        (True, True, 3, 2)
    """

    def __init__(self, model: NPI):
        self.model = model
        lstm = model.f_lstm
        with torch.no_grad():
            # per layer: (W_ih, W_hh, b_ih, b_hh), as torch.lstm_cell takes them
            self._layers = [
                tuple(getattr(lstm, f"{name}_l{k}").detach().clone() for name in ("weight_ih", "weight_hh", "bias_ih", "bias_hh"))
                for k in range(model.config.lstm_layers)
            ]
            # decoders stacked: row 0 the return logit, then N program logits (M_key @ f_prog(h)), then args
            prog_w = model.M_key @ model.f_prog.weight
            prog_b = model.M_key @ model.f_prog.bias
            self._w_out = torch.cat([model.f_end.weight, prog_w] + [f.weight for f in model.f_arg]).T.contiguous()
            self._b_out = torch.cat([model.f_end.bias, prog_b] + [f.bias for f in model.f_arg]).unsqueeze(0)
        n = model.n_programs
        self._slices = [(1, 1 + n)]
        for size in model.arg_sizes:
            self._slices.append((self._slices[-1][1], self._slices[-1][1] + size))
        zero = torch.zeros(1, model.config.hidden_size)
        self._fresh = tuple((zero, zero) for _ in self._layers)
        # The LSTM input x = ReLU(W_fuse [s; p] + b), with s = f_enc(one-hot codes), is computed once per
        # distinct (observation, arguments, program) and cached. To compute it cheaply: the first layer of
        # f_enc applied to one-hot codes is a sum of one weight column per field, and the program's share
        # of the fusion layer, W_fuse[:, D:] @ M_prog[p] + b, is one row of a table.
        with torch.no_grad():
            enc1, enc2, fuse = model.f_enc[0], model.f_enc[2], model.fuse[0]
            d = model.config.state_size
            self._enc1_columns = enc1.weight.T.contiguous()
            self._enc1_bias, self._enc2 = enc1.bias.clone(), (enc2.weight.clone(), enc2.bias.clone())
            self._fuse_s = fuse.weight[:, :d].clone()
            self._fuse_prog = (model.M_prog @ fuse.weight[:, d:].T + fuse.bias).clone()  # (N, fusion_size)
        sizes = model.obs_sizes + model.arg_sizes
        self._offsets = [sum(sizes[:i]) for i in range(len(sizes))]
        self._cache: dict[tuple, Tensor] = {}

    def step(self, obs: tuple[int, ...], args: tuple[int, ...], prog: int, state: State) -> tuple[tuple[bool, int, tuple[int, ...]], State]:
        """One NPI step of a frame: (return?, next program id, next args), new state."""
        x = self._cache.get((obs, args, prog))
        if x is None:
            x = self._core_input(obs, args, prog)
        new_state = []
        for weights, hc in zip(self._layers, state or self._fresh):
            hc = torch.lstm_cell(x, hc, *weights)
            new_state.append(hc)
            x = hc[0]
        out = torch.addmm(self._b_out, x, self._w_out)[0].tolist()
        ret = out[0] > 0.0  # r = sigmoid(logit) > 0.5
        prog_lo, prog_hi = self._slices[0]
        nxt = _argmax(out, prog_lo, prog_hi) - prog_lo
        nargs = tuple(_argmax(out, lo, hi) - lo for lo, hi in self._slices[1:])
        return (ret, nxt, nargs + (0,) * (3 - len(nargs))), tuple(new_state)

    def _core_input(self, obs: tuple[int, ...], args: tuple[int, ...], prog: int) -> Tensor:
        """The LSTM's input fuse(f_enc(obs, args), M_prog[prog]) (as `NPI.core_input`), cached."""
        self._check(obs, args, prog)
        hot = torch.tensor([o + v for o, v in zip(self._offsets, obs + args)])
        s = torch.relu(self._enc1_columns[hot].sum(0) + self._enc1_bias)
        s = torch.addmv(self._enc2[1], self._enc2[0], s)
        x = torch.relu(torch.addmv(self._fuse_prog[prog], self._fuse_s, s)).unsqueeze(0)
        self._cache[(obs, args, prog)] = x
        return x

    def _check(self, obs: tuple[int, ...], args: tuple[int, ...], prog: int) -> None:
        m = self.model
        if not 0 <= prog < m.n_programs:
            raise ValueError(f"program id {prog}: the model has programs 0..{m.n_programs - 1}")
        if len(obs) != len(m.obs_sizes):
            raise ValueError(f"observation {obs} has {len(obs)} fields; the model was built for {len(m.obs_sizes)}")
        for i, (v, n) in enumerate(zip(obs, m.obs_sizes)):
            if not 0 <= v < n:
                raise ValueError(f"observation field {i} is {v} in {obs}; the model takes values 0..{n - 1} there")
        for i, (v, n) in enumerate(zip(args, m.arg_sizes)):
            if not 0 <= v < n:
                raise ValueError(f"argument slot {i} is {v} in {args}; the model takes values 0..{n - 1} there")


def _argmax(values: list[float], lo: int, hi: int) -> int:
    """Index of the largest of values[lo:hi] (the first one on a tie, like torch.argmax)."""
    return max(range(lo, hi), key=values.__getitem__)


# ---------------------------------------------------------------------------------------------- running
@dataclass
class RunResult:
    """How a neural run ended.

    output    what the environment holds at the end (`task.output(env)`), whether or not the run halted
    steps     NPI steps taken (each primitive and each call counts one)
    halted    True when the entry program returned normally; False when a limit or an invalid action
              stopped it
    reason    why it stopped, in words
    trace     what the network did, in the same `Trace` type as the reference
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
    trace: Trace
    depth: int = 1
    seconds: float = 0.0
    correct: bool | None = None
    reference: Trace | None = field(default=None, repr=False)


@dataclass
class _Frame:
    prog: int
    args: tuple[int, ...]
    node: Step  # the call step whose children this frame records
    state: State = None
    ret_after_call: bool = False  # the call step this frame is waiting on carried the return flag


def execute(
    model: NPI | Controller,
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
    limit or an invalid action stops it. `threads`: torch threads for the run (one is fastest for one
    small step at a time); None leaves torch's setting alone."""
    controller = model if isinstance(model, Controller) else Controller(model)
    names = task.programs
    is_primitive = [name in task.primitives for name in names]
    root = Step(program, pad_args(args), children=[])
    trace = Trace(root, env.snapshot() if record_states else None, task.name)
    stack = [_Frame(task.program_id(program), pad_args(args), root)]
    steps, deepest, reason, halted = 0, 1, "", False
    old_threads = torch.get_num_threads()
    start = time.perf_counter()
    try:
        if threads is not None:
            torch.set_num_threads(threads)
        with torch.inference_mode():
            while True:
                frame = stack[-1]
                if steps >= max_steps:
                    reason = f"step limit: {steps} steps without the entry program returning (max_steps={max_steps})"
                    break
                obs = env.observe()
                (ret, nxt, nargs), frame.state = controller.step(obs, frame.args, frame.prog, frame.state)
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
    finally:
        if threads is not None:
            torch.set_num_threads(old_threads)
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
    model: NPI | Controller,
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
    reference: give the one the model was trained on."""
    task = get_task(task) if isinstance(task, str) else task
    formulation = task.check_formulation(formulation or default_formulation(task))
    reference = None
    if max_steps is None or max_depth is None:
        reference = reference_trace(task, problem, formulation)
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


def reference_trace(task: Task, problem: Any, formulation: str) -> Trace:
    """The reference trace, without per-step snapshots when the task allows it (long inputs stay cheap)."""
    if "record_states" in inspect.signature(task.reference).parameters:
        return task.reference(problem, formulation, record_states=False)  # type: ignore[call-arg]
    return task.reference(problem, formulation)
